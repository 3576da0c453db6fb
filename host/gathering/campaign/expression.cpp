#include "expression.h"

#include <array>
#include <cmath>

namespace conduit::gathering::campaign {

namespace {

struct Literal {
    const char *name;
    double value;
};
// VSS Vehicle.Powertrain.Transmission.SelectedGear: 126 park, 127 drive,
// 0 neutral, negative reverse.
constexpr std::array<Literal, 6> kLiterals{{
    {"true", 1},
    {"false", 0},
    {"PARK", 126},
    {"DRIVE", 127},
    {"NEUTRAL", 0},
    {"REVERSE", -1},
}};

bool isIdentStart(QChar c) { return (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z'); }
bool isIdentChar(QChar c) { return isIdentStart(c) || (c >= u'0' && c <= u'9') || c == u'_'; }
bool isDigit(QChar c) { return c >= u'0' && c <= u'9'; }

} // namespace

// Recursive descent over the text; every production checks the limits
// before it recurses or adds a node.
class ExpressionParser {
public:
    ExpressionParser(QStringView text, const ExpressionLimits &limits) : text_(text), limits_(limits) {}

    Result<Expression> run() {
        if (text_.size() > limits_.maxLength)
            return campaignError(
                CampaignErrorKind::Malformed,
                QStringLiteral("%1 characters, the limit is %2").arg(text_.size()).arg(limits_.maxLength));
        const int root = parseOr(0);
        if (root >= 0) {
            skipSpace();
            if (pos_ < text_.size()) fail(QStringLiteral("unexpected \"%1\"").arg(text_[pos_]));
        }
        if (!error_.isEmpty()) return campaignError(CampaignErrorKind::Malformed, error_);
        out_.root_ = root;
        return std::move(out_);
    }

private:
    using Op = Expression::Op;

    int fail(const QString &what) {
        if (error_.isEmpty()) error_ = QStringLiteral("at offset %1: %2").arg(pos_).arg(what);
        return -1;
    }
    void skipSpace() {
        while (pos_ < text_.size() && (text_[pos_] == u' ' || text_[pos_] == u'\t' || text_[pos_] == u'\n')) ++pos_;
    }
    bool eat(QStringView token) {
        skipSpace();
        if (!text_.mid(pos_).startsWith(token)) return false;
        pos_ += token.size();
        return true;
    }
    int node(Expression::Node n) {
        if (int(out_.nodes_.size()) >= limits_.maxNodes)
            return fail(QStringLiteral("more than %1 nodes").arg(limits_.maxNodes));
        out_.nodes_.push_back(n);
        return int(out_.nodes_.size()) - 1;
    }
    int binary(Op op, int a, int b) { return a < 0 || b < 0 ? -1 : node({op, a, b, 0, -1}); }

    int parseOr(int depth) {
        int left = parseAnd(depth);
        while (left >= 0 && eat(u"||")) left = binary(Op::Or, left, parseAnd(depth));
        return left;
    }
    int parseAnd(int depth) {
        int left = parseUnary(depth);
        while (left >= 0 && eat(u"&&")) left = binary(Op::And, left, parseUnary(depth));
        return left;
    }
    int parseUnary(int depth) {
        if (depth >= limits_.maxDepth) return fail(QStringLiteral("nested deeper than %1").arg(limits_.maxDepth));
        skipSpace();
        if (pos_ < text_.size() && text_[pos_] == u'!' && !text_.mid(pos_).startsWith(u"!=")) {
            ++pos_;
            const int inner = parseUnary(depth + 1);
            return inner < 0 ? -1 : node({Op::Not, inner, -1, 0, -1});
        }
        if (eat(u"(")) {
            const int inner = parseOr(depth + 1);
            if (inner < 0) return -1;
            if (!eat(u")")) return fail(QStringLiteral("expected \")\""));
            return inner;
        }
        const int left = parseOperand();
        if (left < 0) return -1;
        static constexpr std::array<std::pair<const char16_t *, Op>, 6> kCmp{{
            {u"<=", Op::Le},
            {u">=", Op::Ge},
            {u"==", Op::Eq},
            {u"!=", Op::Ne},
            {u"<", Op::Lt},
            {u">", Op::Gt},
        }};
        for (const auto &[token, op] : kCmp)
            if (eat(token)) return binary(op, left, parseOperand());
        return node({Op::NonZero, left, -1, 0, -1});
    }
    int parseOperand() {
        skipSpace();
        const qsizetype start = pos_;
        bool negative = false;
        if (pos_ < text_.size() && text_[pos_] == u'-') {
            negative = true;
            ++pos_;
        }
        if (pos_ < text_.size() && isDigit(text_[pos_])) {
            while (pos_ < text_.size() && isDigit(text_[pos_])) ++pos_;
            if (pos_ + 1 < text_.size() && text_[pos_] == u'.' && isDigit(text_[pos_ + 1])) {
                ++pos_;
                while (pos_ < text_.size() && isDigit(text_[pos_])) ++pos_;
            }
            bool ok = false;
            const double v = text_.mid(start, pos_ - start).toDouble(&ok);
            if (!ok || !std::isfinite(v)) {
                pos_ = start;
                return fail(QStringLiteral("number out of range"));
            }
            return node({Op::Number, -1, -1, v, -1});
        }
        if (negative) return fail(QStringLiteral("expected a number after \"-\""));
        if (pos_ >= text_.size() || !isIdentStart(text_[pos_]))
            return fail(pos_ >= text_.size() ? QStringLiteral("expected an operand, found the end")
                                             : QStringLiteral("expected an operand, found \"%1\"").arg(text_[pos_]));
        while (pos_ < text_.size()) {
            if (isIdentChar(text_[pos_])) {
                ++pos_;
            } else if (text_[pos_] == u'.' && pos_ + 1 < text_.size() && isIdentChar(text_[pos_ + 1])) {
                ++pos_;
            } else {
                break;
            }
        }
        const QString name = text_.mid(start, pos_ - start).toString();
        for (const Literal &l : kLiterals)
            if (name == QLatin1String(l.name)) return node({Op::Number, -1, -1, l.value, -1});
        qsizetype slot = out_.signals_.indexOf(name);
        if (slot < 0) {
            if (out_.signals_.size() >= limits_.maxSignals) {
                pos_ = start;
                return fail(QStringLiteral("more than %1 distinct signals").arg(limits_.maxSignals));
            }
            out_.signals_.append(name);
            slot = out_.signals_.size() - 1;
        }
        return node({Op::Signal, -1, -1, 0, int(slot)});
    }

    QStringView text_;
    ExpressionLimits limits_;
    qsizetype pos_ = 0;
    QString error_;
    Expression out_;
};

Result<Expression> Expression::parse(QStringView text, const ExpressionLimits &limits) {
    return ExpressionParser(text, limits).run();
}

std::optional<double> Expression::operand(int n, std::span<const std::optional<double>> values) const {
    const Node &node = nodes_[size_t(n)];
    if (node.op == Op::Number) return node.number;
    if (node.op == Op::Signal) return size_t(node.slot) < values.size() ? values[size_t(node.slot)] : std::nullopt;
    return std::nullopt; // the parser puts only operands here
}

Truth Expression::truth(int n, std::span<const std::optional<double>> values) const {
    const Node &node = nodes_[size_t(n)];
    switch (node.op) {
    case Op::And: {
        const Truth a = truth(node.a, values);
        if (a == Truth::False) return Truth::False;
        const Truth b = truth(node.b, values);
        if (b == Truth::False) return Truth::False;
        return a == Truth::True && b == Truth::True ? Truth::True : Truth::Unknown;
    }
    case Op::Or: {
        const Truth a = truth(node.a, values);
        if (a == Truth::True) return Truth::True;
        const Truth b = truth(node.b, values);
        if (b == Truth::True) return Truth::True;
        return a == Truth::False && b == Truth::False ? Truth::False : Truth::Unknown;
    }
    case Op::Not: {
        const Truth a = truth(node.a, values);
        return a == Truth::Unknown ? a : (a == Truth::True ? Truth::False : Truth::True);
    }
    case Op::NonZero: {
        const auto v = operand(node.a, values);
        return !v ? Truth::Unknown : (*v != 0 ? Truth::True : Truth::False);
    }
    case Op::Number:
    case Op::Signal: return Truth::Unknown; // not a condition; the parser never makes one the root
    default: break;
    }
    const auto a = operand(node.a, values);
    const auto b = operand(node.b, values);
    if (!a || !b) return Truth::Unknown;
    bool r = false;
    switch (node.op) {
    case Op::Lt: r = *a < *b; break;
    case Op::Le: r = *a <= *b; break;
    case Op::Gt: r = *a > *b; break;
    case Op::Ge: r = *a >= *b; break;
    case Op::Eq: r = *a == *b; break;
    case Op::Ne: r = *a != *b; break;
    default: break;
    }
    return r ? Truth::True : Truth::False;
}

Truth Expression::evaluate(std::span<const std::optional<double>> values) const {
    return root_ < 0 ? Truth::Unknown : truth(root_, values);
}

} // namespace conduit::gathering::campaign
