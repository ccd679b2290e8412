// PeerManager: connections, handshake, dispatch and timers; see peer_manager.h and
// docs/protocol.md.
#include "node/net/peer_manager.h"

#include "node/log.h"
#include "util/thread_name.h"

#include <algorithm>

namespace finch::net {

using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kAddrBookKey = "p2p-addrbook";
constexpr const char* kBanListKey = "p2p-banlist";

NetAddress address_of(const tcp::endpoint& ep, uint16_t port) {
    NetAddress a;
    auto ip = ep.address();
    if (ip.is_v4()) {
        auto b = ip.to_v4().to_bytes();
        a.ip[10] = a.ip[11] = 0xff;
        std::copy(b.begin(), b.end(), a.ip.begin() + 12);
    } else {
        auto b = ip.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), a.ip.begin());
    }
    a.port = port;
    a.last_seen = now_seconds();
    return a;
}

}  // namespace

const char* PeerManager::misbehavior_name(Misbehavior m) {
    switch (m) {
        case Misbehavior::MalformedMessage: return "malformed message";
        case Misbehavior::BeforeHandshake: return "message before the handshake";
        case Misbehavior::DuplicateHandshake: return "repeated handshake message";
        case Misbehavior::InvalidHeader: return "invalid header";
        case Misbehavior::InvalidBlock: return "invalid block";
        case Misbehavior::InvalidTransaction: return "invalid transaction";
        case Misbehavior::InvalidCompactBlock: return "invalid compact block message";
        case Misbehavior::UnconnectingHeaders: return "headers that never connect";
    }
    return "misbehavior";
}

PeerManager::PeerManager(node::Chainstate& chain, node::Mempool& mempool, const ChainParams& params,
                         NetOptions options)
    : m_chain(chain),
      m_mempool(mempool),
      m_params(params),
      m_options(std::move(options)),
      m_acceptor(m_ioc),
      m_maintenance_timer(m_ioc),
      m_trickle_timer(m_ioc),
      m_dht_timer(m_ioc),
      m_udp(m_ioc),
      m_rng(std::random_device{}()),
      m_tree(chain),
      m_blocks(m_tree, m_options.blocks),
      m_txs(m_options.txs) {
    m_key = m_options.key;
    m_local_nonce = m_rng();
    m_eviction_key = m_rng();
    if (auto b = m_chain.store().get_meta(kAddrBookKey)) m_addrbook = AddressBook::deserialize(*b);
    if (auto b = m_chain.store().get_meta(kBanListKey)) m_bans = BanList::deserialize(*b);
}

PeerManager::~PeerManager() { stop(); }

Status PeerManager::start() {
    if (auto rules = load_identity_rules(); !rules) return rules;
    for (const auto& a : m_options.addnode) m_addnodes.insert(a);
    for (const std::string& w : m_options.whitelist) {
        auto subnet = Subnet::parse(w);
        if (!subnet) return reject("bad-subnet", "--whitelist " + subnet.error().detail, Fault::Decode);
        m_whitelist.push_back(*subnet);
    }
    if (m_options.listen) {
        boost::system::error_code ec;
        auto address = asio::ip::make_address(m_options.bind, ec);
        if (ec) return reject("p2p-bind", "bad --bind address '" + m_options.bind + "'", Fault::Decode);
        tcp::endpoint ep(address, m_options.port);
        m_acceptor.open(ep.protocol(), ec);
        if (!ec) m_acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) m_acceptor.bind(ep, ec);
        if (!ec) m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            return reject("p2p-bind", "cannot listen on " + m_options.bind + ":" + std::to_string(m_options.port) + ": " +
                                          ec.message(),
                          Fault::Decode);
        m_listen_port = m_acceptor.local_endpoint().port();
        accept_next();
    }
    if (m_options.dht)
        if (auto dht = start_dht(); !dht) return dht;
    m_work.emplace(m_ioc.get_executor());
    asio::post(m_ioc, [this] { maintenance(); });
    asio::post(m_ioc, [this] { flush_tx_announcements(); });
    m_thread = std::thread([this] {
        util::set_thread_name("finch-net");
        m_ioc.run();
    });
    FINCH_LOG("p2p: " + (m_options.listen ? "listening on " + m_options.bind + ":" + std::to_string(m_listen_port)
                                           : std::string("not listening")));
    return Status::accepted();
}

