// Builds a regtest data directory for whole-system benchmarks: funds N accounts, then mines
// blocks of transfers among them, and optionally writes further signed transfers (valid on
// top of the result) to a file, one hex transaction per line.
// Usage: make_chain --datadir D [--accounts 10000] [--blocks 0] [--transfers 100]
//                   [--txfile F --txcount N]
#include "bench/chain_builder.h"
#include "storage/ledger_store.h"

#include <cstdio>
#include <cstring>
#include <fstream>

using namespace finch;
using namespace finch::bench;

int main(int argc, char** argv) {
    std::string datadir, txfile;
    size_t accounts = 10'000, blocks = 0, transfers = 100, txcount = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--datadir") datadir = v;
        else if (k == "--accounts") accounts = std::stoul(v);
        else if (k == "--blocks") blocks = std::stoul(v);
        else if (k == "--transfers") transfers = std::stoul(v);
        else if (k == "--txfile") txfile = v;
        else if (k == "--txcount") txcount = std::stoul(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (datadir.empty() || transfers == 0 || transfers > 1000) {
        std::fprintf(stderr, "usage: make_chain --datadir D [--accounts N] [--blocks N] [--transfers 1..1000] "
                             "[--txfile F --txcount N]\n");
        return 2;
    }
    storage::LedgerStore::OpenOptions so;
    so.sync_writes = false;
    auto store = storage::LedgerStore::open(std::filesystem::path(datadir) / "regtest" / "ledger", "regtest", so);
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
        return 1;
    }
    node::Chainstate chain(**store, params(), nullptr, chain_options());
    if (!chain.load()) return 1;
    auto accept = [&](const Block& b) {
        auto r = chain.accept_block(b);
        if (!r.ok()) {
            std::fprintf(stderr, "block rejected: %s\n", r.rejection->to_string().c_str());
            std::exit(1);
        }
    };

    auto t0 = Clock::now();
    auto funded = fund_wallets(accounts, 10'000'000, accept);
    const std::vector<Wallet>& wallets = funded.wallets;
    const Wallet& funder = funded.funder;
    Tip tip = funded.tip;
    std::vector<uint64_t> nonces(accounts, 0);
    size_t next_sender = 0;
    for (size_t n = 0; n < blocks; ++n) {
        std::vector<Transaction> txs(transfers);
        std::vector<size_t> senders(transfers);
        std::vector<uint64_t> tx_nonce(transfers);
        for (size_t i = 0; i < transfers; ++i) {
            senders[i] = next_sender++ % accounts;
            tx_nonce[i] = nonces[senders[i]]++;
        }
        parallel_for(transfers, [&](size_t i) {
            txs[i] = signed_transfer(wallets[senders[i]], wallets[(senders[i] * 7919 + n) % accounts].id, 1 + i % 50,
                                     tx_nonce[i]);
        });
        Block b = make_block(tip, funder.id, std::move(txs));
        accept(b);
        tip = tip_of(b);
    }
    std::printf("height %llu, %zu accounts, %zu blocks of %zu transfers, built in %.1f s\n",
                static_cast<unsigned long long>(tip.height), accounts, blocks, transfers, seconds_since(t0));

    if (!txfile.empty()) {
        std::vector<Transaction> txs(txcount);
        std::vector<size_t> senders(txcount);
        std::vector<uint64_t> tx_nonce(txcount);
        for (size_t i = 0; i < txcount; ++i) {
            senders[i] = next_sender++ % accounts;
            tx_nonce[i] = nonces[senders[i]]++;
        }
        parallel_for(txcount, [&](size_t i) {
            txs[i] = signed_transfer(wallets[senders[i]], wallets[(i * 31) % accounts].id, 1 + i % 50, tx_nonce[i], 1000);
        });
        std::ofstream out(txfile);
        for (const auto& tx : txs) out << to_hex(tx.serialize()) << "\n";
        std::printf("wrote %zu signed transfers to %s\n", txcount, txfile.c_str());
    }
    return 0;
}
