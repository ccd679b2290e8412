// Context-free block rules and the contextual header rules (time, bits, version).
#include "consensus/validation.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace finch {
namespace {

using namespace finch::test;

std::string code(const Status& s) { return s.ok() ? "ok" : s.error().code; }

// Grinds only the nonce (keeping whatever merkle root the block has) until the header
// meets the regtest target, so a block fails for one rule only.
void grind(Block& b) {
    while (!check_proof_of_work(b.header.hash(), b.header.bits, regtest().pow_limit)) ++b.header.nonce;
}

// A block with `n` transfers: one signed transfer reused with different nonces
// (check_block does not verify signatures, and different nonces give different ids).
Block block_with_transfers(size_t n) {
    Transaction tx = sample_transaction(0);
    std::vector<Transaction> txs(n, tx);
    for (size_t i = 0; i < n; ++i) txs[i].nonce = i;
    return mine_regtest_block(regtest().genesis_hash, 1, account_of("miner"), 0, std::move(txs));
}

TEST(CheckBlock, ValidBlockPasses) {
    Block b = block_with_transfers(0);
    EXPECT_EQ(code(check_block(b, regtest())), "ok");
    std::vector<Transaction> txs;
    for (uint64_t n = 0; n < 3; ++n) txs.push_back(sample_transaction(n));
    Block b3 = mine_regtest_block(regtest().genesis_hash, 1, account_of("miner"), 0, txs);
    EXPECT_EQ(code(check_block(b3, regtest())), "ok");
    EXPECT_EQ(code(check_block_signatures(b3, regtest())), "ok");
}

TEST(CheckBlock, GenesisBlocksPass) {
    for (Network n : {Network::Main, Network::Test, Network::Regtest})
        EXPECT_EQ(code(check_block(chain_params(n).genesis, chain_params(n))), "ok") << chain_params(n).name;
}

TEST(CheckBlock, BadMerkleRootIsMutated) {
    Block b = block_with_transfers(2);
    b.header.merkle_root.bytes[0] ^= 1;
    grind(b);
    Status s = check_block(b, regtest());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "bad-txnmrklroot");
    EXPECT_EQ(s.error().fault, Fault::Mutated);
}

TEST(CheckBlock, BodyChangedAfterHeaderIsMutated) {
    Block b = block_with_transfers(2);
    b.txs[1].amount += 1;  // a peer tampering with the body in transit
    Status s = check_block(b, regtest());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "bad-txnmrklroot");
    EXPECT_EQ(s.error().fault, Fault::Mutated);
}

// A peer can pad or alter a valid block's body: whatever else that breaks, the block is
// reported as Mutated, so its (valid) header is not marked invalid.
TEST(CheckBlock, OversizeMutationOfValidBlockIsMutated) {
    Block b = block_with_transfers(1);
    ASSERT_EQ(code(check_block(b, regtest())), "ok");
    Transaction filler = sample_transaction(1000);
    for (uint64_t i = 0; i < 7'200; ++i) {
        filler.nonce = 1000 + i;
        b.txs.push_back(filler);
    }
    Status s = check_block(b, regtest());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "bad-txnmrklroot");
    EXPECT_EQ(s.error().fault, Fault::Mutated);
}

TEST(CheckBlock, LongCoinbaseExtraMutationIsMutated) {
    Block b = block_with_transfers(1);
    b.coinbase.extra.assign(Coinbase::kMaxExtra + 1, 'x');
    Status s = check_block(b, regtest());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "bad-txnmrklroot");
    EXPECT_EQ(s.error().fault, Fault::Mutated);
}

TEST(CheckBlock, DuplicateTransactionRejected) {
    Transaction tx = sample_transaction(0);
    Block b = mine_regtest_block(regtest().genesis_hash, 1, account_of("miner"), 0, {tx, tx});  // root recomputed
    Status s = check_block(b, regtest());
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "bad-txns-duplicate");
    EXPECT_EQ(s.error().fault, Fault::Consensus);
}

TEST(CheckBlock, TooManyTransactionsRejected) {
    Block b = block_with_transfers(kMaxBlockTransactions + 1);
    EXPECT_EQ(code(check_block(b, regtest())), "bad-blk-tx-count");
}

