// The state transition: applying a block to accounts, undoing it, and the state digest.
#include "consensus/state.h"
#include "consensus/validation.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace finch {
namespace {

using namespace finch::test;

std::string code(const Result<BlockUndo>& r) { return r.ok() ? "ok" : r.error().code; }

class StateTransition : public ::testing::Test {
protected:
    const ChainParams& params = regtest();
    const Hash256 g = regtest().genesis_hash;
    const SecretKey alice = test_key("alice"), bob = test_key("bob");
    const AccountId alice_id = account_of(alice), bob_id = account_of(bob);
    const AccountId carol_id = account_of("carol"), dave_id = account_of("dave"), miner_id = account_of("miner");
    MemoryState base;

    void SetUp() override {
        base.set(alice_id, Account{100 * kCoin, 0});
        base.set(bob_id, Account{10 * kCoin, 5});
    }

    Transaction from_alice(const AccountId& to, Amount amount, Amount fee, uint64_t nonce) const {
        return make_transfer(alice, to, amount, fee, nonce, g);
    }

    // A block at `height` paying the miner subsidy + fees + `overpay`.
    Block block(uint64_t height, std::vector<Transaction> txs, int64_t overpay = 0) const {
        Amount fees = 0;
        for (const auto& tx : txs) fees += tx.fee;
        Amount pay = block_subsidy(height, params) + fees + static_cast<Amount>(overpay);
        return mine_regtest_block(g, height, miner_id, pay, std::move(txs));
    }

    // Applies to a fresh overlay over `state`; on success writes the changes into it.
    Result<BlockUndo> apply(const Block& b, uint64_t height, MemoryState& state) const {
        StateOverlay overlay(state);
        auto undo = apply_block(b, height, overlay, params);
        if (undo) state.apply(overlay.changes());
        return undo;
    }

    void undo(const BlockUndo& u, MemoryState& state) const {
        StateOverlay overlay(state);
        undo_block(u, overlay);
        state.apply(overlay.changes());
    }

