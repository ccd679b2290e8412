// The p2p protocol logic; see peer_manager.h and docs/protocol.md.
#include "node/net/peer_manager.h"

#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/log.h"
#include "node/miner.h"
#include "node/net/known_inventory.h"

#include <future>

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

struct PeerManager::Peer {
    std::shared_ptr<Connection> conn;
    std::string ip;
    NetAddress addr;  // for outbound: the address dialed; inbound: ip + listening port
    bool addnode = false;
    bool whitelisted = false;
    std::optional<VersionMsg> version;
    bool got_verack = false;
    bool ready = false;  // handshake complete
    uint64_t conn_time = now_seconds();
    uint64_t best_height = 0;
    KnownInventory known;
    KnownInventory requested{10'000};  // what we asked this peer for lately
    std::vector<Hash256> tx_to_announce;
    std::map<Hash256, Clock::time_point> blocks_in_flight;
    std::map<Hash256, Clock::time_point> txs_in_flight;
    uint64_t ping_nonce = 0;
    Clock::time_point ping_sent;
    double ping_seconds = 0;
    bool answered_getaddr = false;
    double addr_tokens = 1000;
    Clock::time_point addr_refill = Clock::now();
    uint64_t unrequested_window_start = now_seconds();
    size_t unrequested_count = 0;
    uint32_t stalls = 0;
    uint64_t synced_blocks = 0;

    explicit Peer(size_t known_max) : known(known_max) {}
};

PeerManager::PeerManager(node::Chainstate& chain, node::Mempool& mempool, const ChainParams& params,
                         NetOptions options)
    : m_chain(chain),
      m_mempool(mempool),
      m_params(params),
      m_options(std::move(options)),
      m_acceptor(m_ioc),
      m_maintenance_timer(m_ioc),
      m_trickle_timer(m_ioc),
      m_rng(std::random_device{}()) {
    m_local_nonce = m_rng();
    for (const auto& a : m_options.addnode) m_addnodes.insert(a);
    if (auto b = m_chain.store().get_meta(kAddrBookKey)) m_addrbook = AddressBook::deserialize(*b);
    if (auto b = m_chain.store().get_meta(kBanListKey)) m_bans = BanList::deserialize(*b);
}

PeerManager::~PeerManager() { stop(); }

Status PeerManager::start() {
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
    m_work.emplace(m_ioc.get_executor());
    asio::post(m_ioc, [this] { maintenance(); });
    asio::post(m_ioc, [this] { flush_tx_announcements(); });
    m_thread = std::thread([this] { m_ioc.run(); });
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
        for (auto& [id, p] : m_peers) p->conn->close("shutting down");
        persist();
        m_work.reset();
    });
    m_thread.join();
}

template <typename F>
auto PeerManager::run_on_io(F f) -> decltype(f()) {
    using R = decltype(f());
    if (m_stopping || !m_thread.joinable()) {
        if constexpr (std::is_void_v<R>) return;
        else return R{};
    }
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
    auto fut = task->get_future();
    asio::post(m_ioc, [task] { (*task)(); });
    if (fut.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        if constexpr (std::is_void_v<R>) return;
        else return R{};
    }
    return fut.get();
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
        if (m_bans.is_banned(ip, now_seconds()) && !whitelisted(ip)) {
            FINCH_DEBUG(Net, "refused inbound connection from banned " + ip);
            socket.close(e2);
        } else if (inbound_count() >= inbound_limit()) {
            FINCH_DEBUG(Net, "refused inbound connection from " + ip + ": connection limit");
            socket.close(e2);
        } else {
            add_peer(std::move(socket), true, std::nullopt, false);
        }
        accept_next();
    });
}

void PeerManager::connect_to(const NetAddress& addr, bool addnode) {
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
    socket->async_connect(ep, [this, socket, timer, addr, addnode, key](const boost::system::error_code& err) {
        timer->cancel();
        m_connecting.erase(key);
        if (err || m_stopping) {
            FINCH_DEBUG(Net, "connect to " + key + " failed: " + err.message());
            return;
        }
        add_peer(std::move(*socket), false, addr, addnode);
    });
}

