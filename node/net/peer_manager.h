// The p2p network: accepts and makes connections, runs the handshake, gossips transactions
// and blocks by inventory, syncs headers-first with a moving download window, keeps the
// address book and the ban list. All network state lives on one thread (the io thread);
// RPC calls and chain notifications are posted to it.
#pragma once

#include "node/chainstate.h"
#include "node/mempool.h"
#include "node/net/addresses.h"
#include "node/net/connection.h"
#include "node/rpc_adapter.h"

#include <boost/asio.hpp>

#include <deque>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace finch::net {

struct NetOptions {
    std::string bind = "0.0.0.0";
    uint16_t port = 0;
    bool listen = true;
    std::vector<std::string> connect;  // if set: only these peers
    std::vector<std::string> addnode;
    std::vector<std::string> whitelist;  // IPs never banned
    size_t max_connections = 125;
    size_t max_outbound = 8;
    uint64_t ban_seconds = 24 * 60 * 60;
    std::string user_agent = "/finchd/";

    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(180)};
    std::chrono::milliseconds ping_interval{std::chrono::seconds(30)};
    std::chrono::milliseconds tx_trickle{std::chrono::milliseconds(100)};
    std::chrono::milliseconds block_stall_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds tx_request_timeout{std::chrono::seconds(30)};
    size_t max_blocks_in_flight_per_peer = 16;
    size_t block_download_window = 64;  // blocks past our tip we may request (below the orphan limit)
    size_t max_txs_in_flight_per_peer = 5'000;
    size_t known_inventory_per_peer = 20'000;  // ~1.6 MB per peer at most
    size_t max_unrequested_per_minute = 200;
};

class PeerManager final : public node::NetworkControl,
                          public node::ChainNotifications,
                          public ConnectionHandler {
public:
    PeerManager(node::Chainstate& chain, node::Mempool& mempool, const ChainParams& params, NetOptions options);
    ~PeerManager() override;

    // Binds the listener (if listening) and starts the io thread. Port in use: an error.
    Status start();
    void stop();
    uint16_t listening_port() const { return m_listen_port; }

    // NetworkControl (called from RPC threads).
    std::vector<rpc::PeerInfo> peers() override;
    rpc::NetworkInfo info() override;
    Status add_node(const std::string& address, const std::string& command) override;
    Status disconnect(const std::string& address, std::optional<uint64_t> id) override;
    Status set_ban(const std::string& subnet, const std::string& command, uint64_t seconds, bool absolute) override;
    std::vector<rpc::BanEntry> banned() override;
    void clear_banned() override;
    void relay_transaction(const Transaction& tx) override;

    // ChainNotifications (called from whichever thread changed the chain).
    void block_connected(const Block& block, uint64_t height) override;
    void tip_changed(const node::TipInfo& tip, bool initial_download) override;

    // ConnectionHandler (io thread).
    void on_message(const std::shared_ptr<Connection>& c, Message&& m, size_t wire_bytes) override;
    void on_bad_data(const std::shared_ptr<Connection>& c, const Rejection& why) override;
    void on_closed(const std::shared_ptr<Connection>& c, const std::string& reason) override;

private:
    struct Peer;
    struct PendingBlock {
        uint64_t height = 0;
        uint64_t time = 0;            // header time, for its children's difficulty
        uint64_t announced_by = 0;    // peer whose headers introduced it
        uint64_t requested_from = 0;  // peer id, 0 = not requested
        std::chrono::steady_clock::time_point requested_at;
    };

    template <typename F>
    auto run_on_io(F f) -> decltype(f());

    void accept_next();
    void connect_to(const NetAddress& addr, bool addnode);
    void add_peer(tcp::socket socket, bool inbound, std::optional<NetAddress> target, bool addnode);
    void maintenance();
    void fill_outbound();
    void check_stalls();
    void flush_tx_announcements();
    void send_pings();
    void persist();

    Peer* peer_of(const std::shared_ptr<Connection>& c);
    void misbehaving(Peer& p, const std::string& reason);
    void ban_ip(const std::string& ip, uint64_t seconds, const std::string& reason);
    bool whitelisted(const std::string& ip) const;

    void handle(Peer& p, VersionMsg&& m);
    void handle(Peer& p, VerackMsg&&);
    void handle(Peer& p, PingMsg&& m);
    void handle(Peer& p, PongMsg&& m);
    void handle(Peer& p, InvMsg&& m);
    void handle(Peer& p, GetDataMsg&& m);
    void handle(Peer& p, NotFoundMsg&& m);
    void handle(Peer& p, TxMsg&& m);
    void handle(Peer& p, BlockMsg&& m);
    void handle(Peer& p, GetHeadersMsg&& m);
    void handle(Peer& p, HeadersMsg&& m);
    void handle(Peer& p, GetAddrMsg&&);
    void handle(Peer& p, AddrMsg&& m);

    void on_handshake(Peer& p);
    void send_getheaders(Peer& p, std::optional<Hash256> from = std::nullopt);
    void schedule_downloads();
    bool request_tx(Peer& p, const Hash256& txid);
    void retry_tx(const Hash256& txid, uint64_t from);
    bool tx_being_fetched(const Hash256& txid) const;
    size_t inbound_count() const;
    size_t inbound_limit() const;
    static constexpr size_t kMaxTrackedTxAnnouncements = 100'000;
    void announce_block(const Hash256& hash);
    VersionMsg our_version() const;
    bool unrequested(Peer& p);

    node::Chainstate& m_chain;
    node::Mempool& m_mempool;
    const ChainParams& m_params;
    NetOptions m_options;

    asio::io_context m_ioc;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
    tcp::acceptor m_acceptor;
    asio::steady_timer m_maintenance_timer, m_trickle_timer;
    std::thread m_thread;
    uint16_t m_listen_port = 0;
    uint64_t m_local_nonce;
    std::mt19937_64 m_rng;
    std::atomic<bool> m_stopping{false};

    // io thread state
    uint64_t m_next_id = 1;
    std::map<uint64_t, std::unique_ptr<Peer>> m_peers;
    std::set<std::string> m_connecting;  // outbound attempts in progress ("ip:port")
    std::set<std::string> m_addnodes;
    std::map<std::string, uint64_t> m_addnode_next_try;
    AddressBook m_addrbook;
    BanList m_bans;
    std::unordered_map<Hash256, PendingBlock, Hash256Hasher> m_pending_blocks;  // announced by headers, not stored yet
    std::deque<Hash256> m_fetch_order;
    std::unordered_map<Hash256, std::vector<uint64_t>, Hash256Hasher> m_tx_announcers;  // who offered a tx
    std::unordered_map<Hash256, uint64_t, Hash256Hasher> m_tx_fetcher;  // tx -> the peer asked for it now
    std::unordered_set<Hash256, Hash256Hasher> m_recent_rejects;
    std::deque<Hash256> m_recent_rejects_order;
    std::chrono::steady_clock::time_point m_last_persist = std::chrono::steady_clock::now();
    uint64_t m_last_progress_log = 0;
};

}  // namespace finch::net
