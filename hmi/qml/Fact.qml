// One line of "name: value" facts (size, duration, …).
import QtQuick
import QtQuick.Layouts

RowLayout {
    property alias name: nameText.text
    property alias value: valueText.text
    property color valueColor: Theme.text

    spacing: Theme.spacing
    Layout.fillWidth: true
    HmiText {
        id: nameText
        dim: true
        Layout.preferredWidth: 320
        Layout.alignment: Qt.AlignTop
    }
    HmiText {
        id: valueText
        color: parent.valueColor
        font.bold: true
        Layout.fillWidth: true
    }
}
