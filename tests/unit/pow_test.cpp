// Targets, the proof-of-work check and the ASERT difficulty rule, including a simulation
// of a chain whose hash rate jumps up and down.
#include "consensus/params.h"
#include "consensus/pow.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

namespace finch {
namespace {

using namespace finch::test;

double target_of(uint32_t bits) { return Uint256::from_compact(bits).to_double(); }

TEST(Pow, DecodeTarget) {
    const Uint256 limit = Uint256::from_compact(0x1f00ffff);
    auto t = decode_target(0x1d00ffff, limit);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t, Uint256::from_compact(0x1d00ffff));
    EXPECT_TRUE(decode_target(0x1f00ffff, limit).ok());  // exactly the limit
    for (uint32_t bad : {0x1f010000u, 0x2000ffffu, 0u, 0x1d000000u, 0x1d800001u, 0xff123456u}) {
        auto r = decode_target(bad, limit);
        ASSERT_FALSE(r.ok()) << std::hex << bad;
        EXPECT_EQ(r.error().code, "bad-diffbits");
    }
}

TEST(Pow, HashEqualToTargetPassesOneAboveFails) {
    const Uint256 limit = Uint256::from_compact(0x207fffff);
    const uint32_t bits = 0x1d00ffff;
    const Uint256 target = Uint256::from_compact(bits);
    EXPECT_TRUE(check_proof_of_work(target.to_hash(), bits, limit).ok());
    EXPECT_TRUE(check_proof_of_work(Hash256{}, bits, limit).ok());
    Status s = check_proof_of_work((target + Uint256(1)).to_hash(), bits, limit);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "high-hash");
}

// ASERT with a chosen anchor, on test network spacing (30 s) and half-life (3600 s).
struct Asert {
    AsertAnchor anchor;
    Uint256 limit = testnet().pow_limit;
    int64_t spacing = 30, half_life = 3600;
    // Bits after `height` blocks whose last one is `drift` seconds off schedule (positive: late).
    uint32_t bits(uint64_t height, int64_t drift) const {
        uint64_t time = anchor.time + height * static_cast<uint64_t>(spacing) + static_cast<uint64_t>(drift);
        return asert_next_bits(anchor, height, time, spacing, half_life, limit);
    }
};

constexpr uint64_t kAnchorTime = 1'800'000'000;

TEST(Asert, OnScheduleKeepsAnchorBits) {
    for (uint32_t anchor_bits : {0x1d00ffffu, 0x1e0fffffu, 0x1f00ffffu, 0x1c123456u}) {
        Asert a{{0, kAnchorTime, anchor_bits}};
        for (uint64_t h : {0ull, 1ull, 2ull, 100ull, 12345ull, 1'000'000ull})
            EXPECT_EQ(a.bits(h, 0), anchor_bits) << std::hex << anchor_bits << std::dec << " height " << h;
    }
}

TEST(Asert, OneHalfLifeLateDoublesTarget) {
    Asert a{{0, kAnchorTime, 0x1d00ffff}};
    double ratio = target_of(a.bits(500, 3600)) / target_of(0x1d00ffff);
    EXPECT_NEAR(ratio, 2.0, 2.0 * 0.005);
}

TEST(Asert, OneHalfLifeEarlyHalvesTarget) {
    for (uint32_t anchor_bits : {0x1d00ffffu, 0x1f00ffffu}) {
        Asert a{{0, kAnchorTime, anchor_bits}};
        double ratio = target_of(a.bits(500, -3600)) / target_of(anchor_bits);
        EXPECT_NEAR(ratio, 0.5, 0.5 * 0.005) << std::hex << anchor_bits;
    }
}

// Between whole half-lives the target follows 2^(drift / half_life) (within 0.5%),
// also when the anchor sits at the pow limit (the test network's genesis).
TEST(Asert, FractionalDriftFollowsExponential) {
    for (uint32_t anchor_bits : {0x1d00ffffu, 0x1e0fffffu, 0x1f00ffffu}) {
        Asert a{{0, kAnchorTime, anchor_bits}};
        const double limit = a.limit.to_double();
        for (int64_t drift = -4 * 3600; drift <= 4 * 3600; drift += 450) {
            double expected = std::min(limit, target_of(anchor_bits) * std::exp2(static_cast<double>(drift) / 3600));
            double got = target_of(a.bits(1000, drift));
            EXPECT_NEAR(got / expected, 1.0, 0.005) << std::hex << anchor_bits << std::dec << " drift " << drift;
        }
    }
}

TEST(Asert, TargetNeverDecreasesWithLaterTime) {
    Asert a{{0, kAnchorTime, 0x1e0fffff}};
    Uint256 prev;
    for (int64_t drift = -20'000; drift <= 20'000; drift += 37) {
        Uint256 t = Uint256::from_compact(a.bits(1000, drift));
        EXPECT_GE(t, prev) << "drift " << drift;
        prev = t;
    }
}