void PeerManager::stop() {
    if (m_stopping.exchange(true) || !m_thread.joinable()) return;
    asio::post(m_ioc, [this] {
        boost::system::error_code ec;
        m_acceptor.close(ec);
        m_maintenance_timer.cancel();
        m_trickle_timer.cancel();
        m_dht_timer.cancel();
        m_udp.close(ec);
        for (auto& [id, p] : m_peers) p->conn->close("shutting down");
        persist();
        if (m_dht) FINCH_LOG("p2p: saved the DHT table (" + std::to_string(m_dht->stats().nodes) + " nodes)");
        m_work.reset();
    });
    m_thread.join();
}

// ---- connections -------------------------------------------------------------------

void PeerManager::accept_next() {
    m_acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec) {
            if (ec != asio::error::operation_aborted && !m_stopping) accept_next();
            return;
        }
        boost::system::error_code e2;
        const std::string ip = socket.remote_endpoint(e2).address().to_string();
        auto why = inbound_refusal(ip);
        // Inbound full: a few handshakes may still run; whether one takes a slot (evicting
        // somebody) is decided once it proved an identity (on_secured).
        if (!why && !whitelisted(ip) && inbound_count() >= inbound_limit()) why = make_room_for_handshake(ip);
        if (why) {
            FINCH_DEBUG(Net, "refused inbound connection from " + ip + ": " + *why);
            socket.close(e2);
        } else {
            add_peer(std::move(socket), true, std::nullopt, false, false);
        }
        accept_next();
    });
}

void PeerManager::connect_to(const NetAddress& addr, bool addnode, bool pinned) {
    const std::string key = addr.to_string();
    if (m_connecting.count(key)) return;
    m_connecting.insert(key);
    m_addrbook.mark_attempt(addr, now_seconds());
    auto socket = std::make_shared<tcp::socket>(m_ioc);
    auto timer = std::make_shared<asio::steady_timer>(m_ioc, std::chrono::seconds(5));
    timer->async_wait([socket](const boost::system::error_code& ec) {
        if (!ec) {
            boost::system::error_code e2;
            socket->close(e2);
        }
    });
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(addr.ip_string(), ec), addr.port);
    socket->async_connect(ep, [this, socket, timer, addr, addnode, pinned, key](const boost::system::error_code& err) {
        timer->cancel();
        m_connecting.erase(key);
        if (err || m_stopping) {
            FINCH_DEBUG(Net, "connect to " + key + " failed: " + err.message());
            return;
        }
        add_peer(std::move(*socket), false, addr, addnode, pinned);
    });
}

void PeerManager::add_peer(tcp::socket socket, bool inbound, std::optional<NetAddress> target, bool addnode,
                           bool pinned) {
    const uint64_t id = m_next_id++;
    ConnectionLimits limits;
    limits.handshake_deadline = m_options.handshake_timeout;
    limits.read_deadline = m_options.handshake_timeout;
    auto conn =
        std::make_shared<Connection>(std::move(socket), *m_tls, id, inbound, m_params.magic, *this, limits, m_counters);
    auto peer = std::make_unique<Peer>(m_options.known_inventory_per_peer, steady_seconds());
    peer->conn = conn;
    peer->ip = conn->remote().address().to_string();
    peer->addr = target ? *target : address_of(conn->remote(), 0);
    peer->addnode = addnode;
    peer->pinned = pinned && peer->addr.has_identity();
    peer->whitelisted = whitelisted(peer->ip);
    peer->discouraged = !peer->whitelisted && m_discouraged.is_discouraged(peer->ip);
    peer->conn_time = now_seconds();
    m_peers.emplace(id, std::move(peer));
    FINCH_DEBUG(Net, std::string(inbound ? "inbound" : "outbound") + " connection " + std::to_string(id) + " with " +
                         endpoint_string(conn->remote()));
    conn->start();  // TLS first: on_secured decides whether the protocol's handshake follows
}

void PeerManager::on_closed(const std::shared_ptr<Connection>& c, const std::string& reason) {
    auto it = m_peers.find(c->id());
    if (it == m_peers.end()) return;
    // Peers that completed the handshake are worth a line; failed attempts only in [net].
    if (it->second->ready)
        FINCH_LOG("p2p: peer " + std::to_string(c->id()) + " " + it->second->ip + " disconnected: " + reason);
    else
        FINCH_DEBUG(Net, "peer " + std::to_string(c->id()) + " disconnected: " + reason);
    it->second->ready = false;
    // What it was fetching goes to other peers.
    m_blocks.remove_peer(c->id());
    send_tx_requests(m_txs.remove_peer(c->id(), Clock::now()));
    m_gap_txs.erase_peer(c->id());
    std::erase(m_high_bandwidth, c->id());
    // Erased later: the caller may still be inside a handler holding a reference to it.
    asio::post(m_ioc, [this, id = c->id()] {
        m_peers.erase(id);
        if (!m_stopping) schedule_downloads();
    });
}

