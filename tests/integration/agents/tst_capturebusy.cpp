// The runner's back-pressure: a real conduit-agent-runner with the capture
// test agent writing records as fast as it can ({"flood": 1}) while the
// host end of the socket stops reading for two seconds. The agent's
// sink->write() must be refused with CONDUIT_E_BUSY, never block; the
// runner's memory stays bounded (its outbox holds 1 MiB of records); and
// the frames that are not records (a call answered during the stall) are
// neither lost nor reordered. The test is the host here: it speaks the IPC
// (ipc/messages.h) on a socketpair itself, so that it can stop reading.
#include "../../../host/agents/ipc/messages.h"

#include <conduit/agent.h>

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace conduit::ipc;

namespace {

// One runner process on a socketpair; the test reads its frames when it
// chooses to.
class RawRunner {
public:
    bool start(const QString &library, const QString &stateDir) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return false;
        fd_ = sv[0];
        ::fcntl(fd_, F_SETFD, FD_CLOEXEC);
        const std::string fdArg = std::to_string(sv[1]);
        const QByteArray lib = library.toLocal8Bit();
        const char *argv[] = {CONDUIT_RUNNER_PATH, "--fd", fdArg.c_str(), "--library", lib.constData(), nullptr};
        const int rc = ::posix_spawn(&pid_, CONDUIT_RUNNER_PATH, nullptr, nullptr, const_cast<char **>(argv), environ);
        ::close(sv[1]);
        if (rc != 0) return false;
        return send(msg::frame(0, msg::Init{"{}", stateDir.toStdString()}));
    }
    ~RawRunner() {
        if (fd_ >= 0) ::close(fd_);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool send(const std::string &frame) { return ::write(fd_, frame.data(), frame.size()) == ssize_t(frame.size()); }
    // The next frame, waiting at most `timeoutMs`.
    std::optional<FrameReader::Frame> next(int timeoutMs) {
        QElapsedTimer t;
        t.start();
        for (;;) {
            if (auto f = reader_.next()) return f;
            if (!reader_.error().empty()) return std::nullopt;
            const qint64 left = timeoutMs - t.elapsed();
            if (left <= 0) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, int(left)) <= 0) continue;
            char buf[65536];
            const ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n <= 0) return std::nullopt;
            reader_.append(buf, size_t(n));
        }
    }
    // Resident set of the runner, in bytes.
    qint64 rss() const {
        QFile f(QStringLiteral("/proc/%1/statm").arg(pid_));
        if (!f.open(QIODevice::ReadOnly)) return -1;
        const QList<QByteArray> fields = f.readAll().split(' ');
        return fields.size() > 1 ? fields[1].toLongLong() * ::sysconf(_SC_PAGESIZE) : -1;
    }

private:
    int fd_ = -1;
    pid_t pid_ = -1;
    FrameReader reader_;
};

msg::Call captureCall(Op op, const std::string &stream, const std::string &params = {}) {
    msg::Call c;
    c.op = op;
    c.name = stream;
    c.params = params;
    return c;
}

struct RecordStats {
    qint64 n = -1, busy = 0, maxWriteUs = 0;
    quint64 writtenNs = 0; // when the agent wrote it (wall clock)
};

RecordStats statsOf(const std::string &payload) {
    auto rec = msg::decode<msg::CaptureData>(payload, nullptr);
    RecordStats s;
    if (!rec) return s;
    static const QRegularExpression re(QStringLiteral("^flood-frame-(\\d+);busy=(\\d+);maxwrite_us=(\\d+);"));
    const auto m = re.match(QString::fromLatin1(rec->data.data(), qsizetype(std::min<size_t>(rec->data.size(), 128))));
    if (!m.hasMatch()) return s;
    return {m.captured(1).toLongLong(), m.captured(2).toLongLong(), m.captured(3).toLongLong(), rec->timestampNs};
}

} // namespace

