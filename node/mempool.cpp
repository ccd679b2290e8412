// The mempool's indexes, admission rules, block selection and reaction to chain changes; see mempool.h.
#include "node/mempool.h"

#include "node/log.h"
#include "util/thread_annotations.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <queue>
#include <tuple>

namespace finch::node {

namespace {

using Rate128 = unsigned __int128;

// fee_a / size_a < fee_b / size_b, exactly (no division, no overflow).
bool lower_rate(Amount fee_a, uint64_t size_a, Amount fee_b, uint64_t size_b) {
    return Rate128(fee_a) * size_b < Rate128(fee_b) * size_a;
}

bool lower_rate(const MempoolEntry& a, const MempoolEntry& b) { return lower_rate(a.tx.fee, a.size, b.tx.fee, b.size); }

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

RateKey rate_key(const MempoolEntry& e) { return {e.tx.fee, e.size, e.sequence, e.txid}; }

Rejection policy(std::string code, std::string detail) {
    return reject(std::move(code), std::move(detail), Fault::Policy);
}

uint64_t wall_clock() {
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

AdmitResult admitted(AdmitKind kind, const Hash256& txid) { return {kind, txid, std::nullopt}; }
AdmitResult rejected(const Hash256& txid, Rejection r) { return {AdmitKind::Rejected, txid, std::move(r)}; }

}  // namespace

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

    // --- chain notifications ---
    static std::vector<AccountId> touched_accounts(const Block& block) {
        std::vector<AccountId> ids{block.coinbase.recipient};
        ids.reserve(2 * block.txs.size() + 1);
        for (const auto& tx : block.txs) {
            ids.push_back(tx.sender_id());
            ids.push_back(tx.recipient);
        }
        return ids;
    }

    void block_connected(const Block& block) EXCLUDES(mutex) {
        const std::vector<Hash256> txids = block.txids();  // hashed before taking the lock
        const std::vector<AccountId> touched = touched_accounts(block);
        util::LockGuard lock(mutex);
        const size_t before = entries.size();
        bool changed = false;
        for (size_t i = 1; i < txids.size(); ++i) {
            if (!entries.count(txids[i])) continue;
            erase_entry(txids[i]);
            changed = true;
        }
        dirty.insert(touched.begin(), touched.end());
        ++chain_epoch;
        if (changed) ++generation;
        FINCH_DEBUG(Mempool, "block " + block.hash().to_hex() + " confirmed " + std::to_string(before - entries.size()) +
                                 " pool transactions; " + std::to_string(entries.size()) + " left");
    }

    void block_disconnected(const Block& block) EXCLUDES(mutex) {
        const std::vector<AccountId> touched = touched_accounts(block);
        util::LockGuard lock(mutex);
        stash.insert(stash.end(), block.txs.begin(), block.txs.end());
        dirty.insert(touched.begin(), touched.end());
        ++chain_epoch;
        FINCH_DEBUG(Mempool, "block " + block.hash().to_hex() + " disconnected: " + std::to_string(block.txs.size()) +
                                 " transfers return to the pool");
    }

    void tip_changed(const TipInfo& tip) EXCLUDES(mutex) {
        util::LockGuard lock(mutex);
        if (stash.empty() && dirty.empty()) return;
        std::vector<Transaction> returning = std::move(stash);
        stash.clear();
        const auto accounts = read_accounts(returning);
        readmit(returning, accounts, tip.height);
        for (const auto& [id, account] : accounts) revalidate(id, account);
        trim_to_size();
        dirty.clear();
        ++generation;
    }

    using AccountMap = std::unordered_map<AccountId, Account, AccountIdHasher>;

    // Confirmed accounts of the dirty senders that matter: those with pending entries and
    // those whose transfers return (mutex held; one batched read).
    AccountMap read_accounts(const std::vector<Transaction>& returning) const REQUIRES(mutex) {
        std::vector<AccountId> ids;
        for (const auto& id : dirty)
            if (senders.count(id)) ids.push_back(id);
        for (const auto& tx : returning) ids.push_back(tx.sender_id());
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        const auto found = store.get_many(ids);
        AccountMap out;
        out.reserve(ids.size());
        for (size_t i = 0; i < ids.size(); ++i) out.emplace(ids[i], found[i].value_or(Account{}));
        return out;
    }

