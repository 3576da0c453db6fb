#include "trust/canonicaljson.h"

#include <QTest>

using namespace conduit::trust;

class TestCanonicalJson : public QObject {
    Q_OBJECT

private:
    static void expectRejected(const QByteArray &input, const QString &fragment, const JsonLimits &limits = {}) {
        auto result = parseJson(input, limits);
        QVERIFY2(!result, input.constData());
        QVERIFY2(result.error().message.contains(fragment), qPrintable(result.error().message));
    }

private slots:
    void parsesNestedDocument() {
        auto v = parseJson(" { \"b\": [1, -2, true, null], \"a\": {\"x\": \"y\"} } ");
        QVERIFY(v);
        QCOMPARE(v->toObject().size(), size_t(2));
        QCOMPARE(v->operator[]("b").toArray().at(1).toInteger(), qint64(-2));
        QCOMPARE(v->operator[]("a")["x"].toString(), QStringLiteral("y"));
        QVERIFY(v->operator[]("missing").isNull());
    }

    void canonicalFormSortsKeysWithoutWhitespace() {
        auto v = parseJson("{\"b\": 1, \"a\": [true, false, null], \"c\": {\"z\": \"\", \"y\": -5}}");
        QVERIFY(v);
        QCOMPARE(canonicalJson(*v), QByteArray("{\"a\":[true,false,null],\"b\":1,\"c\":{\"y\":-5,\"z\":\"\"}}"));
    }

    void canonicalFormEscapesOnlyQuoteAndBackslash() {
        auto v = parseJson("{\"k\": \"a\\\"b\\\\c\\nd\\u00e9\\t/\"}");
        QVERIFY(v);
        // OLPC: newline, tab and non-ASCII are written raw.
        QCOMPARE(canonicalJson(*v), QByteArray("{\"k\":\"a\\\"b\\\\c\nd\xc3\xa9\t/\"}"));
        QCOMPARE(compactJson(*v), QByteArray("{\"k\":\"a\\\"b\\\\c\\u000ad\xc3\xa9\\u0009/\"}"));
    }

    void keysSortByCodePoint() {
        // U+00E9 (C3 A9) sorts before U+1F600 (F0 ...), and both after ASCII.
        auto v = parseJson("{\"\xf0\x9f\x98\x80\": 1, \"\xc3\xa9\": 2, \"z\": 3}");
        QVERIFY(v);
        QCOMPARE(canonicalJson(*v), QByteArray("{\"z\":3,\"\xc3\xa9\":2,\"\xf0\x9f\x98\x80\":1}"));
    }

    void surrogatePairEscapeDecodes() {
        auto v = parseJson("[\"\\ud83d\\ude00\"]");
        QVERIFY(v);
        QCOMPARE(QByteArray::fromStdString(v->toArray().at(0).str()), QByteArray("\xf0\x9f\x98\x80"));
        expectRejected("[\"\\ud83d\"]", QStringLiteral("surrogate"));
        expectRejected("[\"\\ude00\"]", QStringLiteral("surrogate"));
    }

    void roundTripIsStable() {
        const QByteArray canonical =
            "{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]},\"e\":9223372036854775807,\"f\":-9223372036854775808}";
        auto v = parseJson(canonical);
        QVERIFY(v);
        QCOMPARE(canonicalJson(*v), canonical);
    }

    void rejectsDuplicateKeys() { expectRejected("{\"a\": 1, \"a\": 2}", QStringLiteral("duplicate key \"a\"")); }
    void rejectsFloats() { expectRejected("{\"a\": 1.5}", QStringLiteral("floating-point")); }
    void rejectsExponents() { expectRejected("{\"a\": 1e3}", QStringLiteral("floating-point")); }
    void rejectsLeadingZeros() { expectRejected("[01]", QStringLiteral("leading zeros")); }
    void rejectsNegativeZero() { expectRejected("[-0]", QStringLiteral("negative zero")); }

    void rejectsIntegersOutsideInt64() {
        expectRejected("[9223372036854775808]", QStringLiteral("int64"));
        expectRejected("[-9223372036854775809]", QStringLiteral("int64"));
        expectRejected("[123456789012345678901234567890]", QStringLiteral("int64"));
    }

    void rejectsInvalidUtf8() {
        expectRejected("[\"\xff\"]", QStringLiteral("invalid UTF-8"));
        expectRejected("[\"\xc0\xaf\"]", QStringLiteral("invalid UTF-8"));         // overlong '/'
        expectRejected("[\"\xed\xa0\x80\"]", QStringLiteral("invalid UTF-8"));     // encoded surrogate
        expectRejected("[\"\xf4\x90\x80\x80\"]", QStringLiteral("invalid UTF-8")); // > U+10FFFF
        expectRejected("[\"\xe2\x82\"]", QStringLiteral("invalid UTF-8"));         // truncated
    }

    void rejectsRawControlCharacters() { expectRejected("[\"a\nb\"]", QStringLiteral("control character")); }

    void rejectsDeepNesting() {
        const QByteArray ok = QByteArray(64, '[') + QByteArray(64, ']');
        QVERIFY(parseJson(ok));
        const QByteArray deep = QByteArray(65, '[') + QByteArray(65, ']');
        expectRejected(deep, QStringLiteral("nesting deeper than 64"));
    }

    void rejectsInputOverByteLimit() {
        auto result = parseJson("{\"a\": \"0123456789\"}", JsonLimits{10, 64});
        QVERIFY(!result);
        QCOMPARE(result.error().kind, TrustErrorKind::TooLarge);
    }

    void rejectsTrailingDataAndTruncation() {
        expectRejected("{\"a\": 1} x", QStringLiteral("trailing data"));
        expectRejected("{\"a\": ", QStringLiteral("unexpected end"));
        expectRejected("{\"a\" 1}", QStringLiteral("expected ':'"));
        expectRejected("[1,]", QStringLiteral("unexpected character"));
        expectRejected("[\"abc", QStringLiteral("unterminated"));
        expectRejected("[tru]", QStringLiteral("literal"));
        expectRejected("[\"\\x\"]", QStringLiteral("invalid escape"));
    }

    void errorNamesTheOffset() {
        auto result = parseJson("{\"a\": 1, \"a\": 2}");
        QVERIFY(!result);
        QVERIFY2(result.error().message.contains(QStringLiteral("offset 9")), qPrintable(result.error().message));
    }

    void utf8ValidatorAcceptsValidText() {
        QCOMPARE(firstInvalidUtf8("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), qsizetype(-1));
        QCOMPARE(firstInvalidUtf8("ab\x80"), qsizetype(2));
    }
};

QTEST_GUILESS_MAIN(TestCanonicalJson)
#include "tst_canonicaljson.moc"
