// The HMI's logic, apart from its looks: which screen the driver sees, and
// what each button asks the host. Screens bind to this object and call its
// functions; tests/hmi drives it against a fake host.
import QtQuick
import "Format.js" as Format

QtObject {
    id: flow

    // The bridge (HostClient) or anything with the same API.
    property var host: null
    // Where the driver navigated: "details", "schedule", "history", "privacy" or "".
    property string overlay: ""
    // The last CampaignFinished result, shown until the driver dismisses it.
    property var result: null
    // When the driver last postponed (the host does not report it).
    property var postponedUntil: null
    // The last refused request, in the driver's words; "" when none.
    property string errorText: ""
    // What the last deletion removed, in the driver's words; "" when none.
    property string privacyNotice: ""

    readonly property bool available: host !== null && host.available
    readonly property string state: host ? host.state : ""
    readonly property string consentKind: host ? host.pendingConsent : ""
    readonly property string screen: screenFor(available, state, consentKind, overlay, result)

    readonly property var consentStates: ["AwaitingDownloadConsent", "AwaitingInstallConsent", "Postponed"]
    readonly property var progressStates: ["Checking", "Downloading", "Installing", "Activating", "Verifying",
                                           "Committing", "CommitPending", "RollingBack", "Recovering", "Done", "RolledBack",
                                           "Failed", "Cancelled"]

    function screenFor(available, state, consentKind, overlay, result) {
        if (!available)
            return "unavailable"
        if (overlay === "history")
            return "history"
        if (overlay === "privacy")
            return "privacy"
        if (result)
            return "result"
        if (consentStates.indexOf(state) >= 0) {
            if (overlay === "details" || overlay === "schedule")
                return overlay
            if (state === "Postponed")
                return "postponed"
            return consentKind === "install" ? "installConsent" : "available"
        }
        if (state === "WaitingForConditions")
            return "conditions"
        if (progressStates.indexOf(state) >= 0)
            return "progress"
        return "idle"
    }

    // --- the campaign, as the screens show it -----------------------------

    readonly property var campaign: host ? host.campaign : ({})
    readonly property var targets: campaign && campaign.targets ? campaign.targets : []
    readonly property double downloadBytes: {
        let n = 0
        for (let i = 0; i < targets.length; ++i)
            n += Number(targets[i].length)
        return n > 0 ? n : (host ? host.bytesTotal : 0)
    }
    // Optional campaign fields (seconds); -1 when the update does not say.
    readonly property int installSeconds: campaign && campaign.install_seconds !== undefined ? campaign.install_seconds : -1
    readonly property int unusableSeconds: campaign && campaign.unusable_seconds !== undefined ? campaign.unusable_seconds : -1
    // The signed deferral limit: false when no postpone is left (the host
    // would refuse one), so Later and Schedule are not offered.
    readonly property bool canPostpone: !(campaign && campaign.deferrals_left === 0)
    readonly property string releaseNotes: Format.releaseNotes(campaign ? campaign.release_notes : null, Qt.locale().name)

    // One row per device: what it runs now and what it gets.
    readonly property var changes: {
        const rows = []
        const inventory = host ? host.inventory : []
        for (let i = 0; i < targets.length; ++i) {
            const t = targets[i]
            let from = ""
            for (let j = 0; j < inventory.length; ++j)
                if (inventory[j].id === t.device)
                    from = inventory[j].version
            rows.push({ device: t.device, hardwareId: t.hardware_id, from: from, to: t.version,
                        bytes: Number(t.length), phase: t.phase })
        }
        return rows
    }

    // What the update needs from the vehicle (signed policy, all targets).
    readonly property var requirements: {
        let parked = false
        let battery = -1
        for (let i = 0; i < targets.length; ++i) {
            parked = parked || targets[i].require_parked === true
            if (targets[i].min_battery_soc !== undefined)
                battery = Math.max(battery, targets[i].min_battery_soc)
        }
        const out = []
        if (parked)
            out.push(qsTr("Vehicle parked (P)"))
        if (battery >= 0)
            out.push(qsTr("Battery at least %1 %").arg(battery))
        return out
    }

    readonly property var unmetConditions: {
        const out = []
        const unmet = host ? host.unmetConditions : []
        for (let i = 0; i < unmet.length; ++i)
            out.push(Format.condition(unmet[i]))
        return out
    }

    // Overall progress 0..100: bytes while downloading, device steps after.
    readonly property int overallPercent: {
        if (!host)
            return 0
        if (state === "Done")
            return 100
        const devices = host.devices
        if (!devices || devices.length === 0)
            return Math.floor(Format.percent(host.bytesDone, host.bytesTotal) / 2)
        if (state === "Downloading" || state === "Checking") {
            // By bytes, from the same report as the devices' bars.
            let done = 0
            let total = 0
            for (let i = 0; i < devices.length; ++i) {
                done += Number(devices[i].done)
                total += Number(devices[i].total)
            }
            return Math.floor(Format.percent(done, total) / 2)
        }
        let sum = 0
        for (let i = 0; i < devices.length; ++i)
            sum += Format.deviceFraction(devices[i])
        return Math.floor(100 * sum / devices.length)
    }
    readonly property bool cancellable: state === "Checking" || state === "Downloading"
                                        || state === "WaitingForConditions" || state === "Postponed"

    // --- the driver's data (io.conduit.Gathering1) -------------------------

    readonly property bool gatheringAvailable: host !== null && host.gatheringAvailable === true
    // One row per data class: what it is, whether it is personal, allowed,
    // and for which campaigns (names, and what each says it collects).
    readonly property var dataClasses: {
        const rows = []
        const classes = host && host.dataClasses ? host.dataClasses : []
        const campaigns = host && host.gatheringCampaigns ? host.gatheringCampaigns : []
        for (let i = 0; i < classes.length; ++i) {
            const c = classes[i]
            const names = []
            const purposes = []
            for (let j = 0; j < campaigns.length; ++j) {
                if (campaigns[j].classes.indexOf(c["class"]) < 0)
                    continue
                names.push(campaigns[j].name)
                const purpose = Format.releaseNotes(campaigns[j].purpose, Qt.locale().name)
                if (purpose !== "" && purposes.indexOf(purpose) < 0)
                    purposes.push(purpose)
            }
            rows.push({ id: c["class"], name: dataClassName(c["class"]), allowed: c.allowed === true,
                        personal: c.personal === true, campaigns: names, purposes: purposes })
        }
        return rows
    }
    function dataClassName(id) {
        switch (id) {
        case "telemetry": return qsTr("Vehicle data")
        case "location": return qsTr("Location")
        case "camera": return qsTr("Camera images")
        case "diagnostics": return qsTr("Diagnostics")
        case "logs": return qsTr("System logs")
        }
        return id
    }
    function dataClassText(id) {
        switch (id) {
        case "telemetry": return qsTr("Speed, battery and other signals of the vehicle")
        case "location": return qsTr("Where the vehicle is and where it went")
        case "camera": return qsTr("Pictures and clips from the vehicle's cameras")
        case "diagnostics": return qsTr("Fault codes and diagnostic files of the control units")
        case "logs": return qsTr("Messages of the vehicle's software")
        }
        return ""
    }

    // --- what the buttons do ----------------------------------------------

    function acceptConsent() {
        if (consentKind === "")
            return
        overlay = ""
        host.accept(consentKind)
    }
    // "Later": ask again in an hour.
    function later() {
        postpone(new Date(Date.now() + 3600 * 1000))
    }
    function postpone(date) {
        if (consentKind === "" || !canPostpone)
            return
        postponedUntil = date
        overlay = ""
        host.postpone(consentKind, Math.floor(date.getTime() / 1000))
    }
    function decline() {
        if (consentKind === "")
            return
        overlay = ""
        host.decline(consentKind)
    }
    function cancel() {
        // The reason goes into the host's journal and history, not to the driver.
        host.cancel("cancelled by the driver")
    }
    function showDetails() { overlay = "details" }
    function showSchedule() { overlay = "schedule" }
    function showHistory() {
        host.refreshHistory()
        overlay = "history"
    }
    function showPrivacy() {
        host.refreshPrivacy()
        privacyNotice = ""
        overlay = "privacy"
    }
    function setDataConsent(id, on) { host.setDataConsent(id, on) }
    // Deletes the personal classes (location, camera); consent stays.
    function deleteMyData() { host.deleteMyData("personal") }
    function back() { overlay = "" }
    function dismissResult() { result = null }
    function setAutoConsent(on) { host.setAutoConsent(on) }

    // The times offered by the schedule screen, after `now`: in an hour,
    // tonight at 22:00 and tomorrow at 03:00 (the next ones after now).
    function scheduleOptions(now) {
        const inHour = new Date(now.getTime() + 3600 * 1000)
        const tonight = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 22, 0, 0)
        if (tonight <= inHour)
            tonight.setDate(tonight.getDate() + 1)
        const night = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 3, 0, 0)
        if (night <= tonight)
            night.setDate(night.getDate() + 1)
        return [
            { label: qsTr("In 1 hour"), date: inHour },
            { label: qsTr("Tonight at %1").arg(Format.time(tonight)), date: tonight },
            { label: qsTr("Tomorrow at %1").arg(Format.time(night)), date: night }
        ]
    }

    property Connections hostEvents: Connections {
        target: flow.host
        function onStateChanged() {
            // The vehicle moved on: what the driver was looking at is stale.
            // History and privacy are not about the campaign: they stay.
            if (flow.overlay !== "history" && flow.overlay !== "privacy")
                flow.overlay = ""
        }
        function onConsentRequested(kind) {
            // A question from the vehicle comes before browsing the history
            // or the privacy settings. Details and schedule belong to the
            // question: they stay (the announcement may arrive after the
            // state that shows it).
            if (flow.overlay === "history" || flow.overlay === "privacy")
                flow.overlay = ""
        }
        function onDataDeleted(removal) {
            flow.privacyNotice = qsTr("%n stored record(s) deleted.", "", Number(removal.items))
        }
        function onCampaignFinished(result) {
            flow.result = result
            flow.overlay = ""
            flow.postponedUntil = null
        }
        function onAvailableChanged() {
            flow.overlay = ""
        }
        function onCallFailed(method, errorName, message) {
            if (errorName === "io.conduit.Host1.Error.DeferralLimitReached")
                flow.errorText = qsTr("This update cannot be postponed again.")
            else if (errorName === "io.conduit.Host1.Error.NotAsked")
                flow.errorText = qsTr("The vehicle is no longer waiting for this answer.")
            else if (errorName === "io.conduit.Gathering1.Error.Failed")
                flow.errorText = qsTr("Your data could not be changed: %1").arg(message)
            else if (errorName === "io.conduit.Host1.Error.Refused")
                flow.errorText = qsTr("The vehicle refused the request: %1").arg(message)
            else
                flow.errorText = qsTr("The update service did not answer. Please try again.")
        }
    }
}
