#include "node/net/dht/messages.h"

namespace finch::net::dht {

namespace {

void encode_endpoint(Writer& w, const Endpoint& e) {
    w.bytes(e.ip);
    w.u16(e.port);
}

Endpoint decode_endpoint(Reader& r) {
    Endpoint e;
    ByteSpan b = r.bytes(16);
    if (r.ok()) std::copy(b.begin(), b.end(), e.ip.begin());
    e.port = r.u16();
    return e;
}

Token decode_token(Reader& r) {
    Token t{};
    ByteSpan b = r.bytes(kTokenSize);
    if (r.ok()) std::copy(b.begin(), b.end(), t.begin());
    return t;
}

Rejection translate(const Rejection& e) {
    // The Reader's generic codes, renamed into the DHT's.
    if (e.code == decode_error::kTruncated) return reject(dht_error::kTruncated, e.detail, Fault::Decode);
    if (e.code == decode_error::kTrailingBytes) return reject(dht_error::kTrailingBytes, e.detail, Fault::Decode);
    return reject(dht_error::kBadValue, e.to_string(), Fault::Decode);
}

}  // namespace

MessageType type_of(const Message& m) { return static_cast<MessageType>(m.index() + 1); }

const char* type_name(MessageType t) {
    switch (t) {
        case MessageType::Ping: return "ping";
        case MessageType::Pong: return "pong";
        case MessageType::FindNode: return "findnode";
        case MessageType::Nodes: return "nodes";
    }
    return "unknown";
}

Bytes encode_message(const Message& m, const Magic& magic) {
    Writer w(kMaxDatagram);
    w.bytes(magic);
    w.u8(static_cast<uint8_t>((kWireVersion << 4) | static_cast<uint8_t>(type_of(m))));
    if (auto* p = std::get_if<Ping>(&m)) {
        w.u64(p->request_id);
        p->record.encode(w);
        encode_endpoint(w, p->to);
        w.bytes(p->token);
        w.u8(p->flags);
    } else if (auto* p = std::get_if<Pong>(&m)) {
        w.u64(p->request_id);
        p->record.encode(w);
        encode_endpoint(w, p->observed);
        w.bytes(p->token);
        w.u8(p->flags);
    } else if (auto* p = std::get_if<FindNode>(&m)) {
        w.u64(p->request_id);
        w.bytes(p->target.span());
        w.bytes(p->token);
    } else if (auto* p = std::get_if<Nodes>(&m)) {
        FINCH_ASSERT(p->records.size() <= kMaxRecordsPerNodes);
        w.u64(p->request_id);
        w.u8(p->total);
        w.u8(static_cast<uint8_t>(p->records.size()));
        for (const auto& rec : p->records) rec.encode(w);
    }
    FINCH_ASSERT(w.data().size() <= kMaxDatagram);
    return w.take();
}

Result<Message> decode_message(ByteSpan datagram, const Magic& magic) {
    if (datagram.size() > kMaxDatagram)
        return reject(dht_error::kOversize, std::to_string(datagram.size()) + " bytes", Fault::Decode);
    if (datagram.size() < kHeaderSize)
        return reject(dht_error::kTruncated, "no header", Fault::Decode);
    if (!std::equal(magic.begin(), magic.end(), datagram.begin()))
        return reject(dht_error::kBadMagic, {}, Fault::Decode);
    if ((datagram[4] >> 4) != kWireVersion)
        return reject(dht_error::kBadVersion, "version " + std::to_string(datagram[4] >> 4), Fault::Decode);
    const uint8_t type = datagram[4] & 0x0f;
    Reader r(datagram.subspan(kHeaderSize));
    Message out;
    switch (type) {
        case static_cast<uint8_t>(MessageType::Ping): {
            Ping p;
            p.request_id = r.u64();
            p.record = NodeRecord::decode(r);
            p.to = decode_endpoint(r);
            p.token = decode_token(r);
            p.flags = r.u8();
            out = p;
            break;
        }
        case static_cast<uint8_t>(MessageType::Pong): {
            Pong p;
            p.request_id = r.u64();
            p.record = NodeRecord::decode(r);
            p.observed = decode_endpoint(r);
            p.token = decode_token(r);
            p.flags = r.u8();
            out = p;
            break;
        }
        case static_cast<uint8_t>(MessageType::FindNode): {
            FindNode f;
            f.request_id = r.u64();
            ByteSpan t = r.bytes(32);
            if (r.ok()) std::copy(t.begin(), t.end(), f.target.bytes.begin());
            f.token = decode_token(r);
            out = f;
            break;
        }
        case static_cast<uint8_t>(MessageType::Nodes): {
            Nodes n;
            n.request_id = r.u64();
            n.total = r.u8();
            const uint8_t count = r.u8();
            if (!r.ok()) return translate(r.error());
            if (n.total < 1 || n.total > kMaxNodesParts)
                return reject(dht_error::kBadValue, "total " + std::to_string(n.total), Fault::Decode);
            if (count > kMaxRecordsPerNodes)
                return reject(dht_error::kBadValue, "count " + std::to_string(count), Fault::Decode);
            n.records.reserve(count);
            for (uint8_t i = 0; i < count && r.ok(); ++i) n.records.push_back(NodeRecord::decode(r));
            out = std::move(n);
            break;
        }
        default:
            return reject(dht_error::kUnknownType, "type " + std::to_string(type), Fault::Decode);
    }
    r.expect_end();
    if (!r.ok()) return translate(r.error());
    return out;
}

std::vector<Bytes> encode_nodes(uint64_t request_id, const std::vector<NodeRecord>& records, const Magic& magic) {
    FINCH_ASSERT(records.size() <= kMaxRecordsPerNodes * kMaxNodesParts);
    const size_t parts = records.empty() ? 1 : (records.size() + kMaxRecordsPerNodes - 1) / kMaxRecordsPerNodes;
    std::vector<Bytes> out;
    for (size_t i = 0; i < parts; ++i) {
        Nodes n;
        n.request_id = request_id;
        n.total = static_cast<uint8_t>(parts);
        const size_t begin = i * kMaxRecordsPerNodes;
        const size_t end = std::min(records.size(), begin + kMaxRecordsPerNodes);
        n.records.assign(records.begin() + static_cast<std::ptrdiff_t>(begin),
                         records.begin() + static_cast<std::ptrdiff_t>(end));
        out.push_back(encode_message(n, magic));
    }
    return out;
}

}  // namespace finch::net::dht
