// JournalSink against a socket the test binds: each entry one datagram in
// journald's native protocol, read back by the test's own decoder of that
// protocol: plain fields, a multi-line value in the binary-length form,
// the structured fields, and a missing journald reported, not hidden.
#include "journalsink.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using conduit::core::LogFields;
using conduit::daemon::JournalSink;

namespace {
// Journald's reading of one datagram: NAME=value\n, or NAME\n, a 64-bit
// little-endian length, the value, \n. Empty list: malformed.
QList<QPair<QByteArray, QByteArray>> decode(const QByteArray &d) {
    QList<QPair<QByteArray, QByteArray>> out;
    qsizetype i = 0;
    while (i < d.size()) {
        const qsizetype nl = d.indexOf('\n', i);
        if (nl < 0) return {};
        const QByteArray line = d.mid(i, nl - i);
        const qsizetype eq = line.indexOf('=');
        if (eq >= 0) {
            out.append({line.left(eq), line.mid(eq + 1)});
            i = nl + 1;
            continue;
        }
        if (nl + 9 > d.size()) return {};
        quint64 size = 0;
        for (int b = 7; b >= 0; --b) size = size << 8 | static_cast<quint8>(d[nl + 1 + b]);
        const qsizetype start = nl + 9;
        if (start + static_cast<qsizetype>(size) + 1 > d.size() || d[start + static_cast<qsizetype>(size)] != '\n')
            return {};
        out.append({line, d.mid(start, static_cast<qsizetype>(size))});
        i = start + static_cast<qsizetype>(size) + 1;
    }
    return out;
}

QByteArray field(const QList<QPair<QByteArray, QByteArray>> &fields, const QByteArray &name) {
    for (const auto &f : fields)
        if (f.first == name) return f.second;
    return QByteArray("<absent>");
}
} // namespace

class TestJournalSink : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QByteArray path_;
    int fd_ = -1;

    QByteArray receive() {
        char buf[65536];
        timeval tv{5, 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        return n < 0 ? QByteArray() : QByteArray(buf, n);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        path_ = QFile::encodeName(dir_.filePath(QStringLiteral("journal")));
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
        QVERIFY(fd_ >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path_.constData(), static_cast<size_t>(path_.size()));
        QCOMPARE(::bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    }
    void cleanupTestCase() { ::close(fd_); }

    void fieldsOfALine() {
        JournalSink sink(path_);
        QMessageLogContext context;
        context.category = "conduit.campaign";
        QVERIFY(sink.write(QtWarningMsg, context, QStringLiteral("device ecu-1 install failed: flash"),
                           LogFields{QStringLiteral("c-42"), QStringLiteral("ecu-1"), QStringLiteral("install")}));
        const auto f = decode(receive());
        QVERIFY(!f.isEmpty());
        QCOMPARE(field(f, "MESSAGE"), QByteArray("device ecu-1 install failed: flash"));
        QCOMPARE(field(f, "PRIORITY"), QByteArray("4"));
        QCOMPARE(field(f, "SYSLOG_IDENTIFIER"), QByteArray("conduitd"));
        QCOMPARE(field(f, "CONDUIT_CATEGORY"), QByteArray("conduit.campaign"));
        QCOMPARE(field(f, "CAMPAIGN"), QByteArray("c-42"));
        QCOMPARE(field(f, "DEVICE"), QByteArray("ecu-1"));
        QCOMPARE(field(f, "STEP"), QByteArray("install"));
        QCOMPARE(field(f, "CODE_FILE"), QByteArray("<absent>")); // no context kept in this build
    }

    void noFieldsNoFieldLines() {
        JournalSink sink(path_);
        QMessageLogContext context;
        QVERIFY(sink.write(QtInfoMsg, context, QStringLiteral("conduitd running"), LogFields{}));
        const auto f = decode(receive());
        QCOMPARE(field(f, "PRIORITY"), QByteArray("6"));
        QCOMPARE(field(f, "CONDUIT_CATEGORY"), QByteArray("default"));
        QCOMPARE(field(f, "CAMPAIGN"), QByteArray("<absent>"));
        QCOMPARE(field(f, "DEVICE"), QByteArray("<absent>"));
        QCOMPARE(f.size(), 4);
    }

    void multiLineValueInBinaryForm() {
        JournalSink sink(path_);
        QMessageLogContext context("host.cpp", 17, "start", "conduit.host");
        const QString text = QStringLiteral("first line\nsecond = line\n");
        QVERIFY(sink.write(QtCriticalMsg, context, text, LogFields{}));
        const QByteArray d = receive();
        QByteArray length(8, '\0'); // 64-bit little endian
        length[0] = char(text.size());
        QVERIFY(d.contains("MESSAGE\n" + length + text.toUtf8() + '\n'));
        const auto f = decode(d);
        QVERIFY(!f.isEmpty());
        QCOMPARE(field(f, "MESSAGE"), text.toUtf8());
        QCOMPARE(field(f, "PRIORITY"), QByteArray("3"));
        QCOMPARE(field(f, "CODE_FILE"), QByteArray("host.cpp"));
        QCOMPARE(field(f, "CODE_LINE"), QByteArray("17"));
        QCOMPARE(field(f, "CODE_FUNC"), QByteArray("start"));
    }

    void noJournaldIsAFailedWrite() {
        JournalSink sink(QFile::encodeName(dir_.filePath(QStringLiteral("nobody-listens"))));
        QMessageLogContext context;
        QVERIFY(!sink.write(QtInfoMsg, context, QStringLiteral("lost?"), LogFields{}));
    }

    void environmentChoosesTheOutput() {
        qputenv("CONDUIT_JOURNAL_SOCKET", path_);
        qunsetenv("JOURNAL_STREAM");
        qunsetenv("CONDUIT_LOG");
        QVERIFY(!JournalSink::fromEnvironment()); // stderr is not journald's stream
        qputenv("JOURNAL_STREAM", "1:2");
        QVERIFY(!JournalSink::fromEnvironment()); // inherited from elsewhere: not ours
        struct stat st;
        QCOMPARE(::fstat(2, &st), 0);
        qputenv("JOURNAL_STREAM",
                QByteArray::number(quint64(st.st_dev)) + ':' + QByteArray::number(quint64(st.st_ino)));
        QVERIFY(JournalSink::fromEnvironment());
        qputenv("CONDUIT_LOG", "stderr");
        QVERIFY(!JournalSink::fromEnvironment());
        qputenv("CONDUIT_LOG", "journal");
        qunsetenv("JOURNAL_STREAM");
        QVERIFY(JournalSink::fromEnvironment());
    }
};

QTEST_GUILESS_MAIN(TestJournalSink)
#include "tst_journalsink.moc"
