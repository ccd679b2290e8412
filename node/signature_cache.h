// Transactions whose signatures were already verified (by the mempool), keyed by txid,
// so block connection can skip them. A txid commits to the whole transaction, signature
// included, so a hit means exactly these bytes verified on this network.
#pragma once

#include "consensus/hash.h"
#include "node/public_key_cache.h"
#include "util/thread_annotations.h"

#include <deque>
#include <unordered_set>
#include <vector>

namespace finch::node {

class SignatureCache {
public:
    explicit SignatureCache(size_t max_entries = 200'000, size_t max_keys = 100'000)
        : m_max(max_entries), m_keys(max_keys) {}

    bool contains(const Hash256& txid) const {
        util::LockGuard lock(m_mutex);
        return m_set.count(txid) != 0;
    }
    // For each txid, whether it is absent: one lock for a whole block.
    std::vector<bool> absent(const std::vector<Hash256>& txids) const {
        std::vector<bool> out(txids.size());
        util::LockGuard lock(m_mutex);
        for (size_t i = 0; i < txids.size(); ++i) out[i] = m_set.count(txids[i]) == 0;
        return out;
    }
    void add(const Hash256& txid) {
        util::LockGuard lock(m_mutex);
        if (!m_set.insert(txid).second) return;
        m_order.push_back(txid);
        while (m_order.size() > m_max) {  // evict oldest first
            m_set.erase(m_order.front());
            m_order.pop_front();
        }
    }
    size_t size() const {
        util::LockGuard lock(m_mutex);
        return m_set.size();
    }
    // Decoded keys of recent senders, shared by the mempool and block connection.
    PublicKeyCache& keys() const { return m_keys; }

private:
    mutable util::Mutex m_mutex;
    size_t m_max;
    std::unordered_set<Hash256, Hash256Hasher> m_set GUARDED_BY(m_mutex);
    std::deque<Hash256> m_order GUARDED_BY(m_mutex);
    mutable PublicKeyCache m_keys;
};

}  // namespace finch::node
