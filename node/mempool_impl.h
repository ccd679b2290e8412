// Internal to the mempool (mempool.cpp: indexes, admission, selection, expiry and the public
// calls; mempool_chain.cpp: blocks connected and disconnected, re-admission and
// re-validation at a tip change). Nothing else includes it.
#pragma once

#include "node/log.h"
#include "node/mempool.h"
#include "util/thread_annotations.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <queue>
#include <tuple>

namespace finch::node {

namespace mempool_internal {

using Rate128 = unsigned __int128;

// fee_a / size_a < fee_b / size_b, exactly (no division, no overflow).
inline bool lower_rate(Amount fee_a, uint64_t size_a, Amount fee_b, uint64_t size_b) {
    return Rate128(fee_a) * size_b < Rate128(fee_b) * size_a;
}

inline bool lower_rate(const MempoolEntry& a, const MempoolEntry& b) { return lower_rate(a.tx.fee, a.size, b.tx.fee, b.size); }

struct RateKey {
    Amount fee = 0;
    uint64_t size = 0;
    uint64_t sequence = 0;
    Hash256 txid;
};

// Eviction order: lowest fee rate first; among equal rates the newest arrival goes first.
struct EvictionOrder {
    bool operator()(const RateKey& a, const RateKey& b) const {
        if (lower_rate(a.fee, a.size, b.fee, b.size)) return true;
        if (lower_rate(b.fee, b.size, a.fee, a.size)) return false;
        return a.sequence > b.sequence;
    }
};

inline RateKey rate_key(const MempoolEntry& e) { return {e.tx.fee, e.size, e.sequence, e.txid}; }

inline Rejection policy(std::string code, std::string detail) {
    return reject(std::move(code), std::move(detail), Fault::Policy);
}

inline uint64_t wall_clock() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// A transaction being admitted, with what is derived from it once.
struct Candidate {
    const Transaction& tx;
    Hash256 txid;
    AccountId sender;
    uint64_t size = Transaction::kSerializedSize;
};

// What admission read from the store, and the chain epoch before it read it: while the
// epoch is unchanged no block was connected or disconnected since, or one was and the
// sender is marked dirty, so the tip change re-validates whatever we insert now.
struct ChainFacts {
    uint64_t epoch = 0;
    bool in_chain = false;
    Account account;
};

struct SenderQueue {
    Account confirmed;  // the sender's account at the last admission or tip change
    std::map<uint64_t, MempoolEntry*> by_nonce;  // pointers into Impl::entries (stable nodes)
};

inline AdmitResult admitted(AdmitKind kind, const Hash256& txid) { return {kind, txid, std::nullopt}; }
inline AdmitResult rejected(const Hash256& txid, Rejection r) { return {AdmitKind::Rejected, txid, std::move(r)}; }

}  // namespace mempool_internal

using namespace mempool_internal;


struct Mempool::Impl {
    Impl(const storage::LedgerStore& s, const ChainParams& p, SignatureCache* c, const MempoolLimits& l)
        : store(s), params(p), sigcache(c), limits(l) {}

    const storage::LedgerStore& store;
    const ChainParams& params;
    SignatureCache* sigcache;
    const MempoolLimits& limits;

    mutable util::Mutex mutex;  // guards everything below but the atomics
    std::unordered_map<Hash256, MempoolEntry, Hash256Hasher> entries GUARDED_BY(mutex);
    std::unordered_map<AccountId, SenderQueue, AccountIdHasher> senders GUARDED_BY(mutex);
    std::set<RateKey, EvictionOrder> by_rate GUARDED_BY(mutex);
    std::map<std::pair<uint64_t, uint64_t>, Hash256> by_time GUARDED_BY(mutex);  // (time, sequence) -> txid
    size_t bytes GUARDED_BY(mutex) = 0;
    Amount fees GUARDED_BY(mutex) = 0;
    uint64_t next_sequence GUARDED_BY(mutex) = 0;
    uint64_t last_now GUARDED_BY(mutex) = 0;  // latest clock reading given to accept()/expire()
    // Transfers of disconnected blocks, re-admitted on tip_changed.
    std::vector<Transaction> stash GUARDED_BY(mutex);
    // Accounts touched since the last tip change.
    std::unordered_set<AccountId, AccountIdHasher> dirty GUARDED_BY(mutex);
    std::atomic<uint64_t> generation{0};
    std::atomic<uint64_t> chain_epoch{0};  // bumped (under mutex) on every connect/disconnect

    // --- lookups (mutex held) ---
    SenderQueue* queue(const AccountId& id) REQUIRES(mutex) {
        auto it = senders.find(id);
        return it == senders.end() ? nullptr : &it->second;
    }
    const SenderQueue* queue(const AccountId& id) const REQUIRES(mutex) { return const_cast<Impl*>(this)->queue(id); }

