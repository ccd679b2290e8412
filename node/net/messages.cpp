// p2p message encoding and strict decoding; see messages.h.
#include "node/net/messages.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

namespace finch::net {

namespace {

template <typename... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

void encode_inv(Writer& w, const std::vector<InvItem>& items) {
    w.compact_size(items.size());
    for (const auto& i : items) {
        w.u8(static_cast<uint8_t>(i.type));
        w.array(i.hash);
    }
}

// `last_type`: the highest inventory type this message may carry.
std::vector<InvItem> decode_inv(Reader& r, InvType last_type) {
    uint64_t n = r.compact_size(kMaxInvEntries);
    std::vector<InvItem> items;
    if (r.ok() && n * 33 > r.remaining()) {
        r.fail(decode_error::kTruncated, "inventory count exceeds the payload");
        return items;
    }
    items.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        InvItem item;
        uint8_t type = r.u8();
        if (type < 1 || type > static_cast<uint8_t>(last_type))
            r.fail(decode_error::kBadValue, "inventory type " + std::to_string(type) + " not allowed here");
        item.type = static_cast<InvType>(type);
        r.array(item.hash);
        items.push_back(item);
    }
    return items;
}

// BIP152's differential indexes: the first as is, each later one as the gap after the
// previous minus one, so strictly increasing indexes are the only ones that can be sent.
void encode_indexes(Writer& w, const std::vector<uint32_t>& indexes) {
    w.compact_size(indexes.size());
    for (size_t i = 0; i < indexes.size(); ++i) {
        FINCH_ASSERT(i == 0 || indexes[i] > indexes[i - 1]);
        w.compact_size(i == 0 ? indexes[0] : indexes[i] - indexes[i - 1] - 1);
    }
}

// Reads one differential index after `previous` (none for the first) and fails with `code`
// unless it is below `end`. The gap is checked before it is added, so nothing overflows.
uint32_t decode_index(Reader& r, std::optional<uint32_t> previous, uint64_t end, const char* code) {
    const uint64_t gap = r.compact_size(std::numeric_limits<uint64_t>::max());
    if (!r.ok()) return 0;
    const uint64_t base = previous ? uint64_t{*previous} + 1 : 0;
    if (gap >= end || base + gap >= end) {
        r.fail(code, "differential index " + std::to_string(gap) + " after " +
                         (previous ? std::to_string(*previous) : std::string("none")) + " reaches " +
                         std::to_string(end));
        return 0;
    }
    return static_cast<uint32_t>(base + gap);
}

// Fails (truncated) when `count` entries of at least `min_size` bytes each cannot fit in
// what is left, so an untrusted count never sizes an allocation.
bool fits(Reader& r, uint64_t count, size_t min_size, const char* what) {
    if (r.ok() && count * min_size > r.remaining())
        r.fail(decode_error::kTruncated, std::string(what) + " count exceeds the payload");
    return r.ok();
}

void encode_cmpctblock(Writer& w, const CmpctBlockMsg& m) {
    m.header.encode(w);
    w.u64(m.nonce);
    m.coinbase.encode(w);
    w.compact_size(m.short_ids.size());
    for (uint64_t id : m.short_ids)
        for (size_t i = 0; i < kShortIdBytes; ++i) w.u8(static_cast<uint8_t>(id >> (8 * i)));
    w.compact_size(m.prefilled.size());
    for (size_t i = 0; i < m.prefilled.size(); ++i) {
        const uint32_t index = m.prefilled[i].index;
        FINCH_ASSERT(i == 0 || index > m.prefilled[i - 1].index);
        w.compact_size(i == 0 ? index : index - m.prefilled[i - 1].index - 1);
        m.prefilled[i].tx.encode(w);
    }
}

CmpctBlockMsg decode_cmpctblock(Reader& r) {
    CmpctBlockMsg m;
    m.header = BlockHeader::decode(r);
    m.nonce = r.u64();
    m.coinbase = Coinbase::decode(r);
    const uint64_t ids = r.compact_size(kMaxBlockTransactions);
    if (!fits(r, ids, kShortIdBytes, "short id")) return m;
    m.short_ids.resize(ids);
    for (auto& id : m.short_ids) {
        ByteSpan b = r.bytes(kShortIdBytes);
        for (size_t i = 0; i < b.size(); ++i) id |= uint64_t{b[i]} << (8 * i);
    }
    // Both lists together are the block's transfers, so they share the block's limit.
    const uint64_t prefilled = r.compact_size(kMaxBlockTransactions - ids);
    if (!fits(r, prefilled, 1 + Transaction::kSerializedSize, "prefilled transaction")) return m;
    m.prefilled.reserve(prefilled);
    const uint64_t total = ids + prefilled;
    for (uint64_t i = 0; i < prefilled && r.ok(); ++i) {
        std::optional<uint32_t> previous;
        if (i > 0) previous = m.prefilled.back().index;
        PrefilledTx p;
        p.index = decode_index(r, previous, total, "bad-cmpct-index");
        p.tx = Transaction::decode(r);
        m.prefilled.push_back(std::move(p));
    }
    return m;
}

GetBlockTxnMsg decode_getblocktxn(Reader& r) {
    GetBlockTxnMsg m;
    r.array(m.block_hash);
    const uint64_t n = r.compact_size(kMaxBlockTransactions);
    if (!fits(r, n, 1, "index")) return m;
    m.indexes.reserve(n);
    // No block has a transfer at kMaxBlockTransactions or beyond, so such an index is never honest.
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        std::optional<uint32_t> previous;
        if (i > 0) previous = m.indexes.back();
        m.indexes.push_back(decode_index(r, previous, kMaxBlockTransactions, "bad-getblocktxn-index"));
    }
    return m;
}

