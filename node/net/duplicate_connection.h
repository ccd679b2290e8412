// Two connections to one node identity (both nodes dialed each other, or one dialed twice):
// which one to keep. Both ends must choose the same one, or each closes a different one and
// the two nodes are left with none until the next dial. No sockets: PeerManager describes the
// two connections and closes the one not kept.
#pragma once

#include <chrono>
#include <cstdint>

namespace finch::net {

// For this long after its version handshake a connection can still lose to a newcomer by the
// symmetric rule below. Both ends finish the handshake within a round trip of each other, but
// not at the same instant: judged by "handshake done" alone, one end could keep the old
// connection while the other, a moment earlier, had kept the new one.
inline constexpr std::chrono::seconds kDuplicateGrace{10};

struct DuplicateCandidate {
    bool inbound = false;
    uint64_t session_tag = 0;  // the TLS session's tag: both ends compute the same
    bool settled = false;      // its version handshake finished kDuplicateGrace ago or more
};

// True to keep `incoming` (the connection that has just proven the identity) and close
// `existing`; false for the reverse.
// - A settled connection is never replaced: somebody who slips a relay into the path cannot
//   take over a working link.
// - Of two connections in different directions: the outbound one of the node whose identity
//   is lower (both ends compare the same two identities).
// - Of two in the same direction: the one whose session tag is lower.
inline bool keep_incoming_connection(const DuplicateCandidate& existing, const DuplicateCandidate& incoming,
                                     bool our_identity_is_lower) {
    if (existing.settled) return false;
    if (existing.inbound != incoming.inbound) return our_identity_is_lower ? !incoming.inbound : incoming.inbound;
    return incoming.session_tag < existing.session_tag;
}

}  // namespace finch::net
