// PeerManager: the DHT's UDP socket on the p2p port, its timer and persistence, and what
// the node uses it for (outbound candidates, operator peers named by identity alone, RPC
// getdhtinfo/dhtfind); the protocol itself is node/net/dht/. See docs/protocol.md
// ("Structured discovery").
#include "node/net/peer_manager.h"

#include "node/log.h"

#include <future>

namespace finch::net {

namespace {

constexpr const char* kDhtTableKey = "p2p-dht";
constexpr size_t kMaxUdpQueue = 1'000;  // datagrams waiting to be sent; more are dropped
constexpr auto kDhtTick = std::chrono::milliseconds(250);
constexpr size_t kMaxDhtBackoff = 4'096;  // DHT endpoints we remember dialing

std::optional<dht::Endpoint> to_dht(const asio::ip::udp::endpoint& e) {
    return dht::Endpoint::from_ip(e.address().to_string(), e.port());
}

std::optional<asio::ip::udp::endpoint> to_udp(const dht::Endpoint& e) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(e.ip_string(), ec);
    if (ec) return std::nullopt;
    return asio::ip::udp::endpoint(address, e.port);
}

bool unspecified(const std::string& bind) { return bind == "0.0.0.0" || bind == "::" || bind.empty(); }

}  // namespace

Status PeerManager::start_dht() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(m_options.bind, ec);
    if (ec) return reject("p2p-bind", "bad --bind address '" + m_options.bind + "'", Fault::Decode);
    // Listening: the TCP port. Not listening: a client on an ephemeral port.
    asio::ip::udp::endpoint local(address, m_options.listen ? m_listen_port : 0);
    m_udp.open(local.protocol(), ec);
    if (!ec) m_udp.bind(local, ec);
    if (ec)
        return reject("p2p-bind", "cannot bind the DHT's UDP port " + m_options.bind + ":" + std::to_string(local.port()) +
                                      ": " + ec.message(),
                      Fault::Decode);
    auto key = dht::SigningKey::from_pkey(m_key->key());
    if (!key) return key.error();
    // Where others reach us: a specific --bind address is it; otherwise the PONGs tell.
    dht::Endpoint endpoint;
    dht::Options options;
    if (m_options.listen && !unspecified(m_options.bind)) {
        if (auto e = dht::Endpoint::from_ip(m_options.bind, m_listen_port)) endpoint = *e;
        options.endpoint_votes = 0;
    }
    // Not listening: nothing to publish (nobody could dial the port PONGs would report).
    // Listening: PONGs may tell our IP, never our port (it is the one we listen on).
    options.listening = m_options.listen;
    if (!m_options.listen) options.endpoint_votes = 0;
    else options.fixed_port = m_listen_port;
    options.unix_time = [] { return now_seconds(); };
    m_dht = std::make_unique<dht::Dht>(std::move(*key), endpoint, now_seconds(), m_params.magic, options,
                                       [this](const dht::Endpoint& to, Bytes datagram) { dht_send(to, std::move(datagram)); });
    std::set<dht::NodeId> allowed;
    for (const std::string& id : m_peerallow)
        if (auto n = dht::NodeId::from_hex(id)) allowed.insert(*n);
    if (!allowed.empty()) m_dht->set_allowed(std::move(allowed));
    if (auto stored = m_chain.store().get_meta(kDhtTableKey)) {
        auto records = dht::Dht::deserialize(*stored, m_params.magic);
        if (records) {
            const size_t taken = m_dht->restore(*records);
            // Said at the default level when some are refused (not allowed, unusable endpoint,
            // bad signature, bucket or subnet full): a table that shrinks across a restart
            // should be explainable from the log.
            if (taken != records->size())
                FINCH_LOG("p2p: restored " + std::to_string(taken) + " of " + std::to_string(records->size()) +
                          " stored DHT nodes");
            else
                FINCH_DEBUG(Net, "DHT: " + std::to_string(taken) + " nodes restored");
        } else {
            FINCH_LOG("p2p: the stored DHT table is unusable (" + records.error().to_string() + "), starting empty");
        }
    }
    for (const std::string& text : m_options.dht_bootstrap) {
        auto peer = parse_peer_address(text, m_params.default_port);
        if (!peer || !peer->has_endpoint())
            return reject("bad-peer-address", "--dhtbootstrap " + (peer ? "'" + text + "' needs HOST:PORT" : peer.error().detail),
                          Fault::Decode);
        auto e = dht::Endpoint::from_ip(peer->host, peer->port);
        if (!e) return reject("bad-peer-address", "--dhtbootstrap '" + text + "' is not an address", Fault::Decode);
        std::optional<dht::NodeId> expected;
        if (peer->identity) expected = dht::NodeId::from_hex(*peer->identity);
        asio::post(m_ioc, [this, e = *e, expected] { m_dht->bootstrap(e, expected); });
    }
    FINCH_LOG("p2p: DHT on UDP " + endpoint_string(tcp::endpoint(m_udp.local_endpoint().address(), m_udp.local_endpoint().port())) +
              ", " + std::to_string(m_dht->stats().nodes) + " nodes known");
    dht_receive();
    asio::post(m_ioc, [this] { dht_tick(); });
    return Status::accepted();
}

