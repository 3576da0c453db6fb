// The DDI connector (upstream/ddiconnector.h) against a fake hawkBit on
// loopback, with the real engine over a fake device gateway: an action
// that cannot become a campaign is refused once, as closed/failure with
// the reason, and nothing of it reaches the engine or is downloaded.
// (The full paths, verified and installed, are the ddi_*.sh scripts'.)
#include "upstream/ddiconnector.h"

#include "core/campaignengine.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <map>
#include <set>

using namespace conduit;

namespace {

// hawkBit's controller resources for one vehicle, one action: the base
// links deploymentBase/<action>, the deployment is `deployment`, feedback
// is kept. Every response closes its connection.
class FakeHawkbit : public QObject {
public:
    QByteArray deployment;
    QList<QJsonObject> feedback;  // POSTed deploymentBase feedback, in order
    QByteArrayList otherRequests; // anything else asked for (artifacts, ...)
    int deploymentGets = 0;
    std::function<void()> onFeedback;

    FakeHawkbit() {
        connect(&server_, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *s = server_.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [this, s] { onData(s); });
                connect(s, &QTcpSocket::disconnected, this, [this, s] {
                    buffers_.erase(s);
                    s->deleteLater();
                });
            }
        });
        QVERIFY(server_.listen(QHostAddress::LocalHost, 0));
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort())); }
    QString base() const { return url().toString() + QStringLiteral("/DEFAULT/controller/v1/VIN0001"); }

private:
    void onData(QTcpSocket *s) {
        QByteArray &b = buffers_[s];
        b += s->readAll();
        const qsizetype end = b.indexOf("\r\n\r\n");
        if (end < 0) return;
        const QByteArray head = b.left(end);
        qsizetype length = 0;
        for (const QByteArray &line : head.split('\n'))
            if (line.toLower().startsWith("content-length:")) length = line.mid(15).trimmed().toLongLong();
        if (b.size() < end + 4 + length) return; // the body is still coming
        const QByteArray body = b.mid(end + 4, length);
        const QList<QByteArray> words = head.split(' ');
        const QByteArray method = words.value(0), path = words.value(1);
        b.clear();
        const QByteArray prefix = "/DEFAULT/controller/v1/VIN0001";
        if (method == "GET" && path == prefix) {
            return answer(
                s, "200 OK",
                QJsonDocument(
                    QJsonObject{{QStringLiteral("config"),
                                 QJsonObject{{QStringLiteral("polling"),
                                              QJsonObject{{QStringLiteral("sleep"), QStringLiteral("01:00:00")}}}}},
                                {QStringLiteral("_links"),
                                 QJsonObject{{QStringLiteral("deploymentBase"),
                                              QJsonObject{{QStringLiteral("href"),
                                                           base() + QStringLiteral("/deploymentBase/7?c=1")}}}}}})
                    .toJson());
        }
        if (method == "GET" && path.startsWith(prefix + "/deploymentBase/7")) {
            ++deploymentGets;
            return answer(s, "200 OK", deployment);
        }
        if (method == "POST" && path == prefix + "/deploymentBase/7/feedback") {
            feedback << QJsonDocument::fromJson(body).object();
            answer(s, "200 OK", {});
            if (onFeedback) onFeedback();
            return;
        }
        otherRequests << method + ' ' + path;
        answer(s, "404 Not Found", {});
    }
    void answer(QTcpSocket *s, const QByteArray &status, const QByteArray &body) {
        s->write("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        s->disconnectFromHost();
    }

    std::map<QTcpSocket *, QByteArray> buffers_;
    QTcpServer server_; // last: destroyed first, its sockets' handlers still find the above
};

