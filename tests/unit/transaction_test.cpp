// Transfers: signatures bound to the network, stateless amount rules and the account check.
#include "consensus/transaction.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

namespace finch {
namespace {

using namespace finch::test;

Transaction transfer(Amount amount, Amount fee, uint64_t nonce = 0) {
    return make_transfer(test_key("alice"), account_of("bob"), amount, fee, nonce, regtest().genesis_hash);
}

// Builds without signing: the stateless rules do not look at the signature.
Transaction unsigned_transfer(Amount amount, Amount fee) {
    Transaction tx;
    tx.sender = public_key(test_key("alice"));
    tx.recipient = account_of("bob");
    tx.amount = amount;
    tx.fee = fee;
    return tx;
}

std::string code(const Status& s) { return s.ok() ? "ok" : s.error().code; }

TEST(Transaction, SignatureValid) {
    Transaction tx = transfer(5 * kCoin, 1000);
    EXPECT_EQ(code(check_signature(tx, regtest().genesis_hash)), "ok");
    EXPECT_EQ(code(check_transaction(tx)), "ok");
    EXPECT_EQ(tx.sender_id(), account_of("alice"));
}

TEST(Transaction, SignedForAnotherNetworkIsBadSignature) {
    Transaction tx = make_transfer(test_key("alice"), account_of("bob"), 5 * kCoin, 1000, 0, testnet().genesis_hash);
    EXPECT_EQ(code(check_signature(tx, testnet().genesis_hash)), "ok");
    EXPECT_EQ(code(check_signature(tx, regtest().genesis_hash)), "bad-signature");
    EXPECT_EQ(code(check_signature(tx, mainnet().genesis_hash)), "bad-signature");
}

TEST(Transaction, SignatureHashCommitsToNetwork) {
    Transaction tx = transfer(1, 1);
    EXPECT_NE(tx.signature_hash(testnet().genesis_hash), tx.signature_hash(regtest().genesis_hash));
}

TEST(Transaction, TamperedFieldsAreBadSignature) {
    const Transaction tx = transfer(5 * kCoin, 1000, 3);
    const Hash256 g = regtest().genesis_hash;
    Transaction t = tx;
    t.amount += 1;
    EXPECT_EQ(code(check_signature(t, g)), "bad-signature");
    t = tx;
    t.fee -= 1;
    EXPECT_EQ(code(check_signature(t, g)), "bad-signature");
    t = tx;
    t.nonce += 1;
    EXPECT_EQ(code(check_signature(t, g)), "bad-signature");
    t = tx;
    t.recipient = account_of("mallory");
    EXPECT_EQ(code(check_signature(t, g)), "bad-signature");
    t = tx;
    t.sender = public_key(test_key("mallory"));
    EXPECT_EQ(code(check_signature(t, g)), "bad-signature");
}

TEST(Transaction, TxidIsSha256OfEncodingAndExcludesNothing) {
    Transaction tx = transfer(5 * kCoin, 1000);
    EXPECT_EQ(tx.txid(), sha256(tx.serialize()));
    Transaction resigned = tx;
    resigned.sign_with(test_key("alice"), regtest().genesis_hash);  // fresh aux randomness
    EXPECT_EQ(code(check_signature(resigned, regtest().genesis_hash)), "ok");
    EXPECT_NE(resigned.txid(), tx.txid());  // the signature is part of the id
}

TEST(Transaction, AmountZeroRejected) {
    EXPECT_EQ(code(check_transaction(unsigned_transfer(0, 1000))), "bad-txn-amount-zero");
}

TEST(Transaction, AmountAboveMaxMoneyRejected) {
    EXPECT_EQ(code(check_transaction(unsigned_transfer(kMaxMoney, 0))), "ok");
    EXPECT_EQ(code(check_transaction(unsigned_transfer(kMaxMoney + 1, 0))), "bad-txn-amount-range");
    EXPECT_EQ(code(check_transaction(unsigned_transfer(UINT64_MAX, 0))), "bad-txn-amount-range");
}

TEST(Transaction, FeeAboveMaxMoneyRejected) {
    EXPECT_EQ(code(check_transaction(unsigned_transfer(1, kMaxMoney + 1))), "bad-txn-fee-range");
    EXPECT_EQ(code(check_transaction(unsigned_transfer(1, UINT64_MAX))), "bad-txn-fee-range");
}

TEST(Transaction, AmountPlusFeeAboveMaxMoneyRejected) {
    EXPECT_EQ(code(check_transaction(unsigned_transfer(kMaxMoney - 10, 10))), "ok");
    EXPECT_EQ(code(check_transaction(unsigned_transfer(kMaxMoney - 10, 11))), "bad-txn-total-range");
    EXPECT_EQ(code(check_transaction(unsigned_transfer(kMaxMoney, kMaxMoney))), "bad-txn-total-range");
}

TEST(Transaction, AmountPlusFeeOverflowRejected) {
    // Sums that wrap around 2^64 must not pass as small totals.
    EXPECT_EQ(code(check_transaction(unsigned_transfer(UINT64_MAX, 1))), "bad-txn-amount-range");
    EXPECT_EQ(code(check_transaction(unsigned_transfer(1, UINT64_MAX))), "bad-txn-fee-range");
    EXPECT_EQ(code(check_transaction(unsigned_transfer(UINT64_MAX / 2 + 1, UINT64_MAX / 2 + 1))),
              "bad-txn-amount-range");
    // And in the account check, which adds the two again.
    Transaction tx = unsigned_transfer(UINT64_MAX, 2);
    EXPECT_EQ(code(check_against_account(tx, Account{kMaxMoney, 0})), "insufficient-funds");
    EXPECT_EQ(code(check_against_account(tx, Account{UINT64_MAX, 0})), "insufficient-funds");
}

TEST(Transaction, NonceMustEqualAccountNonce) {
    Transaction tx = transfer(100, 10, 5);
    EXPECT_EQ(code(check_against_account(tx, Account{1000, 5})), "ok");
    EXPECT_EQ(code(check_against_account(tx, Account{1000, 6})), "nonce-too-low");
    EXPECT_EQ(code(check_against_account(tx, Account{1000, 4})), "nonce-too-high");
}

TEST(Transaction, BalanceMustCoverAmountPlusFee) {
    Transaction tx = transfer(100, 10, 0);
    EXPECT_EQ(code(check_against_account(tx, Account{109, 0})), "insufficient-funds");
    EXPECT_EQ(code(check_against_account(tx, Account{110, 0})), "ok");
    EXPECT_EQ(code(check_against_account(tx, Account{0, 0})), "insufficient-funds");
}

TEST(Transaction, CoinbaseTxidIsSha256OfEncoding) {
    Coinbase cb = sample_coinbase();
    EXPECT_EQ(cb.txid(), sha256(encode(cb)));
    Coinbase other = cb;
    other.height += 1;
    EXPECT_NE(other.txid(), cb.txid());
}

}  // namespace
}  // namespace finch
