// FeedbackOutbox alone: what leaves, in which order, and when, with a fake
// server that answers when the test says so.
#include "upstream/ddioutbox.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace conduit::upstream;
using conduit::upstream::ddi::Execution;
using conduit::upstream::ddi::Finished;

namespace {

struct FakeServer {
    struct Sent {
        OutgoingFeedback message;
        FeedbackOutbox::Done done;
    };
    QList<Sent> sent;
    FeedbackOutbox::Send sender() {
        return [this](const OutgoingFeedback &m, FeedbackOutbox::Done done) { sent.append({m, std::move(done)}); };
    }
    // Answers the oldest unanswered request.
    void answer(int status) {
        for (Sent &s : sent)
            if (s.done) {
                auto done = std::exchange(s.done, nullptr);
                done(status);
                return;
            }
        QFAIL("nothing to answer");
    }
    QStringList details() const {
        QStringList out;
        for (const Sent &s : sent)
            out << s.message.body.value(u"status").toObject().value(u"details").toArray().at(0).toString();
        return out;
    }
};

OutgoingFeedback step(const QString &text, Execution e = Execution::Proceeding, bool progressOnly = false,
                      bool closes = false, FeedbackChannel channel = FeedbackChannel::Deployment) {
    return {QStringLiteral("7"), channel, e, ddi::feedback(e, closes ? Finished::Failure : Finished::None, {text}),
            progressOnly,        closes};
}

} // namespace

class TestDdiOutbox : public QObject {
    Q_OBJECT
private slots:
    void oneAtATimeInOrder() {
        FakeServer server;
        FeedbackOutbox box(server.sender(), 5000);
        box.markOpen(QStringLiteral("7"));
        box.post(step(QStringLiteral("a")));
        box.post(step(QStringLiteral("b")));
        box.post(step(QStringLiteral("c")));
        QCOMPARE(server.sent.size(), 1); // the next waits for the answer
        server.answer(200);
        server.answer(200);
        QCOMPARE(server.details(), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
    }

    void deploymentFeedbackWaitsForDeploymentBase() {
        FakeServer server;
        FeedbackOutbox box(server.sender(), 5000);
        box.post(step(QStringLiteral("downloading")));
        box.post(step(QStringLiteral("yes"), Execution::Proceeding, false, false, FeedbackChannel::Confirmation));
        QCOMPARE(server.details(), QStringList{QStringLiteral("yes")}); // the confirmation is not held
        server.answer(200);
        box.markOpen(QStringLiteral("7"));
        QCOMPARE(server.details(), (QStringList{QStringLiteral("yes"), QStringLiteral("downloading")}));
    }

    void nothingAfterTheLastWord() {
        FakeServer server;
        FeedbackOutbox box(server.sender(), 5000);
        box.markOpen(QStringLiteral("7"));
        box.post(step(QStringLiteral("closed"), Execution::Closed, false, true));
        box.post(step(QStringLiteral("late")));
        server.answer(200);
        QCOMPARE(server.details(), QStringList{QStringLiteral("closed")});
        QVERIFY(box.isClosed(QStringLiteral("7")));
        box.post(step(QStringLiteral("later")));
        QCOMPARE(server.sent.size(), 1);
    }

    void goneDropsTheRest() {
        FakeServer server;
        FeedbackOutbox box(server.sender(), 5000);
        QSignalSpy gone(&box, &FeedbackOutbox::gone);
        box.markOpen(QStringLiteral("7"));
        box.post(step(QStringLiteral("a")));
        box.post(step(QStringLiteral("b")));
        server.answer(410);
        QCOMPARE(gone.size(), 1);
        QCOMPARE(server.sent.size(), 1);
        QCOMPARE(box.pending(QStringLiteral("7")), 0);
    }

    void progressIsCoalescedNotTheLastOfAStep() {
        FakeServer server;
        FeedbackOutbox box(server.sender(), 60000);
        box.markOpen(QStringLiteral("7"));
        box.post(step(QStringLiteral("download 10"), Execution::Downloading, true));
        server.answer(200);
        // Within the throttle interval: held, each newer percent replacing the older.
        box.post(step(QStringLiteral("download 20"), Execution::Downloading, true));
        box.post(step(QStringLiteral("download 30"), Execution::Downloading, true));
        QCOMPARE(server.sent.size(), 1);
        QCOMPARE(box.pending(QStringLiteral("7")), 1);
        // The step ends: its last percent goes at once, then the next step.
        box.post(step(QStringLiteral("downloaded"), Execution::Downloaded));
        QCOMPARE(server.details(), (QStringList{QStringLiteral("download 10"), QStringLiteral("download 30")}));
        server.answer(200);
        server.answer(200);
        QCOMPARE(server.details().last(), QStringLiteral("downloaded"));
    }

    void stepMessagesAreNeverThrottled() {
        FakeServer server;
        FeedbackOutbox box(server.sender(), 60000);
        box.markOpen(QStringLiteral("7"));
        for (const char *s :
             {"installing phase 1 of 2", "installing phase 2 of 2", "activated; waiting for the reboot"}) {
            box.post(step(QString::fromLatin1(s)));
            server.answer(200);
        }
        QCOMPARE(server.sent.size(), 3);
    }

    void aTransientFailureIsRetried() {
        FakeServer server;
        FeedbackOutbox box(server.sender(), 5000);
        box.retryDelayMs = 10;
        box.markOpen(QStringLiteral("7"));
        box.post(step(QStringLiteral("a")));
        box.post(step(QStringLiteral("b")));
        server.answer(503);
        QTRY_COMPARE(server.sent.size(), 2); // "a" again, before "b"
        QCOMPARE(server.details(), (QStringList{QStringLiteral("a"), QStringLiteral("a")}));
        server.answer(200);
        QCOMPARE(server.details().last(), QStringLiteral("b"));
    }
};

QTEST_GUILESS_MAIN(TestDdiOutbox)
#include "tst_ddioutbox.moc"
