#include "gatheringlinks.h"

#include "gathering/mqtt/topics.h"
#include "trust/httpsource.h"

#include <QFile>
#include <QFileInfo>

namespace conduit::daemon {

namespace {

const QString kSection = QStringLiteral("gathering/");

} // namespace

QStringList gatheringLinksKeys() {
    QStringList keys{
        QStringLiteral("vehicle_id"),       QStringLiteral("campaign_keys"),      QStringLiteral("mqtt_broker"),
        QStringLiteral("mqtt_ca_file"),     QStringLiteral("mqtt_cert_file"),     QStringLiteral("mqtt_key_file"),
        QStringLiteral("mqtt_username"),    QStringLiteral("mqtt_password_file"), QStringLiteral("tus_url"),
        QStringLiteral("tus_ca_file"),      QStringLiteral("tus_cert_file"),      QStringLiteral("tus_key_file"),
        QStringLiteral("tus_bandwidth_kib")};
    for (QString &k : keys) k.prepend(kSection);
    return keys;
}

bool parseGatheringLinks(const QSettings &s, const QDir &base, const QString &vin, GatheringLinks *out,
                         QString *error) {
    GatheringLinks &g = *out;
    auto bad = [&](const QString &key, const QString &what) {
        *error = QStringLiteral("[gathering] %1 %2").arg(key, what);
        return false;
    };
    auto text = [&](const QString &key) { return s.value(kSection + key).toString().trimmed(); };
    // A readable file, or empty when the key is absent.
    auto file = [&](const QString &key, QString *path) {
        if (!s.contains(kSection + key)) return true;
        const QString v = text(key);
        if (v.isEmpty()) return bad(key, QStringLiteral("must not be empty"));
        *path = QDir::cleanPath(base.absoluteFilePath(v));
        if (!QFileInfo(*path).isFile() || !QFileInfo(*path).isReadable())
            return bad(key, QStringLiteral("names %1, which is not a readable file").arg(*path));
        return true;
    };
    auto only = [&](const QString &key, const QString &needs) {
        return !s.contains(kSection + key) || s.contains(kSection + needs) ||
               bad(key, QStringLiteral("needs %1").arg(needs));
    };

    g.vehicleId = s.contains(kSection + QStringLiteral("vehicle_id")) ? text(QStringLiteral("vehicle_id")) : vin;
    if (!file(QStringLiteral("campaign_keys"), &g.campaignKeysFile)) return false;

    for (const char *k : {"mqtt_ca_file", "mqtt_cert_file", "mqtt_key_file", "mqtt_username", "mqtt_password_file"})
        if (!only(QLatin1String(k), QStringLiteral("mqtt_broker"))) return false;
    if (s.contains(kSection + QStringLiteral("mqtt_broker"))) {
        GatheringLinks::Broker b;
        b.uri = text(QStringLiteral("mqtt_broker"));
        const QUrl url(b.uri);
        const bool tls = url.scheme() == QLatin1String("ssl");
        if (!(tls || url.scheme() == QLatin1String("tcp")) || url.host().isEmpty() || url.port() <= 0 ||
            !(url.path().isEmpty() || url.path() == QLatin1String("/")))
            return bad(QStringLiteral("mqtt_broker"),
                       QStringLiteral("must be tcp://host:port or ssl://host:port, not \"%1\"").arg(b.uri));
        QString passwordFile;
        if (!file(QStringLiteral("mqtt_ca_file"), &b.caFile) || !file(QStringLiteral("mqtt_cert_file"), &b.certFile) ||
            !file(QStringLiteral("mqtt_key_file"), &b.keyFile) ||
            !file(QStringLiteral("mqtt_password_file"), &passwordFile))
            return false;
        if (tls && b.caFile.isEmpty())
            return bad(QStringLiteral("mqtt_broker"), QStringLiteral("with ssl:// needs mqtt_ca_file"));
        if (b.certFile.isEmpty() != b.keyFile.isEmpty())
            return bad(QStringLiteral("mqtt_cert_file"), QStringLiteral("and mqtt_key_file go together"));
        b.userName = text(QStringLiteral("mqtt_username"));
        if (!passwordFile.isEmpty()) {
            QFile f(passwordFile);
            if (!f.open(QIODevice::ReadOnly))
                return bad(QStringLiteral("mqtt_password_file"),
                           QStringLiteral("cannot be read: %1").arg(f.errorString()));
            b.password = f.readAll();
            while (b.password.endsWith('\n') || b.password.endsWith('\r')) b.password.chop(1);
            if (b.userName.isEmpty())
                return bad(QStringLiteral("mqtt_password_file"), QStringLiteral("needs mqtt_username"));
        }
        g.mqtt = b;
    }

    for (const char *k : {"tus_ca_file", "tus_cert_file", "tus_key_file", "tus_bandwidth_kib"})
        if (!only(QLatin1String(k), QStringLiteral("tus_url"))) return false;
    if (s.contains(kSection + QStringLiteral("tus_url"))) {
        GatheringLinks::Uploads u;
        const QString v = text(QStringLiteral("tus_url"));
        u.endpoint = QUrl(v, QUrl::StrictMode);
        if (!u.endpoint.isValid() || u.endpoint.host().isEmpty() ||
            (u.endpoint.scheme() != QLatin1String("http") && u.endpoint.scheme() != QLatin1String("https")))
            return bad(QStringLiteral("tus_url"),
                       QStringLiteral("must be an http:// or https:// URL, not \"%1\"").arg(v));
        QString ca, cert, key;
        if (!file(QStringLiteral("tus_ca_file"), &ca) || !file(QStringLiteral("tus_cert_file"), &cert) ||
            !file(QStringLiteral("tus_key_file"), &key))
            return false;
        if (cert.isEmpty() != key.isEmpty())
            return bad(QStringLiteral("tus_cert_file"), QStringLiteral("and tus_key_file go together"));
        if (!ca.isEmpty() || !cert.isEmpty()) {
            auto tls = trust::tlsConfigurationFromFiles(ca, cert, key);
            if (!tls) return bad(QStringLiteral("tus_ca_file"), QStringLiteral("(TLS): %1").arg(tls.error().message));
            u.tls = *tls;
        }
        if (s.contains(kSection + QStringLiteral("tus_bandwidth_kib"))) {
            bool ok = false;
            const qint64 kib = text(QStringLiteral("tus_bandwidth_kib")).toLongLong(&ok);
            if (!ok || kib < 0 || kib > (1 << 20))
                return bad(QStringLiteral("tus_bandwidth_kib"),
                           QStringLiteral("must be an integer from 0 to 1048576, not \"%1\"")
                               .arg(text(QStringLiteral("tus_bandwidth_kib"))));
            u.bandwidthLimit = kib << 10;
        }
        g.tus = u;
    }

    // The topics and the campaigns' scope name the vehicle.
    const bool needsVehicle = g.mqtt || !g.campaignKeysFile.isEmpty();
    if (needsVehicle && !gathering::mqtt::Topics::forVehicle(g.vehicleId))
        return bad(QStringLiteral("vehicle_id"),
                   g.vehicleId.isEmpty()
                       ? QStringLiteral("(or [host] vin) is needed with mqtt_broker or campaign_keys")
                       : QStringLiteral("must be 1 to 64 of A-Z a-z 0-9 . _ -, not \"%1\"").arg(g.vehicleId));
    return true;
}

} // namespace conduit::daemon