BlockTxnMsg decode_blocktxn(Reader& r) {
    BlockTxnMsg m;
    r.array(m.block_hash);
    const uint64_t n = r.compact_size(kMaxBlockTransactions);
    if (!fits(r, n, Transaction::kSerializedSize, "transaction")) return m;
    m.txs.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) m.txs.push_back(Transaction::decode(r));
    return m;
}

SendCmpctMsg decode_sendcmpct(Reader& r) {
    SendCmpctMsg m;
    const uint8_t flag = r.u8();
    if (r.ok() && flag > 1)
        r.fail(decode_error::kBadValue, "sendcmpct flag " + std::to_string(flag) + " is not 0 or 1");
    m.high_bandwidth = flag == 1;
    m.version = r.u64();
    return m;
}

constexpr Command kAllCommands[] = {
    Command::Version,  Command::Verack,     Command::Ping,     Command::Pong,       Command::Inv,
    Command::GetData,  Command::NotFound,   Command::Tx,       Command::Block,      Command::GetHeaders,
    Command::Headers,  Command::GetAddr,    Command::Addr,     Command::SendCmpct,  Command::CmpctBlock,
    Command::GetBlockTxn, Command::BlockTxn,
};
constexpr Command kLastCommand = Command::BlockTxn;
static_assert(std::size(kAllCommands) == static_cast<size_t>(kLastCommand), "codes run 1..last without gaps");

}  // namespace

std::span<const Command> all_commands() { return kAllCommands; }

const char* command_name(Command c) {
    switch (c) {
        case Command::Version: return "version";
        case Command::Verack: return "verack";
        case Command::Ping: return "ping";
        case Command::Pong: return "pong";
        case Command::Inv: return "inv";
        case Command::GetData: return "getdata";
        case Command::NotFound: return "notfound";
        case Command::Tx: return "tx";
        case Command::Block: return "block";
        case Command::GetHeaders: return "getheaders";
        case Command::Headers: return "headers";
        case Command::GetAddr: return "getaddr";
        case Command::Addr: return "addr";
        case Command::SendCmpct: return "sendcmpct";
        case Command::CmpctBlock: return "cmpctblock";
        case Command::GetBlockTxn: return "getblocktxn";
        case Command::BlockTxn: return "blocktxn";
    }
    return "unknown";
}

std::array<uint8_t, 4> payload_checksum(ByteSpan payload) {
    Hash256 h = sha256(payload);
    return {h.bytes[0], h.bytes[1], h.bytes[2], h.bytes[3]};
}

Result<FrameHeader> decode_frame_header(ByteSpan bytes, const std::array<uint8_t, 4>& magic) {
    Reader r(bytes);
    FrameHeader h;
    for (auto& b : h.magic) b = r.u8();
    uint8_t command = r.u8();
    h.length = r.u32();
    for (auto& b : h.checksum) b = r.u8();
    r.expect_end();
    if (!r.ok()) return r.error();
    if (h.magic != magic) return reject("bad-magic", "frame does not start with this network's magic", Fault::Decode);
    if (command < 1 || command > static_cast<uint8_t>(kLastCommand))
        return reject("unknown-command", "command " + std::to_string(command), Fault::Decode);
    h.command = static_cast<Command>(command);
    if (h.length > kMaxPayloadBytes)
        return reject("oversize-message", std::to_string(h.length) + " bytes, limit " + std::to_string(kMaxPayloadBytes),
                      Fault::Decode);
    return h;
}

