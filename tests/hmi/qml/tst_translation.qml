// The HMI speaks the language it was started in (CONDUIT_HMI_LANG in ctest).
import QtQuick
import QtTest

TestCase {
    name: "Translation"

    function test_language() {
        const lang = Qt.locale().name.split("_")[0]
        const wanted = { "en": "Software update available", "de": "Softwareupdate verfügbar" }
        verify(lang in wanted, "tests run in en and de, not " + Qt.locale().name)
        compare(qsTranslate("AvailableScreen", "Software update available"), wanted[lang])
        compare(qsTranslate("Format", "Shift to P"), lang === "de" ? "Auf P schalten" : "Shift to P")
    }

    // Plural forms come from the .ts files (English too).
    function test_plurals() {
        const lang = Qt.locale().name.split("_")[0]
        const one = qsTranslate("AvailableScreen", "%n device(s) will be updated", "", 1)
        const three = qsTranslate("AvailableScreen", "%n device(s) will be updated", "", 3)
        compare(one, lang === "de" ? "1 Steuergerät wird aktualisiert" : "1 device will be updated")
        compare(three, lang === "de" ? "3 Steuergeräte werden aktualisiert" : "3 devices will be updated")
    }
}
