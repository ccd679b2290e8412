// Limits per client address for the explorer, which answers without credentials: connections
// held at once, and API requests per second (a token bucket: `rate` a second, bursts of
// 2 x rate). Both tables are bounded; thread-safe.
#pragma once

#include "util/thread_annotations.h"

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace finch::rpc {

class PerIpLimits {
public:
    using Clock = std::chrono::steady_clock;
    // Addresses tracked by the rate table; past it the idle ones (full buckets) are dropped.
    static constexpr size_t kMaxTracked = 10'000;

    PerIpLimits(size_t max_connections_per_ip, double requests_per_second)
        : m_max_connections(max_connections_per_ip), m_rate(requests_per_second) {}

    // The key limits are counted under: an IPv4 address as it is (an IPv4-mapped IPv6 one as
    // its IPv4 form), an IPv6 address as its /64 ("2001:db8:1:2::/64": one host's share), any
    // other text as it is.
    static std::string key_for(const std::string& address);

    // Takes a connection slot for `ip`; false when it already holds the maximum (0: no cap).
    bool open_connection(const std::string& ip) EXCLUDES(m_mutex);
    void close_connection(const std::string& ip) EXCLUDES(m_mutex);
    size_t connections(const std::string& ip) const EXCLUDES(m_mutex);

    // Takes one request token for `ip` at `now`; false when its bucket is empty.
    bool allow_request(const std::string& ip, Clock::time_point now) EXCLUDES(m_mutex);
    size_t tracked() const EXCLUDES(m_mutex);

private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point updated;
    };
    const size_t m_max_connections;
    const double m_rate;
    mutable util::Mutex m_mutex;
    std::unordered_map<std::string, size_t> m_connections GUARDED_BY(m_mutex);
    std::unordered_map<std::string, Bucket> m_buckets GUARDED_BY(m_mutex);
};

}  // namespace finch::rpc
