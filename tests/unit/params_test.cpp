// Chain parameters: genesis constants, network names, and the subsidy schedule.
#include "consensus/params.h"
#include "consensus/pow.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

namespace finch {
namespace {

const Network kNetworks[] = {Network::Main, Network::Test, Network::Regtest};

TEST(Params, GenesisHashConstants) {
    EXPECT_EQ(chain_params(Network::Main).genesis_hash.to_hex(),
              "00000c8c8e3e92958bc4ec63b5ad73b674cb6e822830119f4435336918e5fb7a");
    EXPECT_EQ(chain_params(Network::Test).genesis_hash.to_hex(),
              "0000c2532e44c0e75e6379dde1377eccc4d9b53f48a27cf55e014d5d69ece441");
    EXPECT_EQ(chain_params(Network::Regtest).genesis_hash.to_hex(),
              "59f63fcda1bb31c1cf6ba73a0328e44a88cd2067deed6b0b99dbd9c219abf772");
    for (Network n : kNetworks) EXPECT_EQ(chain_params(n).genesis.hash(), chain_params(n).genesis_hash);
}

TEST(Params, CheckGenesisPasses) {
    for (Network n : kNetworks) {
        Status s = check_genesis(chain_params(n));
        EXPECT_TRUE(s.ok()) << chain_params(n).name << ": " << s.error().to_string();
    }
}

TEST(Params, CheckGenesisNoticesAWrongConstant) {
    ChainParams p = chain_params(Network::Test);
    p.genesis_hash.bytes[0] ^= 1;
    Status s = check_genesis(p);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "bad-genesis");
}

TEST(Params, GenesisBlockShape) {
    for (Network n : kNetworks) {
        const ChainParams& p = chain_params(n);
        SCOPED_TRACE(p.name);
        const Block& g = p.genesis;
        EXPECT_TRUE(g.header.prev_hash.is_zero());
        EXPECT_TRUE(g.txs.empty());
        EXPECT_EQ(g.coinbase.height, 0u);
        EXPECT_EQ(g.coinbase.amount, 0u);
        EXPECT_LE(g.coinbase.extra.size(), Coinbase::kMaxExtra);
        EXPECT_EQ(g.header.merkle_root, g.coinbase.txid());
        EXPECT_TRUE(decode_target(g.header.bits, p.pow_limit).ok());
        std::string message(g.coinbase.extra.begin(), g.coinbase.extra.end());
        EXPECT_EQ(make_genesis(message, g.header.time, g.header.bits, g.header.nonce), g);
    }
}

TEST(Params, NetworksAreDistinct) {
    std::set<std::string> names, hrps;
    std::set<std::array<uint8_t, 4>> magics;
    std::set<uint16_t> ports;
    for (Network n : kNetworks) {
        const ChainParams& p = chain_params(n);
        EXPECT_EQ(p.network, n);
        names.insert(p.name);
        hrps.insert(p.hrp);
        magics.insert(p.magic);
        ports.insert(p.default_port);
        ports.insert(p.default_rpc_port);
    }
    EXPECT_EQ(names.size(), 3u);
    EXPECT_EQ(hrps.size(), 3u);
    EXPECT_EQ(magics.size(), 3u);
    EXPECT_EQ(ports.size(), 6u);
    EXPECT_EQ(chain_params(Network::Main).name, "main");
    EXPECT_EQ(chain_params(Network::Test).name, "test");
    EXPECT_EQ(chain_params(Network::Regtest).name, "regtest");
}

TEST(Params, RegtestDifficultyIsTrivial) {
    const ChainParams& r = chain_params(Network::Regtest);
    EXPECT_TRUE(r.no_retarget);
    EXPECT_EQ(r.pow_limit, Uint256::from_compact(0x207fffff));
    EXPECT_EQ(block_work(r.genesis.header.bits), Uint256(2));
    EXPECT_FALSE(chain_params(Network::Main).no_retarget);
    EXPECT_FALSE(chain_params(Network::Test).no_retarget);
}

TEST(Params, ParseNetwork) {
    EXPECT_EQ(parse_network("main"), Network::Main);
    EXPECT_EQ(parse_network("mainnet"), Network::Main);
    EXPECT_EQ(parse_network("test"), Network::Test);
    EXPECT_EQ(parse_network("testnet"), Network::Test);
    EXPECT_EQ(parse_network("regtest"), Network::Regtest);
    EXPECT_EQ(parse_network(""), std::nullopt);
    EXPECT_EQ(parse_network("Main"), std::nullopt);
    EXPECT_EQ(parse_network("signet"), std::nullopt);
    for (Network n : kNetworks) EXPECT_EQ(parse_network(chain_params(n).name), n);
}

TEST(Params, NetworkForHrp) {
    for (Network n : kNetworks) EXPECT_EQ(network_for_hrp(chain_params(n).hrp), n);
    EXPECT_EQ(network_for_hrp("bc"), std::nullopt);
    EXPECT_EQ(network_for_hrp(""), std::nullopt);
}

TEST(Subsidy, NothingAtGenesisThenInitial) {
    for (Network n : kNetworks) {
        const ChainParams& p = chain_params(n);
        EXPECT_EQ(block_subsidy(0, p), 0u) << p.name;
        EXPECT_EQ(block_subsidy(1, p), 50 * kCoin) << p.name;
        EXPECT_EQ(p.initial_subsidy, 50 * kCoin);
    }
}

TEST(Subsidy, HalvesAfterHalvingInterval) {
    for (Network n : kNetworks) {
        const ChainParams& p = chain_params(n);
        const uint64_t interval = p.halving_interval;
        EXPECT_EQ(block_subsidy(interval, p), 50 * kCoin) << p.name;
        EXPECT_EQ(block_subsidy(interval + 1, p), 25 * kCoin) << p.name;
        EXPECT_EQ(block_subsidy(2 * interval, p), 25 * kCoin) << p.name;
        EXPECT_EQ(block_subsidy(2 * interval + 1, p), 12 * kCoin + kCoin / 2) << p.name;
        EXPECT_EQ(block_subsidy(64 * interval + 1, p), 0u) << p.name;
        EXPECT_EQ(block_subsidy(UINT64_MAX, p), 0u) << p.name;
    }
}

TEST(Subsidy, TotalSupplyStaysBelowMaxMoney) {
    for (Network n : kNetworks) {
        const ChainParams& p = chain_params(n);
        // Heights (k*interval, (k+1)*interval] all pay block_subsidy(k*interval + 1).
        unsigned __int128 total = 0;
        uint64_t periods = 0;
        for (uint64_t k = 0;; ++k) {
            const uint64_t first = k * p.halving_interval + 1, last = (k + 1) * p.halving_interval;
            const Amount s = block_subsidy(first, p);
            EXPECT_EQ(block_subsidy(last, p), s) << p.name << " period " << k;
            if (s == 0) break;
            total += static_cast<unsigned __int128>(s) * p.halving_interval;
            ++periods;
        }
        EXPECT_LE(total, kMaxMoney) << p.name;
        if (n == Network::Main) {
            EXPECT_EQ(static_cast<uint64_t>(total), 2'099'999'997'690'000ULL);  // as Bitcoin
        }
        std::printf("%s: %llu halving periods, total supply %llu base units\n", p.name.c_str(),
                    static_cast<unsigned long long>(periods), static_cast<unsigned long long>(total));
    }
}

}  // namespace
}  // namespace finch
