// Address book (peers we may connect to, with back-off) and ban list, both bounded and
// persisted in the ledger store's metadata.
#pragma once

#include "node/net/messages.h"

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

    // Returns true when the address is new.
    bool add(const NetAddress& addr, uint64_t now);
    void remove(const std::string& key);
    // A random address to try now, not in `exclude` (keys "ip:port"), not backing off.
    std::optional<NetAddress> select(const std::set<std::string>& exclude, uint64_t now, std::mt19937_64& rng) const;
    void mark_attempt(const NetAddress& addr, uint64_t now);
    void mark_success(const NetAddress& addr, uint64_t now);
    // Up to n addresses, most recently seen first.
    std::vector<NetAddress> sample(size_t n) const;
    size_t size() const { return m_entries.size(); }

    Bytes serialize() const;
    static AddressBook deserialize(ByteSpan bytes);

private:
    struct Entry {
        NetAddress addr;
        uint64_t next_try = 0;
        uint32_t failures = 0;
    };
    std::map<std::string, Entry> m_entries;
};

struct Ban {
    std::string address;  // an IP (bans cover every port)
    uint64_t created = 0;
    uint64_t until = 0;
    std::string reason;
};

class BanList {
public:
    static constexpr size_t kMaxEntries = 10'000;

    void ban(const std::string& ip, uint64_t now, uint64_t until, const std::string& reason);
    bool unban(const std::string& ip);
    void clear() { m_bans.clear(); }
    bool is_banned(const std::string& ip, uint64_t now) const;
    // Current bans; expired ones are dropped.
    std::vector<Ban> list(uint64_t now);

    Bytes serialize() const;
    static BanList deserialize(ByteSpan bytes);

private:
    std::map<std::string, Ban> m_bans;
};

}  // namespace finch::net
