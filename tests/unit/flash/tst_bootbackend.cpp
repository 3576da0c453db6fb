#include "bootbackend.h"
#include "flasherror.h"
#include "json.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace conduit::flash;

namespace {
std::unique_ptr<BootBackend> backend(const std::string &json) {
    Json j;
    std::string error;
    if (!Json::parse(json, j, error)) return nullptr;
    return makeBootBackend(j);
}
} // namespace

class TestBootBackend : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    std::string path(const char *name) { return dir_.filePath(QLatin1String(name)).toStdString(); }

private slots:
    void fileBackendRoundTrip() {
        auto b = backend("{\"backend\":\"file\",\"path\":\"" + path("env1") + "\"}");
        BootState s;
        s.primary = "A";
        s.trial = "B";
        s.tries = 2;
        b->setState(s);
        const BootState r = b->state();
        QCOMPARE(r.primary, std::string("A"));
        QCOMPARE(r.trial, std::string("B"));
        QCOMPARE(r.tries, 2);
        QCOMPARE(r.booted, std::string("A")); // nothing booted yet: primary
        QVERIFY(!QFile::exists(QString::fromStdString(path("env1") + ".tmp")));
    }

    void neverLeavesNoPrimary() {
        auto b = backend("{\"backend\":\"file\",\"path\":\"" + path("env2") + "\"}");
        BootState s;
        QVERIFY_THROWS_EXCEPTION(Error, b->setState(s));
    }

    // The bootloader's choice: trial while tries last, then fall back to
    // the primary slot and forget the trial.
    void bootSequence() {
        auto b = backend("{\"backend\":\"file\",\"path\":\"" + path("env3") + "\"}");
        BootState s;
        s.primary = "A";
        b->setState(s);
        QCOMPARE(bootOnce(*b), std::string("A"));
        s.trial = "B";
        s.tries = 2;
        b->setState(s);
        QCOMPARE(bootOnce(*b), std::string("B"));
        QCOMPARE(b->state().tries, 1);
        QCOMPARE(bootOnce(*b), std::string("B"));
        QCOMPARE(bootOnce(*b), std::string("A"));
        QCOMPARE(b->state().trial, std::string());
        QCOMPARE(b->state().booted, std::string("A"));
        QCOMPARE(bootOnce(*b), std::string("A"));
    }

    void grubEnvBlockFormat() {
        const std::string block = formatGrubEnv({{"conduit_primary", "B"}, {"conduit_tries", "1"}});
        QCOMPARE(block.size(), size_t(1024));
        QVERIFY(block.rfind("# GRUB Environment Block\n", 0) == 0);
        QVERIFY(block.find("conduit_primary=B\n") != std::string::npos);
        QCOMPARE(block.back(), '#');
        const KeyValues back = parseGrubEnv(block);
        QCOMPARE(back.size(), size_t(2));
        QCOMPARE(back.at("conduit_tries"), std::string("1"));
        QVERIFY_THROWS_EXCEPTION(Error, parseGrubEnv(block.substr(0, 1000)));
        QVERIFY_THROWS_EXCEPTION(Error, formatGrubEnv({{"k", std::string(1100, 'x')}}));
        QVERIFY_THROWS_EXCEPTION(Error, formatGrubEnv({{"k", "a\nb"}}));
    }

    void grubBackendKeepsOtherVariables() {
        const std::string p = path("grubenv");
        {
            QFile f(QString::fromStdString(p));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(formatGrubEnv({{"saved_entry", "linux"}})));
        }
        auto b = backend("{\"backend\":\"grub\",\"path\":\"" + p + "\"}");
        BootState s;
        s.primary = "A";
        s.trial = "B";
        s.tries = 1;
        b->setState(s);
        QFile f(QString::fromStdString(p));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray block = f.readAll();
        QCOMPARE(block.size(), 1024);
        QVERIFY(block.contains("saved_entry=linux\n"));
        QVERIFY(block.contains("conduit_trial=B\n"));
        QCOMPARE(bootOnce(*b), std::string("B"));
    }

    // U-Boot through fw_printenv / fw_setenv -s, played by two scripts that
    // keep the environment in a file the way libubootenv's tools behave.
    void ubootBackendUsesFwTools() {
        const QString store = dir_.filePath(QStringLiteral("uboot.env"));
        const QString printenv = dir_.filePath(QStringLiteral("fw_printenv"));
        const QString setenv = dir_.filePath(QStringLiteral("fw_setenv"));
        auto script = [](const QString &p, const QByteArray &body) {
            QFile f(p);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("#!/bin/sh\n" + body);
            f.close();
            f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        };
        script(printenv, "touch '" + store.toUtf8() + "'; cat '" + store.toUtf8() + "'\n");
        // -s FILE: lines "key=value" set, "key=" deletes (libubootenv's format).
        script(setenv, "[ \"$1\" = -s ] || exit 3\n"
                       "touch '" +
                           store.toUtf8() +
                           "'\n"
                           "while IFS== read -r k v; do grep -v \"^$k=\" '" +
                           store.toUtf8() + "' > '" + store.toUtf8() + ".n'; [ -n \"$v\" ] && echo \"$k=$v\" >> '" +
                           store.toUtf8() + ".n'; mv '" + store.toUtf8() + ".n' '" + store.toUtf8() +
                           "'; done < \"$2\"\n");
        auto b = backend("{\"backend\":\"uboot\",\"printenv\":\"" + printenv.toStdString() + "\",\"setenv\":\"" +
                         setenv.toStdString() + "\",\"script_dir\":\"" + dir_.path().toStdString() + "\"}");
        BootState s;
        s.primary = "A";
        s.trial = "B";
        s.tries = 1;
        b->setState(s);
        QCOMPARE(b->state().trial, std::string("B"));
        QCOMPARE(bootOnce(*b), std::string("B"));
        s.trial.clear();
        s.tries = 0;
        b->setState(s);
        const BootState r = b->state();
        QCOMPARE(r.trial, std::string());
        QCOMPARE(r.primary, std::string("A"));
        QCOMPARE(r.booted, std::string("B"));
    }

    // Against Debian's libubootenv-tool, when present (FW_PRINTENV/FW_SETENV
    // or in PATH): a redundant environment in two plain files.
    void realLibubootenvTools() {
        const QString printenv =
            qEnvironmentVariable("FW_PRINTENV", QStandardPaths::findExecutable(QStringLiteral("fw_printenv")));
        const QString setenv =
            qEnvironmentVariable("FW_SETENV", QStandardPaths::findExecutable(QStringLiteral("fw_setenv")));
        if (printenv.isEmpty() || setenv.isEmpty()) QSKIP("fw_printenv/fw_setenv (libubootenv-tool) not installed");
        const QString e1 = dir_.filePath(QStringLiteral("uenv1")), e2 = dir_.filePath(QStringLiteral("uenv2"));
        for (const QString &e : {e1, e2}) {
            QFile f(e);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(0x4000, '\0'));
        }
        const QString cfg = dir_.filePath(QStringLiteral("fw_env.config")),
                      def = dir_.filePath(QStringLiteral("defenv"));
        QFile c(cfg);
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write((e1 + " 0x0 0x4000\n" + e2 + " 0x0 0x4000\n").toUtf8());
        c.close();
        QFile d(def);
        QVERIFY(d.open(QIODevice::WriteOnly));
        d.write("bootdelay=1\n");
        d.close();
        auto b = backend("{\"backend\":\"uboot\",\"printenv\":\"" + printenv.toStdString() + "\",\"setenv\":\"" +
                         setenv.toStdString() + "\",\"config\":\"" + cfg.toStdString() + "\",\"default_env\":\"" +
                         def.toStdString() + "\",\"script_dir\":\"" + dir_.path().toStdString() + "\"}");
        BootState s;
        s.primary = "A";
        s.trial = "B";
        s.tries = 1;
        b->setState(s);
        QCOMPARE(b->load().at("bootdelay"), std::string("1")); // other variables kept
        QCOMPARE(bootOnce(*b), std::string("B"));
        QCOMPARE(bootOnce(*b), std::string("A")); // fallback
        const BootState r = b->state();
        QCOMPARE(r.trial, std::string());
        QCOMPARE(r.primary, std::string("A"));
        QCOMPARE(b->load().count("conduit_trial"), size_t(0)); // deleted, not set empty
    }

    // grub-editenv (grub-common), when present (GRUB_EDITENV or in PATH),
    // reads our block and we read its block.
    void realGrubEditenv() {
        const QString tool =
            qEnvironmentVariable("GRUB_EDITENV", QStandardPaths::findExecutable(QStringLiteral("grub-editenv")));
        if (tool.isEmpty()) QSKIP("grub-editenv (grub-common) not installed");
        const QString p = dir_.filePath(QStringLiteral("grubenv-real"));
        QCOMPARE(QProcess::execute(tool, {p, QStringLiteral("create")}), 0);
        QCOMPARE(QProcess::execute(tool, {p, QStringLiteral("set"), QStringLiteral("conduit_primary=A"),
                                          QStringLiteral("conduit_trial=B"), QStringLiteral("conduit_tries=1"),
                                          QStringLiteral("saved_entry=linux")}),
                 0);
        auto b = backend("{\"backend\":\"grub\",\"path\":\"" + p.toStdString() + "\"}");
        QCOMPARE(bootOnce(*b), std::string("B"));
        QProcess list;
        list.start(tool, {p, QStringLiteral("list")});
        QVERIFY(list.waitForFinished(10000));
        const QByteArray out = list.readAllStandardOutput();
        QVERIFY2(out.contains("conduit_tries=0\n") && out.contains("conduit_booted=B\n") &&
                     out.contains("saved_entry=linux\n"),
                 out.constData());
    }

    void failingFwToolIsAnError() {
        auto b =
            backend("{\"backend\":\"uboot\",\"printenv\":\"/bin/false\",\"setenv\":\"/bin/false\",\"script_dir\":\"" +
                    dir_.path().toStdString() + "\"}");
        QVERIFY_THROWS_EXCEPTION(Error, b->state());
    }

    void cmdlineNamesBootedSlot() {
        const std::string cmdline = path("cmdline");
        QFile f(QString::fromStdString(cmdline));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("root=/dev/mmcblk0p2 xconduit.slot=A conduit.slot=B quiet\n");
        f.close();
        auto b = backend("{\"backend\":\"file\",\"path\":\"" + path("env4") + "\",\"cmdline\":\"" + cmdline + "\"}");
        BootState s;
        s.primary = "A";
        b->setState(s);
        QCOMPARE(b->state().booted, std::string("B"));
    }

    void unknownBackendRejected() { QVERIFY_THROWS_EXCEPTION(Error, backend("{\"backend\":\"lilo\"}")); }
};

QTEST_GUILESS_MAIN(TestBootBackend)
#include "tst_bootbackend.moc"
