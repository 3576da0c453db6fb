// Every colour, size and font of the HMI. Another team restyles the HMI by
// replacing this file (same property names); screens never hard-code a look.
pragma Singleton
import QtQuick

QtObject {
    readonly property color background: "#0f151d"
    readonly property color surface: "#1a2430"
    readonly property color surfaceRaised: "#243140"
    readonly property color text: "#f2f5f8"
    readonly property color textDim: "#a3b0bf"
    readonly property color accent: "#2f8fff"
    readonly property color accentText: "#ffffff"
    readonly property color success: "#2fbf71"
    readonly property color warning: "#f5a623"
    readonly property color danger: "#e5484d"

    readonly property string fontFamily: "DejaVu Sans"
    readonly property int fontTitle: 42
    readonly property int fontHeading: 30
    readonly property int fontBody: 24
    readonly property int fontSmall: 20
    readonly property int fontHuge: 96

    // Touch targets: at least 88 px high (about 15 mm on a 10" 720p panel).
    readonly property int buttonHeight: 88
    readonly property int buttonMinWidth: 240
    readonly property int radius: 14
    readonly property int margin: 40
    readonly property int spacing: 20
    readonly property int headerHeight: 88
    // Wider than this, screens put their facts and their actions side by side
    // with room to spare (1920×720); narrower they share the width (1280×720).
    readonly property int maxContentWidth: 1600
}
