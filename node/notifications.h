// What the chainstate tells the rest of the node (mempool, p2p, rpc, miner), in the
// spirit of Bitcoin Core's kernel notifications. Called in order, from the thread that
// changed the chain, while the chainstate is locked: handlers must not call back into
// Chainstate's writing methods.
#pragma once

#include "consensus/block.h"

namespace finch::node {

struct TipInfo {
    Hash256 hash;
    uint64_t height = 0;
    Uint256 chain_work;
    uint64_t time = 0;
    uint32_t bits = 0;
    uint64_t median_time_past = 0;
};

class ChainNotifications {
public:
    virtual ~ChainNotifications() = default;
    // A block became part of the active chain; its transactions are now confirmed.
    virtual void block_connected(const Block& /*block*/, uint64_t /*height*/) {}
    // A block left the active chain in a reorg; its transfers are unconfirmed again.
    virtual void block_disconnected(const Block& /*block*/, uint64_t /*height*/) {}
    // The active chain's tip changed (after all connects/disconnects of one activation).
    virtual void tip_changed(const TipInfo& /*tip*/, bool /*initial_download*/) {}
    // The store failed: the node must shut down.
    virtual void fatal_error(const std::string& /*message*/) {}
};

}  // namespace finch::node
