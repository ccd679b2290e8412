#include "node/net/nonce_gap_pool.h"

namespace finch::net {

bool NonceGapPool::add(const Transaction& tx, const AccountId& sender, uint64_t now) {
    if (m_total >= m_limits.max_total) return false;
    auto& queue = m_by_sender[sender];
    if (queue.size() >= m_limits.max_per_sender || queue.count(tx.nonce)) {
        if (queue.empty()) m_by_sender.erase(sender);
        return false;
    }
    queue.emplace(tx.nonce, Entry{tx, now});
    ++m_total;
    return true;
}

std::vector<Transaction> NonceGapPool::take(const AccountId& sender) {
    std::vector<Transaction> out;
    auto it = m_by_sender.find(sender);
    if (it == m_by_sender.end()) return out;
    for (auto& [nonce, e] : it->second) out.push_back(std::move(e.tx));
    m_total -= it->second.size();
    m_by_sender.erase(it);
    return out;
}

std::vector<Transaction> NonceGapPool::take_all() {
    std::vector<Transaction> out;
    for (auto& [sender, queue] : m_by_sender)
        for (auto& [nonce, e] : queue) out.push_back(std::move(e.tx));
    m_by_sender.clear();
    m_total = 0;
    return out;
}

size_t NonceGapPool::expire(uint64_t now) {
    size_t dropped = 0;
    for (auto it = m_by_sender.begin(); it != m_by_sender.end();) {
        auto& queue = it->second;
        for (auto e = queue.begin(); e != queue.end();) {
            if (now >= e->second.added + m_limits.max_age_seconds) {
                e = queue.erase(e);
                ++dropped;
            } else {
                ++e;
            }
        }
        it = queue.empty() ? m_by_sender.erase(it) : std::next(it);
    }
    m_total -= dropped;
    return dropped;
}

}  // namespace finch::net
