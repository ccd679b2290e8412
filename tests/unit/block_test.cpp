// Merkle roots, block ids and the midstate header hasher.
#include "consensus/block.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <random>

namespace finch {
namespace {

using namespace finch::test;

Hash256 leaf(int i) { return sha256(as_bytes("leaf " + std::to_string(i))); }

// The interior-node rule written out by hand: SHA256(0x01 || left || right).
Hash256 node(const Hash256& l, const Hash256& r) {
    Bytes b{0x01};
    b.insert(b.end(), l.bytes.begin(), l.bytes.end());
    b.insert(b.end(), r.bytes.begin(), r.bytes.end());
    return sha256(b);
}

std::vector<Hash256> leaves(int n) {
    std::vector<Hash256> v;
    for (int i = 0; i < n; ++i) v.push_back(leaf(i));
    return v;
}

TEST(Merkle, EmptyIsZero) { EXPECT_TRUE(merkle_root({}).is_zero()); }

TEST(Merkle, OneLeafIsItself) { EXPECT_EQ(merkle_root(leaves(1)), leaf(0)); }

TEST(Merkle, TwoLeaves) { EXPECT_EQ(merkle_root(leaves(2)), node(leaf(0), leaf(1))); }

TEST(Merkle, ThreeLeavesCarryTheOddOneUp) {
    EXPECT_EQ(merkle_root(leaves(3)), node(node(leaf(0), leaf(1)), leaf(2)));
}

TEST(Merkle, FourLeaves) {
    EXPECT_EQ(merkle_root(leaves(4)), node(node(leaf(0), leaf(1)), node(leaf(2), leaf(3))));
}

TEST(Merkle, FiveLeaves) {
    Hash256 n01 = node(leaf(0), leaf(1)), n23 = node(leaf(2), leaf(3));
    EXPECT_EQ(merkle_root(leaves(5)), node(node(n01, n23), leaf(4)));
}

TEST(Merkle, DuplicatedLastLeafGivesADifferentRoot) {
    // CVE-2012-2459: in Bitcoin [a,b,c] and [a,b,c,c] share a root. Here they must not.
    std::vector<Hash256> three = leaves(3);
    std::vector<Hash256> four = three;
    four.push_back(three.back());
    EXPECT_NE(merkle_root(three), merkle_root(four));
    std::vector<Hash256> five = leaves(5);
    std::vector<Hash256> six = five;
    six.push_back(five.back());
    EXPECT_NE(merkle_root(five), merkle_root(six));
}

TEST(Merkle, InteriorNodesAreDomainSeparatedFromLeaves) {
    // A node is not the plain hash of its children, so a 64-byte "transaction" cannot pose as one.
    const Hash256 l0 = leaf(0), l1 = leaf(1);
    Bytes concat(l0.bytes.begin(), l0.bytes.end());
    concat.insert(concat.end(), l1.bytes.begin(), l1.bytes.end());
    EXPECT_NE(merkle_root(leaves(2)), sha256(concat));
}

TEST(Block, TxidsStartWithCoinbase) {
    Block b = sample_block();
    auto ids = b.txids();
    ASSERT_EQ(ids.size(), b.txs.size() + 1);
    EXPECT_EQ(ids[0], b.coinbase.txid());
    for (size_t i = 0; i < b.txs.size(); ++i) EXPECT_EQ(ids[i + 1], b.txs[i].txid());
    EXPECT_EQ(b.compute_merkle_root(), merkle_root(ids));
}

TEST(Block, MerkleRootCommitsToTransactionOrder) {
    Block b = sample_block();
    Hash256 root = b.compute_merkle_root();
    std::swap(b.txs[0], b.txs[1]);
    EXPECT_NE(b.compute_merkle_root(), root);
}

TEST(Block, HashIsDoubleShaOfHeader) {
    BlockHeader h = sample_header();
    EXPECT_EQ(h.hash(), sha256d(encode(h)));
    Block b = sample_block();
    EXPECT_EQ(b.hash(), b.header.hash());
}

TEST(Block, SerializedSizeMatchesEncoding) {
    Block b = sample_block();
    for (size_t extra : {size_t{0}, size_t{1}, size_t{64}}) {
        b.coinbase.extra.assign(extra, 0x01);
        EXPECT_EQ(b.serialized_size(), b.serialize().size()) << extra;
    }
    b.txs.assign(300, sample_transaction());  // a 3-byte transfer count
    EXPECT_EQ(b.serialized_size(), b.serialize().size());
}

TEST(HeaderHasher, MatchesHeaderHashForManyNonces) {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 8; ++round) {
        BlockHeader h = sample_header();
        h.time = rng();
        h.bits = static_cast<uint32_t>(rng());
        h.prev_hash = sha256(as_bytes("prev " + std::to_string(round)));
        HeaderHasher hasher(h);
        std::vector<uint64_t> nonces{0, 1, 0xff, 0x100, UINT64_MAX, UINT64_MAX - 1, 1ULL << 63};
        for (int i = 0; i < 500; ++i) nonces.push_back(rng());
        for (uint64_t n = 0; n < 200; ++n) nonces.push_back(n);
        for (uint64_t nonce : nonces) {
            h.nonce = nonce;
            ASSERT_EQ(hasher.hash_with_nonce(nonce), h.hash()) << "round " << round << " nonce " << nonce;
        }
    }
}

TEST(HeaderHasher, PairMatchesHeaderHash) {
    std::mt19937_64 rng(43);
    BlockHeader h = sample_header();
    HeaderHasher hasher(h);
    std::vector<uint64_t> nonces{0, 1, UINT64_MAX - 1, UINT64_MAX};  // the last pair wraps to 0
    for (int i = 0; i < 500; ++i) nonces.push_back(rng());
    for (uint64_t nonce : nonces) {
        Hash256 out[2];
        hasher.hash_pair(nonce, out);
        h.nonce = nonce;
        ASSERT_EQ(out[0], h.hash()) << "nonce " << nonce;
        h.nonce = nonce + 1;
        ASSERT_EQ(out[1], h.hash()) << "nonce " << nonce << " + 1";
        // Single hashing still works between pairs.
        ASSERT_EQ(hasher.hash_with_nonce(nonce + 1), h.hash());
    }
}

}  // namespace
}  // namespace finch