TEST(CheckBlock, OversizeBlockRejected) {
    static_assert(7'200 * Transaction::kSerializedSize > kMaxBlockBytes);
    EXPECT_EQ(code(check_block(block_with_transfers(7'200), regtest())), "bad-blk-length");
}

TEST(CheckBlock, SizeLimitBoundary) {
    // 88 header + 37 coinbase + 3 count bytes + 140 per transfer.
    Block fits = block_with_transfers(7'141);
    EXPECT_LE(fits.serialized_size(), kMaxBlockBytes);
    EXPECT_EQ(code(check_block(fits, regtest())), "ok");
    Block over = block_with_transfers(7'142);
    EXPECT_GT(over.serialized_size(), kMaxBlockBytes);
    EXPECT_EQ(code(check_block(over, regtest())), "bad-blk-length");
}

TEST(CheckBlock, CoinbaseExtraTooLongRejected) {
    Block b = block_with_transfers(1);
    b.coinbase.extra.assign(Coinbase::kMaxExtra + 1, 'x');
    solve(b, regtest());
    EXPECT_EQ(code(check_block(b, regtest())), "bad-cb-extra");
}

TEST(CheckBlock, InvalidTransferRejected) {
    Transaction tx = sample_transaction(0);
    tx.amount = 0;
    Block b = mine_regtest_block(regtest().genesis_hash, 1, account_of("miner"), 0, {tx});
    EXPECT_EQ(code(check_block(b, regtest())), "bad-txn-amount-zero");
}

TEST(CheckBlock, HeaderThatMissesTargetIsHighHash) {
    const ChainParams& main = mainnet();
    Block b = main.genesis;
    b.header.time += 1;  // the genesis nonce no longer works
    // Any hash above the 0x1e0fffff target (about 1 in 2^20 are below it).
    while (check_block_header(b.header, main).ok()) ++b.header.nonce;
    EXPECT_EQ(code(check_block_header(b.header, main)), "high-hash");
    EXPECT_EQ(code(check_block(b, main)), "high-hash");
}

TEST(CheckBlock, BitsAboveLimitAreBadDiffbits) {
    Block b = block_with_transfers(0);
    b.header.bits = 0x2100ffff;  // easier than regtest's 0x207fffff
    EXPECT_EQ(code(check_block_header(b.header, regtest())), "bad-diffbits");
    EXPECT_EQ(code(check_block(b, regtest())), "bad-diffbits");
    BlockHeader h = mainnet().genesis.header;
    h.bits = 0x1f010000;  // just above main's 0x1f00ffff limit
    EXPECT_EQ(code(check_block_header(h, mainnet())), "bad-diffbits");
    h.bits = 0x1e800001;  // negative
    EXPECT_EQ(code(check_block_header(h, mainnet())), "bad-diffbits");
    h.bits = 0;
    EXPECT_EQ(code(check_block_header(h, mainnet())), "bad-diffbits");
}

TEST(CheckBlockSignatures, TamperedTransferIsBadSignature) {
    Transaction tx = sample_transaction(0);
    tx.amount += 1;
    Block b = mine_regtest_block(regtest().genesis_hash, 1, account_of("miner"), 0, {sample_transaction(1), tx});
    EXPECT_EQ(code(check_block(b, regtest())), "ok");  // stateless rules do not look at signatures
    EXPECT_EQ(code(check_block_signatures(b, regtest())), "bad-signature");
}

TEST(CheckBlockSignatures, OtherNetworksSignatureRejected) {
    Transaction tx = make_transfer(test_key("alice"), account_of("bob"), 1, 1, 0, testnet().genesis_hash);
    Block b = mine_regtest_block(regtest().genesis_hash, 1, account_of("miner"), 0, {tx});
    EXPECT_EQ(code(check_block_signatures(b, regtest())), "bad-signature");
}

TEST(MedianTimePast, ElevenValues) {
    std::vector<uint64_t> times{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110};
    EXPECT_EQ(median_time_past(times), 105u);
    std::mt19937 rng(7);
    for (int i = 0; i < 10; ++i) {
        std::shuffle(times.begin(), times.end(), rng);
        EXPECT_EQ(median_time_past(times), 105u);
    }
    // Block times need not increase: the median of the values, not of the order.
    std::vector<uint64_t> jumbled{500, 10, 20, 900, 30, 40, 800, 50, 700, 60, 600};
    EXPECT_EQ(median_time_past(jumbled), 60u);
}

TEST(MedianTimePast, FewerValues) {
    EXPECT_EQ(median_time_past({}), 0u);
    std::vector<uint64_t> one{42};
    EXPECT_EQ(median_time_past(one), 42u);
    std::vector<uint64_t> two{5, 9};
    EXPECT_EQ(median_time_past(two), 9u);
    std::vector<uint64_t> three{9, 1, 5};
    EXPECT_EQ(median_time_past(three), 5u);
}

class ContextualHeader : public ::testing::Test {
protected:
    const ChainParams& params = testnet();
    HeaderContext ctx{10, 0x1e0fffff, 1'000'000, 1'000'500};
    BlockHeader header() const {
        BlockHeader h;
        h.version = 1;
        h.bits = ctx.expected_bits;
        h.time = ctx.median_time_past + 1;
        return h;
    }
    std::string check(const BlockHeader& h) const { return code(contextual_check_header(h, ctx, params)); }
};

TEST_F(ContextualHeader, ValidHeaderPasses) { EXPECT_EQ(check(header()), "ok"); }

TEST_F(ContextualHeader, WrongBitsIsBadDiffbits) {
    BlockHeader h = header();
    h.bits = 0x1e0ffffe;
    EXPECT_EQ(check(h), "bad-diffbits");
}

TEST_F(ContextualHeader, TimeEqualToMedianIsTooOld) {
    BlockHeader h = header();
    h.time = ctx.median_time_past;
    EXPECT_EQ(check(h), "time-too-old");
    h.time = ctx.median_time_past - 1;
    EXPECT_EQ(check(h), "time-too-old");
}

TEST_F(ContextualHeader, TimeBeyondFutureDriftIsTooNew) {
    BlockHeader h = header();
    h.time = ctx.now + static_cast<uint64_t>(params.max_future_drift);
    EXPECT_EQ(check(h), "ok");
    h.time += 1;
    EXPECT_EQ(check(h), "time-too-new");
}

TEST_F(ContextualHeader, VersionZeroRejected) {
    BlockHeader h = header();
    h.version = 0;
    EXPECT_EQ(check(h), "bad-version");
}

}  // namespace
}  // namespace finch
