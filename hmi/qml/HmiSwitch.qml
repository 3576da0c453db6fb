// A thumb-sized on/off switch: the default one is made for a mouse.
import QtQuick
import QtQuick.Controls.Basic

Switch {
    id: control
    implicitHeight: Theme.buttonHeight
    implicitWidth: Theme.buttonHeight * 1.6
    indicator: Rectangle {
        x: control.width - width
        y: (control.height - height) / 2
        width: control.width
        height: Theme.buttonHeight * 0.64
        radius: height / 2
        color: control.checked ? Theme.accent : Theme.surfaceRaised
        opacity: control.enabled ? 1 : 0.4
        Rectangle {
            x: control.checked ? parent.width - width - 6 : 6
            y: 6
            width: parent.height - 12
            height: width
            radius: width / 2
            color: Theme.text
        }
    }
}
