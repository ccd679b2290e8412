// Chain parameters of the three networks: main, test and regtest.
#pragma once

#include "consensus/block.h"
#include "consensus/uint256.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace finch {

enum class Network { Main, Test, Regtest };

struct ChainParams {
    Network network;
    std::string name;  // also the data subfolder
    std::string hrp;   // bech32m address prefix
    std::array<uint8_t, 4> magic;  // first bytes of every p2p frame
    uint16_t default_port;
    uint16_t default_rpc_port;

    Uint256 pow_limit;         // easiest allowed target
    bool no_retarget;          // regtest: every block at the genesis difficulty
    int64_t target_spacing;    // seconds between blocks the difficulty rule aims for
    int64_t asert_half_life;   // seconds of drift that double or halve the target
    int64_t max_future_drift;  // how far past the local clock a block time may be

    Amount initial_subsidy;
    uint64_t halving_interval;

    Block genesis;
    Hash256 genesis_hash;  // the tested constant; genesis.hash() must equal it
};

const ChainParams& chain_params(Network network);
std::optional<Network> parse_network(std::string_view name);
// The network whose address prefix is hrp, if any (for "wrong network" messages).
std::optional<Network> network_for_hrp(std::string_view hrp);

// Block reward at a height: nothing at genesis, then initial_subsidy halving every
// halving_interval blocks until it reaches zero. The sum over all heights stays below kMaxMoney.
Amount block_subsidy(uint64_t height, const ChainParams& params);

// Decodes an address of this network; an address of another known network says which.
Result<AccountId> decode_address(std::string_view address, const ChainParams& params);
std::string encode_address(const AccountId& id, const ChainParams& params);

// Whether the genesis block hashes to its constant and meets its own proof of work.
Status check_genesis(const ChainParams& params);

// Builds a genesis block (used by the parameters and by the tool that mined them).
Block make_genesis(std::string_view message, uint64_t time, uint32_t bits, uint64_t nonce);

}  // namespace finch
