// The p2p network's centre: owns the connections, runs the handshake, dispatches messages
// and judges misbehaviour. The decisions live in parts that own their state and are tested
// without sockets: BlockDownload (which block from which peer), TxDownload (which
// transaction from which peer), AddressBook and BanList (addresses.h), PartialBlock
// (compact blocks). The header tree is the chainstate's. All network state lives on one
// thread (the io thread); RPC calls and chain notifications are posted to it, except the
// transfers RPC admits, which wait in a queue its transaction trickle takes from (m_relay_handoff).
//
// The member functions are defined in seven files by concern: peer_manager.cpp
// (connections, handshake, timers), peer_manager_identity.cpp (pins, --peerallow and
// duplicate identities once TLS proved who a peer is), peer_manager_reputation.cpp (inbound
// slots, eviction, discouragement, nuisance), peer_manager_dht.cpp (the DHT's socket and
// uses), peer_manager_sync.cpp (headers,
// blocks, compact blocks), peer_manager_relay.cpp (transactions and addresses) and
// peer_manager_control.cpp (the NetworkControl interface).
#pragma once

#include "node/chainstate.h"
#include "node/mempool.h"
#include "node/net/addresses.h"
#include "node/net/block_download.h"
#include "node/net/compact_block.h"
#include "node/net/connection.h"
#include "node/net/dht/dht.h"
#include "node/net/duplicate_connection.h"
#include "node/net/handoff_queue.h"
#include "node/net/identity.h"
#include "node/net/known_inventory.h"
#include "node/net/net_types.h"
#include "node/net/peer_address.h"
#include "node/net/reputation.h"
#include "node/net/nonce_gap_pool.h"
#include "node/net/tx_download.h"

#include <boost/asio.hpp>

#include <atomic>
#include <deque>
#include <unordered_set>
#include <map>
#include <random>
#include <set>
#include <thread>

namespace finch::net {

struct NetOptions {
    std::string bind = "0.0.0.0";
    uint16_t port = 0;
    bool listen = true;
    std::vector<std::string> connect;  // if set: only these peers
    std::vector<std::string> addnode;
    std::vector<std::string> whitelist;  // IPs or subnets (CIDR) never banned
    std::vector<std::string> peerallow;  // identities; when non-empty, the only ones allowed either way
    std::vector<std::string> dht_bootstrap;  // IDENTITY@HOST:PORT or HOST:PORT, pinged to join the DHT
    bool dht = true;                         // run the DHT (UDP on the p2p port)
    size_t max_connections = 125;
    size_t max_outbound = 8;
    size_t max_inbound_per_ip = 8;         // whitelisted addresses exempt
    size_t max_inbound_per_netgroup = 16;  // per /16 or /32; loopback exempt
    uint64_t ban_seconds = 24 * 60 * 60;
    std::string user_agent = "/finchd/";
    // The node's identity key (outlives the PeerManager); nullptr: a fresh key for this run (tests).
    const NodeIdentity* key = nullptr;

    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(180)};
    std::chrono::milliseconds ping_interval{std::chrono::seconds(30)};
    std::chrono::milliseconds tx_trickle{std::chrono::milliseconds(100)};
    size_t known_inventory_per_peer = 20'000;  // ~1.6 MB per peer at most
    size_t max_high_bandwidth_peers = 3;  // peers that send us compact blocks unasked
    BlockDownload::Options blocks;
    TxDownload::Options txs;
};

class PeerManager final : public NetworkControl, public node::ChainNotifications, public ConnectionHandler {
public:
    PeerManager(node::Chainstate& chain, node::Mempool& mempool, const ChainParams& params, NetOptions options);
    ~PeerManager() override;

    // Binds the listener (if listening) and starts the io thread. Port in use: an error.
    Status start();
    void stop();
    uint16_t listening_port() const { return m_listen_port; }