void PeerManager::add_peer(tcp::socket socket, bool inbound, std::optional<NetAddress> target, bool addnode) {
    const uint64_t id = m_next_id++;
    ConnectionLimits limits;
    limits.read_deadline = m_options.handshake_timeout;
    auto conn = std::make_shared<Connection>(std::move(socket), id, inbound, m_params.magic, *this, limits);
    auto peer = std::make_unique<Peer>(m_options.known_inventory_per_peer);
    peer->conn = conn;
    peer->ip = conn->remote().address().to_string();
    peer->addr = target ? *target : address_of(conn->remote(), 0);
    peer->addnode = addnode;
    peer->whitelisted = whitelisted(peer->ip);
    m_peers.emplace(id, std::move(peer));
    FINCH_DEBUG(Net, std::string(inbound ? "inbound" : "outbound") + " connection " + std::to_string(id) + " with " +
                         conn->remote().address().to_string() + ":" + std::to_string(conn->remote().port()));
    conn->start();
    if (!inbound) conn->send(our_version());
}

void PeerManager::on_closed(const std::shared_ptr<Connection>& c, const std::string& reason) {
    auto it = m_peers.find(c->id());
    if (it == m_peers.end()) return;
    FINCH_DEBUG(Net, "peer " + std::to_string(c->id()) + " disconnected: " + reason);
    // Blocks it was fetching go back to the queue for other peers.
    for (auto& [hash, when] : it->second->blocks_in_flight)
        if (auto p = m_pending_blocks.find(hash); p != m_pending_blocks.end()) p->second.requested_from = 0;
    it->second->blocks_in_flight.clear();
    it->second->ready = false;
    // Transactions it was to deliver are asked of the next peers that offered them.
    auto txs = std::move(it->second->txs_in_flight);
    it->second->txs_in_flight.clear();
    for (const auto& [txid, when] : txs) {
        m_tx_fetcher.erase(txid);
        retry_tx(txid, c->id());
    }
    // Headers only this peer announced are forgotten: honest peers announce them again.
    for (auto pb = m_pending_blocks.begin(); pb != m_pending_blocks.end();)
        pb = (pb->second.announced_by == c->id() && pb->second.requested_from == 0) ? m_pending_blocks.erase(pb)
                                                                                 : std::next(pb);
    // Erased later: the caller may still be inside a handler holding a reference to it.
    asio::post(m_ioc, [this, id = c->id()] {
        m_peers.erase(id);
        if (!m_stopping) schedule_downloads();
    });
}

size_t PeerManager::inbound_count() const {
    size_t n = 0;
    for (const auto& [id, p] : m_peers) n += p->conn->inbound() && !p->conn->closed();
    return n;
}

// Outbound slots are reserved, so inbound connections can never crowd them out.
size_t PeerManager::inbound_limit() const {
    const size_t max = m_options.max_connections;
    return max > m_options.max_outbound ? max - m_options.max_outbound : max / 2;
}

PeerManager::Peer* PeerManager::peer_of(const std::shared_ptr<Connection>& c) {
    auto it = m_peers.find(c->id());
    return it == m_peers.end() ? nullptr : it->second.get();
}

bool PeerManager::whitelisted(const std::string& ip) const {
    for (const auto& w : m_options.whitelist)
        if (w == ip) return true;
    return false;
}

void PeerManager::ban_ip(const std::string& ip, uint64_t seconds, const std::string& reason) {
    const uint64_t now = now_seconds();
    m_bans.ban(ip, now, now + seconds, reason);
    for (auto& [id, p] : m_peers)
        if (p->ip == ip) p->conn->close("banned: " + reason);
    persist();
}

void PeerManager::misbehaving(Peer& p, const std::string& reason) {
    FINCH_LOG("p2p: peer " + std::to_string(p.conn->id()) + " (" + p.ip + ") misbehaved: " + reason);
    if (p.whitelisted) {
        p.conn->close("misbehaved: " + reason);
        return;
    }
    ban_ip(p.ip, m_options.ban_seconds, reason);
    p.conn->close("misbehaved: " + reason);
}

void PeerManager::on_bad_data(const std::shared_ptr<Connection>& c, const Rejection& why) {
    if (Peer* p = peer_of(c)) misbehaving(*p, "malformed message: " + why.to_string());
}

// ---- messages ------------------------------------------------------------------------

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

void PeerManager::on_message(const std::shared_ptr<Connection>& c, Message&& m, size_t) {
    Peer* p = peer_of(c);
    if (!p || c->closed()) return;
    const bool handshake_message = std::holds_alternative<VersionMsg>(m) || std::holds_alternative<VerackMsg>(m);
    if (!p->ready && !handshake_message) {
        misbehaving(*p, std::string(command_name(command_of(m))) + " before the handshake");
        return;
    }
    std::visit([&](auto&& msg) { handle(*p, std::move(msg)); }, std::move(m));
}

