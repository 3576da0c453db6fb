// conduit-hmi's window. main.cpp sets `host` (the D-Bus bridge) and the size.
import QtQuick

Window {
    id: window
    required property var host
    title: qsTr("Software update")
    color: Theme.background
    visible: true

    HmiRoot {
        anchors.fill: parent
        host: window.host
    }
}
