// Whole-ledger benchmarks: block connection throughput (with and without cached
// signatures), a 100-block reorg, and start-up time with a long chain.
// Run: build/bin/bench_ledger [--accounts N] [--measure-blocks N] [--startup-blocks N] [--skip-verify 1] [--skip-reorg 1]
//      build/bin/bench_ledger --index-cost ROUNDS [--accounts N] [--measure-blocks N] [--skip-verify 1]
//        the address index's cost: block connection with --addressindex on and off, alternating
//        in one run, and the bytes the index adds per transfer on disk; signatures verified, or
//        with --skip-verify 1 already in the cache
#include "bench/chain_builder.h"
#include "storage/ledger_store.h"

#include <algorithm>
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

size_t g_dbcache_mb = 450;  // --dbcache: the store's memory budget (finchd's flag; its default)

// `perf record --control fifo:F -D -1` with FINCH_PERF_CTL=F profiles only the measured
// connections, not the signing that builds their blocks.
void perf_control(const char* command) {
    const char* fifo = std::getenv("FINCH_PERF_CTL");
    if (!fifo) return;
    if (std::FILE* f = std::fopen(fifo, "w")) {
        std::fprintf(f, "%s\n", command);
        std::fclose(f);
    }
}

struct Ledger {
    std::unique_ptr<storage::LedgerStore> store;
    std::unique_ptr<node::Chainstate> chain;
    node::SignatureCache sigcache{2'000'000, 250'000};
    Ledger(const std::filesystem::path& dir, bool sync, bool address_index = true) {
        storage::LedgerStore::OpenOptions so;
        so.sync_writes = sync;
        so.address_index = address_index;
        so.memory_bytes = g_dbcache_mb << 20;
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
        perf_control("enable");
        for (const auto& b : blocks) l.accept(b);
        perf_control("disable");
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

uint64_t directory_bytes(const std::filesystem::path& dir) {
    uint64_t total = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

// One ledger with the index on or off: fund, connect `blocks` blocks of 1,000 transfers with
// their signatures cached; returns (tx/s, bytes on disk after a clean close).
std::pair<double, uint64_t> connect_run(size_t accounts, size_t blocks, bool address_index, bool cached) {
    TempDir dir(address_index ? "index-on" : "index-off");
    double rate = 0;
    {
        Ledger l(dir.path, std::getenv("FINCH_BENCH_NOSYNC") == nullptr, address_index);
        auto funded = fund_wallets(accounts, 1'000'000, [&](const Block& b) { l.accept(b); });
        std::vector<uint64_t> nonces(accounts, 0);
        std::vector<Block> built;
        Tip t = funded.tip;
        for (size_t i = 0; i < blocks; ++i) {
            built.push_back(make_block(t, funded.funder.id,
                                       block_transfers(funded.wallets, (i * 1000) % accounts, nonces, 1 + i)));
            t = tip_of(built.back());
        }
        if (cached)
            for (const auto& b : built)
                for (const auto& tx : b.txs) l.sigcache.add(tx.txid());
        auto t0 = Clock::now();
        for (const auto& b : built) l.accept(b);
        rate = blocks * 1000 / seconds_since(t0);
    }
    return {rate, directory_bytes(dir.path)};
}

void bench_index_cost(size_t accounts, size_t blocks, size_t rounds, bool cached) {
    std::printf("== address index cost: %zu blocks of 1,000 transfers among %zu accounts, %s ==\n", blocks, accounts,
                cached ? "cached signatures" : "signatures verified");
    std::vector<double> on, off;
    uint64_t bytes_on = 0, bytes_off = 0;
    for (size_t r = 0; r < rounds; ++r) {
        for (bool index : {true, false}) {
            auto [rate, bytes] = connect_run(accounts, blocks, index, cached);
            (index ? on : off).push_back(rate);
            (index ? bytes_on : bytes_off) = bytes;
            std::printf("round %zu, index %s: %.0f tx/s, %.1f MB on disk\n", r + 1, index ? "on " : "off", rate,
                        bytes / 1e6);
        }
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    const double m_on = median(on), m_off = median(off);
    // Funding blocks carry transfers too; every connected transfer is indexed twice.
    const double transfers = static_cast<double>(blocks) * 1000 + static_cast<double>(accounts);
    std::printf("median: index on %.0f tx/s, off %.0f tx/s: on/off = %.3f (%.1f%% slower)\n", m_on, m_off,
                m_on / m_off, 100 * (1 - m_on / m_off));
    std::printf("disk: %.0f bytes per indexed transfer ((on - off) / %.0f transfers, after compaction on close)\n",
                (static_cast<double>(bytes_on) - static_cast<double>(bytes_off)) / transfers, transfers);
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
    size_t accounts = 100'000, measure = 100, startup = 100'000, index_cost = 0;
    bool skip_verify = false, skip_reorg = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--accounts")) accounts = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--measure-blocks")) measure = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--startup-blocks")) startup = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--skip-verify")) skip_verify = std::stoul(argv[i + 1]) != 0;
        else if (!std::strcmp(argv[i], "--skip-reorg")) skip_reorg = std::stoul(argv[i + 1]) != 0;
        else if (!std::strcmp(argv[i], "--index-cost")) index_cost = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--dbcache")) g_dbcache_mb = std::stoul(argv[i + 1]);
    }
    if (index_cost > 0) {
        bench_index_cost(accounts, measure, index_cost, skip_verify);
        return 0;
    }
    bench_connection(accounts, measure, skip_verify, skip_reorg);
    bench_startup(startup);
}
