// The narrow interface through which the RPC server reaches the node. rpc/ knows only this
// header and consensus types; finchd's node implements it (node/rpc_adapter.*). Every
// method is safe to call from RPC worker threads and never blocks on block validation or
// mining for long (reads use snapshots).
#pragma once

#include "consensus/params.h"
#include "consensus/uint256.h"
#include "util/metrics.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace finch::rpc {

struct ChainInfo {
    std::string network;  // "main", "test", "regtest"
    uint64_t blocks = 0;  // height of the active tip
    uint64_t headers = 0;  // height of the best known header
    Hash256 best_block_hash;
    uint32_t bits = 0;
    double difficulty = 0;  // tip target relative to the network's easiest target
    uint64_t time = 0;
    uint64_t median_time = 0;
    Uint256 chain_work;
    bool initial_block_download = false;
    double verification_progress = 1.0;
    uint64_t size_on_disk = 0;
    uint64_t accounts = 0;
    uint64_t transactions = 0;
    uint64_t orphan_blocks = 0;
};

// The active tip in brief: what getblockcount, getbestblockhash and getdifficulty need.
struct TipSummary {
    uint64_t height = 0;
    Hash256 hash;
    uint32_t bits = 0;
    double difficulty = 0;
};

struct BlockInfo {
    Block block;
    uint64_t height = 0;
    int64_t confirmations = 0;  // -1 when not on the active chain (Bitcoin Core's convention)
    Uint256 chain_work;
    std::optional<Hash256> next_hash;
    uint64_t median_time = 0;
    bool have_data = true;
};

struct HeaderInfo {
    BlockHeader header;
    Hash256 hash;
    uint64_t height = 0;
    int64_t confirmations = 0;
    Uint256 chain_work;
    std::optional<Hash256> next_hash;
    uint64_t median_time = 0;
    uint64_t tx_count = 0;  // transfers + coinbase, when the body is stored
};

// Where a block sits, without its body: what a cached getblock needs at each call.
struct BlockPlace {
    uint64_t height = 0;
    int64_t confirmations = 0;  // -1 when not on the active chain
    std::optional<Hash256> next_hash;
    bool have_data = false;
};

struct ChainTip {
    Hash256 hash;
    uint64_t height = 0;
    uint64_t branch_length = 0;
    std::string status;  // active, valid-fork, valid-headers, invalid
};

struct TransactionInfo {
    // Exactly one of transfer / coinbase is set.
    std::optional<Transaction> transfer;
    std::optional<Coinbase> coinbase;
    Hash256 txid;
    bool in_mempool = false;
    std::optional<Hash256> block_hash;  // when confirmed
    uint64_t block_height = 0;
    int64_t confirmations = 0;
    uint64_t block_time = 0;
};

struct AccountInfo {
    AccountId id;
    Amount balance = 0;        // confirmed
    uint64_t nonce = 0;        // confirmed next nonce
    uint64_t pending_nonce = 0;  // next nonce counting the sender's mempool transactions
    Amount pending_balance = 0;  // balance minus the sender's pending spends
};

// One entry of an address's history (the address index).
enum class TransferRole { Mined, Sent, Received };
struct AddressTransfer {
    uint64_t height = 0;
    uint32_t position = 0;  // 0 is the coinbase, i >= 1 is transfer i - 1
    TransferRole role = TransferRole::Received;
    Hash256 txid;
    Amount amount = 0;
    Amount fee = 0;
    std::optional<AccountId> counterparty;  // the other side of a transfer; none for a coinbase
    Hash256 block_hash;
    uint64_t block_time = 0;
};

// Which part of an address's history to read: entries older than `after` (an entry's place in
// the newest-first order) when set, then `skip` more, then at most `count`.
struct HistoryPlace {
    uint64_t height = 0;
    uint32_t position = 0;
    TransferRole role = TransferRole::Received;
};
struct HistoryQuery {
    std::optional<HistoryPlace> after;
    uint64_t skip = 0;
    size_t count = 100;
};

struct StateHashInfo {
    uint64_t height = 0;
    Hash256 best_block_hash;
    Hash256 state_hash;
    uint64_t accounts = 0;
};

// Outcome of handing a transaction to the mempool.
struct SubmitResult {
    enum class Kind { Accepted, AlreadyInMempool, AlreadyInChain, Rejected };
    Kind kind = Kind::Rejected;
    Hash256 txid;
    std::string reason;  // rule code, e.g. "bad-signature", "nonce-too-low", "fee-too-low"
    std::string detail;
};

