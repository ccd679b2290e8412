// Compact block relay: SipHash and short ids against references, building and wire round trips
// of cmpctblock, reconstruction from a pool (all there, some missing, collisions, a wrong
// substitute, misbehaving messages), getblocktxn answers, and a real mempool's snapshot.
#include "node/mempool.h"
#include "node/net/compact_block.h"
#include "tests/ledger/ledger_test_util.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <iostream>
#include <numeric>
#include <random>

namespace finch::net {
namespace {

constexpr uint64_t kMask48 = 0xffff'ffff'ffffULL;

// SipHash-2-4 through OpenSSL's MAC with an 8-byte output (its default, 16 bytes, is SipHash-128).
uint64_t openssl_siphash(const ShortIdKey& key, ByteSpan data) {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
    EXPECT_NE(mac, nullptr);
    uint8_t k[16];
    for (int i = 0; i < 8; ++i) {
        k[i] = static_cast<uint8_t>(key.k0 >> (8 * i));
        k[8 + i] = static_cast<uint8_t>(key.k1 >> (8 * i));
    }
    size_t size = 8;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    uint8_t out[16] = {};
    size_t out_len = 0;
    const bool ok = EVP_MAC_init(ctx, k, sizeof(k), params) == 1 &&
                    EVP_MAC_update(ctx, data.data(), data.size()) == 1 &&
                    EVP_MAC_final(ctx, out, &out_len, sizeof(out)) == 1;
    EVP_MAC_CTX_free(ctx);
    EXPECT_TRUE(ok);
    EXPECT_EQ(out_len, 8u);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{out[i]} << (8 * i);
    return v;
}

// 1,600 distinct signed transfers (16 senders × 100 nonces), signed once for every test.
const std::vector<Transaction>& transfers() {
    static const std::vector<Transaction> txs = [] {
        std::vector<Transaction> out;
        for (int s = 0; s < 16; ++s) {
            const SecretKey key = test::test_key("sender" + std::to_string(s));
            const PublicKey pub = test::public_key(key);
            for (uint64_t n = 0; n < 100; ++n)
                out.push_back(signed_transfer(key, pub, test::account_of("bob"), 1'000 + n, 200, n,
                                              test::regtest().genesis_hash));
        }
        return out;
    }();
    return txs;
}

std::vector<Transaction> first(size_t n, size_t skip = 0) {
    const auto& all = transfers();
    return {all.begin() + static_cast<std::ptrdiff_t>(skip), all.begin() + static_cast<std::ptrdiff_t>(skip + n)};
}

Block block_of(std::vector<Transaction> txs) {
    Block b;
    b.header = test::sample_header();
    b.coinbase = test::sample_coinbase();
    b.txs = std::move(txs);
    b.header.merkle_root = b.compute_merkle_root();
    return b;
}

// The pool shuffled, as a mempool's hash map would hand it out.
std::vector<PoolTx> pool_of(const std::vector<Transaction>& txs) {
    std::vector<PoolTx> pool;
    for (const auto& tx : txs) pool.emplace_back(tx.txid(), tx);
    std::shuffle(pool.begin(), pool.end(), std::mt19937(3));
    return pool;
}

void expect_rejected(const Status& s, const std::string& code, Fault fault) {
    ASSERT_FALSE(s.ok()) << "expected " << code;
    EXPECT_EQ(s.error().code, code) << s.error().to_string();
    EXPECT_EQ(s.error().fault, fault) << s.error().to_string();
}

TEST(SipHash, ReferenceVectors) {
    // From the SipHash paper's reference vectors: key 00..0f, message 00 01 02 ... of each length.
    const ShortIdKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    Bytes msg(64);
    std::iota(msg.begin(), msg.end(), uint8_t{0});
    EXPECT_EQ(siphash24(key, ByteSpan(msg.data(), 0)), 0x726fdb47dd0e0e31ULL);
    EXPECT_EQ(siphash24(key, ByteSpan(msg.data(), 8)), 0x93f5f5799a932462ULL);
    EXPECT_EQ(siphash24(key, ByteSpan(msg.data(), 15)), 0xa129ca6149be45e5ULL);
    EXPECT_EQ(openssl_siphash(key, ByteSpan(msg.data(), 15)), 0xa129ca6149be45e5ULL);
}

TEST(SipHash, MatchesOpenSslForManyKeysAndLengths) {
    std::mt19937_64 rng(11);
    Bytes msg(80);
    for (int k = 0; k < 8; ++k) {
        const ShortIdKey key{rng(), rng()};
        for (auto& b : msg) b = static_cast<uint8_t>(rng());
        for (size_t len = 0; len <= msg.size(); ++len)
            ASSERT_EQ(siphash24(key, ByteSpan(msg.data(), len)), openssl_siphash(key, ByteSpan(msg.data(), len)))
                << "key " << k << " length " << len;
        for (int t = 0; t < 50; ++t) {
            const Hash256 txid = sha256(ByteSpan(msg.data(), static_cast<size_t>(t)));
            EXPECT_EQ(short_id(key, txid), openssl_siphash(key, txid.span()) & kMask48);
        }
    }
}

TEST(ShortId, KeyIsTheHeaderAndNonceDigestAndIdsAre48Bits) {
    const BlockHeader header = test::sample_header();
    Writer w;
    header.encode(w);
    w.u64(0x0102030405060708ULL);
    const Hash256 digest = sha256(w.data());
    const ShortIdKey key = short_id_key(header, 0x0102030405060708ULL);
    uint64_t k0 = 0, k1 = 0;
    for (int i = 0; i < 8; ++i) {
        k0 |= uint64_t{digest.bytes[i]} << (8 * i);
        k1 |= uint64_t{digest.bytes[8 + i]} << (8 * i);
    }
    EXPECT_EQ(key, (ShortIdKey{k0, k1}));
    EXPECT_NE(short_id_key(header, 0x0102030405060709ULL), key);  // the nonce changes every id

    // Known answer (computed with OpenSSL's SipHash; pins the key derivation and byte order).
    const Hash256 txid = sha256(test::as_bytes("finchain short id"));
    EXPECT_EQ(short_id(key, txid), openssl_siphash(key, txid.span()) & kMask48);
    EXPECT_EQ(short_id(key, txid), 0xeb8bdb44b024ULL);
    for (const auto& tx : first(100)) EXPECT_LE(short_id(key, tx.txid()), kMask48);
}

TEST(CompactBlock, OneThousandTransfersAreRebuiltFromThePool) {
    const Block block = block_of(first(1'000));
    const CmpctBlockMsg m = make_compact_block(block, 42);
    EXPECT_EQ(m.short_ids.size(), 1'000u);
    EXPECT_TRUE(m.prefilled.empty());

    const size_t compact = encode_payload(m).size();
    const size_t full = encode_payload(BlockMsg{block}).size();
    std::cout << "1,000-transfer block: cmpctblock " << compact << " bytes, block " << full << " bytes\n";
    RecordProperty("cmpctblock_bytes", static_cast<int>(compact));
    RecordProperty("block_bytes", static_cast<int>(full));
    EXPECT_LT(compact * 20, full);

    // Through the wire, with 600 unrelated transfers in the pool too.
    auto decoded = decode_payload(Command::CmpctBlock, encode_payload(m));
    ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
    std::vector<Transaction> pool_txs = transfers();
    PartialBlock partial;
    ASSERT_TRUE(partial.init(std::get<CmpctBlockMsg>(*decoded), pool_of(pool_txs)).ok());
    EXPECT_TRUE(partial.complete());
    EXPECT_TRUE(partial.missing().empty());
    EXPECT_EQ(partial.from_pool(), 1'000u);
    EXPECT_EQ(partial.prefilled(), 0u);
    EXPECT_EQ(partial.fetched(), 0u);
    EXPECT_EQ(partial.block_hash(), block.hash());
    auto rebuilt = partial.block();
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().to_string();
    EXPECT_EQ(*rebuilt, block);
}

TEST(CompactBlock, MissingTransfersAreAskedForAndFilled) {
    const Block block = block_of(first(1'000));
    std::vector<uint32_t> absent;
    for (uint32_t i = 7; absent.size() < 50; i += 19) absent.push_back(i);
    std::vector<Transaction> pool_txs;
    for (uint32_t i = 0; i < block.txs.size(); ++i)
        if (!std::binary_search(absent.begin(), absent.end(), i)) pool_txs.push_back(block.txs[i]);

    PartialBlock partial;
    ASSERT_TRUE(partial.init(make_compact_block(block, 1), pool_of(pool_txs)).ok());
    EXPECT_FALSE(partial.complete());
    EXPECT_EQ(partial.missing(), absent);
    EXPECT_EQ(partial.block().error().code, "cmpct-incomplete");

    // The sender answers the getblocktxn; the answer travels the wire both ways.
    GetBlockTxnMsg request{partial.block_hash(), partial.missing()};
    auto request_back = decode_payload(Command::GetBlockTxn, encode_payload(request));
    ASSERT_TRUE(request_back.ok());
    auto answer = answer_getblocktxn(block, std::get<GetBlockTxnMsg>(*request_back));
    ASSERT_TRUE(answer.ok());
    auto answer_back = decode_payload(Command::BlockTxn, encode_payload(*answer));
    ASSERT_TRUE(answer_back.ok());
    ASSERT_TRUE(partial.fill(std::get<BlockTxnMsg>(*answer_back)).ok());
    EXPECT_TRUE(partial.complete());
    EXPECT_EQ(partial.from_pool(), 950u);
    EXPECT_EQ(partial.fetched(), 50u);
    EXPECT_EQ(*partial.block(), block);
}

TEST(CompactBlock, BlockTxnMustAnswerExactlyTheMissingPositions) {
    const Block block = block_of(first(100));
    PartialBlock partial;
    ASSERT_TRUE(partial.init(make_compact_block(block, 1), pool_of(first(90))).ok());
    ASSERT_EQ(partial.missing().size(), 10u);
    BlockTxnMsg answer = *answer_getblocktxn(block, {block.hash(), partial.missing()});

    BlockTxnMsg short_answer = answer;
    short_answer.txs.pop_back();
    expect_rejected(partial.fill(short_answer), "bad-blocktxn-count", Fault::Decode);
    BlockTxnMsg long_answer = answer;
    long_answer.txs.push_back(block.txs[0]);
    expect_rejected(partial.fill(long_answer), "bad-blocktxn-count", Fault::Decode);
    BlockTxnMsg other_block = answer;
    other_block.block_hash = sha256(test::as_bytes("other"));
    expect_rejected(partial.fill(other_block), "bad-blocktxn-hash", Fault::Decode);
    EXPECT_EQ(partial.missing().size(), 10u);  // rejections change nothing

    // Transfers that are not the block's are caught by the merkle root.
    BlockTxnMsg wrong = answer;
    wrong.txs[3] = transfers()[1'500];
    ASSERT_TRUE(partial.fill(wrong).ok());
    auto rebuilt = partial.block();
    ASSERT_FALSE(rebuilt.ok());
    EXPECT_EQ(rebuilt.error().code, "cmpct-merkle-mismatch");
    EXPECT_EQ(rebuilt.error().fault, Fault::Mutated);
}

TEST(CompactBlock, PrefilledTransfersTakeTheirPositions) {
    const Block block = block_of(first(300));
    const CmpctBlockMsg m = make_compact_block(block, 5, {299, 0, 150, 150});
    ASSERT_EQ(m.prefilled.size(), 3u);
    EXPECT_EQ(m.prefilled[0].index, 0u);
    EXPECT_EQ(m.prefilled[1].index, 150u);
    EXPECT_EQ(m.prefilled[2].index, 299u);
    EXPECT_EQ(m.prefilled[1].tx, block.txs[150]);
    EXPECT_EQ(m.short_ids.size(), 297u);
    auto back = decode_payload(Command::CmpctBlock, encode_payload(m));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(std::get<CmpctBlockMsg>(*back), m);

    PartialBlock partial;
    ASSERT_TRUE(partial.init(m, {}).ok());  // an empty pool: everything but the prefilled is missing
    EXPECT_EQ(partial.prefilled(), 3u);
    EXPECT_EQ(partial.missing().size(), 297u);
    EXPECT_EQ(partial.missing().front(), 1u);
    EXPECT_EQ(partial.missing().back(), 298u);
    ASSERT_TRUE(partial.fill(*answer_getblocktxn(block, {block.hash(), partial.missing()})).ok());
    EXPECT_EQ(*partial.block(), block);
}

TEST(CompactBlock, ABlockWithoutTransfersIsCompleteAtOnce) {
    const Block block = block_of({});
    PartialBlock partial;
    ASSERT_TRUE(partial.init(make_compact_block(block, 9), pool_of(first(10))).ok());
    EXPECT_TRUE(partial.complete());
    EXPECT_EQ(*partial.block(), block);
    EXPECT_FALSE(PartialBlock{}.complete());
}

TEST(CompactBlock, TwoPoolTransfersWithOneShortIdLeaveThatPositionMissing) {
    // A real 48-bit collision needs about 2^24 hashes to find, so the pool is made to offer two
    // different transfers under the txid of block transfer 5: the same short id, ambiguous.
    const Block block = block_of(first(20));
    std::vector<PoolTx> pool = pool_of(block.txs);
    pool.emplace_back(block.txs[5].txid(), transfers()[1'000]);
    PartialBlock partial;
    ASSERT_TRUE(partial.init(make_compact_block(block, 3), pool).ok());
    EXPECT_EQ(partial.missing(), (std::vector<uint32_t>{5}));
    EXPECT_EQ(partial.from_pool(), 19u);
    // The same transfer offered twice is no collision.
    std::vector<PoolTx> twice = pool_of(block.txs);
    twice.emplace_back(block.txs[5].txid(), block.txs[5]);
    ASSERT_TRUE(partial.init(make_compact_block(block, 3), twice).ok());
    EXPECT_TRUE(partial.complete());
    // A third candidate does not bring the position back.
    pool.emplace_back(block.txs[5].txid(), block.txs[5]);
    ASSERT_TRUE(partial.init(make_compact_block(block, 3), pool).ok());
    EXPECT_EQ(partial.missing(), (std::vector<uint32_t>{5}));
    ASSERT_TRUE(partial.fill(*answer_getblocktxn(block, {block.hash(), {5}})).ok());
    EXPECT_EQ(*partial.block(), block);
}

TEST(CompactBlock, AWrongPoolTransferIsAMerkleMismatch) {
    // A pool transfer whose short id matches but which is not the block's (what an undetected
    // collision does): the block cannot be rebuilt, and the fault is Mutated, not the peer's.
    const Block block = block_of(first(20));
    std::vector<PoolTx> pool = pool_of(block.txs);
    for (auto& [txid, tx] : pool)
        if (txid == block.txs[11].txid()) tx = transfers()[1'000];
    PartialBlock partial;
    ASSERT_TRUE(partial.init(make_compact_block(block, 3), pool).ok());
    ASSERT_TRUE(partial.complete());
    auto rebuilt = partial.block();
    ASSERT_FALSE(rebuilt.ok());
    EXPECT_EQ(rebuilt.error().code, "cmpct-merkle-mismatch");
    EXPECT_EQ(rebuilt.error().fault, Fault::Mutated);
}

TEST(CompactBlock, MisbehavingMessagesAreRejected) {
    const Block block = block_of(first(20));
    const CmpctBlockMsg good = make_compact_block(block, 3, {2, 9});
    PartialBlock partial;

    CmpctBlockMsg duplicate = good;
    duplicate.short_ids[7] = duplicate.short_ids[3];
    expect_rejected(partial.init(duplicate, {}), "bad-cmpct-duplicate-ids", Fault::Decode);
    EXPECT_FALSE(partial.complete());

    CmpctBlockMsg out_of_range = good;
    out_of_range.prefilled[1].index = 20;
    expect_rejected(partial.init(out_of_range, {}), "bad-cmpct-index", Fault::Decode);
    CmpctBlockMsg unordered = good;
    std::swap(unordered.prefilled[0], unordered.prefilled[1]);
    expect_rejected(partial.init(unordered, {}), "bad-cmpct-index", Fault::Decode);
    CmpctBlockMsg repeated = good;
    repeated.prefilled[1].index = repeated.prefilled[0].index;
    expect_rejected(partial.init(repeated, {}), "bad-cmpct-index", Fault::Decode);

    CmpctBlockMsg oversize = good;
    oversize.short_ids.resize(kMaxBlockTransactions - 1);
    std::iota(oversize.short_ids.begin(), oversize.short_ids.end(), uint64_t{1});
    expect_rejected(partial.init(oversize, {}), "bad-cmpct-oversize", Fault::Decode);
    oversize.prefilled.pop_back();
    EXPECT_TRUE(partial.init(oversize, {}).ok());  // exactly the limit
}

TEST(CompactBlock, RepeatedTransfersAreSentWholeNotAsDuplicateIds) {
    // Equal short ids would look like misbehaviour, so the sender prefills the later one.
    std::vector<Transaction> txs = first(5);
    txs.push_back(txs[2]);
    const Block block = block_of(txs);
    const CmpctBlockMsg m = make_compact_block(block, 3);
    EXPECT_EQ(m.short_ids.size(), 5u);
    ASSERT_EQ(m.prefilled.size(), 1u);
    EXPECT_EQ(m.prefilled[0].index, 5u);
    PartialBlock partial;
    ASSERT_TRUE(partial.init(m, pool_of(first(5))).ok());
    EXPECT_TRUE(partial.complete());
    EXPECT_EQ(*partial.block(), block);
}

TEST(CompactBlock, GetBlockTxnPastTheBlockIsRejected) {
    const Block block = block_of(first(10));
    auto ok = answer_getblocktxn(block, {block.hash(), {0, 9}});
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->txs, (std::vector<Transaction>{block.txs[0], block.txs[9]}));
    EXPECT_EQ(ok->block_hash, block.hash());
    auto bad = answer_getblocktxn(block, {block.hash(), {3, 10}});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "bad-getblocktxn-index");
    EXPECT_EQ(bad.error().fault, Fault::Decode);
}

TEST(CompactBlock, AMempoolSnapshotRebuildsABlockOfItsTransfers) {
    test::TempDir dir;
    test::Ledger ledger{dir.path()};
    const SecretKey alice = test::key_for("alice");
    const Block funding = test::make_block(test::Parent::genesis(), test::id_for(alice));
    ASSERT_TRUE(ledger.chain->accept_block(funding).ok());

    node::SignatureCache sigcache;
    node::Mempool mempool(*ledger.store, test::regtest_params(), &sigcache);
    std::vector<Transaction> txs;
    for (uint64_t n = 0; n < 20; ++n) {
        txs.push_back(test::transfer(alice, test::id_for(test::key_for("dave")), 5'000, 1'000, n));
        ASSERT_TRUE(mempool.accept(txs.back(), 1'700'000'000, 1).ok());
    }
    const auto snapshot = mempool.snapshot_transactions();
    ASSERT_EQ(snapshot.size(), 20u);
    for (const auto& [txid, tx] : snapshot) EXPECT_EQ(txid, tx.txid());

    const Block block = test::make_block(test::Parent::of(funding), test::id_for(alice), txs);
    PartialBlock partial;
    ASSERT_TRUE(partial.init(make_compact_block(block, 77), snapshot).ok());
    EXPECT_EQ(partial.from_pool(), 20u);
    EXPECT_EQ(*partial.block(), block);
}

}  // namespace
}  // namespace finch::net
