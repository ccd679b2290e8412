// Canonical encoding: round trips, and the strict Reader's typed decode errors.
#include "consensus/block.h"
#include "consensus/serialize.h"
#include "consensus/state.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>

namespace finch {
namespace {

using namespace finch::test;

// Every serialized type, each with one sample value, for the typed tests below.
template <typename T>
T sample();
template <>
Transaction sample<Transaction>() { return sample_transaction(); }
template <>
Coinbase sample<Coinbase>() { return sample_coinbase(); }
template <>
BlockHeader sample<BlockHeader>() { return sample_header(); }
template <>
Block sample<Block>() { return sample_block(); }
template <>
BlockUndo sample<BlockUndo>() { return sample_undo(); }

template <typename T>
class SerializedType : public ::testing::Test {};
using SerializedTypes = ::testing::Types<Transaction, Coinbase, BlockHeader, Block, BlockUndo>;
TYPED_TEST_SUITE(SerializedType, SerializedTypes);

TYPED_TEST(SerializedType, RoundTrip) {
    const TypeParam value = sample<TypeParam>();
    Bytes raw = encode(value);
    auto back = decode_all<TypeParam>(raw);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, value);
    EXPECT_EQ(encode(*back), raw);
}

TYPED_TEST(SerializedType, EveryPrefixIsTruncated) {
    Bytes raw = encode(sample<TypeParam>());
    for (size_t len = 0; len < raw.size(); ++len) {
        auto r = decode_all<TypeParam>(ByteSpan(raw.data(), len));
        ASSERT_FALSE(r.ok()) << "prefix of " << len << " bytes decoded";
        EXPECT_EQ(r.error().code, decode_error::kTruncated) << "prefix of " << len << " bytes";
        EXPECT_EQ(r.error().fault, Fault::Decode);
    }
}

TYPED_TEST(SerializedType, TrailingBytesRejected) {
    Bytes raw = encode(sample<TypeParam>());
    raw.push_back(0x00);
    auto r = decode_all<TypeParam>(raw);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, decode_error::kTrailingBytes);
}

TEST(Serialize, FixedSizesMatchEncodings) {
    EXPECT_EQ(encode(sample_transaction()).size(), Transaction::kSerializedSize);
    EXPECT_EQ(encode(sample_header()).size(), BlockHeader::kSerializedSize);
    Block b = sample_block();
    EXPECT_EQ(b.serialize().size(), b.serialized_size());
}

TEST(Serialize, IntegersAreLittleEndian) {
    Writer w;
    w.u8(0x01);
    w.u16(0x0302);
    w.u32(0x07060504);
    w.u64(0x0f0e0d0c0b0a0908ULL);
    Bytes expect;
    for (uint8_t i = 1; i <= 0x0f; ++i) expect.push_back(i);
    EXPECT_EQ(w.data(), expect);
    Reader r(w.data());
    EXPECT_EQ(r.u8(), 0x01);
    EXPECT_EQ(r.u16(), 0x0302);
    EXPECT_EQ(r.u32(), 0x07060504u);
    EXPECT_EQ(r.u64(), 0x0f0e0d0c0b0a0908ULL);
    r.expect_end();
    EXPECT_TRUE(r.ok());
}

TEST(Serialize, CompactSizeBoundariesRoundTrip) {
    const std::pair<uint64_t, size_t> cases[] = {
        {0, 1}, {0xfc, 1}, {0xfd, 3}, {0xffff, 3}, {0x10000, 5}, {0xffffffffULL, 5}, {0x100000000ULL, 9},
        {UINT64_MAX, 9}};
    for (auto [n, len] : cases) {
        Writer w;
        w.compact_size(n);
        EXPECT_EQ(w.data().size(), len) << n;
        EXPECT_EQ(compact_size_length(n), len) << n;
        Reader r(w.data());
        EXPECT_EQ(r.compact_size(UINT64_MAX), n);
        r.expect_end();
        EXPECT_TRUE(r.ok()) << n;
    }
}

std::string compact_size_error(const Bytes& raw, uint64_t max = UINT64_MAX) {
    Reader r(raw);
    (void)r.compact_size(max);
    return r.ok() ? "" : r.error().code;
}

TEST(Serialize, NonMinimalCompactSizeRejected) {
    EXPECT_EQ(compact_size_error({0xfd, 0x10, 0x00}), "non-minimal-size");
    EXPECT_EQ(compact_size_error({0xfd, 0xfc, 0x00}), "non-minimal-size");
    EXPECT_EQ(compact_size_error({0xfe, 0xff, 0xff, 0x00, 0x00}), "non-minimal-size");
    EXPECT_EQ(compact_size_error({0xfe, 0x10, 0x00, 0x00, 0x00}), "non-minimal-size");
    EXPECT_EQ(compact_size_error({0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00}), "non-minimal-size");
    EXPECT_EQ(compact_size_error({0xff, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}), "non-minimal-size");
    // The smallest value of each form is minimal.
    EXPECT_EQ(compact_size_error({0xfd, 0xfd, 0x00}), "");
    EXPECT_EQ(compact_size_error({0xfe, 0x00, 0x00, 0x01, 0x00}), "");
    EXPECT_EQ(compact_size_error({0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}), "");
}

TEST(Serialize, TruncatedCompactSizeRejected) {
    EXPECT_EQ(compact_size_error({}), "truncated");
    EXPECT_EQ(compact_size_error({0xfd, 0x00}), "truncated");
    EXPECT_EQ(compact_size_error({0xfe, 0x00, 0x00, 0x01}), "truncated");
    EXPECT_EQ(compact_size_error({0xff, 0x00}), "truncated");
}

