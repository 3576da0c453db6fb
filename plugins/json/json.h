// A small JSON reader for agents: their configuration and the signed
// custom metadata of an update. Plugins stay free of Qt and third-party
// JSON libraries (see docs/flash-agent.md); this covers RFC 8259 input
// except that numbers are kept as double and their source text.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace conduit::plugin {

class Json {
public:
    enum class Kind { Null, Bool, Number, String, Array, Object };

    // Parses `text`; on malformed input returns false and sets `error`.
    static bool parse(std::string_view text, Json &out, std::string &error);

    Kind kind() const { return kind_; }
    bool isObject() const { return kind_ == Kind::Object; }
    bool isString() const { return kind_ == Kind::String; }
    bool isNumber() const { return kind_ == Kind::Number; }

    // Member access; a missing member or a non-object yields a Null value.
    const Json &operator[](std::string_view key) const;
    const std::vector<Json> &items() const { return items_; }
    const std::map<std::string, Json, std::less<>> &members() const { return members_; }

    std::string string(std::string_view fallback = {}) const {
        return kind_ == Kind::String ? text_ : std::string(fallback);
    }
    double number(double fallback = 0) const { return kind_ == Kind::Number ? number_ : fallback; }
    bool boolean(bool fallback = false) const { return kind_ == Kind::Bool ? bool_ : fallback; }

private:
    friend class JsonParser;
    Kind kind_ = Kind::Null;
    bool bool_ = false;
    double number_ = 0;
    std::string text_;
    std::vector<Json> items_;
    std::map<std::string, Json, std::less<>> members_;
};

} // namespace conduit::plugin
