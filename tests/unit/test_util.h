// Helpers shared by the consensus unit tests: deterministic keys, signed transfers and
// regtest blocks that meet their (trivial) proof of work.
#pragma once

#include "consensus/block.h"
#include "consensus/hash.h"
#include "consensus/keys.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/state.h"
#include "consensus/transaction.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace finch {
// Lets GoogleTest print a Fault by name in failure messages.
inline void PrintTo(Fault f, std::ostream* os) {
    switch (f) {
        case Fault::Consensus: *os << "Fault::Consensus"; return;
        case Fault::Mutated: *os << "Fault::Mutated"; return;
        case Fault::Timing: *os << "Fault::Timing"; return;
        case Fault::KnownInvalid: *os << "Fault::KnownInvalid"; return;
        case Fault::Policy: *os << "Fault::Policy"; return;
        case Fault::Decode: *os << "Fault::Decode"; return;
    }
    *os << "Fault(" << static_cast<int>(f) << ")";
}
}  // namespace finch

namespace finch::test {

inline ByteSpan as_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

inline Bytes hex_bytes(std::string_view hex) {
    auto b = from_hex(hex);
    EXPECT_TRUE(b.has_value()) << "bad hex in test: " << hex;
    return b.value_or(Bytes{});
}

template <typename T>
T from_hex_array(std::string_view hex) {
    Bytes b = hex_bytes(hex);
    T out{};
    EXPECT_EQ(b.size(), T::size()) << hex;
    for (size_t i = 0; i < b.size() && i < T::size(); ++i) out.bytes[i] = b[i];
    return out;
}

// A valid secret key derived from a label, the same on every run.
inline SecretKey test_key(std::string_view label) {
    SecretKey k;
    Hash256 h = sha256(as_bytes(label));
    k.bytes = h.bytes;
    FINCH_ASSERT(is_valid_secret_key(k));
    return k;
}

inline PublicKey public_key(const SecretKey& k) { return derive_public_key(k).value(); }
inline AccountId account_of(const SecretKey& k) { return account_id(public_key(k)); }
inline AccountId account_of(std::string_view label) { return account_of(test_key(label)); }

// A transfer signed for the network whose genesis hash is given.
inline Transaction make_transfer(const SecretKey& from, const AccountId& to, Amount amount, Amount fee,
                                 uint64_t nonce, const Hash256& genesis_hash) {
    return signed_transfer(from, public_key(from), to, amount, fee, nonce, genesis_hash);
}

inline const ChainParams& regtest() { return chain_params(Network::Regtest); }
inline const ChainParams& testnet() { return chain_params(Network::Test); }
inline const ChainParams& mainnet() { return chain_params(Network::Main); }

// Sets the merkle root and grinds the nonce until the header meets its bits.
inline void solve(Block& block, const ChainParams& params) {
    block.header.merkle_root = block.compute_merkle_root();
    while (!check_proof_of_work(block.header.hash(), block.header.bits, params.pow_limit)) ++block.header.nonce;
}

// A regtest block at `height` on top of `prev`, paying `coinbase_amount` to `miner`.
inline Block mine_regtest_block(const Hash256& prev, uint64_t height, const AccountId& miner, Amount coinbase_amount,
                                std::vector<Transaction> txs = {}) {
    const ChainParams& params = regtest();
    Block b;
    b.header.version = 1;
    b.header.prev_hash = prev;
    b.header.time = params.genesis.header.time + height;
    b.header.bits = params.genesis.header.bits;
    b.coinbase.height = height;
    b.coinbase.recipient = miner;
    b.coinbase.amount = coinbase_amount;
    b.txs = std::move(txs);
    solve(b, params);
    return b;
}

// One example of each serialized type, with every field set to something non-default.
inline Transaction sample_transaction(uint64_t nonce = 7) {
    return make_transfer(test_key("alice"), account_of("bob"), 12 * kCoin + 345, 1'000, nonce,
                         regtest().genesis_hash);
}

inline Coinbase sample_coinbase() {
    Coinbase cb;
    cb.height = 0x0102030405060708ULL;
    cb.recipient = account_of("miner");
    cb.amount = 50 * kCoin + 3;
    cb.extra = {'f', 'i', 'n', 'c', 'h', 0x00, 0xff};
    return cb;
}

inline BlockHeader sample_header() {
    BlockHeader h;
    h.version = 0x01020304;
    h.prev_hash = sha256(as_bytes("prev"));
    h.merkle_root = sha256(as_bytes("merkle"));
    h.time = 0x1122334455667788ULL;
    h.bits = 0x1d00ffff;
    h.nonce = 0x8877665544332211ULL;
    return h;
}

inline Block sample_block() {
    Block b;
    b.header = sample_header();
    b.coinbase = sample_coinbase();
    for (uint64_t n = 0; n < 3; ++n) b.txs.push_back(sample_transaction(n));
    b.header.merkle_root = b.compute_merkle_root();
    return b;
}

inline BlockUndo sample_undo() {
    BlockUndo u;
    u.previous.emplace_back(account_of("alice"), Account{5 * kCoin, 3});
    u.previous.emplace_back(account_of("bob"), std::nullopt);
    u.previous.emplace_back(account_of("carol"), Account{0, 0});
    return u;
}

}  // namespace finch::test
