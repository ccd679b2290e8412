// Hash types and SHA-256 helpers used by every consensus structure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace finch {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

// A fixed-size byte string. Hex is shown in "display order" (reversed bytes) for
// 32-byte hashes, as Bitcoin does, and in natural order for everything else.
template <size_t N>
struct ByteArray {
    std::array<uint8_t, N> bytes{};

    static constexpr size_t size() { return N; }
    const uint8_t* data() const { return bytes.data(); }
    uint8_t* data() { return bytes.data(); }
    ByteSpan span() const { return {bytes.data(), N}; }
    bool is_zero() const {
        for (uint8_t b : bytes)
            if (b != 0) return false;
        return true;
    }
    auto operator<=>(const ByteArray&) const = default;
    bool operator==(const ByteArray&) const = default;
};

// A SHA-256 digest. Internal byte order is the hash function's output order;
// to_hex()/from_hex() use the reversed display order.
struct Hash256 : ByteArray<32> {
    std::string to_hex() const;
    static std::optional<Hash256> from_hex(std::string_view hex);
    static Hash256 from_bytes(ByteSpan b);
};

std::string to_hex(ByteSpan data);
std::optional<Bytes> from_hex(std::string_view hex);

Hash256 sha256(ByteSpan data);
Hash256 sha256d(ByteSpan data);
// BIP340-style tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data).
Hash256 tagged_hash(std::string_view tag, ByteSpan data);

// Incremental SHA-256 for hashing data that arrives in pieces.
class Sha256 {
public:
    Sha256();
    Sha256& write(ByteSpan data);
    Sha256& write(const void* data, size_t n) { return write(ByteSpan(static_cast<const uint8_t*>(data), n)); }
    Hash256 finish();
    // Starts a tagged hash: the tag's digest written twice.
    static Sha256 tagged(std::string_view tag);

private:
    alignas(8) unsigned char m_ctx[128];
};

// The bucket of a Hash256 in hash tables. Many keys come from peers (announced txids, block
// hashes) and a txid's low bits are cheap to grind, so the index is SipHash-1-3 of all 32
// bytes under a key drawn once per process (as Bitcoin Core's SaltedTxidHasher): nobody can
// aim many keys at one bucket. Never persisted or sent: iteration order differs per process.
struct Hash256Hasher {
    size_t operator()(const Hash256& h) const;
};

}  // namespace finch
