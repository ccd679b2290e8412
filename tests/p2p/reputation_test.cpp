// Reputation without sockets: the discouragement filter (keys, rolling bound), nuisance
// scores (points, half-life, limit), exclusions that double on repeat, and eviction by
// protection categories (honest peers survive a crowd of attackers from one /16).
#include "node/net/eviction.h"
#include "node/net/reputation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace finch::net {
namespace {

TEST(ReputationKey, IPv4IsTheAddressIPv6ItsSlash64) {
    EXPECT_EQ(reputation_key("10.1.2.3"), "10.1.2.3/32");
    EXPECT_EQ(reputation_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(reputation_key("2001:db8:1:2:bbbb::9"), reputation_key("2001:db8:1:2:aaaa::1"));
    EXPECT_EQ(reputation_key("fe80::1%eth0"), "fe80::/64");
    EXPECT_EQ(reputation_key("not an ip"), "");
}

TEST(DiscouragementFilter, RemembersAddressesNotListedAnywhere) {
    DiscouragementFilter f;
    EXPECT_FALSE(f.is_discouraged("10.0.0.1"));
    f.discourage("10.0.0.1");
    EXPECT_TRUE(f.is_discouraged("10.0.0.1"));
    EXPECT_FALSE(f.is_discouraged("10.0.0.2"));
    f.discourage("2001:db8::1");
    EXPECT_TRUE(f.is_discouraged("2001:db8::ffff"));  // the same /64
    EXPECT_FALSE(f.is_discouraged("2001:db8:0:1::1"));
    f.discourage("garbage");  // ignored, not a crash
    EXPECT_EQ(f.size(), 2u);
    f.clear();
    EXPECT_FALSE(f.is_discouraged("10.0.0.1"));
}

TEST(DiscouragementFilter, IsBoundedAndForgetsTheOldestGeneration) {
    DiscouragementFilter f(100);  // two generations of 50
    f.discourage("10.9.9.9");
    for (int i = 0; i < 49; ++i) f.discourage("10.0.0." + std::to_string(i));
    EXPECT_TRUE(f.is_discouraged("10.9.9.9"));
    for (int i = 0; i < 50; ++i) f.discourage("10.0.1." + std::to_string(i));  // a second generation
    EXPECT_TRUE(f.is_discouraged("10.9.9.9"));                                  // still remembered
    for (int i = 0; i < 50; ++i) f.discourage("10.0.2." + std::to_string(i));  // a third
    EXPECT_FALSE(f.is_discouraged("10.9.9.9"));                                 // the first is gone
    EXPECT_LE(f.size(), 100u);
    for (int i = 0; i < 1000; ++i) f.discourage("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250));
    EXPECT_LE(f.size(), 100u);
}

TEST(NuisanceScore, AddsPointsAndHalvesEveryTenMinutes) {
    NuisanceScore s;
    EXPECT_FALSE(s.add(Nuisance::StalledDownload, 1000));
    EXPECT_DOUBLE_EQ(s.value(1000), 30);
    EXPECT_NEAR(s.value(1000 + 600), 15, 1e-9);
    EXPECT_NEAR(s.value(1000 + 1200), 7.5, 1e-9);
    EXPECT_DOUBLE_EQ(s.value(999), 30);  // a clock that steps back does not raise it
}

TEST(NuisanceScore, ReachesTheLimitOnlyWhenSustained) {
    NuisanceScore burst;
    EXPECT_FALSE(burst.add(Nuisance::UnrequestedData, 0, 150));  // 75 points
    EXPECT_TRUE(burst.add(Nuisance::UnrequestedData, 1, 60));    // past 100
    // The same 210 items spread over two hours never get there.
    NuisanceScore slow;
    bool tripped = false;
    for (int minute = 0; minute < 120; ++minute) tripped |= slow.add(Nuisance::UnrequestedData, minute * 60.0, 1.75);
    EXPECT_FALSE(tripped);
    NuisanceScore stalls;
    EXPECT_FALSE(stalls.add(Nuisance::StalledDownload, 0));
    EXPECT_FALSE(stalls.add(Nuisance::StalledDownload, 10));
    EXPECT_FALSE(stalls.add(Nuisance::StalledDownload, 20));
    EXPECT_TRUE(stalls.add(Nuisance::StalledDownload, 30));
}

TEST(Exclusions, DoubleOnRepeatCappedAtADayAndResetAfterQuiet) {
    Exclusions e;
    EXPECT_EQ(e.exclude("10.0.0.1", 1000), 60u);
    EXPECT_TRUE(e.is_excluded("10.0.0.1", 1059));
    EXPECT_FALSE(e.is_excluded("10.0.0.1", 1060));
    EXPECT_FALSE(e.is_excluded("10.0.0.2", 1000));
    EXPECT_EQ(e.exclude("10.0.0.1", 1100), 120u);
    EXPECT_EQ(e.exclude("10.0.0.1", 1300), 240u);
    uint64_t last = 0;
    for (int i = 0; i < 30; ++i) last = e.exclude("10.0.0.1", 2000);
    EXPECT_EQ(last, Exclusions::kMaxSeconds);
    // A day without trouble after the exclusion ended: back to the base.
    EXPECT_EQ(e.exclude("10.0.0.1", 2000 + 2 * Exclusions::kMaxSeconds + 1), 60u);
    // IPv6 by /64.
    e.exclude("2001:db8::1", 5000);
    EXPECT_TRUE(e.is_excluded("2001:db8::2", 5001));
}

TEST(Exclusions, AreBounded) {
    Exclusions e;
    for (size_t i = 0; i < Exclusions::kMaxEntries + 50; ++i)
        e.exclude("10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." + std::to_string(i % 256),
                  1000 + i);
    EXPECT_EQ(e.size(), Exclusions::kMaxEntries);
}

TEST(ConnectionRateLimit, BurstThenTwoASecondPerAddress) {
    ConnectionRateLimit r;
    for (int i = 0; i < 32; ++i) EXPECT_TRUE(r.allow("10.0.0.1", 100)) << i;
    EXPECT_FALSE(r.allow("10.0.0.1", 100));
    EXPECT_TRUE(r.allow("10.0.0.2", 100));  // another address has its own bucket
    EXPECT_TRUE(r.allow("10.0.0.1", 100.5));  // one token back after half a second
    EXPECT_FALSE(r.allow("10.0.0.1", 100.5));
    for (int i = 0; i < 32; ++i) r.allow("2001:db8::" + std::to_string(i + 2), 100);  // one /64: one bucket
    EXPECT_FALSE(r.allow("2001:db8::99", 100));
}

TEST(ConnectionRateLimit, AnyKeyWithItsOwnRate) {
    ConnectionRateLimit groups(4, 1);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(groups.allow_key("10.1.0.0/16", 0));
    EXPECT_FALSE(groups.allow_key("10.1.0.0/16", 0));
    EXPECT_TRUE(groups.allow_key("10.1.0.0/16", 1));
    EXPECT_TRUE(groups.allow_key("10.2.0.0/16", 0));
}

TEST(ConnectionRateLimit, IsBounded) {
    ConnectionRateLimit r;
    for (size_t i = 0; i < ConnectionRateLimit::kMaxEntries + 100; ++i)
        r.allow("10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." + std::to_string(i % 256),
                static_cast<double>(i));
    EXPECT_EQ(r.size(), ConnectionRateLimit::kMaxEntries);
}

// ---- eviction ----------------------------------------------------------------------------

EvictionCandidate honest(uint64_t id) {
    EvictionCandidate c;
    c.id = id;
    c.netgroup = "10." + std::to_string(id) + ".0.0/16";
    c.connected_at = 1000 + id;        // here long before the attackers
    c.min_ping_seconds = 0.08 + 0.001 * static_cast<double>(id);
    c.last_novel_block = id % 3 == 0 ? 5000 + id : 0;
    c.last_novel_tx = id % 2 == 0 ? 5000 + id : 0;
    return c;
}

TEST(Eviction, TwentyHonestPeersSurviveTwoHundredAttackersFromOneSlash16) {
    // 40 inbound slots: 20 honest peers in 20 netgroups, 20 attackers from 66.66.0.0/16 with
    // better pings and fresher transfers than anyone honest. Then 200 more attackers arrive,
    // one at a time: each time somebody is evicted, and it is never an honest peer.
    std::vector<EvictionCandidate> slots;
    for (uint64_t i = 1; i <= 20; ++i) slots.push_back(honest(i));
    uint64_t next = 1000, clock = 10'000;
    auto attacker = [&] {
        EvictionCandidate c;
        c.id = next++;
        c.netgroup = "66.66.0.0/16";
        c.connected_at = clock++;
        c.min_ping_seconds = 0.001;
        c.last_novel_tx = clock;
        return c;
    };
    for (int i = 0; i < 20; ++i) slots.push_back(attacker());
    for (int round = 0; round < 200; ++round) {
        auto victim = select_eviction(slots, 0x1234'5678'9abc'def0ULL + static_cast<uint64_t>(round % 7));
        ASSERT_TRUE(victim) << "round " << round;
        ASSERT_GE(*victim, 1000u) << "honest peer " << *victim << " evicted in round " << round;
        std::erase_if(slots, [&](const auto& c) { return c.id == *victim; });
        slots.push_back(attacker());
    }
    size_t honest_left = 0;
    for (const auto& c : slots) honest_left += c.id < 1000;
    EXPECT_EQ(honest_left, 20u);
}

TEST(Eviction, DiscouragedGoFirstAndTooFewCandidatesMeansNobody) {
    std::vector<EvictionCandidate> slots;
    for (uint64_t i = 1; i <= 30; ++i) slots.push_back(honest(i));
    slots[5].discouraged = true;
    slots[9].discouraged = true;
    // The youngest discouraged one, although it has every protection an honest peer has.
    EXPECT_EQ(*select_eviction(slots, 42), slots[9].id);
    // Everyone protected: four netgroups alone cover four candidates.
    std::vector<EvictionCandidate> few(slots.begin() + 10, slots.begin() + 14);
    EXPECT_FALSE(select_eviction(few, 42));
    EXPECT_FALSE(select_eviction({}, 42));
}

TEST(Eviction, TheBiggestNetgroupLosesItsYoungest) {
    // 30 peers beyond every protection's reach: groups of 1 and one group of 5.
    std::vector<EvictionCandidate> slots;
    for (uint64_t i = 1; i <= 25; ++i) slots.push_back(honest(i));
    for (uint64_t i = 0; i < 5; ++i) {
        EvictionCandidate c;
        c.id = 100 + i;
        c.netgroup = "77.7.0.0/16";
        c.connected_at = 9000 + i;
        c.min_ping_seconds = 0.5;
        slots.push_back(c);
    }
    EXPECT_EQ(*select_eviction(slots, 42), 104u);
}

}  // namespace
}  // namespace finch::net
