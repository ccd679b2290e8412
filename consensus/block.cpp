// Block encoding, merkle root and midstate header hashing.
#include "consensus/block.h"

#include "consensus/sha256_compress.h"

#include <cstring>

namespace finch {

void BlockHeader::encode(Writer& w) const {
    w.u32(version);
    w.array(prev_hash);
    w.array(merkle_root);
    w.u64(time);
    w.u32(bits);
    w.u64(nonce);
}

BlockHeader BlockHeader::decode(Reader& r) {
    BlockHeader h;
    h.version = r.u32();
    r.array(h.prev_hash);
    r.array(h.merkle_root);
    h.time = r.u64();
    h.bits = r.u32();
    h.nonce = r.u64();
    return h;
}

Hash256 BlockHeader::hash() const {
    Writer w(kSerializedSize);
    encode(w);
    return sha256d(w.data());
}

void Block::encode(Writer& w) const {
    header.encode(w);
    coinbase.encode(w);
    w.compact_size(txs.size());
    for (const auto& tx : txs) tx.encode(w);
}

Block Block::decode(Reader& r) {
    Block b;
    b.header = BlockHeader::decode(r);
    b.coinbase = Coinbase::decode(r);
    uint64_t n = r.compact_size(kMaxBlockTransactions);
    // Never reserve more than the remaining bytes can hold: the count is untrusted.
    if (r.ok() && n * Transaction::kSerializedSize > r.remaining()) {
        r.fail(decode_error::kTruncated, "transaction count exceeds remaining bytes");
        return b;
    }
    b.txs.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) b.txs.push_back(Transaction::decode(r));
    return b;
}

size_t Block::serialized_size() const {
    return BlockHeader::kSerializedSize + 8 + 20 + 8 + compact_size_length(coinbase.extra.size()) +
           coinbase.extra.size() + compact_size_length(txs.size()) + txs.size() * Transaction::kSerializedSize;
}

std::vector<Hash256> Block::txids() const {
    std::vector<Hash256> ids;
    ids.reserve(txs.size() + 1);
    ids.push_back(coinbase.txid());
    for (const auto& tx : txs) ids.push_back(tx.txid());
    return ids;
}

Hash256 Block::compute_merkle_root() const { return merkle_root(txids()); }

Hash256 merkle_root(std::vector<Hash256> level) {
    if (level.empty()) return Hash256{};
    uint8_t buf[65];
    buf[0] = 0x01;
    while (level.size() > 1) {
        size_t out = 0;
        for (size_t i = 0; i + 1 < level.size(); i += 2) {
            std::memcpy(buf + 1, level[i].data(), 32);
            std::memcpy(buf + 33, level[i + 1].data(), 32);
            level[out++] = sha256(ByteSpan(buf, sizeof(buf)));
        }
        if (level.size() % 2 == 1) level[out++] = level.back();
        level.resize(out);
    }
    return level[0];
}

namespace {

constexpr uint32_t kSha256Init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

void store_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

static_assert(BlockHeader::kSerializedSize == 88, "midstate layout assumes an 88-byte header");

}  // namespace

HeaderHasher::HeaderHasher(const BlockHeader& header) {
    Writer w(BlockHeader::kSerializedSize);
    header.encode(w);
    const Bytes& raw = w.data();
    std::memcpy(m_midstate, kSha256Init, sizeof(m_midstate));
    sha256_compress(m_midstate, raw.data());
    std::memset(m_tail, 0, sizeof(m_tail));
    std::memcpy(m_tail, raw.data() + 64, 24);
    m_tail[24] = 0x80;
    const uint64_t bit_len = 88 * 8;
    for (int i = 0; i < 8; ++i) m_tail[63 - i] = static_cast<uint8_t>(bit_len >> (8 * i));
}

namespace {

void set_nonce(uint8_t tail[64], uint64_t nonce) {
    for (int i = 0; i < 8; ++i) tail[16 + i] = static_cast<uint8_t>(nonce >> (8 * i));
}

// The second SHA-256 of a double hash: one padded block holding the first digest.
void prepare_outer(uint8_t block[64], const uint32_t inner[8]) {
    std::memset(block, 0, 64);
    for (int i = 0; i < 8; ++i) store_be32(block + 4 * i, inner[i]);
    block[32] = 0x80;
    block[62] = 0x01;  // length: 256 bits
}

Hash256 digest_of(const uint32_t state[8]) {
    Hash256 h;
    for (int i = 0; i < 8; ++i) store_be32(h.data() + 4 * i, state[i]);
    return h;
}

}  // namespace

Hash256 HeaderHasher::hash_with_nonce(uint64_t nonce) {
    set_nonce(m_tail, nonce);
    uint32_t state[8];
    std::memcpy(state, m_midstate, sizeof(state));
    sha256_compress(state, m_tail);
    alignas(16) uint8_t outer[64];
    prepare_outer(outer, state);
    std::memcpy(state, kSha256Init, sizeof(state));
    sha256_compress(state, outer);
    return digest_of(state);
}

void HeaderHasher::hash_pair(uint64_t nonce, Hash256 out[2]) {
    std::memcpy(m_tail2, m_tail, sizeof(m_tail));
    set_nonce(m_tail, nonce);
    set_nonce(m_tail2, nonce + 1);
    uint32_t a[8], b[8];
    std::memcpy(a, m_midstate, sizeof(a));
    std::memcpy(b, m_midstate, sizeof(b));
    sha256_compress2(a, m_tail, b, m_tail2);
    alignas(16) uint8_t outer_a[64], outer_b[64];
    prepare_outer(outer_a, a);
    prepare_outer(outer_b, b);
    std::memcpy(a, kSha256Init, sizeof(a));
    std::memcpy(b, kSha256Init, sizeof(b));
    sha256_compress2(a, outer_a, b, outer_b);
    out[0] = digest_of(a);
    out[1] = digest_of(b);
}

}  // namespace finch
