// One line of "name: value" facts (size, duration, …). A secondary fact
// (details for the workshop) is smaller and dimmed: it does not compete
// with what the driver should read.
import QtQuick
import QtQuick.Layouts

RowLayout {
    property alias name: nameText.text
    property alias value: valueText.text
    property color valueColor: secondary ? Theme.textDim : Theme.text
    property bool secondary: false

    spacing: Theme.spacing
    Layout.fillWidth: true
    HmiText {
        id: nameText
        objectName: "factName"
        dim: true
        role: parent.secondary ? "small" : "body"
        Layout.preferredWidth: 320
        Layout.alignment: Qt.AlignTop
    }
    HmiText {
        id: valueText
        objectName: "factValue"
        role: parent.secondary ? "small" : "body"
        color: parent.valueColor
        font.bold: !parent.secondary
        Layout.fillWidth: true
    }
}
