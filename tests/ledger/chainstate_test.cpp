// Chainstate: fork choice, reorgs of depth 1/10/100, invalid branches, orphans, restart, reindex.
#include "tests/ledger/ledger_test_util.h"

namespace finch::test {
namespace {

using node::BlockOutcome;

std::vector<Block> with_genesis(const std::vector<Block>& blocks) {
    std::vector<Block> all{regtest_params().genesis};
    all.insert(all.end(), blocks.begin(), blocks.end());
    return all;
}

void feed(node::Chainstate& chain, const std::vector<Block>& blocks) {
    for (const auto& b : blocks) {
        auto r = chain.accept_block(b);
        ASSERT_TRUE(r.ok()) << r.rejection->to_string();
    }
}

TEST(Chainstate, StartsAtGenesis) {
    TempDir dir;
    Ledger l(dir.path());
    EXPECT_EQ(l.chain->tip().height, 0u);
    EXPECT_EQ(l.chain->tip().hash, regtest_params().genesis_hash);
}

TEST(Chainstate, ConnectsALinearChainAndPaysEveryone) {
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 5, 1);
    feed(*l.chain, chain);
    EXPECT_EQ(l.chain->tip().height, 5u);
    EXPECT_EQ(l.chain->tip().hash, chain.back().hash());
    // The payer mined 5 blocks and sent 8 transfers of 1000/1001 with fee 10 to itself as miner.
    Account payer = *l.store->get(id_for(key_for("payer1")));
    EXPECT_EQ(payer.nonce, 8u);
    EXPECT_EQ(payer.balance, 5 * 50 * kCoin - 4 * (1000 + 1001));
    EXPECT_EQ(l.store->state_digest(), replay_digest(with_genesis(chain)));
    EXPECT_EQ(l.store->counts().transactions, 1u + 5u + 8u);
    auto loc = l.store->find_transaction(chain[1].txs[0].txid());
    ASSERT_TRUE(loc);
    EXPECT_EQ(loc->block_hash, chain[1].hash());
    EXPECT_EQ(loc->index, 1u);
    for (const auto& b : chain) {  // each body was written with the batch that connected it
        auto stored = l.store->read_block(b.hash());
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->serialize(), b.serialize());
    }
}

void check_reorg(size_t depth) {
    TempDir dir;
    Ledger l(dir.path());
    auto common = make_chain(Parent::genesis(), 3, 1);
    auto losing = make_chain(Parent::of(common.back()), depth, 2);
    auto winning = make_chain(Parent::of(common.back()), depth + 1, 3);
    feed(*l.chain, common);
    feed(*l.chain, losing);
    EXPECT_EQ(l.chain->tip().hash, losing.back().hash());
    feed(*l.chain, winning);
    EXPECT_EQ(l.chain->tip().hash, winning.back().hash());
    EXPECT_EQ(l.chain->tip().height, 3 + depth + 1);

    std::vector<Block> expected = common;
    expected.insert(expected.end(), winning.begin(), winning.end());
    EXPECT_EQ(l.store->state_digest(), replay_digest(with_genesis(expected)));
    // Indexes follow the winning branch only.
    EXPECT_FALSE(l.store->find_transaction(losing.back().coinbase.txid()));
    EXPECT_TRUE(l.store->find_transaction(winning.back().coinbase.txid()));
    EXPECT_EQ(*l.store->hash_at_height(4), winning.front().hash());
    EXPECT_FALSE(l.store->hash_at_height(3 + depth + 2));
}

TEST(Chainstate, ReorgDepth1) { check_reorg(1); }
TEST(Chainstate, ReorgDepth10) { check_reorg(10); }
TEST(Chainstate, ReorgDepth100) { check_reorg(100); }