    static MempoolEntry* at_nonce(const SenderQueue* q, uint64_t nonce) {
        if (!q) return nullptr;
        auto it = q->by_nonce.find(nonce);
        return it == q->by_nonce.end() ? nullptr : it->second;
    }

    // One past the end of the consecutive run of pending nonces starting at `confirmed`.
    static uint64_t next_nonce(const SenderQueue* q, uint64_t confirmed) {
        uint64_t n = confirmed;
        if (!q) return n;
        for (auto it = q->by_nonce.find(n); it != q->by_nonce.end() && it->first == n; ++it) ++n;
        return n;
    }

    uint64_t clock() const REQUIRES(mutex) { return last_now ? last_now : wall_clock(); }

    // --- admission ---
    Candidate candidate(const Transaction& tx) const { return {tx, tx.txid(), tx.sender_id()}; }

    ChainFacts read_chain(const Candidate& c) const {
        ChainFacts f;
        f.epoch = chain_epoch.load(std::memory_order_acquire);
        f.account = store.get(c.sender).value_or(Account{});
        // Confirming a transfer moves its sender's nonce past it, so only a nonce below the
        // account's can be in the chain: the common case skips the transaction index.
        f.in_chain = c.tx.nonce < f.account.nonce && store.find_transaction(c.txid).has_value();
        return f;
    }

    // `on_accept` runs under the lock, so what it tells (a transfer pending) can never come
    // after the news of a block that confirms it.
    AdmitResult accept(const Transaction& tx, uint64_t now, uint64_t tip_height, const Mempool::AcceptListener& on_accept)
        EXCLUDES(mutex) {
        const Candidate c = candidate(tx);
        if (auto s = check_transaction(tx); !s) return rejected(c.txid, s.error());
        ChainFacts facts = read_chain(c);
        {
            util::LockGuard lock(mutex);
            if (auto r = check_cheap(c, facts)) return *r;
        }
        // The expensive part runs unlocked so that two threads admit in parallel.
        if (auto s = verify_signature(c); !s) return rejected(c.txid, s.error());
        util::LockGuard lock(mutex);
        last_now = std::max(last_now, now);
        if (facts.epoch != chain_epoch.load()) facts = read_chain(c);
        // Another thread or a block may have changed the picture meanwhile: check again.
        if (auto r = check_cheap(c, facts)) return *r;
        AdmitResult r = insert(c, facts.account, now, tip_height);
        if (r.ok() && on_accept) on_accept(tx, r.txid);
        return r;
    }

    // Everything but the signature, in the documented order (mutex held).
    std::optional<AdmitResult> check_cheap(const Candidate& c, const ChainFacts& f) const REQUIRES(mutex) {
        if (entries.count(c.txid)) return known(AdmitKind::AlreadyInMempool, c.txid);
        if (f.in_chain) return known(AdmitKind::AlreadyInChain, c.txid);
        if (auto s = check_fee(c); !s) return rejected(c.txid, s.error());
        if (auto s = check_sender(c, f.account); !s) return rejected(c.txid, s.error());
        return std::nullopt;
    }

    static AdmitResult known(AdmitKind kind, const Hash256& txid) {
        const bool pooled = kind == AdmitKind::AlreadyInMempool;
        return {kind, txid, policy(pooled ? "duplicate" : "already-in-chain",
                                   pooled ? "transaction already in the mempool" : "transaction already confirmed")};
    }

    Status check_fee(const Candidate& c) const {
        if (Rate128(c.tx.fee) >= Rate128(limits.min_fee_per_byte) * c.size) return Status::accepted();
        return policy("fee-too-low", "fee " + std::to_string(c.tx.fee) + " below the minimum " +
                                         std::to_string(limits.min_fee_per_byte) + " per byte");
    }

    Status check_sender(const Candidate& c, const Account& account) const REQUIRES(mutex) {
        if (c.tx.nonce < account.nonce)
            return policy("nonce-too-low", "nonce " + std::to_string(c.tx.nonce) + ", account is at " +
                                               std::to_string(account.nonce));
        const SenderQueue* q = queue(c.sender);
        const MempoolEntry* old = at_nonce(q, c.tx.nonce);
        if (old)
            if (auto s = check_replacement(c, *old); !s) return s;
        if (auto s = check_gap(c, q, account); !s) return s;
        if (!old && q && pending_count(*q, account) >= limits.max_per_sender)
            return policy("too-many-pending", "sender already has " + std::to_string(limits.max_per_sender) +
                                                  " pending transactions");
        return check_funds(c, q, account);
    }

