#include "proto/uds.h"

#include <QTest>

using namespace conduit::bootloader::uds;

namespace {
Bytes bytesOf(std::initializer_list<int> v) {
    Bytes out;
    for (int b : v) out.push_back(static_cast<uint8_t>(b));
    return out;
}
} // namespace

class TestUdsCodec : public QObject {
    Q_OBJECT

private slots:

    void positiveResponsesEchoTheirRequest() {
        const auto b = [](std::initializer_list<int> v) {
            Bytes out;
            for (int x : v) out.push_back(uint8_t(x));
            return out;
        };
        QVERIFY(echoMatches(b({0x10, 0x03}), b({0x50, 0x03, 0x00, 0x32, 0x01, 0xF4})));
        QVERIFY(!echoMatches(b({0x10, 0x03}), b({0x50, 0x02, 0x00, 0x32, 0x01, 0xF4})));
        QVERIFY(echoMatches(b({0x3E, 0x80}), b({0x7E, 0x00}))); // suppress bit not echoed
        QVERIFY(echoMatches(b({0x22, 0xF1, 0x89}), b({0x62, 0xF1, 0x89, '1'})));
        QVERIFY(!echoMatches(b({0x22, 0xF1, 0x89}), b({0x62, 0xF1, 0x8C, '1'})));
        QVERIFY(echoMatches(b({0x31, 0x01, 0xFF, 0x00, 0x44}), b({0x71, 0x01, 0xFF, 0x00, 0x00})));
        QVERIFY(!echoMatches(b({0x31, 0x01, 0xFF, 0x00}), b({0x71, 0x01, 0x02, 0x03, 0x00})));
        QVERIFY(echoMatches(b({0x36, 0x05, 0xAA}), b({0x76, 0x05})));
        QVERIFY(!echoMatches(b({0x36, 0x05, 0xAA}), b({0x76, 0x04})));
        QVERIFY(!echoMatches(b({0x27, 0x02, 0x11}), b({0x67}))); // too short to echo
        QVERIFY(echoMatches(b({0x34, 0x00, 0x44, 0, 1, 0, 0, 0, 0, 1, 0}), b({0x74, 0x20, 0x0F, 0xFF}))); // no echo
        QVERIFY(!echoMatches({}, b({0x50})));
    }
    void nrcNames() {
        QCOMPARE(nrcName(0x31), std::string("requestOutOfRange"));
        QCOMPARE(nrcName(0x78), std::string("requestCorrectlyReceivedResponsePending"));
        QCOMPARE(nrcName(0x73), std::string("wrongBlockSequenceCounter"));
        QCOMPARE(nrcName(0x3A), std::string("reserved (0x3a)"));
        QCOMPARE(nrcName(0xF2), std::string("vehicleManufacturerSpecific (0xf2)"));
        QCOMPARE(describeNrc(0x35), std::string("invalidKey (0x35)"));
        QCOMPARE(describeNrc(0x00), std::string("reserved (0x00)"));
        QCOMPARE(sidName(0x34), std::string("RequestDownload"));
        QCOMPARE(sidName(0xAB), std::string("service 0xab"));
        QCOMPARE(describeSid(0x34), std::string("RequestDownload (0x34)"));
        QCOMPARE(describeSid(0xAB), std::string("service 0xab"));
        // Every code of the enum has a name of its own (none falls through to "reserved").
        for (int c = 0; c < 256; ++c) {
            const std::string n = nrcName(uint8_t(c));
            const bool named = n.find(" (0x") == std::string::npos;
            const bool inEnum = [&] {
                switch (static_cast<Nrc>(c)) {
                case Nrc::GeneralReject:
                case Nrc::ServiceNotSupported:
                case Nrc::SubFunctionNotSupported:
                case Nrc::IncorrectMessageLengthOrInvalidFormat:
                case Nrc::ResponseTooLong:
                case Nrc::BusyRepeatRequest:
                case Nrc::ConditionsNotCorrect:
                case Nrc::RequestSequenceError:
                case Nrc::NoResponseFromSubnetComponent:
                case Nrc::FailurePreventsExecutionOfRequestedAction:
                case Nrc::RequestOutOfRange:
                case Nrc::SecurityAccessDenied:
                case Nrc::AuthenticationRequired:
                case Nrc::InvalidKey:
                case Nrc::ExceedNumberOfAttempts:
                case Nrc::RequiredTimeDelayNotExpired:
                case Nrc::UploadDownloadNotAccepted:
                case Nrc::TransferDataSuspended:
                case Nrc::GeneralProgrammingFailure:
                case Nrc::WrongBlockSequenceCounter:
                case Nrc::RequestCorrectlyReceivedResponsePending:
                case Nrc::SubFunctionNotSupportedInActiveSession:
                case Nrc::ServiceNotSupportedInActiveSession:
                case Nrc::RpmTooHigh:
                case Nrc::RpmTooLow:
                case Nrc::EngineIsRunning:
                case Nrc::EngineIsNotRunning:
                case Nrc::EngineRunTimeTooLow:
                case Nrc::TemperatureTooHigh:
                case Nrc::TemperatureTooLow:
                case Nrc::VehicleSpeedTooHigh:
                case Nrc::VehicleSpeedTooLow:
                case Nrc::ThrottlePedalTooHigh:
                case Nrc::ThrottlePedalTooLow:
                case Nrc::TransmissionRangeNotInNeutral:
                case Nrc::TransmissionRangeNotInGear:
                case Nrc::BrakeSwitchNotClosed:
                case Nrc::ShifterLeverNotInPark:
                case Nrc::TorqueConverterClutchLocked:
                case Nrc::VoltageTooHigh:
                case Nrc::VoltageTooLow:
                case Nrc::ResourceTemporarilyNotAvailable: return true;
                }
                return false;
            }();
            QVERIFY2(named == inEnum, n.c_str());
        }
    }

