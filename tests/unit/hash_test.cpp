// SHA-256 known answers, display-order hex and tagged hashes.
#include "consensus/hash.h"
#include "consensus/sha256_compress.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <random>
#include <set>
#include <unordered_set>

namespace finch {
namespace {

using test::as_bytes;

// Natural (hash output) byte order, not the reversed display order.
std::string raw_hex(const Hash256& h) { return to_hex(h.span()); }

TEST(Hash, Sha256KnownAnswers) {
    EXPECT_EQ(raw_hex(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(raw_hex(sha256(as_bytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Hash, Sha256dKnownAnswers) {
    EXPECT_EQ(raw_hex(sha256d(as_bytes("abc"))), "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358");
    EXPECT_EQ(raw_hex(sha256d(as_bytes(""))), "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456");
}

TEST(Hash, IncrementalMatchesOneShot) {
    Sha256 s;
    s.write(as_bytes("a")).write(as_bytes("")).write(as_bytes("bc"));
    EXPECT_EQ(s.finish(), sha256(as_bytes("abc")));
}

TEST(Hash, DisplayOrderIsReversed) {
    Hash256 h = sha256(as_bytes("abc"));
    EXPECT_EQ(h.to_hex(), "ad1500f261ff10b49c7a1796a36103b02322ae5dde404141eacf018fbf1678ba");
    std::string reversed = raw_hex(h);
    // Reverse byte pairs of the natural-order hex.
    std::string display;
    for (size_t i = reversed.size(); i >= 2; i -= 2) display += reversed.substr(i - 2, 2);
    EXPECT_EQ(h.to_hex(), display);
}

TEST(Hash, HexRoundTrip) {
    Hash256 h = sha256(as_bytes("round trip"));
    auto back = Hash256::from_hex(h.to_hex());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, h);
    // Upper-case hex parses to the same hash.
    std::string upper = h.to_hex();
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    EXPECT_EQ(Hash256::from_hex(upper), h);
}

TEST(Hash, FromHexRejectsBadInput) {
    EXPECT_FALSE(Hash256::from_hex(""));
    EXPECT_FALSE(Hash256::from_hex(std::string(62, '0')));
    EXPECT_FALSE(Hash256::from_hex(std::string(66, '0')));
    EXPECT_FALSE(Hash256::from_hex(std::string(63, '0') + "g"));
    EXPECT_FALSE(from_hex("abc"));   // odd length
    EXPECT_FALSE(from_hex("zz"));
    EXPECT_EQ(from_hex(""), Bytes{});
    EXPECT_EQ(from_hex("00ff10"), (Bytes{0x00, 0xff, 0x10}));
}

TEST(Hash, FromBytesKeepsNaturalOrder) {
    Bytes raw(32);
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i);
    Hash256 h = Hash256::from_bytes(raw);
    EXPECT_TRUE(std::equal(raw.begin(), raw.end(), h.bytes.begin()));
}

TEST(Hash, TaggedHashKnownAnswer) {
    EXPECT_EQ(raw_hex(tagged_hash("finchain/test", as_bytes("abc"))),
              "9e2253930d1eadefbceafd50e794716cef2ed31ee5832375eab35f5bcb05e8fe");
}

TEST(Hash, TaggedHashIsShaOfTagTwiceThenData) {
    Hash256 tag = sha256(as_bytes("some/tag"));
    Bytes pre;
    pre.insert(pre.end(), tag.bytes.begin(), tag.bytes.end());
    pre.insert(pre.end(), tag.bytes.begin(), tag.bytes.end());
    for (uint8_t c : as_bytes("payload")) pre.push_back(c);
    EXPECT_EQ(tagged_hash("some/tag", as_bytes("payload")), sha256(pre));
    EXPECT_NE(tagged_hash("some/tag", as_bytes("payload")), tagged_hash("other/tag", as_bytes("payload")));
}

// SHA-256 of `msg` by running sha256_compress (SHA-NI or OpenSSL) over the padded blocks.
Hash256 sha256_by_compress(const Bytes& msg) {
    Bytes padded = msg;
    padded.push_back(0x80);
    while (padded.size() % 64 != 56) padded.push_back(0);
    const uint64_t bits = msg.size() * 8;
    for (int i = 7; i >= 0; --i) padded.push_back(static_cast<uint8_t>(bits >> (8 * i)));
    uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (size_t off = 0; off < padded.size(); off += 64) sha256_compress(state, padded.data() + off);
    Hash256 h;
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j) h.bytes[4 * i + j] = static_cast<uint8_t>(state[i] >> (24 - 8 * j));
    return h;
}

TEST(Sha256Compress, MatchesOpenSsl) {
    RecordProperty("shani", sha256_uses_shani() ? "yes" : "no");
    EXPECT_EQ(sha256_by_compress({'a', 'b', 'c'}), sha256(as_bytes("abc")));
    EXPECT_EQ(sha256_by_compress({}), sha256(as_bytes("")));
    std::mt19937 rng(1);
    for (size_t len = 0; len < 300; ++len) {
        Bytes msg(len);
        for (auto& b : msg) b = static_cast<uint8_t>(rng());
        ASSERT_EQ(sha256_by_compress(msg), sha256(msg)) << "length " << len;
    }
}

TEST(Sha256Compress, PairMatchesTwoSingles) {
    std::mt19937 rng(2);
    for (int round = 0; round < 200; ++round) {
        uint32_t a[8], b[8];
        uint8_t block_a[64], block_b[64];
        for (auto& w : a) w = static_cast<uint32_t>(rng());
        for (auto& w : b) w = static_cast<uint32_t>(rng());
        for (auto& x : block_a) x = static_cast<uint8_t>(rng());
        for (auto& x : block_b) x = static_cast<uint8_t>(rng());
        uint32_t a1[8], b1[8];
        std::memcpy(a1, a, sizeof(a));
        std::memcpy(b1, b, sizeof(b));
        sha256_compress(a1, block_a);
        sha256_compress(b1, block_b);
        sha256_compress2(a, block_a, b, block_b);
        ASSERT_EQ(0, std::memcmp(a, a1, sizeof(a))) << round;
        ASSERT_EQ(0, std::memcmp(b, b1, sizeof(b))) << round;
    }
}

}  // namespace
}  // namespace finch

namespace finch {
namespace {

// Hash tables keyed by peer-chosen hashes: the bucket depends on all 32 bytes and on a key
// drawn per process, so keys that share any 8 bytes (what the old hasher read) still spread.
TEST(Hash256Hasher, EveryByteCountsAndCollisionsAreNotChosen) {
    const Hash256Hasher hasher;
    Hash256 a;
    a.bytes.fill(0x11);
    EXPECT_EQ(hasher(a), hasher(a));  // stable within the process
    std::set<size_t> seen;
    for (size_t byte = 0; byte < 32; ++byte) {
        Hash256 b = a;
        b.bytes[byte] ^= 0x01;
        seen.insert(hasher(b));
    }
    EXPECT_EQ(seen.size(), 32u) << "a one-bit change somewhere left the bucket alone";
    // 4,096 keys equal in their first 24 bytes land in about as many buckets of 4,096 as random
    // keys would (a fixed-prefix hasher puts them all in one).
    std::unordered_set<Hash256, Hash256Hasher> table;
    table.reserve(4096);
    for (uint32_t i = 0; i < 4096; ++i) {
        Hash256 k = a;
        std::memcpy(k.bytes.data() + 24, &i, sizeof i);
        table.insert(k);
    }
    size_t used = 0, largest = 0;
    for (size_t b = 0; b < table.bucket_count(); ++b) {
        used += table.bucket_size(b) != 0;
        largest = std::max(largest, table.bucket_size(b));
    }
    EXPECT_GT(used, table.bucket_count() / 2);
    EXPECT_LE(largest, 12u);
}

}  // namespace
}  // namespace finch
