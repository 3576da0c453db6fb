#include "failure.h"

#include "vocabulary.h"

namespace conduit::core {

namespace {

// The wire names, in one place: docs/dbus-api.md lists the same.
constexpr std::array<Named<Failure::Step>, 9> kSteps{{
    {Failure::Step::Check, "check"},
    {Failure::Step::Consent, "consent"},
    {Failure::Step::Transfer, "transfer"},
    {Failure::Step::Conditions, "conditions"},
    {Failure::Step::Install, "install"},
    {Failure::Step::Activate, "activate"},
    {Failure::Step::Verify, "verify"},
    {Failure::Step::Commit, "commit"},
    {Failure::Step::Journal, "journal"},
}};

constexpr std::array<Named<Failure::Kind>, 10> kKinds{{
    {Failure::Kind::DeviceError, "device-error"},
    {Failure::Kind::Timeout, "timeout"},
    {Failure::Kind::Verification, "verification"},
    {Failure::Kind::ConditionsNotMet, "conditions-not-met"},
    {Failure::Kind::Cancelled, "cancelled"},
    {Failure::Kind::Declined, "declined"},
    {Failure::Kind::NotInstallable, "not-installable"},
    {Failure::Kind::PayloadUnavailable, "payload-unavailable"},
    {Failure::Kind::Interrupted, "interrupted"},
    {Failure::Kind::HostError, "host-error"},
}};

} // namespace

QString Failure::stepName(Step s) { return nameOf(kSteps, s); }
QString Failure::kindName(Kind k) { return nameOf(kKinds, k); }
Failure::Step Failure::stepFromName(const QString &name) { return valueOf(kSteps, name).value_or(Step::None); }
Failure::Kind Failure::kindFromName(const QString &name) { return valueOf(kKinds, name).value_or(Kind::None); }

void Failure::writeTo(QJsonObject &o) const {
    o.insert(QStringLiteral("reason"), reason);
    o.insert(QStringLiteral("failed_device"), device);
    o.insert(QStringLiteral("failed_step"), stepName(step));
    o.insert(QStringLiteral("failure_kind"), kindName(kind));
}

Failure Failure::fromJson(const QJsonObject &o) {
    Failure f;
    f.reason = o.value(QLatin1String("reason")).toString();
    f.device = o.value(QLatin1String("failed_device")).toString();
    f.step = stepFromName(o.value(QLatin1String("failed_step")).toString());
    f.kind = kindFromName(o.value(QLatin1String("failure_kind")).toString());
    return f;
}

} // namespace conduit::core
