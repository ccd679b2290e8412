// Mempool: each admission rule with the input that triggers it, the nonce queue, replacement,
// eviction at the cap, expiry, block selection, and confirmation and reorgs through a real chainstate.
#include "node/mempool.h"
#include "tests/ledger/ledger_test_util.h"

#include <algorithm>
#include <thread>

namespace finch::test {
namespace {

using node::AdmitKind;
using node::AdmitResult;
using node::Mempool;
using node::MempoolEntry;
using node::MempoolLimits;

constexpr uint64_t kNow = 1'700'000'000;
constexpr Amount kFee = 1'000;  // above the default minimum (140 bytes at 1 per byte)
constexpr uint64_t kTxSize = Transaction::kSerializedSize;
const Amount kReward = 50 * kCoin;  // regtest block subsidy at low heights

void expect_rejected(const AdmitResult& r, const std::string& code, Fault fault) {
    ASSERT_EQ(r.kind, AdmitKind::Rejected) << "expected " << code;
    ASSERT_TRUE(r.rejection.has_value());
    EXPECT_EQ(r.rejection->code, code) << r.rejection->to_string();
    EXPECT_EQ(r.rejection->fault, fault) << r.rejection->to_string();
}

std::vector<Hash256> ids_of(const std::vector<MempoolEntry>& entries) {
    std::vector<Hash256> out;
    for (const auto& e : entries) out.push_back(e.txid);
    return out;
}

// A regtest ledger where alice and bob each mined one block (50 coins, nonce 0).
class MempoolTest : public ::testing::Test {
protected:
    MempoolTest() {
        mine(alice);
        mine(bob);
    }

    // Mines a block on the active tip paying `to`, with `txs`.
    Block mine(const SecretKey& to, std::vector<Transaction> txs = {}) {
        Block b = make_block(tip, id_for(to), std::move(txs));
        connect(b);
        tip = Parent::of(b);
        return b;
    }
    void connect(const Block& b) {
        auto r = ledger.chain->accept_block(b);
        EXPECT_TRUE(r.ok()) << r.rejection->to_string();
    }

    std::unique_ptr<Mempool> make_pool(MempoolLimits limits = {}) {
        return std::make_unique<Mempool>(*ledger.store, regtest_params(), &sigcache, limits);
    }
    // A pool that follows the chainstate.
    std::unique_ptr<Mempool> subscribed_pool(MempoolLimits limits = {}) {
        auto p = make_pool(limits);
        ledger.chain->subscribe(p.get());
        return p;
    }
    AdmitResult accept(Mempool& p, const Transaction& tx, uint64_t now = kNow) {
        return p.accept(tx, now, ledger.chain->tip().height);
    }
    Transaction pay(const SecretKey& from, uint64_t nonce, Amount fee = kFee, Amount amount = 5'000) {
        return transfer(from, dave, amount, fee, nonce);
    }

    TempDir dir;
    Ledger ledger{dir.path()};
    Parent tip = Parent::genesis();
    node::SignatureCache sigcache;
    SecretKey alice = key_for("alice");
    SecretKey bob = key_for("bob");
    SecretKey carol = key_for("carol");
    AccountId dave = id_for(key_for("dave"));
    AccountId erin = id_for(key_for("erin"));
};

// --- admission rules ---

TEST_F(MempoolTest, AcceptsAValidTransferAndCachesItsSignature) {
    auto pool = make_pool();
    const uint64_t generation = pool->generation();
    Transaction tx = pay(alice, 0);
    AdmitResult r = accept(*pool, tx);
    ASSERT_EQ(r.kind, AdmitKind::Accepted);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.txid, tx.txid());
    EXPECT_TRUE(pool->contains(tx.txid()));
    EXPECT_EQ(pool->size(), 1u);
    EXPECT_EQ(pool->bytes(), kTxSize);
    EXPECT_EQ(pool->total_fees(), kFee);
    EXPECT_GT(pool->generation(), generation);
    EXPECT_TRUE(sigcache.contains(tx.txid()));
    auto e = pool->get(tx.txid());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->sender, id_for(alice));
    EXPECT_EQ(e->time, kNow);
    EXPECT_EQ(e->height, 2u);
    EXPECT_EQ(pool->txids(), std::vector<Hash256>{tx.txid()});
}

