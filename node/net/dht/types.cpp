#include "node/net/dht/types.h"

#include <arpa/inet.h>

#include <cstring>

namespace finch::net::dht {

namespace {
constexpr std::array<uint8_t, 12> kV4Prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

NodeId NodeId::of(std::span<const uint8_t, 32> public_key) {
    NodeId id;
    id.bytes = sha256(ByteSpan(public_key.data(), public_key.size())).bytes;
    return id;
}

std::optional<NodeId> NodeId::from_hex(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    auto bytes = finch::from_hex(hex);
    if (!bytes || bytes->size() != 32) return std::nullopt;
    NodeId id;
    std::memcpy(id.data(), bytes->data(), 32);
    return id;
}

std::string NodeId::to_hex() const { return finch::to_hex(span()); }

NodeId xor_distance(const NodeId& a, const NodeId& b) {
    NodeId d;
    for (size_t i = 0; i < 32; ++i) d.bytes[i] = a.bytes[i] ^ b.bytes[i];
    return d;
}

int log_distance(const NodeId& a, const NodeId& b) {
    for (size_t i = 0; i < 32; ++i) {
        const uint8_t x = a.bytes[i] ^ b.bytes[i];
        if (x != 0) return static_cast<int>((31 - i) * 8) + 32 - __builtin_clz(static_cast<unsigned>(x));
    }
    return 0;
}

NodeId id_at_distance(const NodeId& base, int d, std::span<const uint8_t, 32> random) {
    NodeId out = base;
    if (d <= 0) return out;
    if (d > 256) d = 256;
    // Bits are numbered from the least significant (bit 0 is the last byte's low bit).
    const int top = d - 1;
    for (int bit = 0; bit < top; ++bit) {
        const size_t byte = 31 - static_cast<size_t>(bit / 8);
        const uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
        out.bytes[byte] = static_cast<uint8_t>((out.bytes[byte] & ~mask) | (random[byte] & mask));
    }
    const size_t byte = 31 - static_cast<size_t>(top / 8);
    out.bytes[byte] ^= static_cast<uint8_t>(1u << (top % 8));
    return out;
}

Endpoint Endpoint::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    Endpoint e;
    std::memcpy(e.ip.data(), kV4Prefix.data(), 12);
    e.ip[12] = a;
    e.ip[13] = b;
    e.ip[14] = c;
    e.ip[15] = d;
    e.port = port;
    return e;
}

std::optional<Endpoint> Endpoint::from_ip(std::string_view ip, uint16_t port) {
    const std::string text(ip);
    Endpoint e;
    e.port = port;
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        std::memcpy(e.ip.data(), kV4Prefix.data(), 12);
        std::memcpy(e.ip.data() + 12, &v4, 4);
        return e;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        std::memcpy(e.ip.data(), &v6, 16);
        return e;
    }
    return std::nullopt;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const size_t colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (port.empty() || port.size() > 5) return std::nullopt;
    uint32_t p = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return std::nullopt;
        p = p * 10 + static_cast<uint32_t>(c - '0');
    }
    if (p > 65535) return std::nullopt;
    return from_ip(host, static_cast<uint16_t>(p));
}

bool Endpoint::is_v4() const { return std::memcmp(ip.data(), kV4Prefix.data(), 12) == 0; }

bool Endpoint::usable() const {
    if (port == 0) return false;
    if (is_v4()) return !(ip[12] == 0 && ip[13] == 0 && ip[14] == 0 && ip[15] == 0);
    for (uint8_t b : ip)
        if (b != 0) return true;
    return false;
}

std::string Endpoint::ip_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_v4()) {
        inet_ntop(AF_INET, ip.data() + 12, buf, sizeof(buf));
    } else {
        inet_ntop(AF_INET6, ip.data(), buf, sizeof(buf));
    }
    return buf;
}

std::string Endpoint::to_string() const {
    if (is_v4()) return ip_string() + ":" + std::to_string(port);
    return "[" + ip_string() + "]:" + std::to_string(port);
}

size_t EndpointHasher::operator()(const Endpoint& e) const {
    uint64_t a;
    uint64_t b;
    std::memcpy(&a, e.ip.data(), 8);
    std::memcpy(&b, e.ip.data() + 8, 8);
    return static_cast<size_t>((a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ e.port);
}

size_t IpHasher::operator()(const std::array<uint8_t, 16>& ip) const {
    uint64_t a;
    uint64_t b;
    std::memcpy(&a, ip.data(), 8);
    std::memcpy(&b, ip.data() + 8, 8);
    return static_cast<size_t>((a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL));
}

bool is_loopback(const Endpoint& e) {
    if (e.is_v4()) return e.ip[12] == 127;
    static constexpr std::array<uint8_t, 16> kLoopback6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return e.ip == kLoopback6;
}

bool is_lan(const Endpoint& e) {
    if (e.is_v4()) {
        const uint8_t a = e.ip[12];
        const uint8_t b = e.ip[13];
        return a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) || (a == 169 && b == 254);
    }
    return (e.ip[0] & 0xfe) == 0xfc || (e.ip[0] == 0xfe && (e.ip[1] & 0xc0) == 0x80);
}

bool is_multicast(const Endpoint& e) {
    if (e.is_v4()) {
        return (e.ip[12] & 0xf0) == 0xe0 || (e.ip[12] == 255 && e.ip[13] == 255 && e.ip[14] == 255 && e.ip[15] == 255);
    }
    return e.ip[0] == 0xff;
}

bool is_exempt_address(const Endpoint& e) { return is_loopback(e) || is_lan(e); }

bool relay_allowed(const Endpoint& named, const Endpoint& sender) {
    if (!named.usable() || is_multicast(named)) return false;
    if (is_loopback(named)) return is_loopback(sender);
    if (is_lan(named)) return is_lan(sender) || is_loopback(sender);
    return true;
}

uint64_t subnet_key(const Endpoint& e) {
    if (e.is_v4()) return (uint64_t{1} << 63) | (uint64_t{e.ip[12]} << 16) | (uint64_t{e.ip[13]} << 8) | e.ip[14];
    uint64_t k = 0;
    for (size_t i = 0; i < 6; ++i) k = (k << 8) | e.ip[i];
    return k;
}

std::optional<uint64_t> limited_subnet(const Endpoint& e) {
    if (is_exempt_address(e)) return std::nullopt;
    return subnet_key(e);
}

std::optional<uint32_t> limited_subnet24(const Endpoint& e) {
    if (!e.is_v4() || is_exempt_address(e)) return std::nullopt;
    return (uint32_t{e.ip[12]} << 16) | (uint32_t{e.ip[13]} << 8) | e.ip[14];
}

}  // namespace finch::net::dht
