// PeerManager: the control interface RPC reaches through the node (peers, bans, addnode,
// totals), each call run on the io thread; see peer_manager.h.
#include "node/net/peer_manager.h"

#include <algorithm>
#include <future>

namespace finch::net {

namespace {

std::map<std::string, uint64_t> per_message(const BytesPerCommand& bytes) {
    std::map<std::string, uint64_t> out;
    for (Command c : all_commands())
        if (uint64_t n = bytes[static_cast<uint8_t>(c)]) out[command_name(c)] = n;
    return out;
}

}  // namespace

// Runs `f` on the io thread and waits for it. When the network is stopping or does not
// answer in time, a value-returning call gets a "network-busy" rejection (never a
// silent default that reads as success).
template <typename F>
auto PeerManager::run_on_io(F f) -> decltype(f()) {
    using R = decltype(f());
    auto unavailable = [] {
        if constexpr (std::is_same_v<R, Status>)
            return R(reject("network-busy", "the p2p network did not answer in time", Fault::Policy));
        else if constexpr (!std::is_void_v<R>)  // clang instantiates R{} even for void
            return R{};
    };
    if (m_stopping || !m_thread.joinable()) {
        if constexpr (std::is_void_v<R>) return;
        else return unavailable();
    }
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
    auto fut = task->get_future();
    asio::post(m_ioc, [task] { (*task)(); });
    if (fut.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        if constexpr (std::is_void_v<R>) return;
        else return unavailable();
    }
    return fut.get();
}

// ---- NetworkControl ------------------------------------------------------------------

std::vector<PeerStats> PeerManager::peers() {
    return run_on_io([this] {
        std::vector<PeerStats> out;
        for (auto& [id, p] : m_peers) {
            PeerStats i;
            i.id = id;
            i.addr = endpoint_string(p->conn->remote());
            i.addr_local = endpoint_string(p->conn->local());
            i.inbound = p->conn->inbound();
            i.conn_time = p->conn_time;
            i.last_send = p->conn->last_send();
            i.last_recv = p->conn->last_receive();
            i.bytes_sent = p->conn->bytes_sent();
            i.bytes_recv = p->conn->bytes_received();
            i.bytes_sent_per_msg = per_message(p->conn->sent_per_command());
            i.bytes_recv_per_msg = per_message(p->conn->received_per_command());
            i.ping_seconds = p->ping_seconds;
            i.version = p->version ? p->version->version : 0;
            i.user_agent = p->version ? p->version->user_agent : "";
            i.starting_height = p->version ? p->version->best_height : 0;
            if (auto best = m_blocks.best_known(id)) i.synced_headers = static_cast<int64_t>(best->height);
            i.synced_blocks = p->synced_blocks;
            i.whitelisted = p->whitelisted;
            i.identity = p->identity;
            i.score = p->score.value(steady_seconds());
            i.discouraged = p->discouraged;
            if (p->conn->secured()) {
                i.transport = kTransportName;
                i.cipher = p->conn->peer().cipher;
            }
            i.high_bandwidth_to = p->compact_from;  // Bitcoin Core: we chose it
            i.high_bandwidth_from = p->compact_to;  // it chose us
            out.push_back(std::move(i));
        }
        return out;
    });
}

NetStats PeerManager::stats() {
    return run_on_io([this] {
        NetStats s;
        s.protocol_version = kProtocolVersion;
        s.user_agent = m_options.user_agent;
        s.identity = m_tls ? m_tls->identity() : std::string();
        for (auto& [id, p] : m_peers) {
            if (!p->ready) continue;
            (p->conn->inbound() ? s.connections_in : s.connections_out)++;
        }
        s.listening = m_options.listen;
        s.bind = m_options.bind;
        s.port = m_listen_port;
        s.relay = m_relay_stats;
        return s;
    });
}

NetTotals PeerManager::totals() {
    NetTotals t{m_counters->bytes_recv.load(), m_counters->bytes_sent.load(), {}, {}};
    for (Command c : all_commands()) {
        const auto slot = static_cast<uint8_t>(c);
        t.bytes_recv_per_msg[command_name(c)] = m_counters->frame_bytes_recv[slot].load(std::memory_order_relaxed);
        t.bytes_sent_per_msg[command_name(c)] = m_counters->frame_bytes_sent[slot].load(std::memory_order_relaxed);
    }
    return t;
}

DhtStats PeerManager::dht_stats() {
    return run_on_io([this] {
        DhtStats out;
        out.identity = m_tls ? m_tls->identity() : std::string();
        if (!m_dht) return out;
        const dht::Stats s = m_dht->stats();
        out.buckets = s.buckets;
        out.nodes = s.nodes;
        out.bytes_sent = s.bytes_sent;
        out.bytes_received = s.bytes_received;
        if (m_dht->record().endpoint.usable()) out.endpoint = m_dht->record().endpoint.to_string();
        return out;
    });
}

Status PeerManager::add_node(const std::string& text, const std::string& command) {
    auto peer = operator_peer(text);
    if (!peer) return reject("invalid-address", peer.error().detail, Fault::Decode);
    if (!peer->has_endpoint()) {  // an identity alone: found through the DHT
        return run_on_io([this, id = *peer->identity, command]() -> Status {
            if (command == "add") {
                if (!m_addnodes.insert(id).second) return reject("node-already-added", "node already added", Fault::Policy);
                m_addnode_next_try[id] = 0;
                fill_outbound();
            } else if (command == "remove") {
                if (!m_addnodes.erase(id)) return reject("node-not-added", "node has not been added", Fault::Policy);
            } else if (command == "onetry") {
                resolve_and_connect(id, false);
            } else {
                return reject("bad-command", "command must be add, remove or onetry", Fault::Decode);
            }
            return Status::accepted();
        });
    }
    auto addr = NetAddress::parse(peer->endpoint());
    if (!addr) return reject("invalid-address", "'" + text + "' is not a peer address", Fault::Decode);
    if (peer->identity) addr->set_identity(*peer->identity);
    return run_on_io([this, address = peer->endpoint(), pin = peer->identity, command, a = *addr]() -> Status {
        if (command == "add") {
            if (!m_addnodes.insert(address).second)
                return reject("node-already-added", "node already added", Fault::Policy);
            if (pin) m_pins[address] = *pin;
            m_addnode_next_try[address] = 0;
            fill_outbound();
        } else if (command == "remove") {
            if (!m_addnodes.erase(address)) return reject("node-not-added", "node has not been added", Fault::Policy);
            if (std::find(m_options.connect.begin(), m_options.connect.end(), address) == m_options.connect.end())
                m_pins.erase(address);
        } else if (command == "onetry") {
            connect_to(a, false, a.has_identity());
        } else {
            return reject("bad-command", "command must be add, remove or onetry", Fault::Decode);
        }
        return Status::accepted();
    });
}

Status PeerManager::disconnect(const std::string& address, std::optional<uint64_t> id) {
    return run_on_io([this, address, id]() -> Status {
        for (auto& [pid, p] : m_peers) {
            const std::string remote = endpoint_string(p->conn->remote());
            if ((id && pid == *id) || (!address.empty() && (remote == address || p->addr.to_string() == address))) {
                p->conn->close("disconnectnode");
                return Status::accepted();
            }
        }
        return reject("node-not-connected", "node not found in connected nodes", Fault::Policy);
    });
}

Status PeerManager::set_ban(const std::string& text, const std::string& command, uint64_t seconds, bool absolute) {
    auto subnet = Subnet::parse(text);
    if (!subnet) return subnet.error();
    return run_on_io([this, subnet = *subnet, command, seconds, absolute]() -> Status {
        const uint64_t now = now_seconds();
        if (command == "add") {
            if (m_bans.has(subnet, now)) return reject("already-banned", "IP/Subnet already banned", Fault::Policy);
            const uint64_t span = seconds ? seconds : m_options.ban_seconds;
            // A huge relative time saturates (bans "forever") instead of wrapping into the past.
            const uint64_t until = absolute ? seconds : (span > UINT64_MAX - now ? UINT64_MAX : now + span);
            m_bans.ban(subnet, now, until, "manually added", true);
            for (auto& [id, p] : m_peers)
                if (subnet.contains(p->ip)) p->conn->close("banned");
        } else if (command == "remove") {
            if (!m_bans.unban(subnet)) return reject("not-banned", "IP/Subnet was not banned", Fault::Policy);
        } else {
            return reject("bad-command", "command must be add or remove", Fault::Decode);
        }
        persist();
        return Status::accepted();
    });
}

std::vector<BanInfo> PeerManager::banned() {
    return run_on_io([this] {
        std::vector<BanInfo> out;
        for (const auto& b : m_bans.list(now_seconds())) out.push_back({b.address, b.created, b.until, b.reason});
        return out;
    });
}

void PeerManager::clear_banned() {
    run_on_io([this] {
        m_bans.clear();
        persist();
    });
}

}  // namespace finch::net