class TestCaptureBusy : public QObject {
    Q_OBJECT
private slots:
    void aStalledHostGetsBusyNotABlockedAgent() {
        QTemporaryDir state;
        RawRunner r;
        QVERIFY(r.start(QStringLiteral(CONDUIT_CAPTURE_AGENT), state.path()));
        auto hello = r.next(15000);
        QVERIFY(hello && hello->header.type == FrameType::Hello);
        QVERIFY(r.send(msg::frame(1, captureCall(Op::CaptureStart, "flood", R"({"flood": 1, "size": 4096})"))));

        // The host reads: records flow and the start is answered.
        bool started = false;
        qint64 lastN = -1, records = 0;
        RecordStats before;
        while (!started || records < 200) {
            auto f = r.next(10000);
            QVERIFY2(f, "the runner went quiet before the stall");
            if (f->header.type == FrameType::Result && f->header.request == 1) {
                auto res = msg::decode<msg::Result>(f->payload, nullptr);
                QVERIFY(res);
                QCOMPARE(res->code, int64_t{CONDUIT_OK});
                started = true;
            } else if (f->header.type == FrameType::CaptureData) {
                const RecordStats s = statsOf(f->payload);
                QVERIFY(s.n > lastN);
                lastN = s.n;
                before = s;
                ++records;
            }
        }

        // The host stalls for 2 s. Halfway, it sends a call: its answer is
        // a control frame, queued behind the records, never refused.
        const qint64 rssBefore = r.rss();
        qint64 rssMax = rssBefore;
        QElapsedTimer stall;
        stall.start();
        bool asked = false;
        while (stall.elapsed() < 2000) {
            if (!asked && stall.elapsed() >= 1000) {
                QVERIFY(r.send(msg::frame(2, captureCall(Op::Inventory, {}))));
                asked = true;
            }
            rssMax = std::max(rssMax, r.rss());
            QTest::qWait(50); // sampling the RSS, not synchronising
        }

        const quint64 stallEndNs = quint64(QDateTime::currentMSecsSinceEpoch()) * 1'000'000;

        // The host reads again, up to the first record written after the
        // stall (its counters cover every write of the stall; a stamp is
        // taken before the write, so that record's own write is after it).
        RecordStats after;
        bool sawDevice = false, sawInventoryResult = false;
        QElapsedTimer drain;
        drain.start();
        while (after.writtenNs <= stallEndNs && drain.elapsed() < 20000) {
            auto f = r.next(10000);
            QVERIFY2(f, "the runner went quiet after the stall");
            if (f->header.type == FrameType::CaptureData) {
                const RecordStats s = statsOf(f->payload);
                QVERIFY2(s.n > lastN, "records reordered");
                lastN = s.n;
                after = s;
                QVERIFY2(!sawInventoryResult || sawDevice, "the inventory's result overtook its device");
            } else if (f->header.type == FrameType::Device && f->header.request == 2) {
                QVERIFY2(!sawInventoryResult, "a device after its inventory's result");
                sawDevice = true;
            } else if (f->header.type == FrameType::Result && f->header.request == 2) {
                sawInventoryResult = true;
            }
        }
        QVERIFY2(after.writtenNs > stallEndNs, "no record written after the stall arrived");
        qInfo("stall: %lld writes refused, longest write %lld us, runner RSS %lld -> max %lld KiB",
              after.busy - before.busy, after.maxWriteUs, rssBefore / 1024, rssMax / 1024);
        QVERIFY2(after.busy > before.busy, "no write was refused while the host stalled");
        // Generous against a loaded machine and ASan; a write that waits for
        // the host takes the whole stall (2 s).
        QVERIFY2(after.maxWriteUs < 200000, qPrintable(QStringLiteral("a write took %1 us").arg(after.maxWriteUs)));
        // The outbox holds 1 MiB of records; 32 MiB is the runner's noise.
        QVERIFY2(rssMax - rssBefore < (32 << 20),
                 qPrintable(QStringLiteral("runner RSS grew by %1 KiB").arg((rssMax - rssBefore) / 1024)));

        // The inventory asked during the stall is answered, device first.
        while (!sawInventoryResult) {
            auto f = r.next(10000);
            QVERIFY2(f, "the inventory asked during the stall was never answered");
            if (f->header.type == FrameType::Device && f->header.request == 2) {
                QVERIFY(!sawInventoryResult);
                sawDevice = true;
            } else if (f->header.type == FrameType::Result && f->header.request == 2) {
                sawInventoryResult = true;
            } else if (f->header.type == FrameType::CaptureData) {
                const RecordStats s = statsOf(f->payload);
                QVERIFY2(s.n > lastN, "records reordered");
                lastN = s.n;
            }
        }
        QVERIFY(sawDevice);

        // The stream stops; its stop is answered; shutdown is clean.
        QVERIFY(r.send(msg::frame(3, captureCall(Op::CaptureStop, "flood"))));
        bool stopped = false;
        while (!stopped) {
            auto f = r.next(10000);
            QVERIFY2(f, "the stop was never answered");
            stopped = f->header.type == FrameType::Result && f->header.request == 3;
        }
    }
};

QTEST_GUILESS_MAIN(TestCaptureBusy)
#include "tst_capturebusy.moc"
