#include "releaseinfo.h"

namespace conduit::upstream {

namespace {

bool isAsciiLetter(QChar c) {
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'));
}
bool isAsciiDigit(QChar c) { return c >= QLatin1Char('0') && c <= QLatin1Char('9'); }

std::optional<qint64> seconds(const trust::JsonValue &conduit, const char *field, const QString &target,
                              const ReleaseInfoLimits &limits, QString *error, bool *ok) {
    if (!conduit.contains(field)) return std::nullopt;
    const trust::JsonValue &v = conduit[field];
    if (!v.isInteger() || v.toInteger() < 0 || v.toInteger() > limits.maxSeconds) {
        *error = QStringLiteral("target %1: conduit.%2 must be an integer 0..%3 (seconds)")
                     .arg(target, QLatin1String(field))
                     .arg(limits.maxSeconds);
        *ok = false;
        return std::nullopt;
    }
    return v.toInteger();
}

} // namespace

bool isValidLocale(const QString &locale) {
    // Checked by hand rather than with a regular expression: it runs on
    // every target of every update, and the rule is short.
    if (locale.size() > 35) return false;
    qsizetype i = 0;
    while (i < locale.size() && isAsciiLetter(locale[i])) ++i;
    if (i < 2 || i > 3) return false;
    int subtags = 0;
    while (i < locale.size()) {
        if (locale[i] != QLatin1Char('-') && locale[i] != QLatin1Char('_')) return false;
        const qsizetype start = ++i;
        while (i < locale.size() && (isAsciiLetter(locale[i]) || isAsciiDigit(locale[i]))) ++i;
        if (i - start < 2 || i - start > 8 || ++subtags > 3) return false;
    }
    return true;
}

QString noteTextProblem(const QString &text, qsizetype maxBytes) {
    if (text.isEmpty()) return QStringLiteral("is empty");
    const qsizetype bytes = text.toUtf8().size();
    if (bytes > maxBytes) return QStringLiteral("is %1 bytes, over the limit of %2").arg(bytes).arg(maxBytes);
    // Plain text for a screen: a control character (escape sequences,
    // carriage returns that overwrite a line, C1 controls) has no
    // business in it, whatever renders it.
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\n' && u != u'\t') || (u >= 0x7f && u <= 0x9f))
            return QStringLiteral("contains the control character U+%1")
                .arg(QString::number(u, 16).rightJustified(4, QLatin1Char('0')).toUpper());
    }
    return {};
}

std::optional<ReleaseInfo> releaseInfoOf(const trust::JsonValue &conduit, const QString &target, QString *error,
                                         const ReleaseInfoLimits &limits) {
    ReleaseInfo info;
    if (conduit.isNull()) return info;
    if (!conduit.isObject()) {
        *error = QStringLiteral("target %1: conduit policy must be an object").arg(target);
        return std::nullopt;
    }
    bool ok = true;
    info.installSeconds = seconds(conduit, "install_seconds", target, limits, error, &ok);
    if (!ok) return std::nullopt;
    info.unusableSeconds = seconds(conduit, "unusable_seconds", target, limits, error, &ok);
    if (!ok) return std::nullopt;
    if (!conduit.contains("release_notes")) return info;
    const trust::JsonValue &notes = conduit["release_notes"];
    if (!notes.isObject()) {
        *error = QStringLiteral("target %1: conduit.release_notes must be an object of locale: text").arg(target);
        return std::nullopt;
    }
    if (qsizetype(notes.toObject().size()) > limits.maxLocales) {
        *error = QStringLiteral("target %1: conduit.release_notes has %2 locales, over the limit of %3")
                     .arg(target)
                     .arg(notes.toObject().size())
                     .arg(limits.maxLocales);
        return std::nullopt;
    }
    for (const auto &[key, value] : notes.toObject()) {
        const QString locale = QString::fromStdString(key);
        if (!isValidLocale(locale)) {
            *error =
                QStringLiteral("target %1: conduit.release_notes: \"%2\" is not a locale (like en, de-DE or de_DE)")
                    .arg(target, locale.left(40));
            return std::nullopt;
        }
        if (!value.isString()) {
            *error = QStringLiteral("target %1: conduit.release_notes.%2 must be a string").arg(target, locale);
            return std::nullopt;
        }
        const QString text = value.toString();
        const QString problem = noteTextProblem(text, limits.maxNoteBytes);
        if (!problem.isEmpty()) {
            *error = QStringLiteral("target %1: conduit.release_notes.%2 %3").arg(target, locale, problem);
            return std::nullopt;
        }
        // Two spellings of one locale would make the choice on screen arbitrary.
        QString normal = locale;
        normal.replace(QLatin1Char('_'), QLatin1Char('-'));
        for (auto it = info.releaseNotes.cbegin(); it != info.releaseNotes.cend(); ++it) {
            if (QString(it.key()).replace(QLatin1Char('_'), QLatin1Char('-')).compare(normal, Qt::CaseInsensitive) ==
                0) {
                *error = QStringLiteral("target %1: conduit.release_notes lists the locale %2 twice (%3)")
                             .arg(target, normal, it.key());
                return std::nullopt;
            }
        }
        info.releaseNotes.insert(locale, text);
    }
    return info;
}

std::optional<ReleaseInfo> releaseInfoOf(const trust::VerifiedTarget &target, QString *error,
                                         const ReleaseInfoLimits &limits) {
    trust::JsonValue merged(trust::JsonValue::Object{});
    for (const trust::JsonValue *custom : {&target.imageCustom, &target.directorCustom}) {
        if (!custom->isObject() || !custom->contains("conduit")) continue;
        const trust::JsonValue &block = (*custom)["conduit"];
        if (!block.isObject()) return releaseInfoOf(block, target.name, error, limits); // names the problem
        for (const auto &[key, value] : block.toObject()) merged.insert(key, value);
    }
    return releaseInfoOf(merged, target.name, error, limits);
}

} // namespace conduit::upstream