void PeerManager::handle(Peer& p, VersionMsg&& m) {
    if (p.version) return misbehaving(p, "second version message");
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
    p.best_height = m.best_height;
    if (p.conn->inbound()) {
        if (m.listen_port != 0) {
            p.addr = address_of(p.conn->remote(), m.listen_port);
            m_addrbook.add(p.addr, now_seconds());
        }
        p.conn->send(our_version());
    }
    p.version = std::move(m);
    p.conn->send(VerackMsg{});
    if (p.got_verack) on_handshake(p);
}

void PeerManager::handle(Peer& p, VerackMsg&&) {
    if (p.got_verack) return misbehaving(p, "second verack");
    p.got_verack = true;
    if (p.version) on_handshake(p);
}

void PeerManager::on_handshake(Peer& p) {
    p.ready = true;
    p.conn->set_read_deadline(m_options.idle_timeout);
    FINCH_LOG("p2p: connected to peer " + std::to_string(p.conn->id()) + " " + p.ip + " (" +
              (p.conn->inbound() ? "inbound" : "outbound") + ", " + p.version->user_agent + ", height " +
              std::to_string(p.best_height) + ")");
    if (!p.conn->inbound()) {
        m_addrbook.add(p.addr, now_seconds());  // a peer we reached is worth sharing
        m_addrbook.mark_success(p.addr, now_seconds());
        p.conn->send(GetAddrMsg{});
    }
    send_getheaders(p);
}

void PeerManager::handle(Peer& p, PingMsg&& m) { p.conn->send(PongMsg{m.nonce}); }

void PeerManager::handle(Peer& p, PongMsg&& m) {
    if (m.nonce != p.ping_nonce || p.ping_nonce == 0) return;
    p.ping_seconds = std::chrono::duration<double>(Clock::now() - p.ping_sent).count();
    p.ping_nonce = 0;
}

void PeerManager::handle(Peer& p, InvMsg&& m) {
    bool unknown_block = false;
    for (const auto& item : m.items) {
        p.known.insert(item.hash);
        if (item.type == InvType::Block) {
            if (!m_chain.store().read_index(item.hash) && !m_pending_blocks.count(item.hash)) unknown_block = true;
            continue;
        }
        if (m_mempool.contains(item.hash) || m_recent_rejects.contains(item.hash)) continue;
        auto known = m_tx_announcers.find(item.hash);
        if (known == m_tx_announcers.end()) {
            if (m_tx_announcers.size() >= kMaxTrackedTxAnnouncements) continue;  // bounded memory
            known = m_tx_announcers.emplace(item.hash, std::vector<uint64_t>{}).first;
        }
        auto& announcers = known->second;
        if (std::find(announcers.begin(), announcers.end(), p.conn->id()) == announcers.end() &&
            announcers.size() < 8)
            announcers.push_back(p.conn->id());
        // Ask this peer unless someone is already fetching it.
        if (!tx_being_fetched(item.hash)) request_tx(p, item.hash);
    }
    if (unknown_block) send_getheaders(p);
}

bool PeerManager::tx_being_fetched(const Hash256& txid) const { return m_tx_fetcher.count(txid) != 0; }

bool PeerManager::request_tx(Peer& p, const Hash256& txid) {
    if (p.txs_in_flight.size() >= m_options.max_txs_in_flight_per_peer) return false;
    p.txs_in_flight[txid] = Clock::now();
    m_tx_fetcher[txid] = p.conn->id();
    p.requested.insert(txid);
    p.conn->send(GetDataMsg{{InvItem{InvType::Tx, txid}}});
    return true;
}

// Asks the next peer that offered a transaction, after `from` failed to deliver it.
void PeerManager::retry_tx(const Hash256& txid, uint64_t from) {
    auto it = m_tx_announcers.find(txid);
    if (it == m_tx_announcers.end()) return;
    std::erase(it->second, from);
    for (uint64_t id : it->second)
        if (auto o = m_peers.find(id); o != m_peers.end() && o->second->ready && request_tx(*o->second, txid)) return;
    if (it->second.empty()) m_tx_announcers.erase(it);
}

