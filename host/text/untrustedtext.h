// Text that came from outside (bundle entry names, metadata fields, server
// answers, agent messages) on its way to a terminal or a log. Raw, an ESC
// sequence in a bundle entry name clears the operator's screen, a NUL cuts
// the message short so a name looks legitimate, a newline forges a log line
// and a bidi override reorders what is shown. Every edge that writes text
// (conduitctl's output, conduitd's log and error output) passes it through
// here, so no message has to remember which of its parts were untrusted.
#pragma once

#include <QString>
#include <QStringView>

namespace conduit::text {

enum class Newlines { Escape, Keep };

// `text` with every control character escaped: C0 (NUL, ESC, ...) and DEL as
// \xNN (\n, \r, \t as themselves when kept, as \n, \r, \t otherwise), C1 as
// \u{NN}, and the bidirectional overrides and isolates (U+202A..U+202E,
// U+2066..U+2069) as \u{NNNN}. A backslash itself is not doubled: the
// result is for reading, not for parsing back. Tabs are always kept.
QString printable(QStringView text, Newlines newlines = Newlines::Escape);

// Text a caller hands the host to keep (a Cancel reason: journaled, in the
// history, sent upstream): one line of at most `maxCodePoints` Unicode code
// points. Every character printable() would escape (C0 including tab and
// newlines, DEL, C1, bidi controls) and every unpaired surrogate becomes
// U+FFFD; longer text is cut at a code point boundary and its last code
// point is "…" (U+2026), so that the cut shows. maxCodePoints >= 1.
QString boundedLine(QStringView text, qsizetype maxCodePoints);

// printable() as local 8-bit bytes, ready for fputs().
QByteArray printableLocal8Bit(QStringView text, Newlines newlines = Newlines::Escape);

} // namespace conduit::text

// qPrintable() for untrusted text: a const char * valid until the end of
// the full expression (printf arguments).
#define conduit_printable(s) (::conduit::text::printableLocal8Bit(s).constData())