TEST(Chainstate, EqualWorkKeepsTheFirstSeen) {
    TempDir dir;
    Ledger l(dir.path());
    auto a = make_chain(Parent::genesis(), 2, 1);
    auto b = make_chain(Parent::genesis(), 2, 2);
    feed(*l.chain, a);
    auto r = l.chain->accept_block(b[0]);
    EXPECT_EQ(r.outcome, BlockOutcome::Stored);
    r = l.chain->accept_block(b[1]);
    EXPECT_EQ(r.outcome, BlockOutcome::Stored);
    EXPECT_EQ(l.chain->tip().hash, a.back().hash());
    // One more block on b gives it more work.
    auto b3 = make_block(Parent::of(b[1]), id_for(key_for("x")), {}, 2);
    r = l.chain->accept_block(b3);
    EXPECT_EQ(r.outcome, BlockOutcome::Connected);
    EXPECT_EQ(l.chain->tip().hash, b3.hash());
}

TEST(Chainstate, BranchWithAnInvalidBlockIsMarkedAndAbandoned) {
    TempDir dir;
    Ledger l(dir.path());
    auto main = make_chain(Parent::genesis(), 4, 1);
    feed(*l.chain, main);
    const Hash256 good_digest = l.store->state_digest();

    // A longer branch whose second block spends money its sender does not have.
    auto branch = make_chain(Parent::genesis(), 2, 2);
    SecretKey poor = key_for("poor");
    auto bad = make_block(Parent::of(branch[1]), id_for(key_for("m")),
                          {transfer(poor, id_for(key_for("z")), 5, 1, 0)}, 2);
    auto after_bad = make_chain(Parent::of(bad), 3, 4);
    for (const auto& b : branch) (void)l.chain->accept_block(b);
    auto r = l.chain->accept_block(bad);
    EXPECT_EQ(r.outcome, BlockOutcome::Stored);  // less work than the tip: not yet connected
    for (size_t i = 0; i + 1 < after_bad.size(); ++i) (void)l.chain->accept_block(after_bad[i]);
    // This one gives the branch more work: connecting it fails at `bad`.
    r = l.chain->accept_block(after_bad.back());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(l.chain->tip().hash, main.back().hash());
    EXPECT_EQ(l.store->state_digest(), good_digest);
    auto rec = l.chain->lookup(bad.hash());
    ASSERT_TRUE(rec);
    EXPECT_TRUE(rec->status & storage::kFailed);
    EXPECT_TRUE(l.chain->lookup(after_bad[0].hash())->status & storage::kFailedParent);
    // Never retried, and its descendants are refused.
    r = l.chain->accept_block(bad);
    EXPECT_EQ(r.rejection->code, "duplicate-invalid");
    auto child = make_block(Parent::of(after_bad.back()), id_for(key_for("m")), {}, 5);
    r = l.chain->accept_block(child);
    EXPECT_EQ(r.rejection->code, "bad-prevblk");
    bool saw_invalid = false;
    for (const auto& t : l.chain->chain_tips()) saw_invalid |= t.status == "invalid";
    EXPECT_TRUE(saw_invalid);
}

TEST(Chainstate, ConnectFailureReportsTheRule) {
    TempDir dir;
    Ledger l(dir.path());
    auto bad = make_block(Parent::genesis(), id_for(key_for("m")),
                          {transfer(key_for("poor"), id_for(key_for("z")), 5, 1, 0)});
    auto r = l.chain->accept_block(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.rejection->code, "insufficient-funds");
    EXPECT_EQ(l.chain->tip().height, 0u);
}

TEST(Chainstate, BadSignatureFailsConnection) {
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 1, 1);
    feed(*l.chain, chain);
    Transaction tx = transfer(key_for("payer1"), id_for(key_for("z")), 5, 1, 0);
    tx.signature.bytes[10] ^= 1;
    Block bad = make_block(Parent::of(chain[0]), id_for(key_for("m")), {tx});
    auto r = l.chain->accept_block(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.rejection->code, "bad-signature");
    // A block extending the tip is normally stored by the batch that connects it; one that
    // fails to connect is still stored, as its index record says.
    EXPECT_TRUE(l.store->read_block(bad.hash()));
    EXPECT_TRUE(l.chain->lookup(bad.hash())->status & storage::kFailed);
    EXPECT_EQ(l.chain->tip().hash, chain[0].hash());
}

