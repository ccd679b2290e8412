// The signature pool: verdicts, the cache, urgent jobs ahead of read-ahead work, and jobs
// abandoned or left queued when the pool shuts down; the cache of decoded sender keys.
#include "node/public_key_cache.h"
#include "node/signature_checker.h"
#include "tests/ledger/ledger_test_util.h"

namespace finch::test {
namespace {

using node::SignatureCache;
using node::SignatureChecker;

// A block of `n` transfers from distinct keys; transfer `bad` (if any) has a broken signature.
std::shared_ptr<const Block> block_of(size_t n, uint8_t tag, std::optional<size_t> bad = std::nullopt) {
    std::vector<Transaction> txs;
    for (size_t i = 0; i < n; ++i) {
        txs.push_back(transfer(key_for("sender-" + std::to_string(tag) + "-" + std::to_string(i)),
                               id_for(key_for("to")), 5, 1, 0));
        if (bad && *bad == i) txs.back().signature.bytes[3] ^= 0x40;
    }
    Block b = make_block(Parent::genesis(), id_for(key_for("m")), std::move(txs), tag);
    return std::make_shared<const Block>(std::move(b));
}

TEST(SignatureChecker, AcceptsAValidBlock) {
    SignatureChecker checker(regtest_params().genesis_hash, nullptr, 2);
    auto block = block_of(64, 1);
    auto job = checker.submit(block, block->txids(), true);
    EXPECT_EQ(job->size(), 64u);
    EXPECT_TRUE(checker.wait(*job).ok());
}

TEST(SignatureChecker, NamesTheTransactionWithTheBadSignature) {
    SignatureChecker checker(regtest_params().genesis_hash, nullptr, 2);
    for (size_t bad : {size_t{0}, size_t{37}, size_t{63}}) {
        auto block = block_of(64, 2, bad);
        auto job = checker.submit(block, block->txids(), false);
        Status verdict = checker.wait(*job);
        ASSERT_FALSE(verdict.ok());
        EXPECT_EQ(verdict.error().code, "bad-signature");
        EXPECT_NE(verdict.error().detail.find(block->txs[bad].txid().to_hex()), std::string::npos);
    }
}

TEST(SignatureChecker, SkipsTransactionsInTheCache) {
    // The cache says these exact bytes verified before, so even a broken signature in it
    // is not checked again: a txid commits to the signature.
    auto block = block_of(10, 3, 4);
    const auto txids = block->txids();
    SignatureCache cache;
    for (size_t i = 1; i < txids.size(); ++i)
        if (i != 2) cache.add(txids[i]);
    SignatureChecker checker(regtest_params().genesis_hash, &cache, 1);
    auto job = checker.submit(block, txids, true);
    EXPECT_EQ(job->size(), 1u);  // only transfer 1 is left
    EXPECT_TRUE(checker.wait(*job).ok());

    cache.add(txids[2]);
    auto none = checker.submit(block, txids, true);
    EXPECT_EQ(none->size(), 0u);
    EXPECT_TRUE(checker.wait(*none).ok());
}

TEST(SignatureChecker, AnUrgentJobIsDoneWhileReadAheadWorkIsQueued) {
    SignatureChecker checker(regtest_params().genesis_hash, nullptr, 1);
    std::vector<std::shared_ptr<node::SignatureJob>> queued;
    std::vector<std::shared_ptr<const Block>> blocks;
    for (uint8_t t = 10; t < 16; ++t) {
        blocks.push_back(block_of(40, t));
        queued.push_back(checker.submit(blocks.back(), blocks.back()->txids(), false));
    }
    auto urgent_block = block_of(40, 20, 39);
    auto urgent = checker.submit(urgent_block, urgent_block->txids(), true);
    EXPECT_EQ(checker.wait(*urgent).error().code, "bad-signature");
    for (auto& job : queued) EXPECT_TRUE(checker.wait(*job).ok());
}

TEST(SignatureChecker, AbandonedJobsStopAndShutdownDropsTheQueue) {
    auto checker = std::make_unique<SignatureChecker>(regtest_params().genesis_hash, nullptr, 2);
    auto block = block_of(200, 30);
    auto job = checker->submit(block, block->txids(), false);
    checker->abandon(*job);
    EXPECT_TRUE(job->exhausted());
    EXPECT_EQ(checker->wait(*job).error().code, "internal");  // no verdict for a cancelled job

    // Jobs still queued when the pool stops are cancelled, not waited for.
    std::vector<std::shared_ptr<node::SignatureJob>> left;
    for (uint8_t t = 31; t < 35; ++t) {
        auto b = block_of(100, t);
        left.push_back(checker->submit(b, b->txids(), false));
    }
    checker.reset();
    SUCCEED();
}

TEST(PublicKeyCache, ReturnsWhatDecodingReturnsAndStaysBounded) {
    node::PublicKeyCache cache(160);  // 10 a shard
    std::vector<PublicKey> keys;
    for (int i = 0; i < 1000; ++i) keys.push_back(*derive_public_key(key_for("k" + std::to_string(i))));
    for (const auto& k : keys) {
        auto cached = cache.get(k);
        ASSERT_TRUE(cached);
        EXPECT_EQ(cached->point, parse_public_key(k)->point);
        EXPECT_EQ(cache.get(k)->point, cached->point);  // a hit gives the same point
    }
    EXPECT_LE(cache.size(), 160u);
    EXPECT_GE(cache.size(), 100u);

    PublicKey not_a_point;  // x = 5 is not the x coordinate of a point on secp256k1
    not_a_point.bytes[31] = 5;
    ASSERT_FALSE(parse_public_key(not_a_point));
    EXPECT_FALSE(cache.get(not_a_point));
    EXPECT_FALSE(cache.get(not_a_point));
}

TEST(PublicKeyCache, SignatureRuleIsTheSameWithDecodedKeys) {
    node::PublicKeyCache cache;
    const Hash256& genesis = regtest_params().genesis_hash;
    Transaction good = transfer(key_for("a"), id_for(key_for("b")), 5, 1, 0);
    Transaction bad = good;
    bad.signature.bytes[5] ^= 1;
    Transaction other_network = good;
    other_network.sign_with(key_for("a"), chain_params(Network::Test).genesis_hash);
    for (int round = 0; round < 2; ++round) {  // decoding, then from the cache
        EXPECT_TRUE(node::check_signature(good, genesis, &cache).ok());
        EXPECT_EQ(node::check_signature(bad, genesis, &cache).error().code, "bad-signature");
        EXPECT_EQ(node::check_signature(other_network, genesis, &cache).error().code, "bad-signature");
    }
    Transaction bad_key = good;
    bad_key.sender = PublicKey{};
    bad_key.sender.bytes[31] = 5;
    EXPECT_EQ(node::check_signature(bad_key, genesis, &cache).error().code, "bad-signature");
    EXPECT_EQ(check_signature(bad_key, genesis).error().code, "bad-signature");
    EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace finch::test
