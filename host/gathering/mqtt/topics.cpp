#include "topics.h"

namespace conduit::gathering::mqtt {

namespace {
QString root() { return QStringLiteral("conduit/v1/"); }

bool usableId(const QString &v) {
    if (v.isEmpty() || v.size() > 64) return false;
    for (QChar c : v) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'.' ||
                        c == u'_' || c == u'-';
        if (!ok) return false;
    }
    return true;
}
} // namespace

std::optional<Topics> Topics::forVehicle(const QString &vehicle) {
    if (!usableId(vehicle)) return std::nullopt;
    return Topics(vehicle);
}

Topics::Topics(QString vehicle) : vehicle_(std::move(vehicle)) {}

QString Topics::base() const { return root() + vehicle_ + QLatin1Char('/'); }

QString Topics::data(DataClass c) const { return base() + QStringLiteral("data/") + nameOf(c); }

QString Topics::downstream(Downstream d) const {
    return base() + (d == Downstream::Campaigns ? QStringLiteral("campaigns") : QStringLiteral("commands"));
}

QString Topics::responses() const { return base() + QStringLiteral("responses"); }

QString Topics::status() const { return base() + QStringLiteral("status"); }

QString Topics::key(qint64 storeId) const { return vehicle_ + QLatin1Char('/') + QString::number(storeId); }

std::optional<Downstream> Topics::downstreamOf(QStringView topic) const {
    for (Downstream d : {Downstream::Campaigns, Downstream::Commands})
        if (topic == downstream(d)) return d;
    return std::nullopt;
}

QString Topics::allData() { return root() + QStringLiteral("+/data/#"); }

} // namespace conduit::gathering::mqtt