TEST(Chainstate, ReorgOntoABranchWithABadSignatureReturnsToTheOldChain) {
    // The new branch's bodies are read ahead and their signatures checked on the pool
    // while the old branch is disconnected; the failure in the middle must still stop it.
    TempDir dir;
    Ledger l(dir.path());
    auto main = make_chain(Parent::genesis(), 5, 1);
    feed(*l.chain, main);
    const Hash256 good_digest = l.store->state_digest();
    auto branch = make_chain(Parent::of(main[0]), 3, 2);
    Transaction tx = transfer(key_for("payer2"), id_for(key_for("z")), 5, 1, 4);
    tx.signature.bytes[0] ^= 1;
    Block bad = make_block(Parent::of(branch.back()), id_for(key_for("m")), {tx}, 2);
    auto after = make_chain(Parent::of(bad), 4, 3);
    feed(*l.chain, branch);
    EXPECT_EQ(l.chain->accept_block(bad).outcome, BlockOutcome::Stored);
    for (size_t i = 0; i + 1 < after.size(); ++i) (void)l.chain->accept_block(after[i]);
    auto r = l.chain->accept_block(after.back());  // the branch now has more work
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(l.chain->tip().hash, main.back().hash());
    EXPECT_EQ(l.store->state_digest(), good_digest);
    EXPECT_TRUE(l.chain->lookup(bad.hash())->status & storage::kFailed);
    EXPECT_TRUE(l.chain->lookup(branch.back().hash())->status & storage::kValid);
    EXPECT_TRUE(l.chain->lookup(after[0].hash())->status & storage::kFailedParent);
}

TEST(Chainstate, MutatedBlockIsDroppedNotMarkedInvalid) {
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 2, 1);
    feed(*l.chain, {chain[0]});
    Block mutated = chain[1];
    mutated.txs.pop_back();  // body no longer matches the header's merkle root
    auto r = l.chain->accept_block(mutated);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.rejection->code, "bad-txnmrklroot");
    EXPECT_EQ(r.rejection->fault, Fault::Mutated);
    // The real body is still accepted.
    r = l.chain->accept_block(chain[1]);
    EXPECT_EQ(r.outcome, BlockOutcome::Connected);
}

TEST(Chainstate, ContextualRulesReject) {
    TempDir dir;
    Ledger l(dir.path());
    Block old = make_block(Parent::genesis(), id_for(key_for("m")));
    old.header.time = regtest_params().genesis.header.time;  // not above the median time past
    old.header.merkle_root = old.compute_merkle_root();
    while (!check_proof_of_work(old.header.hash(), old.header.bits, regtest_params().pow_limit)) ++old.header.nonce;
    EXPECT_EQ(l.chain->accept_block(old).rejection->code, "time-too-old");

    Block future = make_block(Parent::genesis(), id_for(key_for("m")));
    future.header.time = regtest_params().genesis.header.time + 1'000'000 + 3 * 3600;
    while (!check_proof_of_work(future.header.hash(), future.header.bits, regtest_params().pow_limit))
        ++future.header.nonce;
    EXPECT_EQ(l.chain->accept_block(future).rejection->code, "time-too-new");

    Block overpay = make_block(Parent::genesis(), id_for(key_for("m")));
    overpay.coinbase.amount += 1;
    overpay.header.merkle_root = overpay.compute_merkle_root();
    while (!check_proof_of_work(overpay.header.hash(), overpay.header.bits, regtest_params().pow_limit))
        ++overpay.header.nonce;
    EXPECT_EQ(l.chain->accept_block(overpay).rejection->code, "bad-cb-amount");
    EXPECT_EQ(l.chain->tip().height, 0u);
}