    // NetworkControl (called from RPC threads).
    std::vector<PeerStats> peers() override;
    NetStats stats() override;
    NetTotals totals() override;
    DhtStats dht_stats() override;
    Result<DhtFound> dht_find(const std::string& identity) override;
    Status add_node(const std::string& address, const std::string& command) override;
    Status disconnect(const std::string& address, std::optional<uint64_t> id) override;
    Status set_ban(const std::string& subnet, const std::string& command, uint64_t seconds, bool absolute) override;
    std::vector<BanInfo> banned() override;
    void clear_banned() override;
    void relay_transaction(const Transaction& tx) override;

    // ChainNotifications (called from whichever thread changed the chain).
    void block_connected(const Block& block, uint64_t height) override;
    // The transfers of a disconnected block go back to the mempool; once the reorg is over
    // they are announced to the peers that do not know them (those on the other branch
    // never saw them, and would otherwise never mine them).
    void block_disconnected(const Block& block, uint64_t height) override;
    void tip_changed(const node::TipInfo& tip, bool initial_download) override;

    // ConnectionHandler (io thread).
    void on_secured(const std::shared_ptr<Connection>& c) override;
    void on_message(const std::shared_ptr<Connection>& c, Message&& m, size_t wire_bytes) override;
    void on_bad_data(const std::shared_ptr<Connection>& c, const Rejection& why) override;
    void on_drained(const std::shared_ptr<Connection>& c) override;
    void on_closed(const std::shared_ptr<Connection>& c, const std::string& reason) override;

private:
    // A compact block waiting for the transactions it asked for with getblocktxn.
    struct PendingCompact {
        Hash256 hash;
        PartialBlock partial;
    };
    struct Peer {
        std::shared_ptr<Connection> conn;
        // getdata items not served yet: served while less than kGetDataSendLimit is queued to
        // the peer, the rest when its socket drains (Bitcoin Core pauses the same way), so a
        // peer that asks much and reads nothing holds at most that much of our memory.
        std::deque<InvItem> getdata_backlog;
        std::unordered_set<Hash256, Hash256Hasher> backlog_blocks;  // block hashes in it (each once)
        // getheaders, getblocktxn and getaddr that came while more than kGetDataSendLimit was
        // queued to the peer (or behind others waiting): answered in order when its socket
        // drains. The peer's other messages (pongs, blocks) are still read and handled.
        std::deque<std::pair<Message, size_t>> deferred_requests;  // with the bytes charged
        size_t deferred_bytes = 0;
        std::string ip;
        NetAddress addr;  // for outbound: the address dialed; inbound: ip + listening port
        std::string identity;  // proven by the TLS handshake; empty until then
        std::chrono::steady_clock::time_point secured_at;  // when it was proven
        bool pinned = false;   // outbound to an operator's IDENTITY@HOST:PORT
        bool addnode = false;
        bool whitelisted = false;
        std::optional<VersionMsg> version;
        bool got_verack = false;
        bool ready = false;  // handshake complete
        uint64_t conn_time = 0;
        KnownInventory known;
        KnownInventory requested_blocks{1'000};  // asked lately: a late answer is not unrequested
        std::vector<Hash256> tx_to_announce;
        uint64_t ping_nonce = 0;
        std::chrono::steady_clock::time_point ping_sent;
        double ping_seconds = 0;
        bool answered_getaddr = false;
        AddrRateLimit addr_limit;
        NuisanceScore score;             // decaying; past its limit: disconnected and excluded
        bool discouraged = false;        // its address was discouraged when it connected
        uint64_t last_novel_block = 0;   // seconds: it gave us a block that extended our chain
        uint64_t last_novel_tx = 0;      // seconds: it gave us a transfer our mempool took
        double min_ping_seconds = 0;
        size_t unconnecting_headers = 0;
        uint64_t synced_blocks = 0;
        bool compact_supported = false;  // it sent sendcmpct
        bool compact_to = false;         // it asked for compact blocks unasked (high bandwidth)
        bool compact_from = false;       // we asked it for compact blocks unasked
        // The last block whose header we sent it (in headers, block or cmpctblock): it holds
        // that header, so a child's header connects there.
        std::optional<Hash256> last_header_sent;
        // The last block we tried to rebuild from its compact block while another peer was
        // asked for it: one try per block, so repeats cost no more mempool copies.
        std::optional<Hash256> compact_tried;
        std::optional<PendingCompact> pending_compact;

        Peer(size_t known_max, double now) : known(known_max), addr_limit(now) {}
    };
    // Why a peer is disconnected and discouraged at once.
    enum class Misbehavior {
        MalformedMessage,
        BeforeHandshake,
        DuplicateHandshake,
        InvalidHeader,
        InvalidBlock,
        InvalidTransaction,
        InvalidCompactBlock,
        UnconnectingHeaders,
    };
    static const char* misbehavior_name(Misbehavior m);

