// What the p2p network reports and accepts from the rest of the node: its own plain structs
// and the control interface. The node's RPC adapter converts these into rpc:: shapes, so
// p2p never includes rpc/ and rpc/ never includes p2p.
#pragma once

#include "consensus/result.h"
#include "consensus/transaction.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace finch::net {

struct PeerStats {
    uint64_t id = 0;
    std::string addr;        // remote ip:port
    std::string addr_local;  // our end of the connection
    bool inbound = false;
    uint64_t conn_time = 0;
    uint64_t last_send = 0;
    uint64_t last_recv = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_recv = 0;
    std::map<std::string, uint64_t> bytes_sent_per_msg;  // protocol frames by message name
    std::map<std::string, uint64_t> bytes_recv_per_msg;
    double ping_seconds = 0;  // 0 when unknown
    uint32_t version = 0;
    std::string user_agent;
    uint64_t starting_height = 0;
    int64_t synced_headers = -1;  // height of the peer's best block we know of, -1 if none
    uint64_t synced_blocks = 0;   // blocks it delivered that we accepted
    bool whitelisted = false;
    std::string identity;   // proven by the TLS handshake; empty while it runs
    std::string transport;  // "tls1.3" once the handshake is done
    std::string cipher;     // OpenSSL's name of the negotiated cipher suite
    double score = 0;          // nuisance score now (decaying; 100 disconnects)
    bool discouraged = false;  // its address was discouraged when it connected
    bool high_bandwidth_to = false;    // we chose it to send us compact blocks unasked
    bool high_bandwidth_from = false;  // it chose us to send it compact blocks unasked
};

// Compact block relay figures since start-up.
struct RelayStats {
    uint64_t compact_blocks_received = 0;
    uint64_t rebuilt_without_round_trip = 0;  // every transfer came from the mempool or was prefilled
    uint64_t rebuilt_after_getblocktxn = 0;
    uint64_t fell_back_to_full_block = 0;
};

struct NetStats {
    uint32_t protocol_version = 0;
    std::string user_agent;
    std::string identity;  // this node's: SHA-256 of its Ed25519 public key, 64 hex
    uint64_t connections_in = 0;
    uint64_t connections_out = 0;
    bool listening = false;
    std::string bind;  // the listening address, without the port
    uint16_t port = 0;
    RelayStats relay;
};

// Bytes on the socket since start-up, over every connection (transport overhead included).
struct NetTotals {
    uint64_t bytes_recv = 0;
    uint64_t bytes_sent = 0;
    // Protocol frames by message name (TLS excluded), every message name present.
    std::map<std::string, uint64_t> bytes_recv_per_msg;
    std::map<std::string, uint64_t> bytes_sent_per_msg;
};

struct DhtStats {
    std::string identity;
    std::string endpoint;  // our record's, "" until known
    uint64_t buckets = 0;
    uint64_t nodes = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
};

struct DhtFound {
    std::string identity;
    std::string endpoint;
    int hops = 0;
};

struct BanInfo {
    std::string subnet;
    uint64_t created = 0;
    uint64_t until = 0;
    std::string reason;
};

// What the node asks of the network (called from RPC threads).
class NetworkControl {
public:
    virtual ~NetworkControl() = default;
    virtual std::vector<PeerStats> peers() = 0;
    virtual NetStats stats() = 0;
    virtual NetTotals totals() = 0;
    virtual Status add_node(const std::string& address, const std::string& command) = 0;
    virtual Status disconnect(const std::string& address, std::optional<uint64_t> id) = 0;
    virtual Status set_ban(const std::string& subnet, const std::string& command, uint64_t seconds, bool absolute) = 0;
    virtual std::vector<BanInfo> banned() = 0;
    virtual void clear_banned() = 0;
    virtual DhtStats dht_stats() = 0;
    // A lookup on the network (waits for it, up to about 20 s). Rejections: bad-peer-identity,
    // dht-not-found, network-busy.
    virtual Result<DhtFound> dht_find(const std::string& identity) = 0;
    // A transaction the mempool accepted from RPC, to announce to peers.
    virtual void relay_transaction(const Transaction& tx) = 0;
};

}  // namespace finch::net
