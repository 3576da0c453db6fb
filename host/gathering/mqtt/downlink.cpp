#include "downlink.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcMqtt)

namespace conduit::gathering::mqtt {

Downlink::Downlink(MessageLink &link, Topics topics, Handler handler, std::function<qint64()> clock, QObject *parent)
    : QObject(parent), link_(link), topics_(std::move(topics)), handler_(std::move(handler)), clock_(std::move(clock)) {
    if (!clock_) clock_ = [] { return QDateTime::currentMSecsSinceEpoch(); };
    connect(&link_, &MessageLink::received, this, &Downlink::onReceived);
}

void Downlink::start() {
    for (Downstream d : {Downstream::Campaigns, Downstream::Commands}) link_.subscribe(topics_.downstream(d));
}

void Downlink::onReceived(const IncomingMessage &m) {
    const std::optional<Downstream> which = topics_.downstreamOf(m.topic);
    if (!which) return; // another subscriber's topic on the same link
    if (*which == Downstream::Commands) {
        const QString expires = m.property(QString::fromLatin1(property::kExpiresAt));
        if (!expires.isNull()) {
            bool ok = false;
            const qint64 at = expires.toLongLong(&ok);
            if (!ok) {
                ++counters_.malformed;
                qCWarning(lcMqtt).noquote() << "downlink: dropped a command with" << property::kExpiresAt << expires
                                            << "(not ms since the epoch)";
                return;
            }
            if (at <= clock_()) {
                ++counters_.expired;
                qCInfo(lcMqtt).noquote() << "downlink: dropped a command that expired at" << at;
                return;
            }
        }
    }
    if (m.duplicate) ++counters_.duplicates;
    ++counters_.handed;
    handler_(*which, m);
}

} // namespace conduit::gathering::mqtt
