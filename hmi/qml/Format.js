// Turns what the host reports into text for the driver, in the current
// locale. The host speaks English in its free-text fields; the texts it is
// known to produce are translated here, anything else is shown as sent.

function number(value, decimals) {
    return Number(value).toLocaleString(Qt.locale(), 'f', decimals)
}

function bytes(n) {
    if (n >= 1e9)
        return qsTr("%1 GB").arg(number(n / 1e9, 1))
    if (n >= 1e6)
        return qsTr("%1 MB").arg(number(n / 1e6, 1))
    return qsTr("%1 kB").arg(number(Math.ceil(n / 1e3), 0))
}

// A duration in seconds, rounded up to what a driver cares about.
function duration(seconds) {
    if (seconds === undefined || seconds === null || seconds < 0)
        return qsTr("unknown")
    if (seconds < 60)
        return qsTr("less than a minute")
    const minutes = Math.ceil(seconds / 60)
    if (minutes < 60)
        return qsTr("%n min", "", minutes)
    return qsTr("%1 h %2 min").arg(Math.floor(minutes / 60)).arg(minutes % 60)
}

function percent(done, total) {
    if (!(total > 0))
        return 0
    return Math.max(0, Math.min(100, Math.floor(100 * done / total)))
}

function time(date) {
    return date.toLocaleTimeString(Qt.locale(), "HH:mm")
}

function dateTime(date) {
    return date.toLocaleString(Qt.locale(), qsTr("ddd d MMM, HH:mm", "date and time format (QDateTime)"))
}

// An ISO 8601 time from the host ("" when unknown).
function isoDateTime(text) {
    if (!text)
        return ""
    const d = new Date(text)
    return isNaN(d.getTime()) ? text : dateTime(d)
}

// The unmet-condition texts of conduitd (host/core/vehiclestate.cpp).
function condition(text) {
    if (text === "Shift to P")
        return qsTr("Shift to P")
    let m = /^Stop the vehicle \(speed ([0-9.]+) km\/h\)$/.exec(text)
    if (m)
        return qsTr("Stop the vehicle (speed %1 km/h)").arg(number(parseFloat(m[1]), 0))
    m = /^Battery at ([0-9]+) %, needs ([0-9]+) %$/.exec(text)
    if (m)
        return qsTr("Charge the battery (%1 %, needs %2 %)").arg(m[1]).arg(m[2])
    return text
}

// What a device is doing (agent step names, docs/plugin-abi.md).
function step(name) {
    switch (name) {
    case "": return qsTr("Waiting")
    case "inventory":
    case "query": return qsTr("Checking")
    case "download_consent":
    case "transfer": return qsTr("Downloading")
    case "prepare_install": return qsTr("Preparing")
    case "install": return qsTr("Installing")
    case "post_install": return qsTr("Finishing installation")
    case "activate": return qsTr("Activating")
    case "commit": return qsTr("Done")
    case "rollback": return qsTr("Restoring previous software")
    }
    return name
}

// How far one device is, 0..1, from its step and transfer bytes.
function deviceFraction(d) {
    const share = { "transfer": 0.0, "prepare_install": 0.55, "install": 0.65,
                    "post_install": 0.75, "activate": 0.85, "commit": 1.0 }
    if (!d || !(d.step in share))
        return 0
    if (d.step === "transfer")
        return d.total > 0 ? 0.5 * d.done / d.total : 0
    return share[d.step]
}

function outcomeTitle(outcome) {
    switch (outcome) {
    case "success": return qsTr("Update complete")
    case "rolled-back": return qsTr("Update rolled back")
    case "declined": return qsTr("Update declined")
    case "cancelled": return qsTr("Update cancelled")
    }
    return qsTr("Update failed")
}

function outcomeShort(outcome) {
    switch (outcome) {
    case "success": return qsTr("Installed")
    case "rolled-back": return qsTr("Rolled back")
    case "declined": return qsTr("Declined")
    case "cancelled": return qsTr("Cancelled")
    }
    return qsTr("Failed")
}

function stateTitle(state) {
    switch (state) {
    case "Checking": return qsTr("Checking the update")
    case "Downloading": return qsTr("Downloading the update")
    case "Installing": return qsTr("Installing the update")
    case "Activating": return qsTr("Activating the new software")
    case "Verifying": return qsTr("Verifying the new software")
    case "Committing": return qsTr("Finishing the update")
    case "RollingBack": return qsTr("Restoring the previous software")
    case "Recovering": return qsTr("Resuming after an interruption")
    case "Done": return qsTr("Update complete")
    case "RolledBack": return qsTr("Update rolled back")
    case "Cancelled": return qsTr("Update cancelled")
    case "Failed": return qsTr("Update failed")
    }
    return qsTr("Updating")
}

// Release notes in the best language: exact locale ("de_DE" or "de-DE"),
// then its language ("de"), then another region of it ("de-AT"),
// then English, then any.
function releaseNotes(notes, localeName) {
    if (!notes)
        return ""
    const keys = Object.keys(notes)
    if (keys.length === 0)
        return ""
    const language = localeName.split(/[_-]/)[0]
    const wanted = [localeName, localeName.replace("_", "-"), language]
    for (let i = 0; i < wanted.length; ++i)
        if (notes[wanted[i]])
            return notes[wanted[i]]
    for (let i = 0; i < keys.length; ++i)
        if (keys[i].split(/[_-]/)[0] === language)
            return notes[keys[i]]
    if (notes["en"])
        return notes["en"]
    return notes[keys[0]]
}
