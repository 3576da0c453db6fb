// The installation waits for the vehicle: say what the driver must do.
import QtQuick
import QtQuick.Layouts

ScreenFrame {
    id: screen
    property var flow

    objectName: "screen_conditions"
    glyph: "!"
    tone: Theme.warning
    title: qsTr("Action needed to install")
    text: qsTr("The installation starts by itself when everything below is done.")

    Repeater {
        model: screen.flow.unmetConditions
        delegate: Rectangle {
            id: condition
            required property string modelData
            objectName: "condition"
            Layout.fillWidth: true
            implicitHeight: Theme.buttonHeight + 24
            radius: Theme.radius
            color: Theme.surface
            border.color: Theme.warning
            border.width: 3
            HmiText {
                objectName: "conditionText"
                anchors.fill: parent
                anchors.margins: 16
                text: condition.modelData
                role: "title"
                verticalAlignment: Text.AlignVCenter
                wrapMode: Text.NoWrap
                fontSizeMode: Text.HorizontalFit
                minimumPixelSize: Theme.fontBody
            }
        }
    }
    actions: [
        HmiButton {
            objectName: "cancelButton"
            text: qsTr("Cancel update")
            onClicked: screen.flow.cancel()
        }
    ]
}