    void replies() {
        std::string error;
        const Bytes neg = negativeResponse(0x34, Nrc::UploadDownloadNotAccepted);
        QCOMPARE(neg, bytesOf({0x7F, 0x34, 0x70}));
        auto r = parseReply(neg, error);
        QVERIFY(r && !r->positive);
        QCOMPARE(r->sid, uint8_t(0x34));
        QCOMPARE(r->nrc, uint8_t(0x70));
        const Bytes pos = bytesOf({0x62, 0xF1, 0x89, 'v', '1'});
        r = parseReply(pos, error);
        QVERIFY(r && r->positive);
        QCOMPARE(r->sid, uint8_t(0x22));
        QCOMPARE(Bytes(r->data.begin(), r->data.end()), bytesOf({0xF1, 0x89, 'v', '1'}));
        for (const Bytes &bad :
             {Bytes{}, bytesOf({0x7F, 0x34}), bytesOf({0x7F, 0x34, 0x70, 0x00}), bytesOf({0x10, 0x02})}) {
            error.clear();
            QVERIFY(!parseReply(bad, error));
            QVERIFY(!error.empty());
        }

        // Session: P2* goes in 10 ms units; the echoed session and the length are checked.
        QCOMPARE(sessionControl(0x02), bytesOf({0x10, 0x02}));
        QCOMPARE(sessionControl(0x03, true), bytesOf({0x10, 0x83}));
        const Bytes sr = sessionReply(0x02, {50, 5000});
        QCOMPARE(sr, bytesOf({0x50, 0x02, 0x00, 0x32, 0x01, 0xF4}));
        auto t = parseSessionReply(sr, 0x02, error);
        QVERIFY2(t, error.c_str());
        QCOMPARE(t->p2Ms, uint16_t(50));
        QCOMPARE(t->p2StarMs, uint32_t(5000));
        QVERIFY(!parseSessionReply(sr, 0x03, error));
        QVERIFY2(error.find("session 0x02, expected 0x03") != std::string::npos, error.c_str());
        QVERIFY(!parseSessionReply(bytesOf({0x50, 0x02, 0, 50}), 0x02, error));
        QVERIFY(!parseSessionReply(bytesOf({0x51, 0x02, 0, 50, 1, 0xF4}), 0x02, error));
        QVERIFY2(error.find("DiagnosticSessionControl reply") == 0, error.c_str());

        QCOMPARE(ecuReset(0x01), bytesOf({0x11, 0x01}));
        QCOMPARE(testerPresent(), bytesOf({0x3E, 0x80}));
        QCOMPARE(testerPresent(false), bytesOf({0x3E, 0x00}));
        QCOMPARE(communicationControl(0x03, 0x01, true), bytesOf({0x28, 0x83, 0x01}));
        QCOMPARE(controlDtcSetting(0x02, true), bytesOf({0x85, 0x82}));

        QCOMPARE(readDataByIdentifier(0xF189), bytesOf({0x22, 0xF1, 0x89}));
        auto v = parseReadDataReply(pos, 0xF189, error);
        QVERIFY(v);
        QCOMPARE(*v, bytesOf({'v', '1'}));
        QCOMPARE(*parseReadDataReply(bytesOf({0x62, 0xF1, 0x89}), 0xF189, error), Bytes{}); // "" in bootloader mode
        QVERIFY(!parseReadDataReply(pos, 0xF18C, error));
        QVERIFY(!parseReadDataReply(bytesOf({0x62, 0xF1}), 0xF189, error));
        const Bytes fp = bytesOf({0x26, 0x12, 0x02, 'C', 'N', 'D', 'T', '0', '1'});
        Bytes w = writeDataByIdentifier(0xF15A, fp);
        QCOMPARE(w.size(), size_t(12));
        QCOMPARE(Bytes(w.begin(), w.begin() + 3), bytesOf({0x2E, 0xF1, 0x5A}));

        QCOMPARE(securityAccessRequestSeed(0x01), bytesOf({0x27, 0x01}));
        QCOMPARE(securityAccessSendKey(0x01, bytesOf({1, 2, 3, 4})), bytesOf({0x27, 0x02, 1, 2, 3, 4}));
        auto seed = parseSeedReply(bytesOf({0x67, 0x01, 0, 0, 0, 0}), 0x01, error);
        QVERIFY(seed);
        QCOMPARE(*seed, Bytes(4, 0));
        QVERIFY(!parseSeedReply(bytesOf({0x67, 0x03, 1, 2, 3, 4}), 0x01, error));
        QVERIFY(!parseSeedReply(bytesOf({0x67, 0x01}), 0x01, error));

        const Bytes erase = routineControl(0x01, 0xFF00, bytesOf({0x44, 0, 1, 0, 0, 0, 4, 0, 0}));
        QCOMPARE(Bytes(erase.begin(), erase.begin() + 4), bytesOf({0x31, 0x01, 0xFF, 0x00}));
        QCOMPARE(erase.size(), size_t(13));
        auto rr = parseRoutineReply(bytesOf({0x71, 0x01, 0x02, 0x02, 0x00}), 0x01, 0x0202, error);
        QVERIFY(rr);
        QCOMPARE(rr->routine, uint16_t(0x0202));
        QCOMPARE(rr->status, bytesOf({0x00}));
        QVERIFY(!parseRoutineReply(bytesOf({0x71, 0x01, 0x02, 0x03, 0x00}), 0x01, 0x0202, error));
        QVERIFY(!parseRoutineReply(bytesOf({0x71, 0x03, 0x02, 0x02}), 0x01, 0x0202, error));
        QVERIFY(!parseRoutineReply(bytesOf({0x71, 0x01, 0x02}), 0x01, 0x0202, error));

        // 0x74: lengthFormatIdentifier high nibble = byte count; the value counts the whole 0x36 request.
        QCOMPARE(downloadReply(0x0FFF), bytesOf({0x74, 0x20, 0x0F, 0xFF}));
        QCOMPARE(downloadReply(0x12345), bytesOf({0x74, 0x30, 0x01, 0x23, 0x45}));
        QCOMPARE(parseDownloadReply(bytesOf({0x74, 0x20, 0x0F, 0xFF}), error), std::optional<uint64_t>(0x0FFF));
        QCOMPARE(parseDownloadReply(bytesOf({0x74, 0x10, 0x80}), error), std::optional<uint64_t>(0x80));
        for (const Bytes &bad :
             {bytesOf({0x74, 0x20, 0x0F}), bytesOf({0x74, 0x21, 0x0F, 0xFF}), bytesOf({0x74, 0x00}),
              bytesOf({0x74, 0x20, 0x00, 0x02}), bytesOf({0x74}), bytesOf({0x75, 0x20, 0x0F, 0xFF})}) {
            error.clear();
            QVERIFY(!parseDownloadReply(bad, error));
            QVERIFY(!error.empty());
        }
        QCOMPARE(transferData(0x01, bytesOf({9, 8})), bytesOf({0x36, 0x01, 9, 8}));
        QCOMPARE(requestTransferExit(), bytesOf({0x37}));
    }

