// Discouragement, nuisance scores and exclusions; see reputation.h.
#include "node/net/reputation.h"

#include "node/net/compact_block.h"
#include "node/net/subnet.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace finch::net {

std::string reputation_key(const std::string& ip) {
    auto single = Subnet::parse(ip.substr(0, ip.find('%')));
    if (!single) return {};
    if (single->is_ipv4()) return single->to_string();
    auto wide = Subnet::parse(ip.substr(0, ip.find('%')) + "/64");
    return wide ? wide->to_string() : std::string();
}

// ---- DiscouragementFilter ------------------------------------------------------------------

DiscouragementFilter::DiscouragementFilter(size_t capacity) : m_generation_size(std::max<size_t>(1, capacity / 2)) {
    std::random_device rd;
    m_salt = {(uint64_t{rd()} << 32) | rd(), (uint64_t{rd()} << 32) | rd()};
    m_current.reserve(m_generation_size);
}

uint64_t DiscouragementFilter::hash(const std::string& key) const {
    // Keyed with a per-process secret, so nobody can pick addresses that collide with another's.
    return siphash24(ShortIdKey{m_salt[0], m_salt[1]}, ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
}

void DiscouragementFilter::discourage(const std::string& ip) {
    const std::string key = reputation_key(ip);
    if (key.empty()) return;
    const uint64_t h = hash(key);
    if (m_current.count(h)) return;
    if (m_current.size() >= m_generation_size) {
        m_previous = std::move(m_current);
        m_current = {};
        m_current.reserve(m_generation_size);
    }
    m_current.insert(h);
}

bool DiscouragementFilter::is_discouraged(const std::string& ip) const {
    const std::string key = reputation_key(ip);
    if (key.empty()) return false;
    const uint64_t h = hash(key);
    return m_current.count(h) || m_previous.count(h);
}

void DiscouragementFilter::clear() {
    m_current.clear();
    m_previous.clear();
}

size_t DiscouragementFilter::memory_bound() const {
    // Per element of an unordered_set<uint64_t> (libstdc++): a node of value + next pointer
    // (16 bytes, 32 with the allocator's rounding) and a bucket pointer (8).
    return 2 * m_generation_size * (32 + 8);
}

// ---- NuisanceScore -----------------------------------------------------------------------

const char* nuisance_name(Nuisance n) {
    switch (n) {
        case Nuisance::UnrequestedData: return "unrequested data";
        case Nuisance::StalledDownload: return "stalled download";
        case Nuisance::UnansweredRequest: return "unanswered request";
    }
    return "nuisance";
}

double NuisanceScore::points(Nuisance n) {
    switch (n) {
        case Nuisance::UnrequestedData: return 0.5;     // 200 items in a short while reach the limit
        case Nuisance::StalledDownload: return 30;      // four stalls in a row
        case Nuisance::UnansweredRequest: return 5;     // twenty checks in a row with requests timed out
    }
    return 1;
}

double NuisanceScore::value(double now_seconds) const {
    if (m_score <= 0) return 0;
    const double elapsed = std::max(0.0, now_seconds - m_at);
    return m_score * std::exp2(-elapsed / kHalfLifeSeconds);
}

bool NuisanceScore::add(Nuisance n, double now_seconds, double count) {
    m_score = value(now_seconds) + points(n) * count;
    m_at = now_seconds;
    return m_score >= kLimit;
}

// ---- Exclusions --------------------------------------------------------------------------

uint64_t Exclusions::exclude(const std::string& ip, uint64_t now) {
    const std::string key = reputation_key(ip);
    if (key.empty()) return 0;
    auto it = m_entries.find(key);
    if (it == m_entries.end() && m_entries.size() >= kMaxEntries) {
        auto first = std::min_element(m_entries.begin(), m_entries.end(),
                                      [](const auto& a, const auto& b) { return a.second.until < b.second.until; });
        m_entries.erase(first);
    }
    Entry& e = m_entries[key];
    // A day without trouble since the last exclusion ended: start again from the base.
    if (e.until != 0 && now > e.until + kMaxSeconds) e.repeats = 0;
    const uint64_t seconds = std::min<uint64_t>(kMaxSeconds, kBaseSeconds << std::min<uint32_t>(e.repeats, 20));
    e.repeats = std::min<uint32_t>(e.repeats + 1, 32);
    e.until = now + seconds;
    return seconds;
}

bool Exclusions::is_excluded(const std::string& ip, uint64_t now) const {
    auto it = m_entries.find(reputation_key(ip));
    return it != m_entries.end() && now < it->second.until;
}

// ---- ConnectionRateLimit --------------------------------------------------------------

bool ConnectionRateLimit::allow_key(const std::string& key, double now_seconds) {
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= kMaxEntries) {
            auto stalest = std::min_element(m_buckets.begin(), m_buckets.end(),
                                            [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
            m_buckets.erase(stalest);
        }
        it = m_buckets.emplace(key, Bucket{m_burst, now_seconds}).first;
    }
    Bucket& b = it->second;
    b.tokens = std::min(m_burst, b.tokens + std::max(0.0, now_seconds - b.last) * m_per_second);
    b.last = now_seconds;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
}

}  // namespace finch::net