void PeerManager::handle(Peer& p, GetDataMsg&& m) {
    std::vector<InvItem> missing;
    for (const auto& item : m.items) {
        if (p.conn->closed()) return;
        if (item.type == InvType::Tx) {
            if (auto e = m_mempool.get(item.hash)) {
                p.known.insert(item.hash);
                p.conn->send(TxMsg{e->tx});
                continue;
            }
        } else if (auto b = m_chain.store().read_block(item.hash)) {
            p.known.insert(item.hash);
            p.conn->send(BlockMsg{std::move(*b)});
            continue;
        }
        missing.push_back(item);
    }
    if (!missing.empty()) p.conn->send(NotFoundMsg{std::move(missing)});
}

void PeerManager::handle(Peer& p, NotFoundMsg&& m) {
    for (const auto& item : m.items) {
        if (item.type == InvType::Block) {
            if (p.blocks_in_flight.erase(item.hash))
                if (auto it = m_pending_blocks.find(item.hash); it != m_pending_blocks.end()) it->second.requested_from = 0;
            continue;
        }
        if (!p.txs_in_flight.erase(item.hash)) continue;
        m_tx_fetcher.erase(item.hash);
        retry_tx(item.hash, p.conn->id());
    }
    schedule_downloads();
}

bool PeerManager::unrequested(Peer& p) {
    const uint64_t now = now_seconds();
    if (now >= p.unrequested_window_start + 60) {
        p.unrequested_window_start = now;
        p.unrequested_count = 0;
    }
    return ++p.unrequested_count > m_options.max_unrequested_per_minute;
}

void PeerManager::handle(Peer& p, TxMsg&& m) {
    const Hash256 txid = m.tx.txid();
    p.known.insert(txid);
    // Asked of this peer recently (perhaps timed out since): a late answer is not a flood.
    const bool requested = p.txs_in_flight.erase(txid) != 0 || p.requested.contains(txid);
    m_tx_fetcher.erase(txid);
    m_tx_announcers.erase(txid);
    if (!requested && unrequested(p)) return misbehaving(p, "unrequested transaction flood");
    if (m_mempool.contains(txid)) return;
    node::AdmitResult r = m_mempool.accept(m.tx, now_seconds(), m_chain.tip().height);
    if (r.ok()) {
        FINCH_DEBUG(Mempool, "accepted " + txid.to_hex() + " from peer " + std::to_string(p.conn->id()));
        for (auto& [id, other] : m_peers)
            if (other->ready && !other->known.contains(txid)) other->tx_to_announce.push_back(txid);
        return;
    }
    if (!r.rejection) return;
    m_recent_rejects.insert(txid);
    m_recent_rejects_order.push_back(txid);
    if (m_recent_rejects_order.size() > 50'000) {
        m_recent_rejects.erase(m_recent_rejects_order.front());
        m_recent_rejects_order.pop_front();
    }
    if (r.rejection->fault == Fault::Consensus)
        misbehaving(p, "invalid transaction " + txid.to_hex() + ": " + r.rejection->to_string());
}

void PeerManager::handle(Peer& p, BlockMsg&& m) {
    const Hash256 hash = m.block.hash();
    p.known.insert(hash);
    const bool requested = p.blocks_in_flight.erase(hash) != 0 || p.requested.contains(hash);
    if (!requested && unrequested(p)) return misbehaving(p, "unrequested block flood");
    node::BlockAcceptance r = m_chain.accept_block(m.block);
    switch (r.outcome) {
        case node::BlockOutcome::Connected:
        case node::BlockOutcome::Stored:
            ++p.synced_blocks;
            m_pending_blocks.erase(hash);
            break;
        case node::BlockOutcome::Orphan:
            m_pending_blocks.erase(hash);
            // Only when we do not know its parent's header either: otherwise it is just early.
            if (!m_pending_blocks.count(m.block.header.prev_hash)) send_getheaders(p);
            break;
        case node::BlockOutcome::Duplicate: m_pending_blocks.erase(hash); break;
        case node::BlockOutcome::Rejected: {
            const Rejection& why = *r.rejection;
            if (why.fault == Fault::Consensus && why.code != "time-too-new") {
                m_pending_blocks.erase(hash);
                return misbehaving(p, "invalid block " + hash.to_hex() + ": " + why.to_string());
            }
            // A far-future time may be our clock's fault; a mutated body, corruption in transit:
            // fetch the block again elsewhere, and drop a peer that mutates blocks.
            if (auto it = m_pending_blocks.find(hash); it != m_pending_blocks.end()) it->second.requested_from = 0;
            FINCH_DEBUG(Net, "block " + hash.to_hex() + " from peer " + std::to_string(p.conn->id()) +
                                 " not accepted: " + why.to_string());
            if (why.fault == Fault::Mutated) p.conn->close("sent a mutated block");
            break;
        }
    }
    schedule_downloads();
}

