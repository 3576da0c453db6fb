#include "trust/canonicaljson.h"

#include <limits>

namespace conduit::trust {

JsonValue JsonValue::array(const QStringList &strings) {
    Array a;
    a.reserve(strings.size());
    for (const QString &s : strings) a.emplace_back(s);
    return JsonValue(std::move(a));
}

bool JsonValue::contains(const std::string &key) const { return m_type == Type::Object && m_object.count(key) != 0; }

const JsonValue &JsonValue::operator[](const std::string &key) const {
    static const JsonValue null;
    if (m_type != Type::Object) return null;
    auto it = m_object.find(key);
    return it == m_object.end() ? null : it->second;
}

void JsonValue::insert(const std::string &key, JsonValue value) {
    if (m_type != Type::Object) {
        *this = JsonValue(Object{});
    }
    m_object.insert_or_assign(key, std::move(value));
}

void JsonValue::remove(const std::string &key) { m_object.erase(key); }

bool JsonValue::operator==(const JsonValue &other) const {
    if (m_type != other.m_type) return false;
    switch (m_type) {
    case Type::Null: return true;
    case Type::Bool: return m_bool == other.m_bool;
    case Type::Integer: return m_int == other.m_int;
    case Type::String: return m_string == other.m_string;
    case Type::Array: return m_array == other.m_array;
    case Type::Object: return m_object == other.m_object;
    }
    return false;
}

qsizetype firstInvalidUtf8(QByteArrayView bytes) {
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int extra = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else
            return i;
        if (i + extra >= n) return i;
        for (int k = 1; k <= extra; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += extra + 1;
    }
    return -1;
}

namespace {

class Parser {
public:
    Parser(QByteArrayView in, const JsonLimits &limits) : m_in(in), m_limits(limits) {}

    Result<JsonValue> parseDocument() {
        JsonValue v;
        skipWhitespace();
        if (!parseValue(v, 0)) return failure();
        skipWhitespace();
        if (m_pos != m_in.size() && !m_failed) fail("trailing data after the JSON document");
        if (m_failed) return failure();
        return v;
    }

private:
    TrustError failure() const {
        return trustError(TrustErrorKind::Malformed,
                          QStringLiteral("malformed JSON at offset %1: %2").arg(m_errorPos).arg(m_error));
    }

    bool fail(const QString &message) {
        if (!m_failed) {
            m_failed = true;
            m_error = message;
            m_errorPos = m_pos;
        }
        return false;
    }

    bool atEnd() const { return m_pos >= m_in.size(); }
    char peek() const { return atEnd() ? '\0' : m_in[m_pos]; }

    void skipWhitespace() {
        while (!atEnd()) {
            const char c = m_in[m_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++m_pos;
        }
    }

    bool expectLiteral(const char *word) {
        for (const char *w = word; *w; ++w) {
            if (atEnd() || m_in[m_pos] != *w)
                return fail(QStringLiteral("invalid literal, expected \"%1\"").arg(QLatin1String(word)));
            ++m_pos;
        }
        return true;
    }

    bool parseValue(JsonValue &out, int depth) {
        if (atEnd()) return fail(QStringLiteral("unexpected end of input"));
        switch (peek()) {
        case '{': return parseObject(out, depth + 1);
        case '[': return parseArray(out, depth + 1);
        case '"': {
            std::string s;
            if (!parseString(s)) return false;
            out = JsonValue(std::move(s));
            return true;
        }
        case 't': out = JsonValue(true); return expectLiteral("true");
        case 'f': out = JsonValue(false); return expectLiteral("false");
        case 'n': out = JsonValue(); return expectLiteral("null");
        default: return parseInteger(out);
        }
    }

    bool checkDepth(int depth) {
        if (depth > m_limits.maxDepth) return fail(QStringLiteral("nesting deeper than %1").arg(m_limits.maxDepth));
        return true;
    }

    bool parseObject(JsonValue &out, int depth) {
        if (!checkDepth(depth)) return false;
        ++m_pos; // '{'
        JsonValue::Object object;
        skipWhitespace();
        if (peek() == '}') {
            ++m_pos;
            out = JsonValue(std::move(object));
            return true;
        }
        for (;;) {
            skipWhitespace();
            if (peek() != '"') return fail(QStringLiteral("expected a string key"));
            const qsizetype keyPos = m_pos;
            std::string key;
            if (!parseString(key)) return false;
            skipWhitespace();
            if (peek() != ':') return fail(QStringLiteral("expected ':'"));
            ++m_pos;
            skipWhitespace();
            JsonValue value;
            if (!parseValue(value, depth)) return false;
            if (!object.emplace(key, std::move(value)).second) {
                m_pos = keyPos;
                return fail(QStringLiteral("duplicate key \"%1\"").arg(QString::fromStdString(key)));
            }
            skipWhitespace();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == '}') {
                ++m_pos;
                out = JsonValue(std::move(object));
                return true;
            }
            return fail(QStringLiteral("expected ',' or '}'"));
        }
    }

