// A NodeInterface with canned regtest data (a small chain with signed transfers, a mempool,
// a peer, bans) for the RPC tests and the RPC benchmark server; no storage, no p2p.
#pragma once

#include "rpc/node_interface.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

namespace finch::rpc::test {

// A secret key derived from a label, the same on every run.
SecretKey key_from_label(const std::string& label);
AccountId account_of(const std::string& label);
// Signed with fixed auxiliary randomness: the same arguments give the same txid.
Transaction signed_transfer(const std::string& from_label, const AccountId& to, Amount amount, Amount fee,
                            uint64_t nonce);

class FakeNode : public NodeInterface {
public:
    // big_block_txs > 0 adds a block with that many transfers on top of the chain.
    explicit FakeNode(size_t big_block_txs = 0);

    // Canned data the tests compare against.
    std::vector<Block> chain;  // chain[h] is the block at height h; chain[0] is genesis
    std::vector<Hash256> hashes;
    Block fork_block;  // a block on a side branch (confirmations -1)
    Hash256 fork_hash;

    // Test hooks.
    Network network = Network::Regtest;  // what params() reports (the canned data stay regtest)
    std::atomic<bool> throw_in_uptime{false};  // uptime throws: exercises -32603
    std::atomic<int> stop_requests{0};
    // While closed, uptime() waits (up to 10 s) until opened; `entered` counts callers.
    void close_gate();
    void open_gate();
    bool wait_entered(int n, std::chrono::milliseconds timeout);

    const ChainParams& params() const override;
    ChainInfo chain_info() override;
    std::optional<Hash256> block_hash_at(uint64_t height) override;
    std::optional<BlockInfo> block(const Hash256& hash) override;
    std::optional<HeaderInfo> header(const Hash256& hash) override;
    std::vector<ChainTip> chain_tips() override;
    std::optional<TransactionInfo> transaction(const Hash256& txid) override;
    AccountInfo account(const AccountId& id) override;
    StateHashInfo state_hash() override;
    // From the canned chain, newest first (address_index_off: as a node run without the index).
    std::optional<std::vector<AddressTransfer>> address_history(const AccountId& id, const HistoryQuery& query) override;
    std::atomic<bool> address_index_off{false};

    SubmitResult submit_transaction(const Transaction& tx) override;
    std::vector<Hash256> mempool_txids() override;
    MempoolInfo mempool_info() override;
    std::optional<MempoolEntry> mempool_entry(const Hash256& txid) override;
    std::vector<MempoolEntry> mempool_latest(size_t max, const std::optional<AccountId>& involving) override;

    MiningInfo mining_info() override;
    Result<std::vector<Hash256>> generate(uint64_t n, const AccountId& to) override;
    Result<BlockTemplate> block_template(const AccountId& coinbase_to) override;
    BlockSubmitResult submit_block(const Block& block) override;

    std::vector<PeerInfo> peers() override;
    NetworkInfo network_info() override;
    NetTotals net_totals() override { return {1200, 3400}; }
    DhtInfo dht_info() override;
    Result<DhtNode> dht_find(const std::string& identity) override;
    Status add_node(const std::string& address, const std::string& command) override;
    Status disconnect_node(const std::string& address, std::optional<uint64_t> peer_id) override;
    Status set_ban(const std::string& subnet, const std::string& command, uint64_t ban_seconds, bool absolute) override;
    std::vector<BanEntry> list_banned() override;
    void clear_banned() override;

    void request_stop() override { ++stop_requests; }
    uint64_t uptime_seconds() override;

private:
    std::optional<size_t> height_of(const Hash256& hash) const;
    Uint256 work_at(size_t height) const;

    std::mutex m_mutex;  // guards everything below
    std::map<AccountId, Account> m_accounts;
    std::map<Hash256, MempoolEntry> m_mempool;
    std::set<std::string> m_added_nodes;
    std::vector<BanEntry> m_bans;
    std::condition_variable m_gate_cv;
    bool m_gate_closed = false;
    int m_entered = 0;
};

}  // namespace finch::rpc::test