void PeerManager::send_getheaders(Peer& p, std::optional<Hash256> from) {
    const node::TipInfo tip = m_chain.tip();
    GetHeadersMsg g;
    if (from) g.locator.push_back(*from);
    auto locator = build_locator(tip.height, [&](uint64_t h) {
        return m_chain.store().hash_at_height(h).value_or(m_params.genesis_hash);
    });
    g.locator.insert(g.locator.end(), locator.begin(), locator.end());
    if (g.locator.size() > kMaxLocatorHashes) g.locator.resize(kMaxLocatorHashes);
    p.conn->send(g);
}

void PeerManager::handle(Peer& p, GetHeadersMsg&& m) {
    // One snapshot of the active chain, so a reorg on another thread cannot splice two
    // branches into one reply. Served from the store, never waiting for the chainstate.
    auto snap = m_chain.store().snapshot();
    const auto tip = snap->tip();
    if (!tip) return;
    uint64_t start = 0;
    for (const auto& h : m.locator) {
        auto rec = m_chain.store().read_index(h);
        if (rec && snap->hash_at_height(rec->height) == h) {
            start = rec->height;
            break;
        }
    }
    HeadersMsg out;
    for (uint64_t h = start + 1; h <= tip->height && out.headers.size() < kMaxHeaders; ++h) {
        auto hash = snap->hash_at_height(h);
        if (!hash) break;
        auto rec = m_chain.store().read_index(*hash);
        if (!rec) break;
        out.headers.push_back(rec->header);
        if (*hash == m.stop) break;
    }
    p.conn->send(out);
}

void PeerManager::handle(Peer& p, HeadersMsg&& m) {
    if (m.headers.empty()) return;
    // The parent of the first header: a block we hold, or a header we are fetching.
    std::optional<uint64_t> prev_height;
    uint64_t prev_time = 0;
    if (auto rec = m_chain.store().read_index(m.headers.front().prev_hash)) {
        prev_height = rec->height;
        prev_time = rec->header.time;
    } else if (auto it = m_pending_blocks.find(m.headers.front().prev_hash); it != m_pending_blocks.end()) {
        prev_height = it->second.height;
        prev_time = it->second.time;
    }
    if (!prev_height) return send_getheaders(p);  // we miss the start of this branch
    Hash256 prev = m.headers.front().prev_hash;
    uint64_t height = *prev_height;
    size_t added = 0;
    for (const auto& header : m.headers) {
        if (header.prev_hash != prev) {
            FINCH_DEBUG(Net, "peer " + std::to_string(p.conn->id()) + " sent headers that do not connect");
            return p.conn->close("headers that do not connect");
        }
        if (auto s = check_block_header(header, m_params); !s) return misbehaving(p, "header " + s.error().to_string());
        // Cheap context: the difficulty a header must carry follows from its parent, so a
        // peer cannot fill our download queue with easy fake headers.
        if (header.bits != next_work_required(height, prev_time, m_params))
            return misbehaving(p, "header with the wrong difficulty");
        const Hash256 hash = header.hash();
        ++height;
        prev_time = header.time;
        p.known.insert(hash);
        if (!m_pending_blocks.count(hash) && !m_chain.store().read_index(hash) && m_pending_blocks.size() < 200'000) {
            m_pending_blocks.emplace(hash, PendingBlock{height, header.time, p.conn->id(), 0, {}});
            m_fetch_order.push_back(hash);
            ++added;
        }
        prev = hash;
    }
    p.best_height = std::max(p.best_height, height);
    // Ask for more only when this reply taught us something (no endless re-downloads).
    if (m.headers.size() == kMaxHeaders && added > 0) send_getheaders(p, prev);
    schedule_downloads();
}

