// p2p messages: the frame header and every message's payload, with strict decoding.
// Byte layouts are documented in docs/protocol.md ("Peer-to-peer").
#pragma once

#include "consensus/block.h"
#include "consensus/uint256.h"

#include <array>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace finch::net {

// 2: compact blocks (sendcmpct, cmpctblock, getblocktxn, blocktxn, getdata type 3).
// 3: every connection is TLS 1.3 and addr entries carry the node's identity. Nodes of
// versions 1-2 spoke plaintext, so they can no longer reach us at all.
// 4: a node pushes its own new blocks as cmpctblock to low-bandwidth peers too, and takes
// such a push without counting it as unrequested; blocks are announced with headers to peers
// holding the parent, and headers that connect but are refused (a clock behind ours) do not
// count as unconnecting (docs/protocol.md "Compact block relay").
inline constexpr uint32_t kProtocolVersion = 4;
inline constexpr uint32_t kCompactBlocksVersion = 2;  // the first version that speaks them
inline constexpr uint32_t kOwnBlockPushVersion = 4;   // the first that takes pushes of own blocks
inline constexpr uint32_t kHeadersAnnouncementVersion = 4;  // the first we announce blocks to with headers
inline constexpr uint32_t kMinProtocolVersion = 3;
inline constexpr size_t kFrameHeaderSize = 4 + 1 + 4 + 4;  // magic, command, length, checksum
inline constexpr size_t kMaxPayloadBytes = 2'000'000;      // a full block plus room
inline constexpr size_t kMaxInvEntries = 50'000;
inline constexpr size_t kMaxHeaders = 2'000;
inline constexpr size_t kMaxLocatorHashes = 64;
inline constexpr size_t kMaxAddrEntries = 1'000;
inline constexpr size_t kMaxUserAgent = 256;
inline constexpr uint64_t kCompactBlockVersion = 1;  // the sendcmpct version we speak
inline constexpr size_t kShortIdBytes = 6;           // a compact block's short transaction id on the wire

enum class Command : uint8_t {
    Version = 1,
    Verack = 2,
    Ping = 3,
    Pong = 4,
    Inv = 5,
    GetData = 6,
    NotFound = 7,
    Tx = 8,
    Block = 9,
    GetHeaders = 10,
    Headers = 11,
    GetAddr = 12,
    Addr = 13,
    SendCmpct = 14,
    CmpctBlock = 15,
    GetBlockTxn = 16,
    BlockTxn = 17,
};

const char* command_name(Command c);
// Every command in code order, e.g. to give each one a byte counter named command_name(c).
std::span<const Command> all_commands();

struct FrameHeader {
    std::array<uint8_t, 4> magic{};
    Command command = Command::Ping;
    uint32_t length = 0;
    std::array<uint8_t, 4> checksum{};  // first 4 bytes of SHA256(payload)
};

// Rejections: bad-magic, unknown-command, oversize-message (Fault::Decode).
Result<FrameHeader> decode_frame_header(ByteSpan bytes, const std::array<uint8_t, 4>& magic);
std::array<uint8_t, 4> payload_checksum(ByteSpan payload);

// CompactBlock is only asked for (getdata, and echoed in notfound): "send this block as
// cmpctblock". An inv announces blocks as Block; type 3 in an inv is bad-value.
enum class InvType : uint8_t { Tx = 1, Block = 2, CompactBlock = 3 };

struct InvItem {
    InvType type = InvType::Tx;
    Hash256 hash;
    bool operator==(const InvItem&) const = default;
};

