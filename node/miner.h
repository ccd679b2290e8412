// The miner: builds block templates from the mempool (best fee rate first, each sender's
// nonces in order, within the block limits), grinds nonces on N threads, rebuilds on a
// new tip or better transactions, and submits found blocks through the chainstate like
// any block from a peer.
#pragma once

#include "node/chainstate.h"
#include "node/mempool.h"

#include <atomic>
#include <functional>
#include <thread>

namespace finch::node {

struct Template {
    Block block;  // header nonce 0, merkle root set
    uint64_t height = 0;
    Uint256 target;
    uint64_t min_time = 0;
    Amount coinbase_value = 0;
    std::vector<Amount> fees;
    uint64_t mempool_generation = 0;
};

class Miner {
public:
    Miner(Chainstate& chain, Mempool& mempool);
    ~Miner();

    // A template on the current tip paying subsidy + fees to `to`.
    Template create_template(const AccountId& to, uint64_t now) const;
    // Grinds a template until it meets its target (regtest's generate); nullopt if stopped
    // or the nonce space ran out.
    std::optional<Block> solve(Template t, const std::atomic<bool>& stop) const;

    // start() and stop() belong to one thread (finchd's main); the readers below may run on
    // any (getmininginfo on the RPC workers), so they read a count, not m_threads.
    void start(const AccountId& to, unsigned threads);
    void stop();
    bool running() const { return m_thread_count.load() != 0; }
    unsigned threads() const { return m_thread_count.load(); }
    double hashrate() const { return m_hashps.load(); }

    // Called with each block this miner found and the chainstate connected (for relay).
    std::function<void(const Block&)> on_block_found;

private:
    void run(unsigned index, AccountId to);
    void account(uint64_t hashes);

    Chainstate& m_chain;
    Mempool& m_mempool;
    std::vector<std::thread> m_threads;
    std::atomic<unsigned> m_thread_count{0};  // m_threads.size(), for other threads
    std::atomic<bool> m_stop{false};
    std::atomic<uint64_t> m_hashes{0};
    std::atomic<double> m_hashps{0};
    std::atomic<int64_t> m_rate_window_start{0};
    std::atomic<uint64_t> m_rate_window_hashes{0};
};

uint64_t unix_now();

// The most transfers a block holds (kMaxBlockTransactions, or what fits in kMaxBlockBytes).
size_t max_block_transfers();

// One turn of the miner's loop on a chain whose blocks it paces (regtest: one a target
// spacing), decided from: whether the spacing since its last block is still running, whether
// it already looked for a full block in that time, and the mempool's size.
//   Build:       the spacing has passed: mine whatever the template holds;
//   BuildIfFull: the mempool may fill a whole block: mine it only if the template is full;
//   Sleep:       wait a little and ask again.
enum class PaceStep { Build, BuildIfFull, Sleep };
PaceStep pace_step(bool within_spacing, bool looked_for_full, size_t mempool_size);

}  // namespace finch::node