void PeerManager::schedule_downloads() {
    const uint64_t tip = m_chain.tip().height;
    // Drop what we already have.
    while (!m_fetch_order.empty()) {
        auto it = m_pending_blocks.find(m_fetch_order.front());
        if (it != m_pending_blocks.end() && !m_chain.store().read_index(it->first)) break;
        if (it != m_pending_blocks.end()) m_pending_blocks.erase(it);
        m_fetch_order.pop_front();
    }
    // Forgotten entries stay in the order queue until here: compact it now and then.
    if (m_fetch_order.size() > 2 * m_pending_blocks.size() + 1'000)
        std::erase_if(m_fetch_order, [&](const Hash256& h) { return !m_pending_blocks.count(h); });
    std::vector<Peer*> ready;
    for (auto& [id, p] : m_peers)
        if (p->ready && !p->conn->closed()) ready.push_back(p.get());
    if (ready.empty()) return;
    size_t next_peer = 0, beyond_window = 0;
    std::map<Peer*, std::vector<InvItem>> requests;
    for (const Hash256& hash : m_fetch_order) {
        auto it = m_pending_blocks.find(hash);
        if (it == m_pending_blocks.end() || it->second.requested_from != 0) continue;
        // Not a plain `break`: entries beyond the window (perhaps a fake branch) must not hold
        // back the ones after them in arrival order; but stop looking after a while, so a
        // long queue does not cost a full scan per received block.
        if (it->second.height > tip + m_options.block_download_window) {
            if (++beyond_window > 1'024) break;
            continue;
        }
        // Round-robin over peers that have it (by their best height) and have room.
        Peer* chosen = nullptr;
        for (size_t n = 0; n < ready.size() && !chosen; ++n) {
            Peer* cand = ready[(next_peer + n) % ready.size()];
            if (cand->best_height >= it->second.height &&
                cand->blocks_in_flight.size() < m_options.max_blocks_in_flight_per_peer) {
                chosen = cand;
                next_peer = (next_peer + n + 1) % ready.size();
            }
        }
        if (!chosen) continue;
        it->second.requested_from = chosen->conn->id();
        it->second.requested_at = Clock::now();
        chosen->blocks_in_flight[hash] = Clock::now();
        chosen->requested.insert(hash);
        requests[chosen].push_back(InvItem{InvType::Block, hash});
    }
    for (auto& [peer, items] : requests) peer->conn->send(GetDataMsg{std::move(items)});
}

void PeerManager::handle(Peer& p, GetAddrMsg&&) {
    if (p.answered_getaddr || !p.conn->inbound()) return;
    p.answered_getaddr = true;
    p.conn->send(AddrMsg{m_addrbook.sample(kMaxAddrEntries)});
}

void PeerManager::handle(Peer& p, AddrMsg&& m) {
    // Token bucket: addresses are processed at most at 1 per second with a burst of 1000.
    const auto now = Clock::now();
    p.addr_tokens = std::min(1000.0, p.addr_tokens + std::chrono::duration<double>(now - p.addr_refill).count());
    p.addr_refill = now;
    std::vector<NetAddress> fresh;
    for (const auto& a : m.addresses) {
        if (p.addr_tokens < 1) break;
        p.addr_tokens -= 1;
        if (a.port == 0) continue;
        if (m_addrbook.add(a, now_seconds())) fresh.push_back(a);
    }
    // Relay a few new addresses to two other peers (small messages only: not getaddr replies).
    if (fresh.empty() || m.addresses.size() > 10) return;
    std::vector<Peer*> others;
    for (auto& [id, o] : m_peers)
        if (o.get() != &p && o->ready) others.push_back(o.get());
    std::shuffle(others.begin(), others.end(), m_rng);
    for (size_t i = 0; i < others.size() && i < 2; ++i) others[i]->conn->send(AddrMsg{fresh});
}

// ---- timers --------------------------------------------------------------------------

void PeerManager::maintenance() {
    if (m_stopping) return;
    fill_outbound();
    check_stalls();
    send_pings();
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
    auto ensure = [&](const std::string& target) {
        auto addr = NetAddress::parse(target);
        if (!addr || connected.count(addr->to_string()) || m_connecting.count(addr->to_string())) return;
        uint64_t& next = m_addnode_next_try[target];
        if (next > now) return;
        next = now + 5;  // retry a dropped manual peer every 5 s
        connect_to(*addr, true);
    };
    if (!m_options.connect.empty()) {
        for (const auto& c : m_options.connect) ensure(c);
        return;
    }
    for (const auto& a : m_addnodes) ensure(a);
    for (size_t attempts = 0; outbound + m_connecting.size() < m_options.max_outbound && attempts < 8; ++attempts) {
        std::set<std::string> exclude = connected;
        exclude.insert(m_connecting.begin(), m_connecting.end());
        auto addr = m_addrbook.select(exclude, now, m_rng);
        if (!addr) break;
        if (m_bans.is_banned(addr->ip_string(), now)) {
            m_addrbook.mark_attempt(*addr, now);
            continue;
        }
        connect_to(*addr, false);
    }
}

void PeerManager::check_stalls() {
    const auto now = Clock::now();
    for (auto& [id, p] : m_peers) {
        bool stalled = false;
        for (auto it = p->blocks_in_flight.begin(); it != p->blocks_in_flight.end();) {
            if (now - it->second < m_options.block_stall_timeout) {
                ++it;
                continue;
            }
            // Move the block to another peer.
            if (auto pb = m_pending_blocks.find(it->first); pb != m_pending_blocks.end()) pb->second.requested_from = 0;
            it = p->blocks_in_flight.erase(it);
            stalled = true;
        }
        if (stalled && ++p->stalls >= 3) p->conn->close("stalled block download");
        for (auto it = p->txs_in_flight.begin(); it != p->txs_in_flight.end();) {
            if (now - it->second < m_options.tx_request_timeout) {
                ++it;
                continue;
            }
            const Hash256 txid = it->first;
            it = p->txs_in_flight.erase(it);
            m_tx_fetcher.erase(txid);
            retry_tx(txid, id);
        }
    }
    schedule_downloads();
    // Progress while catching up.
    const node::TipInfo tip = m_chain.tip();
    if (m_chain.initial_block_download() && !m_pending_blocks.empty() && tip.height != m_last_progress_log) {
        m_last_progress_log = tip.height;
        FINCH_LOG("sync: height " + std::to_string(tip.height) + ", " + std::to_string(m_pending_blocks.size()) +
                  " blocks to download");
    }
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

void PeerManager::flush_tx_announcements() {
    if (m_stopping) return;
    for (auto& [id, p] : m_peers) {
        if (p->tx_to_announce.empty() || !p->ready) continue;
        InvMsg inv;
        for (const auto& txid : p->tx_to_announce) {
            if (p->known.contains(txid)) continue;
            p->known.insert(txid);
            inv.items.push_back({InvType::Tx, txid});
            if (inv.items.size() == kMaxInvEntries) {
                p->conn->send(inv);
                inv.items.clear();
            }
        }
        p->tx_to_announce.clear();
        if (!inv.items.empty()) p->conn->send(inv);
    }
    m_trickle_timer.expires_after(m_options.tx_trickle);
    m_trickle_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) flush_tx_announcements();
    });
}