PeerManager::Peer* PeerManager::peer_of(const std::shared_ptr<Connection>& c) { return peer_by_id(c->id()); }

PeerManager::Peer* PeerManager::peer_by_id(uint64_t id) {
    auto it = m_peers.find(id);
    return it == m_peers.end() ? nullptr : it->second.get();
}

bool PeerManager::whitelisted(const std::string& ip) const {
    for (const Subnet& w : m_whitelist)
        if (w.contains(ip)) return true;
    return false;
}

void PeerManager::on_bad_data(const std::shared_ptr<Connection>& c, const Rejection& why) {
    if (Peer* p = peer_of(c)) misbehaving(*p, Misbehavior::MalformedMessage, why.to_string());
}

// ---- handshake -----------------------------------------------------------------------

VersionMsg PeerManager::our_version() const {
    const node::TipInfo tip = m_chain.tip();
    VersionMsg v;
    v.genesis = m_params.genesis_hash;
    v.best_height = tip.height;
    v.best_work = tip.chain_work;
    v.listen_port = m_options.listen ? m_listen_port : 0;
    v.user_agent = m_options.user_agent;
    v.nonce = m_local_nonce;
    v.timestamp = now_seconds();
    return v;
}

void PeerManager::on_message(const std::shared_ptr<Connection>& c, Message&& m, size_t wire_bytes) {
    Peer* p = peer_of(c);
    if (!p || c->closed()) return;
    const bool handshake_message = std::holds_alternative<VersionMsg>(m) || std::holds_alternative<VerackMsg>(m);
    if (!p->ready && !handshake_message)
        return misbehaving(*p, Misbehavior::BeforeHandshake, command_name(command_of(m)));
    if (defer_request(*p, m, wire_bytes)) return;
    std::visit([&](auto&& msg) { handle(*p, std::move(msg)); }, std::move(m));
}

void PeerManager::handle(Peer& p, VersionMsg&& m) {
    if (p.version) return misbehaving(p, Misbehavior::DuplicateHandshake, "version");
    if (m.genesis != m_params.genesis_hash) {
        FINCH_LOG("p2p: disconnecting peer " + std::to_string(p.conn->id()) + " (" + p.ip +
                  "): it is on another network (genesis " + m.genesis.to_hex() + ")");
        return p.conn->close("wrong network");
    }
    if (m.version < kMinProtocolVersion) {
        FINCH_LOG("p2p: disconnecting peer " + std::to_string(p.conn->id()) + ": protocol version " +
                  std::to_string(m.version) + " too old");
        return p.conn->close("old protocol version");
    }
    if (m.nonce == m_local_nonce) {
        // We dialed ourselves. On the accepting side, find our dialing side (its local
        // endpoint is this peer's remote one) to forget the address we dialed.
        for (auto& [id, other] : m_peers) {
            if (other->conn->inbound() || other->conn->local() != p.conn->remote()) continue;
            FINCH_DEBUG(Net, "connected to ourselves at " + other->addr.to_string() + ", dropping the address");
            m_addrbook.remove(other->addr.to_string());
            other->conn->close("connection to self");
        }
        if (!p.conn->inbound()) m_addrbook.remove(p.addr.to_string());
        return p.conn->close("connection to self");
    }
    if (p.conn->inbound()) {
        if (m.listen_port != 0) {
            p.addr = address_of(p.conn->remote(), m.listen_port);
            p.addr.set_identity(p.identity);  // proven: shared with the address when gossiped
            m_addrbook.add(p.addr, now_seconds());
        }
        p.conn->send(our_version());
    }
    p.version = std::move(m);
    p.conn->send(VerackMsg{});
    if (p.got_verack) on_handshake(p);
}

void PeerManager::handle(Peer& p, VerackMsg&&) {
    if (p.got_verack) return misbehaving(p, Misbehavior::DuplicateHandshake, "verack");
    p.got_verack = true;
    if (p.version) on_handshake(p);
}