    template <typename F>
    auto run_on_io(F f) -> decltype(f());

    // peer_manager_identity.cpp: who may hold a connection once TLS proved an identity.
    // A peer named by the operator: endpoint required (discovery by identity alone comes
    // with the DHT), identity optional (a pin).
    Result<PeerAddress> operator_peer(const std::string& text) const;
    // The address to dial for an operator's peer ("ip:port"), with its pin if there is one.
    std::optional<NetAddress> operator_target(const std::string& endpoint) const;
    Status load_identity_rules();

    // peer_manager_dht.cpp: the DHT over UDP on the p2p port (node/net/dht/dht.h has the
    // protocol; this is its socket, timer, persistence and uses).
    Status start_dht();
    void dht_receive();
    void dht_send(const dht::Endpoint& to, Bytes datagram);
    void dht_write_next();
    void dht_tick();
    // A peer proved its identity and listens at `addr`: it may join our table.
    void dht_learn(const NetAddress& addr, const std::string& identity);
    // Outbound candidates from the DHT's table (signed records: dialed pinned).
    // `busy_groups`: the netgroups of our outbound peers and dials in progress (fill_outbound's
    // set, which dials made here extend): one automatic outbound peer per netgroup.
    void dht_fill_outbound(std::set<std::string>& connected, const std::set<std::string>& identities, size_t& outbound,
                           std::set<std::string>& busy_groups);
    // An operator's peer named by identity alone: found through the DHT, then dialed pinned.
    void resolve_and_connect(const std::string& identity, bool addnode);

    // peer_manager.cpp: connections, handshake, timers.
    void accept_next();
    // `pinned`: addr.identity is the operator's pin, which the peer must prove; otherwise an
    // identity the address book holds is only a hint.
    void connect_to(const NetAddress& addr, bool addnode, bool pinned = false);
    void add_peer(tcp::socket socket, bool inbound, std::optional<NetAddress> target, bool addnode, bool pinned);
    void maintenance();
    void fill_outbound();
    void check_stalls();
    void send_pings();
    // Closes connections proven longer than handshake_timeout ago whose version/verack
    // exchange has not finished (the per-frame read deadline alone would allow one per frame).
    void close_slow_handshakes();
    // Closes the newer of two connections to one identity the lower node left open for
    // kDuplicateWait, and remembers that identity (duplicate_connection.h).
    void close_lingering_duplicates();
    void log_sync_progress();
    void persist();
    Peer* peer_of(const std::shared_ptr<Connection>& c);
    Peer* peer_by_id(uint64_t id);
    // Invalid data or malformed frames: disconnected, and its address discouraged.
    void misbehaving(Peer& p, Misbehavior kind, const std::string& detail);
    // Adds to the peer's nuisance score; true when that disconnected it (its address is
    // excluded for a while, longer each time).
    bool nuisance(Peer& p, Nuisance kind, double count = 1);
    bool unrequested(Peer& p) { return nuisance(p, Nuisance::UnrequestedData); }
    bool whitelisted(const std::string& ip) const;
    // Inbound is full: evicts one inbound peer by the protection categories (eviction.h);
    // false when every candidate is protected.
    bool evict_for_inbound(uint64_t newcomer);
    // Inbound is full: may `ip` start a TLS handshake? (nullopt: yes; a pending one may be closed.)
    std::optional<std::string> make_room_for_handshake(const std::string& ip);
    size_t inbound_count() const;  // inbound connections, handshakes in progress included
    size_t secured_inbound_count(uint64_t except) const;
    size_t inbound_limit() const;
    // Why an inbound connection from `ip` is refused now, if it is.
    std::optional<std::string> inbound_refusal(const std::string& ip);
    VersionMsg our_version() const;
    void on_handshake(Peer& p);
    void handle(Peer& p, VersionMsg&& m);
    void handle(Peer& p, VerackMsg&&);
    void handle(Peer& p, PingMsg&& m);
    void handle(Peer& p, PongMsg&& m);

