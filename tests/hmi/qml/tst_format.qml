// Format.js: what the driver reads for the host's numbers and texts.
import QtQuick
import QtTest
import "../../../hmi/qml/Format.js" as Format

TestCase {
    name: "Format"

    function test_bytes() {
        compare(Format.bytes(0), qsTranslate("Format", "%1 kB").arg(Number(0).toLocaleString(Qt.locale(), 'f', 0)))
        verify(Format.bytes(9437184).indexOf("9") === 0)
        verify(Format.bytes(9437184).endsWith("MB"))
        verify(Format.bytes(2.5e9).endsWith("GB"))
        compare(Format.bytes(1500), Format.bytes(2000)) // kB rounds up
    }

    function test_duration() {
        verify(Format.duration(-1) !== Format.duration(30))
        compare(Format.duration(-1), Format.duration(undefined))
        verify(Format.duration(30) !== Format.duration(61))
        compare(Format.duration(61), Format.duration(120)) // whole minutes, rounded up
        verify(Format.duration(3 * 3600 + 60).indexOf("3") === 0)
        verify(Format.duration(3 * 3600 + 60).indexOf("1") > 0)
    }

    function test_percent() {
        compare(Format.percent(0, 0), 0)
        compare(Format.percent(5, 10), 50)
        compare(Format.percent(10, 10), 100)
        compare(Format.percent(20, 10), 100)
        compare(Format.percent(1, 3), 33)
    }

    function test_deviceFraction() {
        compare(Format.deviceFraction({ step: "transfer", done: 5, total: 10 }), 0.25)
        compare(Format.deviceFraction({ step: "commit", done: 0, total: 0 }), 1)
        verify(Format.deviceFraction({ step: "install" }) > Format.deviceFraction({ step: "prepare_install" }))
        compare(Format.deviceFraction({ step: "" }), 0)
        compare(Format.deviceFraction(null), 0)
    }

    // Known host texts are translated with their numbers; unknown ones pass.
    function test_condition() {
        compare(Format.condition("Shift to P"), qsTranslate("Format", "Shift to P"))
        const battery = Format.condition("Battery at 12 %, needs 40 %")
        verify(battery !== "Battery at 12 %, needs 40 %")
        verify(battery.indexOf("12") >= 0 && battery.indexOf("40") > battery.indexOf("12"), battery)
        verify(Format.condition("Stop the vehicle (speed 30 km/h)").indexOf("30") >= 0)
        // Still moving is never shown as 0 km/h: rounded up.
        compare(Format.condition("Stop the vehicle (speed 0.4 km/h)"),
                qsTranslate("Format", "Stop the vehicle (speed %1 km/h)").arg("1"))
        compare(Format.condition("Stop the vehicle (speed 29.2 km/h)"),
                qsTranslate("Format", "Stop the vehicle (speed %1 km/h)").arg("30"))
        compare(Format.condition("Close the sunroof"), "Close the sunroof")
    }

    function test_step() {
        verify(Format.step("transfer") !== Format.step("install"))
        compare(Format.step("something_new"), "something_new")
    }

    // Every failure kind and step the host reports (docs/dbus-api.md) has
    // words of its own; what this HMI does not know falls back to a
    // general sentence, and a result without them explains nothing.
    function test_failure() {
        const general = Format.failure({ failure_kind: "gremlins", failed_device: "ecu-9", failed_step: "install" })
        verify(general !== "")
        const kinds = ["device-error", "timeout", "verification", "conditions-not-met", "cancelled", "declined",
                       "not-installable", "payload-unavailable", "interrupted", "host-error"]
        const sentences = {}
        for (const kind of kinds) {
            const text = Format.failure({ failure_kind: kind, failed_device: "ecu-9", failed_step: "install" })
            verify(text !== general, kind)
            verify(!(text in sentences), kind + " reads like another kind")
            verify(text.indexOf("%") < 0, text)
            sentences[text] = kind
        }
        verify(Format.failure({ failure_kind: "device-error", failed_device: "ecu-9", failed_step: "install" }).indexOf("ecu-9") >= 0)
        const steps = ["check", "consent", "transfer", "conditions", "install", "activate", "verify", "commit", "journal"]
        const words = {}
        for (const step of steps) {
            const w = Format.failedStep(step)
            verify(w !== Format.failedStep("something_new"), step)
            verify(!(w in words), step + " reads like another step")
            words[w] = step
        }
        // A device's failure without its device: the general sentence.
        compare(Format.failure({ failure_kind: "device-error", failed_device: "", failed_step: "install" }),
                Format.failure({ failure_kind: "gremlins", failed_device: "", failed_step: "install" }))
        compare(Format.failure({ outcome: "success", reason: "", failure_kind: "" }), "")
        compare(Format.failure({ outcome: "rolled-back", reason: "from an older host" }), "")
        compare(Format.failure(null), "")
    }

    function test_releaseNotes_data() {
        const notes = { "en": "E", "de": "D", "pt-BR": "P", "fr_FR": "F" }
        return [
            { tag: "exact", notes: notes, locale: "de", expected: "D" },
            { tag: "language of locale", notes: notes, locale: "de_AT", expected: "D" },
            { tag: "dash form", notes: notes, locale: "pt_BR", expected: "P" },
            { tag: "same language other region", notes: notes, locale: "fr_CA", expected: "F" },
            { tag: "English fallback", notes: notes, locale: "sv_SE", expected: "E" },
            { tag: "any fallback", notes: { "it": "I" }, locale: "de_DE", expected: "I" },
            { tag: "none", notes: {}, locale: "de_DE", expected: "" },
            { tag: "missing", notes: undefined, locale: "de_DE", expected: "" }
        ]
    }
    function test_releaseNotes(data) {
        compare(Format.releaseNotes(data.notes, data.locale), data.expected)
    }
}
