// Compact block relay (BIP152-style) without sockets: short transaction ids, building a
// cmpctblock, rebuilding a block from one plus the mempool, and answering getblocktxn.
#pragma once

#include "node/net/messages.h"

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace finch::net {

// SipHash-2-4 key of one compact block's short ids.
struct ShortIdKey {
    uint64_t k0 = 0;
    uint64_t k1 = 0;
    bool operator==(const ShortIdKey&) const = default;
};

// k0, k1: the first 16 bytes of SHA256(serialized header || nonce as u64 LE), as two u64 LE.
ShortIdKey short_id_key(const BlockHeader& header, uint64_t nonce);
// SipHash-2-4 with a 64-bit output (the reference function; OpenSSL's "SIPHASH" MAC with
// size 8 computes the same).
uint64_t siphash24(const ShortIdKey& key, ByteSpan data);
// A transfer's short id: SipHash-2-4 of its txid, low 48 bits.
uint64_t short_id(const ShortIdKey& key, const Hash256& txid);

// The block as a cmpctblock: the transfers at `prefill_indexes` (positions in block.txs, any
// order, each below block.txs.size()) are sent whole, the others as short ids. A transfer
// whose short id equals an earlier one's is prefilled too, so a receiver never sees
// duplicate ids from us (it treats them as misbehaviour).
CmpctBlockMsg make_compact_block(const Block& block, uint64_t nonce, const std::vector<uint32_t>& prefill_indexes = {});

// The transfers of a block at the positions asked for. Rejection: bad-getblocktxn-index
// (Fault::Decode) when one is past the block's transfers.
Result<BlockTxnMsg> answer_getblocktxn(const Block& block, const GetBlockTxnMsg& request);

// A mempool transfer offered to reconstruction, with its txid (already known, not rehashed).
using PoolTx = std::pair<Hash256, Transaction>;

// A block being rebuilt from a cmpctblock (Bitcoin Core's PartiallyDownloadedBlock):
// init() places the prefilled transfers and those of the pool whose short ids match; the
// rest are fetched with getblocktxn and handed to fill(); block() then assembles it.
class PartialBlock {
public:
    // Starts over from a compact block and a pool snapshot (one SipHash per pool transfer;
    // see Mempool::snapshot_transactions). On a rejection the object is left empty.
    // Rejections meaning the peer misbehaved (Fault::Decode): bad-cmpct-oversize (more than
    // kMaxBlockTransactions transfers), bad-cmpct-index (a prefilled index out of range or not
    // strictly increasing), bad-cmpct-duplicate-ids (two equal short ids). Two pool transfers
    // matching one short id are no failure: that position is left missing.
    Status init(const CmpctBlockMsg& m, std::span<const PoolTx> pool);

    // Positions in Block::txs still to fetch, increasing: what a getblocktxn asks for.
    std::vector<uint32_t> missing() const;
    bool complete() const { return m_ready && m_missing == 0; }
    // Fills the missing positions in order with a blocktxn's transfers. Rejections
    // (Fault::Decode): bad-blocktxn-hash (for another block), bad-blocktxn-count (not
    // exactly one transfer per missing position).
    Status fill(const BlockTxnMsg& m);

    // The rebuilt block once complete. Rejections: cmpct-merkle-mismatch (Fault::Mutated: a
    // short-id collision put a wrong transfer somewhere; fetch the full block instead, do not
    // punish the peer), cmpct-incomplete (Fault::Policy: called too early, our bug).
    Result<Block> block() const;

    const BlockHeader& header() const { return m_header; }
    const Hash256& block_hash() const { return m_hash; }
    // Where the transfers came from, for statistics.
    size_t from_pool() const { return m_from_pool; }
    size_t prefilled() const { return m_prefilled; }
    size_t fetched() const { return m_fetched; }

private:
    BlockHeader m_header;
    Hash256 m_hash;
    Coinbase m_coinbase;
    std::vector<Transaction> m_txs;
    std::vector<bool> m_filled;
    size_t m_missing = 0;
    size_t m_from_pool = 0;
    size_t m_prefilled = 0;
    size_t m_fetched = 0;
    bool m_ready = false;  // init() succeeded
};

}  // namespace finch::net
