// A real mosquitto on loopback for the MQTT tests and the benchmark,
// configured by tests/integration/lib/mosquitto.sh (plain, TLS and mTLS
// listeners, certificates in a temporary directory, persistence on). The
// broker is a child process: stopped by stop() or when this object goes.
#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

class MosquittoBroker {
public:
    enum class Listener { Plain, Tls, Mtls };

    MosquittoBroker();
    ~MosquittoBroker();

    // Certificates, configuration and ports (once).
    bool configure(QString *error);
    // Runs the broker and returns once it listens (bounded: 10 s).
    bool start(QString *error);
    // SIGTERM (the broker saves its persistent sessions), bounded wait.
    bool stop();
    bool running() const;

    QString uri(Listener l) const;
    // A file of the configuration directory (ca.pem, client.key, ...).
    QString file(const QString &name) const;
    // What the broker printed so far (for failure messages).
    QString log();

private:
    QTemporaryDir dir_;
    std::unique_ptr<QProcess> process_;
    quint16 plain_ = 0, tls_ = 0, mtls_ = 0;
    QString log_;
};
