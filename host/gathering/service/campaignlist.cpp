#include "campaigndirectory.h"

namespace conduit::gathering {

void CampaignList::upsert(const CampaignSummary &c) {
    auto it = std::find_if(campaigns_.begin(), campaigns_.end(), [&](const auto &e) { return e.id == c.id; });
    if (it == campaigns_.end())
        campaigns_.append(c);
    else
        *it = c;
    if (changed_) changed_();
}

void CampaignList::remove(const QString &id) {
    if (campaigns_.removeIf([&](const auto &e) { return e.id == id; }) && changed_) changed_();
}

} // namespace conduit::gathering
