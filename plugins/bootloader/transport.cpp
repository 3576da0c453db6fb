#include "transport.h"

namespace conduit::bootloader {

const char *transportErrorName(TransportErrorKind kind) {
    switch (kind) {
    case TransportErrorKind::Timeout: return "timeout";
    case TransportErrorKind::ConnectionLost: return "connection lost";
    case TransportErrorKind::Refused: return "refused";
    case TransportErrorKind::Protocol: return "protocol error";
    case TransportErrorKind::Configuration: return "configuration error";
    }
    return "unknown transport error";
}

} // namespace conduit::bootloader