Command command_of(const Message& m) {
    return std::visit(Overloaded{
                          [](const VersionMsg&) { return Command::Version; },
                          [](const VerackMsg&) { return Command::Verack; },
                          [](const PingMsg&) { return Command::Ping; },
                          [](const PongMsg&) { return Command::Pong; },
                          [](const InvMsg&) { return Command::Inv; },
                          [](const GetDataMsg&) { return Command::GetData; },
                          [](const NotFoundMsg&) { return Command::NotFound; },
                          [](const TxMsg&) { return Command::Tx; },
                          [](const BlockMsg&) { return Command::Block; },
                          [](const GetHeadersMsg&) { return Command::GetHeaders; },
                          [](const HeadersMsg&) { return Command::Headers; },
                          [](const GetAddrMsg&) { return Command::GetAddr; },
                          [](const AddrMsg&) { return Command::Addr; },
                          [](const SendCmpctMsg&) { return Command::SendCmpct; },
                          [](const CmpctBlockMsg&) { return Command::CmpctBlock; },
                          [](const GetBlockTxnMsg&) { return Command::GetBlockTxn; },
                          [](const BlockTxnMsg&) { return Command::BlockTxn; },
                      },
                      m);
}

Bytes encode_payload(const Message& m) {
    Writer w;
    std::visit(Overloaded{
                   [&](const VersionMsg& v) {
                       w.u32(v.version);
                       w.array(v.genesis);
                       w.u64(v.best_height);
                       w.bytes(v.best_work.to_be_bytes());
                       w.u64(v.services);
                       w.u16(v.listen_port);
                       w.var_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(v.user_agent.data()), v.user_agent.size()));
                       w.u64(v.nonce);
                       w.u64(v.timestamp);
                   },
                   [&](const VerackMsg&) {},
                   [&](const PingMsg& p) { w.u64(p.nonce); },
                   [&](const PongMsg& p) { w.u64(p.nonce); },
                   [&](const InvMsg& i) { encode_inv(w, i.items); },
                   [&](const GetDataMsg& i) { encode_inv(w, i.items); },
                   [&](const NotFoundMsg& i) { encode_inv(w, i.items); },
                   [&](const TxMsg& t) { t.tx.encode(w); },
                   [&](const BlockMsg& b) { b.block.encode(w); },
                   [&](const GetHeadersMsg& g) {
                       w.compact_size(g.locator.size());
                       for (const auto& h : g.locator) w.array(h);
                       w.array(g.stop);
                   },
                   [&](const HeadersMsg& h) {
                       w.compact_size(h.headers.size());
                       for (const auto& hdr : h.headers) hdr.encode(w);
                   },
                   [&](const GetAddrMsg&) {},
                   [&](const AddrMsg& a) {
                       w.compact_size(a.addresses.size());
                       for (const auto& addr : a.addresses) addr.encode(w);
                   },
                   [&](const SendCmpctMsg& s) {
                       w.u8(s.high_bandwidth ? 1 : 0);
                       w.u64(s.version);
                   },
                   [&](const CmpctBlockMsg& c) { encode_cmpctblock(w, c); },
                   [&](const GetBlockTxnMsg& g) {
                       w.array(g.block_hash);
                       encode_indexes(w, g.indexes);
                   },
                   [&](const BlockTxnMsg& b) {
                       w.array(b.block_hash);
                       w.compact_size(b.txs.size());
                       for (const auto& tx : b.txs) tx.encode(w);
                   },
               },
               m);
    return w.take();
}

Bytes encode_frame(const Message& m, const std::array<uint8_t, 4>& magic) {
    Bytes payload = encode_payload(m);
    Writer w(kFrameHeaderSize + payload.size());
    w.bytes(magic);
    w.u8(static_cast<uint8_t>(command_of(m)));
    w.u32(static_cast<uint32_t>(payload.size()));
    w.bytes(payload_checksum(payload));
    w.bytes(payload);
    return w.take();
}

