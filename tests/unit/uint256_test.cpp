// 256-bit arithmetic, the compact "bits" encoding and block work.
#include "consensus/pow.h"
#include "consensus/uint256.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <cmath>

namespace finch {
namespace {

Uint256 from_hex256(std::string_view hex) {
    std::string padded = std::string(64 - hex.size(), '0') + std::string(hex);
    auto b = from_hex(padded);
    return Uint256::from_be_bytes(*b);
}

Uint256 pow2(unsigned n) { return Uint256(1) << n; }

struct CompactCase {
    uint32_t bits;
    const char* value_hex;
    uint32_t round_trip;  // to_compact of the value
    bool negative;
    bool overflow;
};

// Bitcoin Core's arith_uint256 SetCompact/GetCompact cases.
TEST(Uint256, CompactKnownCases) {
    const CompactCase cases[] = {
        {0x00000000, "0", 0, false, false},
        {0x00123456, "0", 0, false, false},
        {0x01003456, "0", 0, false, false},
        {0x02000056, "0", 0, false, false},
        {0x03000000, "0", 0, false, false},
        {0x04000000, "0", 0, false, false},
        {0x00923456, "0", 0, false, false},
        {0x01803456, "0", 0, false, false},
        {0x02800056, "0", 0, false, false},
        {0x03800000, "0", 0, false, false},
        {0x04800000, "0", 0, false, false},
        {0x01123456, "12", 0x01120000, false, false},
        {0x01fedcba, "7e", 0x017e0000, true, false},
        {0x02123456, "1234", 0x02123400, false, false},
        {0x03123456, "123456", 0x03123456, false, false},
        {0x04123456, "12345600", 0x04123456, false, false},
        {0x04923456, "12345600", 0x04123456, true, false},
        {0x05009234, "92340000", 0x05009234, false, false},
        {0x20123456, "1234560000000000000000000000000000000000000000000000000000000000", 0x20123456, false, false},
        {0x1d00ffff, "00000000ffff0000000000000000000000000000000000000000000000000000", 0x1d00ffff, false, false},
        {0x207fffff, "7fffff0000000000000000000000000000000000000000000000000000000000", 0x207fffff, false, false},
    };
    for (const auto& c : cases) {
        Uint256::Compact flags;
        Uint256 v = Uint256::from_compact(c.bits, &flags);
        EXPECT_EQ(v, from_hex256(c.value_hex)) << std::hex << c.bits;
        EXPECT_EQ(v.to_compact(), c.round_trip) << std::hex << c.bits;
        EXPECT_EQ(flags.negative, c.negative) << std::hex << c.bits;
        EXPECT_EQ(flags.overflow, c.overflow) << std::hex << c.bits;
    }
}

TEST(Uint256, CompactOverflowFlag) {
    Uint256::Compact flags;
    (void)Uint256::from_compact(0xff123456, &flags);
    EXPECT_TRUE(flags.overflow);
    EXPECT_FALSE(flags.negative);
    (void)Uint256::from_compact(0x2100ffff, &flags);  // 0xffff << 240: 256 bits, fits
    EXPECT_FALSE(flags.overflow);
    (void)Uint256::from_compact(0x21010000, &flags);  // 0x010000 << 240: 257 bits
    EXPECT_TRUE(flags.overflow);
    (void)Uint256::from_compact(0x2200ffff, &flags);  // 0xffff << 248: 264 bits
    EXPECT_TRUE(flags.overflow);
}

TEST(Uint256, ToCompactAvoidsSignBit) {
    // 0x80 would set the sign bit as a one-byte mantissa: the exponent grows instead.
    EXPECT_EQ(Uint256(0x80).to_compact(), 0x02008000u);
    EXPECT_EQ(Uint256::from_compact(0x02008000), Uint256(0x80));
}

TEST(Uint256, HexAndByteOrders) {
    Uint256 v = from_hex256("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
    EXPECT_EQ(v.to_hex(), "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
    auto be = v.to_be_bytes();
    EXPECT_EQ(be[0], 0x01);
    EXPECT_EQ(be[31], 0x20);
    // A hash is a little-endian number, so its display hex is the number's hex.
    Hash256 h = v.to_hash();
    EXPECT_EQ(h.bytes[0], 0x20);
    EXPECT_EQ(h.to_hex(), v.to_hex());
    EXPECT_EQ(Uint256::from_hash(h), v);
    EXPECT_EQ(v.low64(), 0x191a1b1c1d1e1f20ULL);
}

TEST(Uint256, Ordering) {
    EXPECT_LT(Uint256(5), Uint256(6));
    EXPECT_LT(Uint256(UINT64_MAX), pow2(64));
    EXPECT_GT(pow2(255), pow2(254) + pow2(253));
    EXPECT_EQ(Uint256(7), Uint256(7));
}

TEST(Uint256, BitLength) {
    EXPECT_EQ(Uint256().bit_length(), 0u);
    EXPECT_EQ(Uint256(1).bit_length(), 1u);
    EXPECT_EQ(Uint256(0xff).bit_length(), 8u);
    EXPECT_EQ(pow2(64).bit_length(), 65u);
    EXPECT_EQ(pow2(255).bit_length(), 256u);
}

TEST(Uint256, Shifts) {
    EXPECT_EQ(pow2(255) >> 255, Uint256(1));
    EXPECT_EQ(Uint256(1) << 0, Uint256(1));
    EXPECT_EQ(Uint256(1) << 256, Uint256());
    EXPECT_EQ(pow2(200) >> 256, Uint256());
    EXPECT_EQ(pow2(64).low64(), 0u);
    EXPECT_EQ((pow2(64) >> 1).low64(), 1ULL << 63);
    const Uint256 x = from_hex256("deadbeefcafebabe0123456789abcdef");
    for (unsigned n : {1u, 7u, 63u, 64u, 65u, 100u, 127u, 128u}) {
        EXPECT_EQ((x << n) >> n, x) << n;
    }
    EXPECT_EQ(x << 4, from_hex256("deadbeefcafebabe0123456789abcdef0"));
    EXPECT_EQ(x >> 68, from_hex256("deadbeefcafebab"));
    // Bits shifted past the top are lost.
    EXPECT_EQ((pow2(255) + Uint256(1)) << 1, Uint256(2));
}

TEST(Uint256, AddCarriesAcrossLimbs) {
    EXPECT_EQ(Uint256(UINT64_MAX) + Uint256(1), pow2(64));
    EXPECT_EQ((pow2(192) - Uint256(1)) + Uint256(1), pow2(192));
    EXPECT_EQ(Uint256(2) + Uint256(3), Uint256(5));
    // Wraps modulo 2^256.
    EXPECT_EQ(~Uint256() + Uint256(1), Uint256());
}

TEST(Uint256, SubBorrowsAcrossLimbs) {
    EXPECT_EQ(pow2(64) - Uint256(1), Uint256(UINT64_MAX));
    EXPECT_EQ(pow2(192) - Uint256(1), from_hex256(std::string(48, 'f')));
    EXPECT_EQ(Uint256() - Uint256(1), ~Uint256());
    EXPECT_EQ(Uint256(5) - Uint256(5), Uint256());
    const Uint256 a = from_hex256("123456789abcdef0fedcba9876543210aabbccddeeff00112233445566778899");
    const Uint256 b = from_hex256("fedcba98765432100123456789");
    EXPECT_EQ((a - b) + b, a);
}

TEST(Uint256, Mul64) {
    bool overflow = true;
    Uint256 v = Uint256(UINT64_MAX);
    v.mul64(UINT64_MAX, &overflow);
    EXPECT_FALSE(overflow);
    EXPECT_EQ(v, from_hex256("fffffffffffffffe0000000000000001"));
    Uint256 big = pow2(255);
    big.mul64(2, &overflow);
    EXPECT_TRUE(overflow);
}

TEST(Uint256, Division) {
    EXPECT_EQ(Uint256(7) / Uint256(2), Uint256(3));
    EXPECT_EQ(Uint256(2) / Uint256(7), Uint256());
    EXPECT_EQ(pow2(200) / pow2(100), pow2(100));
    const Uint256 a = from_hex256("123456789abcdef0fedcba9876543210aabbccddeeff00112233445566778899");
    const Uint256 b = from_hex256("fedcba98765432100123456789");
    EXPECT_EQ(a / b, from_hex256("1249249249249238ec5397829cc8687f5c2c2c"));
    EXPECT_EQ(a / Uint256(1), a);
    EXPECT_EQ(a / a, Uint256(1));
    EXPECT_EQ(~Uint256() / ~Uint256(), Uint256(1));
    EXPECT_EQ(~Uint256() / Uint256(2), ~Uint256() >> 1);
    // Division by zero is total (zero), never a crash.
    EXPECT_EQ(a / Uint256(), Uint256());
}

TEST(Uint256, ToDouble) {
    EXPECT_DOUBLE_EQ(Uint256(12345).to_double(), 12345.0);
    EXPECT_DOUBLE_EQ(pow2(200).to_double(), std::ldexp(1.0, 200));
}

TEST(Uint256, BlockWork) {
    EXPECT_EQ(block_work(0x207fffff), Uint256(2));
    EXPECT_EQ(block_work(0x1d00ffff), Uint256(0x100010001ULL));
    // Invalid targets are worth nothing.
    EXPECT_EQ(block_work(0), Uint256());
    EXPECT_EQ(block_work(0x04923456), Uint256());
    EXPECT_EQ(block_work(0xff123456), Uint256());
    // A smaller target is more work.
    EXPECT_GT(block_work(0x1c00ffff), block_work(0x1d00ffff));
}

}  // namespace
}  // namespace finch
