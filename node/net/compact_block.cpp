// Compact block relay: SipHash short ids, cmpctblock construction and block reconstruction; see compact_block.h.
#include "node/net/compact_block.h"

#include "consensus/siphash.h"

#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_set>

namespace finch::net {

namespace {

constexpr uint64_t kShortIdMask = 0xffff'ffff'ffffULL;  // 48 bits, the 6 bytes sent

// Short id -> position in Block::txs, open addressing with linear probing. Short ids are
// SipHash outputs, so their low bits already spread evenly; at most half the slots are used.
class ShortIdTable {
public:
    explicit ShortIdTable(size_t entries) {
        size_t size = 16;
        while (size < 2 * entries) size *= 2;
        m_mask = size - 1;
        m_slots.assign(size, Slot{});
    }
    // False if the id is already present.
    bool insert(uint64_t id, uint32_t position) {
        for (size_t i = id & m_mask;; i = (i + 1) & m_mask) {
            Slot& s = m_slots[i];
            if (s.position == kEmpty) {
                s = {id, position};
                return true;
            }
            if (s.id == id) return false;
        }
    }
    uint32_t find(uint64_t id) const {
        for (size_t i = id & m_mask;; i = (i + 1) & m_mask) {
            const Slot& s = m_slots[i];
            if (s.position == kEmpty || s.id == id) return s.position;
        }
    }
    static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();

private:
    struct Slot {
        uint64_t id = 0;
        uint32_t position = kEmpty;
    };
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
};

Rejection peer_fault(const char* code, std::string detail) { return reject(code, std::move(detail), Fault::Decode); }

}  // namespace

ShortIdKey short_id_key(const BlockHeader& header, uint64_t nonce) {
    Writer w(BlockHeader::kSerializedSize + 8);
    header.encode(w);
    w.u64(nonce);
    const Hash256 h = sha256(w.data());
    return {load_le64(h.data()), load_le64(h.data() + 8)};
}

uint64_t siphash24(const ShortIdKey& key, ByteSpan data) { return siphash<2, 4>(key.k0, key.k1, data); }

// A 50,000-transfer mempool is hashed once per compact block: no OpenSSL MAC per id.
uint64_t short_id(const ShortIdKey& key, const Hash256& txid) { return siphash<2, 4>(key.k0, key.k1, txid) & kShortIdMask; }

CmpctBlockMsg make_compact_block(const Block& block, uint64_t nonce, const std::vector<uint32_t>& prefill_indexes) {
    CmpctBlockMsg m;
    m.header = block.header;
    m.nonce = nonce;
    m.coinbase = block.coinbase;
    std::vector<bool> prefill(block.txs.size(), false);
    for (uint32_t i : prefill_indexes) {
        FINCH_ASSERT(i < block.txs.size());
        prefill[i] = true;
    }
    const ShortIdKey key = short_id_key(block.header, nonce);
    std::unordered_set<uint64_t> seen;
    seen.reserve(block.txs.size());
    m.short_ids.reserve(block.txs.size());
    for (size_t i = 0; i < block.txs.size(); ++i) {
        if (!prefill[i]) {
            const uint64_t id = short_id(key, block.txs[i].txid());
            if (seen.insert(id).second) {
                m.short_ids.push_back(id);
                continue;
            }
        }
        m.prefilled.push_back({static_cast<uint32_t>(i), block.txs[i]});
    }
    return m;
}

Result<BlockTxnMsg> answer_getblocktxn(const Block& block, const GetBlockTxnMsg& request) {
    BlockTxnMsg out;
    out.block_hash = request.block_hash;
    out.txs.reserve(request.indexes.size());
    for (uint32_t i : request.indexes) {
        if (i >= block.txs.size())
            return peer_fault("bad-getblocktxn-index",
                              "index " + std::to_string(i) + " of a block with " + std::to_string(block.txs.size()) +
                                  " transfers");
        out.txs.push_back(block.txs[i]);
    }
    return out;
}

Status PartialBlock::init(const CmpctBlockMsg& m, std::span<const PoolTx> pool) {
    *this = PartialBlock{};
    const size_t total = m.short_ids.size() + m.prefilled.size();
    if (total > kMaxBlockTransactions)
        return peer_fault("bad-cmpct-oversize", std::to_string(total) + " transfers, limit " +
                                                    std::to_string(kMaxBlockTransactions));
    std::vector<Transaction> txs(total);
    std::vector<bool> filled(total, false);
    for (size_t i = 0; i < m.prefilled.size(); ++i) {
        const uint32_t index = m.prefilled[i].index;
        if (index >= total || (i > 0 && index <= m.prefilled[i - 1].index))
            return peer_fault("bad-cmpct-index", "prefilled index " + std::to_string(index) + " out of order or range");
        txs[index] = m.prefilled[i].tx;
        filled[index] = true;
    }

    // The short ids take the positions no prefilled transfer took, in order.
    ShortIdTable table(m.short_ids.size());
    uint32_t next = 0;
    for (uint64_t id : m.short_ids) {
        while (filled[next]) ++next;
        if (!table.insert(id & kShortIdMask, next++))
            return peer_fault("bad-cmpct-duplicate-ids", "short id " + std::to_string(id) + " appears twice");
    }

    // Each position remembers the pool entry that matched it; a second match with another
    // transfer (compared whole: the pool's txids are not rehashed) makes the position
    // ambiguous, and it is fetched instead.
    constexpr size_t kNone = std::numeric_limits<size_t>::max();
    constexpr size_t kAmbiguous = kNone - 1;
    std::vector<size_t> match(total, kNone);
    if (!m.short_ids.empty()) {
        const ShortIdKey key = short_id_key(m.header, m.nonce);
        for (size_t i = 0; i < pool.size(); ++i) {
            const uint32_t position = table.find(short_id(key, pool[i].first));
            if (position == ShortIdTable::kEmpty) continue;
            size_t& slot = match[position];
            if (slot == kNone)
                slot = i;
            else if (slot != kAmbiguous && pool[slot].second != pool[i].second)
                slot = kAmbiguous;
        }
    }
    for (size_t position = 0; position < total; ++position) {
        const size_t slot = match[position];
        if (slot == kNone || slot == kAmbiguous) continue;
        txs[position] = pool[slot].second;
        filled[position] = true;
        ++m_from_pool;
    }

    m_header = m.header;
    m_hash = m.header.hash();
    m_coinbase = m.coinbase;
    m_txs = std::move(txs);
    m_filled = std::move(filled);
    m_prefilled = m.prefilled.size();
    m_missing = total - m_prefilled - m_from_pool;
    m_ready = true;
    return Status::accepted();
}

std::vector<uint32_t> PartialBlock::missing() const {
    std::vector<uint32_t> out;
    out.reserve(m_missing);
    for (size_t i = 0; i < m_filled.size(); ++i)
        if (!m_filled[i]) out.push_back(static_cast<uint32_t>(i));
    return out;
}

Status PartialBlock::fill(const BlockTxnMsg& m) {
    if (m.block_hash != m_hash)
        return peer_fault("bad-blocktxn-hash",
                          "blocktxn for " + m.block_hash.to_hex() + ", expected " + m_hash.to_hex());
    if (m.txs.size() != m_missing)
        return peer_fault("bad-blocktxn-count",
                          std::to_string(m.txs.size()) + " transfers for " + std::to_string(m_missing) + " missing");
    size_t next = 0;
    for (size_t i = 0; i < m_filled.size(); ++i) {
        if (m_filled[i]) continue;
        m_txs[i] = m.txs[next++];
        m_filled[i] = true;
    }
    m_fetched += m_missing;
    m_missing = 0;
    return Status::accepted();
}

Result<Block> PartialBlock::block() const {
    if (!complete()) return reject("cmpct-incomplete", "the block still lacks transfers", Fault::Policy);
    Block b;
    b.header = m_header;
    b.coinbase = m_coinbase;
    b.txs = m_txs;
    if (b.compute_merkle_root() != m_header.merkle_root)
        return reject("cmpct-merkle-mismatch", "rebuilt transfers do not match the header's merkle root",
                      Fault::Mutated);
    return b;
}

}  // namespace finch::net
