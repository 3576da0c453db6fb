// Overall and per-device progress, and the time left.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow
    readonly property var host: flow.host

    objectName: "screen_progress"
    title: Format.stateTitle(flow.state)
    text: host ? host.campaignName : ""

    aside: [
        HmiText {
            objectName: "overallPercent"
            text: qsTr("%1 %").arg(screen.flow.overallPercent)
            role: "huge"
            color: Theme.accent
        },
        HmiText {
            objectName: "remainingTime"
            text: screen.host && screen.host.etaSeconds >= 0 ? qsTr("About %1 left").arg(Format.duration(screen.host.etaSeconds))
                                              : qsTr("Please keep the vehicle switched on.")
            dim: true
            Layout.fillWidth: true
        }
    ]

    ProgressBar {
        objectName: "overallBar"
        from: 0
        to: 100
        value: screen.flow.overallPercent
        Layout.fillWidth: true
        implicitHeight: 16
        background: Rectangle { radius: 8; color: Theme.surface }
        contentItem: Item {
            Rectangle {
                width: parent.width * (screen.flow.overallPercent / 100)
                height: parent.height
                radius: 8
                color: Theme.accent
            }
        }
    }
    ListView {
        objectName: "deviceList"
        model: screen.host ? screen.host.devices : []
        clip: true
        spacing: 10
        Layout.fillWidth: true
        Layout.fillHeight: true
        delegate: Rectangle {
            id: device
            required property var modelData
            width: ListView.view.width
            height: 84
            radius: Theme.radius / 2
            color: Theme.surface
            HmiText {
                id: deviceName
                anchors.left: parent.left
                anchors.top: parent.top
                anchors.margins: 12
                text: device.modelData.device
                font.bold: true
                wrapMode: Text.NoWrap
            }
            HmiText {
                objectName: "deviceStep"
                anchors.left: deviceName.right
                anchors.right: parent.right
                anchors.top: parent.top
                anchors.margins: 12
                text: device.modelData.error ? device.modelData.error : Format.step(device.modelData.step)
                color: device.modelData.error ? Theme.danger : Theme.textDim
                horizontalAlignment: Text.AlignRight
                elide: Text.ElideRight
                wrapMode: Text.NoWrap
            }
            Rectangle {
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.bottom: parent.bottom
                anchors.margins: 12
                height: 10
                radius: 5
                color: Theme.surfaceRaised
                Rectangle {
                    width: parent.width * Format.deviceFraction(device.modelData)
                    height: parent.height
                    radius: 5
                    color: device.modelData.error ? Theme.danger : Theme.success
                }
            }
        }
    }
    actions: [
        HmiButton {
            objectName: "cancelButton"
            visible: screen.flow.cancellable
            text: qsTr("Cancel update")
            onClicked: screen.flow.cancel()
        }
    ]
}