    void alfidLimits() {
        std::string error;
        const Bytes req = requestDownload(0x00, 0x44, 0x00010000, 0x40000, error);
        QCOMPARE(req, bytesOf({0x34, 0x00, 0x44, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00}));
        auto d = parseRequestDownload(req, error);
        QVERIFY2(d, error.c_str());
        QCOMPARE(d->dataFormat, uint8_t(0));
        QCOMPARE(d->address, uint64_t(0x00010000));
        QCOMPARE(d->size, uint64_t(0x40000));

        // Each nibble 1..4; address and size must fit their byte counts.
        QCOMPARE(requestDownload(0x00, 0x11, 0xFF, 0xFF, error).size(), size_t(5));
        QCOMPARE(requestDownload(0x00, 0x24, 0xFFFFFFFF, 0xFFFF, error).size(), size_t(9));
        for (uint8_t alfid : {0x00, 0x04, 0x40, 0x45, 0x54, 0x88, 0xFF}) {
            error.clear();
            QVERIFY(requestDownload(0x00, alfid, 1, 1, error).empty());
            QVERIFY2(error.find("addressAndLengthFormatIdentifier") != std::string::npos, error.c_str());
        }
        error.clear();
        QVERIFY(requestDownload(0x00, 0x44, 0x100000000ull, 1, error).empty());
        QVERIFY2(error.find("0x100000000") != std::string::npos, error.c_str());
        QVERIFY(requestDownload(0x00, 0x12, 0xFFFF, 0x100, error).empty());
        QVERIFY(requestDownload(0x00, 0x21, 0x100, 0xFF, error).empty());

        // The simulator's side: the length must match the ALFID exactly.
        QVERIFY(!parseRequestDownload(bytesOf({0x34, 0x00, 0x44, 0, 1, 0, 0, 0, 4, 0}), error));
        QVERIFY(!parseRequestDownload(bytesOf({0x34, 0x00, 0x44, 0, 1, 0, 0, 0, 4, 0, 0, 0}), error));
        QVERIFY(!parseRequestDownload(bytesOf({0x34, 0x00, 0x05, 0, 0, 0, 0, 0}), error));
        QVERIFY(!parseRequestDownload(bytesOf({0x34, 0x00}), error));
        QVERIFY(!parseRequestDownload(bytesOf({0x35, 0x00, 0x11, 1, 1}), error));
        d = parseRequestDownload(bytesOf({0x34, 0x11, 0x12, 0xAB, 0xCD, 0x7F}), error);
        QVERIFY2(d, error.c_str());
        QCOMPARE(d->dataFormat, uint8_t(0x11));
        QCOMPARE(d->address, uint64_t(0xABCD));
        QCOMPARE(d->size, uint64_t(0x7F));
    }

    void counterWrap() {
        QCOMPARE(nextBlockCounter(0x01), uint8_t(0x02));
        QCOMPARE(nextBlockCounter(0xFE), uint8_t(0xFF));
        QCOMPARE(nextBlockCounter(0xFF), uint8_t(0x00));
        QCOMPARE(nextBlockCounter(0x00), uint8_t(0x01));
        // 300 blocks from 1: the 256th block carries 0x00, the 257th 0x01.
        uint8_t c = 0x01;
        for (int block = 1; block < 256; ++block) c = nextBlockCounter(c);
        QCOMPARE(c, uint8_t(0x00));
        QCOMPARE(nextBlockCounter(c), uint8_t(0x01));
    }
};

QTEST_APPLESS_MAIN(TestUdsCodec)
#include "tst_udscodec.moc"
