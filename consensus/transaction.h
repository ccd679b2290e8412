// Transfers (account-model transactions) and coinbases: encoding, ids, signature hash,
// stateless checks and the stateful check against an account.
#pragma once

#include "consensus/address.h"
#include "consensus/amount.h"
#include "consensus/keys.h"
#include "consensus/result.h"
#include "consensus/serialize.h"

namespace finch {

// An account's state: what it holds and how many transfers it has sent.
struct Account {
    Amount balance = 0;
    uint64_t nonce = 0;  // the nonce its next transfer must carry
    bool operator==(const Account&) const = default;
};

struct Transaction {
    PublicKey sender;
    AccountId recipient;
    Amount amount = 0;
    Amount fee = 0;
    uint64_t nonce = 0;
    Signature signature;

    static constexpr size_t kSerializedSize = 32 + 20 + 8 + 8 + 8 + 64;

    void encode(Writer& w) const;
    static Transaction decode(Reader& r);
    Bytes serialize() const { return finch::encode(*this); }

    Hash256 txid() const;
    AccountId sender_id() const { return account_id(sender); }
    // What the sender signs: every field but the signature, and the network's genesis hash.
    Hash256 signature_hash(const Hash256& genesis_hash) const;
    void sign_with(const SecretKey& secret, const Hash256& genesis_hash);

    bool operator==(const Transaction&) const = default;
};

// The first transaction of every block: mints the reward plus fees to the miner.
struct Coinbase {
    uint64_t height = 0;
    AccountId recipient;
    Amount amount = 0;
    Bytes extra;  // free-form miner data (extra nonce, tag), at most kMaxExtra bytes

    static constexpr size_t kMaxExtra = 64;

    void encode(Writer& w) const;
    static Coinbase decode(Reader& r);
    Hash256 txid() const;
    bool operator==(const Coinbase&) const = default;
};

// Stateless rules: amount and fee ranges. Rejection codes: bad-txn-amount-zero,
// bad-txn-amount-range, bad-txn-fee-range, bad-txn-total-range.
Status check_transaction(const Transaction& tx);
// A transfer from the owner of `secret`, signed for the network whose genesis is given.
// `sender` is the secret's public key: callers that sign many keep it rather than derive it
// each time (a point multiplication).
Transaction signed_transfer(const SecretKey& secret, const PublicKey& sender, const AccountId& to, Amount amount,
                            Amount fee, uint64_t nonce, const Hash256& genesis_hash);
// The signature rule (bad-signature).
Status check_signature(const Transaction& tx, const Hash256& genesis_hash);
// The same with the sender's key already decoded (it must be parse_public_key(tx.sender)).
Status check_signature(const Transaction& tx, const Hash256& genesis_hash, const ParsedPublicKey& sender);
// Stateful rules against the sender's current account: nonce-too-low, nonce-too-high,
// insufficient-funds.
Status check_against_account(const Transaction& tx, const Account& sender);

}  // namespace finch
