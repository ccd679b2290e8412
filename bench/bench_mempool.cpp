// Mempool benchmarks: admission of valid transfers from 10,000 senders funded by real regtest
// blocks (one thread, and two threads as parallel RPC batches), and block selection from a
// 50,000-transaction mempool. Run: build/bin/bench_mempool
#include "bench/chain_builder.h"
#include "node/chainstate.h"
#include "node/mempool.h"
#include "storage/ledger_store.h"

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

namespace {

using namespace finch;
using namespace finch::bench;

constexpr size_t kSenders = 10'000;
constexpr size_t kPerSender = 5;  // 50,000 transfers in all
constexpr size_t kFundingPerBlock = 5'000;
constexpr Amount kFunding = 300'000;  // per sender; covers kPerSender * (amount + the highest fee)
constexpr uint64_t kNow = 1'700'000'000;

// Runs f(i) for i in [0, n) on `threads` threads, thread t taking i = t, t + threads, ...
template <typename F>
void split(size_t n, unsigned threads, F f) {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (size_t i = t; i < n; i += threads) f(i);
        });
    for (auto& th : pool) th.join();
}

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// A ledger whose 10,000 senders were paid by real blocks, and their signed transfers.
class Fixture {
public:
    Fixture() : m_dir(std::filesystem::temp_directory_path() / ("finch-bench-mempool-" + std::to_string(getpid()))) {
        std::filesystem::remove_all(m_dir);
        storage::LedgerStore::OpenOptions so;
        so.sync_writes = false;
        store = std::move(*storage::LedgerStore::open(m_dir, "regtest", so));
        node::Chainstate::Options co;
        co.clock = [] { return params().genesis.header.time + 100'000'000; };
        m_chain = std::make_unique<node::Chainstate>(*store, params(), nullptr, co);
        if (!m_chain->load()) std::abort();
        for (size_t i = 0; i < kSenders; ++i) senders.push_back(make_wallet(i));
        fund();
        sign_transfers();
    }
    ~Fixture() {
        m_chain.reset();
        store.reset();
        std::filesystem::remove_all(m_dir);
    }

    std::unique_ptr<storage::LedgerStore> store;
    std::vector<Wallet> senders;
    std::vector<Transaction> txs;  // nonce-major: every sender's nonce 0, then nonce 1, ...
    uint64_t height = 0;

private:
    void connect(const std::vector<Transaction>& transfers, const AccountId& miner) {
        const node::TipInfo tip = m_chain->tip();
        Block b = make_block({tip.hash, tip.height, tip.time}, miner, transfers);
        if (auto r = m_chain->accept_block(b); !r.ok()) {
            std::fprintf(stderr, "funding block rejected: %s\n", r.rejection->to_string().c_str());
            std::abort();
        }
        height = tip.height + 1;
    }

    // The funder mines a block, then pays every sender in blocks of kFundingPerBlock transfers.
    void fund() {
        const Wallet funder = make_wallet(kSenders + 1);
        connect({}, funder.id);
        for (size_t first = 0; first < kSenders; first += kFundingPerBlock) {
            std::vector<Transaction> block(std::min(kFundingPerBlock, kSenders - first));
            split(block.size(), cores(), [&](size_t i) {
                block[i] = signed_transfer(funder, senders[first + i].id, kFunding, first + i, 200);
            });
            connect(block, funder.id);
        }
    }

    void sign_transfers() {
        std::mt19937_64 rng(42);
        std::vector<Amount> fees(kSenders * kPerSender);
        for (auto& f : fees) f = 200 + rng() % 20'000;
        txs.resize(fees.size());
        split(txs.size(), cores(), [&](size_t j) {
            const size_t s = j % kSenders;
            txs[j] = signed_transfer(senders[s], senders[(s + 1) % kSenders].id, 1'000, j / kSenders, fees[j]);
        });
    }

    std::filesystem::path m_dir;
    std::unique_ptr<node::Chainstate> m_chain;
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

// Admits txs[i] for the i that `threads` threads are given (senders split between them, so
// each sender's nonces still arrive in order); returns how many were accepted.
size_t admit(node::Mempool& pool, unsigned threads) {
    const Fixture& f = fixture();
    std::atomic<size_t> accepted{0};
    auto run = [&](unsigned t) {
        size_t n = 0;
        for (size_t j = 0; j < f.txs.size(); ++j)
            if ((j % kSenders) % threads == t) n += pool.accept(f.txs[j], kNow, f.height).ok();
        accepted += n;
    };
    if (threads == 1) {
        run(0);
    } else {
        std::vector<std::thread> workers;
        for (unsigned t = 0; t < threads; ++t) workers.emplace_back(run, t);
        for (auto& w : workers) w.join();
    }
    return accepted;
}

// Each iteration admits all 50,000 transfers into a fresh mempool with a fresh signature
// cache, so every signature is verified; with `cached`, the cache already holds every txid,
// which leaves the mempool's own work (store reads, rules, indexes).
void run_accept(benchmark::State& state, bool cached) {
    const unsigned threads = static_cast<unsigned>(state.range(0));
    Fixture& f = fixture();
    for (auto _ : state) {
        state.PauseTiming();
        auto sigcache = std::make_unique<node::SignatureCache>();
        if (cached)
            for (const auto& tx : f.txs) sigcache->add(tx.txid());
        auto pool = std::make_unique<node::Mempool>(*f.store, params(), sigcache.get());
        state.ResumeTiming();
        const size_t accepted = admit(*pool, threads);
        state.PauseTiming();
        if (accepted != f.txs.size()) state.SkipWithError("a valid transfer was rejected");
        pool.reset();
        sigcache.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.txs.size()));
}
void BM_Accept(benchmark::State& state) { run_accept(state, false); }
void BM_AcceptCachedSignatures(benchmark::State& state) { run_accept(state, true); }
BENCHMARK(BM_Accept)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AcceptCachedSignatures)->ArgName("threads")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The largest number of transfers that fits in a block (as the miner computes it).
size_t block_transfers() {
    const size_t overhead = BlockHeader::kSerializedSize + 8 + 20 + 8 + 1 + Coinbase::kMaxExtra + 9;
    return std::min(kMaxBlockTransactions, (kMaxBlockBytes - overhead) / Transaction::kSerializedSize);
}

void BM_SelectForBlock(benchmark::State& state) {
    Fixture& f = fixture();
    static node::SignatureCache sigcache;
    static node::Mempool pool(*f.store, params(), &sigcache);
    if (pool.size() == 0 && admit(pool, cores()) != f.txs.size()) state.SkipWithError("a valid transfer was rejected");
    const size_t max_count = state.range(0) == 0 ? block_transfers() : static_cast<size_t>(state.range(0));
    size_t selected = 0;
    for (auto _ : state) {
        auto entries = pool.select_for_block(max_count);
        selected = entries.size();
        benchmark::DoNotOptimize(entries.data());
    }
    state.counters["mempool"] = static_cast<double>(pool.size());
    state.counters["selected"] = static_cast<double>(selected);
}
// 0: one block's worth (what the miner asks for); 50,000: the whole mempool.
BENCHMARK(BM_SelectForBlock)->ArgName("max_count")->Arg(0)->Arg(50'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
