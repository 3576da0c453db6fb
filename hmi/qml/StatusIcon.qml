// A round status mark drawn without image files: "✓", "!", "↓", "i", "↺".
import QtQuick

Rectangle {
    property alias glyph: glyphText.text
    property color tone: Theme.accent

    implicitWidth: 120
    implicitHeight: 120
    radius: width / 2
    color: "transparent"
    border.color: tone
    border.width: 8
    Text {
        id: glyphText
        anchors.centerIn: parent
        color: parent.tone
        font.family: Theme.fontFamily
        font.pixelSize: parent.height * 0.5
        font.bold: true
    }
}
