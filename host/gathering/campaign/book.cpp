#include "book.h"

#include "core/durablefile.h"
#include "core/vocabulary.h"

#include <QDir>
#include <QFile>

#include <array>

namespace conduit::gathering::campaign {

using trust::JsonValue;

namespace {

constexpr std::array<core::Named<CampaignState>, 3> kStateNames{{
    {CampaignState::Active, "active"},
    {CampaignState::Stopped, "stopped"},
    {CampaignState::Ended, "ended"},
}};
constexpr std::array<core::Named<Offer>, 2> kOfferNames{{
    {Offer::Accepted, "accepted"},
    {Offer::AlreadyHave, "already-have"},
}};
constexpr qint64 kMaxBookBytes = 16 << 20;

CampaignError storage(const QString &what) { return campaignError(CampaignErrorKind::Storage, what); }

Result<BookEntry> readEntry(const std::string &id, const JsonValue &v, const CampaignLimits &limits) {
    BookEntry e;
    e.id = QString::fromStdString(id);
    if (!v.isObject()) return storage(QStringLiteral("entry %1 is not an object").arg(e.id));
    for (const auto &[key, value] : v.toObject())
        if (key != "highest_version" && key != "state" && key != "last_trigger_ms" && key != "document")
            return storage(QStringLiteral("entry %1 has an unknown field %2").arg(e.id, QString::fromStdString(key)));
    if (!v["highest_version"].isInteger() || v["highest_version"].toInteger() < 1)
        return storage(QStringLiteral("entry %1 has no valid highest_version").arg(e.id));
    e.highestVersion = v["highest_version"].toInteger();
    const auto state = core::valueOf(kStateNames, v["state"].toString());
    if (!v["state"].isString() || !state) return storage(QStringLiteral("entry %1 has no valid state").arg(e.id));
    e.state = *state;
    if (v.contains("last_trigger_ms")) {
        if (!v["last_trigger_ms"].isInteger() || v["last_trigger_ms"].toInteger() < 0)
            return storage(QStringLiteral("entry %1 has an invalid last_trigger_ms").arg(e.id));
        e.lastTriggerMs = v["last_trigger_ms"].toInteger();
    }
    if ((e.state == CampaignState::Active) != v.contains("document"))
        return storage(QStringLiteral("entry %1: a document is kept exactly while active").arg(e.id));
    if (e.state == CampaignState::Active) {
        // The document was verified when accepted; the state directory is
        // as trusted as the trust module's (its signatures are not checked
        // again, so a key rotation does not drop running campaigns).
        auto campaign = parseCampaign(v["document"]["signed"], limits);
        if (!campaign) return storage(QStringLiteral("entry %1: %2").arg(e.id, campaign.error().message));
        if (campaign->id != e.id || campaign->version != e.highestVersion)
            return storage(QStringLiteral("entry %1: its document is %2 version %3")
                               .arg(e.id, campaign->id)
                               .arg(campaign->version));
        e.campaign = std::move(*campaign);
        e.envelope = v["document"];
    }
    return e;
}

} // namespace

QString nameOf(CampaignState v) { return core::nameOf(kStateNames, v); }
QString nameOf(Offer v) { return core::nameOf(kOfferNames, v); }

QString CampaignBook::path() const { return dir_ + QStringLiteral("/campaigns.json"); }

Result<CampaignBook> CampaignBook::open(const QString &dir, const CampaignLimits &limits) {
    CampaignBook book;
    book.dir_ = dir;
    if (!QDir().mkpath(dir)) return storage(QStringLiteral("cannot create the campaign directory %1").arg(dir));
    QFile file(book.path());
    if (!file.exists()) return book;
    auto fail = [&](const QString &what) {
        return storage(QStringLiteral("the campaign book %1 is damaged: %2").arg(book.path(), what));
    };
    if (!file.open(QIODevice::ReadOnly))
        return storage(QStringLiteral("cannot read the campaign book %1: %2").arg(book.path(), file.errorString()));
    const QByteArray bytes = file.read(kMaxBookBytes + 1);
    if (bytes.size() > kMaxBookBytes) return fail(QStringLiteral("larger than %1 bytes").arg(kMaxBookBytes));
    auto doc = trust::parseJson(bytes, trust::JsonLimits{kMaxBookBytes, 24});
    if (!doc) return fail(doc.error().message);
    if (!doc->isObject() || doc->toObject().size() != 2 || !(*doc)["format"].isInteger() ||
        !(*doc)["campaigns"].isObject())
        return fail(QStringLiteral("expected exactly format and campaigns"));
    if ((*doc)["format"].toInteger() != 1)
        return fail(QStringLiteral("format %1 is not supported (1 is)").arg((*doc)["format"].toInteger()));
    for (const auto &[id, value] : (*doc)["campaigns"].toObject()) {
        auto entry = readEntry(id, value, limits);
        if (!entry) return fail(entry.error().message);
        book.entries_.emplace(entry->id, std::move(*entry));
    }
    return book;
}

Status CampaignBook::save() {
    JsonValue::Object campaigns;
    for (const auto &[id, e] : entries_) {
        JsonValue::Object o{{"highest_version", JsonValue(e.highestVersion)}, {"state", JsonValue(nameOf(e.state))}};
        if (e.lastTriggerMs >= 0) o.emplace("last_trigger_ms", JsonValue(e.lastTriggerMs));
        if (e.state == CampaignState::Active) o.emplace("document", e.envelope);
        campaigns.emplace(id.toStdString(), JsonValue(std::move(o)));
    }
    const QByteArray bytes = trust::compactJson(
        JsonValue(JsonValue::Object{{"format", JsonValue(1)}, {"campaigns", JsonValue(std::move(campaigns))}}));
    QString error;
    if (!core::replaceFileDurably(path(), bytes, &error))
        return storage(QStringLiteral("cannot write the campaign book: %1").arg(error));
    return error::Ok{};
}

Result<Offer> CampaignBook::offer(const VerifiedCampaign &verified) {
    const Campaign &c = verified.campaign;
    auto it = entries_.find(c.id);
    if (it != entries_.end()) {
        if (c.version == it->second.highestVersion) return Offer::AlreadyHave;
        if (c.version < it->second.highestVersion)
            return campaignError(CampaignErrorKind::Rollback,
                                 QStringLiteral("campaign %1 version %2 is older than version %3, accepted before")
                                     .arg(c.id)
                                     .arg(c.version)
                                     .arg(it->second.highestVersion));
    }
    if (it == entries_.end() || it->second.state != CampaignState::Active) {
        if (qsizetype(active().size()) >= kMaxActive)
            return campaignError(
                CampaignErrorKind::TooLarge,
                QStringLiteral("campaign %1: %2 campaigns are active already, the limit").arg(c.id).arg(kMaxActive));
    }
    const std::map<QString, BookEntry> before = entries_;
    entries_[c.id] = BookEntry{c.id, c.version, CampaignState::Active, -1, verified.envelope, c};
    if (auto saved = save(); !saved) {
        entries_ = before;
        return saved.error();
    }
    return Offer::Accepted;
}

Status CampaignBook::setState(const QString &id, CampaignState state) {
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.state != CampaignState::Active)
        return campaignError(CampaignErrorKind::NotFound, QStringLiteral("no active campaign %1").arg(id));
    const BookEntry before = it->second;
    it->second.state = state;
    it->second.envelope = JsonValue();
    it->second.campaign = Campaign{};
    if (auto saved = save(); !saved) {
        it->second = before;
        return saved.error();
    }
    return error::Ok{};
}

Status CampaignBook::stop(const QString &id) { return setState(id, CampaignState::Stopped); }
Status CampaignBook::end(const QString &id) { return setState(id, CampaignState::Ended); }

Status CampaignBook::setLastTrigger(const QString &id, qint64 timeMs) {
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.state != CampaignState::Active)
        return campaignError(CampaignErrorKind::NotFound, QStringLiteral("no active campaign %1").arg(id));
    const qint64 before = it->second.lastTriggerMs;
    it->second.lastTriggerMs = timeMs;
    if (auto saved = save(); !saved) {
        it->second.lastTriggerMs = before;
        return saved.error();
    }
    return error::Ok{};
}

const BookEntry *CampaignBook::find(const QString &id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : &it->second;
}

std::vector<const BookEntry *> CampaignBook::active() const {
    std::vector<const BookEntry *> out;
    for (const auto &[id, e] : entries_)
        if (e.state == CampaignState::Active) out.push_back(&e);
    return out;
}

} // namespace conduit::gathering::campaign
