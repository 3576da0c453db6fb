// Why a campaign did not succeed, in two forms: structured (which device,
// in which step, what happened) so that an HMI can explain it in the
// driver's language, and the technical text (`reason`, English) for the
// workshop and the logs. Steps and kinds are a closed vocabulary,
// documented in docs/dbus-api.md ("Failures"): an HMI holds a translated
// text for each, so adding a value is a change of the control API.
#pragma once

#include <QJsonObject>
#include <QString>

namespace conduit::core {

struct Failure {
    // Where the campaign was (`failed_step`). The agent's prepare_install,
    // install and post_install are all Install: the driver sees one step.
    enum class Step { None, Check, Consent, Transfer, Conditions, Install, Activate, Verify, Commit, Journal };
    // What happened (`failure_kind`).
    enum class Kind {
        None,
        DeviceError,        // an agent reported that a step failed, or its runner died
        Timeout,            // a device or its agent did not answer in time
        Verification,       // after activation a device does not run the new version
        ConditionsNotMet,   // a vehicle condition broke during the installation (signed policy: roll back)
        Cancelled,          // the driver or the server cancelled
        Declined,           // the driver declined a consent
        NotInstallable,     // the check refused the update before touching anything
        PayloadUnavailable, // a device's payload could not be opened
        Interrupted,        // a power loss; recovery undid or finished the campaign
        HostError,          // the host itself failed (its journal is not writable)
    };

    Step step = Step::None;
    Kind kind = Kind::None;
    QString device; // the device it happened on; empty when it is not one device's
    QString reason; // technical detail: "device gw-1: install failed: …"

    bool isEmpty() const { return kind == Kind::None && reason.isEmpty(); }

    // Wire names ("install", "device-error"); "" for None.
    static QString stepName(Step s);
    static QString kindName(Kind k);
    // Unknown names read as None: a record of a newer host stays readable.
    static Step stepFromName(const QString &name);
    static Kind kindFromName(const QString &name);

    // The JSON fields `reason`, `failed_device`, `failed_step` and
    // `failure_kind`, as results and journal records carry them.
    void writeTo(QJsonObject &o) const;
    static Failure fromJson(const QJsonObject &o);
};

} // namespace conduit::core
