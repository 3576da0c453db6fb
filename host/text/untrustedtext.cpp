#include "text/untrustedtext.h"

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

QByteArray printableLocal8Bit(QStringView text, Newlines newlines) { return printable(text, newlines).toLocal8Bit(); }

} // namespace conduit::text
