// The trigger condition of a campaign: a small expression language over
// signal values (docs/data-gathering.md, "Trigger conditions"), parsed once
// into a flat tree and evaluated on every change of one of its signals.
//
//   expr       := and ( "||" and )*
//   and        := unary ( "&&" unary )*
//   unary      := "!" unary | "(" expr ")" | operand [ cmp operand ]
//   cmp        := "<" | "<=" | ">" | ">=" | "==" | "!="
//   operand    := SIGNAL | NUMBER | "-" NUMBER | LITERAL
//   SIGNAL     := a VSS path, [A-Za-z][A-Za-z0-9_]* ( "." [A-Za-z0-9_]+ )*
//   NUMBER     := [0-9]+ ( "." [0-9]+ )?
//   LITERAL    := true (1) | false (0) | PARK (126) | DRIVE (127) | NEUTRAL (0) | REVERSE (-1)
//
// An operand alone is true when it is not zero. A signal with no value yet
// is unknown; unknown propagates (Kleene logic: false && unknown is false,
// true || unknown is true) and a condition fires only when it is true.
// Parsing is bounded in length, nesting depth and node count, so a hostile
// document cannot make it (or the evaluation) expensive.
#pragma once

#include "campaignerror.h"

#include <QStringList>

#include <optional>
#include <span>
#include <vector>

namespace conduit::gathering::campaign {

enum class Truth : quint8 { False, True, Unknown };

struct ExpressionLimits {
    int maxLength = 1024; // characters
    int maxDepth = 16;    // nested parentheses and "!"
    int maxNodes = 128;
    int maxSignals = 32; // distinct signals
};

class Expression {
public:
    // Errors are Malformed and name the offset: "at offset 12: expected an operand".
    static Result<Expression> parse(QStringView text, const ExpressionLimits &limits = {});

    // The distinct signals, in order of first appearance: the slots of evaluate().
    const QStringList &signalNames() const { return signals_; }
    // values[i] is the current value of signalNames()[i] (nullopt: none yet).
    Truth evaluate(std::span<const std::optional<double>> values) const;
    int nodeCount() const { return int(nodes_.size()); }

    enum class Op : quint8 { Number, Signal, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Not, NonZero };
    struct Node {
        Op op = Op::Number;
        int a = -1, b = -1; // children (node indexes)
        double number = 0;  // Number
        int slot = -1;      // Signal
    };

private:
    friend class ExpressionParser;
    std::optional<double> operand(int node, std::span<const std::optional<double>> values) const;
    Truth truth(int node, std::span<const std::optional<double>> values) const;

    std::vector<Node> nodes_;
    int root_ = -1;
    QStringList signals_;
};

} // namespace conduit::gathering::campaign
