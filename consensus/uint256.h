// 256-bit unsigned arithmetic for proof-of-work targets and cumulative chain work.
#pragma once

#include "consensus/hash.h"

#include <array>
#include <compare>
#include <cstdint>
#include <string>

namespace finch {

class Uint256 {
public:
    constexpr Uint256() = default;
    constexpr Uint256(uint64_t v) : m_limb{v, 0, 0, 0} {}

    // A hash read as a little-endian number (byte 0 least significant), as Bitcoin does.
    static Uint256 from_hash(const Hash256& h);
    Hash256 to_hash() const;
    // 32 bytes, big-endian: sorts like the number, used in storage keys and values.
    std::array<uint8_t, 32> to_be_bytes() const;
    static Uint256 from_be_bytes(ByteSpan b);

    // Compact "bits" encoding. Returns nullopt-like flags for negative or overflowing values.
    struct Compact {
        bool negative = false;
        bool overflow = false;
    };
    static Uint256 from_compact(uint32_t bits, Compact* flags = nullptr);
    uint32_t to_compact() const;

    unsigned bit_length() const;
    bool is_zero() const { return (m_limb[0] | m_limb[1] | m_limb[2] | m_limb[3]) == 0; }
    uint64_t low64() const { return m_limb[0]; }
    double to_double() const;
    std::string to_hex() const;  // 64 hex digits, most significant first

    Uint256& operator+=(const Uint256& o);
    Uint256& operator-=(const Uint256& o);
    Uint256& operator<<=(unsigned n);
    Uint256& operator>>=(unsigned n);
    // Multiplies by a 64-bit value; sets *overflow if the product does not fit.
    Uint256& mul64(uint64_t m, bool* overflow = nullptr);
    Uint256& operator/=(const Uint256& divisor);
    Uint256 operator~() const;

    friend Uint256 operator+(Uint256 a, const Uint256& b) { return a += b; }
    friend Uint256 operator-(Uint256 a, const Uint256& b) { return a -= b; }
    friend Uint256 operator<<(Uint256 a, unsigned n) { return a <<= n; }
    friend Uint256 operator>>(Uint256 a, unsigned n) { return a >>= n; }
    friend Uint256 operator/(Uint256 a, const Uint256& b) { return a /= b; }
    friend bool operator==(const Uint256&, const Uint256&) = default;
    friend std::strong_ordering operator<=>(const Uint256& a, const Uint256& b) {
        for (int i = 3; i >= 0; --i)
            if (a.m_limb[i] != b.m_limb[i]) return a.m_limb[i] <=> b.m_limb[i];
        return std::strong_ordering::equal;
    }

private:
    std::array<uint64_t, 4> m_limb{};  // little-endian limbs
};

}  // namespace finch