// One device, never stepped (an action refused before its campaign).
class OneDevice : public core::DeviceGateway {
public:
    int calls = 0, inventories = 0;
    void inventory(InventoryDone done) override {
        ++inventories;
        core::DeviceRecord d;
        d.agentId = QStringLiteral("io.conduit.example");
        d.info.id = QStringLiteral("ecu-1");
        d.info.type = QStringLiteral("ecu");
        d.info.hardwareId = QStringLiteral("hw-1");
        d.info.currentVersion = QStringLiteral("1.0");
        QTimer::singleShot(0, this, [done, d] { done({d}, {}); });
    }
    void call(ipc::Op, const QString &, const agents::UpdateSpec &, QIODevice *, CallDone done, Progress) override {
        ++calls;
        agents::CallResult r;
        r.code = -1;
        QTimer::singleShot(0, this, [done, r] { done(r); });
    }
    void cancelAll() override {}
};

class NoPayloads : public core::PayloadSource {
public:
    std::unique_ptr<QIODevice> open(const core::CampaignTarget &, QString *error) override {
        *error = QStringLiteral("none");
        return nullptr;
    }
};

QByteArray deploymentOf(const QString &artifactUrl) {
    const QJsonObject artifact{
        {QStringLiteral("filename"), QStringLiteral("ecu-fw-2.bin")},
        {QStringLiteral("size"), 1024},
        {QStringLiteral("hashes"), QJsonObject{{QStringLiteral("sha256"), QString(64, QLatin1Char('a'))}}},
        {QStringLiteral("_links"),
         QJsonObject{{QStringLiteral("download-http"), QJsonObject{{QStringLiteral("href"), artifactUrl}}}}}};
    const QJsonObject chunk{{QStringLiteral("part"), QStringLiteral("ecu")},
                            {QStringLiteral("version"), QStringLiteral("2.0")},
                            {QStringLiteral("name"), QStringLiteral("ecu")},
                            {QStringLiteral("artifacts"), QJsonArray{artifact}}};
    return QJsonDocument(QJsonObject{{QStringLiteral("id"), QStringLiteral("7")},
                                     {QStringLiteral("deployment"),
                                      QJsonObject{{QStringLiteral("download"), QStringLiteral("forced")},
                                                  {QStringLiteral("update"), QStringLiteral("forced")},
                                                  {QStringLiteral("chunks"), QJsonArray{chunk}}}}})
        .toJson();
}

} // namespace

class TestDdiConnector : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<FakeHawkbit> server;
    std::unique_ptr<QNetworkAccessManager> network;
    std::unique_ptr<OneDevice> devices;
    std::unique_ptr<core::Journal> journal;
    std::unique_ptr<core::VehicleState> vehicle;
    NoPayloads payloads;
    std::unique_ptr<core::CampaignEngine> engine;
    std::unique_ptr<upstream::DdiConnector> connector;

    void startConnector() {
        upstream::DdiConnectorConfig c;
        c.ddi.server = server->url();
        c.ddi.controllerId = QStringLiteral("VIN0001");
        c.ddi.targetToken = QStringLiteral("secret");
        c.director.baseUrl = server->url().resolved(QUrl(QStringLiteral("/director/")));
        c.image.baseUrl = server->url().resolved(QUrl(QStringLiteral("/image/")));
        c.trustStatePath = dir->filePath(QStringLiteral("trust.json")); // never provisioned
        c.stagingDir = dir->filePath(QStringLiteral("downloads"));
        c.vin = QStringLiteral("VIN0001");
        connector = std::make_unique<upstream::DdiConnector>(network.get(), c, engine.get(), devices.get());
        connector->start();
    }
    // Runs the event loop until the server has `n` feedback messages.
    bool waitForFeedback(int n) {
        if (server->feedback.size() >= n) return true;
        QEventLoop loop;
        server->onFeedback = [&] {
            if (server->feedback.size() >= n) loop.quit();
        };
        QTimer::singleShot(20000, &loop, &QEventLoop::quit); // fails the test instead of hanging it
        loop.exec();
        server->onFeedback = {};
        return server->feedback.size() >= n;
    }

