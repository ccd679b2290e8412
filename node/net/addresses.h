// Address book (peers we may connect to, with back-off) and ban list, both bounded and
// persisted in the ledger store's metadata.
#pragma once

#include "node/net/messages.h"
#include "node/net/subnet.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace finch::net {

class AddressBook {
public:
    static constexpr size_t kMaxEntries = 10'000;

    // Returns true when the address is new. A gossiped identity is only a hint (it never
    // pins: a node at that address proving another identity is simply recorded as that);
    // an entry already there keeps what it has, and only a completed handshake
    // (mark_success) makes an identity proven. Only proven identities are passed on.
    bool add(const NetAddress& addr, uint64_t now);
    void remove(const std::string& key);
    // A random address to try now, not in `exclude` (keys "ip:port"), not backing off, and
    // not in a netgroup of `busy_groups` (those of our outbound peers: one outbound peer per
    // /16, as Bitcoin Core). A netgroup is drawn first, then an address in it, so a thousand
    // addresses an attacker holds in one /16 weigh as much as one honest address elsewhere.
    // Loopback has no netgroup: its addresses are never held back by `busy_groups`.
    std::optional<NetAddress> select(const std::set<std::string>& exclude, uint64_t now, std::mt19937_64& rng,
                                     const std::set<std::string>& busy_groups = {}) const;
    void mark_attempt(const NetAddress& addr, uint64_t now);
    // A handshake completed: back-off reset, and `addr.identity` (the proven one) recorded.
    void mark_success(const NetAddress& addr, uint64_t now);
    // Up to n addresses, most recently seen first, with identities only where proven.
    std::vector<NetAddress> sample(size_t n) const;
    size_t size() const { return m_entries.size(); }

    Bytes serialize() const;
    static AddressBook deserialize(ByteSpan bytes);

private:
    struct Entry {
        NetAddress addr;
        uint64_t next_try = 0;
        uint32_t failures = 0;
        bool proven = false;  // addr.identity came from our own handshake with it
        std::string group;    // netgroup(addr), computed once
    };
    std::map<std::string, Entry> m_entries;
};

// How many gossiped addresses a peer may make us process: a token bucket refilled at one
// address a second with a burst of 1,000 (Bitcoin Core's rate), so a peer cannot flood the book.
class AddrRateLimit {
public:
    static constexpr double kBurst = 1'000;
    static constexpr double kPerSecond = 1;
    explicit AddrRateLimit(double now_seconds) : m_last(now_seconds) {}
    // Takes one token; false when none is left.
    bool take(double now_seconds) {
        m_tokens = std::min(kBurst, m_tokens + (now_seconds - m_last) * kPerSecond);
        m_last = now_seconds;
        if (m_tokens < 1) return false;
        m_tokens -= 1;
        return true;
    }

private:
    double m_tokens = kBurst;
    double m_last;
};

struct Ban {
    std::string address;  // the subnet, canonical ("1.2.3.4/32", "10.0.0.0/8"); every port
    uint64_t created = 0;
    uint64_t until = 0;
    std::string reason;  // at most kMaxReason bytes
    bool manual = false;  // setban: never pushed out by automatic bans
};

// Bans by subnet, bounded (the one ending first is dropped past the limit), persisted.
class BanList {
public:
    static constexpr size_t kMaxEntries = 10'000;

    static constexpr size_t kMaxReason = 256;

    // Past the limit the automatic ban that ends first makes room (a manual one only when
    // every ban is manual), so peers that get themselves banned cannot flush the operator's.
    void ban(const Subnet& subnet, uint64_t now, uint64_t until, const std::string& reason, bool manual = false);
    bool unban(const Subnet& subnet);
    void clear() {
        m_bans.clear();
        m_wide.clear();
    }
    // Whether a ban still in force covers the address: one lookup for single-address bans,
    // a scan of the (few, manual) wider subnets.
    bool is_banned(const std::string& ip, uint64_t now) const;
    // Whether this very subnet is banned (for "already banned").
    bool has(const Subnet& subnet, uint64_t now) const;
    // Current bans; expired ones are dropped.
    std::vector<Ban> list(uint64_t now);

    Bytes serialize() const;
    // Entries that do not parse are skipped (an older list held bare IPs: they become /32).
    static BanList deserialize(ByteSpan bytes);

private:
    struct Entry {
        Subnet subnet;
        Ban ban;
    };
    std::map<std::string, Entry> m_bans;  // by canonical subnet
    std::map<std::string, Subnet> m_wide;  // the entries wider than one address
};

}  // namespace finch::net