void PeerManager::on_handshake(Peer& p) {
    p.ready = true;
    p.conn->set_read_deadline(m_options.idle_timeout);
    FINCH_LOG("p2p: connected to peer " + std::to_string(p.conn->id()) + " " + p.ip + " (" +
              (p.conn->inbound() ? "inbound" : "outbound") + ", " + p.version->user_agent + ", height " +
              std::to_string(p.version->best_height) + ", identity " + p.identity + ")");
    m_blocks.add_peer(p.conn->id());
    m_txs.add_peer(p.conn->id());
    dht_learn(p.addr, p.identity);  // a proven identity at a listening address may join the DHT
    m_dht_backoff.erase(p.addr.to_string());
    if (!p.conn->inbound()) {
        m_addrbook.add(p.addr, now_seconds());  // a peer we reached is worth sharing
        m_addrbook.mark_success(p.addr, now_seconds());
        p.conn->send(GetAddrMsg{});
    }
    // Compact blocks: supported, not yet in high-bandwidth mode (chosen by who delivers
    // blocks). Never to a peer of an older version: it would take the message as malformed.
    if (p.version->version >= kCompactBlocksVersion) p.conn->send(SendCmpctMsg{false, kCompactBlockVersion});
    // Whichever side has more work, both learn it now: inbound or outbound, after any
    // reconnection or restart.
    send_getheaders(p);
}

void PeerManager::handle(Peer& p, PingMsg&& m) { p.conn->send(PongMsg{m.nonce}); }

void PeerManager::handle(Peer& p, PongMsg&& m) {
    if (m.nonce != p.ping_nonce || p.ping_nonce == 0) return;
    p.ping_seconds = std::chrono::duration<double>(Clock::now() - p.ping_sent).count();
    if (p.min_ping_seconds == 0 || p.ping_seconds < p.min_ping_seconds) p.min_ping_seconds = p.ping_seconds;
    p.ping_nonce = 0;
}

// ---- timers --------------------------------------------------------------------------

void PeerManager::maintenance() {
    if (m_stopping) return;
    fill_outbound();
    check_stalls();
    send_pings();
    close_slow_handshakes();
    close_lingering_duplicates();
    if (Clock::now() - m_last_persist > std::chrono::minutes(5)) persist();
    m_maintenance_timer.expires_after(std::chrono::seconds(1));
    m_maintenance_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) maintenance();
    });
}

void PeerManager::fill_outbound() {
    const uint64_t now = now_seconds();
    std::set<std::string> connected;
    size_t outbound = 0;
    for (auto& [id, p] : m_peers) {
        connected.insert(p->addr.to_string());
        if (!p->conn->inbound()) ++outbound;
    }
    std::set<std::string> identities;
    for (auto& [id, p] : m_peers)
        if (!p->identity.empty()) identities.insert(p->identity);
    auto ensure = [&](const std::string& target) {
        if (is_identity_text(target)) {  // named by identity alone: found through the DHT
            if (identities.count(target)) return;
            uint64_t& next = m_addnode_next_try[target];
            if (next > now) return;
            next = now + (m_dht && m_dht->table().size() == 0 ? 1 : 5);  // soon while still joining
            return resolve_and_connect(target, true);
        }
        auto addr = operator_target(target);
        if (!addr || connected.count(addr->to_string()) || m_connecting.count(addr->to_string())) return;
        if (addr->has_identity() && identities.count(addr->identity_hex())) return;  // reached another way
        uint64_t& next = m_addnode_next_try[target];
        if (next > now) return;
        // Retry a dropped manual peer 5-10 s later: the spread keeps two nodes that dialed
        // each other at once from redialing in step (docs/protocol.md, "Transport").
        next = now + 5 + m_rng() % 6;
        connect_to(*addr, true, addr->has_identity());
    };
    if (!m_options.connect.empty()) {
        for (const auto& c : m_options.connect) ensure(c);
        return;
    }
    for (const auto& a : m_addnodes) ensure(a);
    // One automatic outbound peer per netgroup: the groups of those we have or are dialing.
    std::set<std::string> busy_groups;
    for (const auto& [id, p] : m_peers)
        if (!p->conn->inbound()) busy_groups.insert(netgroup(p->ip));
    for (const std::string& key : m_connecting)
        if (auto a = NetAddress::parse(key)) busy_groups.insert(netgroup(a->ip_string()));
    busy_groups.erase("");
    for (size_t attempts = 0; outbound + m_connecting.size() < m_options.max_outbound && attempts < 8; ++attempts) {
        std::set<std::string> exclude = connected;
        exclude.insert(m_connecting.begin(), m_connecting.end());
        auto addr = m_addrbook.select(exclude, now, m_rng, busy_groups);
        if (!addr) break;
        if (m_bans.is_banned(addr->ip_string(), now) || m_discouraged.is_discouraged(addr->ip_string()) ||
            m_exclusions.is_excluded(addr->ip_string(), now)) {
            m_addrbook.mark_attempt(*addr, now);
            continue;
        }
        if (addr->has_identity() && identities.count(addr->identity_hex())) continue;  // already connected
        if (std::string group = netgroup(addr->ip_string()); !group.empty()) busy_groups.insert(group);
        connect_to(*addr, false);
    }
    // The DHT's signed records are candidates too (structured and unstructured discovery).
    if (outbound + m_connecting.size() < m_options.max_outbound) dht_fill_outbound(connected, identities, outbound, busy_groups);
}