struct MempoolInfo {
    uint64_t size = 0;   // transactions
    uint64_t bytes = 0;  // serialized bytes
    uint64_t usage = 0;  // estimated memory
    uint64_t max_bytes = 0;
    Amount min_relay_fee = 0;  // base units per transaction byte... see docs/rpc.md
    Amount mempool_min_fee = 0;
    uint64_t total_fee = 0;
};

struct MempoolEntry {
    Transaction tx;
    Hash256 txid;
    uint64_t size = 0;
    Amount fee = 0;
    uint64_t time = 0;    // when it entered the mempool
    uint64_t height = 0;  // tip height then
};

struct MiningInfo {
    uint64_t blocks = 0;
    uint32_t bits = 0;
    double difficulty = 0;
    double network_hashps = 0;  // estimated from recent blocks
    double local_hashps = 0;    // this node's miner
    uint64_t pooled_tx = 0;
    std::string chain;
    bool mining = false;
    unsigned miner_threads = 0;
};

struct BlockTemplate {
    Block block;  // coinbase and transactions filled in, header nonce 0
    Uint256 target;
    uint64_t height = 0;
    uint64_t min_time = 0;
    uint64_t cur_time = 0;
    Amount coinbase_value = 0;  // subsidy + fees
    std::vector<Amount> fees;   // per transfer
};

// Outcome of submitblock / a mined block.
struct BlockSubmitResult {
    bool accepted = false;
    bool duplicate = false;
    std::string reason;  // Bitcoin Core style: "duplicate", "inconclusive", or the rule's code
};

struct PeerInfo {
    uint64_t id = 0;
    std::string addr;
    std::string addr_local;
    bool inbound = false;
    uint64_t conn_time = 0;
    uint64_t last_send = 0;
    uint64_t last_recv = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_recv = 0;
    double ping_time = 0;  // seconds, 0 when unknown
    uint32_t version = 0;
    std::string user_agent;
    uint64_t starting_height = 0;
    uint64_t synced_blocks = 0;
    bool whitelisted = false;
    std::string identity;   // proven by the TLS handshake, 64 hex; empty while it runs
    std::string transport;  // "tls1.3"; empty while the handshake runs
    std::string cipher;     // the negotiated TLS cipher suite
    double score = 0;          // nuisance score, decaying (100 disconnects)
    bool discouraged = false;  // its address is discouraged (misbehaved before)
    int misbehavior = 0;
    int64_t synced_headers = -1;
    bool bip152_hb_to = false;
    bool bip152_hb_from = false;
    std::map<std::string, uint64_t> bytes_sent_per_msg;
    std::map<std::string, uint64_t> bytes_recv_per_msg;
};

struct NetTotals {
    uint64_t total_bytes_recv = 0;
    uint64_t total_bytes_sent = 0;
};

// The DHT (design.md section 6, "Structured discovery").
struct DhtInfo {
    std::string identity;  // our node id
    std::string endpoint;  // where our record says we are ("" until known)
    uint64_t buckets = 0;  // non-empty buckets
    uint64_t nodes = 0;    // entries in the routing table
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
};
struct DhtNode {
    std::string identity;
    std::string endpoint;  // from its signed record
    int hops = 0;          // rounds of queries the lookup took (at least 1)
};

struct NetworkInfo {
    uint64_t version = 0;
    std::string subversion;
    uint32_t protocol_version = 0;
    std::string identity;  // SHA-256 of the node's Ed25519 public key, 64 lowercase hex
    uint64_t connections = 0;
    uint64_t connections_in = 0;
    uint64_t connections_out = 0;
    bool network_active = true;
    bool listening = false;
    uint16_t port = 0;
    std::vector<std::string> local_addresses;
    std::string warnings;
    // Compact block relay since start-up (finchain's addition to Bitcoin Core's shape).
    uint64_t compact_received = 0;
    uint64_t compact_rebuilt_without_round_trip = 0;
    uint64_t compact_rebuilt_after_getblocktxn = 0;
    uint64_t compact_fell_back_to_full_block = 0;
};

struct BanEntry {
    std::string address;  // IP or subnet
    uint64_t ban_created = 0;
    uint64_t banned_until = 0;
    std::string reason;
};

// What the node pushes to WebSocket subscribers (design.md section 7, "Subscriptions").
// Called from the node's threads: the chain's, in connection order while it holds its lock,
// and whichever thread admitted a transaction. Implementations must be quick and must not
// call back into the node.
class NodeEvents {
public:
    virtual ~NodeEvents() = default;
    virtual void block_connected(const Block& block, const Hash256& hash, uint64_t height) = 0;
    virtual void block_disconnected(const Block& block, const Hash256& hash, uint64_t height) = 0;
    // A transfer entered the mempool (from RPC or a peer; not those returning after a reorg).
    virtual void transaction_accepted(const Transaction& tx, const Hash256& txid) = 0;
};

