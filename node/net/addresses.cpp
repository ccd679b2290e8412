// Address book and ban list; see addresses.h.
#include "node/net/addresses.h"

#include <algorithm>

namespace finch::net {

bool AddressBook::add(const NetAddress& addr, uint64_t now) {
    const std::string key = addr.to_string();
    auto it = m_entries.find(key);
    if (it != m_entries.end()) {
        it->second.addr.last_seen = std::max(it->second.addr.last_seen, std::min(addr.last_seen, now));
        return false;
    }
    if (m_entries.size() >= kMaxEntries) {
        auto oldest = std::min_element(m_entries.begin(), m_entries.end(), [](const auto& a, const auto& b) {
            return a.second.addr.last_seen < b.second.addr.last_seen;
        });
        m_entries.erase(oldest);
    }
    Entry e;
    e.addr = addr;
    e.addr.last_seen = std::min(addr.last_seen, now);
    e.group = netgroup(addr.ip_string());
    m_entries.emplace(key, e);
    return true;
}

void AddressBook::remove(const std::string& key) { m_entries.erase(key); }

std::optional<NetAddress> AddressBook::select(const std::set<std::string>& exclude, uint64_t now,
                                              std::mt19937_64& rng, const std::set<std::string>& busy_groups) const {
    std::map<std::string, std::vector<const Entry*>> by_group;
    for (const auto& [key, e] : m_entries) {
        if (e.next_try > now || exclude.count(key)) continue;
        if (!e.group.empty() && busy_groups.count(e.group)) continue;
        by_group[e.group].push_back(&e);
    }
    if (by_group.empty()) return std::nullopt;
    auto group = by_group.begin();
    std::advance(group, static_cast<std::ptrdiff_t>(rng() % by_group.size()));
    return group->second[rng() % group->second.size()]->addr;
}

void AddressBook::mark_attempt(const NetAddress& addr, uint64_t now) {
    auto it = m_entries.find(addr.to_string());
    if (it == m_entries.end()) return;
    // Exponential back-off: 5 s, 10 s, 20 s ... capped at an hour; reset by a success.
    it->second.failures = std::min<uint32_t>(it->second.failures + 1, 20);
    it->second.next_try = now + std::min<uint64_t>(5ULL << (it->second.failures - 1), 3600);
}

void AddressBook::mark_success(const NetAddress& addr, uint64_t now) {
    auto it = m_entries.find(addr.to_string());
    if (it == m_entries.end()) return;
    it->second.failures = 0;
    it->second.next_try = 0;
    it->second.addr.last_seen = now;
    if (addr.has_identity()) {
        it->second.addr.identity = addr.identity;  // proven by the handshake
        it->second.proven = true;
    }
}

std::vector<NetAddress> AddressBook::sample(size_t n) const {
    std::vector<NetAddress> out;
    for (const auto& [key, e] : m_entries) {
        out.push_back(e.addr);
        if (!e.proven) out.back().identity = {};
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.last_seen > b.last_seen; });
    if (out.size() > n) out.resize(n);
    return out;
}

// Version 2 lists (marked 0xff 0x02, which an old list's compact size cannot begin with)
// carry each address's identity; an old list loads with identities unknown.
constexpr uint8_t kAddressBookMarker = 0xff;
constexpr uint8_t kAddressBookV2 = 2;

Bytes AddressBook::serialize() const {
    Writer w;
    w.u8(kAddressBookMarker);
    w.u8(kAddressBookV2);
    w.compact_size(m_entries.size());
    for (const auto& [key, e] : m_entries) {
        e.addr.encode(w);
        w.u8(e.proven ? 1 : 0);
    }
    return w.take();
}

