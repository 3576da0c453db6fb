// Helpers of the ECU simulator's unit tests: hex views of byte vectors and
// a server over a flash in a temporary dir, driven at explicit times.
#pragma once

#include "flash.h"
#include "udsserver.h"

#include <QByteArray>
#include <QTemporaryDir>

#include <memory>

namespace ecusimtest {

using conduit::ecusim::Bytes;

inline QByteArray hex(const std::optional<Bytes> &b) {
    if (!b) return "(none)";
    return QByteArray(reinterpret_cast<const char *>(b->data()), qsizetype(b->size())).toHex();
}
inline Bytes bytes(const char *hexText) {
    const QByteArray raw = QByteArray::fromHex(hexText);
    return Bytes(raw.begin(), raw.end());
}

struct Bench {
    explicit Bench(conduit::ecusim::EcuConfig c) : config(std::move(c)) { reopen(); }
    // A fresh Flash and server over the same state dir: a power cycle.
    void reopen() {
        server.reset();
        flash = std::make_unique<conduit::ecusim::Flash>();
        std::string error;
        opened = flash->open(dir.path().toStdString() + "/ecu", config, error);
        openError = error;
        server = std::make_unique<conduit::ecusim::UdsServer>(config, *flash);
        server->start(now);
    }
    conduit::ecusim::Outcome send(const Bytes &request, int advanceMs = 1, bool functional = false) {
        now += std::chrono::milliseconds(advanceMs);
        return server->handle(request, now, functional);
    }
    QByteArray call(const char *request, int advanceMs = 1) { return hex(send(bytes(request), advanceMs).reply); }
    // Programming session, unlocked, fingerprint written.
    bool unlock() {
        if (call("1002").left(4) != "5002") return false;
        const auto seed = send(bytes("2701")).reply;
        if (!seed || seed->size() != 6) return false;
        Bytes key{0x27, 0x02};
        const Bytes k = conduit::ecusim::UdsServer::expectedKey(std::span(*seed).subspan(2), 0x01);
        key.insert(key.end(), k.begin(), k.end());
        return hex(send(key).reply) == "6702" && call("2ef15a261202434e44543031") == "6ef15a";
    }

    conduit::ecusim::EcuConfig config;
    QTemporaryDir dir;
    conduit::ecusim::TimePoint now{};
    std::unique_ptr<conduit::ecusim::Flash> flash;
    std::unique_ptr<conduit::ecusim::UdsServer> server;
    bool opened = false;
    std::string openError;
};

} // namespace ecusimtest
