// Block download scheduling; see block_download.h.
#include "node/net/block_download.h"

namespace finch::net {

node::HeaderEntry ChainstateTreeView::active_tip() const {
    const node::TipInfo t = m_chain.tip();
    node::HeaderEntry e;
    e.hash = t.hash;
    e.height = t.height;
    e.chain_work = t.chain_work;
    e.have_data = true;
    e.on_active_chain = true;
    return e;
}

void BlockDownload::add_peer(PeerId peer) { m_peers.try_emplace(peer); }

void BlockDownload::remove_peer(PeerId peer) {
    auto it = m_peers.find(peer);
    if (it == m_peers.end()) return;
    for (const auto& [hash, when] : it->second.in_flight) m_in_flight.erase(hash);
    m_peers.erase(it);
}

void BlockDownload::peer_has(PeerId peer, const Hash256& hash) {
    auto it = m_peers.find(peer);
    if (it == m_peers.end()) return;
    PeerState& s = it->second;
    s.refused.erase(hash);  // it says it has this one now
    auto entry = m_tree.header(hash);
    if (!entry) {
        s.unresolved_best = hash;
        return;
    }
    update_best(s, *entry);
}

// A block becomes the peer's best known one when it has more work than the current one,
// or when the current one turned out invalid.
void BlockDownload::update_best(PeerState& s, const node::HeaderEntry& entry) {
    if (entry.failed) return;
    if (s.best) {
        auto current = m_tree.header(*s.best);
        if (current && !current->failed && current->chain_work >= entry.chain_work) return;
    }
    s.best = entry.hash;
}

void BlockDownload::resolve_best(PeerState& s) {
    if (!s.unresolved_best) return;
    auto entry = m_tree.header(*s.unresolved_best);
    if (!entry) return;
    s.unresolved_best.reset();
    update_best(s, *entry);
}

std::optional<node::HeaderEntry> BlockDownload::best_known(PeerId peer) const {
    auto it = m_peers.find(peer);
    if (it == m_peers.end() || !it->second.best) return std::nullopt;
    return m_tree.header(*it->second.best);
}

void BlockDownload::refuse(PeerState& s, const Hash256& hash, SteadyClock::time_point now) {
    if (s.refused.size() >= m_options.max_refusals_per_peer) {
        // Forget the refusal that ends first.
        auto first = s.refused.begin();
        for (auto it = s.refused.begin(); it != s.refused.end(); ++it)
            if (it->second < first->second) first = it;
        s.refused.erase(first);
    }
    s.refused[hash] = now + m_options.refusal_memory;
}

std::vector<Hash256> BlockDownload::next_requests(PeerId peer, SteadyClock::time_point now) {
    std::vector<Hash256> out;
    auto it = m_peers.find(peer);
    if (it == m_peers.end()) return out;
    PeerState& s = it->second;
    resolve_best(s);
    if (!s.best || s.in_flight.size() >= m_options.max_in_flight_per_peer) return out;
    auto best = m_tree.header(*s.best);
    const node::HeaderEntry tip = m_tree.active_tip();
    if (!best || best->failed || best->chain_work <= tip.chain_work) return out;
    auto fork = m_tree.fork_point(*s.best);
    if (!fork) return out;

    const size_t room = m_options.max_in_flight_per_peer - s.in_flight.size();
    constexpr size_t kChunk = 128;
    constexpr size_t kMaxChunks = 16;  // bounds the walk over blocks we already hold on that branch
    std::optional<uint64_t> first_missing;
    uint64_t from = fork->height + 1;
    for (size_t chunk = 0; chunk < kMaxChunks; ++chunk) {
        const auto entries = m_tree.branch(*s.best, from, kChunk);
        if (entries.empty()) break;
        for (const node::HeaderEntry& e : entries) {
            if (e.failed) return out;  // nothing above an invalid block is worth fetching
            if (e.have_data) continue;
            if (!first_missing) first_missing = e.height;
            if (e.height >= *first_missing + m_options.window) return out;
            // Waiting in the orphan pool for its parent: held, not to be fetched again.
            if (e.body_waiting || m_in_flight.count(e.hash)) continue;
            if (auto r = s.refused.find(e.hash); r != s.refused.end()) {
                if (r->second > now) continue;
                s.refused.erase(r);
            }
            m_in_flight[e.hash] = peer;
            s.in_flight[e.hash] = now;
            out.push_back(e.hash);
            if (out.size() == room) return out;
        }
        from = entries.back().height + 1;
    }
    return out;
}

bool BlockDownload::claim(PeerId peer, const Hash256& hash, SteadyClock::time_point now) {
    auto it = m_peers.find(peer);
    if (it == m_peers.end()) return false;
    if (auto owner = m_in_flight.find(hash); owner != m_in_flight.end()) return owner->second == peer;
    m_in_flight[hash] = peer;
    it->second.in_flight[hash] = now;
    return true;
}

bool BlockDownload::received(PeerId peer, const Hash256& hash) {
    auto owner = m_in_flight.find(hash);
    bool asked = false;
    if (owner != m_in_flight.end()) {
        if (auto p = m_peers.find(owner->second); p != m_peers.end()) p->second.in_flight.erase(hash);
        asked = owner->second == peer;
        m_in_flight.erase(owner);
    }
    if (auto p = m_peers.find(peer); p != m_peers.end()) {
        ++p->second.delivered;
        if (asked) p->second.stalls = 0;
    }
    return asked;
}

bool BlockDownload::not_found(PeerId peer, const Hash256& hash, SteadyClock::time_point now) {
    auto it = m_peers.find(peer);
    if (it == m_peers.end()) return false;
    const bool asked = it->second.in_flight.erase(hash) != 0;
    if (!asked) return false;  // nothing to learn (and nothing to store) from an unasked notfound
    m_in_flight.erase(hash);
    refuse(it->second, hash, now);
    return true;
}

void BlockDownload::release(const Hash256& hash) {
    auto owner = m_in_flight.find(hash);
    if (owner == m_in_flight.end()) return;
    if (auto p = m_peers.find(owner->second); p != m_peers.end()) p->second.in_flight.erase(hash);
    m_in_flight.erase(owner);
}

std::vector<PeerId> BlockDownload::check_stalls(SteadyClock::time_point now) {
    std::vector<PeerId> too_slow;
    for (auto& [id, s] : m_peers) {
        bool stalled = false;
        for (auto it = s.in_flight.begin(); it != s.in_flight.end();) {
            if (now - it->second < m_options.stall_timeout) {
                ++it;
                continue;
            }
            m_in_flight.erase(it->first);
            refuse(s, it->first, now);  // someone else gets it first
            it = s.in_flight.erase(it);
            stalled = true;
        }
        std::erase_if(s.refused, [&](const auto& r) { return r.second <= now; });
        if (stalled && ++s.stalls >= m_options.max_stalls) too_slow.push_back(id);
    }
    return too_slow;
}

size_t BlockDownload::in_flight_count(PeerId peer) const {
    auto it = m_peers.find(peer);
    return it == m_peers.end() ? 0 : it->second.in_flight.size();
}

uint64_t BlockDownload::blocks_delivered(PeerId peer) const {
    auto it = m_peers.find(peer);
    return it == m_peers.end() ? 0 : it->second.delivered;
}

}  // namespace finch::net
