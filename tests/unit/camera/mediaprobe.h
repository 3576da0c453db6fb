// What gst-discoverer-1.0 says about a media file: whether it decodes, its
// duration, container and the caps of its video stream. The camera tests
// judge clips and stills with GStreamer's own tool, not with the agent's code.
#pragma once

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>

struct MediaProbe {
    bool ok = false;
    double durationSeconds = 0;
    QString container, video, output;
};

inline MediaProbe probeMedia(const QString &path) {
    MediaProbe m;
    QProcess p;
    p.start(QStringLiteral(GST_DISCOVERER_PATH), {QStringLiteral("-v"), path});
    if (!p.waitForFinished(30000)) {
        p.kill();
        m.output = QStringLiteral("gst-discoverer-1.0 timed out");
        return m;
    }
    m.output = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
    const auto duration = QRegularExpression(QStringLiteral("Duration: (\\d+):(\\d+):(\\d+\\.\\d+)")).match(m.output);
    if (duration.hasMatch())
        m.durationSeconds = duration.captured(1).toDouble() * 3600 + duration.captured(2).toDouble() * 60 +
                            duration.captured(3).toDouble();
    const auto container = QRegularExpression(QStringLiteral("container #\\d+: (\\S+)")).match(m.output);
    if (container.hasMatch()) m.container = container.captured(1);
    // The stream's caps as the demuxer reports them (codec, size, rate).
    const auto video = QRegularExpression(QStringLiteral("video(?:\\(image\\))? #\\d+: ([^\\n]+)")).match(m.output);
    if (video.hasMatch()) m.video = video.captured(1).trimmed();
    m.ok = p.exitCode() == 0 && !m.output.contains(QLatin1String("An error was encountered")) && !m.video.isEmpty();
    return m;
}

inline QByteArray fileBytes(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