TEST(Chainstate, OrphanConnectsWhenItsParentArrives) {
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 3, 1);
    EXPECT_EQ(l.chain->accept_block(chain[2]).outcome, BlockOutcome::Orphan);
    EXPECT_EQ(l.chain->accept_block(chain[1]).outcome, BlockOutcome::Orphan);
    EXPECT_EQ(l.chain->orphan_count(), 2u);
    EXPECT_EQ(l.chain->accept_block(chain[0]).outcome, BlockOutcome::Connected);
    EXPECT_EQ(l.chain->tip().hash, chain[2].hash());
    EXPECT_EQ(l.chain->orphan_count(), 0u);
}

TEST(Chainstate, AnOrphanCheckedWhileWaitingStillFailsOnABadSignature) {
    // An orphan's signatures are checked on the pool while it waits; the verdict must
    // still stop it (and its descendants) when its parent arrives.
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 2, 1);
    Transaction tx = transfer(key_for("payer1"), id_for(key_for("z")), 5, 1, 2);
    tx.signature.bytes[20] ^= 1;
    Block bad = make_block(Parent::of(chain[1]), id_for(key_for("m")), {tx});
    auto after = make_chain(Parent::of(bad), 2, 2);
    EXPECT_EQ(l.chain->accept_block(after[1]).outcome, BlockOutcome::Orphan);
    EXPECT_EQ(l.chain->accept_block(after[0]).outcome, BlockOutcome::Orphan);
    EXPECT_EQ(l.chain->accept_block(bad).outcome, BlockOutcome::Orphan);
    EXPECT_EQ(l.chain->accept_block(chain[1]).outcome, BlockOutcome::Orphan);
    EXPECT_EQ(l.chain->accept_block(chain[0]).outcome, BlockOutcome::Connected);
    EXPECT_EQ(l.chain->tip().hash, chain[1].hash());
    EXPECT_EQ(l.chain->orphan_count(), 0u);
    EXPECT_TRUE(l.chain->lookup(bad.hash())->status & storage::kFailed);
    EXPECT_EQ(l.chain->accept_block(bad).rejection->code, "duplicate-invalid");
    EXPECT_EQ(l.store->state_digest(), replay_digest(with_genesis(chain)));
}

TEST(Chainstate, EvictedOrphansAreForgottenWithTheirChecks) {
    node::Chainstate::Options opts;
    opts.max_orphans = 2;
    TempDir dir;
    Ledger l(dir.path(), opts);
    auto chain = make_chain(Parent::genesis(), 5, 1, 20);
    for (size_t i = 4; i >= 1; --i) (void)l.chain->accept_block(chain[i]);  // 4 and 3 are evicted
    EXPECT_EQ(l.chain->orphan_count(), 2u);
    EXPECT_EQ(l.chain->accept_block(chain[0]).outcome, BlockOutcome::Connected);
    EXPECT_EQ(l.chain->tip().hash, chain[2].hash());
    for (size_t i = 3; i < 5; ++i) EXPECT_EQ(l.chain->accept_block(chain[i]).outcome, BlockOutcome::Connected);
    EXPECT_EQ(l.chain->tip().hash, chain[4].hash());
}

TEST(Chainstate, OrphanPoolIsBoundedByCountAndBytes) {
    node::OrphanPool pool(3, 1'000'000);
    auto chain = make_chain(Parent::genesis(), 6, 1, 0);
    for (size_t i = 1; i < 6; ++i) EXPECT_TRUE(pool.add(chain[i]));
    EXPECT_EQ(pool.size(), 3u);
    EXPECT_FALSE(pool.contains(chain[1].hash()));  // oldest evicted first
    EXPECT_FALSE(pool.contains(chain[2].hash()));
    EXPECT_TRUE(pool.contains(chain[5].hash()));

    const size_t one = chain[1].serialized_size();
    node::OrphanPool small(100, 2 * one + one / 2);
    for (size_t i = 1; i < 6; ++i) small.add(chain[i]);
    EXPECT_EQ(small.size(), 2u);
    EXPECT_LE(small.bytes(), 2 * one + one / 2);
    node::OrphanPool tiny(100, one - 1);
    EXPECT_FALSE(tiny.add(chain[1]));  // larger than the whole pool
}

