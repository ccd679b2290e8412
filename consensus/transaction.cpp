// Transaction encoding and rules; see transaction.h.
#include "consensus/transaction.h"

namespace finch {

void Transaction::encode(Writer& w) const {
    w.array(sender);
    w.array(recipient);
    w.u64(amount);
    w.u64(fee);
    w.u64(nonce);
    w.array(signature);
}

Transaction Transaction::decode(Reader& r) {
    Transaction tx;
    r.array(tx.sender);
    r.array(tx.recipient);
    tx.amount = r.u64();
    tx.fee = r.u64();
    tx.nonce = r.u64();
    r.array(tx.signature);
    return tx;
}

Hash256 Transaction::txid() const {
    Writer w(kSerializedSize);
    encode(w);
    return sha256(w.data());
}

Hash256 Transaction::signature_hash(const Hash256& genesis_hash) const {
    Writer w(32 + kSerializedSize);
    w.array(genesis_hash);
    w.array(sender);
    w.array(recipient);
    w.u64(amount);
    w.u64(fee);
    w.u64(nonce);
    static const Sha256 kTag = Sha256::tagged("finchain/sighash");  // the tag's midstate, computed once
    return Sha256(kTag).write(w.data()).finish();
}

void Transaction::sign_with(const SecretKey& secret, const Hash256& genesis_hash) {
    auto sig = sign(secret, signature_hash(genesis_hash));
    FINCH_ASSERT(sig.has_value());
    signature = *sig;
}

Transaction signed_transfer(const SecretKey& secret, const PublicKey& sender, const AccountId& to, Amount amount,
                            Amount fee, uint64_t nonce, const Hash256& genesis_hash) {
    Transaction tx;
    tx.sender = sender;
    tx.recipient = to;
    tx.amount = amount;
    tx.fee = fee;
    tx.nonce = nonce;
    tx.sign_with(secret, genesis_hash);
    return tx;
}

void Coinbase::encode(Writer& w) const {
    w.u64(height);
    w.array(recipient);
    w.u64(amount);
    w.var_bytes(extra);
}

Coinbase Coinbase::decode(Reader& r) {
    Coinbase cb;
    cb.height = r.u64();
    r.array(cb.recipient);
    cb.amount = r.u64();
    cb.extra = r.var_bytes(kMaxExtra);
    return cb;
}

Hash256 Coinbase::txid() const { return sha256(finch::encode(*this)); }

Status check_transaction(const Transaction& tx) {
    if (tx.amount == 0) return reject("bad-txn-amount-zero", "transfer of nothing");
    if (!money_range(tx.amount)) return reject("bad-txn-amount-range", "amount above the money supply cap");
    if (!money_range(tx.fee)) return reject("bad-txn-fee-range", "fee above the money supply cap");
    auto total = checked_add(tx.amount, tx.fee);
    if (!total || !money_range(*total)) return reject("bad-txn-total-range", "amount + fee above the money supply cap");
    return Status::accepted();
}

Status check_signature(const Transaction& tx, const Hash256& genesis_hash) {
    auto sender = parse_public_key(tx.sender);
    if (!sender) return reject("bad-signature", "the sender's key is not a curve point");
    return check_signature(tx, genesis_hash, *sender);
}

Status check_signature(const Transaction& tx, const Hash256& genesis_hash, const ParsedPublicKey& sender) {
    if (!verify(sender, tx.signature_hash(genesis_hash), tx.signature))
        return reject("bad-signature", "signature does not verify for this network");
    return Status::accepted();
}

Status check_against_account(const Transaction& tx, const Account& sender) {
    if (tx.nonce < sender.nonce)
        return reject("nonce-too-low", "nonce " + std::to_string(tx.nonce) + ", expected " + std::to_string(sender.nonce));
    if (tx.nonce > sender.nonce)
        return reject("nonce-too-high", "nonce " + std::to_string(tx.nonce) + ", expected " + std::to_string(sender.nonce));
    auto total = checked_add(tx.amount, tx.fee);
    if (!total || *total > sender.balance)
        return reject("insufficient-funds", "balance " + std::to_string(sender.balance) + " does not cover amount + fee");
    return Status::accepted();
}

}  // namespace finch
