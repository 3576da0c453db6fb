// Download consent: a new update, its size and what it needs.
import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow

    objectName: "screen_available"
    glyph: "↓"
    tone: Theme.accent
    title: qsTr("Software update available")
    text: flow.host.campaignName

    Fact {
        name: qsTr("Devices")
        value: qsTr("%n device(s) will be updated", "", screen.flow.targets.length)
    }
    Fact {
        name: qsTr("Download size")
        value: Format.bytes(screen.flow.downloadBytes)
    }
    Fact {
        visible: screen.flow.installSeconds >= 0
        name: qsTr("Installation time")
        value: Format.duration(screen.flow.installSeconds)
    }
    Fact {
        visible: screen.flow.unusableSeconds >= 0
        name: qsTr("Vehicle unusable")
        value: Format.duration(screen.flow.unusableSeconds)
        valueColor: Theme.warning
    }
    Fact {
        visible: screen.flow.requirements.length > 0
        name: qsTr("Needs")
        value: screen.flow.requirements.join("\n")
    }
    HmiText {
        text: qsTr("You can keep driving while the update downloads.")
        dim: true
        Layout.fillWidth: true
    }
    HmiText {
        objectName: "noPostponeNote"
        visible: !screen.flow.canPostpone
        text: qsTr("This update cannot be postponed any more.")
        Layout.fillWidth: true
    }
    actions: [
        HmiButton {
            objectName: "acceptButton"
            primary: true
            text: qsTr("Download now")
            onClicked: screen.flow.acceptConsent()
        },
        HmiButton {
            objectName: "scheduleButton"
            visible: screen.flow.canPostpone
            text: qsTr("Schedule")
            onClicked: screen.flow.showSchedule()
        },
        HmiButton {
            objectName: "laterButton"
            visible: screen.flow.canPostpone
            text: qsTr("Later")
            onClicked: screen.flow.later()
        },
        HmiButton {
            objectName: "detailsButton"
            text: qsTr("Details")
            onClicked: screen.flow.showDetails()
        }
    ]
}