    Status check_replacement(const Candidate& c, const MempoolEntry& old) const {
        auto required = checked_add(old.tx.fee, limits.replacement_increment);
        if (required && c.tx.fee >= *required) return Status::accepted();
        return policy("replacement-fee-too-low", "a replacement must pay at least " +
                                                     std::to_string(limits.replacement_increment) + " more than " +
                                                     std::to_string(old.tx.fee));
    }

    Status check_gap(const Candidate& c, const SenderQueue* q, const Account& account) const {
        const uint64_t next = next_nonce(q, account.nonce);
        if (c.tx.nonce <= next || c.tx.nonce - next <= limits.max_nonce_gap) return Status::accepted();
        return policy("nonce-gap", "nonce " + std::to_string(c.tx.nonce) + " is too far past the next expected " +
                                       std::to_string(next));
    }

    static size_t pending_count(const SenderQueue& q, const Account& account) {
        return static_cast<size_t>(std::distance(q.by_nonce.lower_bound(account.nonce), q.by_nonce.end()));
    }

    // The sender's pending spends, with the candidate in place of any entry at its nonce.
    Status check_funds(const Candidate& c, const SenderQueue* q, const Account& account) const {
        std::optional<Amount> total = checked_add(c.tx.amount, c.tx.fee);
        if (q) {
            for (auto it = q->by_nonce.lower_bound(account.nonce); total && it != q->by_nonce.end(); ++it) {
                if (it->first == c.tx.nonce) continue;
                total = checked_add(*total, it->second->tx.amount);
                if (total) total = checked_add(*total, it->second->tx.fee);
            }
        }
        if (total && *total <= account.balance) return Status::accepted();
        return policy("insufficient-funds", "balance " + std::to_string(account.balance) +
                                                " does not cover the sender's pending spends");
    }

    Status verify_signature(const Candidate& c) const {
        if (sigcache && sigcache->contains(c.txid)) return Status::accepted();
        if (node::check_signature(c.tx, params.genesis_hash, sigcache ? &sigcache->keys() : nullptr))
            return Status::accepted();
        for (Network n : {Network::Main, Network::Test, Network::Regtest}) {
            const ChainParams& other = chain_params(n);
            if (other.genesis_hash != params.genesis_hash && check_signature(c.tx, other.genesis_hash))
                return reject("wrong-network", "signed for the " + other.name + " network");
        }
        return reject("bad-signature", "signature does not verify");
    }

    // Size cap, then the entry goes in (mutex held, all rules passed).
    AdmitResult insert(const Candidate& c, const Account& account, uint64_t now, uint64_t tip_height) REQUIRES(mutex) {
        const MempoolEntry* old = at_nonce(queue(c.sender), c.tx.nonce);
        const std::optional<Hash256> replaced = old ? std::optional(old->txid) : std::nullopt;
        auto victims = plan_eviction(c, old);
        if (!victims) return rejected(c.txid, victims.error());
        for (const Hash256& v : *victims) erase_entry(v);
        if (replaced) erase_entry(*replaced);
        add_entry(c, account, now, tip_height);
        if (sigcache) sigcache->add(c.txid);
        ++generation;
        return admitted(replaced ? AdmitKind::Replaced : AdmitKind::Accepted, c.txid);
    }

    // Entries to evict so that the candidate fits: lowest fee rate first, each with its
    // sender's higher nonces (they would be gapped), only while they pay less than it.
    Result<std::vector<Hash256>> plan_eviction(const Candidate& c, const MempoolEntry* old) const REQUIRES(mutex) {
        size_t after = bytes + c.size - (old ? old->size : 0);
        std::vector<Hash256> victims;
        std::unordered_set<Hash256, Hash256Hasher> chosen;
        for (auto it = by_rate.begin(); after > limits.max_bytes; ++it) {
            if (it == by_rate.end() || !lower_rate(it->fee, it->size, c.tx.fee, c.size))
                return policy("mempool-full", "mempool full and the transaction pays no more than the cheapest");
            const MempoolEntry& e = entries.at(it->txid);
            if ((old && e.txid == old->txid) || chosen.count(e.txid)) continue;
            if (e.sender == c.sender && e.tx.nonce < c.tx.nonce)
                return policy("mempool-full", "mempool full and the sender's earlier transaction is the cheapest");
            const SenderQueue& q = senders.at(e.sender);
            for (auto n = q.by_nonce.lower_bound(e.tx.nonce); n != q.by_nonce.end(); ++n) {
                if (!chosen.insert(n->second->txid).second) continue;
                victims.push_back(n->second->txid);
                after -= n->second->size;
            }
        }
        return victims;
    }

