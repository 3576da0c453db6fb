#include "json.h"

#include <QTest>

using conduit::plugin::Json;

class TestJson : public QObject {
    Q_OBJECT
private slots:
    void parsesNestedDocument() {
        Json j;
        std::string error;
        QVERIFY(Json::parse(" {\"devices\":[{\"id\":\"hu-1\",\"n\":-1.5e2,\"ok\":true,\"none\":null,"
                            "\"s\":\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\"}], \"x\":{}} ",
                            j, error));
        const Json &d = j["devices"].items().at(0);
        QCOMPARE(d["id"].string(), std::string("hu-1"));
        QCOMPARE(d["n"].number(), -150.0);
        QVERIFY(d["ok"].boolean());
        QCOMPARE(d["none"].kind(), Json::Kind::Null);
        QCOMPARE(d["s"].string(), std::string("a\"b\\c\xc3\xa9\xf0\x9f\x98\x80"));
        QCOMPARE(j["missing"]["deeper"].string("fallback"), std::string("fallback"));
        QVERIFY(j["x"].isObject());
    }
    void rejectsMalformed_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("trailing") << QByteArray("{} x");
        QTest::newRow("unterminated") << QByteArray("{\"a\":\"b");
        QTest::newRow("bad literal") << QByteArray("[tru]");
        QTest::newRow("missing colon") << QByteArray("{\"a\" 1}");
        QTest::newRow("control char") << QByteArray("[\"a\x01\"]");
        QTest::newRow("lone surrogate") << QByteArray("[\"\\ud800\"]");
        QTest::newRow("bare minus") << QByteArray("[-]");
        QTest::newRow("too deep") << QByteArray(100, '[') + QByteArray(100, ']');
        QTest::newRow("empty") << QByteArray("");
    }
    void rejectsMalformed() {
        QFETCH(QByteArray, text);
        Json j;
        std::string error;
        QVERIFY(!Json::parse(text.toStdString(), j, error));
        QVERIFY(!error.empty());
    }
};

QTEST_GUILESS_MAIN(TestJson)
#include "tst_json.moc"
