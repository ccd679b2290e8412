// DHT datagrams, wire version 2. Each is one UDP datagram of at most 1,280 bytes:
//   magic (4) || version << 4 | type (1: 0x21..0x24) || body
//   PING     1: request_id u64, sender's record (122), to: endpoint pinged (ip 16, port u16),
//               token (16): token(to), flags u8 (0)                             = 170 bytes
//   PONG     2: request_id u64 (the ping's), sender's record (122), observed: the endpoint the
//               ping came from (ip 16, port u16), token (16): token(observed), flags u8
//               (bit 0 "proven": the pinger's endpoint already proved itself to us, so it may
//               send FINDNODE now; otherwise we ping it back)                   = 170 bytes
//   FINDNODE 3: request_id u64, target id (32), token (16): the latest token the queried
//               node sent us in a PING or PONG, echoed                          = 61 bytes
//   NODES    4: request_id u64 (the findnode's), total u8 (datagrams in this answer, 1 or 2),
//               count u8 (0..10), count records                      = 15 + 122 * count bytes
// Integers are little-endian. A PONG is never larger than the PING it answers.
// token(E) is the first 16 bytes of HMAC-SHA256(secret, E.ip (16) || E.port (u16) ||
// hour epoch (u64)) with the sender's private random secret: only whoever receives datagrams
// at E learns it, so a FINDNODE echoing it was not sent with a spoofed source E.
// Version 1 (byte 4 = 1..4, no tokens) is refused with dht-bad-version.
#pragma once

#include "consensus/result.h"
#include "node/net/dht/record.h"

#include <variant>
#include <vector>

namespace finch::net::dht {

inline constexpr size_t kMaxDatagram = 1280;
inline constexpr size_t kHeaderSize = 5;
inline constexpr uint8_t kWireVersion = 2;  // high nibble of byte 4
inline constexpr size_t kTokenSize = 16;
using Token = std::array<uint8_t, kTokenSize>;
inline constexpr size_t kMaxRecordsPerNodes = 10;  // 15 + 10 * 122 = 1,235 bytes
inline constexpr size_t kMaxNodesParts = 2;
inline constexpr uint8_t kPongProven = 1;

// Rejection codes (Fault::Decode unless noted).
namespace dht_error {
inline constexpr const char* kOversize = "dht-oversize";          // more than 1,280 bytes
inline constexpr const char* kTruncated = "dht-truncated";        // shorter than its type needs
inline constexpr const char* kBadMagic = "dht-bad-magic";         // another network
inline constexpr const char* kBadVersion = "dht-bad-version";     // byte 4's high nibble is not 2
inline constexpr const char* kUnknownType = "dht-unknown-type";   // type (low nibble) not 1..4
inline constexpr const char* kTrailingBytes = "dht-trailing-bytes";
inline constexpr const char* kBadValue = "dht-bad-value";         // NODES total/count out of range
inline constexpr const char* kBadRecord = "dht-bad-record";       // signature does not verify
// Engine-level (Fault::Policy): well-formed but not acted upon.
inline constexpr const char* kUnsolicited = "dht-unsolicited";    // answer to no request of ours
inline constexpr const char* kUnproven = "dht-unproven";          // FINDNODE before the endpoint proof
inline constexpr const char* kBadToken = "dht-bad-token";         // FINDNODE without our token for its source
inline constexpr const char* kRateLimited = "dht-rate-limited";   // PING over its source IP's budget
inline constexpr const char* kBadEndpoint = "dht-bad-endpoint";   // source port 0 / unspecified / multicast
inline constexpr const char* kNotAllowed = "dht-not-allowed";     // identity outside --peerallow
inline constexpr const char* kWrongIdentity = "dht-wrong-identity";  // bootstrap proved another id
inline constexpr const char* kSelf = "dht-self";                  // our own record
}  // namespace dht_error

enum class MessageType : uint8_t { Ping = 1, Pong = 2, FindNode = 3, Nodes = 4 };

struct Ping {
    uint64_t request_id = 0;
    NodeRecord record;
    Endpoint to;
    Token token{};
    uint8_t flags = 0;
};

struct Pong {
    uint64_t request_id = 0;
    NodeRecord record;
    Endpoint observed;
    Token token{};
    uint8_t flags = 0;
};

struct FindNode {
    uint64_t request_id = 0;
    NodeId target;
    Token token{};
};

struct Nodes {
    uint64_t request_id = 0;
    uint8_t total = 1;
    std::vector<NodeRecord> records;
};

using Message = std::variant<Ping, Pong, FindNode, Nodes>;

MessageType type_of(const Message& m);
const char* type_name(MessageType t);

// Encodes one datagram. NODES with more than kMaxRecordsPerNodes records is our bug.
Bytes encode_message(const Message& m, const Magic& magic);
// Decodes one datagram: structure only (signatures are the engine's job, see Dht::receive).
Result<Message> decode_message(ByteSpan datagram, const Magic& magic);
// Splits an answer of up to 2 * kMaxRecordsPerNodes records into NODES datagrams (at least one).
std::vector<Bytes> encode_nodes(uint64_t request_id, const std::vector<NodeRecord>& records, const Magic& magic);

}  // namespace finch::net::dht
