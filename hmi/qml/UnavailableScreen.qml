import QtQuick
import QtQuick.Controls.Basic

ScreenFrame {
    property var flow
    objectName: "screen_unavailable"
    glyph: "!"
    tone: Theme.warning
    title: qsTr("Update service unavailable")
    text: qsTr("Software updates are paused. This screen continues by itself as soon as the service is back; the vehicle can be used normally.")
    BusyIndicator {
        running: true
        implicitWidth: 96
        implicitHeight: 96
    }
}