TEST(Asert, ClampsAtPowLimit) {
    Asert a{{0, kAnchorTime, 0x1d00ffff}};
    const uint32_t limit_bits = a.limit.to_compact();
    EXPECT_EQ(a.bits(100, 100 * 3600), limit_bits);       // 100 half-lives late
    EXPECT_EQ(a.bits(10, 1'000'000'000), limit_bits);     // absurdly late
    Asert at_limit{{0, kAnchorTime, 0x1f00ffff}};
    EXPECT_EQ(at_limit.bits(100, 1), limit_bits);         // cannot get easier than the limit
}

TEST(Asert, ClampsToAtLeastOne) {
    Asert a{{0, kAnchorTime, 0x1d00ffff}};
    // Ten million blocks with no time passing: far harder than representable, but never zero.
    uint32_t bits = asert_next_bits(a.anchor, 10'000'000, kAnchorTime, 30, 3600, a.limit);
    EXPECT_EQ(Uint256::from_compact(bits), Uint256(1));
}

TEST(Asert, NextWorkRequired) {
    for (Network n : {Network::Main, Network::Test}) {
        const ChainParams& p = chain_params(n);
        const uint64_t t0 = p.genesis.header.time;
        const auto spacing = static_cast<uint64_t>(p.target_spacing);
        EXPECT_EQ(next_work_required(0, t0, p), p.genesis.header.bits) << p.name;
        EXPECT_EQ(next_work_required(50, t0 + 50 * spacing, p), p.genesis.header.bits) << p.name;
        // Far behind schedule: harder.
        EXPECT_LT(target_of(next_work_required(50, t0 + 10 * spacing, p)), target_of(p.genesis.header.bits));
    }
    const ChainParams& r = regtest();
    EXPECT_TRUE(r.no_retarget);
    EXPECT_EQ(next_work_required(1000, r.genesis.header.time, r), r.genesis.header.bits);
    EXPECT_EQ(next_work_required(5, r.genesis.header.time + 1'000'000, r), r.genesis.header.bits);
}

// A test-network chain mined by a hash rate that jumps x10 up at block 1000 and x0.1
// down at block 2000. Solve times are exponential with mean expected_hashes / hashrate.
TEST(Asert, SimulationTracksHashRateChanges) {
    const ChainParams& p = testnet();
    const double spacing = static_cast<double>(p.target_spacing);
    // Four times the rate that finds genesis-difficulty blocks every 30 s, so the rule
    // has to make blocks harder than the pow limit from the start.
    const double base_rate = 4 * block_work(p.genesis.header.bits).to_double() / spacing;
    constexpr int kBlocks = 3000;

    std::mt19937_64 rng(0xf1c4);
    std::exponential_distribution<double> exp1(1.0);
    std::vector<uint64_t> times{p.genesis.header.time};
    std::vector<uint32_t> bits{p.genesis.header.bits};
    double clock = static_cast<double>(p.genesis.header.time);
    for (int h = 1; h <= kBlocks; ++h) {
        const double rate = (h > 1000 && h <= 2000) ? 10 * base_rate : base_rate;
        uint32_t b = next_work_required(static_cast<uint64_t>(h - 1), times.back(), p);
        clock += exp1(rng) * block_work(b).to_double() / rate;
        times.push_back(static_cast<uint64_t>(clock));
        bits.push_back(b);
    }

    auto mean_spacing = [&](int from, int to) {  // over blocks (from, to]
        return static_cast<double>(times[to] - times[from]) / (to - from);
    };
    auto difficulty = [&](int h) { return target_of(p.genesis.header.bits) / target_of(bits[h]); };
    std::printf("ASERT simulation (test network, spacing %.0f s, half-life %lld s, %d blocks):\n", spacing,
                static_cast<long long>(p.asert_half_life), kBlocks);
    struct Window {
        const char* label;
        int from, to;
    };
    const Window windows[] = {{"blocks  700-1000 (rate x1) ", 700, 1000},
                              {"blocks 1700-2000 (rate x10)", 1700, 2000},
                              {"blocks 2700-3000 (rate x1) ", 2700, 3000}};
    std::printf("  first 100 blocks: mean spacing %.1f s\n", mean_spacing(0, 100));
    std::printf("  blocks 1000-1100 after x10: mean spacing %.1f s\n", mean_spacing(1000, 1100));
    std::printf("  blocks 2000-2100 after x0.1: mean spacing %.1f s\n", mean_spacing(2000, 2100));
    for (const auto& w : windows) {
        double mean = mean_spacing(w.from, w.to);
        std::printf("  %s: mean spacing %.1f s, difficulty %.2f x genesis at block %d\n", w.label, mean,
                    difficulty(w.to), w.to);
        EXPECT_NEAR(mean, spacing, 0.2 * spacing) << w.label;
    }
    // Ten times the hash rate needs about ten times the difficulty.
    EXPECT_NEAR(difficulty(2000) / difficulty(1000), 10.0, 3.0);
    EXPECT_NEAR(difficulty(3000) / difficulty(2000), 0.1, 0.03);
}

}  // namespace
}  // namespace finch