TEST(Chainstate, RestartResumesAtTheStoredTip) {
    TempDir dir;
    auto chain = make_chain(Parent::genesis(), 20, 1);
    Hash256 digest;
    {
        Ledger l(dir.path());
        feed(*l.chain, chain);
        digest = l.store->state_digest();
    }
    Ledger again(dir.path());
    EXPECT_EQ(again.chain->tip().hash, chain.back().hash());
    EXPECT_EQ(again.chain->tip().height, 20u);
    EXPECT_EQ(again.store->state_digest(), digest);
    auto more = make_block(Parent::of(chain.back()), id_for(key_for("m")));
    EXPECT_EQ(again.chain->accept_block(more).outcome, BlockOutcome::Connected);
}

TEST(Chainstate, ReindexRebuildsTheSameState) {
    TempDir dir;
    auto chain = make_chain(Parent::genesis(), 15, 1);
    auto fork = make_chain(Parent::of(chain[4]), 3, 2);
    Ledger l(dir.path());
    feed(*l.chain, chain);
    for (const auto& b : fork) (void)l.chain->accept_block(b);
    const Hash256 digest = l.store->state_digest();
    const auto counts = l.store->counts();
    ASSERT_TRUE(l.chain->reindex().ok());
    EXPECT_EQ(l.chain->tip().hash, chain.back().hash());
    EXPECT_EQ(l.store->state_digest(), digest);
    EXPECT_EQ(l.store->counts().accounts, counts.accounts);
    EXPECT_EQ(l.store->counts().transactions, counts.transactions);
}

TEST(Chainstate, AnInterruptedReindexIsRedoneAtTheNextStart) {
    TempDir dir;
    auto chain = make_chain(Parent::genesis(), 12, 1);
    Hash256 digest;
    {
        Ledger l(dir.path());
        feed(*l.chain, chain);
        digest = l.store->state_digest();
        // The process dies right after the wipe, before the rebuild connects anything.
        ASSERT_TRUE(l.store->wipe_chain_state().ok());
        EXPECT_FALSE(l.store->tip());
    }
    Ledger again(dir.path());
    EXPECT_EQ(again.chain->tip().hash, chain.back().hash());
    EXPECT_EQ(again.store->state_digest(), digest);
    auto flag = again.store->get_meta(storage::kReindexingKey);
    EXPECT_TRUE(!flag || flag->empty());
}

TEST(Chainstate, NotifiesConnectsDisconnectsAndTips) {
    struct Recorder : node::ChainNotifications {
        std::vector<std::string> events;
        void block_connected(const Block&, uint64_t h) override { events.push_back("+" + std::to_string(h)); }
        void block_disconnected(const Block&, uint64_t h) override { events.push_back("-" + std::to_string(h)); }
        void tip_changed(const node::TipInfo& t, bool) override { events.push_back("tip" + std::to_string(t.height)); }
    } rec;
    TempDir dir;
    Ledger l(dir.path());
    l.chain->subscribe(&rec);
    auto a = make_chain(Parent::genesis(), 1, 1);
    auto b = make_chain(Parent::genesis(), 2, 2);
    feed(*l.chain, a);
    feed(*l.chain, b);
    std::vector<std::string> want{"+1", "tip1", "-1", "+1", "+2", "tip2"};
    EXPECT_EQ(rec.events, want);
}

}  // namespace
}  // namespace finch::test
