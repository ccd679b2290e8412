// The inventory a peer is known to have (it announced or sent it, or we sent it), so
// nothing is echoed back or sent twice. Bounded: the oldest entries are forgotten first.
#pragma once

#include "consensus/hash.h"

#include <deque>
#include <unordered_set>

namespace finch::net {

class KnownInventory {
public:
    explicit KnownInventory(size_t max) : m_max(max) {}
    bool contains(const Hash256& h) const { return m_set.count(h) != 0; }
    void insert(const Hash256& h) {
        if (!m_set.insert(h).second) return;
        m_order.push_back(h);
        if (m_order.size() > m_max) {
            m_set.erase(m_order.front());
            m_order.pop_front();
        }
    }
    // Forgets one entry (its slot in the age order goes when it comes up, so at worst a later
    // re-insertion is forgotten a little early: that only costs a repeated announcement).
    void forget(const Hash256& h) { m_set.erase(h); }
    size_t size() const { return m_set.size(); }

private:
    size_t m_max;
    std::unordered_set<Hash256, Hash256Hasher> m_set;
    std::deque<Hash256> m_order;
};

}  // namespace finch::net