    Account account(const MemoryState& s, const AccountId& id) const { return s.get(id).value_or(Account{999, 999}); }
};

// Three consecutive nonces from alice (one a self-send), new recipients, and bob both
// receiving and sending.
TEST_F(StateTransition, BlockWithSeveralTransfersApplies) {
    std::vector<Transaction> txs{
        from_alice(carol_id, 10 * kCoin, 1000, 0),
        from_alice(bob_id, 5 * kCoin, 2000, 1),
        from_alice(alice_id, 1 * kCoin, 500, 2),  // self-send: only the fee leaves
        make_transfer(bob, dave_id, 3 * kCoin, 100, 5, g),
    };
    Block b = block(1, txs);
    ASSERT_TRUE(check_block(b, params).ok());
    ASSERT_TRUE(check_block_signatures(b, params).ok());

    MemoryState state = base;
    auto u = apply(b, 1, state);
    ASSERT_TRUE(u.ok()) << u.error().to_string();
    EXPECT_EQ(account(state, alice_id), (Account{100 * kCoin - 15 * kCoin - 3500, 3}));
    EXPECT_EQ(account(state, bob_id), (Account{10 * kCoin + 5 * kCoin - 3 * kCoin - 100, 6}));
    EXPECT_EQ(account(state, carol_id), (Account{10 * kCoin, 0}));
    EXPECT_EQ(account(state, dave_id), (Account{3 * kCoin, 0}));
    EXPECT_EQ(account(state, miner_id), (Account{50 * kCoin + 3600, 0}));
    EXPECT_EQ(state.accounts().size(), 5u);

    // Nothing is created or destroyed beyond the subsidy.
    Amount before = 0, after = 0;
    for (const auto& [id, a] : base.accounts()) before += a.balance;
    for (const auto& [id, a] : state.accounts()) after += a.balance;
    EXPECT_EQ(after, before + block_subsidy(1, params));
}

TEST_F(StateTransition, UndoRestoresExactlyThePreviousState) {
    std::vector<Transaction> txs{
        from_alice(carol_id, 10 * kCoin, 1000, 0),
        from_alice(bob_id, 5 * kCoin, 2000, 1),
        from_alice(alice_id, 1 * kCoin, 500, 2),
        make_transfer(bob, dave_id, 3 * kCoin, 100, 5, g),
    };
    MemoryState state = base;
    auto u = apply(block(1, txs), 1, state);
    ASSERT_TRUE(u.ok());
    EXPECT_NE(state_digest(state), state_digest(base));

    // The undo lists every touched account once, sorted, with its state before the block.
    ASSERT_EQ(u->previous.size(), 5u);
    for (size_t i = 1; i < u->previous.size(); ++i) EXPECT_LT(u->previous[i - 1].first, u->previous[i].first);
    for (const auto& [id, prev] : u->previous) EXPECT_EQ(prev, base.get(id));

    undo(*u, state);
    EXPECT_EQ(state, base);
    EXPECT_EQ(state_digest(state), state_digest(base));
}

TEST_F(StateTransition, TwoBlocksUndoneInReverseOrder) {
    MemoryState state = base;
    auto u1 = apply(block(1, {from_alice(carol_id, 10 * kCoin, 1000, 0)}), 1, state);
    ASSERT_TRUE(u1.ok());
    const MemoryState after1 = state;
    auto u2 = apply(block(2, {make_transfer(test_key("carol"), dave_id, 2 * kCoin, 10, 0, g),
                              from_alice(carol_id, 1 * kCoin, 1000, 1)}),
                    2, state);
    ASSERT_TRUE(u2.ok()) << u2.error().to_string();
    undo(*u2, state);
    EXPECT_EQ(state, after1);
    undo(*u1, state);
    EXPECT_EQ(state, base);
}

TEST_F(StateTransition, CoinbaseOverpayRejected) {
    MemoryState state = base;
    EXPECT_EQ(code(apply(block(1, {from_alice(carol_id, kCoin, 1000, 0)}, +1), 1, state)), "bad-cb-amount");
    EXPECT_EQ(code(apply(block(1, {}, +1), 1, state)), "bad-cb-amount");
    EXPECT_EQ(state, base);  // nothing applied
}

TEST_F(StateTransition, CoinbaseUnderpayAccepted) {
    MemoryState state = base;
    auto u = apply(block(1, {from_alice(carol_id, kCoin, 1000, 0)}, -1), 1, state);
    ASSERT_TRUE(u.ok()) << u.error().to_string();
    EXPECT_EQ(account(state, miner_id).balance, 50 * kCoin + 999);
}

TEST_F(StateTransition, WrongCoinbaseHeightRejected) {
    MemoryState state = base;
    Block b = block(2, {});
    EXPECT_EQ(code(apply(b, 1, state)), "bad-cb-height");
    EXPECT_EQ(code(apply(b, 3, state)), "bad-cb-height");
}

TEST_F(StateTransition, NonceGapInBlockRejected) {
    MemoryState state = base;
    Block b = block(1, {from_alice(carol_id, kCoin, 10, 0), from_alice(carol_id, kCoin, 10, 2)});
    EXPECT_EQ(code(apply(b, 1, state)), "nonce-too-high");
}

TEST_F(StateTransition, ReplayedNonceRejected) {
    MemoryState state = base;
    Transaction tx = from_alice(carol_id, kCoin, 10, 0);
    ASSERT_TRUE(apply(block(1, {tx}), 1, state).ok());
    // The same signed transfer again in the next block.
    EXPECT_EQ(code(apply(block(2, {tx}), 2, state)), "nonce-too-low");
    // Or a second transfer with an already used nonce in one block.
    MemoryState fresh = base;
    Block b = block(1, {from_alice(carol_id, kCoin, 10, 0), from_alice(dave_id, kCoin, 10, 0)});
    EXPECT_EQ(code(apply(b, 1, fresh)), "nonce-too-low");
}

TEST_F(StateTransition, InsufficientFundsRejected) {
    MemoryState state = base;
    EXPECT_EQ(code(apply(block(1, {from_alice(carol_id, 100 * kCoin, 1, 0)}), 1, state)), "insufficient-funds");
    // Exactly the balance is fine.
    auto u = apply(block(1, {from_alice(carol_id, 100 * kCoin - 1, 1, 0)}), 1, state);
    ASSERT_TRUE(u.ok()) << u.error().to_string();
    EXPECT_EQ(account(state, alice_id), (Account{0, 1}));
}

TEST_F(StateTransition, EarlierTransferInBlockCanExhaustFunds) {
    MemoryState state = base;
    Block b = block(1, {from_alice(carol_id, 60 * kCoin, 0, 0), from_alice(dave_id, 40 * kCoin, 1, 1)});
    EXPECT_EQ(code(apply(b, 1, state)), "insufficient-funds");
}

TEST_F(StateTransition, UnknownSenderHasNothing) {
    MemoryState state = base;
    Block b = block(1, {make_transfer(test_key("nobody"), carol_id, 1, 0, 0, g)});
    EXPECT_EQ(code(apply(b, 1, state)), "insufficient-funds");
}

TEST_F(StateTransition, FundsReceivedEarlierInBlockCanBeSpent) {
    MemoryState state = base;
    Block b = block(1, {from_alice(carol_id, 10 * kCoin, 0, 0),
                        make_transfer(test_key("carol"), dave_id, 10 * kCoin - 5, 5, 0, g)});
    auto u = apply(b, 1, state);
    ASSERT_TRUE(u.ok()) << u.error().to_string();
    EXPECT_EQ(account(state, carol_id), (Account{0, 1}));
    EXPECT_EQ(account(state, dave_id), (Account{10 * kCoin - 5, 0}));
    undo(*u, state);
    EXPECT_EQ(state, base);
}

TEST_F(StateTransition, UndoRoundTripsThroughEncoding) {
    MemoryState state = base;
    auto u = apply(block(1, {from_alice(carol_id, kCoin, 1000, 0), make_transfer(bob, dave_id, kCoin, 1, 5, g)}), 1,
                   state);
    ASSERT_TRUE(u.ok());
    auto back = decode_all<BlockUndo>(encode(*u));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, *u);
    undo(*back, state);
    EXPECT_EQ(state, base);
}

