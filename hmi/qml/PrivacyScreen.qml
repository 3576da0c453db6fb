// The driver's data: what the vehicle collects, for which campaign, a
// switch per data class (off deletes what is stored of it), and "delete my
// data" (the personal classes) behind a confirmation.
import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

ScreenFrame {
    id: screen
    property var flow
    // The driver pressed "Delete my data" and is asked to confirm.
    property bool confirming: false

    objectName: "screen_privacy"
    glyph: confirming ? "!" : "i"
    tone: confirming ? Theme.danger : Theme.accent
    title: confirming ? qsTr("Delete your personal data?") : qsTr("Your data")
    text: confirming
          ? qsTr("Location and camera data stored in this vehicle are deleted now and cannot be restored. What you allow stays allowed.")
          : qsTr("Choose what the vehicle may collect. Location and camera images are personal data: they are collected only when you allow it. Switching a kind of data off deletes what is stored of it.")

    // Five classes do not fit a 720-pixel screen with their texts: a list
    // the driver scrolls, its switches always inside it.
    ListView {
        objectName: "dataClassList"
        visible: !screen.confirming
        clip: true
        spacing: Theme.spacing
        boundsBehavior: Flickable.StopAtBounds
        model: screen.flow.dataClasses
        Layout.fillWidth: true
        Layout.fillHeight: true
        ScrollIndicator.vertical: ScrollIndicator {}
        delegate: RowLayout {
            required property var modelData
            width: ListView.view.width
            spacing: Theme.spacing
            ColumnLayout {
                spacing: 2
                Layout.fillWidth: true
                HmiText {
                    objectName: "dataClassName"
                    text: modelData.personal ? qsTr("%1 (personal)").arg(modelData.name) : modelData.name
                    Layout.fillWidth: true
                }
                HmiText {
                    objectName: "dataClassUse"
                    role: "small"
                    dim: true
                    Layout.fillWidth: true
                    text: modelData.campaigns.length === 0
                          ? qsTr("%1. Not collected at the moment.").arg(screen.flow.dataClassText(modelData.id))
                          : qsTr("%1. Collected for: %2.").arg(screen.flow.dataClassText(modelData.id))
                                                          .arg(modelData.campaigns.join(", "))
                }
                HmiText {
                    objectName: "dataClassPurpose"
                    visible: text !== ""
                    role: "small"
                    dim: true
                    text: modelData.purposes.join(" ")
                    Layout.fillWidth: true
                }
            }
            HmiSwitch {
                objectName: modelData.id + "ConsentSwitch"
                checked: modelData.allowed
                onToggled: screen.flow.setDataConsent(modelData.id, checked)
            }
        }
    }
    HmiText {
        objectName: "privacyNotice"
        visible: text !== "" && !screen.confirming
        text: screen.flow.privacyNotice
        color: Theme.success
        Layout.fillWidth: true
    }

    actions: [
        HmiButton {
            objectName: "privacyBackButton"
            visible: !screen.confirming
            text: qsTr("Back")
            onClicked: screen.flow.back()
        },
        HmiButton {
            objectName: "deleteMyDataButton"
            visible: !screen.confirming
            text: qsTr("Delete my data")
            onClicked: screen.confirming = true
        },
        HmiButton {
            objectName: "confirmDeleteButton"
            visible: screen.confirming
            primary: true
            tone: Theme.danger
            text: qsTr("Delete")
            onClicked: {
                screen.flow.deleteMyData()
                screen.confirming = false
            }
        },
        HmiButton {
            objectName: "keepDataButton"
            visible: screen.confirming
            text: qsTr("Keep")
            onClicked: screen.confirming = false
        }
    ]
}