    bool parseArray(JsonValue &out, int depth) {
        if (!checkDepth(depth)) return false;
        ++m_pos; // '['
        JsonValue::Array array;
        skipWhitespace();
        if (peek() == ']') {
            ++m_pos;
            out = JsonValue(std::move(array));
            return true;
        }
        for (;;) {
            skipWhitespace();
            JsonValue value;
            if (!parseValue(value, depth)) return false;
            array.push_back(std::move(value));
            skipWhitespace();
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == ']') {
                ++m_pos;
                out = JsonValue(std::move(array));
                return true;
            }
            return fail(QStringLiteral("expected ',' or ']'"));
        }
    }

    bool parseInteger(JsonValue &out) {
        const qsizetype start = m_pos;
        bool negative = false;
        if (peek() == '-') {
            negative = true;
            ++m_pos;
        }
        if (atEnd() || peek() < '0' || peek() > '9') return fail(QStringLiteral("unexpected character"));
        if (peek() == '0' && m_pos + 1 < m_in.size() && m_in[m_pos + 1] >= '0' && m_in[m_pos + 1] <= '9')
            return fail(QStringLiteral("leading zeros are not allowed"));
        // Accumulate as a negative number so INT64_MIN is representable.
        qint64 value = 0;
        while (!atEnd() && peek() >= '0' && peek() <= '9') {
            const int digit = peek() - '0';
            if (value < (std::numeric_limits<qint64>::min() + digit) / 10) {
                m_pos = start;
                return fail(QStringLiteral("integer outside the int64 range"));
            }
            value = value * 10 - digit;
            ++m_pos;
        }
        if (peek() == '.' || peek() == 'e' || peek() == 'E')
            return fail(QStringLiteral("floating-point numbers are not allowed"));
        if (!negative) {
            if (value == std::numeric_limits<qint64>::min()) {
                m_pos = start;
                return fail(QStringLiteral("integer outside the int64 range"));
            }
            value = -value;
        } else if (value == 0) {
            m_pos = start;
            return fail(QStringLiteral("negative zero is not canonical"));
        }
        out = JsonValue(value);
        return true;
    }

    bool parseHex4(char32_t &out) {
        if (m_pos + 4 > m_in.size()) return fail(QStringLiteral("truncated \\u escape"));
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_in[m_pos++];
            out <<= 4;
            if (c >= '0' && c <= '9')
                out |= char32_t(c - '0');
            else if (c >= 'a' && c <= 'f')
                out |= char32_t(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                out |= char32_t(c - 'A' + 10);
            else
                return fail(QStringLiteral("invalid \\u escape"));
        }
        return true;
    }

    static void appendUtf8(std::string &s, char32_t cp) {
        if (cp < 0x80) {
            s += char(cp);
        } else if (cp < 0x800) {
            s += char(0xC0 | (cp >> 6));
            s += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s += char(0xE0 | (cp >> 12));
            s += char(0x80 | ((cp >> 6) & 0x3F));
            s += char(0x80 | (cp & 0x3F));
        } else {
            s += char(0xF0 | (cp >> 18));
            s += char(0x80 | ((cp >> 12) & 0x3F));
            s += char(0x80 | ((cp >> 6) & 0x3F));
            s += char(0x80 | (cp & 0x3F));
        }
    }