void PeerManager::dht_receive() {
    m_udp.async_receive_from(asio::buffer(m_udp_buffer), m_udp_from,
                             [this](const boost::system::error_code& ec, size_t n) {
                                 if (ec == asio::error::operation_aborted || m_stopping) return;
                                 if (!ec) {
                                     if (auto from = to_dht(m_udp_from))
                                         m_dht->handle(ByteSpan(m_udp_buffer.data(), n), *from, dht::Clock::now());
                                 }
                                 dht_receive();
                             });
}

// Datagrams wait in a bounded queue and go one at a time; the engine never waits on them.
void PeerManager::dht_send(const dht::Endpoint& to, Bytes datagram) {
    auto target = to_udp(to);
    if (!target || m_udp_queue.size() >= kMaxUdpQueue || m_stopping) return;
    // A dual-stack (::) socket reaches IPv4 peers at their mapped address; an IPv4 socket
    // cannot reach IPv6 ones.
    const bool socket_v4 = m_udp.local_endpoint().address().is_v4();
    if (!socket_v4 && target->address().is_v4())
        target->address(asio::ip::make_address_v6(asio::ip::v4_mapped, target->address().to_v4()));
    else if (socket_v4 && !target->address().is_v4())
        return;
    m_udp_queue.emplace_back(*target, std::move(datagram));
    if (!m_udp_writing) dht_write_next();
}

void PeerManager::dht_write_next() {
    if (m_udp_queue.empty() || m_stopping) {
        m_udp_writing = false;
        return;
    }
    m_udp_writing = true;
    auto& [to, bytes] = m_udp_queue.front();
    m_udp.async_send_to(asio::buffer(bytes), to, [this](const boost::system::error_code& ec, size_t) {
        if (ec == asio::error::operation_aborted) return;
        m_udp_queue.pop_front();
        dht_write_next();
    });
}

void PeerManager::dht_tick() {
    if (m_stopping || !m_dht) return;
    m_dht->tick(dht::Clock::now());
    m_dht_timer.expires_after(kDhtTick);
    m_dht_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) dht_tick();
    });
}

void PeerManager::dht_learn(const NetAddress& addr, const std::string& identity) {
    if (!m_dht || addr.port == 0) return;
    // Only while our table is small: a node with a table finds others by lookups.
    if (m_dht->table().size() >= 16) return;
    auto e = dht::Endpoint::from_ip(addr.ip_string(), addr.port);
    auto id = dht::NodeId::from_hex(identity);
    if (e && id) m_dht->bootstrap(*e, *id);
}

