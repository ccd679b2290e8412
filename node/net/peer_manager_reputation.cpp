// PeerManager: who may take an inbound slot (caps, bans, exclusions, rate limits, the pool of
// pending handshakes, eviction) and what a peer's conduct costs it (discouragement, nuisance);
// the rules live in reputation.h and eviction.h. See docs/protocol.md ("Reputation").
#include "node/net/peer_manager.h"

#include "node/log.h"
#include "node/net/eviction.h"

namespace finch::net {

namespace {

constexpr size_t kMaxPendingOverLimit = 16;  // TLS handshakes allowed to run beyond a full inbound
constexpr size_t kMaxPendingPerGroup = 4;    // ... of them from one address or netgroup

// The group an inbound connection counts against: its netgroup, or for loopback (which has
// none) the address itself, so local test networks still see distinct groups.
std::string group_of(const std::string& ip) {
    std::string group = netgroup(ip);
    return group.empty() ? ip : group;
}

}  // namespace

size_t PeerManager::inbound_count() const {
    size_t n = 0;
    for (const auto& [id, p] : m_peers) n += p->conn->inbound() && !p->conn->closed();
    return n;
}

// Inbound is full and `ip` wants to start a handshake. One address or netgroup may have a few
// running; past the pool's size the oldest pending one makes room, so connections that never
// finish their handshake cannot keep honest newcomers out.
std::optional<std::string> PeerManager::make_room_for_handshake(const std::string& ip) {
    const std::string group = group_of(ip);
    size_t pending = 0, from_group = 0;
    Peer* oldest = nullptr;
    for (auto& [id, p] : m_peers) {
        if (!p->conn->inbound() || p->conn->closed() || p->conn->secured()) continue;
        ++pending;
        from_group += group_of(p->ip) == group;
        if (!p->whitelisted && (!oldest || p->conn_time < oldest->conn_time)) oldest = p.get();
    }
    if (from_group >= kMaxPendingPerGroup) return "inbound full and " + std::to_string(from_group) + " handshakes from " + group + " running";
    if (pending >= kMaxPendingOverLimit) {
        if (!oldest) return "connection limit";
        oldest->conn->close("handshake pool full: the oldest pending handshake makes room");
    }
    return std::nullopt;
}

size_t PeerManager::secured_inbound_count(uint64_t except) const {
    size_t n = 0;
    for (const auto& [id, p] : m_peers) n += id != except && p->conn->inbound() && !p->conn->closed() && p->conn->secured();
    return n;
}

// Outbound slots are reserved, so inbound connections can never crowd them out.
size_t PeerManager::inbound_limit() const {
    const size_t max = m_options.max_connections;
    return max > m_options.max_outbound ? max - m_options.max_outbound : max / 2;
}

// Why an address may not connect now, before counting slots (a full node may evict).
std::optional<std::string> PeerManager::inbound_refusal(const std::string& ip) {
    const bool exempt = whitelisted(ip);
    if (exempt) return std::nullopt;
    if (!m_connection_rate.allow(ip, steady_seconds())) return "too many new connections from this address";
    if (const std::string group = netgroup(ip);
        !group.empty() && !m_netgroup_connection_rate.allow_key(group, steady_seconds()))
        return "too many new connections from " + group;
    const uint64_t now = now_seconds();
    if (m_bans.is_banned(ip, now)) return "banned";
    if (m_exclusions.is_excluded(ip, now)) return "excluded for a while after being a nuisance";
    // One host, or one network's block of addresses, cannot take every inbound slot.
    const std::string group = netgroup(ip);
    size_t same_ip = 0, same_group = 0;
    for (const auto& [id, p] : m_peers) {
        if (!p->conn->inbound() || p->conn->closed()) continue;
        same_ip += p->ip == ip;
        same_group += !group.empty() && netgroup(p->ip) == group;
    }
    if (same_ip >= m_options.max_inbound_per_ip)
        return "already " + std::to_string(same_ip) + " inbound connections from this address";
    if (same_group >= m_options.max_inbound_per_netgroup)
        return "already " + std::to_string(same_group) + " inbound connections from " + group;
    return std::nullopt;
}


void PeerManager::misbehaving(Peer& p, Misbehavior kind, const std::string& detail) {
    const std::string reason = std::string(misbehavior_name(kind)) + (detail.empty() ? "" : ": " + detail);
    if (!p.whitelisted) m_discouraged.discourage(p.ip);
    FINCH_LOG("p2p: peer " + std::to_string(p.conn->id()) + " (" + p.ip + ") misbehaved: " + reason +
              (p.whitelisted ? " (whitelisted: not discouraged)" : "; its address is discouraged"));
    p.conn->close("misbehaved: " + reason);
}

bool PeerManager::nuisance(Peer& p, Nuisance kind, double count) {
    if (p.conn->closed()) return true;
    if (!p.score.add(kind, steady_seconds(), count)) return false;
    std::string action = "disconnected";
    if (!p.whitelisted)
        action += ", its address excluded for " + std::to_string(m_exclusions.exclude(p.ip, now_seconds())) + " s";
    FINCH_LOG("p2p: peer " + std::to_string(p.conn->id()) + " (" + p.ip + ") reached the nuisance limit (last: " +
              nuisance_name(kind) + "): " + action);
    p.conn->close(std::string("nuisance: ") + nuisance_name(kind));
    return true;
}

bool PeerManager::evict_for_inbound(uint64_t newcomer) {
    // A connection that proved an identity but has not finished the version handshake gives
    // nothing yet: the oldest such goes first (so silent TLS-only connections cannot push out
    // honest peers one after another).
    Peer* silent = nullptr;
    for (auto& [id, p] : m_peers)
        if (id != newcomer && p->conn->inbound() && !p->conn->closed() && p->conn->secured() && !p->ready &&
            !p->whitelisted && (!silent || p->conn_time < silent->conn_time))
            silent = p.get();
    if (silent) {
        FINCH_DEBUG(Net, "evicting inbound peer " + std::to_string(silent->conn->id()) + " " + silent->ip +
                             " (no version handshake yet) to make room");
        silent->conn->close("evicted to make room: no version handshake yet");
        return true;
    }
    std::vector<EvictionCandidate> candidates;
    for (const auto& [id, p] : m_peers) {
        if (!p->conn->inbound() || p->conn->closed() || p->whitelisted || !p->ready) continue;
        EvictionCandidate c;
        c.id = id;
        c.netgroup = group_of(p->ip);
        c.connected_at = p->conn_time;
        c.min_ping_seconds = p->min_ping_seconds;
        c.last_novel_block = p->last_novel_block;
        c.last_novel_tx = p->last_novel_tx;
        c.discouraged = p->discouraged;
        candidates.push_back(std::move(c));
    }
    auto victim = select_eviction(std::move(candidates), m_eviction_key);
    if (!victim) return false;
    Peer* p = peer_by_id(*victim);
    FINCH_DEBUG(Net, "evicting inbound peer " + std::to_string(*victim) + " " + p->ip + " to make room");
    p->conn->close("evicted to make room for a new inbound peer");
    return true;
}


}  // namespace finch::net