    bool parseEscape(std::string &s) {
        if (atEnd()) return fail(QStringLiteral("unterminated string"));
        const char c = m_in[m_pos++];
        switch (c) {
        case '"': s += '"'; return true;
        case '\\': s += '\\'; return true;
        case '/': s += '/'; return true;
        case 'b': s += '\b'; return true;
        case 'f': s += '\f'; return true;
        case 'n': s += '\n'; return true;
        case 'r': s += '\r'; return true;
        case 't': s += '\t'; return true;
        case 'u': break;
        default: --m_pos; return fail(QStringLiteral("invalid escape"));
        }
        char32_t cp = 0;
        if (!parseHex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(QStringLiteral("unpaired low surrogate"));
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            char32_t low = 0;
            if (m_pos + 2 > m_in.size() || m_in[m_pos] != '\\' || m_in[m_pos + 1] != 'u')
                return fail(QStringLiteral("unpaired high surrogate"));
            m_pos += 2;
            if (!parseHex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail(QStringLiteral("unpaired high surrogate"));
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(s, cp);
        return true;
    }

    bool parseString(std::string &s) {
        ++m_pos; // opening quote
        for (;;) {
            if (atEnd()) return fail(QStringLiteral("unterminated string"));
            const auto c = static_cast<unsigned char>(m_in[m_pos]);
            if (c == '"') {
                ++m_pos;
                return true;
            }
            if (c == '\\') {
                ++m_pos;
                if (!parseEscape(s)) return false;
                continue;
            }
            if (c < 0x20) return fail(QStringLiteral("control character in string"));
            if (c < 0x80) {
                s += char(c);
                ++m_pos;
                continue;
            }
            // Multi-byte sequence: validate just this character.
            const qsizetype len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            const QByteArrayView seq = m_in.sliced(m_pos, std::min<qsizetype>(len, m_in.size() - m_pos));
            if (seq.size() != len || firstInvalidUtf8(seq) != -1) return fail(QStringLiteral("invalid UTF-8"));
            s.append(seq.data(), size_t(seq.size()));
            m_pos += len;
        }
    }

    QByteArrayView m_in;
    JsonLimits m_limits;
    qsizetype m_pos = 0;
    bool m_failed = false;
    QString m_error;
    qsizetype m_errorPos = 0;
};

void encode(const JsonValue &v, QByteArray &out, bool escapeControl) {
    switch (v.type()) {
    case JsonValue::Type::Null: out += "null"; break;
    case JsonValue::Type::Bool: out += v.toBool() ? "true" : "false"; break;
    case JsonValue::Type::Integer: out += QByteArray::number(v.toInteger()); break;
    case JsonValue::Type::String: {
        out += '"';
        for (const char c : v.str()) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (escapeControl && u < 0x20) {
                out += "\\u00";
                out += "0123456789abcdef"[u >> 4];
                out += "0123456789abcdef"[u & 0xF];
            } else {
                out += c;
            }
        }
        out += '"';
        break;
    }
    case JsonValue::Type::Array: {
        out += '[';
        bool first = true;
        for (const JsonValue &e : v.toArray()) {
            if (!first) out += ',';
            first = false;
            encode(e, out, escapeControl);
        }
        out += ']';
        break;
    }
    case JsonValue::Type::Object: {
        out += '{';
        bool first = true;
        for (const auto &[key, member] : v.toObject()) {
            if (!first) out += ',';
            first = false;
            encode(JsonValue(key), out, escapeControl);
            out += ':';
            encode(member, out, escapeControl);
        }
        out += '}';
        break;
    }
    }
}

} // namespace

Result<JsonValue> parseJson(QByteArrayView input, const JsonLimits &limits) {
    if (input.size() > limits.maxBytes) {
        return trustError(TrustErrorKind::TooLarge,
                          QStringLiteral("JSON document of %1 bytes exceeds the limit of %2 bytes")
                              .arg(input.size())
                              .arg(limits.maxBytes));
    }
    return Parser(input, limits).parseDocument();
}

QByteArray canonicalJson(const JsonValue &value) {
    QByteArray out;
    encode(value, out, false);
    return out;
}

QByteArray compactJson(const JsonValue &value) {
    QByteArray out;
    encode(value, out, true);
    return out;
}

} // namespace conduit::trust
