// Signed node records: {public_key 32, ip 16 (IPv4-mapped), port u16, seq u64, signature 64},
// 122 bytes on the wire. The signature is Ed25519 by the node's identity key over
//   "finch-dht-record-v1" || magic (4) || public_key || ip || port (LE) || seq (LE)
// so a record of one network is worthless on another. The node id is SHA-256(public_key).
// A newer seq replaces an older record of the same id; a record whose signature does not
// verify is dropped.
#pragma once

#include "consensus/result.h"
#include "consensus/serialize.h"
#include "node/net/dht/types.h"
#include "util/thread_annotations.h"

#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace finch::net::dht {

inline constexpr size_t kRecordSize = 32 + 16 + 2 + 8 + 64;
inline constexpr std::string_view kRecordDomain = "finch-dht-record-v1";

struct NodeRecord {
    std::array<uint8_t, 32> public_key{};
    Endpoint endpoint;
    uint64_t seq = 0;
    std::array<uint8_t, 64> signature{};

    NodeId id() const { return NodeId::of(public_key); }
    // The bytes the signature covers.
    Bytes signing_message(const Magic& magic) const;
    void encode(Writer& w) const;
    static NodeRecord decode(Reader& r);
    bool operator==(const NodeRecord&) const = default;
};

// Checks the Ed25519 signature (no caching).
bool verify_record(const NodeRecord& record, const Magic& magic);

// The identity key as the DHT uses it: holds a reference on an Ed25519 EVP_PKEY (for
// instance NodeIdentity::key()) and signs records with it.
class SigningKey {
public:
    // Takes a reference on `key` (EVP_PKEY_up_ref). Rejection dht-bad-key (Fault::Policy) if it
    // is not an Ed25519 private key.
    static Result<SigningKey> from_pkey(EVP_PKEY* key);
    // A fresh random key (tests, simulations).
    static Result<SigningKey> generate();

    const std::array<uint8_t, 32>& public_key() const { return m_public_key; }
    NodeId id() const { return NodeId::of(m_public_key); }
    // A signed record for this key. Signing with a valid key does not fail.
    NodeRecord sign(const Endpoint& endpoint, uint64_t seq, const Magic& magic) const;

private:
    struct KeyFree {
        void operator()(EVP_PKEY* key) const;
    };
    std::shared_ptr<EVP_PKEY> m_key;
    std::array<uint8_t, 32> m_public_key{};
};

// Remembers which (magic, record) pairs verified, so a record seen again (every PING and
// PONG carries one, and NODES answers repeat them) costs a hash instead of a signature check.
// Bounded: forgets everything when full. Thread-safe, so engines may share one.
class VerifyCache {
public:
    explicit VerifyCache(size_t capacity = 100000) : m_capacity(capacity) {}
    bool verify(const NodeRecord& record, const Magic& magic) EXCLUDES(m_mutex);
    uint64_t hits() const EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        return m_hits;
    }
    uint64_t misses() const EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        return m_misses;
    }

private:
    mutable util::Mutex m_mutex;
    std::unordered_map<Hash256, bool, Hash256Hasher> m_seen GUARDED_BY(m_mutex);
    size_t m_capacity;
    uint64_t m_hits GUARDED_BY(m_mutex) = 0;
    uint64_t m_misses GUARDED_BY(m_mutex) = 0;
};

}  // namespace finch::net::dht
