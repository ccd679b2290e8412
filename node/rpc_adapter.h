// finchd's implementation of rpc::NodeInterface: answers RPC methods from the chainstate,
// the store's snapshots, the mempool, the miner and (when running) the p2p network.
#pragma once

#include "node/chainstate.h"
#include "node/mempool.h"
#include "node/miner.h"
#include "node/net/net_types.h"
#include "rpc/node_interface.h"
#include "util/thread_annotations.h"

#include <atomic>
#include <chrono>
#include <functional>

namespace finch::node {

// It is also the chain's subscriber that forwards blocks to the RPC server's subscription
// hub, and the mempool's accept listener (rpc_adapter_events.cpp, with the metrics).
class RpcAdapter final : public rpc::NodeInterface, public ChainNotifications {
public:
    RpcAdapter(Chainstate& chain, Mempool& mempool, Miner& miner, std::filesystem::path ledger_dir,
               std::function<void()> request_stop);

    void set_network(net::NetworkControl* net) { m_net = net; }

    const ChainParams& params() const override { return m_chain.params(); }
    rpc::ChainInfo chain_info() override EXCLUDES(m_disk_mutex);
    rpc::TipSummary tip_summary() override;
    std::optional<Hash256> block_hash_at(uint64_t height) override;
    std::optional<rpc::BlockInfo> block(const Hash256& hash) override;
    std::optional<rpc::HeaderInfo> header(const Hash256& hash) override;
    std::optional<rpc::BlockPlace> block_place(const Hash256& hash) override;
    std::vector<rpc::ChainTip> chain_tips() override;
    std::optional<rpc::TransactionInfo> transaction(const Hash256& txid) override;
    rpc::AccountInfo account(const AccountId& id) override;
    rpc::StateHashInfo state_hash() override;
    std::optional<std::vector<rpc::AddressTransfer>> address_history(const AccountId& id,
                                                                     const rpc::HistoryQuery& query) override;

    rpc::SubmitResult submit_transaction(const Transaction& tx) override;
    std::vector<Hash256> mempool_txids() override;
    rpc::MempoolInfo mempool_info() override;
    std::optional<rpc::MempoolEntry> mempool_entry(const Hash256& txid) override;
    std::vector<rpc::MempoolEntry> mempool_latest(size_t max, const std::optional<AccountId>& involving) override;

    rpc::MiningInfo mining_info() override;
    Result<std::vector<Hash256>> generate(uint64_t n, const AccountId& to) override;
    Result<rpc::BlockTemplate> block_template(const AccountId& coinbase_to) override;
    rpc::BlockSubmitResult submit_block(const Block& block) override;

    std::vector<rpc::PeerInfo> peers() override;
    rpc::NetworkInfo network_info() override;
    rpc::NetTotals net_totals() override;
    rpc::DhtInfo dht_info() override;
    Result<rpc::DhtNode> dht_find(const std::string& identity) override;
    Status add_node(const std::string& address, const std::string& command) override;
    Status disconnect_node(const std::string& address, std::optional<uint64_t> peer_id) override;
    Status set_ban(const std::string& subnet, const std::string& command, uint64_t ban_seconds,
                   bool absolute) override;
    std::vector<rpc::BanEntry> list_banned() override;
    void clear_banned() override;

    void request_stop() override { m_request_stop(); }
    uint64_t uptime_seconds() override;

    void set_event_sink(rpc::NodeEvents* sink) override EXCLUDES(m_events_mutex);
    void write_metrics(util::MetricsText& out) override;

    // ChainNotifications (subscribe the adapter to the chain) and the mempool's listener.
    void block_connected(const Block& block, uint64_t height) override EXCLUDES(m_events_mutex);
    void block_disconnected(const Block& block, uint64_t height) override EXCLUDES(m_events_mutex);
    void transaction_accepted(const Transaction& tx, const Hash256& txid) EXCLUDES(m_events_mutex);

private:
    double difficulty(uint32_t bits) const;
    uint64_t median_time(const Hash256& hash) const;
    rpc::BlockPlace place_of(const Hash256& hash, const storage::BlockIndexRecord& rec) const;

    Chainstate& m_chain;
    Mempool& m_mempool;
    Miner& m_miner;
    std::filesystem::path m_ledger_dir;
    std::function<void()> m_request_stop;
    net::NetworkControl* m_net = nullptr;
    std::chrono::steady_clock::time_point m_started = std::chrono::steady_clock::now();
    // size_on_disk walks the ledger folder: measured at most every 10 s, not per call.
    util::Mutex m_disk_mutex;
    uint64_t m_disk_bytes GUARDED_BY(m_disk_mutex) = 0;
    std::chrono::steady_clock::time_point m_disk_measured GUARDED_BY(m_disk_mutex){};
    // The sink is read by every event; the mutex makes set_event_sink(nullptr) wait for a
    // call in progress. m_has_sink spares the lock when nobody listens.
    util::Mutex m_events_mutex;
    rpc::NodeEvents* m_sink GUARDED_BY(m_events_mutex) = nullptr;
    std::atomic<bool> m_has_sink{false};
};

}  // namespace finch::node
