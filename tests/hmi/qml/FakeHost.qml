// The bridge's API (hmi/hostclient.h) without D-Bus: tests set properties,
// emit the signals and read `calls` to see what the HMI asked.
import QtQuick

QtObject {
    property bool available: true
    property string state: "Idle"
    property string campaignId: campaign.id !== undefined ? campaign.id : ""
    property string campaignName: ""
    property int phase: -1
    property double bytesDone: 0
    property double bytesTotal: 0
    property int etaSeconds: -1
    property var devices: []
    property var unmetConditions: []
    property string pendingConsent: ""
    property bool autoConsent: false
    property var campaign: ({})
    property var inventory: []
    property var history: []
    property bool gatheringAvailable: false
    property var dataClasses: []
    property var gatheringCampaigns: []

    // Every method call, in order: [name, arg...].
    property var calls: []

    signal consentRequested(string kind)
    signal campaignFinished(var result)
    signal callFailed(string method, string errorName, string message)
    signal privacyChanged()
    signal dataDeleted(var removal)

    function record(entry) {
        const c = calls.slice()
        c.push(entry)
        calls = c
    }
    function accept(kind) { record(["accept", kind]) }
    function decline(kind) { record(["decline", kind]) }
    function postpone(kind, until) { record(["postpone", kind, until]) }
    function cancel(reason) { record(["cancel", reason]) }
    function setAutoConsent(on) { record(["setAutoConsent", on]) }
    function refresh() { record(["refresh"]) }
    function refreshHistory() { record(["refreshHistory"]) }
    function refreshPrivacy() { record(["refreshPrivacy"]) }
    function setDataConsent(dataClass, allowed) { record(["setDataConsent", dataClass, allowed]) }
    function deleteMyData(scope) { record(["deleteMyData", scope]) }

    // A host that gathers data, as GetConsent and GetCampaigns report it.
    function gather() {
        gatheringAvailable = true
        dataClasses = [
            { "class": "telemetry", allowed: true, personal: false, campaigns: ["brakes-2030"] },
            { "class": "location", allowed: false, personal: true, campaigns: [] },
            { "class": "camera", allowed: false, personal: true, campaigns: ["brakes-2030"] },
            { "class": "diagnostics", allowed: true, personal: false, campaigns: [] },
            { "class": "logs", allowed: true, personal: false, campaigns: [] }
        ]
        gatheringCampaigns = [
            { id: "brakes-2030", name: "Brake study", classes: ["telemetry", "camera"], expires_ms: 0,
              purpose: { "en": "Hard braking: speed and the front camera.", "de": "Starkes Bremsen: Tempo und Frontkamera." } }
        ]
    }

    // A three-device campaign like the one conduitd reports (GetCampaign).
    function offer(kind) {
        campaignName = "update-7"
        campaign = {
            id: "c0ffee", name: "update-7", state: kind === "install" ? "AwaitingInstallConsent" : "AwaitingDownloadConsent",
            release_notes: { "en": "Sharper brakes.", "de": "Schärfere Bremsen.", "fr": "Freins plus vifs." },
            install_seconds: 900, unusable_seconds: 600,
            targets: [
                { device: "gw-1", hardware_id: "gateway", version: "2.0", length: "3000000", phase: 0, require_parked: true, min_battery_soc: 30 },
                { device: "ecu-1", hardware_id: "brake", version: "2.0", length: "2000000", phase: 1, require_parked: true, min_battery_soc: -1 },
                { device: "ecu-2", hardware_id: "brake", version: "2.0", length: "1000000", phase: 1, require_parked: false, min_battery_soc: 40 }
            ]
        }
        inventory = [ { id: "gw-1", version: "1.0" }, { id: "ecu-1", version: "1.1" }, { id: "ecu-2", version: "1.0" } ]
        bytesTotal = 6000000
        pendingConsent = kind
        state = kind === "install" ? "AwaitingInstallConsent" : "AwaitingDownloadConsent"
        consentRequested(kind)
    }
}