    // peer_manager_sync.cpp: headers, blocks, compact blocks.
    void send_getheaders(Peer& p, std::optional<Hash256> from = std::nullopt);
    void schedule_downloads();
    // `via_compact`: rebuilt from a compact block (relayed on before validation, and a body
    // that fails validation is not held against the sender).
    void process_block(Peer& p, const Block& block, bool via_compact = false);
    void relay_before_validation(Peer& from, const Block& block);
    // `claimed`: the block is being fetched from `p` (else another peer holds it, and a
    // rebuild that does not match is simply dropped).
    void finish_compact(Peer& p, PartialBlock& partial, bool after_round_trip, bool claimed = true);
    void select_high_bandwidth(Peer& p);
    // A connected block on its way to the io thread to be announced.
    struct BlockAnnouncement {
        Hash256 hash;
        std::shared_ptr<const Block> block;          // null while catching up: inventory only
        std::vector<Hash256> txids;                  // coinbase first, as Block::txids()
        std::shared_ptr<const CmpctBlockMsg> compact;  // no prefills
    };
    void announce_block(const BlockAnnouncement& a);
    // Whether `p` holds the header of `block`'s parent: the parent is the last header we sent
    // it, or its best block as it told us. Then a new block goes to it as a header (or, our
    // own, as a push) instead of an inv.
    bool has_parent_of(const Peer& p, const Block& block) const;
    void send_block(Peer& p, const InvItem& item, std::vector<InvItem>& missing);
    void handle(Peer& p, GetHeadersMsg&& m);
    void handle(Peer& p, HeadersMsg&& m);
    void handle(Peer& p, BlockMsg&& m);
    void handle(Peer& p, SendCmpctMsg&& m);
    void handle(Peer& p, CmpctBlockMsg&& m);
    void handle(Peer& p, GetBlockTxnMsg&& m);
    void handle(Peer& p, BlockTxnMsg&& m);

    // peer_manager_relay.cpp: transactions and addresses.
    void flush_tx_announcements();
    void send_tx_requests(const std::vector<TxDownload::Request>& requests);
    void handle(Peer& p, InvMsg&& m);
    void handle(Peer& p, GetDataMsg&& m);
    void handle(Peer& p, NotFoundMsg&& m);
    void handle(Peer& p, TxMsg&& m);
    void handle(Peer& p, GetAddrMsg&&);
    void handle(Peer& p, AddrMsg&& m);

    node::Chainstate& m_chain;
    node::Mempool& m_mempool;
    std::vector<Hash256> m_reorg_returning;  // io thread: transfers of disconnected blocks
    const ChainParams& m_params;
    NetOptions m_options;

    asio::io_context m_ioc;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> m_work;
    tcp::acceptor m_acceptor;
    asio::steady_timer m_maintenance_timer, m_trickle_timer, m_dht_timer;
    asio::ip::udp::socket m_udp;
    std::unique_ptr<dht::Dht> m_dht;
    std::array<uint8_t, 2048> m_udp_buffer{};
    asio::ip::udp::endpoint m_udp_from;
    std::deque<std::pair<asio::ip::udp::endpoint, Bytes>> m_udp_queue;  // at most kMaxUdpQueue
    bool m_udp_writing = false;
    struct Backoff {
        uint64_t next_try = 0;
        uint32_t failures = 0;
    };
    std::map<std::string, Backoff> m_dht_backoff;  // "ip:port" of DHT records we dialed
    std::thread m_thread;
    uint16_t m_listen_port = 0;
    uint64_t m_local_nonce;
    std::mt19937_64 m_rng;
    std::atomic<bool> m_stopping{false};
    std::shared_ptr<SocketCounters> m_counters = std::make_shared<SocketCounters>();
    std::optional<NodeIdentity> m_own_key;  // when NetOptions::key is null
    const NodeIdentity* m_key = nullptr;
    std::shared_ptr<TlsContext> m_tls;

