// Decoded public keys of recent senders. Decoding an x-only key takes a square root, about
// an eighth of a BIP340 verification; an account that sends again (the common case) skips
// it. Decoding is deterministic, so a cached entry is exactly what decoding would return.
#pragma once

#include "consensus/keys.h"
#include "consensus/transaction.h"
#include "util/thread_annotations.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <unordered_map>

namespace finch::node {

class PublicKeyCache {
public:
    // About 170 bytes an entry: the default holds 100,000 senders in ~17 MB.
    explicit PublicKeyCache(size_t max_entries = 100'000) : m_max_per_shard(std::max<size_t>(1, max_entries / kShards)) {}

    // The decoded key, from the cache or decoded now and remembered; nullopt when the bytes
    // are not a curve point (never cached, so the answer stays the same).
    std::optional<ParsedPublicKey> get(const PublicKey& key) {
        Shard& shard = m_shards[key.bytes[0] % kShards];
        {
            util::LockGuard lock(shard.mutex);
            if (auto it = shard.map.find(key); it != shard.map.end()) return it->second;
        }
        auto parsed = parse_public_key(key);
        if (!parsed) return std::nullopt;
        util::LockGuard lock(shard.mutex);
        if (shard.map.emplace(key, *parsed).second) {
            shard.order.push_back(key);
            if (shard.order.size() > m_max_per_shard) {  // oldest first
                shard.map.erase(shard.order.front());
                shard.order.pop_front();
            }
        }
        return parsed;
    }

    size_t size() const {
        size_t n = 0;
        for (const auto& s : m_shards) {
            util::LockGuard lock(s.mutex);
            n += s.map.size();
        }
        return n;
    }

private:
    static constexpr size_t kShards = 16;
    // Keys are chosen by senders, so the bucket index is salted per process: nobody can
    // aim many keys at one bucket.
    struct KeyHasher {
        static uint64_t process_salt() {
            static const uint64_t salt = [] {
                std::random_device rd;
                return (uint64_t{rd()} << 32) ^ rd();
            }();
            return salt;
        }
        size_t operator()(const PublicKey& k) const {
            const uint64_t salt = process_salt();
            uint64_t a, b;
            std::memcpy(&a, k.bytes.data(), 8);
            std::memcpy(&b, k.bytes.data() + 8, 8);
            uint64_t h = (a ^ salt) * 0xff51afd7ed558ccdULL;
            h ^= (b + salt) * 0xc4ceb9fe1a85ec53ULL;
            return static_cast<size_t>(h ^ (h >> 29));
        }
    };
    struct Shard {
        mutable util::Mutex mutex;
        std::unordered_map<PublicKey, ParsedPublicKey, KeyHasher> map GUARDED_BY(mutex);
        std::deque<PublicKey> order GUARDED_BY(mutex);
    };
    const size_t m_max_per_shard;
    std::array<Shard, kShards> m_shards;
};

// The signature rule, decoding the sender's key through `keys` when given.
inline Status check_signature(const Transaction& tx, const Hash256& genesis_hash, PublicKeyCache* keys) {
    auto sender = keys ? keys->get(tx.sender) : std::nullopt;
    if (!sender) return finch::check_signature(tx, genesis_hash);  // decodes (and reports a bad key) itself
    return finch::check_signature(tx, genesis_hash, *sender);
}

}  // namespace finch::node
