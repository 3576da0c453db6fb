// Install consent: everything is downloaded; the vehicle will be unusable.
import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow

    objectName: "screen_installConsent"
    glyph: "i"
    tone: Theme.accent
    title: qsTr("Ready to install")
    text: flow.host.campaignName

    HmiText {
        text: screen.flow.unusableSeconds >= 0
              ? qsTr("The vehicle cannot be driven for about %1 while the update is installed.").arg(Format.duration(screen.flow.unusableSeconds))
              : qsTr("The vehicle cannot be driven while the update is installed.")
        color: Theme.warning
        font.bold: true
        Layout.fillWidth: true
    }
    Fact {
        name: qsTr("Devices")
        value: qsTr("%n device(s) will be updated", "", screen.flow.targets.length)
    }
    Fact {
        visible: screen.flow.installSeconds >= 0
        name: qsTr("Installation time")
        value: Format.duration(screen.flow.installSeconds)
    }
    Fact {
        visible: screen.flow.requirements.length > 0
        name: qsTr("Needs")
        value: screen.flow.requirements.join("\n")
    }
    HmiText {
        text: qsTr("If anything goes wrong, every device returns to its current software.")
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
            text: qsTr("Install now")
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