namespace {

Message decode_body(Command c, Reader& r) {
    switch (c) {
        case Command::Version: {
            VersionMsg v;
            v.version = r.u32();
            r.array(v.genesis);
            v.best_height = r.u64();
            v.best_work = Uint256::from_be_bytes(r.bytes(32));
            v.services = r.u64();
            v.listen_port = r.u16();
            Bytes ua = r.var_bytes(kMaxUserAgent);
            v.user_agent.assign(ua.begin(), ua.end());
            v.nonce = r.u64();
            v.timestamp = r.u64();
            return v;
        }
        case Command::Verack: return VerackMsg{};
        case Command::Ping: return PingMsg{r.u64()};
        case Command::Pong: return PongMsg{r.u64()};
        case Command::Inv: return InvMsg{decode_inv(r, InvType::Block)};
        case Command::GetData: return GetDataMsg{decode_inv(r, InvType::CompactBlock)};
        case Command::NotFound: return NotFoundMsg{decode_inv(r, InvType::CompactBlock)};
        case Command::Tx: return TxMsg{Transaction::decode(r)};
        case Command::Block: return BlockMsg{Block::decode(r)};
        case Command::GetHeaders: {
            GetHeadersMsg g;
            uint64_t n = r.compact_size(kMaxLocatorHashes);
            for (uint64_t i = 0; i < n && r.ok(); ++i) {
                Hash256 h;
                r.array(h);
                g.locator.push_back(h);
            }
            r.array(g.stop);
            return g;
        }
        case Command::Headers: {
            HeadersMsg h;
            uint64_t n = r.compact_size(kMaxHeaders);
            if (r.ok() && n * BlockHeader::kSerializedSize > r.remaining()) {
                r.fail(decode_error::kTruncated, "header count exceeds the payload");
                return h;
            }
            h.headers.reserve(n);
            for (uint64_t i = 0; i < n && r.ok(); ++i) h.headers.push_back(BlockHeader::decode(r));
            return h;
        }
        case Command::GetAddr: return GetAddrMsg{};
        case Command::Addr: {
            AddrMsg a;
            uint64_t n = r.compact_size(kMaxAddrEntries);
            for (uint64_t i = 0; i < n && r.ok(); ++i) a.addresses.push_back(NetAddress::decode(r));
            return a;
        }
        case Command::SendCmpct: return decode_sendcmpct(r);
        case Command::CmpctBlock: return decode_cmpctblock(r);
        case Command::GetBlockTxn: return decode_getblocktxn(r);
        case Command::BlockTxn: return decode_blocktxn(r);
    }
    r.fail(decode_error::kBadValue, "unknown command");
    return VerackMsg{};
}

}  // namespace

Result<Message> decode_payload(Command command, ByteSpan payload) {
    Reader r(payload);
    Message m = decode_body(command, r);
    r.expect_end();
    if (!r.ok()) return r.error();
    return m;
}

bool NetAddress::has_identity() const {
    return std::any_of(identity.begin(), identity.end(), [](uint8_t b) { return b != 0; });
}

std::string NetAddress::identity_hex() const { return has_identity() ? to_hex(identity) : std::string(); }

bool NetAddress::set_identity(std::string_view hex) {
    if (hex.empty()) {
        identity = {};
        return true;
    }
    auto bytes = hex.size() == 64 ? from_hex(hex) : std::nullopt;
    if (!bytes || bytes->size() != identity.size()) return false;
    std::copy(bytes->begin(), bytes->end(), identity.begin());
    return true;
}

void NetAddress::encode(Writer& w) const {
    w.bytes(ip);
    w.u16(port);
    w.u64(last_seen);
    w.bytes(identity);
}

NetAddress NetAddress::decode(Reader& r) {
    NetAddress a;
    ByteSpan ip_bytes = r.bytes(16);
    if (r.ok()) std::memcpy(a.ip.data(), ip_bytes.data(), 16);
    a.port = r.u16();
    a.last_seen = r.u64();
    ByteSpan id = r.bytes(32);
    if (r.ok()) std::memcpy(a.identity.data(), id.data(), 32);
    return a;
}

std::string NetAddress::ip_string() const {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char buf[INET6_ADDRSTRLEN] = {};
    if (std::memcmp(ip.data(), kMapped, 12) == 0) {
        inet_ntop(AF_INET, ip.data() + 12, buf, sizeof(buf));
        return buf;
    }
    inet_ntop(AF_INET6, ip.data(), buf, sizeof(buf));
    return buf;
}

std::string NetAddress::to_string() const {
    std::string host = ip_string();
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return host + ":" + std::to_string(port);
}

std::optional<NetAddress> NetAddress::parse(const std::string& host_port) {
    std::string host, port;
    if (!host_port.empty() && host_port[0] == '[') {
        auto end = host_port.find(']');
        if (end == std::string::npos || end + 1 >= host_port.size() || host_port[end + 1] != ':') return std::nullopt;
        host = host_port.substr(1, end - 1);
        port = host_port.substr(end + 2);
    } else {
        auto colon = host_port.rfind(':');
        if (colon == std::string::npos) return std::nullopt;
        host = host_port.substr(0, colon);
        port = host_port.substr(colon + 1);
    }
    if (host == "localhost") host = "127.0.0.1";
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    unsigned long p = std::stoul(port);
    if (p == 0 || p > 65535) return std::nullopt;
    NetAddress a;
    a.port = static_cast<uint16_t>(p);
    uint8_t v4[4];
    if (inet_pton(AF_INET, host.c_str(), v4) == 1) {
        a.ip[10] = 0xff;
        a.ip[11] = 0xff;
        std::memcpy(a.ip.data() + 12, v4, 4);
        return a;
    }
    if (inet_pton(AF_INET6, host.c_str(), a.ip.data()) == 1) return a;
    return std::nullopt;
}

}  // namespace finch::net
