// Whole-ledger benchmarks: block connection throughput (with and without cached
// signatures), a 100-block reorg, and start-up time with a long chain.
// Run: build/bin/bench_ledger [--accounts N] [--measure-blocks N] [--startup-blocks N] [--skip-verify 1] [--skip-reorg 1]
#include "bench/chain_builder.h"
#include "storage/ledger_store.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

namespace {

using namespace finch;
using namespace finch::bench;

struct Ledger {
    std::unique_ptr<storage::LedgerStore> store;
    std::unique_ptr<node::Chainstate> chain;
    node::SignatureCache sigcache{2'000'000, 250'000};
    Ledger(const std::filesystem::path& dir, bool sync) {
        storage::LedgerStore::OpenOptions so;
        so.sync_writes = sync;
        store = std::move(*storage::LedgerStore::open(dir, "regtest", so));
        chain = std::make_unique<node::Chainstate>(*store, params(), &sigcache, chain_options());
        if (!chain->load()) std::abort();
    }
    void accept(const Block& b) {
        auto r = chain->accept_block(b);
        if (!r.ok()) {
            std::fprintf(stderr, "block rejected: %s\n", r.rejection->to_string().c_str());
            std::abort();
        }
    }
};

void bench_connection(size_t accounts, size_t measure_blocks, bool skip_verify, bool skip_reorg) {
    std::printf("== block connection: blocks of 1,000 transfers among %zu accounts ==\n", accounts);
    TempDir dir("connect");
    Ledger l(dir.path, std::getenv("FINCH_BENCH_NOSYNC") == nullptr);
    auto t0 = Clock::now();
    auto funded = fund_wallets(accounts, 1'000'000, [&](const Block& b) { l.accept(b); });
    const std::vector<Wallet>& wallets = funded.wallets;
    const Wallet& funder = funded.funder;
    Tip tip = funded.tip;
    std::printf("setup: %zu accounts funded in %.1f s (height %llu)\n", accounts, seconds_since(t0),
                static_cast<unsigned long long>(tip.height));

    // Pre-build the measured blocks (signing is not what we measure).
    std::vector<uint64_t> nonces(accounts, 0);
    auto build = [&](size_t n, size_t offset) {
        std::vector<Block> blocks;
        Tip t = tip;
        for (size_t i = 0; i < n; ++i) {
            size_t first = offset + i * 1000;
            Block b = make_block(t, funder.id, block_transfers(wallets, first % accounts, nonces, 1 + i));
            t = tip_of(b);
            blocks.push_back(std::move(b));
        }
        return blocks;
    };
    // Connects `blocks`, prints the rate and the CPU used per block, returns the new tip.
    auto measure = [&](const std::string& what, const std::vector<Block>& blocks) {
        auto t = Clock::now();
        double cpu = process_cpu_seconds();
        for (const auto& b : blocks) l.accept(b);
        const double s = seconds_since(t);
        cpu = process_cpu_seconds() - cpu;
        std::printf("%s: %zu blocks in %.3f s = %.0f tx/s (CPU %.1f ms/block)\n", what.c_str(), blocks.size(), s,
                    blocks.size() * 1000 / s, cpu * 1000 / blocks.size());
        return tip_of(blocks.back());
    };
    if (!skip_verify) {
        tip = measure("with signature verification (" + std::to_string(std::thread::hardware_concurrency()) +
                          " threads), first-time senders",
                      build(measure_blocks, 0));
        // The same senders again: their keys are decoded already (node::PublicKeyCache), as
        // for any account that has sent before.
        tip = measure("... senders that sent before (keys decoded)", build(measure_blocks, 0));
    }
    auto cached_blocks = build(measure_blocks, measure_blocks * 1000);
    for (const auto& b : cached_blocks)
        for (const auto& tx : b.txs) l.sigcache.add(tx.txid());
    tip = measure("with cached signatures", cached_blocks);

    // getstatehash: a full scan of the account table, memtable included.
    auto t5 = Clock::now();
    const Hash256 digest = l.store->state_digest();
    std::printf("state digest of %llu accounts (getstatehash): %.3f s (%s...)\n",
                static_cast<unsigned long long>(l.store->counts().accounts), seconds_since(t5),
                digest.to_hex().substr(0, 12).c_str());

    if (skip_reorg) return;
    // Reorg: 100 blocks x 1,000 transfers replaced by a 101-block branch.
    const Tip fork = tip;
    const size_t depth = 100;
    std::vector<Block> a, b;
    Tip ta = fork, tb = fork;
    std::vector<uint64_t> nonces_a = nonces, nonces_b = nonces;
    for (size_t i = 0; i < depth; ++i) {
        a.push_back(make_block(ta, funder.id, block_transfers(wallets, (i * 1000) % accounts, nonces_a, 5000 + i), 1));
        ta = tip_of(a.back());
    }
    for (size_t i = 0; i <= depth; ++i) {
        b.push_back(make_block(tb, funder.id, block_transfers(wallets, (i * 1000) % accounts, nonces_b, 9000 + i), 2));
        tb = tip_of(b.back());
    }
    for (const auto& blk : a) l.accept(blk);
    for (size_t i = 0; i < depth; ++i) l.accept(b[i]);  // less work than a: stored only
    auto t3 = Clock::now();
    l.accept(b.back());  // now b has more work: disconnect 100, connect 101 (verifying signatures)
    double s3 = seconds_since(t3);
    if (l.chain->tip().hash != b.back().hash()) std::abort();
    std::printf("reorg of %zu blocks x 1,000 transfers (disconnect %zu, connect %zu, verifying): %.3f s\n", depth, depth,
                depth + 1, s3);
}

void bench_startup(size_t blocks) {
    std::printf("== start-up with a %zu-block chain ==\n", blocks);
    TempDir dir("startup");
    {
        Ledger l(dir.path, false);
        Tip tip{params().genesis_hash, 0, params().genesis.header.time};
        AccountId miner = make_wallet(1).id;
        auto t0 = Clock::now();
        for (size_t i = 0; i < blocks; ++i) {
            Block b = make_block(tip, miner, {});
            l.accept(b);
            tip = tip_of(b);
        }
        std::printf("setup: %zu blocks connected in %.1f s\n", blocks, seconds_since(t0));
    }
    auto t1 = Clock::now();
    Ledger again(dir.path, true);
    double s = seconds_since(t1);
    std::printf("open store + load block index + resume at tip (height %llu): %.3f s\n",
                static_cast<unsigned long long>(again.chain->tip().height), s);
}

}  // namespace

int main(int argc, char** argv) {
    size_t accounts = 100'000, measure = 100, startup = 100'000;
    bool skip_verify = false, skip_reorg = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--accounts")) accounts = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--measure-blocks")) measure = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--startup-blocks")) startup = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--skip-verify")) skip_verify = std::stoul(argv[i + 1]) != 0;
        else if (!std::strcmp(argv[i], "--skip-reorg")) skip_reorg = std::stoul(argv[i + 1]) != 0;
    }
    bench_connection(accounts, measure, skip_verify, skip_reorg);
    bench_startup(startup);
}
