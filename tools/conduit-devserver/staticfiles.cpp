#include "staticfiles.h"

#include <QDir>
#include <QFileInfo>

namespace conduit::devserver {

namespace {

struct Range {
    qint64 first = 0;
    qint64 last = 0; // inclusive
};

enum class RangeParse { None, Ok, Unsatisfiable };

std::optional<qint64> digits(QByteArrayView s) {
    if (s.isEmpty() || s.size() > 18) return std::nullopt;
    qint64 n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

// RFC 9110 14.1: a syntactically invalid or multi-range header is ignored
// (full 200 answer); a valid single range that misses the file is 416.
RangeParse parseRange(const QByteArray &header, qint64 size, Range *out) {
    const QByteArray h = header.trimmed();
    if (!h.startsWith("bytes=") || h.contains(',')) return RangeParse::None;
    const QByteArray spec = h.mid(6).trimmed();
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0) return RangeParse::None;
    const QByteArrayView a = QByteArrayView(spec).first(dash).trimmed();
    const QByteArrayView b = QByteArrayView(spec).sliced(dash + 1).trimmed();
    if (a.isEmpty()) {
        const auto suffix = digits(b);
        if (!suffix) return RangeParse::None;
        if (*suffix == 0 || size == 0) return RangeParse::Unsatisfiable;
        out->first = std::max<qint64>(0, size - *suffix);
        out->last = size - 1;
        return RangeParse::Ok;
    }
    const auto first = digits(a);
    if (!first) return RangeParse::None;
    std::optional<qint64> last;
    if (!b.isEmpty()) {
        last = digits(b);
        if (!last || *last < *first) return RangeParse::None;
    }
    if (*first >= size) return RangeParse::Unsatisfiable;
    out->first = *first;
    out->last = std::min(last.value_or(size - 1), size - 1);
    return RangeParse::Ok;
}

bool etagMatches(const QByteArray &list, const QByteArray &etag) {
    for (const QByteArray &item : list.split(',')) {
        const QByteArray t = item.trimmed();
        if (t == "*" || t == etag || t == "W/" + etag) return true;
    }
    return false;
}

} // namespace

HttpResponse fileResponse(const HttpRequest &request, const QString &path, qint64 size, const QByteArray &etag,
                          const QByteArray &contentType) {
    if (request.hasHeader("if-match") && !etagMatches(request.header("if-match"), etag))
        return HttpResponse::error(412, QStringLiteral("If-Match does not match the artifact"));
    HttpResponse r;
    r.setHeader("Content-Type", contentType);
    r.setHeader("Accept-Ranges", "bytes");
    r.setHeader("ETag", etag);
    r.file = FileBody{path, 0, size};
    bool useRange = request.hasHeader("range");
    if (useRange && request.hasHeader("if-range") && request.header("if-range").trimmed() != etag)
        useRange = false; // the client's partial copy is of another version: send it all
    if (!useRange) return r;
    Range range;
    switch (parseRange(request.header("range"), size, &range)) {
    case RangeParse::None: return r;
    case RangeParse::Unsatisfiable: {
        HttpResponse bad = HttpResponse::error(416, QStringLiteral("range outside the %1-byte file").arg(size));
        bad.setHeader("Content-Range", "bytes */" + QByteArray::number(size));
        return bad;
    }
    case RangeParse::Ok: break;
    }
    r.status = 206;
    r.file->offset = range.first;
    r.file->length = range.last - range.first + 1;
    r.setHeader("Content-Range", "bytes " + QByteArray::number(range.first) + '-' + QByteArray::number(range.last) +
                                     '/' + QByteArray::number(size));
    return r;
}

std::optional<QString> resolveUnder(const QString &root, const QStringList &segments) {
    if (segments.isEmpty()) return std::nullopt;
    for (const QString &s : segments)
        if (s.isEmpty() || s == u"." || s == u".." || s.contains(u'/') || s.contains(u'\\') || s.contains(QChar(0)))
            return std::nullopt;
    const QString canonicalRoot = QFileInfo(root).canonicalFilePath();
    if (canonicalRoot.isEmpty()) return std::nullopt;
    const QFileInfo info(canonicalRoot + u'/' + segments.join(u'/'));
    const QString canonical = info.canonicalFilePath(); // resolves symlinks; empty if missing
    if (canonical.isEmpty() || !canonical.startsWith(canonicalRoot + u'/')) return std::nullopt;
    if (!QFileInfo(canonical).isFile()) return std::nullopt;
    return canonical;
}

} // namespace conduit::devserver