    void add_entry(const Candidate& c, const Account& account, uint64_t now, uint64_t tip_height) REQUIRES(mutex) {
        MempoolEntry& e = entries[c.txid];
        e = MempoolEntry{c.tx, c.txid, c.sender, c.size, now, tip_height, next_sequence++};
        by_rate.insert(rate_key(e));
        by_time.emplace(std::pair(e.time, e.sequence), e.txid);
        SenderQueue& q = senders[c.sender];
        q.confirmed = account;
        q.by_nonce[e.tx.nonce] = &e;
        bytes += e.size;
        fees += e.tx.fee;
    }

    void erase_entry(const Hash256& txid) REQUIRES(mutex) {
        auto it = entries.find(txid);
        if (it == entries.end()) return;
        const MempoolEntry& e = it->second;
        by_rate.erase(rate_key(e));
        by_time.erase(std::pair(e.time, e.sequence));
        auto q = senders.find(e.sender);
        q->second.by_nonce.erase(e.tx.nonce);
        if (q->second.by_nonce.empty()) senders.erase(q);
        bytes -= e.size;
        fees -= e.tx.fee;
        entries.erase(it);
    }

    // Drops the sender's entries from `nonce` on; returns how many.
    size_t erase_from(const AccountId& sender, uint64_t nonce) REQUIRES(mutex) {
        const SenderQueue* q = queue(sender);
        if (!q) return 0;
        std::vector<Hash256> doomed;
        for (auto it = q->by_nonce.lower_bound(nonce); it != q->by_nonce.end(); ++it)
            doomed.push_back(it->second->txid);
        for (const Hash256& txid : doomed) erase_entry(txid);
        return doomed.size();
    }

    // --- block template ---
    struct Head {
        std::map<uint64_t, MempoolEntry*>::const_iterator it;
        const SenderQueue* q;
    };
    struct WorseHead {  // priority_queue puts the "largest" on top: best fee rate, then oldest
        bool operator()(const Head& a, const Head& b) const {
            const MempoolEntry& x = *a.it->second;
            const MempoolEntry& y = *b.it->second;
            if (lower_rate(x, y)) return true;
            if (lower_rate(y, x)) return false;
            return x.sequence > y.sequence;
        }
    };

    std::vector<MempoolEntry> select_for_block(size_t max_count) const EXCLUDES(mutex) {
        util::LockGuard lock(mutex);
        std::vector<Head> heads;
        heads.reserve(senders.size());
        for (const auto& [id, q] : senders)
            if (auto it = q.by_nonce.find(q.confirmed.nonce); it != q.by_nonce.end()) heads.push_back({it, &q});
        std::priority_queue<Head, std::vector<Head>, WorseHead> heap(WorseHead{}, std::move(heads));
        std::vector<MempoolEntry> out;
        out.reserve(std::min(max_count, entries.size()));
        while (out.size() < max_count && !heap.empty()) {
            Head h = heap.top();
            heap.pop();
            out.push_back(*h.it->second);
            const uint64_t following = h.it->first + 1;
            if (++h.it != h.q->by_nonce.end() && h.it->first == following) heap.push(h);
        }
        return out;
    }

    // --- expiry ---
    size_t expire(uint64_t now) EXCLUDES(mutex) {
        util::LockGuard lock(mutex);
        last_now = std::max(last_now, now);
        size_t dropped = 0;
        while (!by_time.empty()) {
            const auto [key, txid] = *by_time.begin();
            if (key.first > now || now - key.first <= limits.expiry_seconds) break;
            const MempoolEntry& e = entries.at(txid);
            dropped += erase_from(AccountId(e.sender), e.tx.nonce);
        }
        if (dropped) ++generation;
        return dropped;
    }

    // --- chain notifications (mempool_chain.cpp) ---
    static std::vector<AccountId> touched_accounts(const Block& block);
    void block_connected(const Block& block) EXCLUDES(mutex);
    void block_disconnected(const Block& block) EXCLUDES(mutex);
    void tip_changed(const TipInfo& tip) EXCLUDES(mutex);
    using AccountMap = std::unordered_map<AccountId, Account, AccountIdHasher>;
    AccountMap read_accounts(const std::vector<Transaction>& returning) const REQUIRES(mutex);
    void readmit(const std::vector<Transaction>& returning, const AccountMap& accounts, uint64_t tip_height)
        REQUIRES(mutex);
    void revalidate(const AccountId& sender, const Account& account) REQUIRES(mutex);
    std::optional<uint64_t> first_unfit(const SenderQueue& q, const Account& account) const REQUIRES(mutex);

    // Evicts the lowest fee rates (with their senders' higher nonces) until the pool fits.
    void trim_to_size() REQUIRES(mutex) {
        while (bytes > limits.max_bytes && !by_rate.empty()) {
            const MempoolEntry& e = entries.at(by_rate.begin()->txid);
            erase_from(AccountId(e.sender), e.tx.nonce);
        }
    }
};

}  // namespace finch::node
