#include "gatheringjson.h"

#include "gathering/service/gatheringservice.h"

namespace conduit::api {

using namespace gathering;

namespace {

QJsonObject cell(qint64 items, qint64 bytes) {
    return {{QStringLiteral("items"), double(items)}, {QStringLiteral("bytes"), double(bytes)}};
}

QJsonArray classNames(const QList<DataClass> &classes) {
    QJsonArray a;
    for (DataClass c : classes) a << nameOf(c);
    return a;
}

} // namespace

QJsonArray campaignsJson(const GatheringService &s) {
    QJsonArray out;
    for (const CampaignSummary &c : s.campaigns()->campaigns()) {
        QJsonObject purpose;
        for (auto it = c.purpose.begin(); it != c.purpose.end(); ++it) purpose.insert(it.key(), it.value());
        out << QJsonObject{{QStringLiteral("id"), c.id},
                           {QStringLiteral("name"), c.name},
                           {QStringLiteral("purpose"), purpose},
                           {QStringLiteral("classes"), classNames(c.classes)},
                           {QStringLiteral("expires_ms"), double(c.expiresMs)}};
    }
    return out;
}

QJsonArray consentJson(const GatheringService &s) {
    QJsonArray out;
    for (const auto &[c, allowed] : s.consent().all()) {
        QJsonArray campaigns;
        for (const CampaignSummary &k : s.campaigns()->campaigns())
            if (k.classes.contains(c)) campaigns << k.id;
        out << QJsonObject{{QStringLiteral("class"), nameOf(c)},
                           {QStringLiteral("allowed"), allowed},
                           {QStringLiteral("personal"), ConsentBook::personal(c)},
                           {QStringLiteral("campaigns"), campaigns}};
    }
    return out;
}

QJsonObject usageJson(const GatheringService &s, const Usage &u) {
    QJsonArray classes;
    for (DataClass c : kDataClasses) {
        qint64 items = 0, bytes = 0;
        QJsonObject byPriority, drops;
        for (Priority p : kPriorities) {
            auto it = u.pending.find({c, p});
            if (it == u.pending.end() || it->second.items == 0) continue;
            items += it->second.items;
            bytes += it->second.bytes;
            byPriority.insert(nameOf(p), cell(it->second.items, it->second.bytes));
        }
        for (DropReason r : kDropReasons) {
            qint64 ri = 0, rb = 0;
            for (Priority p : kPriorities) {
                auto it = u.drops.find({c, p, r});
                if (it == u.drops.end()) continue;
                ri += it->second.items;
                rb += it->second.bytes;
            }
            if (ri) drops.insert(nameOf(r), cell(ri, rb));
        }
        QJsonObject frameDrops;
        for (FrameDrop d : kFrameDrops) {
            auto it = s.ingest().drops().find({c, d});
            if (it != s.ingest().drops().end())
                frameDrops.insert(nameOf(d), QJsonObject{{QStringLiteral("frames"), double(it->second.frames)},
                                                         {QStringLiteral("bytes"), double(it->second.bytes)}});
        }
        QJsonObject o{{QStringLiteral("class"), nameOf(c)},        {QStringLiteral("allowed"), s.consent().allowed(c)},
                      {QStringLiteral("items"), double(items)},    {QStringLiteral("bytes"), double(bytes)},
                      {QStringLiteral("by_priority"), byPriority}, {QStringLiteral("drops"), drops},
                      {QStringLiteral("frame_drops"), frameDrops}};
        auto up = s.uplinks().find(c);
        if (up != s.uplinks().end()) {
            const UplinkState &st = up->second;
            o.insert(QStringLiteral("last_upload"),
                     st.lastDeliveredMs ? QJsonValue(QJsonObject{{QStringLiteral("at_ms"), double(st.lastDeliveredMs)},
                                                                 {QStringLiteral("uplink"), st.uplink},
                                                                 {QStringLiteral("items"), double(st.items)},
                                                                 {QStringLiteral("bytes"), double(st.bytes)}})
                                        : QJsonValue());
            if (!st.lastFailure.isEmpty())
                o.insert(QStringLiteral("last_failure"),
                         QJsonObject{{QStringLiteral("at_ms"), double(st.lastFailureMs)},
                                     {QStringLiteral("error"), st.lastFailure}});
        } else {
            o.insert(QStringLiteral("last_upload"), QJsonValue());
        }
        classes << o;
    }
    QJsonArray captures;
    for (const CaptureRequest &r : s.ingest().active())
        captures << QJsonObject{{QStringLiteral("device"), r.deviceId},
                                {QStringLiteral("stream"), r.stream},
                                {QStringLiteral("class"), nameOf(r.dataClass)},
                                {QStringLiteral("priority"), nameOf(r.priority)},
                                {QStringLiteral("campaign"), r.campaignId}};
    return {{QStringLiteral("items"), double(u.items)},
            {QStringLiteral("bytes"), double(u.bytes)},
            {QStringLiteral("max_items"), double(u.maxItems)},
            {QStringLiteral("max_bytes"), double(u.maxBytes)},
            {QStringLiteral("leased"), double(u.leased)},
            {QStringLiteral("oldest_pending_ms"), double(u.oldestPendingMs)},
            {QStringLiteral("database_file_bytes"), double(u.databaseFileBytes)},
            {QStringLiteral("backlog_bytes"), double(s.backlogBytes())},
            {QStringLiteral("unclaimed_frames"), double(s.ingest().unclaimed().frames)},
            {QStringLiteral("classes"), classes},
            {QStringLiteral("captures"), captures}};
}

QJsonObject removalJson(const QList<DataClass> &classes, qint64 items, qint64 bytes) {
    return {{QStringLiteral("classes"), classNames(classes)},
            {QStringLiteral("items"), double(items)},
            {QStringLiteral("bytes"), double(bytes)}};
}

} // namespace conduit::api
