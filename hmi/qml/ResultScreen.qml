// How the campaign ended, in words a driver can act on: what went wrong
// (device, step, what happened: Format.failure), what that means for the
// vehicle, and the host's technical text for the workshop, set apart.
import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow
    readonly property var result: flow.result ? flow.result : ({})
    readonly property bool success: result.outcome === "success"
    readonly property var flagged: result.flagged_devices ? result.flagged_devices : []
    // Set back to their previous slot, but running the new software until
    // the vehicle restarts (absent in results of older hosts).
    readonly property var rebootNeeded: result.reboot_needed ? result.reboot_needed : []

    objectName: "screen_result"
    glyph: success ? "✓" : (result.outcome === "rolled-back" ? "↺" : "!")
    tone: success ? Theme.success : (result.outcome === "failed" ? Theme.danger : Theme.warning)
    title: Format.outcomeTitle(result.outcome)
    text: result.name ? result.name : ""

    HmiText {
        objectName: "resultFailure"
        visible: !screen.success && text !== ""
        Layout.fillWidth: true
        font.bold: true
        text: Format.failure(screen.result)
    }
    HmiText {
        objectName: "resultExplanation"
        Layout.fillWidth: true
        text: {
            switch (screen.result.outcome) {
            case "success": return qsTr("All devices run the new software. The vehicle is ready to drive.")
            case "rolled-back": return screen.rebootNeeded.length > 0
                                       ? qsTr("The update could not be completed. Every device was set back to its previous software; some return to it only when the vehicle restarts.")
                                       : qsTr("The update could not be completed. Every device was returned to its previous software; the vehicle is ready to drive.")
            case "declined": return qsTr("The update was not installed. Nothing was changed.")
            case "cancelled": return qsTr("The update was stopped. Every device keeps its previous software.")
            }
            return screen.flagged.length > 0
                    ? qsTr("The update failed and could not be undone on: %1. Please contact a workshop.").arg(screen.flagged.join(", "))
                    : qsTr("The update failed. The vehicle keeps its previous software.")
        }
    }
    HmiText {
        objectName: "resultRebootNeeded"
        visible: screen.rebootNeeded.length > 0
        Layout.fillWidth: true
        font.bold: true
        text: qsTr("Please restart the vehicle: %1 still run the new software until the next restart.").arg(screen.rebootNeeded.join(", "))
    }
    Fact {
        visible: (screen.result.finished || "") !== ""
        name: qsTr("Finished")
        value: Format.isoDateTime(screen.result.finished)
    }
    // English, as the host wrote it: for the workshop, not for the driver.
    Fact {
        objectName: "resultReason"
        visible: !screen.success && (screen.result.reason || "") !== ""
        secondary: true
        name: qsTr("Details for the workshop")
        value: screen.result.reason || ""
    }
    actions: [
        HmiButton {
            objectName: "dismissButton"
            primary: true
            text: qsTr("OK")
            onClicked: screen.flow.dismissResult()
        },
        HmiButton {
            objectName: "historyButton"
            text: qsTr("Update history")
            onClicked: screen.flow.showHistory()
        }
    ]
}
