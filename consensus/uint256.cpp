// 256-bit arithmetic; see uint256.h.
#include "consensus/uint256.h"

#include <cmath>
#include <cstring>

namespace finch {

Uint256 Uint256::from_hash(const Hash256& h) {
    Uint256 r;
    for (int i = 0; i < 4; ++i) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; --j) v = v << 8 | h.bytes[i * 8 + j];
        r.m_limb[i] = v;
    }
    return r;
}

Hash256 Uint256::to_hash() const {
    Hash256 h;
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 8; ++j) h.bytes[i * 8 + j] = static_cast<uint8_t>(m_limb[i] >> (8 * j));
    return h;
}

std::array<uint8_t, 32> Uint256::to_be_bytes() const {
    std::array<uint8_t, 32> out{};
    for (int i = 0; i < 32; ++i) out[31 - i] = static_cast<uint8_t>(m_limb[i / 8] >> (8 * (i % 8)));
    return out;
}

Uint256 Uint256::from_be_bytes(ByteSpan b) {
    Uint256 r;
    if (b.size() != 32) return r;
    for (int i = 0; i < 32; ++i) r.m_limb[i / 8] |= static_cast<uint64_t>(b[31 - i]) << (8 * (i % 8));
    return r;
}

Uint256 Uint256::from_compact(uint32_t bits, Compact* flags) {
    unsigned size = bits >> 24;
    uint32_t mantissa = bits & 0x007fffff;
    Uint256 r;
    if (size <= 3) {
        r = Uint256(mantissa >> (8 * (3 - size)));
    } else {
        r = Uint256(mantissa);
        if (size - 3 < 32) r <<= 8 * (size - 3);
        else r = Uint256();
    }
    if (flags) {
        // As Bitcoin: only the mantissa bits that survive a small exponent count.
        const uint32_t word = size <= 3 ? mantissa >> (8 * (3 - size)) : mantissa;
        flags->negative = word != 0 && (bits & 0x00800000) != 0;
        flags->overflow = word != 0 && ((size > 34) || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
    }
    return r;
}

uint32_t Uint256::to_compact() const {
    unsigned size = (bit_length() + 7) / 8;
    uint64_t mantissa;
    if (size <= 3) {
        mantissa = low64() << (8 * (3 - size));
    } else {
        mantissa = ((*this) >> (8 * (size - 3))).low64();
    }
    // The top mantissa bit is a sign bit: shift it out by growing the exponent.
    if (mantissa & 0x00800000) {
        mantissa >>= 8;
        ++size;
    }
    return static_cast<uint32_t>(mantissa) | (size << 24);
}

unsigned Uint256::bit_length() const {
    for (int i = 3; i >= 0; --i)
        if (m_limb[i]) return 64 * i + (64 - __builtin_clzll(m_limb[i]));
    return 0;
}

double Uint256::to_double() const {
    double r = 0;
    for (int i = 3; i >= 0; --i) r = r * 18446744073709551616.0 + static_cast<double>(m_limb[i]);
    return r;
}

std::string Uint256::to_hex() const {
    auto be = to_be_bytes();
    return finch::to_hex(be);
}

Uint256& Uint256::operator+=(const Uint256& o) {
    unsigned __int128 carry = 0;
    for (int i = 0; i < 4; ++i) {
        unsigned __int128 s = static_cast<unsigned __int128>(m_limb[i]) + o.m_limb[i] + carry;
        m_limb[i] = static_cast<uint64_t>(s);
        carry = s >> 64;
    }
    return *this;
}

Uint256& Uint256::operator-=(const Uint256& o) {
    uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i) {
        uint64_t a = m_limb[i];
        uint64_t d = a - o.m_limb[i] - borrow;
        borrow = (a < o.m_limb[i] || (a - o.m_limb[i]) < borrow) ? 1 : 0;
        m_limb[i] = d;
    }
    return *this;
}

Uint256& Uint256::operator<<=(unsigned n) {
    if (n >= 256) return *this = Uint256();
    std::array<uint64_t, 4> out{};
    unsigned words = n / 64, bits = n % 64;
    for (int i = 3; i >= static_cast<int>(words); --i) {
        out[i] = m_limb[i - words] << bits;
        if (bits && i - static_cast<int>(words) - 1 >= 0) out[i] |= m_limb[i - words - 1] >> (64 - bits);
    }
    m_limb = out;
    return *this;
}

Uint256& Uint256::operator>>=(unsigned n) {
    if (n >= 256) return *this = Uint256();
    std::array<uint64_t, 4> out{};
    unsigned words = n / 64, bits = n % 64;
    for (unsigned i = 0; i + words < 4; ++i) {
        out[i] = m_limb[i + words] >> bits;
        if (bits && i + words + 1 < 4) out[i] |= m_limb[i + words + 1] << (64 - bits);
    }
    m_limb = out;
    return *this;
}

Uint256& Uint256::mul64(uint64_t m, bool* overflow) {
    unsigned __int128 carry = 0;
    for (int i = 0; i < 4; ++i) {
        unsigned __int128 p = static_cast<unsigned __int128>(m_limb[i]) * m + carry;
        m_limb[i] = static_cast<uint64_t>(p);
        carry = p >> 64;
    }
    if (overflow) *overflow = carry != 0;
    return *this;
}

Uint256& Uint256::operator/=(const Uint256& divisor) {
    if (divisor.is_zero()) return *this = Uint256();  // callers never divide by zero; keep it total
    Uint256 num = *this, quotient, div = divisor;
    int shift = static_cast<int>(num.bit_length()) - static_cast<int>(div.bit_length());
    if (shift < 0) return *this = Uint256();
    div <<= shift;
    for (; shift >= 0; --shift) {
        if (num >= div) {
            num -= div;
            quotient.m_limb[shift / 64] |= 1ULL << (shift % 64);
        }
        div >>= 1;
    }
    return *this = quotient;
}

Uint256 Uint256::operator~() const {
    Uint256 r;
    for (int i = 0; i < 4; ++i) r.m_limb[i] = ~m_limb[i];
    return r;
}

}  // namespace finch
