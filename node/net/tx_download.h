// Transaction download: who announced which transaction, and which one peer is asked for it
// at a time. A peer that answers `notfound`, times out or leaves hands the request to the
// next peer that announced it. Bounded everywhere. No sockets: PeerManager sends the
// getdata messages this returns.
#pragma once

#include "consensus/hash.h"
#include "node/net/known_inventory.h"

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace finch::net {

using PeerId = uint64_t;
using SteadyClock = std::chrono::steady_clock;

class TxDownload {
public:
    struct Options {
        size_t max_in_flight_per_peer = 5'000;
        std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
        size_t max_tracked = 100'000;         // transactions with announcers we remember
        size_t max_announced_per_peer = 5'000;  // not yet received, per announcer (as Bitcoin Core)
        size_t max_announcers = 8;            // per transaction
        size_t max_recent_rejects = 50'000;   // txids not worth fetching again
        size_t recently_requested = 10'000;   // per peer: a late answer is not unrequested
    };
    using Request = std::pair<PeerId, Hash256>;

    explicit TxDownload(Options options) : m_options(options) {}

    void add_peer(PeerId peer);
    // The peer left: what it was to deliver goes to the next announcers.
    std::vector<Request> remove_peer(PeerId peer, SteadyClock::time_point now);
    // The peer announced `txid`; returns true when it should be asked for it now. A peer holds
    // at most max_announced_per_peer entries; past that its announcements are ignored. With the
    // table full, a peer holding fewer entries than the heavy announcers takes the place of one
    // of theirs, so peers that flood announcements (and answer notfound) cannot shut the others
    // out, alone or together.
    bool announced(PeerId peer, const Hash256& txid, SteadyClock::time_point now);
    // A transaction arrived from `peer`: true when we had asked that peer for it lately.
    bool received(PeerId peer, const Hash256& txid);
    // The peer does not have it: the request moves on.
    std::vector<Request> not_found(PeerId peer, const Hash256& txid, SteadyClock::time_point now);
    // Requests older than the timeout move on; transactions nobody could be asked for yet
    // (every announcer was busy) are asked now, or forgotten after the timeout. The peers
    // that let a request time out are added to `unanswered` (once per request) if given.
    std::vector<Request> expire(SteadyClock::time_point now, std::vector<PeerId>* unanswered = nullptr);

    void rejected(const Hash256& txid);
    bool recently_rejected(const Hash256& txid) const { return m_recent_rejects.count(txid) != 0; }
    size_t in_flight_count(PeerId peer) const;
    bool being_fetched(const Hash256& txid) const { return m_fetcher.count(txid) != 0; }
    size_t tracked() const { return m_announcers.size(); }

private:
    struct PeerState {
        std::map<Hash256, SteadyClock::time_point> in_flight;
        KnownInventory requested;
        std::unordered_set<Hash256, Hash256Hasher> announced;  // its entries in m_announcers
        explicit PeerState(size_t n) : requested(n) {}
    };
    struct Announced {
        std::vector<PeerId> peers;
        SteadyClock::time_point first_seen;
    };
    // Forgets a transaction: its announcers no longer list it.
    void forget(const Hash256& txid);
    // The table is full and `peer` announced something new: drops one entry all of whose
    // announcers hold at least two more entries than `peer` (at most 8 entries, from a random
    // bucket on, of each of the 8 heaviest; equal counts in random order).
    bool make_room_for(PeerId peer, size_t peer_entries);
    bool request(PeerId peer, PeerState& s, const Hash256& txid, SteadyClock::time_point now);
    // Asks the next announcer after `from` failed; appends the request it made, if any.
    void hand_over(const Hash256& txid, PeerId from, SteadyClock::time_point now, std::vector<Request>& out);

    Options m_options;
    std::map<PeerId, PeerState> m_peers;
    std::unordered_map<Hash256, Announced, Hash256Hasher> m_announcers;
    std::unordered_map<Hash256, PeerId, Hash256Hasher> m_fetcher;  // the one peer asked now
    std::unordered_set<Hash256, Hash256Hasher> m_recent_rejects;
    std::deque<Hash256> m_recent_rejects_order;
    std::mt19937_64 m_rng{std::random_device{}()};  // where make_room_for looks
    uint64_t m_generation = 0;  // bumped by every change to who announced what
    std::optional<std::pair<PeerId, uint64_t>> m_no_room;  // make_room_for failed for it then
};

}  // namespace finch::net
