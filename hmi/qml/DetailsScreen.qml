// What the update changes, per device, with its release notes.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow

    objectName: "screen_details"
    title: qsTr("Update details")
    text: flow.host.campaignName

    HmiText {
        text: qsTr("What changes")
        role: "heading"
    }
    ListView {
        id: changes
        objectName: "changesList"
        model: screen.flow.changes
        clip: true
        spacing: 8
        Layout.fillWidth: true
        Layout.preferredHeight: Math.min(contentHeight, 200)
        delegate: Rectangle {
            id: change
            required property var modelData
            width: ListView.view.width
            height: 60
            radius: Theme.radius / 2
            color: Theme.surface
            RowLayout {
                anchors.fill: parent
                anchors.leftMargin: 16
                anchors.rightMargin: 16
                spacing: Theme.spacing
                HmiText {
                    text: change.modelData.device
                    font.bold: true
                    Layout.preferredWidth: 160
                    elide: Text.ElideRight
                    wrapMode: Text.NoWrap
                }
                HmiText {
                    text: change.modelData.from !== "" ? qsTr("%1 → %2").arg(change.modelData.from).arg(change.modelData.to) : change.modelData.to
                    elide: Text.ElideMiddle
                    wrapMode: Text.NoWrap
                    Layout.fillWidth: true
                }
                HmiText {
                    text: Format.bytes(change.modelData.bytes)
                    dim: true
                    wrapMode: Text.NoWrap
                }
            }
        }
    }
    Fact {
        name: qsTr("Total download")
        value: Format.bytes(screen.flow.downloadBytes)
    }
    Fact {
        name: qsTr("Installation time")
        value: screen.flow.installSeconds >= 0 ? Format.duration(screen.flow.installSeconds) : qsTr("not stated by the update")
    }
    Fact {
        visible: screen.flow.unusableSeconds >= 0
        name: qsTr("Vehicle unusable")
        value: Format.duration(screen.flow.unusableSeconds)
        valueColor: Theme.warning
    }
    Fact {
        name: qsTr("Needs")
        value: screen.flow.requirements.length > 0 ? screen.flow.requirements.join("\n") : qsTr("Nothing")
    }

    aside: [
        HmiText {
            text: qsTr("Release notes")
            role: "heading"
            Layout.topMargin: Theme.spacing
        },
        ScrollView {
            clip: true
            Layout.fillWidth: true
            Layout.fillHeight: true
            HmiText {
                objectName: "releaseNotes"
                width: screen.width * 0.34
                text: screen.flow.releaseNotes !== "" ? screen.flow.releaseNotes : qsTr("This update comes without release notes.")
                dim: screen.flow.releaseNotes === ""
                textFormat: Text.PlainText
            }
        }
    ]
    actions: [
        HmiButton {
            objectName: "acceptButton"
            primary: true
            text: screen.flow.consentKind === "install" ? qsTr("Install now") : qsTr("Download now")
            onClicked: screen.flow.acceptConsent()
        },
        HmiButton {
            objectName: "declineButton"
            text: qsTr("Skip this update")
            onClicked: screen.flow.decline()
        },
        HmiButton {
            objectName: "backButton"
            text: qsTr("Back")
            onClicked: screen.flow.back()
        }
    ]
}
