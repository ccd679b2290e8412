// Proof of work: targets, work, and the ASERT difficulty rule.
#pragma once

#include "consensus/block.h"
#include "consensus/result.h"
#include "consensus/uint256.h"

namespace finch {

struct ChainParams;

// The target a compact value encodes, or a rejection (bad-diffbits) when it is negative,
// zero, overflowing or easier than the network's limit.
Result<Uint256> decode_target(uint32_t bits, const Uint256& pow_limit);
// Rejections: bad-diffbits, high-hash (the hash is above the target).
Status check_proof_of_work(const Hash256& hash, uint32_t bits, const Uint256& pow_limit);
// Expected number of hashes to meet the target: 2^256 / (target + 1).
Uint256 block_work(uint32_t bits);

// The anchor of the ASERT rule: the genesis block.
struct AsertAnchor {
    uint64_t height = 0;
    uint64_t time = 0;
    uint32_t bits = 0;
};

// Target for the block after `prev`: the anchor's target scaled by
// 2^((time_since_anchor - spacing * blocks_since_anchor) / half_life), computed with
// aserti3-2d's fixed-point cubic approximation and clamped to [1, pow_limit].
uint32_t asert_next_bits(const AsertAnchor& anchor, uint64_t prev_height, uint64_t prev_time,
                         int64_t target_spacing, int64_t half_life, const Uint256& pow_limit);

// Bits required for the block at prev_height + 1 under the network's rules.
uint32_t next_work_required(uint64_t prev_height, uint64_t prev_time, const ChainParams& params);

}  // namespace finch
