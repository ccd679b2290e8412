// Block download: which block to ask of which peer. Each peer's best known block comes from
// its headers and announcements; a block is requested only from a peer whose best known
// block descends from it (a peer on another branch is never asked), at most once at a time,
// within a window above the first block we miss. A `notfound` or a stall hands the block to
// another peer of that branch. No sockets: PeerManager sends what this decides.
#pragma once

#include "node/chainstate.h"

#include <chrono>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace finch::net {

using PeerId = uint64_t;
using SteadyClock = std::chrono::steady_clock;

// What scheduling reads of the header tree (the chainstate in finchd; a fake in tests).
class BlockTreeView {
public:
    virtual ~BlockTreeView() = default;
    virtual std::optional<node::HeaderEntry> header(const Hash256& hash) const = 0;
    virtual node::HeaderEntry active_tip() const = 0;
    // The ancestors of `best` at heights [from, from + count), bounded by best's height.
    virtual std::vector<node::HeaderEntry> branch(const Hash256& best, uint64_t from, size_t count) const = 0;
    // The highest block of the active chain that is an ancestor of `best`.
    virtual std::optional<node::HeaderEntry> fork_point(const Hash256& best) const = 0;
};

// The chainstate as a BlockTreeView.
class ChainstateTreeView final : public BlockTreeView {
public:
    explicit ChainstateTreeView(node::Chainstate& chain) : m_chain(chain) {}
    std::optional<node::HeaderEntry> header(const Hash256& hash) const override { return m_chain.header(hash); }
    node::HeaderEntry active_tip() const override;
    std::vector<node::HeaderEntry> branch(const Hash256& best, uint64_t from, size_t count) const override {
        return m_chain.branch(best, from, count);
    }
    std::optional<node::HeaderEntry> fork_point(const Hash256& best) const override {
        return m_chain.fork_point(best);
    }

private:
    node::Chainstate& m_chain;
};

class BlockDownload {
public:
    struct Options {
        size_t max_in_flight_per_peer = 16;
        size_t window = 64;  // blocks above the first missing one (keeps orphans below the pool's limit)
        std::chrono::milliseconds stall_timeout{std::chrono::seconds(10)};
        uint32_t max_stalls = 3;  // then the peer is disconnected
        // After a notfound or a stall, that peer is not asked for that block for this long.
        std::chrono::milliseconds refusal_memory{std::chrono::seconds(60)};
        size_t max_refusals_per_peer = 1'000;
    };

    BlockDownload(const BlockTreeView& tree, Options options) : m_tree(tree), m_options(options) {}

    void add_peer(PeerId peer);
    // Its blocks in flight become free for others.
    void remove_peer(PeerId peer);
    // The peer holds `hash` (it sent the header, announced or delivered the block). Becomes
    // its best known block if it has more work than the one before; a hash whose header we
    // do not know yet is remembered and resolved once its header arrives.
    void peer_has(PeerId peer, const Hash256& hash);
    std::optional<node::HeaderEntry> best_known(PeerId peer) const;

    // Blocks to ask `peer` for now (marked in flight). Empty when its best known block has
    // no more work than our tip.
    std::vector<Hash256> next_requests(PeerId peer, SteadyClock::time_point now);
    // Marks a block as being fetched from `peer` outside the schedule (a compact block
    // being rebuilt); false when someone else is already asked for it.
    bool claim(PeerId peer, const Hash256& hash, SteadyClock::time_point now);
    // A block arrived from `peer`; true when it had been asked of that peer.
    bool received(PeerId peer, const Hash256& hash);
    // The peer said it does not have the block: it is not asked again for it for a while.
    // True when the block had been asked of that peer (an unasked notfound changes nothing).
    bool not_found(PeerId peer, const Hash256& hash, SteadyClock::time_point now);
    // The block failed in transit (a mutated body): free it for another peer.
    void release(const Hash256& hash);
    // Requests older than the stall timeout go back to the queue; returns the peers that
    // stalled `max_stalls` times (to disconnect).
    std::vector<PeerId> check_stalls(SteadyClock::time_point now);

    bool in_flight(const Hash256& hash) const { return m_in_flight.count(hash) != 0; }
    size_t in_flight_count(PeerId peer) const;
    size_t in_flight_total() const { return m_in_flight.size(); }
    uint64_t blocks_delivered(PeerId peer) const;

private:
    struct PeerState {
        std::optional<Hash256> best;
        std::optional<Hash256> unresolved_best;  // announced, header not known yet
        std::map<Hash256, SteadyClock::time_point> in_flight;
        std::map<Hash256, SteadyClock::time_point> refused;  // hash -> until
        uint32_t stalls = 0;
        uint64_t delivered = 0;
    };
    void resolve_best(PeerState& s);
    void update_best(PeerState& s, const node::HeaderEntry& entry);
    void refuse(PeerState& s, const Hash256& hash, SteadyClock::time_point now);

    const BlockTreeView& m_tree;
    Options m_options;
    std::map<PeerId, PeerState> m_peers;
    std::unordered_map<Hash256, PeerId, Hash256Hasher> m_in_flight;  // block -> the peer asked
};

}  // namespace finch::net
