// Two connections to one node identity (both nodes dialed each other at once, or one dialed
// two of the other's addresses): only one may stay, and both ends must end up with the same
// one. Each end judging both connections by what it sees cannot guarantee that: the ends see
// handshakes finish at different moments (TLS 1.3's client finishes before the server), so
// they can choose differently and close both. So only one end decides: the node with the
// lower identity keeps the connection that proved the identity first and closes any later
// one at once; the higher node keeps both until the lower one closes one, and waits for it.
// No sockets: PeerManager counts the connections and closes the one named.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace finch::net {

// How many connections to one identity the higher node holds while it waits.
inline constexpr size_t kMaxConnectionsPerIdentity = 2;

// If the lower node has not closed a duplicate after this long (it is not following this
// rule), the higher node closes the newer connection itself. Longer than any dial can take
// to be proven at the lower end (5 s to connect and 10 s for the TLS handshake).
inline constexpr std::chrono::seconds kDuplicateWait{30};

enum class DuplicateAction {
    Keep,           // keep the newcomer (and whatever is held)
    CloseIncoming,  // close the connection that has just proven the identity
};

// A connection has just proven an identity; `held` open connections already prove it.
// - The lower identity decides: the first connection is kept, any later one closed.
// - The higher identity keeps up to kMaxConnectionsPerIdentity and lets the lower decide. A
//   working link is never closed for a newcomer at either end, so a relay slipped into the
//   path cannot take one over.
inline DuplicateAction on_duplicate_identity(bool our_identity_is_lower, size_t held) {
    if (held == 0) return DuplicateAction::Keep;
    if (our_identity_is_lower) return DuplicateAction::CloseIncoming;
    return held < kMaxConnectionsPerIdentity ? DuplicateAction::Keep : DuplicateAction::CloseIncoming;
}

// A second connection the higher node holds while it waits evicts nobody (eviction could pick
// the very connection the lower node keeps) and may take inbound past its limit, by at most
// this many across all identities: peers with many low identities cannot use it to double
// the node's inbound connections.
inline constexpr size_t kDuplicatesOverInboundLimit = 8;

// Whether an inbound connection that just proved an identity `held` other connections prove
// goes in without the inbound limit's check (and its eviction), with `inbound` proven inbound
// connections already held and `limit` allowed.
inline bool admit_past_inbound_limit(size_t held, size_t inbound, size_t limit) {
    return held > 0 && inbound < limit + kDuplicatesOverInboundLimit;
}

// One proven, open connection, as inbound_slots_in_use counts it.
struct HeldConnection {
    std::string identity;
    bool inbound = false;
    bool whitelisted = false;
};

// Inbound slots the connections take, with a pair to one identity counted as the one
// connection it will become: each identity takes its inbound connections less its extra ones
// (never below zero). Whitelisted connections take none. When the lower node keeps the
// connection that was let in past the limit, this rises above the limit, and the node evicts
// one peer (never one of a pair) to come back to it.
inline size_t inbound_slots_in_use(const std::vector<HeldConnection>& held) {
    struct Count {
        size_t all = 0, inbound = 0;
    };
    std::map<std::string, Count> by_identity;
    for (const HeldConnection& c : held) {
        Count& n = by_identity[c.identity];
        ++n.all;
        n.inbound += c.inbound && !c.whitelisted;
    }
    size_t slots = 0;
    for (const auto& [identity, n] : by_identity) slots += n.inbound > n.all - 1 ? n.inbound - (n.all - 1) : 0;
    return slots;
}

}  // namespace finch::net
