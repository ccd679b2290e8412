// Block headers, blocks, merkle roots and the fast header hasher used for mining.
#pragma once

#include "consensus/transaction.h"

#include <vector>

namespace finch {

// Consensus-wide block limits (the same on every network).
inline constexpr size_t kMaxBlockBytes = 1'000'000;
inline constexpr size_t kMaxBlockTransactions = 10'000;  // transfers, excluding the coinbase

struct BlockHeader {
    uint32_t version = 1;
    Hash256 prev_hash;
    Hash256 merkle_root;
    uint64_t time = 0;  // seconds since the Unix epoch
    uint32_t bits = 0;  // compact target
    uint64_t nonce = 0;

    static constexpr size_t kSerializedSize = 4 + 32 + 32 + 8 + 4 + 8;

    void encode(Writer& w) const;
    static BlockHeader decode(Reader& r);
    // Double SHA-256 of the serialized header: the block's id and its proof of work.
    Hash256 hash() const;
    bool operator==(const BlockHeader&) const = default;
};

struct Block {
    BlockHeader header;
    Coinbase coinbase;
    std::vector<Transaction> txs;

    void encode(Writer& w) const;
    static Block decode(Reader& r);
    Bytes serialize() const { return finch::encode(*this); }
    size_t serialized_size() const;
    Hash256 hash() const { return header.hash(); }
    // Leaves: the coinbase id, then each transfer's id, in block order.
    std::vector<Hash256> txids() const;
    Hash256 compute_merkle_root() const;
    bool operator==(const Block&) const = default;
};

// Merkle root where an odd node at the end of a level is carried up unchanged rather
// than paired with a copy of itself, so no two different leaf lists share a root
// (Bitcoin's duplicate-last-leaf mutation, CVE-2012-2459, cannot be built).
// Interior nodes are SHA256(0x01 || left || right), domain-separated from txids.
Hash256 merkle_root(std::vector<Hash256> leaves);

// Hashes a header for many nonces: the first 64 bytes are compressed once (the midstate),
// so each nonce costs two SHA-256 compressions.
class HeaderHasher {
public:
    explicit HeaderHasher(const BlockHeader& header);
    Hash256 hash_with_nonce(uint64_t nonce);
    // Hashes nonce and nonce + 1 together (two interleaved streams run faster than one).
    void hash_pair(uint64_t nonce, Hash256 out[2]);

private:
    uint32_t m_midstate[8];
    alignas(16) uint8_t m_tail[64];  // second block: last 24 header bytes + padding
    alignas(16) uint8_t m_tail2[64];  // the same for the second nonce of a pair
};

}  // namespace finch
