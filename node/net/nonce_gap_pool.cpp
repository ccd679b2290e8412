#include "node/net/nonce_gap_pool.h"

#include <iterator>

namespace finch::net {

void NonceGapPool::erase_one(std::unordered_map<AccountId, std::map<uint64_t, Waiting>, AccountIdHasher>::iterator sender,
                             std::map<uint64_t, Waiting>::iterator entry) {
    if (auto p = m_per_peer.find(entry->second.peer); p != m_per_peer.end() && --p->second == 0) m_per_peer.erase(p);
    sender->second.erase(entry);
    if (sender->second.empty()) m_by_sender.erase(sender);
    --m_total;
}

bool NonceGapPool::add(Waiting w, const AccountId& sender) {
    if (m_per_peer.count(w.peer) && m_per_peer[w.peer] >= m_limits.max_per_peer) return false;
    if (auto it = m_by_sender.find(sender); it != m_by_sender.end())
        if (it->second.size() >= m_limits.max_per_sender || it->second.count(w.tx.nonce)) return false;
    if (m_total >= m_limits.max_total && m_total > 0) {
        // Room by a random eviction: one who floods cannot keep the others out for sure.
        auto victim = std::next(m_by_sender.begin(),
                                static_cast<std::ptrdiff_t>(m_rng() % m_by_sender.size()));
        erase_one(victim, std::prev(victim->second.end()));  // its highest nonce: the furthest from fitting
    }
    if (m_total >= m_limits.max_total) return false;  // max_total == 0
    const uint64_t peer = w.peer, nonce = w.tx.nonce;
    m_by_sender[sender].emplace(nonce, std::move(w));
    ++m_per_peer[peer];
    ++m_total;
    return true;
}

std::vector<NonceGapPool::Waiting> NonceGapPool::take(const AccountId& sender) {
    std::vector<Waiting> out;
    auto it = m_by_sender.find(sender);
    if (it == m_by_sender.end()) return out;
    while (!it->second.empty()) {
        auto first = it->second.begin();
        out.push_back(first->second);
        const bool last = it->second.size() == 1;
        erase_one(it, first);
        if (last) break;  // erase_one removed the sender
    }
    return out;
}

std::vector<NonceGapPool::Waiting> NonceGapPool::take_all() {
    std::vector<Waiting> out;
    for (auto& [sender, queue] : m_by_sender)
        for (auto& [nonce, w] : queue) out.push_back(std::move(w));
    m_by_sender.clear();
    m_per_peer.clear();
    m_total = 0;
    return out;
}

template <typename Pred>
size_t NonceGapPool::erase_where(Pred&& doomed) {
    size_t dropped = 0;
    for (auto it = m_by_sender.begin(); it != m_by_sender.end();) {
        auto next_sender = std::next(it);
        for (auto e = it->second.begin(); e != it->second.end();) {
            auto next = std::next(e);
            if (doomed(e->second)) {
                const bool last = it->second.size() == 1;
                erase_one(it, e);  // the last one takes its sender along
                ++dropped;
                if (last) break;
            }
            e = next;
        }
        it = next_sender;
    }
    return dropped;
}

size_t NonceGapPool::erase_peer(uint64_t peer) {
    if (!m_per_peer.count(peer)) return 0;
    return erase_where([peer](const Waiting& w) { return w.peer == peer; });
}

size_t NonceGapPool::expire(uint64_t now) {
    return erase_where([&](const Waiting& w) { return now >= w.added + m_limits.max_age_seconds; });
}

}  // namespace finch::net