TEST_F(MempoolTest, RejectsAZeroAmount) {
    auto pool = make_pool();
    expect_rejected(accept(*pool, pay(alice, 0, kFee, 0)), "bad-txn-amount-zero", Fault::Consensus);
}

TEST_F(MempoolTest, RejectsAFeeAboveTheMoneyRange) {
    auto pool = make_pool();
    expect_rejected(accept(*pool, pay(alice, 0, kMaxMoney + 1)), "bad-txn-fee-range", Fault::Consensus);
}

TEST_F(MempoolTest, ReportsADuplicate) {
    auto pool = make_pool();
    Transaction tx = pay(alice, 0);
    ASSERT_TRUE(accept(*pool, tx).ok());
    AdmitResult r = accept(*pool, tx);
    EXPECT_EQ(r.kind, AdmitKind::AlreadyInMempool);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.rejection->code, "duplicate");
    EXPECT_EQ(pool->size(), 1u);
}

TEST_F(MempoolTest, ReportsATransactionAlreadyInTheChain) {
    Transaction tx = pay(alice, 0);
    mine(carol, {tx});
    auto pool = make_pool();
    AdmitResult r = accept(*pool, tx);
    EXPECT_EQ(r.kind, AdmitKind::AlreadyInChain);
    EXPECT_EQ(r.rejection->code, "already-in-chain");
    EXPECT_EQ(pool->size(), 0u);
}

TEST_F(MempoolTest, RejectsAFeeBelowTheMinimum) {
    auto pool = make_pool();  // 1 per byte: 140 for a transfer
    expect_rejected(accept(*pool, pay(alice, 0, kTxSize - 1)), "fee-too-low", Fault::Policy);
    EXPECT_TRUE(accept(*pool, pay(alice, 0, kTxSize)).ok());
}