TEST(StateOverlay, ReadsThroughAndShadowsBase) {
    MemoryState base;
    const AccountId a = test::account_of("a"), b = test::account_of("b"), c = test::account_of("c");
    base.set(a, {1, 1});
    base.set(b, {2, 2});
    StateOverlay o(base);
    EXPECT_EQ(o.get(a), (Account{1, 1}));
    EXPECT_EQ(o.get(c), std::nullopt);
    o.set(a, {5, 5});
    o.erase(b);
    o.set(c, {3, 3});
    EXPECT_EQ(o.get(a), (Account{5, 5}));
    EXPECT_EQ(o.get(b), std::nullopt);
    EXPECT_EQ(o.get(c), (Account{3, 3}));
    EXPECT_EQ(base.get(a), (Account{1, 1}));  // the base is untouched until applied
    base.apply(o.changes());
    EXPECT_EQ(base.get(a), (Account{5, 5}));
    EXPECT_EQ(base.get(b), std::nullopt);
    EXPECT_EQ(base.accounts().size(), 2u);
    o.clear();
    EXPECT_TRUE(o.changes().empty());
}

TEST(StateDigest, EqualStatesHaveEqualDigests) {
    MemoryState x, y;
    for (int i = 0; i < 50; ++i) x.set(test::account_of("acct " + std::to_string(i)), {static_cast<Amount>(i), 1});
    for (int i = 49; i >= 0; --i) y.set(test::account_of("acct " + std::to_string(i)), {static_cast<Amount>(i), 1});
    EXPECT_EQ(x, y);
    EXPECT_EQ(state_digest(x), state_digest(y));  // insertion order does not matter
}

TEST(StateDigest, OneBalanceDifferenceChangesDigest) {
    MemoryState x, y;
    for (int i = 0; i < 10; ++i) {
        x.set(test::account_of("acct " + std::to_string(i)), {1000, 0});
        y.set(test::account_of("acct " + std::to_string(i)), {1000, 0});
    }
    y.set(test::account_of("acct 7"), {1001, 0});
    EXPECT_NE(state_digest(x), state_digest(y));
    y.set(test::account_of("acct 7"), {1000, 1});  // and one nonce
    EXPECT_NE(state_digest(x), state_digest(y));
}

TEST(StateDigest, EmptyAccountDiffersFromAbsent) {
    MemoryState x, y;
    y.set(test::account_of("zero"), {0, 0});
    EXPECT_NE(state_digest(x), state_digest(y));
}

TEST(StateDigest, MatchesStateHasherInIdOrder) {
    MemoryState s;
    std::vector<std::pair<AccountId, Account>> sorted;
    for (int i = 0; i < 5; ++i) {
        AccountId id = test::account_of("acct " + std::to_string(i));
        s.set(id, {static_cast<Amount>(i * 7), static_cast<uint64_t>(i)});
        sorted.emplace_back(id, Account{static_cast<Amount>(i * 7), static_cast<uint64_t>(i)});
    }
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    StateHasher h;
    for (const auto& [id, a] : sorted) h.add(id, a);
    EXPECT_EQ(h.count(), 5u);
    EXPECT_EQ(h.finish(), state_digest(s));
}

}  // namespace
}  // namespace finch
