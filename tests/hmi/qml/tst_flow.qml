// UpdateFlow: which screen follows from what the host says, and what each
// action asks the host.
import QtQuick
import QtTest
import Conduit.Hmi

TestCase {
    id: test
    name: "UpdateFlow"

    Component { id: hostComponent; FakeHost {} }
    Component { id: flowComponent; UpdateFlow {} }

    property var host
    property var flow

    function init() {
        host = createTemporaryObject(hostComponent, test)
        flow = createTemporaryObject(flowComponent, test, { host: host })
    }

    function test_screenForEveryState_data() {
        return [
            { tag: "Idle", state: "Idle", consent: "", expected: "idle" },
            { tag: "Checking", state: "Checking", consent: "", expected: "progress" },
            { tag: "AwaitingDownloadConsent", state: "AwaitingDownloadConsent", consent: "download", expected: "available" },
            { tag: "Downloading", state: "Downloading", consent: "", expected: "progress" },
            { tag: "AwaitingInstallConsent", state: "AwaitingInstallConsent", consent: "install", expected: "installConsent" },
            { tag: "WaitingForConditions", state: "WaitingForConditions", consent: "", expected: "conditions" },
            { tag: "Installing", state: "Installing", consent: "", expected: "progress" },
            { tag: "Activating", state: "Activating", consent: "", expected: "progress" },
            { tag: "Verifying", state: "Verifying", consent: "", expected: "progress" },
            { tag: "Committing", state: "Committing", consent: "", expected: "progress" },
            { tag: "CommitPending", state: "CommitPending", consent: "", expected: "progress" },
            { tag: "RollingBack", state: "RollingBack", consent: "", expected: "progress" },
            { tag: "Recovering", state: "Recovering", consent: "", expected: "progress" },
            { tag: "Postponed download", state: "Postponed", consent: "download", expected: "postponed" },
            { tag: "Postponed install", state: "Postponed", consent: "install", expected: "postponed" },
            { tag: "unknown state", state: "SomethingNew", consent: "", expected: "idle" }
        ]
    }
    function test_screenForEveryState(data) {
        host.pendingConsent = data.consent
        host.state = data.state
        compare(flow.screen, data.expected)
    }

    function test_unavailableWins() {
        host.offer("download")
        host.available = false
        compare(flow.screen, "unavailable")
        host.available = true
        compare(flow.screen, "available")
    }

    function test_detailsAndScheduleOnlyWhileAsked() {
        host.offer("download")
        flow.showDetails()
        compare(flow.screen, "details")
        flow.back()
        compare(flow.screen, "available")
        flow.showSchedule()
        compare(flow.screen, "schedule")
        // The vehicle moves on: the overlay goes, the new state shows.
        host.pendingConsent = ""
        host.state = "Downloading"
        compare(flow.overlay, "")
        compare(flow.screen, "progress")
        flow.showDetails()
        compare(flow.screen, "progress")
    }

    function test_consentRequestLeavesHistory() {
        flow.showHistory()
        compare(flow.screen, "history")
        compare(host.calls[host.calls.length - 1][0], "refreshHistory")
        host.offer("install")
        compare(flow.screen, "installConsent")
    }

    function test_privacyStaysUntilAQuestion() {
        host.gather()
        flow.showPrivacy()
        compare(flow.screen, "privacy")
        compare(host.calls[host.calls.length - 1][0], "refreshPrivacy")
        host.state = "Checking" // an update starts: the privacy screen stays
        compare(flow.screen, "privacy")
        host.offer("download") // a question comes first
        compare(flow.screen, "available")
    }

    function test_dataClassesNameTheirCampaigns() {
        host.gather()
        const rows = flow.dataClasses
        compare(rows.length, 5)
        compare(rows[2].id, "camera")
        verify(rows[2].personal && !rows[2].allowed)
        compare(rows[2].campaigns, ["Brake study"])
        const de = Qt.locale().name.split("_")[0] === "de"
        compare(rows[2].purposes, [de ? "Starkes Bremsen: Tempo und Frontkamera." : "Hard braking: speed and the front camera."])
        compare(rows[1].campaigns, [])
        flow.setDataConsent("camera", true)
        flow.deleteMyData()
        compare(host.calls.slice(-2), [["setDataConsent", "camera", true], ["deleteMyData", "personal"]])
    }

    // conduitd reports the state before it announces the question: a tap on
    // Details in between must not be undone by the announcement.
    function test_detailsSurviveTheLateAnnouncement() {
        host.state = "AwaitingDownloadConsent"
        compare(flow.screen, "available")
        flow.showDetails()
        host.pendingConsent = "download"
        host.consentRequested("download")
        compare(flow.screen, "details")
    }

    function test_acceptAnswersThePendingKind_data() {
        return [{ tag: "download", kind: "download" }, { tag: "install", kind: "install" }]
    }
    function test_acceptAnswersThePendingKind(data) {
        host.offer(data.kind)
        flow.acceptConsent()
        compare(host.calls.length, 1)
        compare(host.calls[0], ["accept", data.kind])
    }

    function test_nothingAskedNothingSent() {
        flow.acceptConsent()
        flow.later()
        flow.decline()
        compare(host.calls.length, 0)
    }

    function test_laterPostponesAnHour() {
        host.offer("install")
        const before = Math.floor(Date.now() / 1000)
        flow.later()
        const after = Math.floor(Date.now() / 1000)
        compare(host.calls.length, 1)
        compare(host.calls[0][0], "postpone")
        compare(host.calls[0][1], "install")
        verify(host.calls[0][2] >= before + 3600 && host.calls[0][2] <= after + 3600, host.calls[0][2])
        verify(flow.postponedUntil !== null)
    }

    function test_postponeToAChosenTime() {
        host.offer("download")
        const when = new Date(2031, 4, 6, 22, 0, 0)
        flow.postpone(when)
        compare(host.calls[0], ["postpone", "download", Math.floor(when.getTime() / 1000)])
        host.state = "Postponed"
        compare(flow.screen, "postponed")
        compare(flow.postponedUntil.getTime(), when.getTime())
    }

    function test_declineAndCancel() {
        host.offer("install")
        flow.decline()
        compare(host.calls[0], ["decline", "install"])
        flow.cancel()
        compare(host.calls[1][0], "cancel")
        verify(host.calls[1][1] !== "")
    }

    function test_scheduleOptions_data() {
        return [
            { tag: "morning", now: new Date(2030, 0, 15, 9, 30) },
            { tag: "21:30", now: new Date(2030, 0, 15, 21, 30) },
            { tag: "23:00", now: new Date(2030, 0, 15, 23, 0) },
            { tag: "02:30", now: new Date(2030, 0, 16, 2, 30) },
            { tag: "year end", now: new Date(2030, 11, 31, 23, 59) }
        ]
    }
    function test_scheduleOptions(data) {
        const options = flow.scheduleOptions(data.now)
        compare(options.length, 3)
        compare(options[0].date.getTime() - data.now.getTime(), 3600 * 1000)
        compare(options[1].date.getHours(), 22)
        compare(options[2].date.getHours(), 3)
        for (let i = 0; i < options.length; ++i) {
            verify(options[i].date > data.now, options[i].label)
            verify(options[i].label !== "")
            if (i > 0)
                verify(options[i].date > options[i - 1].date, options[i].label)
        }
        // Neither is more than a day and a half away.
        verify(options[2].date.getTime() - data.now.getTime() < 36 * 3600 * 1000)
    }

    function test_resultStaysUntilDismissed() {
        host.state = "Installing"
        host.campaignFinished({ outcome: "rolled-back", reason: "device ecu-2: activate failed", name: "update-7" })
        host.state = "RolledBack"
        host.state = "Idle"
        compare(flow.screen, "result")
        compare(flow.result.outcome, "rolled-back")
        flow.dismissResult()
        compare(flow.screen, "idle")
    }

    function test_campaignFacts() {
        host.offer("download")
        compare(flow.targets.length, 3)
        compare(flow.downloadBytes, 6000000)
        compare(flow.installSeconds, 900)
        compare(flow.unusableSeconds, 600)
        compare(flow.requirements.length, 2)
        verify(flow.requirements[1].indexOf("40") >= 0, flow.requirements[1])
        compare(flow.changes.length, 3)
        compare(flow.changes[1].device, "ecu-1")
        compare(flow.changes[1].from, "1.1")
        compare(flow.changes[1].to, "2.0")
        compare(flow.changes[1].bytes, 2000000)
    }

    function test_campaignWithoutOptionalFacts() {
        host.campaign = { id: "x", targets: [{ device: "d", version: "2", length: "10" }] }
        compare(flow.installSeconds, -1)
        compare(flow.unusableSeconds, -1)
        compare(flow.requirements.length, 0)
        compare(flow.releaseNotes, "")
        compare(flow.changes[0].from, "")
    }

    function test_overallPercent() {
        host.state = "Downloading"
        host.bytesTotal = 1000
        host.bytesDone = 500
        compare(flow.overallPercent, 25) // download is the first half
        // Per-device reports win over the (coarser) byte counters.
        host.devices = [{ device: "a", step: "transfer", done: 300, total: 400 },
                        { device: "b", step: "transfer", done: 300, total: 400 }]
        compare(flow.overallPercent, 37)
        host.state = "Installing"
        host.devices = [{ device: "a", step: "commit", done: 0, total: 0 },
                        { device: "b", step: "", done: 0, total: 0 }]
        compare(flow.overallPercent, 50)
        host.state = "Done"
        compare(flow.overallPercent, 100)
    }

    function test_refusalsBecomeText() {
        host.callFailed("Accept", "io.conduit.Host1.Error.NotAsked", "no download consent is being asked")
        verify(flow.errorText !== "")
        const notAsked = flow.errorText
        host.callFailed("Cancel", "io.conduit.Host1.Error.Refused", "too late to cancel")
        verify(flow.errorText.indexOf("too late to cancel") >= 0)
        host.callFailed("Cancel", "org.freedesktop.DBus.Error.NoReply", "")
        verify(flow.errorText !== notAsked)
        const noAnswer = flow.errorText
        host.callFailed("Postpone", "io.conduit.Host1.Error.DeferralLimitReached", "at most 1 time(s)")
        verify(flow.errorText !== notAsked && flow.errorText !== noAnswer && flow.errorText !== "")
    }

    function test_unmetConditionsTranslated() {
        host.unmetConditions = ["Shift to P", "Battery at 12 %, needs 40 %"]
        compare(flow.unmetConditions.length, 2)
        compare(flow.unmetConditions[0], qsTranslate("Format", "Shift to P"))
    }
}