class NodeInterface {
public:
    virtual ~NodeInterface() = default;

    virtual const ChainParams& params() const = 0;

    // chain
    virtual ChainInfo chain_info() = 0;
    // Called for every getblockcount/getbestblockhash/getdifficulty, so it should be cheap.
    // The default takes the values from chain_info(); override it when chain_info() does slow
    // work (e.g. measuring the ledger's size on disk).
    virtual TipSummary tip_summary() {
        const ChainInfo c = chain_info();
        return {c.blocks, c.best_block_hash, c.bits, c.difficulty};
    }
    virtual std::optional<Hash256> block_hash_at(uint64_t height) = 0;
    virtual std::optional<BlockInfo> block(const Hash256& hash) = 0;
    virtual std::optional<HeaderInfo> header(const Hash256& hash) = 0;
    // The default asks header(); a node whose header() reads the body overrides it.
    virtual std::optional<BlockPlace> block_place(const Hash256& hash) {
        auto h = header(hash);
        if (!h) return std::nullopt;
        return BlockPlace{h->height, h->confirmations, h->next_hash, h->tx_count > 0};
    }
    virtual std::vector<ChainTip> chain_tips() = 0;
    virtual std::optional<TransactionInfo> transaction(const Hash256& txid) = 0;
    virtual AccountInfo account(const AccountId& id) = 0;
    virtual StateHashInfo state_hash() = 0;
    // The address index: an account's transfers and coinbases, newest first (see HistoryQuery).
    // nullopt when the node runs without the index.
    virtual std::optional<std::vector<AddressTransfer>> address_history(const AccountId& /*id*/,
                                                                        const HistoryQuery& /*query*/) {
        return std::nullopt;
    }

    // mempool
    virtual SubmitResult submit_transaction(const Transaction& tx) = 0;
    virtual std::vector<Hash256> mempool_txids() = 0;
    virtual MempoolInfo mempool_info() = 0;
    virtual std::optional<MempoolEntry> mempool_entry(const Hash256& txid) = 0;
    // The newest entries first, at most `max`; with `involving`, only those it sends or receives.
    virtual std::vector<MempoolEntry> mempool_latest(size_t /*max*/, const std::optional<AccountId>& /*involving*/) {
        return {};
    }

    // mining
    virtual MiningInfo mining_info() = 0;
    // Regtest only (the caller checks): mines n blocks to `to`, returns their hashes.
    virtual Result<std::vector<Hash256>> generate(uint64_t n, const AccountId& to) = 0;
    virtual Result<BlockTemplate> block_template(const AccountId& coinbase_to) = 0;
    virtual BlockSubmitResult submit_block(const Block& block) = 0;

    // network (answers sensibly with no p2p: empty lists, zero connections)
    virtual std::vector<PeerInfo> peers() = 0;
    virtual NetworkInfo network_info() = 0;
    virtual NetTotals net_totals() = 0;
    virtual DhtInfo dht_info() = 0;
    // Rejections: bad-peer-identity (not 64 hex), dht-not-found, p2p-disabled.
    virtual Result<DhtNode> dht_find(const std::string& identity) = 0;
    // command: "add", "remove", "onetry"
    virtual Status add_node(const std::string& address, const std::string& command) = 0;
    virtual Status disconnect_node(const std::string& address, std::optional<uint64_t> peer_id) = 0;
    // command: "add", "remove"; ban_seconds 0 means the default
    virtual Status set_ban(const std::string& subnet, const std::string& command, uint64_t ban_seconds,
                           bool absolute) = 0;
    virtual std::vector<BanEntry> list_banned() = 0;
    virtual void clear_banned() = 0;

    // control
    virtual void request_stop() = 0;
    virtual uint64_t uptime_seconds() = 0;

    // operator surface
    // The server attaches its subscription hub when it starts and detaches it (nullptr) when it
    // stops; detaching waits for a call in progress. A node without events ignores it.
    virtual void set_event_sink(NodeEvents* /*sink*/) {}
    // The node's metrics (chain, mempool, peers, p2p bytes, process) for GET /metrics; the
    // server adds its own (RPC, WebSocket). Runs on an RPC worker thread.
    virtual void write_metrics(util::MetricsText& /*out*/) {}
};

}  // namespace finch::rpc
