// A large touch button. `primary` marks the one action a screen suggests.
import QtQuick
import QtQuick.Controls.Basic

Button {
    id: button
    property bool primary: false
    property color tone: primary ? Theme.accent : Theme.surfaceRaised

    implicitHeight: Theme.buttonHeight
    implicitWidth: Math.max(Theme.buttonMinWidth, contentItem.implicitWidth + 64)
    font.family: Theme.fontFamily
    font.pixelSize: Theme.fontBody
    font.bold: primary

    contentItem: Text {
        text: button.text
        font: button.font
        color: button.primary ? Theme.accentText : Theme.text
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
    }
    background: Rectangle {
        radius: Theme.radius
        color: button.down ? Qt.darker(button.tone, 1.4) : button.tone
        opacity: button.enabled ? 1 : 0.4
    }
}
