// An agent's log budget: bursts pass, a flood is dropped and counted, the
// budget comes back with time, long lines are cut and say so.
#include "agents/agentlogbudget.h"

#include <QTest>

using conduit::agents::AgentLogBudget;
using conduit::agents::LogBudgetLimits;

class TestAgentLogBudget : public QObject {
    Q_OBJECT
private slots:
    void aBurstPassesAFloodIsCounted() {
        AgentLogBudget b(LogBudgetLimits{100, 10, 20, 1e9, 1e9});
        int passed = 0;
        for (int i = 0; i < 1000; ++i) passed += b.admit(QStringLiteral("x"), 0).has_value();
        QCOMPARE(passed, 20);
        QCOMPARE(b.takeDropped(), quint64(980));
        QCOMPARE(b.takeDropped(), quint64(0));
        // One second later: ten more.
        passed = 0;
        for (int i = 0; i < 100; ++i) passed += b.admit(QStringLiteral("x"), 1000).has_value();
        QCOMPARE(passed, 10);
    }
    void bytesAreBudgetedToo() {
        AgentLogBudget b(LogBudgetLimits{1000, 1e9, 1e9, 100, 250});
        QVERIFY(b.admit(QString(200, QLatin1Char('a')), 0));
        QVERIFY(!b.admit(QString(100, QLatin1Char('a')), 0));
        QVERIFY(b.admit(QString(100, QLatin1Char('a')), 1000));
        QCOMPARE(b.dropped(), quint64(1));
    }
    void aLongLineIsCut() {
        AgentLogBudget b(LogBudgetLimits{10, 1e9, 1e9, 1e9, 1e9});
        QCOMPARE(*b.admit(QString(25, QLatin1Char('a')), 0),
                 QString(10, QLatin1Char('a')) + " [15 more characters cut]");
    }
};

QTEST_GUILESS_MAIN(TestAgentLogBudget)
#include "tst_agentlogbudget.moc"
