// conduit-hmi: the driver's update screens (docs/hmi.md).
#include "hmiloader.h"
#include "hostclient.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QTextStream>

#include <QtQml/qqmlextensionplugin.h>
#include <utility>

Q_IMPORT_QML_PLUGIN(Conduit_HmiPlugin)

int main(int argc, char *argv[]) {
    QElapsedTimer sinceStart;
    sinceStart.start();
    QGuiApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("conduit-hmi"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CONDUIT_HMI_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Conduit's driver HMI: software update consent, progress and history."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption system(QStringLiteral("system"),
                                    QStringLiteral("Talk to conduitd on the system bus (default: session bus)."));
    const QCommandLineOption lang(QStringLiteral("lang"),
                                  QStringLiteral("Language, e.g. de or en_GB (default: the system locale)."),
                                  QStringLiteral("LANG"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size (default 1280x720)."),
                                  QStringLiteral("WxH"), QStringLiteral("1280x720"));
    const QCommandLineOption fullscreen(QStringLiteral("fullscreen"), QStringLiteral("Fill the screen (head unit)."));
    const QCommandLineOption firstFrame(
        QStringLiteral("exit-after-first-frame"),
        QStringLiteral("Print the time from start to the first frame and exit (smoke test, benchmark)."));
    parser.addOptions({system, lang, size, fullscreen, firstFrame});
    parser.process(app);

    const auto m = QRegularExpression(QStringLiteral("^(\\d+)x(\\d+)$")).match(parser.value(size));
    if (!m.hasMatch()) {
        qCritical("--size must look like 1920x720");
        return 2;
    }
    conduit::hmi::installTranslation(&app, parser.value(lang));
    conduit::hmi::HostClient host(parser.isSet(system) ? conduit::hmi::HostClient::Bus::System
                                                       : conduit::hmi::HostClient::Bus::Session);
    QQmlApplicationEngine engine;
    QQuickWindow *window = conduit::hmi::loadHmi(&engine, &host, QSize(m.captured(1).toInt(), m.captured(2).toInt()));
    if (!window) return 1;
    if (parser.isSet(fullscreen)) window->showFullScreen();
    if (parser.isSet(firstFrame)) {
        QObject::connect(
            window, &QQuickWindow::frameSwapped, &app,
            [&sinceStart, reported = false]() mutable {
                if (std::exchange(reported, true)) return;
                QTextStream(stdout) << "first frame after " << sinceStart.elapsed() << " ms\n";
                QCoreApplication::exit(0);
            },
            Qt::QueuedConnection);
    }
    return app.exec();
}