AddressBook AddressBook::deserialize(ByteSpan bytes) {
    AddressBook book;
    Reader r(bytes);
    const bool v2 = bytes.size() >= 2 && bytes[0] == kAddressBookMarker && bytes[1] == kAddressBookV2;
    if (v2) {
        r.u8();
        r.u8();
    }
    uint64_t n = r.compact_size(kMaxEntries);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        NetAddress a;
        bool proven = false;
        if (v2) {
            a = NetAddress::decode(r);
            proven = r.u8() == 1;
        } else {
            ByteSpan ip = r.bytes(16);
            if (!r.ok()) break;
            std::copy(ip.begin(), ip.end(), a.ip.begin());
            a.port = r.u16();
            a.last_seen = r.u64();
        }
        if (!r.ok()) break;
        book.add(a, a.last_seen);
        if (proven) book.m_entries[a.to_string()].proven = true;
    }
    return book;
}

void BanList::ban(const Subnet& subnet, uint64_t now, uint64_t until, const std::string& reason, bool manual) {
    const std::string key = subnet.to_string();
    if (m_bans.size() >= kMaxEntries && !m_bans.count(key)) {
        auto victim = m_bans.end();
        for (auto it = m_bans.begin(); it != m_bans.end(); ++it) {
            const bool better = victim == m_bans.end() || (victim->second.ban.manual && !it->second.ban.manual) ||
                                (victim->second.ban.manual == it->second.ban.manual &&
                                 it->second.ban.until < victim->second.ban.until);
            if (better) victim = it;
        }
        m_wide.erase(victim->first);
        m_bans.erase(victim);
    }
    m_bans.insert_or_assign(key, Entry{subnet, Ban{key, now, until, reason.substr(0, kMaxReason), manual}});
    if (!subnet.single_address()) m_wide.insert_or_assign(key, subnet);
}

bool BanList::unban(const Subnet& subnet) {
    m_wide.erase(subnet.to_string());
    return m_bans.erase(subnet.to_string()) != 0;
}

bool BanList::is_banned(const std::string& ip, uint64_t now) const {
    auto single = Subnet::parse(ip);
    if (!single) return false;
    if (auto it = m_bans.find(single->to_string()); it != m_bans.end() && it->second.ban.until > now) return true;
    for (const auto& [key, subnet] : m_wide)
        if (subnet.contains(ip) && m_bans.at(key).ban.until > now) return true;
    return false;
}

bool BanList::has(const Subnet& subnet, uint64_t now) const {
    auto it = m_bans.find(subnet.to_string());
    return it != m_bans.end() && it->second.ban.until > now;
}

std::vector<Ban> BanList::list(uint64_t now) {
    std::vector<Ban> out;
    for (auto it = m_bans.begin(); it != m_bans.end();) {
        if (it->second.ban.until <= now) {
            m_wide.erase(it->first);
            it = m_bans.erase(it);
            continue;
        }
        out.push_back(it->second.ban);
        ++it;
    }
    return out;
}

// Version 2 lists start with this byte (a version 1 list starts with its entry count, whose
// compact size never begins with 0xff below 2^32 entries) and carry a manual flag per entry.
constexpr uint8_t kBanListV2 = 0xff;

Bytes BanList::serialize() const {
    Writer w;
    w.u8(kBanListV2);
    w.compact_size(m_bans.size());
    for (const auto& [key, e] : m_bans) {
        w.var_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
        w.u64(e.ban.created);
        w.u64(e.ban.until);
        w.var_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(e.ban.reason.data()), e.ban.reason.size()));
        w.u8(e.ban.manual ? 1 : 0);
    }
    return w.take();
}

BanList BanList::deserialize(ByteSpan bytes) {
    BanList list;
    const bool v2 = !bytes.empty() && bytes[0] == kBanListV2;
    Reader r(v2 ? bytes.subspan(1) : bytes);
    uint64_t n = r.compact_size(kMaxEntries);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        Bytes key = r.var_bytes(64);
        uint64_t created = r.u64(), until = r.u64();
        Bytes reason = r.var_bytes(kMaxReason);
        const bool manual = v2 && r.u8() == 1;
        if (!r.ok()) break;
        auto subnet = Subnet::parse(std::string(key.begin(), key.end()));
        if (!subnet) continue;
        list.ban(*subnet, created, until, std::string(reason.begin(), reason.end()), manual);
    }
    return list;
}

}  // namespace finch::net
