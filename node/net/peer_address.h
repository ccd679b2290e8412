// The one parser for every place a peer is named (--connect, --addnode, finch.conf, RPC
// addnode, devnet): `HOST[:PORT]`, `IDENTITY@HOST[:PORT]` or a bare `IDENTITY`. HOST is an
// IPv4 address, a bracketed IPv6 address or `localhost`; PORT defaults to the network's.
#pragma once

#include "consensus/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace finch::net {

struct PeerAddress {
    std::optional<std::string> identity;  // 64 lowercase hex: SHA-256 of the node's public key
    std::string host;                     // numeric IP ("::1" without brackets); empty for a bare identity
    uint16_t port = 0;

    bool has_endpoint() const { return !host.empty(); }
    // "ip:port" or "[v6]:port" (the form the address book and bans use); empty without host.
    std::string endpoint() const;
    // The canonical text: identity@endpoint, endpoint, or identity.
    std::string to_string() const;
    bool operator==(const PeerAddress&) const = default;
};

// Rejections (Fault::Decode), each naming the text: bad-peer-address (empty, stray
// characters), bad-peer-identity (not 64 hex), bad-peer-host (not an IP address or
// localhost: host names are not resolved), bad-peer-port (not 1-65535).
Result<PeerAddress> parse_peer_address(std::string_view text, uint16_t default_port);

// Whether `s` is an identity as written anywhere: 64 hex digits (either case).
bool is_identity_text(std::string_view s);

}  // namespace finch::net
