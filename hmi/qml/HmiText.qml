// Text in the HMI's font; `role` picks the size: title, heading, body, small, huge.
import QtQuick

Text {
    property string role: "body"
    property bool dim: false

    color: dim ? Theme.textDim : Theme.text
    font.family: Theme.fontFamily
    font.pixelSize: role === "title" ? Theme.fontTitle
                  : role === "heading" ? Theme.fontHeading
                  : role === "small" ? Theme.fontSmall
                  : role === "huge" ? Theme.fontHuge : Theme.fontBody
    font.bold: role === "title" || role === "heading" || role === "huge"
    wrapMode: Text.WordWrap
}
