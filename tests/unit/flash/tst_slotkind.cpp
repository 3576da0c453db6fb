#include "flasherror.h"
#include "slot.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::flash;

class TestSlotKind : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    // Slot kinds: names, detection, and a configured kind that does not
    // match what is at the path. UBI volumes themselves: flash.ubi_qemu.
    void slotKinds() {
        QVERIFY(parseSlotKind("") == SlotKind::Auto);
        QVERIFY(parseSlotKind("ubi") == SlotKind::Ubi);
        QVERIFY(parseSlotKind("block") == SlotKind::Block);
        QVERIFY_THROWS_EXCEPTION(Error, parseSlotKind("mtd"));
        QVERIFY(slotHandler(SlotKind::Ubi).fixedCapacity && !slotHandler(SlotKind::Ubi).mappable);
        QVERIFY(!slotHandler(SlotKind::File).fixedCapacity);

        const std::string file = dir_.filePath(QStringLiteral("kind.img")).toStdString();
        const std::string missing = dir_.filePath(QStringLiteral("absent.img")).toStdString();
        { SlotWriter w(file, 0, 1 << 20); }
        QVERIFY(resolveSlotKind(file) == SlotKind::File);
        QVERIFY(resolveSlotKind(missing) == SlotKind::File); // created by the writer
        QVERIFY(resolveSlotKind(file, SlotKind::File) == SlotKind::File);
        for (SlotKind configured : {SlotKind::Ubi, SlotKind::Block}) {
            try {
                resolveSlotKind(file, configured);
                QFAIL("a file accepted as a device slot");
            } catch (const Error &e) {
                QCOMPARE(e.code(), CONDUIT_E_INVALID_ARGUMENT);
            }
            try {
                SlotWriter w(missing, 1, 1 << 20, false, configured);
                QFAIL("a missing device slot accepted");
            } catch (const Error &e) {
                QCOMPARE(e.code(), CONDUIT_E_IO);
            }
            QVERIFY(!QFile::exists(QString::fromStdString(missing))); // not created as a file
        }
        try {
            resolveSlotKind("/dev/null"); // a character device that is no UBI volume
            QFAIL("/dev/null accepted as a slot");
        } catch (const Error &e) {
            QCOMPARE(e.code(), CONDUIT_E_UNSUPPORTED);
        }
    }
};

QTEST_GUILESS_MAIN(TestSlotKind)
#include "tst_slotkind.moc"
