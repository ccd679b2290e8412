#include "rpc/per_ip_limits.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace finch::rpc {

std::string PerIpLimits::key_for(const std::string& address) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.c_str(), &v6) != 1) return address;
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char text[INET6_ADDRSTRLEN] = {};
    if (std::memcmp(v6.s6_addr, kMapped, sizeof kMapped) == 0) {
        inet_ntop(AF_INET, v6.s6_addr + 12, text, sizeof text);
        return text;
    }
    std::memset(v6.s6_addr + 8, 0, 8);
    inet_ntop(AF_INET6, &v6, text, sizeof text);
    return std::string(text) + "/64";
}

bool PerIpLimits::open_connection(const std::string& ip) {
    util::LockGuard lock(m_mutex);
    size_t& n = m_connections[ip];
    if (m_max_connections != 0 && n >= m_max_connections) {
        if (n == 0) m_connections.erase(ip);
        return false;
    }
    ++n;
    return true;
}

void PerIpLimits::close_connection(const std::string& ip) {
    util::LockGuard lock(m_mutex);
    auto it = m_connections.find(ip);
    if (it == m_connections.end()) return;
    if (--it->second == 0) m_connections.erase(it);
}

size_t PerIpLimits::connections(const std::string& ip) const {
    util::LockGuard lock(m_mutex);
    auto it = m_connections.find(ip);
    return it == m_connections.end() ? 0 : it->second;
}

bool PerIpLimits::allow_request(const std::string& ip, Clock::time_point now) {
    const double burst = 2 * m_rate;
    util::LockGuard lock(m_mutex);
    auto it = m_buckets.find(ip);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= kMaxTracked) {
            // Forget addresses whose buckets have refilled: they lose nothing by it.
            for (auto b = m_buckets.begin(); b != m_buckets.end();)
                b = b->second.tokens + std::chrono::duration<double>(now - b->second.updated).count() * m_rate >= burst
                        ? m_buckets.erase(b)
                        : std::next(b);
            if (m_buckets.size() >= kMaxTracked) return false;  // that many busy addresses: refuse newcomers
        }
        it = m_buckets.emplace(ip, Bucket{burst, now}).first;
    }
    Bucket& b = it->second;
    const double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.updated).count());
    b.tokens = std::min(burst, b.tokens + elapsed * m_rate);
    b.updated = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
}

size_t PerIpLimits::tracked() const {
    util::LockGuard lock(m_mutex);
    return m_buckets.size();
}

}  // namespace finch::rpc
