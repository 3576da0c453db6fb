// Qt Quick Test runner for the HMI's QML unit tests (tests/hmi/qml): the
// Conduit.Hmi module linked in, the language from CONDUIT_HMI_LANG.
#include "hmiloader.h"

#include <QCoreApplication>
#include <QQmlEngine>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(Conduit_HmiPlugin)

class Setup : public QObject {
    Q_OBJECT
public slots:
    void applicationAvailable() {
        const QString lang = qEnvironmentVariable("CONDUIT_HMI_LANG", QStringLiteral("en"));
        if (!conduit::hmi::installTranslation(QCoreApplication::instance(), lang))
            qFatal("no translation for %s", qPrintable(lang));
    }
};

QUICK_TEST_MAIN_WITH_SETUP(hmi, Setup)
#include "tst_hmi_qml.moc"
