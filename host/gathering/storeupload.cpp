// The Store's upload states (schema 2, table `uploads`): one row per item
// whose bulk upload has begun, deleted with the item (acknowledge, drop).
#include "store.h"

namespace conduit::gathering {

bool Store::uploadState(qint64 id, UploadState *out, bool *found, StoreFailure *f) {
    Statement s(db_, "SELECT url, offset, expires_ms FROM uploads WHERE item = ?");
    *found = s.bind(1, id).step();
    if (s.failed()) return s.fail(f);
    *out = *found ? UploadState{s.text(0), s.integer(1), s.integer(2)} : UploadState{};
    return true;
}

bool Store::saveUploadState(qint64 id, const UploadState &state, bool *found, StoreFailure *f) {
    Statement s(db_, "INSERT INTO uploads(item, url, offset, expires_ms) SELECT ?1, ?2, ?3, ?4"
                     " WHERE EXISTS(SELECT 1 FROM items WHERE id = ?1)"
                     " ON CONFLICT(item) DO UPDATE SET url = excluded.url, offset = excluded.offset,"
                     " expires_ms = excluded.expires_ms");
    if (!s.bind(1, id).bind(2, state.url).bind(3, state.offset).bind(4, state.expiresMs).run(f)) return false;
    *found = db_.changes() > 0;
    return true;
}

bool Store::clearUploadState(qint64 id, StoreFailure *f) {
    Statement s(db_, "DELETE FROM uploads WHERE item = ?");
    return s.bind(1, id).run(f);
}

} // namespace conduit::gathering