    // Transfers of disconnected blocks come back, each sender's in nonce order. Their
    // signatures verified when their block connected, on this network, so they are not
    // verified again (and go to the signature cache for the next connection). They skip
    // the minimum fee (a miner already took them) and the size cap: Bitcoin Core does the
    // same and then trims the pool by fee rate, which is what trim_to_size() does after.
    // The nonce-gap, per-sender and funds rules are not checked here but by revalidate(),
    // which walks each sender's queue in nonce order, so an earlier nonce wins the funds
    // over a later one. A pending entry already at the same nonce keeps its place unless
    // the returning one pays the replacement increment more.
    void readmit(const std::vector<Transaction>& returning, const AccountMap& accounts, uint64_t tip_height)
        REQUIRES(mutex) {
        std::vector<const Transaction*> order;
        for (const auto& tx : returning) order.push_back(&tx);
        std::sort(order.begin(), order.end(), [](const Transaction* a, const Transaction* b) {
            return std::tie(a->sender, a->nonce) < std::tie(b->sender, b->nonce);
        });
        for (const Transaction* tx : order) {
            const Candidate c = candidate(*tx);
            const Account& account = accounts.at(c.sender);
            if (entries.count(c.txid) || tx->nonce < account.nonce || store.find_transaction(c.txid)) continue;
            if (const MempoolEntry* old = at_nonce(queue(c.sender), tx->nonce)) {
                if (!check_replacement(c, *old)) continue;
                erase_entry(Hash256(old->txid));
            }
            add_entry(c, account, clock(), tip_height);
            if (sigcache) sigcache->add(c.txid);
        }
    }

    // Re-checks a sender's queue against its new confirmed account: entries below the
    // confirmed nonce leave; from the first that no longer fits (gap, count, funds) on, all go.
    void revalidate(const AccountId& sender, const Account& account) REQUIRES(mutex) {
        SenderQueue* q = queue(sender);
        if (!q) return;
        q->confirmed = account;
        while (q && !q->by_nonce.empty() && q->by_nonce.begin()->first < account.nonce) {
            erase_entry(Hash256(q->by_nonce.begin()->second->txid));
            q = queue(sender);
        }
        if (!q) return;
        if (auto bad = first_unfit(*q, account)) erase_from(sender, *bad);
    }

    // The nonce of the first entry (in nonce order) that breaks a rule, if any.
    std::optional<uint64_t> first_unfit(const SenderQueue& q, const Account& account) const REQUIRES(mutex) {
        uint64_t next = account.nonce;
        size_t count = 0;
        std::optional<Amount> spent = 0;
        for (const auto& [nonce, e] : q.by_nonce) {
            spent = checked_add(*spent, e->tx.amount);
            if (spent) spent = checked_add(*spent, e->tx.fee);
            const bool gapped = nonce > next && nonce - next > limits.max_nonce_gap;
            if (gapped || ++count > limits.max_per_sender || !spent || *spent > account.balance) return nonce;
            if (nonce == next) ++next;
        }
        return std::nullopt;
    }

