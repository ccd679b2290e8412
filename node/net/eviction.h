// Which inbound peer gives up its slot when a new one arrives and inbound is full, after
// Bitcoin Core's SelectNodeToEvict: an attacker who controls many connections must be better
// than the honest peers at every one of several things at once to push them all out. No
// sockets: PeerManager fills the candidates and closes the one chosen.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace finch::net {

struct EvictionCandidate {
    uint64_t id = 0;
    std::string netgroup;           // the /16 or /32 (subnet.h netgroup()); loopback: its /32 text
    uint64_t connected_at = 0;      // seconds; lower is longer uptime
    double min_ping_seconds = 0;    // 0: unknown (sorts last)
    uint64_t last_novel_block = 0;  // seconds: a block we did not have yet, first from this peer
    uint64_t last_novel_tx = 0;     // seconds: a transfer accepted into our mempool, first from this peer
    bool discouraged = false;       // evicted before anyone else
};

// Only inbound, non-whitelisted peers whose handshake finished are candidates (the caller
// leaves the others out). Protected, in this order, each among those still unprotected:
//   4 by netgroup (a keyed hash of it, so an attacker cannot choose which), 8 with the
//   lowest ping, 4 that most recently sent a novel transfer, 4 that most recently sent a
//   novel block, then half of the rest by longest uptime.
// Of the unprotected: a discouraged peer if there is one (the youngest); else the youngest
// peer of the netgroup holding the most of them. nullopt when nobody may be evicted (the
// newcomer is refused).
std::optional<uint64_t> select_eviction(std::vector<EvictionCandidate> candidates, uint64_t netgroup_key);

}  // namespace finch::net
