// Items handed from other threads to the network thread, which takes them in bulk on its own
// schedule (the transaction trickle), so handing one over wakes nobody. Bounded: past `limit`
// items waiting (the network thread stalled) push() refuses and counts the refusal.
#pragma once

#include "util/thread_annotations.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

namespace finch::net {

template <typename T>
class HandoffQueue {
public:
    explicit HandoffQueue(size_t limit) : m_limit(limit) {}

    // True when the item is queued. False when `limit` items already wait: the item is
    // dropped, and `drop` (when given) gets this refusal's number, 1 for the first, even with
    // racing callers.
    bool push(T item, uint64_t* drop = nullptr) EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        if (m_items.size() >= m_limit) {
            ++m_dropped;
            if (drop) *drop = m_dropped;
            return false;
        }
        m_items.push_back(std::move(item));
        return true;
    }

    // The oldest `max` items waiting (all of them when fewer), oldest first. A cap lets the
    // taker bound its work per turn after a stall; the rest wait for the next turn.
    std::vector<T> take(size_t max) EXCLUDES(m_mutex) {
        std::vector<T> out;
        util::LockGuard lock(m_mutex);
        if (m_items.size() <= max) {
            // The pushers refill it at about the same pace. Reserved before the swap, so
            // running out of memory leaves the items queued.
            std::vector<T> fresh;
            fresh.reserve(m_items.size());
            out.swap(m_items);
            m_items.swap(fresh);
        } else {
            out.assign(std::make_move_iterator(m_items.begin()),
                       std::make_move_iterator(m_items.begin() + static_cast<std::ptrdiff_t>(max)));
            m_items.erase(m_items.begin(), m_items.begin() + static_cast<std::ptrdiff_t>(max));
        }
        return out;
    }

    size_t size() const EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        return m_items.size();
    }
    uint64_t dropped() const EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        return m_dropped;
    }
    size_t limit() const { return m_limit; }

private:
    const size_t m_limit;
    mutable util::Mutex m_mutex;
    std::vector<T> m_items GUARDED_BY(m_mutex);
    uint64_t m_dropped GUARDED_BY(m_mutex) = 0;
};

}  // namespace finch::net
