#include "json.h"

#include <cstdlib>

namespace conduit::plugin {

namespace {
const Json &nullJson() {
    static const Json n;
    return n;
}
constexpr int kMaxDepth = 64;
} // namespace

class JsonParser {
public:
    explicit JsonParser(std::string_view s) : s_(s) {}

    bool document(Json &out, std::string &error) {
        if (!value(out, 0)) {
            error = error_ + " at offset " + std::to_string(pos_);
            return false;
        }
        skip();
        if (pos_ != s_.size()) {
            error = "trailing data at offset " + std::to_string(pos_);
            return false;
        }
        return true;
    }

private:
    bool fail(const char *what) {
        error_ = what;
        return false;
    }
    void skip() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
        pos_ += word.size();
        return true;
    }
    bool value(Json &out, int depth) {
        if (depth > kMaxDepth) return fail("nesting too deep");
        skip();
        if (pos_ >= s_.size()) return fail("unexpected end");
        switch (s_[pos_]) {
        case '{': return object(out, depth);
        case '[': return array(out, depth);
        case '"': out.kind_ = Json::Kind::String; return string(out.text_);
        case 't':
            out.kind_ = Json::Kind::Bool;
            out.bool_ = true;
            return literal("true");
        case 'f':
            out.kind_ = Json::Kind::Bool;
            out.bool_ = false;
            return literal("false");
        case 'n': out.kind_ = Json::Kind::Null; return literal("null");
        default: return number(out);
        }
    }
    bool object(Json &out, int depth) {
        out.kind_ = Json::Kind::Object;
        ++pos_;
        skip();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return true;
        }
        for (;;) {
            skip();
            if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected member name");
            std::string key;
            if (!string(key)) return false;
            skip();
            if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
            ++pos_;
            Json member;
            if (!value(member, depth + 1)) return false;
            out.members_[key] = std::move(member); // last duplicate wins
            skip();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                return true;
            }
            return fail("expected ',' or '}'");
        }
    }
    bool array(Json &out, int depth) {
        out.kind_ = Json::Kind::Array;
        ++pos_;
        skip();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            return true;
        }
        for (;;) {
            Json item;
            if (!value(item, depth + 1)) return false;
            out.items_.push_back(std::move(item));
            skip();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                return true;
            }
            return fail("expected ',' or ']'");
        }
    }
    static void utf8(std::string &out, unsigned cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    bool hex4(unsigned &cp) {
        if (pos_ + 4 > s_.size()) return fail("short \\u escape");
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            cp <<= 4;
            if (c >= '0' && c <= '9')
                cp |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f')
                cp |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                cp |= unsigned(c - 'A' + 10);
            else
                return fail("bad \\u escape");
        }
        return true;
    }
    bool string(std::string &out) {
        ++pos_; // opening quote
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) break;
            const char e = s_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp < 0xDC00) { // surrogate pair
                    unsigned lo;
                    if (s_.substr(pos_, 2) != "\\u") return fail("lone surrogate");
                    pos_ += 2;
                    if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return fail("bad surrogate pair");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    return fail("lone surrogate");
                }
                utf8(out, cp);
                break;
            }
            default: return fail("bad escape");
            }
        }
        return fail("unterminated string");
    }
    bool number(Json &out) {
        const size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        auto digits = [&] {
            size_t n = 0;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_, ++n;
            return n;
        };
        if (digits() == 0) return fail("invalid value");
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            if (digits() == 0) return fail("invalid number");
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            if (digits() == 0) return fail("invalid number");
        }
        out.kind_ = Json::Kind::Number;
        out.text_ = std::string(s_.substr(start, pos_ - start));
        out.number_ = std::strtod(out.text_.c_str(), nullptr);
        return true;
    }

    std::string_view s_;
    size_t pos_ = 0;
    std::string error_;
};

bool Json::parse(std::string_view text, Json &out, std::string &error) {
    out = Json();
    return JsonParser(text).document(out, error);
}

const Json &Json::operator[](std::string_view key) const {
    if (kind_ != Kind::Object) return nullJson();
    auto it = members_.find(key);
    return it == members_.end() ? nullJson() : it->second;
}

} // namespace conduit::plugin