TEST_F(MempoolTest, RejectsANonceBelowTheConfirmedOne) {
    mine(carol, {pay(alice, 0)});
    auto pool = make_pool();
    expect_rejected(accept(*pool, pay(alice, 0, kFee, 6'000)), "nonce-too-low", Fault::Policy);
    EXPECT_TRUE(accept(*pool, pay(alice, 1)).ok());
}

TEST_F(MempoolTest, QueuesConsecutiveNonces) {
    auto pool = make_pool();
    for (uint64_t n = 0; n < 3; ++n) ASSERT_EQ(accept(*pool, pay(alice, n)).kind, AdmitKind::Accepted) << n;
    EXPECT_EQ(pool->pending_nonce(id_for(alice), 0), 3u);
    EXPECT_EQ(pool->pending_spend(id_for(alice)), 3 * (5'000 + kFee));
    EXPECT_EQ(pool->pending_nonce(id_for(bob), 0), 0u);
    EXPECT_EQ(pool->pending_spend(id_for(bob)), 0u);
}

TEST_F(MempoolTest, ReplacesOnlyWithTheIncrement) {
    auto pool = make_pool();  // increment 1000
    Transaction first = pay(alice, 0, 2'000);
    ASSERT_TRUE(accept(*pool, first).ok());
    expect_rejected(accept(*pool, pay(alice, 0, 2'999, 7'000)), "replacement-fee-too-low", Fault::Policy);
    Transaction better = pay(alice, 0, 3'000, 7'000);
    AdmitResult r = accept(*pool, better);
    EXPECT_EQ(r.kind, AdmitKind::Replaced);
    EXPECT_TRUE(r.ok());
    EXPECT_FALSE(pool->contains(first.txid()));
    EXPECT_TRUE(pool->contains(better.txid()));
    EXPECT_EQ(pool->size(), 1u);
    EXPECT_EQ(pool->total_fees(), 3'000u);
    EXPECT_EQ(pool->pending_spend(id_for(alice)), 10'000u);
}

TEST_F(MempoolTest, RejectsANonceGapBeyondTheLimit) {
    auto pool = make_pool();  // gap 4: with nothing pending, nonces up to 4 are allowed
    expect_rejected(accept(*pool, pay(alice, 5)), "nonce-gap", Fault::Policy);
    EXPECT_TRUE(accept(*pool, pay(alice, 4)).ok());
    EXPECT_EQ(pool->pending_nonce(id_for(alice), 0), 0u);  // nonce 4 waits for 0..3
    // With nonce 0 pending, the next expected is 1, so 5 is within the gap.
    ASSERT_TRUE(accept(*pool, pay(alice, 0)).ok());
    EXPECT_TRUE(accept(*pool, pay(alice, 5)).ok());
    expect_rejected(accept(*pool, pay(alice, 6)), "nonce-gap", Fault::Policy);
}

TEST_F(MempoolTest, LimitsPendingTransactionsPerSender) {
    MempoolLimits limits;
    limits.max_per_sender = 3;
    auto pool = make_pool(limits);
    for (uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(accept(*pool, pay(alice, n)).ok());
    expect_rejected(accept(*pool, pay(alice, 3)), "too-many-pending", Fault::Policy);
    EXPECT_EQ(accept(*pool, pay(alice, 2, 2 * kFee)).kind, AdmitKind::Replaced);  // a replacement adds none
    EXPECT_TRUE(accept(*pool, pay(bob, 0)).ok());
}

TEST_F(MempoolTest, RejectsASpendAboveTheBalance) {
    auto pool = make_pool();
    expect_rejected(accept(*pool, pay(alice, 0, kFee, kReward)), "insufficient-funds", Fault::Policy);
    EXPECT_TRUE(accept(*pool, pay(alice, 0, kFee, kReward - kFee)).ok());  // exactly the balance
}

TEST_F(MempoolTest, RejectsPendingSpendsAboveTheBalanceTogether) {
    auto pool = make_pool();
    ASSERT_TRUE(accept(*pool, pay(alice, 0, kFee, kReward / 2)).ok());
    expect_rejected(accept(*pool, pay(alice, 1, kFee, kReward / 2)), "insufficient-funds", Fault::Policy);
    // A replacement counts instead of the entry it replaces, so it may spend everything.
    ASSERT_EQ(accept(*pool, pay(alice, 0, 2 * kFee, kReward - 2 * kFee)).kind, AdmitKind::Replaced);
    expect_rejected(accept(*pool, pay(alice, 1, kFee, 1)), "insufficient-funds", Fault::Policy);
}

TEST_F(MempoolTest, RejectsASenderWithoutAnAccount) {
    auto pool = make_pool();
    expect_rejected(accept(*pool, pay(carol, 0)), "insufficient-funds", Fault::Policy);
}

TEST_F(MempoolTest, RejectsABadSignature) {
    auto pool = make_pool();
    Transaction tx = pay(alice, 0);
    tx.signature.bytes[10] ^= 1;
    expect_rejected(accept(*pool, tx), "bad-signature", Fault::Consensus);
    EXPECT_FALSE(sigcache.contains(tx.txid()));
    EXPECT_EQ(pool->size(), 0u);
}

TEST_F(MempoolTest, RejectsASignatureForAnotherNetwork) {
    auto pool = make_pool();
    Transaction tx = pay(alice, 0);
    tx.sign_with(alice, chain_params(Network::Main).genesis_hash);
    expect_rejected(accept(*pool, tx), "wrong-network", Fault::Consensus);
    tx.sign_with(alice, chain_params(Network::Test).genesis_hash);
    expect_rejected(accept(*pool, tx), "wrong-network", Fault::Consensus);
}

TEST_F(MempoolTest, ChecksTheSignatureAfterTheCheapRules) {
    auto pool = make_pool();
    Transaction tx = pay(alice, 0, kTxSize - 1);
    tx.signature.bytes[0] ^= 1;
    expect_rejected(accept(*pool, tx), "fee-too-low", Fault::Policy);
}

// --- size cap ---

TEST_F(MempoolTest, EvictsTheLowestFeeRateWithItsSuccessorsAtTheCap) {
    mine(carol);
    MempoolLimits limits;
    limits.max_bytes = 3 * kTxSize;
    auto pool = make_pool(limits);
    Transaction a0 = pay(alice, 0, 1'000), a1 = pay(alice, 1, 5'000), b0 = pay(bob, 0, 2'000);
    for (const auto& tx : {a0, a1, b0}) ASSERT_TRUE(accept(*pool, tx).ok());
    // carol pays more than a0, the cheapest: a0 goes, and a1 with it (it would be gapped).
    Transaction c0 = pay(carol, 0, 3'000);
    ASSERT_TRUE(accept(*pool, c0).ok());
    EXPECT_FALSE(pool->contains(a0.txid()));
    EXPECT_FALSE(pool->contains(a1.txid()));
    EXPECT_TRUE(pool->contains(b0.txid()));
    EXPECT_EQ(pool->bytes(), 2 * kTxSize);
    ASSERT_TRUE(accept(*pool, pay(alice, 0, 2'500)).ok());  // fits again
    EXPECT_EQ(pool->bytes(), 3 * kTxSize);
}

TEST_F(MempoolTest, RefusesANewcomerThatWouldBeTheCheapestWhenFull) {
    MempoolLimits limits;
    limits.max_bytes = 2 * kTxSize;
    auto pool = make_pool(limits);
    ASSERT_TRUE(accept(*pool, pay(alice, 0, 2'000)).ok());
    ASSERT_TRUE(accept(*pool, pay(bob, 0, 3'000)).ok());
    expect_rejected(accept(*pool, pay(bob, 1, 1'500)), "mempool-full", Fault::Policy);
    expect_rejected(accept(*pool, pay(bob, 1, 2'000)), "mempool-full", Fault::Policy);  // equal is not more
    EXPECT_EQ(pool->size(), 2u);
    EXPECT_TRUE(accept(*pool, pay(bob, 1, 2'001)).ok());  // alice's goes
    EXPECT_EQ(pool->size(), 2u);
}

TEST_F(MempoolTest, RefusesToEvictTheSendersOwnEarlierNonce) {
    MempoolLimits limits;
    limits.max_bytes = 2 * kTxSize;
    auto pool = make_pool(limits);
    ASSERT_TRUE(accept(*pool, pay(alice, 0, 1'000)).ok());
    ASSERT_TRUE(accept(*pool, pay(bob, 0, 2'000)).ok());
    expect_rejected(accept(*pool, pay(alice, 1, 9'000)), "mempool-full", Fault::Policy);
}

// --- expiry ---

TEST_F(MempoolTest, ExpiresOldEntriesWithTheirSuccessors) {
    MempoolLimits limits;
    limits.expiry_seconds = 100;
    auto pool = make_pool(limits);
    Transaction a0 = pay(alice, 0), b0 = pay(bob, 0), a1 = pay(alice, 1);
    ASSERT_TRUE(accept(*pool, a0, 1'000).ok());
    ASSERT_TRUE(accept(*pool, b0, 1'050).ok());
    ASSERT_TRUE(accept(*pool, a1, 1'060).ok());
    EXPECT_EQ(pool->expire(1'100), 0u);  // exactly the expiry is not older than it
    EXPECT_EQ(pool->expire(1'101), 2u);  // a0, and a1 that would be gapped
    EXPECT_FALSE(pool->contains(a0.txid()));
    EXPECT_FALSE(pool->contains(a1.txid()));
    EXPECT_TRUE(pool->contains(b0.txid()));
    EXPECT_EQ(pool->expire(1'151), 1u);
    EXPECT_EQ(pool->size(), 0u);
    EXPECT_EQ(pool->bytes(), 0u);
    EXPECT_EQ(pool->total_fees(), 0u);
}

// --- block selection ---

TEST_F(MempoolTest, SelectsByFeeRateButEachSenderInNonceOrder) {
    mine(carol);
    auto pool = make_pool();
    Transaction a0 = pay(alice, 0, 200), a1 = pay(alice, 1, 9'000), b0 = pay(bob, 0, 1'000);
    Transaction c0 = pay(carol, 0, 3'000), c2 = pay(carol, 2, 8'000);  // c2 waits for a missing nonce 1
    for (const auto& tx : {a1, a0, b0, c2, c0}) ASSERT_TRUE(accept(*pool, tx).ok());
    EXPECT_EQ(ids_of(pool->select_for_block(10)),
              (std::vector<Hash256>{c0.txid(), b0.txid(), a0.txid(), a1.txid()}));
    EXPECT_EQ(ids_of(pool->select_for_block(2)), (std::vector<Hash256>{c0.txid(), b0.txid()}));
    EXPECT_TRUE(pool->select_for_block(0).empty());
}

TEST_F(MempoolTest, SelectionStartsAtTheConfirmedNonce) {
    auto pool = make_pool();
    ASSERT_TRUE(accept(*pool, pay(alice, 1)).ok());  // nonce 0 is missing
    EXPECT_TRUE(pool->select_for_block(10).empty());
}

// --- concurrency ---

TEST_F(MempoolTest, AdmitsFromTwoThreadsAtOnce) {
    auto pool = make_pool();
    std::vector<Transaction> from_alice, from_bob;
    for (uint64_t n = 0; n < 30; ++n) {
        from_alice.push_back(pay(alice, n));
        from_bob.push_back(pay(bob, n));
    }
    auto admit_all = [&](const std::vector<Transaction>& txs) {
        for (const auto& tx : txs) EXPECT_TRUE(accept(*pool, tx).ok());
    };
    std::thread t1(admit_all, std::cref(from_alice)), t2(admit_all, std::cref(from_bob));
    t1.join();
    t2.join();
    EXPECT_EQ(pool->size(), 60u);
    EXPECT_EQ(pool->pending_nonce(id_for(alice), 0), 30u);
    EXPECT_EQ(pool->select_for_block(100).size(), 60u);
}

// --- chain notifications ---

TEST_F(MempoolTest, ConfirmedTransactionsLeaveOnBlockConnected) {
    auto pool = subscribed_pool();
    Transaction a0 = pay(alice, 0), a1 = pay(alice, 1), b0 = pay(bob, 0);
    for (const auto& tx : {a0, a1, b0}) ASSERT_TRUE(accept(*pool, tx).ok());
    const uint64_t generation = pool->generation();
    mine(carol, {a0, b0});
    EXPECT_FALSE(pool->contains(a0.txid()));
    EXPECT_FALSE(pool->contains(b0.txid()));
    EXPECT_TRUE(pool->contains(a1.txid()));
    EXPECT_GT(pool->generation(), generation);
    EXPECT_EQ(ids_of(pool->select_for_block(10)), std::vector<Hash256>{a1.txid()});
    EXPECT_EQ(pool->pending_spend(id_for(alice)), 5'000 + kFee);
}

TEST_F(MempoolTest, AConflictingConfirmationDropsThePendingTransaction) {
    auto pool = subscribed_pool();
    Transaction a0 = pay(alice, 0), a1 = pay(alice, 1);
    ASSERT_TRUE(accept(*pool, a0).ok());
    ASSERT_TRUE(accept(*pool, a1).ok());
    mine(carol, {pay(alice, 0, kFee, 9'999)});  // another nonce-0 transfer wins
    EXPECT_FALSE(pool->contains(a0.txid()));
    EXPECT_TRUE(pool->contains(a1.txid()));
}

TEST_F(MempoolTest, PendingSpendsThatNoLongerFitAreDropped) {
    auto pool = subscribed_pool();
    Transaction a0 = pay(alice, 0), a1 = pay(alice, 1, kFee, kReward / 2), a2 = pay(alice, 2);
    for (const auto& tx : {a0, a1, a2}) ASSERT_TRUE(accept(*pool, tx).ok());
    // A different nonce-0 spend of most of the balance: a1 no longer fits, a2 goes with it.
    mine(carol, {pay(alice, 0, kFee, kReward - 10 * kFee)});
    EXPECT_FALSE(pool->contains(a0.txid()));
    EXPECT_FALSE(pool->contains(a1.txid()));
    EXPECT_FALSE(pool->contains(a2.txid()));
    EXPECT_EQ(pool->size(), 0u);
}

// A reorg from branch A (one block on `fork`) to branch B (two blocks on `fork`).
class MempoolReorgTest : public MempoolTest {
protected:
    void reorg_to(std::vector<Transaction> b_txs = {}) {
        Block b1 = make_block(fork, erin, std::move(b_txs), 2);
        Block b2 = make_block(Parent::of(b1), erin, {}, 2);
        connect(b1);
        connect(b2);
        ASSERT_EQ(ledger.chain->tip().hash, b2.hash());
        tip = Parent::of(b2);
    }
    Block mine_a(const SecretKey& miner, std::vector<Transaction> txs) {
        Block a1 = make_block(fork, id_for(miner), std::move(txs), 1);
        connect(a1);
        EXPECT_EQ(ledger.chain->tip().hash, a1.hash());
        tip = Parent::of(a1);
        return a1;
    }
    Parent fork = tip;
};

TEST_F(MempoolReorgTest, TransactionsOfTheLosingBranchReturn) {
    auto pool = subscribed_pool();
    Transaction tx = pay(alice, 0);
    ASSERT_TRUE(accept(*pool, tx).ok());
    mine_a(carol, {tx});
    EXPECT_FALSE(pool->contains(tx.txid()));
    reorg_to();
    EXPECT_TRUE(pool->contains(tx.txid()));
    EXPECT_EQ(pool->pending_nonce(id_for(alice), 0), 1u);
    EXPECT_EQ(ids_of(pool->select_for_block(10)), std::vector<Hash256>{tx.txid()});
    EXPECT_EQ(pool->get(tx.txid())->height, 4u);
}

TEST_F(MempoolReorgTest, TransactionsConfirmedOnBothBranchesStayOut) {
    auto pool = subscribed_pool();
    Transaction both = pay(alice, 0), only_a = pay(bob, 0);
    mine_a(carol, {both, only_a});
    reorg_to({both});
    EXPECT_FALSE(pool->contains(both.txid()));
    EXPECT_TRUE(pool->contains(only_a.txid()));
    EXPECT_EQ(pool->size(), 1u);
}

TEST_F(MempoolReorgTest, TransactionsThatBecameInvalidAreDropped) {
    auto pool = subscribed_pool();
    mine_a(carol, {});  // carol's only funds: the coinbase of branch A
    Transaction spends_a = pay(carol, 0), unaffected = pay(alice, 0);
    ASSERT_TRUE(accept(*pool, spends_a).ok());
    ASSERT_TRUE(accept(*pool, unaffected).ok());
    reorg_to();
    EXPECT_FALSE(pool->contains(spends_a.txid()));
    EXPECT_TRUE(pool->contains(unaffected.txid()));
}

TEST_F(MempoolReorgTest, ReturningTransfersGoBeforeTheSendersLaterPendingOnes) {
    auto pool = subscribed_pool();
    Transaction a0 = pay(alice, 0), a1 = pay(alice, 1, 9'000);
    mine_a(carol, {a0});
    ASSERT_TRUE(accept(*pool, a1).ok());
    reorg_to();
    EXPECT_EQ(ids_of(pool->select_for_block(10)), (std::vector<Hash256>{a0.txid(), a1.txid()}));
}

TEST_F(MempoolReorgTest, AReturningTransferConflictingWithTheNewBranchIsDropped) {
    auto pool = subscribed_pool();
    Transaction a0 = pay(alice, 0), a1 = pay(alice, 1);
    mine_a(carol, {a0});
    ASSERT_TRUE(accept(*pool, a1).ok());
    reorg_to({pay(alice, 0, kFee, kReward - 2 * kFee)});  // B spends nearly all of alice's coins
    EXPECT_FALSE(pool->contains(a0.txid()));  // its nonce is taken on B
    EXPECT_FALSE(pool->contains(a1.txid()));  // no longer covered
}

TEST_F(MempoolReorgTest, ReturningTransfersSkipTheMinimumFee) {
    MempoolLimits limits;
    limits.min_fee_per_byte = 100;  // 14,000 per transfer
    auto pool = subscribed_pool(limits);
    Transaction cheap = pay(alice, 0, kFee);
    expect_rejected(accept(*pool, cheap), "fee-too-low", Fault::Policy);
    mine_a(carol, {cheap});  // a miner took it anyway
    reorg_to();
    EXPECT_TRUE(pool->contains(cheap.txid()));
    EXPECT_TRUE(sigcache.contains(cheap.txid()));
}

TEST_F(MempoolReorgTest, ReturningTransfersAreTrimmedToTheCap) {
    MempoolLimits limits;
    limits.max_bytes = 1 * kTxSize;
    auto pool = subscribed_pool(limits);
    Transaction low = pay(alice, 0, 1'000), high = pay(bob, 0, 5'000);
    mine_a(carol, {low, high});
    reorg_to();
    EXPECT_FALSE(pool->contains(low.txid()));
    EXPECT_TRUE(pool->contains(high.txid()));
    EXPECT_EQ(pool->bytes(), kTxSize);
}

}  // namespace
}  // namespace finch::test