void PeerManager::persist() {
    m_last_persist = Clock::now();
    (void)m_chain.store().put_meta(kAddrBookKey, m_addrbook.serialize());
    (void)m_chain.store().put_meta(kBanListKey, m_bans.serialize());
}

// ---- chain notifications -------------------------------------------------------------

void PeerManager::announce_block(const Hash256& hash) {
    for (auto& [id, p] : m_peers) {
        if (!p->ready || p->known.contains(hash)) continue;
        p->known.insert(hash);
        p->conn->send(InvMsg{{InvItem{InvType::Block, hash}}});
    }
}

void PeerManager::block_connected(const Block& block, uint64_t) {
    if (m_stopping) return;
    const Hash256 hash = block.hash();
    asio::post(m_ioc, [this, hash] {
        m_pending_blocks.erase(hash);
        announce_block(hash);
    });
}

void PeerManager::tip_changed(const node::TipInfo&, bool) {
    if (m_stopping) return;
    asio::post(m_ioc, [this] { schedule_downloads(); });
}

// ---- NetworkControl ------------------------------------------------------------------

std::vector<rpc::PeerInfo> PeerManager::peers() {
    return run_on_io([this] {
        std::vector<rpc::PeerInfo> out;
        for (auto& [id, p] : m_peers) {
            rpc::PeerInfo i;
            i.id = id;
            i.addr = p->conn->remote().address().to_string() + ":" + std::to_string(p->conn->remote().port());
            i.addr_local = p->conn->local().address().to_string() + ":" + std::to_string(p->conn->local().port());
            i.inbound = p->conn->inbound();
            i.conn_time = p->conn_time;
            i.last_send = p->conn->last_send();
            i.last_recv = p->conn->last_receive();
            i.bytes_sent = p->conn->bytes_sent();
            i.bytes_recv = p->conn->bytes_received();
            i.ping_time = p->ping_seconds;
            i.version = p->version ? p->version->version : 0;
            i.user_agent = p->version ? p->version->user_agent : "";
            i.starting_height = p->version ? p->version->best_height : 0;
            i.synced_blocks = p->synced_blocks;
            i.whitelisted = p->whitelisted;
            out.push_back(i);
        }
        return out;
    });
}

