// Strict JSON for signed metadata and the OLPC canonical encoding that TUF
// signatures are computed over (securesystemslib's encode_canonical).
//
// The parser accepts only what can be re-encoded canonically without loss:
// integers within int64, no floats or exponents, valid UTF-8, unique keys,
// bounded depth and size. Whitespace between tokens is allowed so that
// pretty-printed metadata from other tools parses.
#pragma once

#include "trust/trusterror.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include <map>
#include <string>
#include <vector>

namespace conduit::trust {

class JsonValue {
public:
    enum class Type { Null, Bool, Integer, String, Array, Object };
    using Array = std::vector<JsonValue>;
    // Keys are UTF-8 bytes; std::string ordering is byte order, which for
    // UTF-8 equals code point order, the canonical key order.
    using Object = std::map<std::string, JsonValue>;

    JsonValue() = default;
    JsonValue(std::nullptr_t) {}
    JsonValue(bool b) : m_type(Type::Bool), m_bool(b) {}
    JsonValue(int i) : m_type(Type::Integer), m_int(i) {}
    JsonValue(qint64 i) : m_type(Type::Integer), m_int(i) {}
    JsonValue(const char *s) : m_type(Type::String), m_string(s) {}
    JsonValue(std::string s) : m_type(Type::String), m_string(std::move(s)) {}
    JsonValue(const QString &s) : m_type(Type::String), m_string(s.toStdString()) {}
    JsonValue(Array a) : m_type(Type::Array), m_array(std::move(a)) {}
    JsonValue(Object o) : m_type(Type::Object), m_object(std::move(o)) {}
    static JsonValue array(const QStringList &strings);

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isBool() const { return m_type == Type::Bool; }
    bool isInteger() const { return m_type == Type::Integer; }
    bool isString() const { return m_type == Type::String; }
    bool isArray() const { return m_type == Type::Array; }
    bool isObject() const { return m_type == Type::Object; }

    bool toBool() const { return m_bool; }
    qint64 toInteger() const { return m_int; }
    const std::string &str() const { return m_string; }
    QString toString() const { return QString::fromStdString(m_string); }
    const Array &toArray() const { return m_array; }
    const Object &toObject() const { return m_object; }
    Object &objectRef() { return m_object; }
    Array &arrayRef() { return m_array; }

    // Object access; a missing member reads as null.
    bool contains(const std::string &key) const;
    const JsonValue &operator[](const std::string &key) const;
    void insert(const std::string &key, JsonValue value);
    void remove(const std::string &key);

    bool operator==(const JsonValue &other) const;

private:
    Type m_type = Type::Null;
    bool m_bool = false;
    qint64 m_int = 0;
    std::string m_string;
    Array m_array;
    Object m_object;
};

struct JsonLimits {
    qint64 maxBytes = 1 << 20;
    int maxDepth = 64;
};

// Parses one JSON document (RFC 8259 minus floats) with the strict rules above.
// Errors carry the byte offset: "malformed JSON at offset 17: duplicate key \"a\"".
Result<JsonValue> parseJson(QByteArrayView input, const JsonLimits &limits = {});

// OLPC canonical form: sorted keys, no whitespace, strings escape only '\\'
// and '"' and carry every other byte verbatim. This is what gets signed.
QByteArray canonicalJson(const JsonValue &value);

// Compact standard JSON (control characters escaped) for files written to
// disk; for metadata built by Conduit it is byte-identical to canonicalJson.
QByteArray compactJson(const JsonValue &value);

// Strict UTF-8 validation (no overlongs, no surrogates, <= U+10FFFF).
// Returns the offset of the first invalid byte, or -1.
qsizetype firstInvalidUtf8(QByteArrayView bytes);

} // namespace conduit::trust
