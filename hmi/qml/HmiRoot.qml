// The whole HMI inside any window or parent item: a header, the screen the
// flow chooses, and a banner for refused requests. Give it a `host`.
import QtQuick
import QtQuick.Layouts

Rectangle {
    id: root
    property alias host: flow.host
    readonly property alias flow: flow
    readonly property alias screen: flow.screen
    readonly property Item currentScreen: loader.item

    objectName: "hmiRoot"
    color: Theme.background

    UpdateFlow {
        id: flow
        objectName: "flow"
    }

    Rectangle {
        id: header
        anchors.left: parent.left
        anchors.right: parent.right
        height: Theme.headerHeight
        color: Theme.surface
        HmiText {
            anchors.left: parent.left
            anchors.leftMargin: Theme.margin
            anchors.verticalCenter: parent.verticalCenter
            text: qsTr("Software update")
            role: "heading"
        }
        HmiText {
            objectName: "headerStatus"
            anchors.right: parent.right
            anchors.rightMargin: Theme.margin
            anchors.verticalCenter: parent.verticalCenter
            text: flow.available ? (flow.host.autoConsent ? qsTr("Automatic updates on") : "") : qsTr("Offline")
            dim: true
        }
    }

    Item {
        id: content
        anchors.top: header.bottom
        anchors.bottom: parent.bottom
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.margins: Theme.margin
        width: Math.min(parent.width - 2 * Theme.margin, Theme.maxContentWidth)

        Loader {
            id: loader
            anchors.fill: parent
            active: flow.host !== null
            sourceComponent: screens[flow.screen]
            readonly property var screens: ({
                "unavailable": unavailable, "idle": idle, "available": available, "details": details,
                "schedule": schedule, "postponed": postponed, "installConsent": installConsent,
                "conditions": conditions, "progress": progress, "result": result, "history": history,
                "privacy": privacy
            })
        }
    }

    Rectangle {
        objectName: "errorBanner"
        visible: flow.errorText !== ""
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: header.bottom
        height: Theme.buttonHeight
        color: Theme.danger
        HmiText {
            anchors.fill: parent
            anchors.leftMargin: Theme.margin
            anchors.rightMargin: Theme.margin
            verticalAlignment: Text.AlignVCenter
            text: flow.errorText
            elide: Text.ElideRight
            wrapMode: Text.NoWrap
        }
        MouseArea {
            anchors.fill: parent
            onClicked: flow.errorText = ""
        }
    }

    Component { id: unavailable; UnavailableScreen { flow: root.flow } }
    Component { id: idle; IdleScreen { flow: root.flow } }
    Component { id: available; AvailableScreen { flow: root.flow } }
    Component { id: details; DetailsScreen { flow: root.flow } }
    Component { id: schedule; ScheduleScreen { flow: root.flow } }
    Component { id: postponed; PostponedScreen { flow: root.flow } }
    Component { id: installConsent; InstallConsentScreen { flow: root.flow } }
    Component { id: conditions; ConditionsScreen { flow: root.flow } }
    Component { id: progress; ProgressScreen { flow: root.flow } }
    Component { id: result; ResultScreen { flow: root.flow } }
    Component { id: history; HistoryScreen { flow: root.flow } }
    Component { id: privacy; PrivacyScreen { flow: root.flow } }
}
