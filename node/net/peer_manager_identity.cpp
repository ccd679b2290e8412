// PeerManager: who may hold a connection once TLS proved an identity (pins, --peerallow,
// one connection per identity, decided by the lower identity), and the operator's names for
// peers; see peer_manager.h and docs/protocol.md ("Transport").
#include "node/net/peer_manager.h"

#include "node/log.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <vector>

namespace finch::net {

namespace {

std::string lowercase(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

// A peer named by the operator (--connect, --addnode, RPC addnode). A bare identity is found
// through the DHT, so it needs the DHT running.
Result<PeerAddress> PeerManager::operator_peer(const std::string& text) const {
    auto a = parse_peer_address(text, m_params.default_port);
    if (!a) return a.error();
    if (!a->has_endpoint() && !m_options.dht)
        return reject("invalid-address", "'" + text + "': a peer named by identity alone is found through the DHT, "
                      "which is off: give IDENTITY@HOST:PORT", Fault::Policy);
    return a;
}

std::optional<NetAddress> PeerManager::operator_target(const std::string& endpoint) const {
    auto addr = NetAddress::parse(endpoint);
    if (!addr) return std::nullopt;
    if (auto pin = m_pins.find(endpoint); pin != m_pins.end()) addr->set_identity(pin->second);
    return addr;
}

// Start-up: the operator's peers (endpoints, and pins where an identity is given), the
// private network's identities, and the TLS context over our key.
Status PeerManager::load_identity_rules() {
    for (auto* list : {&m_options.connect, &m_options.addnode}) {
        const std::string flag = list == &m_options.connect ? "--connect " : "--addnode ";
        for (std::string& entry : *list) {
            auto peer = operator_peer(entry);
            if (!peer) return reject(peer.error().code, flag + peer.error().detail, Fault::Decode);
            if (!peer->has_endpoint()) {
                entry = *peer->identity;  // resolved through the DHT when dialed
                continue;
            }
            entry = peer->endpoint();
            if (peer->identity) m_pins[entry] = *peer->identity;
        }
    }
    for (const std::string& id : m_options.peerallow) {
        if (!is_identity_text(id))
            return reject("bad-peer-identity", "--peerallow '" + id + "': an identity is 64 hex digits", Fault::Decode);
        m_peerallow.insert(lowercase(id));
    }
    if (!m_key) {
        auto fresh = NodeIdentity::generate();
        if (!fresh) return fresh.error();
        m_own_key.emplace(std::move(*fresh));
        m_key = &*m_own_key;
    }
    auto tls = TlsContext::create(*m_key);
    if (!tls) return reject(tls.error().code, "p2p transport: " + tls.error().detail, Fault::Policy);
    m_tls = *tls;
    return Status::accepted();
}

// The TLS handshake proved who the peer is. Before any protocol message: drop it if it is
// ourselves, not the node a pin names, outside --peerallow, or a second connection to a node
// we already hold. None of these is misbehaviour (no ban): a pin mismatch may be a
// man in the middle, and the pinned address is tried again later.
void PeerManager::on_secured(const std::shared_ptr<Connection>& c) {
    Peer* p = peer_of(c);
    if (!p) return c->close("unknown connection");
    const std::string& id = c->peer().identity;
    const std::string who = "peer " + std::to_string(c->id()) + " " + endpoint_string(c->remote());
    if (id == m_tls->identity()) {
        FINCH_DEBUG(Net, who + " is this node, dropping " + (c->inbound() ? "it" : "the address " + p->addr.to_string()));
        if (!c->inbound()) m_addrbook.remove(p->addr.to_string());
        return c->close("connection to self");
    }
    if (p->pinned && p->addr.identity_hex() != id) {
        FINCH_LOG("p2p: pin mismatch at " + p->addr.to_string() + ": expected identity " + p->addr.identity_hex() +
                  ", the peer proved " + id + "; dropped before any message, will retry later");
        return c->close("pin mismatch");
    }
    // An identity the address book only heard of (gossip) is a hint, not a pin: whoever
    // answers is recorded as what it proved, so a liar cannot lock us out of an address.
    if (!c->inbound() && p->addr.has_identity() && p->addr.identity_hex() != id)
        FINCH_DEBUG(Net, p->addr.to_string() + " was said to be " + p->addr.identity_hex() + " and proved " + id);
    if (!m_peerallow.empty() && !m_peerallow.count(id)) {
        FINCH_LOG("p2p: refused " + who + ": identity " + id + " is not in --peerallow");
        return c->close("identity not in --peerallow");
    }
    // Two connections to one node: only the lower identity closes one (duplicate_connection.h).
    size_t held = 0;
    for (const auto& [other_id, other] : m_peers)
        held += other_id != c->id() && other->identity == id && !other->conn->closed();
    const auto now = std::chrono::steady_clock::now();
    const bool we_decide = m_tls->identity() < id || m_rude_identities.contains(id, now);
    if (on_duplicate_identity(we_decide, held) == DuplicateAction::CloseIncoming) {
        FINCH_DEBUG(Net, "two connections to " + id + ": closing the newer, peer " + std::to_string(c->id()));
        return c->close("duplicate connection to the same identity");
    }
    // Inbound is full: this newcomer, proven and allowed, takes a slot only if somebody may be
    // evicted (eviction.h); otherwise it goes. A second connection to an identity we hold
    // never evicts (duplicate_connection.h).
    if (c->inbound() && !p->whitelisted && secured_inbound_count(c->id()) >= inbound_limit()) {
        if (held > 0) return c->close("connection limit (a second connection to one identity does not evict)");
        // A discouraged address gets a free slot, never somebody else's (as Bitcoin Core).
        if (p->discouraged) return c->close("connection limit (a discouraged address does not evict)");
        if (!evict_for_inbound(c->id())) return c->close("connection limit (every inbound peer is protected from eviction)");
    }
    p->identity = id;
    p->secured_at = now;
    p->addr.set_identity(id);
    FINCH_DEBUG(Net, who + " proved identity " + id + " (" + kTransportName + ", " + c->peer().cipher + ")");
    if (!c->inbound()) c->send(our_version());
}

void PeerManager::close_lingering_duplicates() {
    const auto now = std::chrono::steady_clock::now();
    std::map<std::string, std::vector<Peer*>> by_identity;
    for (auto& [id, p] : m_peers)
        if (!p->identity.empty() && !p->conn->closed()) by_identity[p->identity].push_back(p.get());
    for (auto& [identity, held] : by_identity) {
        if (held.size() < 2) continue;
        Peer* newest = *std::max_element(held.begin(), held.end(),
                                         [](const Peer* a, const Peer* b) { return a->secured_at < b->secured_at; });
        if (now - newest->secured_at < kDuplicateWait) continue;
        FINCH_LOG("p2p: " + identity + " left two connections open for " + std::to_string(kDuplicateWait.count()) +
                  " s; closing the newer, peer " + std::to_string(newest->conn->id()) +
                  ", and closing its later ones at once for " + std::to_string(kRudeMemory.count()) + " min");
        m_rude_identities.add(identity, now);
        newest->conn->close("duplicate connection the other node left open");
    }
}

}  // namespace finch::net
