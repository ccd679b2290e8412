// Transaction download; see tx_download.h.
#include "node/net/tx_download.h"

#include <algorithm>
#include <optional>
#include <random>

namespace finch::net {

void TxDownload::add_peer(PeerId peer) { m_peers.try_emplace(peer, m_options.recently_requested); }

bool TxDownload::request(PeerId peer, PeerState& s, const Hash256& txid, SteadyClock::time_point now) {
    if (s.in_flight.size() >= m_options.max_in_flight_per_peer) return false;
    s.in_flight[txid] = now;
    s.requested.insert(txid);
    m_fetcher[txid] = peer;
    return true;
}

bool TxDownload::announced(PeerId peer, const Hash256& txid, SteadyClock::time_point now) {
    auto p = m_peers.find(peer);
    if (p == m_peers.end() || recently_rejected(txid)) return false;
    PeerState& s = p->second;
    const bool at_cap = s.announced.size() >= m_options.max_announced_per_peer;
    auto known = m_announcers.find(txid);
    if (known == m_announcers.end()) {
        if (at_cap) return false;
        if (m_announcers.size() >= m_options.max_tracked && !make_room_for(peer, s.announced.size()))
            return false;  // bounded memory
        known = m_announcers.emplace(txid, Announced{{}, now}).first;
        ++m_generation;
    }
    auto& announcers = known->second.peers;
    const bool listed = std::find(announcers.begin(), announcers.end(), peer) != announcers.end();
    if (!listed && at_cap) return false;
    if (!listed && announcers.size() < m_options.max_announcers) {
        announcers.push_back(peer);
        s.announced.insert(txid);
        ++m_generation;
    }
    if (being_fetched(txid)) return false;
    return request(peer, s, txid, now);
}

bool TxDownload::make_room_for(PeerId peer, size_t peer_entries) {
    // Nothing changed since the last look found no room for this peer: do not look again
    // (one inv may name 50,000 new transactions).
    if (m_no_room && m_no_room->first == peer && m_no_room->second == m_generation) return false;
    const size_t heavy = peer_entries + 2;  // evicting from one entry more would only swap roles
    std::vector<std::pair<size_t, PeerId>> candidates;
    for (const auto& [id, st] : m_peers)
        if (id != peer && st.announced.size() >= heavy) candidates.emplace_back(st.announced.size(), id);
    // The 8 heaviest, equal counts in random order; in each, at most 8 entries from a random
    // bucket on: which entries a look sees is not the attacker's to choose, so co-announcing
    // them (to make them unevictable) cannot block it.
    constexpr size_t kCandidates = 8;
    constexpr size_t kLookPerPeer = 8;
    constexpr size_t kBucketsPerPeer = 64;
    std::shuffle(candidates.begin(), candidates.end(), m_rng);
    std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (candidates.size() > kCandidates) candidates.resize(kCandidates);
    auto evictable = [&](const Hash256& txid) {
        auto it = m_announcers.find(txid);
        if (it == m_announcers.end()) return false;
        const auto& who = it->second.peers;
        return std::all_of(who.begin(), who.end(), [&](PeerId a) {
            auto ap = m_peers.find(a);
            return ap != m_peers.end() && ap->second.announced.size() >= heavy;
        });
    };
    // At most kLookPerPeer entries of one candidate, from a random bucket on.
    auto look_in = [&](const std::unordered_set<Hash256, Hash256Hasher>& entries) -> std::optional<Hash256> {
        const size_t buckets = entries.bucket_count();
        const size_t start = m_rng() % buckets;
        size_t looked = 0;
        for (size_t step = 0; step < std::min(buckets, kBucketsPerPeer); ++step) {
            const size_t b = (start + step) % buckets;
            for (auto it = entries.begin(b); it != entries.end(b); ++it) {
                if (looked++ == kLookPerPeer) return std::nullopt;
                if (evictable(*it)) return *it;
            }
        }
        return std::nullopt;
    };
    std::optional<Hash256> victim;
    for (const auto& candidate : candidates)
        if ((victim = look_in(m_peers.at(candidate.second).announced))) break;
    if (!victim) {
        m_no_room = std::make_pair(peer, m_generation);
        return false;
    }
    // Whoever is fetching it (an announcer, or a peer asked while the list was full) stops
    // counting it in flight; a late answer still counts as requested.
    if (auto f = m_fetcher.find(*victim); f != m_fetcher.end()) {
        if (auto fp = m_peers.find(f->second); fp != m_peers.end()) fp->second.in_flight.erase(*victim);
        m_fetcher.erase(f);
    }
    forget(*victim);
    return true;
}

void TxDownload::forget(const Hash256& txid) {
    auto it = m_announcers.find(txid);
    if (it == m_announcers.end()) return;
    for (PeerId id : it->second.peers)
        if (auto p = m_peers.find(id); p != m_peers.end()) p->second.announced.erase(txid);
    m_announcers.erase(it);
    ++m_generation;
}

bool TxDownload::received(PeerId peer, const Hash256& txid) {
    bool asked = false;
    if (auto p = m_peers.find(peer); p != m_peers.end())
        asked = p->second.in_flight.erase(txid) != 0 || p->second.requested.contains(txid);
    if (auto f = m_fetcher.find(txid); f != m_fetcher.end()) {
        if (f->second != peer)
            if (auto other = m_peers.find(f->second); other != m_peers.end()) other->second.in_flight.erase(txid);
        m_fetcher.erase(f);
    }
    forget(txid);
    return asked;
}

void TxDownload::hand_over(const Hash256& txid, PeerId from, SteadyClock::time_point now, std::vector<Request>& out) {
    m_fetcher.erase(txid);
    auto it = m_announcers.find(txid);
    if (it == m_announcers.end()) return;
    std::erase(it->second.peers, from);
    if (auto p = m_peers.find(from); p != m_peers.end()) p->second.announced.erase(txid);
    ++m_generation;
    for (PeerId next : it->second.peers) {
        auto p = m_peers.find(next);
        if (p != m_peers.end() && request(next, p->second, txid, now)) {
            out.emplace_back(next, txid);
            return;
        }
    }
    if (it->second.peers.empty()) m_announcers.erase(it);
}

std::vector<TxDownload::Request> TxDownload::not_found(PeerId peer, const Hash256& txid, SteadyClock::time_point now) {
    std::vector<Request> out;
    auto p = m_peers.find(peer);
    if (p == m_peers.end() || !p->second.in_flight.erase(txid)) return out;
    hand_over(txid, peer, now, out);
    return out;
}

std::vector<TxDownload::Request> TxDownload::remove_peer(PeerId peer, SteadyClock::time_point now) {
    std::vector<Request> out;
    auto p = m_peers.find(peer);
    if (p == m_peers.end()) return out;
    auto in_flight = std::move(p->second.in_flight);
    auto announced = std::move(p->second.announced);
    m_peers.erase(p);
    ++m_generation;
    for (const auto& [txid, when] : in_flight) hand_over(txid, peer, now, out);
    // Everything else it announced loses it as a source; entries left with none go.
    for (const Hash256& txid : announced) {
        auto it = m_announcers.find(txid);
        if (it == m_announcers.end()) continue;
        std::erase(it->second.peers, peer);
        if (it->second.peers.empty() && !being_fetched(txid)) m_announcers.erase(it);
    }
    return out;
}

std::vector<TxDownload::Request> TxDownload::expire(SteadyClock::time_point now, std::vector<PeerId>* unanswered) {
    std::vector<Request> out;
    std::vector<std::pair<PeerId, Hash256>> timed_out;
    for (auto& [id, s] : m_peers)
        for (auto it = s.in_flight.begin(); it != s.in_flight.end();) {
            if (now - it->second < m_options.request_timeout) {
                ++it;
                continue;
            }
            timed_out.emplace_back(id, it->first);
            it = s.in_flight.erase(it);
        }
    for (const auto& [id, txid] : timed_out) {
        if (unanswered) unanswered->push_back(id);
        hand_over(txid, id, now, out);
    }
    // Announced while every announcer had its requests full: ask now, or give up.
    std::vector<Hash256> stale;
    for (auto& [txid, a] : m_announcers) {
        if (being_fetched(txid)) continue;
        bool asked = false;
        for (PeerId id : a.peers) {
            auto p = m_peers.find(id);
            if (p != m_peers.end() && request(id, p->second, txid, now)) {
                out.emplace_back(id, txid);
                asked = true;
                break;
            }
        }
        if (!asked && now - a.first_seen >= m_options.request_timeout) stale.push_back(txid);
    }
    for (const Hash256& txid : stale) forget(txid);
    return out;
}

void TxDownload::rejected(const Hash256& txid) {
    if (!m_recent_rejects.insert(txid).second) return;
    m_recent_rejects_order.push_back(txid);
    if (m_recent_rejects_order.size() > m_options.max_recent_rejects) {
        m_recent_rejects.erase(m_recent_rejects_order.front());
        m_recent_rejects_order.pop_front();
    }
}

size_t TxDownload::in_flight_count(PeerId peer) const {
    auto it = m_peers.find(peer);
    return it == m_peers.end() ? 0 : it->second.in_flight.size();
}

}  // namespace finch::net