    // io thread state
    uint64_t m_next_id = 1;
    std::map<uint64_t, std::unique_ptr<Peer>> m_peers;
    std::set<std::string> m_connecting;  // outbound attempts in progress ("ip:port")
    std::set<std::string> m_addnodes;
    std::map<std::string, std::string> m_pins;  // operator-named endpoint -> identity it must prove
    std::set<std::string> m_resolving;          // identities being looked up for the operator's peers
    std::set<std::string> m_peerallow;           // identities; empty: everyone
    std::map<std::string, uint64_t> m_addnode_next_try;
    AddressBook m_addrbook;
    BanList m_bans;
    DiscouragementFilter m_discouraged;
    Exclusions m_exclusions;
    ConnectionRateLimit m_connection_rate;
    ConnectionRateLimit m_netgroup_connection_rate{128, 16};  // a /16 or /32 (many /64s) together
    uint64_t m_eviction_key = 0;  // keys the netgroup hash that protects peers from eviction
    std::vector<Subnet> m_whitelist;
    ChainstateTreeView m_tree;
    BlockDownload m_blocks;
    TxDownload m_txs;
    RudeIdentities m_rude_identities;  // io thread: duplicates closed at once (duplicate_connection.h)
    NonceGapPool m_gap_txs;  // io thread: transfers waiting for an earlier nonce of their sender
    // Tries the waiting transfers again (one sender's, or all): those that fit now enter the
    // mempool and are announced; those still behind a gap wait on; others are dropped.
    void admit_waiting(std::vector<NonceGapPool::Waiting> waiting);
    // A transfer refused with nonce-gap from peer p: pooled when its signature is valid and
    // its sender can pay for it; a bad signature is misbehaviour.
    void hold_for_gap(Peer& p, const Transaction& tx, const Hash256& txid);
    void serve_getdata(Peer& p);
    // Holds a request whose reply would join a full send queue; false when it is not one of
    // those or need not wait. Past kMaxDeferredRequests / kMaxDeferredBytes the peer is
    // disconnected (not discouraged: it may be only slow).
    bool defer_request(Peer& p, Message& m, size_t wire_bytes);
    void serve_deferred(Peer& p);
    void announce_accepted(const Hash256& txid);
    std::deque<uint64_t> m_high_bandwidth;  // peers we asked for compact blocks unasked, oldest first
    RelayStats m_relay_stats;
    // Transfers admitted by RPC (txid, sender), waiting for the io thread: the trickle takes
    // them (at most kMaxRelaysPerTrickle a turn), so admission wakes nobody. Past
    // kMaxPendingRelays (the io thread stalled) the rest are not announced, and counted.
    static constexpr size_t kMaxPendingRelays = 100'000;
    static constexpr size_t kMaxRelaysPerTrickle = 5'000;
    HandoffQueue<std::pair<Hash256, AccountId>> m_relay_handoff{kMaxPendingRelays};
    // Set when a hand-off was refused: its sender's waiting transfers were not retried, so
    // the next trickle retries them all.
    std::atomic<bool> m_gap_retry_all{false};
    // Announces the transfers RPC handed over, and retries the nonce-gap pool for their senders.
    void take_handed_over();
    // Blocks that came to us from a peer (block or cmpctblock messages): a block connected
    // that is not here is our own, mined here or given by submitblock (announce_block).
    KnownInventory m_blocks_from_peers{10'000};
    std::chrono::steady_clock::time_point m_last_persist = std::chrono::steady_clock::now();
    struct SyncProgress {
        std::optional<std::chrono::steady_clock::time_point> since;  // when catching up began
        uint64_t from = 0;                                          // our height then
        std::chrono::steady_clock::time_point last_log;
    } m_progress;
};

}  // namespace finch::net
