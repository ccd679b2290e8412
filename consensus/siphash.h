// SipHash (Aumasson and Bernstein), 64-bit output, keyed by two 64-bit words. Written by hand
// because OpenSSL's EVP_MAC costs a context setup and several calls per hash, many times the
// hash itself. SipHash-2-4 makes BIP152 short ids and the p2p layer's keyed hashes;
// SipHash-1-3 places Hash256 keys in hash-table buckets (Hash256Hasher).
#pragma once

#include "consensus/hash.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace finch {

inline uint64_t load_le64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
}

// Compression rounds per 8-byte word, finalization rounds.
template <int kCompress, int kFinalize>
class SipHasher {
public:
    SipHasher(uint64_t k0, uint64_t k1)
        : v0(k0 ^ 0x736f6d6570736575ULL),
          v1(k1 ^ 0x646f72616e646f6dULL),
          v2(k0 ^ 0x6c7967656e657261ULL),
          v3(k1 ^ 0x7465646279746573ULL) {}

    void absorb(uint64_t m) {
        v3 ^= m;
        for (int i = 0; i < kCompress; ++i) round();
        v0 ^= m;
    }
    uint64_t finish() {
        v2 ^= 0xff;
        for (int i = 0; i < kFinalize; ++i) round();
        return v0 ^ v1 ^ v2 ^ v3;
    }

private:
    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }
    uint64_t v0, v1, v2, v3;
};

// SipHash of any bytes: whole words, then the rest with the length's low byte on top.
template <int kCompress, int kFinalize>
uint64_t siphash(uint64_t k0, uint64_t k1, ByteSpan data) {
    SipHasher<kCompress, kFinalize> s(k0, k1);
    const size_t whole = data.size() / 8 * 8;
    for (size_t i = 0; i < whole; i += 8) s.absorb(load_le64(data.data() + i));
    uint64_t last = uint64_t{data.size() & 0xff} << 56;
    for (size_t i = whole; i < data.size(); ++i) last |= uint64_t{data[i]} << (8 * (i - whole));
    s.absorb(last);
    return s.finish();
}

// SipHash of a 32-byte hash: its four words, then a word holding only the length (32).
template <int kCompress, int kFinalize>
uint64_t siphash(uint64_t k0, uint64_t k1, const Hash256& h) {
    SipHasher<kCompress, kFinalize> s(k0, k1);
    for (size_t i = 0; i < 32; i += 8) s.absorb(load_le64(h.data() + i));
    s.absorb(uint64_t{32} << 56);
    return s.finish();
}

}  // namespace finch
