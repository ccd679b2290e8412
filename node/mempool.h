// The mempool: valid transfers waiting for a block. Admission checks consensus rules
// against the tip state plus each sender's pending transactions, then local policy
// (minimum fee, size cap, per-sender limits). Every rejection has a reason code.
#pragma once

#include "consensus/params.h"
#include "node/notifications.h"
#include "node/signature_cache.h"
#include "storage/ledger_store.h"

#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace finch::node {

struct MempoolLimits {
    size_t max_bytes = 300'000'000;            // serialized bytes held; beyond it the lowest fee rate goes
    Amount min_fee_per_byte = 1;               // minimum relay fee rate (base units per byte)
    Amount replacement_increment = 1'000;      // a replacement pays at least this much more fee
    uint64_t max_nonce_gap = 4;                // how far past the next expected nonce a tx may be
    size_t max_per_sender = 64;                // pending transactions per sender
    uint64_t expiry_seconds = 14 * 24 * 60 * 60;  // entries older than this are dropped
};

struct MempoolEntry {
    Transaction tx;
    Hash256 txid;
    AccountId sender;
    uint64_t size = 0;
    uint64_t time = 0;    // seconds since epoch when admitted
    uint64_t height = 0;  // tip height when admitted
    uint64_t sequence = 0;  // admission order (ties in eviction and selection)
};

enum class AdmitKind { Accepted, Replaced, AlreadyInMempool, AlreadyInChain, Rejected };

struct AdmitResult {
    AdmitKind kind = AdmitKind::Rejected;
    Hash256 txid;
    std::optional<Rejection> rejection;  // set when kind == Rejected
    bool ok() const { return kind == AdmitKind::Accepted || kind == AdmitKind::Replaced; }
};

// Rejection codes (Rejection::code):
//   consensus (the sender broke a rule; a peer relaying it misbehaves):
//     bad-txn-amount-zero, bad-txn-amount-range, bad-txn-fee-range, bad-txn-total-range,
//     bad-signature, wrong-network (signed for another network's genesis)
//   state (depends on the chain; not punished, so Fault::Policy): nonce-too-low, insufficient-funds
//   not rejections (kind says it; rejection still names it): duplicate (AlreadyInMempool),
//     already-in-chain (AlreadyInChain)
//   policy (Fault::Policy): fee-too-low, replacement-fee-too-low, nonce-gap,
//     too-many-pending, mempool-full
class Mempool : public ChainNotifications {
public:
    Mempool(const storage::LedgerStore& store, const ChainParams& params, SignatureCache* sigcache,
            MempoolLimits limits = {});
    ~Mempool() override;

    // `now` is seconds since the epoch (injected for tests), tip_height for the entry.
    AdmitResult accept(const Transaction& tx, uint64_t now, uint64_t tip_height);

    // Drops entries older than the expiry; returns how many.
    size_t expire(uint64_t now);

    // Transactions a block template may include, best fee rate first, each sender's in
    // nonce order starting at its confirmed nonce, without gaps.
    std::vector<MempoolEntry> select_for_block(size_t max_count) const;

    bool contains(const Hash256& txid) const;
    std::optional<MempoolEntry> get(const Hash256& txid) const;
    std::vector<Hash256> txids() const;
    // Every transfer with its txid, copied under the lock so that callers can hash them all
    // (compact block reconstruction: one short id each) without holding it.
    std::vector<std::pair<Hash256, Transaction>> snapshot_transactions() const;
    // The newest entries first, at most `max`. With `involving`, only the transfers it sends (all
    // of them, from its queue) or receives (among the newest kLatestScanLimit entries: the pool
    // has no index by recipient, and the explorer must not hold the pool's lock for long).
    static constexpr size_t kLatestScanLimit = 5'000;
    std::vector<MempoolEntry> latest(size_t max, const std::optional<AccountId>& involving) const;
    size_t size() const;
    size_t bytes() const;
    Amount total_fees() const;
    // Next nonce for a sender counting its pending transactions, and its pending spends.
    uint64_t pending_nonce(const AccountId& sender, uint64_t confirmed_nonce) const;
    Amount pending_spend(const AccountId& sender) const;
    // Bumped on every change, so the miner can tell when to rebuild its template.
    uint64_t generation() const;
    const MempoolLimits& limits() const { return m_limits; }
    // Called for each transfer that enters the pool through accept() (not for those a reorg
    // returns), under the pool's lock: it must be quick and must not call the pool. Set it
    // before other threads use the pool.
    using AcceptListener = std::function<void(const Transaction& tx, const Hash256& txid)>;
    void set_accept_listener(AcceptListener listener) { m_on_accept = std::move(listener); }

    // ChainNotifications: confirmed transactions leave; those of disconnected blocks come
    // back after the reorg (tip_changed); entries that became invalid are dropped.
    void block_connected(const Block& block, uint64_t height) override;
    void block_disconnected(const Block& block, uint64_t height) override;
    void tip_changed(const TipInfo& tip, bool initial_download) override;

private:
    // Indexes and rules live in mempool.cpp; m_impl holds references to the members below.
    const storage::LedgerStore& m_store;
    const ChainParams& m_params;
    SignatureCache* m_sigcache;
    MempoolLimits m_limits;
    AcceptListener m_on_accept;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace finch::node
