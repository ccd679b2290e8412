// The signature pool: verdicts, the cache, urgent jobs ahead of read-ahead work, and jobs
// abandoned or left queued when the pool shuts down.
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

}  // namespace
}  // namespace finch::test
