// Fuzz target: the trigger condition language (gathering/campaign/
// expression.h), text from a campaign document. Parsing is bounded (length,
// depth, nodes, signals); whatever parses evaluates without fault with
// every signal unknown, zero or set.
#include "gathering/campaign/expression.h"

#include <cstddef>
#include <cstdint>

using namespace conduit::gathering::campaign;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const ExpressionLimits limits;
    auto e = Expression::parse(text, limits);
    if (!e) return 0;
    if (e->nodeCount() > limits.maxNodes || e->signalNames().size() > limits.maxSignals) __builtin_trap();
    const size_t n = size_t(e->signalNames().size());
    for (const std::optional<double> v :
         {std::optional<double>(), std::optional<double>(0.0), std::optional<double>(126.0)}) {
        const std::vector<std::optional<double>> values(n, v);
        (void)e->evaluate(values);
    }
    // Fewer values than slots (a caller's mistake) reads as unknown, not out of bounds.
    (void)e->evaluate({});
    return 0;
}
