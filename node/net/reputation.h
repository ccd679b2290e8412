// Reputation beyond bans (design.md section 6, "Reputation"), without sockets and with the
// clock passed in:
//   - Discouragement: a peer that sent invalid consensus data or malformed frames inside an
//     authenticated session is disconnected and its address discouraged at once. The filter
//     is bounded and rolling (the oldest generation is forgotten), keyed by IP (an IPv6
//     address by its /64), never listed: discouraged addresses are not dialed, not gossiped,
//     and are the first evicted when inbound slots are full.
//   - Nuisance: what an honest peer may do now and then but a bad one does all the time
//     (unrequested data, stalled downloads, unanswered requests, floods) adds to a score that
//     halves every 10 minutes; past the limit the peer is disconnected and its address
//     excluded for a while, twice as long each time it happens again (as nano-node).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>

namespace finch::net {

// The key an address is judged by: the IP itself for IPv4, the /64 for IPv6 (one host
// holds a whole /64). Empty when `ip` does not parse.
std::string reputation_key(const std::string& ip);

class DiscouragementFilter {
public:
    static constexpr size_t kDefaultCapacity = 50'000;  // addresses remembered (two generations)
    explicit DiscouragementFilter(size_t capacity = kDefaultCapacity);

    void discourage(const std::string& ip);
    bool is_discouraged(const std::string& ip) const;
    void clear();
    size_t size() const { return m_current.size() + m_previous.size(); }
    // Bytes the filter holds at most (for docs and the figures): both generations full.
    size_t memory_bound() const;

private:
    uint64_t hash(const std::string& key) const;
    size_t m_generation_size;
    std::array<uint64_t, 2> m_salt{};
    std::unordered_set<uint64_t> m_current, m_previous;
};

enum class Nuisance {
    UnrequestedData,   // a block, transfer or headers nobody asked for (past a small allowance)
    StalledDownload,   // a block it was asked for did not come in time
    UnansweredRequest, // transfers it announced were not delivered when asked (once per check)
};
const char* nuisance_name(Nuisance n);

// A peer's decaying score. `add` returns true when the score reaches kLimit.
class NuisanceScore {
public:
    static constexpr double kLimit = 100;
    static constexpr double kHalfLifeSeconds = 600;
    static double points(Nuisance n);

    bool add(Nuisance n, double now_seconds, double count = 1);
    double value(double now_seconds) const;

private:
    double m_score = 0;
    double m_at = 0;
};

// Addresses excluded after a nuisance disconnection: 60 s the first time, doubled on each
// repeat (capped at a day); the repeat count is forgotten after a day without trouble.
// Bounded: past kMaxEntries the entry whose exclusion ends first is dropped.
class Exclusions {
public:
    static constexpr size_t kMaxEntries = 10'000;
    static constexpr uint64_t kBaseSeconds = 60;
    static constexpr uint64_t kMaxSeconds = 24 * 3600;

    // Excludes the address from `now`; returns the seconds it is excluded for.
    uint64_t exclude(const std::string& ip, uint64_t now);
    bool is_excluded(const std::string& ip, uint64_t now) const;
    size_t size() const { return m_entries.size(); }

private:
    struct Entry {
        uint64_t until = 0;
        uint32_t repeats = 0;
    };
    std::map<std::string, Entry> m_entries;
};

// New inbound connections per address (IPv6 by /64): a token bucket, so one host that
// connects and hangs up in a loop cannot keep the network thread busy with TLS handshakes
// (failed handshakes are never punished, so this is the only brake). Rate limiting, not a
// ban. Bounded: past kMaxEntries the least recently used address is forgotten.
class ConnectionRateLimit {
public:
    static constexpr size_t kMaxEntries = 10'000;
    static constexpr double kBurst = 32;
    static constexpr double kPerSecond = 2;

    explicit ConnectionRateLimit(double burst = kBurst, double per_second = kPerSecond)
        : m_burst(burst), m_per_second(per_second) {}
    // Takes a token for `ip` (its reputation_key); false when it has none left.
    bool allow(const std::string& ip, double now_seconds) { return allow_key(reputation_key(ip), now_seconds); }
    // The same for any key (a netgroup, for instance).
    bool allow_key(const std::string& key, double now_seconds);
    size_t size() const { return m_buckets.size(); }

private:
    struct Bucket {
        double tokens = 0;
        double last = 0;
    };
    double m_burst, m_per_second;
    std::map<std::string, Bucket> m_buckets;
};

}  // namespace finch::net
