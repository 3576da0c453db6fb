import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow

    objectName: "screen_postponed"
    glyph: "◷"
    tone: Theme.accent
    title: flow.postponedUntil ? qsTr("Update scheduled for %1").arg(Format.dateTime(flow.postponedUntil))
                               : qsTr("Update postponed")
    text: flow.host.campaignName

    HmiText {
        text: screen.flow.consentKind === "install"
              ? qsTr("The update is downloaded. The vehicle asks again before installing it.")
              : qsTr("Nothing has been downloaded yet. The vehicle asks again at the scheduled time.")
        Layout.fillWidth: true
    }
    actions: [
        HmiButton {
            objectName: "acceptButton"
            primary: true
            text: screen.flow.consentKind === "install" ? qsTr("Install now") : qsTr("Download now")
            onClicked: screen.flow.acceptConsent()
        },
        HmiButton {
            objectName: "scheduleButton"
            visible: screen.flow.canPostpone
            text: qsTr("Change time")
            onClicked: screen.flow.showSchedule()
        },
        HmiButton {
            objectName: "historyButton"
            text: qsTr("Update history")
            onClicked: screen.flow.showHistory()
        }
    ]
}