private slots:
    void init() {
        dir = std::make_unique<QTemporaryDir>();
        QVERIFY(dir->isValid());
        server = std::make_unique<FakeHawkbit>();
        network = std::make_unique<QNetworkAccessManager>();
        devices = std::make_unique<OneDevice>();
        journal = std::make_unique<core::Journal>(dir->filePath(QStringLiteral("campaign.journal")));
        QString error;
        QVERIFY2(journal->open(&error), qPrintable(error));
        vehicle = std::make_unique<core::VehicleState>();
        engine = std::make_unique<core::CampaignEngine>(journal.get(), devices.get(), &payloads, vehicle.get(),
                                                        core::CampaignEngine::Config{});
    }
    void cleanup() {
        connector.reset();
        engine.reset();
        vehicle.reset();
        journal.reset();
        devices.reset();
        network.reset();
        server.reset();
        dir.reset();
    }

    void unverifiableActionIsRefusedOnceAndNeverInstalled() {
        server->deployment = deploymentOf(server->url().toString() + QStringLiteral("/artifacts/ecu-fw-2.bin"));
        startConnector();
        QSignalSpy refused(connector.get(), &upstream::DdiConnector::actionRefused);
        QVERIFY(waitForFeedback(1));
        QCOMPARE(refused.size(), 1);
        QCOMPARE(refused[0][0].toString(), QStringLiteral("7"));
        const QString reason = refused[0][1].toString();
        QVERIFY2(reason.contains(QStringLiteral("provision it first")), qPrintable(reason));

        const QJsonObject status = server->feedback[0].value(QLatin1String("status")).toObject();
        QCOMPARE(status.value(QLatin1String("execution")).toString(), QStringLiteral("closed"));
        QCOMPARE(status.value(QLatin1String("result")).toObject().value(QLatin1String("finished")).toString(),
                 QStringLiteral("failure"));
        QCOMPARE(status.value(QLatin1String("details")).toArray(), QJsonArray{reason});

        // Offered again (a server that keeps linking it): not refused, not
        // reported, not verified a second time.
        const auto again = upstream::ddi::parseDeployment(server->deployment, QUrl(server->base()));
        QVERIFY2(again, qPrintable(again ? QString() : again.error().message));
        QCOMPARE(devices->inventories, 1); // the first verification's
        emit connector->client()->deploymentOffered(*again, false);
        QCOMPARE(devices->inventories, 1); // no second one started
        QCOMPARE(refused.size(), 1);
        QCOMPARE(server->deploymentGets, 1);

        QCOMPARE(engine->state(), core::CampaignEngine::State::Idle);
        QCOMPARE(engine->queued(), 0);
        QVERIFY(engine->history().isEmpty());
        QCOMPARE(devices->calls, 0);
        QVERIFY2(server->otherRequests.isEmpty(), server->otherRequests.join(", ").constData());
        QCOMPARE(server->feedback.size(), 1);
    }

    void unreadableDeploymentIsRefusedWithItsReason() {
        server->deployment = R"({"id":"7","deployment":{"download":"sometimes","update":"forced","chunks":[]}})";
        startConnector();
        QSignalSpy refused(connector.get(), &upstream::DdiConnector::actionRefused);
        QVERIFY(waitForFeedback(1));
        QCOMPARE(refused.size(), 1);
        const QString reason = refused[0][1].toString();
        QVERIFY2(reason.startsWith(QStringLiteral("the deployment of action 7 cannot be read: ")), qPrintable(reason));
        const QJsonObject status = server->feedback[0].value(QLatin1String("status")).toObject();
        QCOMPARE(status.value(QLatin1String("execution")).toString(), QStringLiteral("closed"));
        QCOMPARE(status.value(QLatin1String("details")).toArray(), QJsonArray{reason});
        QCOMPARE(engine->queued(), 0);
        QCOMPARE(engine->state(), core::CampaignEngine::State::Idle);
    }
};

QTEST_GUILESS_MAIN(TestDdiConnector)
#include "tst_ddiconnector.moc"
