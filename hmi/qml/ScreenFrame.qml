// The shape every screen shares: a status mark, a title and a text on the
// left; the screen's own content (facts, lists) on the right, and a row of
// actions at the bottom, so the driver finds buttons in the same place.
import QtQuick
import QtQuick.Layouts

Item {
    id: frame
    property alias glyph: icon.glyph
    property alias tone: icon.tone
    property alias title: titleText.text
    property alias text: bodyText.text
    // Facts, lists: placed right of the title (or below it when narrow).
    default property alias content: contentColumn.data
    property alias actions: actionRow.data
    property alias aside: asideColumn.data

    RowLayout {
        anchors.fill: parent
        anchors.bottomMargin: actionRow.children.length > 0 ? Theme.buttonHeight + Theme.spacing * 2 : 0
        spacing: Theme.margin

        ColumnLayout {
            id: asideColumn
            Layout.preferredWidth: frame.width * 0.36
            Layout.maximumWidth: frame.width * 0.36
            Layout.fillHeight: true
            Layout.alignment: Qt.AlignTop
            spacing: Theme.spacing
            StatusIcon {
                id: icon
                visible: glyph !== ""
            }
            HmiText {
                id: titleText
                objectName: "screenTitle"
                role: "title"
                Layout.fillWidth: true
            }
            HmiText {
                id: bodyText
                dim: true
                visible: text !== ""
                Layout.fillWidth: true
            }
        }
        ColumnLayout {
            id: contentColumn
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.alignment: Qt.AlignTop
            spacing: Theme.spacing
        }
    }
    Row {
        id: actionRow
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        spacing: Theme.spacing
        layoutDirection: Qt.RightToLeft
    }
}
