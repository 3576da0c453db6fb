// The driver's privacy choices: consent per data class, durable across
// restarts. Checked before anything reaches the store: nothing of a refused
// class is stored, kept in memory or sent.
//
// Defaults (no file yet): the personal classes, Location and Camera, are
// refused until the driver allows them; Telemetry, Diagnostics and Logs are
// allowed. A file that cannot be read as a consent book refuses every class
// (a damaged file must never turn a refusal into consent) and is reported.
//
// File: <store dir>/consent.json, {"version": 1, "classes": {"telemetry":
// true, ...}}, replaced atomically (core::replaceFileDurably) before set()
// returns. encode/decode are the one place that reads and writes it;
// tests/fuzz/fuzz_consentbook.cpp fuzzes decode.
//
// [single-thread] the service's thread.
#pragma once

#include "gathering/item.h"

#include <QByteArray>
#include <QString>

#include <map>
#include <optional>

namespace conduit::gathering {

using ConsentMap = std::map<DataClass, bool>;

class ConsentBook {
public:
    explicit ConsentBook(QString path) : path_(std::move(path)) {}

    // Reads the file; a missing one gives the defaults. false with *warning
    // when the file was there but unreadable: every class is then refused.
    bool load(QString *warning);
    bool allowed(DataClass c) const { return map_.at(c); }
    const ConsentMap &all() const { return map_; }
    // Durable on return; false with *error (and nothing changed) otherwise.
    bool set(DataClass c, bool allowed, QString *error);
    const QString &path() const { return path_; }

    static bool personal(DataClass c) { return c == DataClass::Location || c == DataClass::Camera; }
    static ConsentMap defaults();
    static QByteArray encode(const ConsentMap &m);
    // Classes the file does not name keep their default; an unknown class
    // name, a non-boolean or another version is an error.
    static std::optional<ConsentMap> decode(const QByteArray &bytes, QString *error);

private:
    QString path_;
    ConsentMap map_ = defaults();
};

} // namespace conduit::gathering
