// A bound on work handed to another thread and not yet run there (one asio post per item):
// try_take() before posting, release() when the posted work runs. Past the limit the caller
// drops the item and it is counted, so a stalled thread cannot make the queue grow without end.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace finch::net {

class PostBudget {
public:
    explicit PostBudget(size_t limit) : m_limit(limit) {}

    // True (and one more pending) while fewer than `limit` are pending. Otherwise false, and
    // `drop` (when given) gets this refusal's number, 1 for the first, even with racing callers.
    bool try_take(uint64_t* drop = nullptr) {
        size_t n = m_pending.load(std::memory_order_relaxed);
        do {
            if (n >= m_limit) {
                const uint64_t number = m_dropped.fetch_add(1, std::memory_order_relaxed) + 1;
                if (drop) *drop = number;
                return false;
            }
        } while (!m_pending.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
        return true;
    }
    void release() { m_pending.fetch_sub(1, std::memory_order_relaxed); }

    size_t pending() const { return m_pending.load(std::memory_order_relaxed); }
    uint64_t dropped() const { return m_dropped.load(std::memory_order_relaxed); }
    size_t limit() const { return m_limit; }

private:
    const size_t m_limit;
    std::atomic<size_t> m_pending{0};
    std::atomic<uint64_t> m_dropped{0};
};

}  // namespace finch::net
