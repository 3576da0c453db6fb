import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow

    objectName: "screen_history"
    title: qsTr("Update history")
    text: qsTr("%n update(s)", "", flow.host.history.length)

    HmiText {
        visible: screen.flow.host.history.length === 0
        text: qsTr("No updates yet.")
        dim: true
    }
    ListView {
        objectName: "historyList"
        model: screen.flow.host.history
        clip: true
        spacing: 10
        Layout.fillWidth: true
        Layout.fillHeight: true
        delegate: Rectangle {
            id: entry
            required property var modelData
            // The driver's sentence; the host's text for entries without
            // the structured fields (written by an older host).
            readonly property string explanation: Format.failure(modelData) || modelData.reason || ""
            width: ListView.view.width
            height: 96
            radius: Theme.radius / 2
            color: Theme.surface
            RowLayout {
                anchors.fill: parent
                anchors.margins: 14
                spacing: Theme.spacing
                Rectangle {
                    implicitWidth: 190
                    implicitHeight: 48
                    radius: 24
                    color: entry.modelData.outcome === "success" ? Theme.success
                         : entry.modelData.outcome === "failed" ? Theme.danger : Theme.warning
                    HmiText {
                        anchors.centerIn: parent
                        text: Format.outcomeShort(entry.modelData.outcome)
                        role: "small"
                        font.bold: true
                        color: Theme.background
                    }
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    spacing: 2
                    HmiText {
                        text: entry.modelData.name
                        font.bold: true
                        wrapMode: Text.NoWrap
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    HmiText {
                        objectName: "historyExplanation"
                        text: entry.explanation !== "" ? entry.explanation : Format.isoDateTime(entry.modelData.finished)
                        role: "small"
                        dim: true
                        wrapMode: Text.NoWrap
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                }
                HmiText {
                    visible: entry.explanation !== ""
                    text: Format.isoDateTime(entry.modelData.finished)
                    role: "small"
                    dim: true
                    wrapMode: Text.NoWrap
                }
            }
        }
    }
    actions: [
        HmiButton {
            objectName: "backButton"
            primary: true
            text: qsTr("Back")
            onClicked: screen.flow.back()
        }
    ]
}