struct VersionMsg {
    uint32_t version = kProtocolVersion;
    Hash256 genesis;
    uint64_t best_height = 0;
    Uint256 best_work;
    uint64_t services = 1;  // bit 0: full node serving blocks
    uint16_t listen_port = 0;  // 0: not listening
    std::string user_agent;
    uint64_t nonce = 0;  // detects connections to ourselves
    uint64_t timestamp = 0;
    bool operator==(const VersionMsg&) const = default;
};
struct VerackMsg {
    bool operator==(const VerackMsg&) const = default;
};
struct PingMsg {
    uint64_t nonce = 0;
    bool operator==(const PingMsg&) const = default;
};
struct PongMsg {
    uint64_t nonce = 0;
    bool operator==(const PongMsg&) const = default;
};
struct InvMsg {
    std::vector<InvItem> items;
    bool operator==(const InvMsg&) const = default;
};
struct GetDataMsg {
    std::vector<InvItem> items;
    bool operator==(const GetDataMsg&) const = default;
};
struct NotFoundMsg {
    std::vector<InvItem> items;
    bool operator==(const NotFoundMsg&) const = default;
};
struct TxMsg {
    Transaction tx;
    bool operator==(const TxMsg&) const = default;
};
struct BlockMsg {
    Block block;
    bool operator==(const BlockMsg&) const = default;
};
struct GetHeadersMsg {
    std::vector<Hash256> locator;  // newest first
    Hash256 stop;                  // zero: as many as allowed
    bool operator==(const GetHeadersMsg&) const = default;
};
struct HeadersMsg {
    std::vector<BlockHeader> headers;
    bool operator==(const HeadersMsg&) const = default;
};
struct GetAddrMsg {
    bool operator==(const GetAddrMsg&) const = default;
};
struct NetAddress {
    std::array<uint8_t, 16> ip{};  // IPv6, or IPv4-mapped (::ffff:a.b.c.d)
    uint16_t port = 0;
    uint64_t last_seen = 0;
    // The node's identity (SHA-256 of its Ed25519 public key) when known; all zero when not.
    // Dialing an address with an identity pins it: a node proving another one is dropped.
    std::array<uint8_t, 32> identity{};
    bool operator==(const NetAddress&) const = default;
    bool has_identity() const;
    std::string identity_hex() const;  // 64 lowercase hex, empty when unknown
    // Sets the identity from 64 hex digits (empty clears it); false if `hex` is malformed.
    bool set_identity(std::string_view hex);
    void encode(Writer& w) const;
    static NetAddress decode(Reader& r);
    std::string to_string() const;  // "a.b.c.d:port" or "[v6]:port"
    std::string ip_string() const;
    static std::optional<NetAddress> parse(const std::string& host_port);  // numeric IPs only
};
struct AddrMsg {
    std::vector<NetAddress> addresses;
    bool operator==(const AddrMsg&) const = default;
};

// Compact block relay (BIP152-style; see node/net/compact_block.h for the logic).
// high_bandwidth: the sender wants cmpctblock pushed unasked rather than announced.
struct SendCmpctMsg {
    bool high_bandwidth = false;
    uint64_t version = kCompactBlockVersion;
    bool operator==(const SendCmpctMsg&) const = default;
};
struct PrefilledTx {
    uint32_t index = 0;  // absolute position in Block::txs (the transfers, coinbase excluded)
    Transaction tx;
    bool operator==(const PrefilledTx&) const = default;
};
// A block as its header, the coinbase, 48-bit short ids of the transfers the receiver
// probably has, and the transfers it probably lacks (prefilled, strictly increasing index).
// The block has short_ids.size() + prefilled.size() transfers; short ids fill the
// positions no prefilled transfer takes, in order.
struct CmpctBlockMsg {
    BlockHeader header;
    uint64_t nonce = 0;  // keys the short ids (see short_id_key)
    Coinbase coinbase;
    std::vector<uint64_t> short_ids;  // low 48 bits used
    std::vector<PrefilledTx> prefilled;
    bool operator==(const CmpctBlockMsg&) const = default;
};
// Asks for the transfers of a compact block at these positions in Block::txs (strictly increasing).
struct GetBlockTxnMsg {
    Hash256 block_hash;
    std::vector<uint32_t> indexes;
    bool operator==(const GetBlockTxnMsg&) const = default;
};
// The answer: the transfers asked for, in the order asked.
struct BlockTxnMsg {
    Hash256 block_hash;
    std::vector<Transaction> txs;
    bool operator==(const BlockTxnMsg&) const = default;
};

using Message = std::variant<VersionMsg, VerackMsg, PingMsg, PongMsg, InvMsg, GetDataMsg, NotFoundMsg, TxMsg,
                             BlockMsg, GetHeadersMsg, HeadersMsg, GetAddrMsg, AddrMsg, SendCmpctMsg, CmpctBlockMsg,
                             GetBlockTxnMsg, BlockTxnMsg>;

Command command_of(const Message& m);
// The payload bytes of a message.
Bytes encode_payload(const Message& m);
// A whole frame: header + payload.
Bytes encode_frame(const Message& m, const std::array<uint8_t, 4>& magic);
// Strict decoding of a payload for a command (decode errors: truncated, trailing-bytes,
// size-too-large, bad-value, and for compact relay bad-cmpct-index and bad-getblocktxn-index;
// all Fault::Decode).
Result<Message> decode_payload(Command command, ByteSpan payload);

// Block locator: the tip, then exponentially sparser ancestors back to genesis.
// `hash_at` returns the active chain's hash at a height.
template <typename HashAt>
std::vector<Hash256> build_locator(uint64_t tip_height, HashAt hash_at) {
    std::vector<Hash256> out;
    uint64_t step = 1;
    for (uint64_t h = tip_height;; h = h >= step ? h - step : 0) {
        out.push_back(hash_at(h));
        if (h == 0 || out.size() >= kMaxLocatorHashes) break;
        if (out.size() >= 10) step *= 2;
    }
    return out;
}

}  // namespace finch::net
