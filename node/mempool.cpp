// The mempool's public calls over its indexes (the rules live in mempool_impl.h, the reaction
// to chain changes in mempool_chain.cpp); see mempool.h.
#include "node/mempool.h"

#include "node/mempool_impl.h"

namespace finch::node {

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
        for (const auto& entry : q->by_nonce) {
            const MempoolEntry* e = entry.second;
            if (std::none_of(out.begin(), out.end(), [e](const MempoolEntry& o) { return o.txid == e->txid; }))
                out.push_back(*e);
        }
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
