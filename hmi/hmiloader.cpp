#include "hmiloader.h"

#include <QCoreApplication>
#include <QLocale>
#include <QLoggingCategory>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTranslator>

Q_LOGGING_CATEGORY(lcHmi, "conduit.hmi")

namespace conduit::hmi {

bool installTranslation(QCoreApplication *app, const QString &language) {
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    QLocale::setDefault(locale);
    // English is the source language; its file only adds plural forms.
    const bool english = locale.language() == QLocale::English || locale.language() == QLocale::C;
    auto *translator = new QTranslator(app);
    // qt_add_translations embeds the .qm files under :/i18n.
    if (!translator->load(locale, QStringLiteral("conduit-hmi"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
        delete translator;
        if (!english) qCWarning(lcHmi).noquote() << "no translation for" << locale.name() << "- showing English";
        return english;
    }
    app->installTranslator(translator);
    return true;
}

QQuickWindow *loadHmi(QQmlApplicationEngine *engine, QObject *host, QSize size) {
    engine->setInitialProperties({{QStringLiteral("host"), QVariant::fromValue(host)},
                                  {QStringLiteral("width"), size.width()},
                                  {QStringLiteral("height"), size.height()}});
    engine->load(QUrl(QStringLiteral("qrc:/qt-project.org/imports/Conduit/Hmi/Main.qml")));
    if (engine->rootObjects().isEmpty()) return nullptr;
    return qobject_cast<QQuickWindow *>(engine->rootObjects().constFirst());
}

} // namespace conduit::hmi
