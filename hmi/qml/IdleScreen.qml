import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow
    readonly property var last: flow.host.history.length > 0 ? flow.host.history[0] : null

    objectName: "screen_idle"
    glyph: "✓"
    tone: Theme.success
    title: qsTr("Your vehicle is up to date")
    text: last ? qsTr("Last update: %1, %2").arg(last.name).arg(Format.isoDateTime(last.finished))
               : qsTr("No software update has been installed yet.")

    Fact {
        name: qsTr("Update service")
        value: qsTr("Connected")
        valueColor: Theme.success
    }
    RowLayout {
        spacing: Theme.spacing
        Layout.fillWidth: true
        HmiText {
            text: qsTr("Install updates automatically")
            Layout.fillWidth: true
        }
        HmiSwitch {
            objectName: "autoConsentSwitch"
            checked: screen.flow.host.autoConsent
            onToggled: screen.flow.setAutoConsent(checked)
        }
    }
    HmiText {
        text: qsTr("When this is on, updates are downloaded and installed without asking, as soon as the vehicle is parked.")
        role: "small"
        dim: true
        Layout.fillWidth: true
    }
    actions: [
        HmiButton {
            objectName: "historyButton"
            text: qsTr("Update history")
            onClicked: screen.flow.showHistory()
        },
        HmiButton {
            objectName: "privacyButton"
            visible: screen.flow.gatheringAvailable
            text: qsTr("Privacy")
            onClicked: screen.flow.showPrivacy()
        }
    ]
}