    // Evicts the lowest fee rates (with their senders' higher nonces) until the pool fits.
    void trim_to_size() REQUIRES(mutex) {
        while (bytes > limits.max_bytes && !by_rate.empty()) {
            const MempoolEntry& e = entries.at(by_rate.begin()->txid);
            erase_from(AccountId(e.sender), e.tx.nonce);
        }
    }
};

Mempool::Mempool(const storage::LedgerStore& store, const ChainParams& params, SignatureCache* sigcache,
                 MempoolLimits limits)
    : m_store(store),
      m_params(params),
      m_sigcache(sigcache),
      m_limits(limits),
      m_impl(std::make_unique<Impl>(m_store, m_params, m_sigcache, m_limits)) {}

Mempool::~Mempool() = default;

AdmitResult Mempool::accept(const Transaction& tx, uint64_t now, uint64_t tip_height) {
    AdmitResult r = m_impl->accept(tx, now, tip_height, m_on_accept);
    if (Logger::instance().enabled(LogCategory::Mempool)) {
        if (r.ok())
            Logger::instance().write(LogCategory::Mempool, std::string(r.kind == AdmitKind::Replaced ? "replaced with " : "accepted ") +
                                                               r.txid.to_hex() + " (" + std::to_string(size()) + " in the pool)");
        else if (r.rejection)
            Logger::instance().write(LogCategory::Mempool, "rejected " + r.txid.to_hex() + ": " + r.rejection->to_string());
    }
    return r;
}

size_t Mempool::expire(uint64_t now) { return m_impl->expire(now); }

std::vector<MempoolEntry> Mempool::select_for_block(size_t max_count) const {
    return m_impl->select_for_block(max_count);
}

bool Mempool::contains(const Hash256& txid) const {
    util::LockGuard lock(m_impl->mutex);
    return m_impl->entries.count(txid) != 0;
}

std::optional<MempoolEntry> Mempool::get(const Hash256& txid) const {
    util::LockGuard lock(m_impl->mutex);
    auto it = m_impl->entries.find(txid);
    if (it == m_impl->entries.end()) return std::nullopt;
    return it->second;
}

std::vector<Hash256> Mempool::txids() const {
    util::LockGuard lock(m_impl->mutex);
    std::vector<Hash256> out;
    out.reserve(m_impl->entries.size());
    for (const auto& [txid, e] : m_impl->entries) out.push_back(txid);
    return out;
}

std::vector<std::pair<Hash256, Transaction>> Mempool::snapshot_transactions() const {
    util::LockGuard lock(m_impl->mutex);
    std::vector<std::pair<Hash256, Transaction>> out;
    out.reserve(m_impl->entries.size());
    for (const auto& [txid, e] : m_impl->entries) out.emplace_back(txid, e.tx);
    return out;
}

std::vector<MempoolEntry> Mempool::latest(size_t max, const std::optional<AccountId>& involving) const {
    util::LockGuard lock(m_impl->mutex);
    std::vector<MempoolEntry> out;
    size_t scanned = 0;
    for (auto it = m_impl->by_time.rbegin(); it != m_impl->by_time.rend() && out.size() < max; ++it) {
        if (involving && ++scanned > kLatestScanLimit) break;
        const MempoolEntry& e = m_impl->entries.at(it->second);
        if (!involving || e.tx.recipient == *involving || e.sender == *involving) out.push_back(e);
    }
    if (!involving) return out;
    // The sender's own transfers wherever they are (its queue holds at most max_per_sender).
    if (const SenderQueue* q = m_impl->queue(*involving))
        for (const auto& [nonce, e] : q->by_nonce)
            if (std::none_of(out.begin(), out.end(), [&](const MempoolEntry& o) { return o.txid == e->txid; }))
                out.push_back(*e);
    std::sort(out.begin(), out.end(), [](const MempoolEntry& a, const MempoolEntry& b) {
        return std::pair(a.time, a.sequence) > std::pair(b.time, b.sequence);
    });
    if (out.size() > max) out.resize(max);
    return out;
}

size_t Mempool::size() const {
    util::LockGuard lock(m_impl->mutex);
    return m_impl->entries.size();
}

size_t Mempool::bytes() const {
    util::LockGuard lock(m_impl->mutex);
    return m_impl->bytes;
}

Amount Mempool::total_fees() const {
    util::LockGuard lock(m_impl->mutex);
    return m_impl->fees;
}

uint64_t Mempool::pending_nonce(const AccountId& sender, uint64_t confirmed_nonce) const {
    util::LockGuard lock(m_impl->mutex);
    return Impl::next_nonce(m_impl->queue(sender), confirmed_nonce);
}

Amount Mempool::pending_spend(const AccountId& sender) const {
    util::LockGuard lock(m_impl->mutex);
    const SenderQueue* q = m_impl->queue(sender);
    if (!q) return 0;
    Amount total = 0;
    for (auto it = q->by_nonce.lower_bound(q->confirmed.nonce); it != q->by_nonce.end(); ++it)
        total = std::min(kMaxMoney, total + it->second->tx.amount + it->second->tx.fee);
    return total;
}

uint64_t Mempool::generation() const { return m_impl->generation.load(); }

void Mempool::block_connected(const Block& block, uint64_t /*height*/) { m_impl->block_connected(block); }

void Mempool::block_disconnected(const Block& block, uint64_t /*height*/) { m_impl->block_disconnected(block); }

void Mempool::tip_changed(const TipInfo& tip, bool /*initial_download*/) { m_impl->tip_changed(tip); }

}  // namespace finch::node
