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
    // Rounded up: a car that still moves (0.4 km/h) never reads "0 km/h".
    if (m)
        return qsTr("Stop the vehicle (speed %1 km/h)").arg(number(Math.ceil(parseFloat(m[1])), 0))
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

// A failed step of a result (`failed_step`, docs/dbus-api.md), worded to
// complete "while %1" in the sentences of failure() below.
function failedStep(step) {
    switch (step) {
    case "check": return qsTr("checking the update", "failed step: completes 'while %1'")
    case "consent": return qsTr("waiting for your consent", "failed step: completes 'while %1'")
    case "transfer": return qsTr("downloading", "failed step: completes 'while %1'")
    case "conditions": return qsTr("waiting for the vehicle to be ready", "failed step: completes 'while %1'")
    case "install": return qsTr("installing", "failed step: completes 'while %1'")
    case "activate": return qsTr("activating the new software", "failed step: completes 'while %1'")
    case "verify": return qsTr("checking the new software", "failed step: completes 'while %1'")
    case "commit": return qsTr("finishing the update", "failed step: completes 'while %1'")
    case "journal": return qsTr("saving the update's progress", "failed step: completes 'while %1'")
    }
    return qsTr("updating", "failed step: completes 'while %1'")
}

// What went wrong, in one sentence for the driver, from a result's
// failure_kind, failed_device and failed_step; "" when the result has none
// (success, or history of a host from before these fields).
function failure(result) {
    if (!result || !result.failure_kind)
        return ""
    const device = result.failed_device ? result.failed_device : ""
    const during = failedStep(result.failed_step)
    switch (result.failure_kind) {
    case "device-error":
        if (device)
            return qsTr("Device %1 reported an error while %2.").arg(device).arg(during)
        break
    case "timeout":
        if (device)
            return qsTr("Device %1 did not answer in time while %2.").arg(device).arg(during)
        break
    case "verification":
        if (device)
            return qsTr("Device %1 did not start the new software.").arg(device)
        break
    case "conditions-not-met":
        return qsTr("A required vehicle condition was no longer met while %1.").arg(during)
    case "cancelled":
        return qsTr("The update was stopped while %1.").arg(during)
    case "declined":
        return qsTr("You declined the update.")
    case "not-installable":
        return device ? qsTr("Device %1 cannot take this update.").arg(device)
                      : qsTr("This update does not fit this vehicle.")
    case "payload-unavailable":
        if (device)
            return qsTr("The new software for device %1 was not available.").arg(device)
        break
    case "interrupted":
        return qsTr("The update was interrupted by a power loss.")
    case "host-error":
        return qsTr("The update service had an internal error while %1.").arg(during)
    }
    // A kind this HMI does not know yet, or one without its device.
    return qsTr("A problem occurred while %1.").arg(during)
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