void PeerManager::check_stalls() {
    const auto now = Clock::now();
    for (uint64_t id : m_blocks.check_stalls(now))
        if (Peer* p = peer_by_id(id); p && !nuisance(*p, Nuisance::StalledDownload)) p->conn->close("stalled block download");
    std::vector<PeerId> unanswered;
    send_tx_requests(m_txs.expire(now, &unanswered));
    m_gap_txs.expire(now_seconds());
    // Once per peer per check, however many requests timed out: a slow link is not twenty faults.
    std::sort(unanswered.begin(), unanswered.end());
    unanswered.erase(std::unique(unanswered.begin(), unanswered.end()), unanswered.end());
    for (auto id : unanswered)
        if (Peer* p = peer_by_id(id)) nuisance(*p, Nuisance::UnansweredRequest);
    schedule_downloads();
    log_sync_progress();
}

// Every 10 s while catching up: where we are, how fast, and when we expect to be done.
void PeerManager::log_sync_progress() {
    const node::TipInfo tip = m_chain.tip();
    const uint64_t headers = m_chain.best_header_height();
    const auto now = Clock::now();
    if (!m_chain.initial_block_download() || headers <= tip.height) {
        m_progress = {};
        return;
    }
    if (!m_progress.since) {
        m_progress = {now, tip.height, now};
        return;
    }
    if (now - m_progress.last_log < std::chrono::seconds(10)) return;
    const double seconds = std::chrono::duration<double>(now - *m_progress.since).count();
    const double rate = seconds > 0 ? static_cast<double>(tip.height - std::min(tip.height, m_progress.from)) / seconds : 0;
    std::string eta = "unknown";
    if (rate > 0) eta = std::to_string(static_cast<uint64_t>(static_cast<double>(headers - tip.height) / rate)) + " s";
    char line[160];
    std::snprintf(line, sizeof line, "sync: height %llu of %llu headers (%.1f%%), %.1f blocks/s, about %s left",
                  static_cast<unsigned long long>(tip.height), static_cast<unsigned long long>(headers),
                  100.0 * static_cast<double>(tip.height) / static_cast<double>(headers), rate, eta.c_str());
    FINCH_LOG(line);
    m_progress.last_log = now;
}

// The read deadline restarts at every frame; this bounds the version handshake as a whole.
void PeerManager::close_slow_handshakes() {
    const auto now = Clock::now();
    for (auto& [id, p] : m_peers)
        if (!p->ready && !p->conn->closed() && p->secured_at != Clock::time_point{} &&
            now - p->secured_at > m_options.handshake_timeout)
            p->conn->close("version handshake deadline passed");
}

void PeerManager::send_pings() {
    const auto now = Clock::now();
    for (auto& [id, p] : m_peers) {
        if (!p->ready) continue;
        if (p->ping_nonce != 0) {
            if (now - p->ping_sent > 4 * m_options.ping_interval) p->conn->close("ping timeout");
            continue;
        }
        if (now - p->ping_sent >= m_options.ping_interval) {
            p->ping_nonce = m_rng() | 1;
            p->ping_sent = now;
            p->conn->send(PingMsg{p->ping_nonce});
        }
    }
}

void PeerManager::persist() {
    m_last_persist = Clock::now();
    (void)m_chain.store().put_meta(kAddrBookKey, m_addrbook.serialize());
    (void)m_chain.store().put_meta(kBanListKey, m_bans.serialize());
    if (m_dht) (void)m_chain.store().put_meta("p2p-dht", m_dht->serialize());
}

}  // namespace finch::net
