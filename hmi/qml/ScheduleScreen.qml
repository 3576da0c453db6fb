// Postpone the pending consent to a chosen time.
import QtQuick
import QtQuick.Layouts
import "Format.js" as Format

ScreenFrame {
    id: screen
    property var flow
    // Fixed when the screen opens, so the offered times do not move under a finger.
    readonly property date openedAt: new Date()
    readonly property var options: flow.scheduleOptions(openedAt)
    property int selected: 0
    // Minutes added to the chosen time with the +/- buttons.
    property int shift: 0
    readonly property date chosen: new Date(options[selected].date.getTime() + shift * 60000)

    objectName: "screen_schedule"
    glyph: "◷"
    tone: Theme.accent
    title: flow.consentKind === "install" ? qsTr("Schedule the installation") : qsTr("Schedule the download")
    text: qsTr("The vehicle asks again at the chosen time.")

    Repeater {
        model: screen.options
        delegate: HmiButton {
            id: option
            required property var modelData
            required property int index
            objectName: "scheduleOption" + option.index
            text: option.modelData.label
            tone: screen.selected === option.index ? Theme.accent : Theme.surfaceRaised
            Layout.fillWidth: true
            onClicked: {
                screen.selected = option.index
                screen.shift = 0
            }
        }
    }
    RowLayout {
        spacing: Theme.spacing
        Layout.fillWidth: true
        HmiButton {
            objectName: "earlierButton"
            text: "−"
            enabled: screen.chosen.getTime() - 30 * 60000 > Date.now()
            implicitWidth: Theme.buttonHeight * 1.5
            onClicked: screen.shift -= 30
        }
        HmiText {
            objectName: "chosenTime"
            text: Format.dateTime(screen.chosen)
            role: "heading"
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
        }
        HmiButton {
            objectName: "laterTimeButton"
            text: "+"
            implicitWidth: Theme.buttonHeight * 1.5
            onClicked: screen.shift += 30
        }
    }
    actions: [
        HmiButton {
            objectName: "scheduleConfirmButton"
            primary: true
            text: qsTr("Remind me at %1").arg(Format.time(screen.chosen))
            onClicked: screen.flow.postpone(screen.chosen)
        },
        HmiButton {
            objectName: "backButton"
            text: qsTr("Back")
            onClicked: screen.flow.back()
        }
    ]
}