rpc::NetworkInfo PeerManager::info() {
    return run_on_io([this] {
        rpc::NetworkInfo i;
        i.version = 100;
        i.subversion = m_options.user_agent;
        i.protocol_version = kProtocolVersion;
        for (auto& [id, p] : m_peers) {
            if (!p->ready) continue;
            ++i.connections;
            (p->conn->inbound() ? i.connections_in : i.connections_out)++;
        }
        i.network_active = true;
        i.listening = m_options.listen;
        i.port = m_listen_port;
        if (m_options.listen) i.local_addresses.push_back(m_options.bind + ":" + std::to_string(m_listen_port));
        return i;
    });
}

Status PeerManager::add_node(const std::string& address, const std::string& command) {
    auto addr = NetAddress::parse(address);
    if (!addr) return reject("bad-address", "'" + address + "' is not IP:PORT", Fault::Decode);
    return run_on_io([this, address, command, a = *addr]() -> Status {
        if (command == "add") {
            if (!m_addnodes.insert(address).second)
                return reject("node-already-added", "node already added", Fault::Policy);
            m_addnode_next_try[address] = 0;
            fill_outbound();
        } else if (command == "remove") {
            if (!m_addnodes.erase(address)) return reject("node-not-added", "node has not been added", Fault::Policy);
        } else if (command == "onetry") {
            connect_to(a, false);
        } else {
            return reject("bad-command", "command must be add, remove or onetry", Fault::Decode);
        }
        return Status::accepted();
    });
}

Status PeerManager::disconnect(const std::string& address, std::optional<uint64_t> id) {
    return run_on_io([this, address, id]() -> Status {
        for (auto& [pid, p] : m_peers) {
            const std::string remote = p->conn->remote().address().to_string() + ":" +
                                       std::to_string(p->conn->remote().port());
            if ((id && pid == *id) || (!address.empty() && (remote == address || p->addr.to_string() == address))) {
                p->conn->close("disconnectnode");
                return Status::accepted();
            }
        }
        return reject("node-not-connected", "node not found in connected nodes", Fault::Policy);
    });
}

Status PeerManager::set_ban(const std::string& subnet, const std::string& command, uint64_t seconds, bool absolute) {
    std::string ip = subnet;
    if (auto slash = ip.find('/'); slash != std::string::npos) {
        const std::string bits = ip.substr(slash + 1);
        if (bits != "32" && bits != "128")
            return reject("bad-subnet", "only single addresses (/32, /128) can be banned", Fault::Decode);
        ip.resize(slash);
    }
    boost::system::error_code ec;
    asio::ip::make_address(ip, ec);
    if (ec) return reject("bad-subnet", "'" + subnet + "' is not an IP address", Fault::Decode);
    return run_on_io([this, ip, command, seconds, absolute]() -> Status {
        const uint64_t now = now_seconds();
        if (command == "add") {
            if (m_bans.is_banned(ip, now)) return reject("already-banned", "IP already banned", Fault::Policy);
            const uint64_t until = absolute ? seconds : now + (seconds ? seconds : m_options.ban_seconds);
            m_bans.ban(ip, now, until, "manually added");
            for (auto& [id, p] : m_peers)
                if (p->ip == ip) p->conn->close("banned");
        } else if (command == "remove") {
            if (!m_bans.unban(ip)) return reject("not-banned", "IP was not banned", Fault::Policy);
        } else {
            return reject("bad-command", "command must be add or remove", Fault::Decode);
        }
        persist();
        return Status::accepted();
    });
}

std::vector<rpc::BanEntry> PeerManager::banned() {
    return run_on_io([this] {
        std::vector<rpc::BanEntry> out;
        for (const auto& b : m_bans.list(now_seconds())) out.push_back({b.address + "/32", b.created, b.until, b.reason});
        return out;
    });
}

void PeerManager::clear_banned() {
    run_on_io([this] {
        m_bans.clear();
        persist();
    });
}

void PeerManager::relay_transaction(const Transaction& tx) {
    if (m_stopping) return;
    const Hash256 txid = tx.txid();
    asio::post(m_ioc, [this, txid] {
        for (auto& [id, p] : m_peers)
            if (p->ready && !p->known.contains(txid)) p->tx_to_announce.push_back(txid);
    });
}

}  // namespace finch::net
