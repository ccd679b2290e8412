// Consensus micro benchmarks: header hashing, signature verification, decoding.
// Run: build/bin/bench_consensus  (Release build). Rates are items/s on one core.
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/sha256_compress.h"
#include "consensus/validation.h"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

using namespace finch;

const ChainParams& params() { return chain_params(Network::Regtest); }

std::vector<Transaction> make_transactions(size_t n) {
    std::vector<Transaction> txs;
    SecretKey secret = generate_secret_key();
    PublicKey pub = *derive_public_key(secret);
    for (size_t i = 0; i < n; ++i)
        txs.push_back(signed_transfer(secret, pub, account_id(pub), 1000 + i, 10, i, params().genesis_hash));
    return txs;
}

// The machine's limit for header hashing: raw SHA-256 compressions (one block each), alone
// and two at once as the miner interleaves them. A header hash costs two compressions.
void BM_Sha256Compress(benchmark::State& state) {
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint8_t block[64] = {};
    for (auto _ : state) {
        sha256_compress(st, block);
        block[0] = static_cast<uint8_t>(st[0]);
        benchmark::DoNotOptimize(st);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Sha256Compress);

void BM_Sha256Compress2(benchmark::State& state) {
    uint32_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    uint8_t ba[64] = {}, bb[64] = {};
    for (auto _ : state) {
        sha256_compress2(a, ba, b, bb);
        ba[0] = static_cast<uint8_t>(a[0]);
        bb[0] = static_cast<uint8_t>(b[0]);
        benchmark::DoNotOptimize(a);
        benchmark::DoNotOptimize(b);
    }
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_Sha256Compress2);

// Midstate hashing as the miner does it: two SHA-256 compressions per nonce.
void BM_HeaderHashMidstate(benchmark::State& state) {
    HeaderHasher hasher(chain_params(Network::Main).genesis.header);
    uint64_t nonce = 0;
    for (auto _ : state) benchmark::DoNotOptimize(hasher.hash_with_nonce(nonce++));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HeaderHashMidstate);

// Two nonces per call, interleaved: what the miner uses.
void BM_HeaderHashPair(benchmark::State& state) {
    HeaderHasher hasher(chain_params(Network::Main).genesis.header);
    uint64_t nonce = 0;
    Hash256 out[2];
    for (auto _ : state) {
        hasher.hash_pair(nonce, out);
        nonce += 2;
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_HeaderHashPair);

// The naive way: serialize and double-hash the whole header for each nonce.
void BM_HeaderHashNaive(benchmark::State& state) {
    BlockHeader h = chain_params(Network::Main).genesis.header;
    for (auto _ : state) {
        ++h.nonce;
        benchmark::DoNotOptimize(h.hash());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HeaderHashNaive);

// A nonce search loop as the miner runs it: hash and compare with the target.
void BM_HeaderGrind(benchmark::State& state) {
    HeaderHasher hasher(chain_params(Network::Main).genesis.header);
    const Uint256 target = Uint256::from_compact(0x1a00ffff);
    uint64_t nonce = 0, found = 0;
    Hash256 out[2];
    for (auto _ : state) {
        hasher.hash_pair(nonce, out);
        nonce += 2;
        if (Uint256::from_hash(out[0]) <= target || Uint256::from_hash(out[1]) <= target) ++found;
    }
    benchmark::DoNotOptimize(found);
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_HeaderGrind);

// libsecp256k1 Schnorr verification alone, for reference.
void BM_SchnorrVerify(benchmark::State& state) {
    auto txs = make_transactions(256);
    std::vector<Hash256> msgs;
    for (auto& tx : txs) msgs.push_back(tx.signature_hash(params().genesis_hash));
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(verify(txs[i].sender, msgs[i], txs[i].signature));
        i = (i + 1) % txs.size();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SchnorrVerify);

// Transaction signature check: signature hash + key parse + verification.
void BM_TransactionSignatureCheck(benchmark::State& state) {
    auto txs = make_transactions(256);
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(check_signature(txs[i], params().genesis_hash).ok());
        i = (i + 1) % txs.size();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransactionSignatureCheck);

// Decoding an x-only key to its point (a square root): what node::PublicKeyCache saves.
void BM_PublicKeyDecode(benchmark::State& state) {
    auto txs = make_transactions(256);
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(parse_public_key(txs[i].sender));
        i = (i + 1) % txs.size();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PublicKeyDecode);

// Transaction signature check with the sender's key already decoded (a repeat sender).
void BM_TransactionSignatureCheckDecodedKey(benchmark::State& state) {
    auto txs = make_transactions(256);
    std::vector<ParsedPublicKey> keys;
    for (auto& tx : txs) keys.push_back(*parse_public_key(tx.sender));
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(check_signature(txs[i], params().genesis_hash, keys[i]).ok());
        i = (i + 1) % txs.size();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransactionSignatureCheckDecodedKey);

std::vector<Bytes> raw_transactions() {
    std::vector<Bytes> raw;
    for (auto& tx : make_transactions(256)) raw.push_back(tx.serialize());
    return raw;
}

// Decode raw bytes and run the stateless rules (no signature); with_txid adds the txid,
// which admission computes before the signature.
void BM_TransactionDecodeAndCheck(benchmark::State& state) {
    const bool with_txid = state.range(0) != 0;
    const auto raw = raw_transactions();
    size_t i = 0;
    for (auto _ : state) {
        auto tx = decode_all<Transaction>(raw[i]);
        benchmark::DoNotOptimize(tx.ok() && check_transaction(*tx).ok());
        if (with_txid) benchmark::DoNotOptimize(tx->txid());
        i = (i + 1) % raw.size();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransactionDecodeAndCheck)->ArgName("with_txid")->Arg(0)->Arg(1);

void BM_MerkleRoot1000(benchmark::State& state) {
    std::vector<Hash256> leaves(1001);
    for (size_t i = 0; i < leaves.size(); ++i) leaves[i] = sha256(ByteSpan(reinterpret_cast<uint8_t*>(&i), sizeof(i)));
    for (auto _ : state) benchmark::DoNotOptimize(merkle_root(leaves));
    state.SetItemsProcessed(state.iterations() * 1001);
}
BENCHMARK(BM_MerkleRoot1000);

}  // namespace

BENCHMARK_MAIN();
