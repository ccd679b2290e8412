// Block rules: context-free checks, contextual header checks, and the state transition
// (apply a block to an account state and undo it).
#pragma once

#include "consensus/params.h"
#include "consensus/state.h"

#include <span>

namespace finch {

// Proof of work of a lone header: bad-diffbits, high-hash.
Status check_block_header(const BlockHeader& header, const ChainParams& params);

// Context-free block rules (no signatures, no state):
// bad-blk-length, bad-blk-tx-count, bad-txnmrklroot (Fault::Mutated), bad-txns-duplicate,
// bad-cb-extra, the header's proof of work, and every transfer's stateless rules.
// `txids`, if given, receives the block's txids (coinbase first), computed on the way.
Status check_block(const Block& block, const ChainParams& params, std::vector<Hash256>* txids = nullptr);

// Every transfer's signature (bad-signature). The node may check these in parallel or
// skip those its signature cache already holds, then apply with signatures verified.
Status check_block_signatures(const Block& block, const ChainParams& params);

// Median of up to the last 11 block times (oldest first or any order).
uint64_t median_time_past(std::span<const uint64_t> times);

struct HeaderContext {
    uint64_t height = 0;            // height of the block being checked
    uint32_t expected_bits = 0;     // from next_work_required
    uint64_t median_time_past = 0;  // of the previous 11 blocks
    uint64_t now = 0;               // the local clock
};

// bad-diffbits (wrong bits for its place), time-too-old (not above the median time past),
// time-too-new (beyond the future drift), bad-version.
Status contextual_check_header(const BlockHeader& header, const HeaderContext& ctx, const ChainParams& params);

// Applies a block at `height` to `state`: coinbase height (bad-cb-height), every transfer's
// nonce and balance (nonce-too-low, nonce-too-high, insufficient-funds), fee sum,
// and the coinbase amount (bad-cb-amount: above subsidy + fees). Returns the undo data.
// Signatures are not checked here (see check_block_signatures). On rejection `state` holds
// partial changes and must be discarded.
Result<BlockUndo> apply_block(const Block& block, uint64_t height, StateOverlay& state, const ChainParams& params);

// Restores the accounts a block touched to their previous states.
void undo_block(const BlockUndo& undo, StateOverlay& state);

}  // namespace finch
