import QtQuick
import QtQuick.Controls.Basic
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
        Switch {
            id: autoSwitch
            objectName: "autoConsentSwitch"
            checked: screen.flow.host.autoConsent
            implicitHeight: Theme.buttonHeight
            implicitWidth: Theme.buttonHeight * 1.6
            onToggled: screen.flow.setAutoConsent(checked)
            // A thumb-sized switch: the default one is made for a mouse.
            indicator: Rectangle {
                x: autoSwitch.width - width
                y: (autoSwitch.height - height) / 2
                width: autoSwitch.width
                height: Theme.buttonHeight * 0.64
                radius: height / 2
                color: autoSwitch.checked ? Theme.accent : Theme.surfaceRaised
                Rectangle {
                    x: autoSwitch.checked ? parent.width - width - 6 : 6
                    y: 6
                    width: parent.height - 12
                    height: width
                    radius: width / 2
                    color: Theme.text
                }
            }
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
        }
    ]
}
