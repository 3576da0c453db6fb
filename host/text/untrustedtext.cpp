#include "text/untrustedtext.h"

#include <algorithm>

namespace conduit::text {

namespace {

bool isBidiControl(char16_t c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069); }

void appendHex(QString &out, unsigned value, int digits) {
    out += QString::number(value, 16).rightJustified(digits, u'0');
}

} // namespace

QString printable(QStringView text, Newlines newlines) {
    QString out;
    out.reserve(text.size());
    for (const QChar qc : text) {
        const char16_t c = qc.unicode();
        if (c == u'\t' || (newlines == Newlines::Keep && (c == u'\n' || c == u'\r'))) {
            out += qc;
        } else if (c == u'\n') {
            out += QLatin1String("\\n");
        } else if (c == u'\r') {
            out += QLatin1String("\\r");
        } else if (c < 0x20 || c == 0x7F) {
            out += QLatin1String("\\x");
            appendHex(out, c, 2);
        } else if (c >= 0x80 && c <= 0x9F) {
            out += QLatin1String("\\u{");
            appendHex(out, c, 2);
            out += u'}';
        } else if (isBidiControl(c)) {
            out += QLatin1String("\\u{");
            appendHex(out, c, 4);
            out += u'}';
        } else {
            out += qc;
        }
    }
    return out;
}

QString boundedLine(QStringView text, qsizetype maxCodePoints) {
    QString out;
    out.reserve(std::min(text.size(), 2 * maxCodePoints));
    qsizetype codePoints = 0, lastStart = 0; // where the last code point written starts in `out`
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (codePoints == maxCodePoints) { // more than fits: the last one kept becomes the ellipsis
            out.truncate(lastStart);
            out += u'\u2026';
            return out;
        }
        ++codePoints;
        lastStart = out.size();
        const char16_t c = text[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < text.size() && QChar::isLowSurrogate(text[i + 1].unicode())) {
            out += text[i];
            out += text[++i];
        } else if (QChar::isSurrogate(c) || c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || isBidiControl(c)) {
            out += QChar(QChar::ReplacementCharacter);
        } else {
            out += text[i];
        }
    }
    return out;
}

QByteArray printableLocal8Bit(QStringView text, Newlines newlines) { return printable(text, newlines).toLocal8Bit(); }

} // namespace conduit::text
