// Basic values of the DHT: 256-bit node ids (the identity: SHA-256 of the raw Ed25519 public
// key), XOR distance, UDP endpoints (IPv4 kept IPv4-mapped) and the address classes the
// per-subnet limits and relay checks look at. Pure values, no sockets.
#pragma once

#include "consensus/hash.h"

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace finch::net::dht {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Magic = std::array<uint8_t, 4>;

// A node id: SHA-256 of the 32-byte raw Ed25519 public key, in the hash's output order, so
// to_hex() is exactly NodeIdentity::identity().
struct NodeId : ByteArray<32> {
    static NodeId of(std::span<const uint8_t, 32> public_key);
    // 64 hex digits (either case); nullopt otherwise.
    static std::optional<NodeId> from_hex(std::string_view hex);
    std::string to_hex() const;
};

struct NodeIdHasher {
    size_t operator()(const NodeId& id) const {
        size_t v;
        __builtin_memcpy(&v, id.data(), sizeof(v));
        return v;
    }
};

// a XOR b: compares (as bytes, lexicographically) like the distance as a number.
NodeId xor_distance(const NodeId& a, const NodeId& b);
// 0 when a == b, else 1..256: the bit length of a XOR b. Bucket i holds log distance i + 1.
int log_distance(const NodeId& a, const NodeId& b);
// A random id at exactly log distance `d` (1..256) from `base`, from 32 random bytes.
NodeId id_at_distance(const NodeId& base, int d, std::span<const uint8_t, 32> random);

// A UDP endpoint. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d).
struct Endpoint {
    std::array<uint8_t, 16> ip{};
    uint16_t port = 0;

    static Endpoint v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);
    // A numeric address ("1.2.3.4", "::1", "::ffff:1.2.3.4") and a port.
    static std::optional<Endpoint> from_ip(std::string_view ip, uint16_t port);
    // "1.2.3.4:30303" or "[::1]:30303".
    static std::optional<Endpoint> parse(std::string_view text);

    bool is_v4() const;
    // Unspecified address (:: or 0.0.0.0) or port 0: not something to send to.
    bool usable() const;
    std::string ip_string() const;
    std::string to_string() const;
    auto operator<=>(const Endpoint&) const = default;
    bool operator==(const Endpoint&) const = default;
};

struct EndpointHasher {
    size_t operator()(const Endpoint& e) const;
};

struct IpHasher {
    size_t operator()(const std::array<uint8_t, 16>& ip) const;
};

// 127/8, ::1.
bool is_loopback(const Endpoint& e);
// Private and link-local ranges (not loopback): 10/8, 172.16/12, 192.168/16, 169.254/16,
// fc00::/7, fe80::/10.
bool is_lan(const Endpoint& e);
// 224/4, 255.255.255.255, ff00::/8.
bool is_multicast(const Endpoint& e);
// Loopback or LAN: exempt from the per-subnet limits (as in geth).
bool is_exempt_address(const Endpoint& e);
// Whether an endpoint named by `sender` (in a NODES record, or as what it observed of us)
// is believable, as geth's CheckRelayIP: never unspecified, port 0 or multicast; loopback
// only from loopback; LAN only from LAN or loopback.
bool relay_allowed(const Endpoint& named, const Endpoint& sender);
// The subnet the limits count: an IPv4 /24 (tagged 1 << 63 | top 24 bits) or an IPv6 /48
// (its first 6 bytes). subnet_key() never exempts; limited_subnet() is nullopt for exempt
// addresses.
uint64_t subnet_key(const Endpoint& e);
std::optional<uint64_t> limited_subnet(const Endpoint& e);
// The IPv4 /24 (the top 24 bits), or nullopt for exempt and IPv6 addresses.
std::optional<uint32_t> limited_subnet24(const Endpoint& e);

}  // namespace finch::net::dht
