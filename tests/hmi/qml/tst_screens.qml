// The screens against the fake host, at both head-unit sizes: each state
// shows its screen, buttons are large and on screen, clicks ask the host.
import QtQuick
import QtTest
import Conduit.Hmi
import "../../../hmi/qml/Format.js" as Format

// TestCase is invisible: the HMI goes into a visible sibling to be clickable.
Item {
    width: 1920
    height: 720

    Item {
        id: stage
        anchors.fill: parent
    }

    TestCase {
        id: test
        name: "Screens"
        when: windowShown

        Component { id: hostComponent; FakeHost {} }
        Component { id: rootComponent; HmiRoot {} }

        property var host
        property var root

        function make(width) {
            host = createTemporaryObject(hostComponent, test)
            root = createTemporaryObject(rootComponent, stage, { host: host, width: width, height: 720 })
            verify(root !== null)
        }

        function all(item, objectName, out) {
            out = out || []
            for (let i = 0; i < item.children.length; ++i) {
                const child = item.children[i]
                if (child.objectName === objectName && child.visible)
                    out.push(child)
                all(child, objectName, out)
            }
            return out
        }
        function buttons(item, out) {
            out = out || []
            for (let i = 0; i < item.children.length; ++i) {
                const child = item.children[i]
                if (child.visible && (child.objectName.endsWith("Button") || child.objectName.endsWith("Switch")))
                    out.push(child)
                if (child.visible)
                    buttons(child, out)
            }
            return out
        }
        function button(name) {
            const b = findChild(root.currentScreen, name)
            verify(b !== null, "no " + name + " on " + root.screen)
            verify(b.visible && b.enabled, name + " is not clickable")
            return b
        }

        // Puts the fake host in the state that shows `screen`.
        function show(screen) {
            switch (screen) {
            case "unavailable": host.available = false; break
            case "idle":
                host.history = [{ name: "update-6", outcome: "success", reason: "", finished: "2030-01-01T10:00:00Z" }]
                break
            case "available": host.offer("download"); break
            case "details": host.offer("download"); root.flow.showDetails(); break
            case "schedule": host.offer("install"); root.flow.showSchedule(); break
            case "postponed": host.offer("download"); root.flow.postpone(new Date(Date.now() + 7200000)); host.state = "Postponed"; break
            case "installConsent": host.offer("install"); break
            case "conditions":
                host.offer("install")
                host.unmetConditions = ["Shift to P", "Battery at 12 %, needs 40 %"]
                host.pendingConsent = ""
                host.state = "WaitingForConditions"
                break
            case "progress":
                host.offer("download")
                host.pendingConsent = ""
                host.state = "Downloading"
                host.devices = [{ device: "gw-1", step: "transfer", done: 1500000, total: 3000000, error: "" },
                                { device: "ecu-1", step: "transfer", done: 0, total: 2000000, error: "" }]
                host.bytesDone = 1500000
                host.etaSeconds = 95
                break
            case "result":
                host.campaignFinished({ name: "update-7", outcome: "rolled-back", reason: "device ecu-2: activate failed: boom",
                                        failed_device: "ecu-2", failed_step: "activate", failure_kind: "device-error",
                                        finished: "2030-01-01T10:00:00Z", flagged_devices: [] })
                break
            case "history":
                host.history = [{ name: "update-8", outcome: "cancelled", reason: "cancelled: driver", failed_device: "",
                                  failed_step: "transfer", failure_kind: "cancelled", finished: "2030-01-03T10:00:00Z" },
                                { name: "update-7", outcome: "rolled-back", reason: "device ecu-2: activate failed", finished: "2030-01-02T10:00:00Z" },
                                { name: "update-6", outcome: "success", reason: "", failed_device: "", failed_step: "", failure_kind: "",
                                  finished: "2030-01-01T10:00:00Z" }]
                root.flow.showHistory()
                break
            case "privacy":
                host.gather()
                root.flow.showPrivacy()
                break
            }
            compare(root.screen, screen)
            compare(root.currentScreen.objectName, "screen_" + screen)
        }

        function test_everyScreen_data() {
            const rows = []
            const screens = ["unavailable", "idle", "available", "details", "schedule", "postponed",
                             "installConsent", "conditions", "progress", "result", "history", "privacy"]
            for (const width of [1280, 1920])
                for (const s of screens)
                    rows.push({ tag: s + "@" + width, screen: s, width: width })
            return rows
        }
        function test_everyScreen(data) {
            make(data.width)
            show(data.screen)
            waitForRendering(root)
            const title = findChild(root.currentScreen, "screenTitle")
            verify(title.text !== "", "screen without a title")
            const bs = buttons(root.currentScreen)
            if (data.screen !== "unavailable")
                verify(bs.length > 0, "no buttons found")
            for (const b of bs) {
                const p = b.mapToItem(root, 0, 0)
                verify(b.height >= Theme.buttonHeight, b.objectName + " is too small to touch")
                verify(b.width >= Theme.buttonHeight, b.objectName + " is too narrow to touch")
                verify(p.x >= 0 && p.y >= 0 && p.x + b.width <= root.width && p.y + b.height <= root.height,
                       b.objectName + " is off screen at " + p.x + "," + p.y)
            }
        }

        function test_clickThroughDownloadConsent() {
            make(1280)
            show("available")
            mouseClick(button("acceptButton"))
            compare(host.calls, [["accept", "download"]])
        }

        function test_detailsThenInstall() {
            make(1280)
            show("installConsent")
            mouseClick(button("detailsButton"))
            compare(root.screen, "details")
            compare(all(root.currentScreen, "changesList")[0].count, 3)
            mouseClick(button("acceptButton"))
            compare(host.calls, [["accept", "install"]])
            compare(root.screen, "installConsent")
        }

        function test_releaseNotesInTheCurrentLanguage() {
            make(1280)
            show("details")
            const notes = findChild(root.currentScreen, "releaseNotes")
            const expected = Qt.locale().name.startsWith("de") ? "Schärfere Bremsen." : "Sharper brakes."
            compare(notes.text, expected)
        }

        function test_laterButton() {
            make(1280)
            show("available")
            mouseClick(button("laterButton"))
            compare(host.calls.length, 1)
            compare(host.calls[0][0], "postpone")
            const inAnHour = Date.now() / 1000 + 3600
            verify(Math.abs(host.calls[0][2] - inAnHour) < 60)
        }

        function test_scheduleAChosenTime() {
            make(1280)
            show("schedule")
            mouseClick(button("scheduleOption1"))
            mouseClick(button("laterTimeButton"))
            const expected = root.currentScreen.options[1].date.getTime() + 30 * 60000
            compare(root.currentScreen.chosen.getTime(), expected)
            mouseClick(button("scheduleConfirmButton"))
            compare(host.calls, [["postpone", "install", Math.floor(expected / 1000)]])
        }

        function test_scheduleBackKeepsAsking() {
            make(1280)
            show("schedule")
            mouseClick(button("backButton"))
            compare(root.screen, "installConsent")
            compare(host.calls.length, 0)
        }

        function test_declineFromDetails() {
            make(1920)
            show("details")
            mouseClick(button("declineButton"))
            compare(host.calls, [["decline", "download"]])
        }

        function test_conditionsListsEachOne() {
            make(1280)
            show("conditions")
            const items = all(root.currentScreen, "conditionText")
            compare(items.length, 2)
            compare(items[0].text, qsTranslate("Format", "Shift to P"))
            mouseClick(button("cancelButton"))
            compare(host.calls[0][0], "cancel")
        }

        function test_progressShowsDevicesAndTime() {
            make(1280)
            show("progress")
            compare(findChild(root.currentScreen, "deviceList").count, 2)
            verify(findChild(root.currentScreen, "overallPercent").text.indexOf("15") === 0) // devices: 1.5 of 5 MB = 30 %, download is half the way
            verify(findChild(root.currentScreen, "remainingTime").text.indexOf("2") >= 0)
            host.state = "Installing"
            verify(!findChild(root.currentScreen, "cancelButton").visible) // too late to cancel cleanly
        }

        function test_resultThenIdle() {
            make(1280)
            show("result")
            verify(findChild(root.currentScreen, "resultReason").value.indexOf("ecu-2") >= 0)
            mouseClick(button("dismissButton"))
            compare(root.screen, "idle")
        }

        function lang() { return Qt.locale().name.split("_")[0] }

        // What went wrong in the driver's language (device, step, kind); the
        // host's English text apart, smaller and dimmed, for the workshop.
        function test_resultExplainsTheFailure() {
            make(1280)
            show("result")
            const failure = findChild(root.currentScreen, "resultFailure")
            verify(failure.visible)
            const expected = { "en": "Device ecu-2 reported an error while activating the new software.",
                               "de": "Steuergerät ecu-2 hat beim Aktivieren der neuen Software einen Fehler gemeldet." }
            compare(failure.text, expected[lang()])
            const details = findChild(root.currentScreen, "resultReason")
            verify(details.visible)
            compare(details.name, lang() === "de" ? "Details für die Werkstatt" : "Details for the workshop")
            compare(details.value, "device ecu-2: activate failed: boom") // as the host wrote it
            verify(details.secondary)
            verify(Qt.colorEqual(details.valueColor, Theme.textDim))
            verify(findChild(details, "factValue").font.pixelSize < failure.font.pixelSize)
        }

        // A rollback after a trial boot: the devices still on their new slot
        // need the vehicle restarted; a result without the field (an older
        // host) says nothing about it.
        function test_resultAsksForARestart() {
            make(1280)
            host.campaignFinished({ name: "update-7", outcome: "rolled-back", reason: "device ecu-2 runs 1.0 after activation, expected 2.0",
                                    failed_device: "ecu-2", failed_step: "verify", failure_kind: "verification",
                                    finished: "2030-01-01T10:00:00Z", flagged_devices: [], reboot_needed: ["hu-1", "gw-1"] })
            const reboot = findChild(root.currentScreen, "resultRebootNeeded")
            verify(reboot.visible)
            const expected = { "en": "Please restart the vehicle: hu-1, gw-1 still run the new software until the next restart.",
                               "de": "Bitte starten Sie das Fahrzeug neu: hu-1, gw-1 führen bis zum nächsten Neustart noch die neue Software aus." }
            compare(reboot.text, expected[lang()])
            verify(findChild(root.currentScreen, "resultExplanation").text.indexOf(lang() === "de" ? "Neustart" : "restarts") >= 0)
            mouseClick(button("dismissButton"))
            show("result")
            verify(!findChild(root.currentScreen, "resultRebootNeeded").visible)
            verify(findChild(root.currentScreen, "resultExplanation").text.indexOf(lang() === "de" ? "fahrbereit" : "ready to drive") >= 0)
        }

        function test_successExplainsNothing() {
            make(1280)
            host.campaignFinished({ name: "update-7", outcome: "success", reason: "", failed_device: "", failed_step: "",
                                    failure_kind: "", finished: "2030-01-01T10:00:00Z", flagged_devices: [] })
            verify(!findChild(root.currentScreen, "resultFailure").visible)
            verify(!findChild(root.currentScreen, "resultReason").visible)
        }

        // Each entry in the driver's words; one from an older host (no
        // structured fields) shows what the host wrote.
        function test_historyExplainsEachEntry() {
            make(1920)
            show("history")
            waitForRendering(root)
            const lines = all(root.currentScreen, "historyExplanation")
            compare(lines.length, 3)
            compare(lines[0].text, lang() === "de" ? "Das Update wurde beim Herunterladen abgebrochen." : "The update was stopped while downloading.")
            compare(lines[1].text, "device ecu-2: activate failed")
            compare(lines[2].text, Format.isoDateTime("2030-01-01T10:00:00Z")) // success: its date
        }

        function test_autoConsentSwitch() {
            make(1280)
            show("idle")
            const sw = findChild(root.currentScreen, "autoConsentSwitch")
            mouseClick(sw)
            compare(host.calls, [["setAutoConsent", true]])
        }

        function test_privacyIsReachableFromIdle() {
            make(1280)
            show("idle")
            verify(findChild(root.currentScreen, "privacyButton").visible === false, "no gathering, no privacy button")
            host.gather()
            mouseClick(button("privacyButton"))
            compare(root.screen, "privacy")
            mouseClick(button("privacyBackButton"))
            compare(root.screen, "idle")
        }

        function test_privacyTogglePerClass() {
            make(1920)
            show("privacy")
            waitForRendering(root)
            compare(findChild(root.currentScreen, "dataClassList").count, 5)
            const names = all(root.currentScreen, "dataClassName") // those in view
            verify(names.length >= 3)
            compare(names[2].text, lang() === "de" ? "Kamerabilder (personenbezogen)" : "Camera images (personal)")
            const uses = all(root.currentScreen, "dataClassUse")
            verify(uses[2].text.indexOf("Brake study") >= 0, uses[2].text)
            const sw = findChild(root.currentScreen, "cameraConsentSwitch")
            verify(!sw.checked)
            mouseClick(sw)
            compare(host.calls[host.calls.length - 1], ["setDataConsent", "camera", true])
            mouseClick(findChild(root.currentScreen, "telemetryConsentSwitch"))
            compare(host.calls[host.calls.length - 1], ["setDataConsent", "telemetry", false])
        }

        function test_deleteMyDataAsksFirst() {
            make(1280)
            show("privacy")
            // The action row lays the buttons out again when they change:
            // each click waits for that frame.
            waitForRendering(root)
            mouseClick(button("deleteMyDataButton"))
            compare(root.currentScreen.confirming, true)
            compare(host.calls.filter(c => c[0] === "deleteMyData").length, 0)
            waitForRendering(root)
            mouseClick(button("keepDataButton"))
            compare(root.currentScreen.confirming, false)
            compare(host.calls.filter(c => c[0] === "deleteMyData").length, 0)
            waitForRendering(root)
            mouseClick(button("deleteMyDataButton"))
            waitForRendering(root)
            mouseClick(button("confirmDeleteButton"))
            compare(host.calls[host.calls.length - 1], ["deleteMyData", "personal"])
            host.dataDeleted({ classes: ["location", "camera"], items: 3, bytes: 4096 })
            const notice = findChild(root.currentScreen, "privacyNotice")
            verify(notice.visible)
            compare(notice.text, lang() === "de" ? "3 gespeicherte Datensätze gelöscht." : "3 stored records deleted.")
        }

        // No postpone left by the signed limit: Later and Schedule are not
        // offered, on either consent screen nor when postponed.
        function test_noPostponeLeft_data() {
            return [{ tag: "available", screen: "available" }, { tag: "installConsent", screen: "installConsent" },
                    { tag: "postponed", screen: "postponed" }]
        }
        function test_noPostponeLeft(data) {
            make(1280)
            show(data.screen)
            verify(button("scheduleButton").visible)
            const note = findChild(root.currentScreen, "noPostponeNote")
            verify(note === null || !note.visible)
            const c = Object.assign({}, host.campaign)
            c.deferrals_left = 0
            host.campaign = c
            compare(root.screen, data.screen)
            verify(!findChild(root.currentScreen, "scheduleButton").visible)
            const later = findChild(root.currentScreen, "laterButton")
            verify(later === null || !later.visible)
            if (data.screen !== "postponed") // the question says why there is no Later
                verify(findChild(root.currentScreen, "noPostponeNote").visible)
            waitForRendering(root)
            const bs = buttons(root.currentScreen)
            verify(bs.length > 0)
            for (const b of bs) // the others move up: nothing is left off screen
                verify(b.mapToItem(root, 0, 0).x + b.width <= root.width)
            const postpones = () => host.calls.filter(c => c[0] === "postpone").length
            const before = postpones() // "postponed" was reached by one
            root.flow.later()
            compare(postpones(), before)
        }

        function test_refusedRequestIsShown() {
            make(1280)
            show("available")
            host.callFailed("Accept", "io.conduit.Host1.Error.NotAsked", "no download consent is being asked")
            const banner = findChild(root, "errorBanner")
            verify(banner.visible)
            mouseClick(banner)
            verify(!banner.visible)
        }
    }
}
