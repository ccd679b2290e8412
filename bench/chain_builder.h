// Helpers shared by the whole-system benchmark programs: deterministic wallets, signed
// transfers and valid regtest blocks, built on all cores.
#pragma once

#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/chainstate.h"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace finch::bench {

using Clock = std::chrono::steady_clock;

inline const ChainParams& params() { return chain_params(Network::Regtest); }

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU time used by the whole process (all threads, user + system), in seconds.
inline double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& name)
        : path(std::filesystem::temp_directory_path() / ("finch-bench-" + name + "-" + std::to_string(getpid()))) {
        std::filesystem::remove_all(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

struct Wallet {
    SecretKey secret;
    PublicKey pub;
    AccountId id;
};

inline Wallet make_wallet(uint64_t i) {
    Wallet w;
    Writer seed;
    seed.u64(i);
    do {
        w.secret.bytes = sha256(seed.data()).bytes;
        seed.u8(0);
    } while (!is_valid_secret_key(w.secret));
    w.pub = *derive_public_key(w.secret);
    w.id = account_id(w.pub);
    return w;
}

// Runs f(i) for i in [0, n) on all cores.
template <typename F>
inline void parallel_for(size_t n, F f) {
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (size_t i = t; i < n; i += threads) f(i);
        });
    for (auto& th : pool) th.join();
}

struct Tip {
    Hash256 hash;
    uint64_t height;
    uint64_t time;
};

inline Block make_block(const Tip& tip, const AccountId& miner, std::vector<Transaction> txs, uint8_t tag = 0) {
    Block b;
    b.header.prev_hash = tip.hash;
    b.header.time = tip.time + 1;
    b.header.bits = params().genesis.header.bits;
    b.coinbase.height = tip.height + 1;
    b.coinbase.recipient = miner;
    Amount fees = 0;
    for (const auto& tx : txs) fees += tx.fee;
    b.coinbase.amount = block_subsidy(tip.height + 1, params()) + fees;
    b.coinbase.extra = {tag};
    b.txs = std::move(txs);
    b.header.merkle_root = b.compute_merkle_root();
    while (!check_proof_of_work(b.header.hash(), b.header.bits, params().pow_limit)) ++b.header.nonce;
    return b;
}

inline Tip tip_of(const Block& b) { return {b.hash(), b.coinbase.height, b.header.time}; }

inline Transaction signed_transfer(const Wallet& from, const AccountId& to, Amount amount, uint64_t nonce,
                                   Amount fee = 1) {
    return finch::signed_transfer(from.secret, from.pub, to, amount, fee, nonce, params().genesis_hash);
}

// 1,000 transfers from senders [first, first + 1000) of `wallets`; `nonces` holds each
// wallet's next nonce and is advanced.
inline std::vector<Transaction> block_transfers(const std::vector<Wallet>& wallets, size_t first,
                                         std::vector<uint64_t>& nonces, uint32_t seed) {
    std::vector<Transaction> txs(1000);
    std::vector<uint64_t> tx_nonce(txs.size());
    for (size_t i = 0; i < txs.size(); ++i) tx_nonce[i] = nonces[(first + i) % wallets.size()]++;
    parallel_for(txs.size(), [&](size_t i) {
        std::mt19937 rng(seed * 7919 + static_cast<uint32_t>(i));
        const Wallet& from = wallets[(first + i) % wallets.size()];
        const AccountId& to = wallets[rng() % wallets.size()].id;
        txs[i] = signed_transfer(from, to, 1 + rng() % 100, tx_nonce[i]);
    });
    return txs;
}

inline node::Chainstate::Options chain_options() {
    node::Chainstate::Options o;
    o.clock = [] { return params().genesis.header.time + 100'000'000; };
    return o;
}

// Wallets 0..count-1 and a funder; 20 coinbase blocks to the funder, then blocks of 1,000
// transfers paying `amount` to every wallet. `accept(block)` connects each block.
struct FundedWallets {
    std::vector<Wallet> wallets;
    Wallet funder;
    Tip tip;
};

template <typename Accept>
FundedWallets fund_wallets(size_t count, Amount amount, Accept accept) {
    FundedWallets f;
    f.wallets.resize(count);
    parallel_for(count, [&](size_t i) { f.wallets[i] = make_wallet(i); });
    f.funder = make_wallet(~0ULL);
    f.tip = {params().genesis_hash, 0, params().genesis.header.time};
    for (int i = 0; i < 20; ++i) {
        Block b = make_block(f.tip, f.funder.id, {});
        accept(b);
        f.tip = tip_of(b);
    }
    for (size_t first = 0; first < count; first += 1000) {
        std::vector<Transaction> txs(std::min<size_t>(1000, count - first));
        parallel_for(txs.size(), [&](size_t i) {
            txs[i] = signed_transfer(f.funder, f.wallets[first + i].id, amount, first + i);
        });
        Block b = make_block(f.tip, f.funder.id, std::move(txs));
        accept(b);
        f.tip = tip_of(b);
    }
    return f;
}

}  // namespace finch::bench
