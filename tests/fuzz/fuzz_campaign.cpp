// Fuzz target: a campaign document as it arrives from the fleet (over MQTT,
// docs/data-gathering.md "Campaigns"): the envelope and signature checks
// (gathering/campaign/admission.h), then the strict schema parser
// (campaign.h) on the "signed" part even when unsigned, so the parser sees
// every input. Whatever parses must parse the same from its canonical form,
// and its condition must evaluate without fault.
#include "gathering/campaign/admission.h"

#include <cstddef>
#include <cstdint>

using namespace conduit::gathering::campaign;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    static const auto key = conduit::trust::SigningKey::ed25519FromSeed(QByteArray(32, 'k'));
    static const CampaignKeys keys = *CampaignKeys::parse(CampaignKeys::serialize({key->publicKey()}, 1));
    const VehicleIdentity vehicle{QStringLiteral("WVW0001"), {QStringLiteral("cam-front")}};
    (void)verifyCampaign(bytes, keys, vehicle, 1796086800000);

    auto json = conduit::trust::parseJson(bytes, conduit::trust::JsonLimits{64 * 1024, 16});
    if (!json) return 0;
    const conduit::trust::JsonValue &signedPart = json->contains("signed") ? (*json)["signed"] : *json;
    auto campaign = parseCampaign(signedPart);
    if (!campaign) return 0;
    auto again = parseCampaign(*conduit::trust::parseJson(conduit::trust::canonicalJson(signedPart)));
    if (!again || again->id != campaign->id || again->version != campaign->version ||
        again->signalNames != campaign->signalNames || again->streams.size() != campaign->streams.size())
        __builtin_trap();
    if (campaign->condition) {
        std::vector<std::optional<double>> values(size_t(campaign->condition->signalNames().size()), 1.0);
        (void)campaign->condition->evaluate(values);
    }
    return 0;
}