TEST(Serialize, CompactSizeAboveLimitRejected) {
    EXPECT_EQ(compact_size_error({0x0a}, 10), "");
    EXPECT_EQ(compact_size_error({0x0b}, 10), "size-too-large");
}

TEST(Serialize, FailedReaderStaysFailedAndReadsZero) {
    Bytes raw{0x01};
    Reader r(raw);
    EXPECT_EQ(r.u32(), 0u);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "truncated");
    EXPECT_EQ(r.u8(), 0);  // the byte is not consumed after a failure
    EXPECT_EQ(r.error().code, "truncated");
}

// A block whose transfer count is `count`, followed by no transfers at all.
Bytes block_with_count(const Bytes& count) {
    Block b = sample_block();
    b.txs.clear();
    Bytes raw = b.serialize();
    raw.pop_back();  // the count 0
    raw.insert(raw.end(), count.begin(), count.end());
    return raw;
}

TEST(Serialize, BlockTxCountAboveLimitRejected) {
    static_assert(kMaxBlockTransactions + 1 == 10'001);
    auto r = decode_all<Block>(block_with_count({0xfd, 0x11, 0x27}));  // 10,001
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "size-too-large");
    auto huge = decode_all<Block>(block_with_count({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
    ASSERT_FALSE(huge.ok());
    EXPECT_EQ(huge.error().code, "size-too-large");
}

TEST(Serialize, BlockClaimingMoreTxsThanBytesFailsFast) {
    // 10,000 transfers claimed, none present: rejected before reserving room for them.
    auto start = std::chrono::steady_clock::now();
    auto r = decode_all<Block>(block_with_count({0xfd, 0x10, 0x27}));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "truncated");
    // Two transfers claimed, one present.
    Block b = sample_block();
    b.txs.resize(1);
    Bytes raw = b.serialize();
    raw[raw.size() - Transaction::kSerializedSize - 1] = 2;
    auto r2 = decode_all<Block>(raw);
    ASSERT_FALSE(r2.ok());
    EXPECT_EQ(r2.error().code, "truncated");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Serialize, CoinbaseExtraAboveLimitRejected) {
    Coinbase cb = sample_coinbase();
    cb.extra.assign(Coinbase::kMaxExtra, 0xab);
    EXPECT_TRUE(decode_all<Coinbase>(encode(cb)).ok());
    cb.extra.push_back(0xab);  // 65 bytes
    auto r = decode_all<Coinbase>(encode(cb));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "size-too-large");
}

TEST(Serialize, UndoCountAboveLimitRejected) {
    Writer w;
    w.compact_size(2 * kMaxBlockTransactions + 2);
    auto r = decode_all<BlockUndo>(w.data());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "size-too-large");
}

TEST(Serialize, UndoPresenceFlagMustBeZeroOrOne) {
    Bytes raw = encode(sample_undo());
    raw[1 + 20] = 2;  // first entry's flag
    auto r = decode_all<BlockUndo>(raw);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "bad-value");
}

TEST(Serialize, FlippingAnyTransactionByteChangesTxidAndBreaksSignature) {
    const Transaction tx = sample_transaction();
    const Hash256 genesis = regtest().genesis_hash;
    ASSERT_TRUE(check_signature(tx, genesis).ok());
    const Bytes raw = tx.serialize();
    for (size_t i = 0; i < raw.size(); ++i) {
        Bytes mutated = raw;
        mutated[i] ^= 0xff;
        auto m = decode_all<Transaction>(mutated);
        ASSERT_TRUE(m.ok());
        EXPECT_NE(m->txid(), tx.txid()) << "byte " << i;
        auto s = check_signature(*m, genesis);
        ASSERT_FALSE(s.ok()) << "byte " << i;
        EXPECT_EQ(s.error().code, "bad-signature");
    }
}

// Decoding arbitrary bytes never crashes; what decodes is canonical (re-encodes to the input).
template <typename T>
void decode_arbitrary(const Bytes& raw) {
    auto r = decode_all<T>(raw);
    if (r.ok()) {
        EXPECT_EQ(encode(*r), raw);
    } else {
        EXPECT_FALSE(r.error().code.empty());
        EXPECT_EQ(r.error().fault, Fault::Decode);
    }
}

TEST(Serialize, RandomBytesNeverCrashDecoders) {
    std::mt19937 rng(20261124);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<size_t> length(0, 600);
    const Bytes valid_block = sample_block().serialize();
    const Bytes valid_undo = encode(sample_undo());
    for (int iter = 0; iter < 20'000; ++iter) {
        Bytes raw;
        if (iter % 4 == 0) {
            // Mutations of valid encodings reach deeper than uniform noise.
            raw = (iter % 8 == 0) ? valid_block : valid_undo;
            int flips = 1 + byte(rng) % 4;
            for (int f = 0; f < flips; ++f) raw[rng() % raw.size()] = static_cast<uint8_t>(byte(rng));
            raw.resize(std::min(raw.size(), length(rng) + raw.size() / 2));
        } else {
            raw.resize(length(rng));
            for (auto& b : raw) b = static_cast<uint8_t>(byte(rng));
        }
        decode_arbitrary<Block>(raw);
        decode_arbitrary<Transaction>(raw);
        decode_arbitrary<BlockHeader>(raw);
        decode_arbitrary<BlockUndo>(raw);
        decode_arbitrary<Coinbase>(raw);
        if (HasFailure()) FAIL() << "iteration " << iter;
    }
}

}  // namespace
}  // namespace finch
