// Starting the HMI, shared by conduit-hmi and the end-to-end test: the
// language, and the QML window bound to a host.
#pragma once

#include <QSize>
#include <QString>

class QCoreApplication;
class QQmlApplicationEngine;
class QQuickWindow;
class QObject;

namespace conduit::hmi {

// Loads the translation for `language` ("de", "de_DE", "" = the system
// locale from LANG/LC_*) and makes it the default locale, so QML formats
// numbers and dates to match. Returns false when no translation exists for
// the language (English needs none: it is the source language).
bool installTranslation(QCoreApplication *app, const QString &language);

// Loads Main.qml with `host` (a HostClient or an object with its API) and
// returns its window, sized `size`; nullptr if QML failed to load.
QQuickWindow *loadHmi(QQmlApplicationEngine *engine, QObject *host, QSize size);

} // namespace conduit::hmi