void PeerManager::dht_fill_outbound(std::set<std::string>& connected, const std::set<std::string>& identities,
                                    size_t& outbound, std::set<std::string>& groups) {
    if (!m_dht) return;
    const uint64_t now = now_seconds();
    // One outbound peer per netgroup (an attacker's /16 full of records gets one slot at most),
    // counting the dials still in progress and those the address book just made.
    for (const dht::NodeRecord& r : m_dht->sample(8, m_rng)) {
        if (outbound + m_connecting.size() >= m_options.max_outbound) return;
        NetAddress a;
        auto parsed = NetAddress::parse(r.endpoint.to_string());
        if (!parsed) continue;
        a = *parsed;
        a.set_identity(r.id().to_hex());
        const std::string key = a.to_string(), ip = a.ip_string();
        if (connected.count(key) || m_connecting.count(key) || identities.count(a.identity_hex())) continue;
        if (m_bans.is_banned(ip, now) || m_discouraged.is_discouraged(ip) || m_exclusions.is_excluded(ip, now)) continue;
        const std::string group = netgroup(ip);
        if (!group.empty() && groups.count(group)) continue;
        // Back-off per record's endpoint, as the address book has per address: 5 s doubling to
        // an hour, forgotten once a handshake with it completes.
        auto& backoff = m_dht_backoff[key];
        if (backoff.next_try > now) continue;
        backoff.failures = std::min<uint32_t>(backoff.failures + 1, 20);
        backoff.next_try = now + std::min<uint64_t>(5ULL << (backoff.failures - 1), 3600);
        if (m_dht_backoff.size() > kMaxDhtBackoff) m_dht_backoff.erase(m_dht_backoff.begin());
        connected.insert(key);
        if (!group.empty()) groups.insert(group);
        connect_to(a, false, true);  // the record is signed by that identity: dial it pinned
    }
}

void PeerManager::resolve_and_connect(const std::string& identity, bool addnode) {
    if (!m_dht || m_resolving.count(identity)) return;
    auto id = dht::NodeId::from_hex(identity);
    if (!id) return;
    m_resolving.insert(identity);
    m_dht->find(*id, [this, identity, addnode](std::optional<dht::NodeRecord> record, int hops) {
        m_resolving.erase(identity);
        if (m_stopping) return;
        if (!record) {
            FINCH_DEBUG(Net, "DHT: " + identity + " not found (" + std::to_string(hops) + " hops)");
            return;
        }
        auto a = NetAddress::parse(record->endpoint.to_string());
        if (!a) return;
        a->set_identity(identity);
        FINCH_DEBUG(Net, "DHT: " + identity + " is at " + a->to_string() + " (" + std::to_string(hops) + " hops)");
        connect_to(*a, addnode, true);
    });
}

Result<DhtFound> PeerManager::dht_find(const std::string& identity) {
    auto id = dht::NodeId::from_hex(identity);
    if (!id) return reject("bad-peer-identity", "'" + identity + "': an identity is 64 hex digits", Fault::Decode);
    if (m_stopping || !m_thread.joinable())
        return reject("network-busy", "the p2p network is not running", Fault::Policy);
    auto promise = std::make_shared<std::promise<Result<DhtFound>>>();
    auto answer = promise->get_future();
    asio::post(m_ioc, [this, promise, target = *id] {
        if (!m_dht) {
            promise->set_value(reject("p2p-disabled", "the DHT is not running", Fault::Policy));
            return;
        }
        m_dht->find(target, [promise, target](std::optional<dht::NodeRecord> record, int hops) {
            if (!record)
                promise->set_value(reject("dht-not-found", "no node with identity " + target.to_hex() + " was found (" +
                                                               std::to_string(hops) + " hops)",
                                          Fault::Policy));
            else
                promise->set_value(DhtFound{target.to_hex(), record->endpoint.to_string(), hops});
        });
    });
    if (answer.wait_for(std::chrono::seconds(20)) != std::future_status::ready)
        return reject("network-busy", "the DHT lookup did not finish in time", Fault::Policy);
    return answer.get();
}

}  // namespace finch::net
