#include "ecuqueue.h"

#include "proto/uds.h"

#include <unistd.h>

namespace conduit::ecusim {

namespace uds = bootloader::uds;

namespace {
constexpr int kPowerLossExit = 3;
} // namespace

std::optional<TimePoint> EcuQueue::wakeAt(TimePoint now) const {
    if (busy_) return std::min(busy_->deadline, busy_->nextPending);
    if (!queue_.empty()) return now;
    return std::nullopt;
}

void EcuQueue::pump(UdsServer &server, const EcuConfig &config, TimePoint now, TimePoint &bootedAt, const Handlers &h) {
    for (int round = 0; round < 64; ++round) {
        if (busy_) {
            Busy &b = *busy_;
            if (now < b.deadline) {
                if (now >= b.nextPending) {
                    h.answer(b.job,
                             uds::negativeResponse(b.job.request[0], uds::Nrc::RequestCorrectlyReceivedResponsePending),
                             true);
                    b.nextPending = now + Milliseconds(config.pendingIntervalMs);
                }
                return;
            }
            h.answer(b.job, b.reply, false);
            busy_.reset();
        }
        if (queue_.empty()) return;
        const EcuJob job = std::move(queue_.front());
        queue_.pop_front();
        const Outcome out = server.handle(job.request, now, job.functional);
        h.handled(job, out);
        if (out.action == Action::PowerLoss) {
            h.log("power loss: exiting now");
            _exit(kPowerLossExit);
        }
        if (out.action == Action::DropConnection) {
            h.drop(job);
            continue;
        }
        if (out.action == Action::Reset) bootedAt = now + out.delay + Milliseconds(config.resetMs);
        if (!out.reply) continue;
        if (out.delay.count() > 0) {
            busy_ = Busy{job, now + out.delay, now, *out.reply};
            continue;
        }
        h.answer(job, *out.reply, false);
    }
}

} // namespace conduit::ecusim
