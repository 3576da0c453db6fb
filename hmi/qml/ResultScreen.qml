// How the campaign ended, in words a driver can act on.
import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow
    readonly property var result: flow.result ? flow.result : ({})
    readonly property bool success: result.outcome === "success"
    readonly property var flagged: result.flagged_devices ? result.flagged_devices : []

    objectName: "screen_result"
    glyph: success ? "✓" : (result.outcome === "rolled-back" ? "↺" : "!")
    tone: success ? Theme.success : (result.outcome === "failed" ? Theme.danger : Theme.warning)
    title: Format.outcomeTitle(result.outcome)
    text: result.name ? result.name : ""

    HmiText {
        objectName: "resultExplanation"
        Layout.fillWidth: true
        text: {
            switch (screen.result.outcome) {
            case "success": return qsTr("All devices run the new software. The vehicle is ready to drive.")
            case "rolled-back": return qsTr("The update could not be completed. Every device was returned to its previous software; the vehicle is ready to drive.")
            case "declined": return qsTr("The update was not installed. Nothing was changed.")
            case "cancelled": return qsTr("The update was stopped. Every device keeps its previous software.")
            }
            return screen.flagged.length > 0
                    ? qsTr("The update failed and could not be undone on: %1. Please contact a workshop.").arg(screen.flagged.join(", "))
                    : qsTr("The update failed. The vehicle keeps its previous software.")
        }
    }
    Fact {
        visible: !screen.success && (screen.result.reason || "") !== ""
        name: qsTr("Reason")
        value: screen.result.reason || ""
        objectName: "resultReason"
    }
    Fact {
        visible: (screen.result.finished || "") !== ""
        name: qsTr("Finished")
        value: Format.isoDateTime(screen.result.finished)
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
