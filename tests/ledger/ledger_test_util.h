// Helpers for ledger tests: temporary data directories and a builder of valid regtest chains.
#pragma once

#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/chainstate.h"
#include "storage/ledger_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

namespace finch::test {

class TempDir {
public:
    TempDir() {
        static std::mt19937_64 rng(std::random_device{}());
        m_path = std::filesystem::temp_directory_path() / ("finch-test-" + std::to_string(rng()));
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

inline SecretKey key_for(const std::string& label) {
    SecretKey k;
    k.bytes = sha256(ByteSpan(reinterpret_cast<const uint8_t*>(label.data()), label.size())).bytes;
    return k;
}

inline AccountId id_for(const SecretKey& k) { return account_id(*derive_public_key(k)); }

inline const ChainParams& regtest_params() { return chain_params(Network::Regtest); }

// The parent a new block builds on.
struct Parent {
    Hash256 hash;
    uint64_t height = 0;
    uint64_t time = 0;
    static Parent genesis() {
        const auto& p = regtest_params();
        return {p.genesis_hash, 0, p.genesis.header.time};
    }
    static Parent of(const Block& b) { return {b.hash(), b.coinbase.height, b.header.time}; }
};

inline Transaction transfer(const SecretKey& from, const AccountId& to, Amount amount, Amount fee, uint64_t nonce) {
    return signed_transfer(from, *derive_public_key(from), to, amount, fee, nonce, regtest_params().genesis_hash);
}

// A valid regtest block on `parent` paying subsidy + fees to `miner`; `tag` makes sibling
// blocks differ.
inline Block make_block(const Parent& parent, const AccountId& miner, std::vector<Transaction> txs = {},
                        uint8_t tag = 0) {
    const auto& params = regtest_params();
    Block b;
    b.header.prev_hash = parent.hash;
    b.header.time = parent.time + 1;
    b.header.bits = params.genesis.header.bits;
    b.coinbase.height = parent.height + 1;
    b.coinbase.recipient = miner;
    Amount fees = 0;
    for (const auto& tx : txs) fees += tx.fee;
    b.coinbase.amount = block_subsidy(parent.height + 1, params) + fees;
    b.coinbase.extra = {tag};
    b.txs = std::move(txs);
    b.header.merkle_root = b.compute_merkle_root();
    while (!check_proof_of_work(b.header.hash(), b.header.bits, params.pow_limit)) ++b.header.nonce;
    return b;
}

// A chain of `count` blocks on `start`; from the second block on, each block carries
// `transfers` payments from `payer` (who mined the first block) to fresh accounts.
inline std::vector<Block> make_chain(Parent start, size_t count, uint8_t tag, size_t transfers = 2,
                                     uint64_t first_nonce = 0, const std::string& payer_label = "payer") {
    std::vector<Block> chain;
    SecretKey payer = key_for(payer_label + std::to_string(tag));
    uint64_t nonce = first_nonce;
    for (size_t i = 0; i < count; ++i) {
        std::vector<Transaction> txs;
        if (i > 0) {
            for (size_t t = 0; t < transfers; ++t)
                txs.push_back(transfer(payer, id_for(key_for("r" + std::to_string(tag) + "-" + std::to_string(i) + "-" +
                                                             std::to_string(t))),
                                       1000 + t, 10, nonce++));
        }
        Block b = make_block(start, id_for(payer), std::move(txs), tag);
        start = Parent::of(b);
        chain.push_back(std::move(b));
    }
    return chain;
}

// The state digest obtained by applying the active chain's blocks to an empty state.
inline Hash256 replay_digest(const std::vector<Block>& blocks) {
    MemoryState state;
    for (size_t h = 0; h < blocks.size(); ++h) {
        StateOverlay overlay(state);
        auto undo = apply_block(blocks[h], h, overlay, regtest_params());
        EXPECT_TRUE(undo.ok()) << (undo.ok() ? "" : undo.error().to_string());
        state.apply(overlay.changes());
    }
    return state_digest(state);
}

struct Ledger {
    explicit Ledger(const std::filesystem::path& dir, node::Chainstate::Options opts = {}) {
        storage::LedgerStore::OpenOptions so;
        so.sync_writes = false;
        auto s = storage::LedgerStore::open(dir, "regtest", so);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
        store = std::move(*s);
        if (!opts.clock) opts.clock = [] { return regtest_params().genesis.header.time + 1'000'000; };
        chain = std::make_unique<node::Chainstate>(*store, regtest_params(), nullptr, opts);
        auto st = chain->load();
        EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().to_string());
    }
    std::unique_ptr<storage::LedgerStore> store;
    std::unique_ptr<node::Chainstate> chain;
};

}  // namespace finch::test
