// The engine unit tests' fixture: a journal in a temporary directory, the
// fake gateway with three devices (gw, ecu-a, ecu-b), the campaign that
// updates them in two phases, and helpers to run it or to leave the journal
// a host leaves when it dies.
#pragma once

#include "fakegateway.h"

#include "core/campaignengine.h"
#include "core/vehicleprovider.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <functional>
#include <memory>

using namespace conduit::core;
using State = CampaignEngine::State;

Q_DECLARE_METATYPE(CampaignEngine::Result)

// The structured failure (failure.h) as "device/step/kind", to compare at once.
inline QString failureOf(const CampaignEngine::Result &r) {
    return QStringList{r.failure.device, Failure::stepName(r.failure.step), Failure::kindName(r.failure.kind)}.join(
        QLatin1Char('/'));
}

struct Fixture {
    QTemporaryDir dir;
    Journal journal{dir.filePath(QStringLiteral("journal"))};
    FakeGateway gateway;
    MemoryPayloads payloads;
    VehicleState vehicle;
    std::unique_ptr<CampaignEngine> engine;
    bool opened = false;

    explicit Fixture(bool autoConsent = true, const std::function<void(CampaignEngine::Config &)> &configure = {}) {
        QString error;
        opened = journal.open(&error);
        for (const char *d : {"ecu-a", "ecu-b", "gw"}) gateway.add(QLatin1String(d));
        simulateParkedCar(&vehicle);
        CampaignEngine::Config c;
        c.autoConsentDownload = c.autoConsentInstall = autoConsent;
        c.historyPath = dir.filePath(QStringLiteral("history.json"));
        if (configure) configure(c);
        engine = std::make_unique<CampaignEngine>(&journal, &gateway, &payloads, &vehicle, c);
    }
    Campaign campaign() {
        Campaign c;
        c.id = QStringLiteral("c1");
        c.name = QStringLiteral("Brakes 2.0");
        int phase = 0;
        for (const char *d : {"gw", "ecu-a", "ecu-b"}) {
            CampaignTarget t;
            t.deviceId = QLatin1String(d);
            t.hardwareId = QStringLiteral("hw");
            t.targetName = t.deviceId + QStringLiteral(".img");
            t.version = QStringLiteral("2.0");
            payloads.files[t.targetName] = QByteArray(1000 + phase, 'x');
            t.length = quint64(payloads.files[t.targetName].size());
            t.phase = phase == 0 ? 0 : 1; // gateway first, then both ECUs
            ++phase;
            c.targets << t;
        }
        return c;
    }
    CampaignEngine::Result run(const Campaign &c) {
        if (!opened) return {};
        QSignalSpy done(engine.get(), &CampaignEngine::finished);
        engine->submit(c);
        if (!done.wait(5000)) return {};
        return done.first().first().value<CampaignEngine::Result>();
    }
    // Writes the journal a host leaves when it dies after `decisions`.
    void journalUpTo(const Campaign &c, const QStringList &decisions) {
        QString error;
        journal.append({{"type", "start"}, {"campaign", c.toJson()}}, true, &error);
        QJsonArray plan;
        for (const CampaignTarget &t : c.targets)
            plan << QJsonObject{{"device", t.deviceId},
                                {"agent", "fake.agent"},
                                {"from", "1.0"},
                                {"capabilities", 1},
                                {"phase", t.phase}};
        journal.append({{"type", "plan"}, {"runs", plan}}, true, &error);
        for (const QString &d : decisions) journal.append({{"type", d}}, true, &error);
    }
    QStringList versions() const {
        QStringList v;
        for (const FakeDevice &d : gateway.devices) v << d.current;
        return v;
    }
};
