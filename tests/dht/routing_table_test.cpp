#include "node/net/dht/routing_table.h"

#include "sim.h"

#include <gtest/gtest.h>

#include <random>

namespace finch::net::dht {
namespace {

using test::kMagic;

// Records with random public keys (the table does not check signatures) whose id falls in
// a chosen bucket of `self`.
struct Fake {
    NodeId self;
    std::mt19937_64 rng{7};
    NodeRecord in_bucket(int bucket, const Endpoint& ep) {
        for (;;) {
            NodeRecord r;
            for (auto& b : r.public_key) b = static_cast<uint8_t>(rng());
            r.endpoint = ep;
            r.seq = 1;
            if (log_distance(self, r.id()) == bucket + 1) return r;
        }
    }
};

TimePoint at(int s) { return TimePoint{} + std::chrono::seconds(s); }

TEST(DhtRoutingTable, FullBucketGoesToReplacementsAndEvictionPromotes) {
    Fake fake;
    RoutingTable table(fake.self);
    std::vector<NodeRecord> nodes;
    for (int i = 0; i < 16; ++i) {
        nodes.push_back(fake.in_bucket(255, test::public_endpoint(static_cast<size_t>(i))));
        EXPECT_EQ(table.add(nodes.back(), at(i)).result, RoutingTable::AddResult::Added);
    }
    EXPECT_EQ(table.size(), 16u);
    EXPECT_EQ(table.least_recent(255)->id(), nodes[0].id());
    // Seen again: moves to the front, so nodes[1] becomes the least recently seen.
    EXPECT_EQ(table.add(nodes[0], at(100)).result, RoutingTable::AddResult::Updated);
    EXPECT_EQ(table.least_recent(255)->id(), nodes[1].id());

    NodeRecord extra = fake.in_bucket(255, test::public_endpoint(100));
    auto outcome = table.add(extra, at(101));
    EXPECT_EQ(outcome.result, RoutingTable::AddResult::Replacement);
    ASSERT_TRUE(outcome.check);
    EXPECT_EQ(outcome.check->id(), nodes[1].id());  // the caller pings it before eviction
    EXPECT_EQ(table.size(), 16u);
    EXPECT_EQ(table.replacement_count(), 1u);
    EXPECT_EQ(table.find(extra.id()), nullptr);

    // It did not answer: evicted, the replacement moves in.
    auto promoted = table.remove(nodes[1].id());
    ASSERT_TRUE(promoted);
    EXPECT_EQ(promoted->id(), extra.id());
    EXPECT_NE(table.find(extra.id()), nullptr);
    EXPECT_EQ(table.find(nodes[1].id()), nullptr);
    EXPECT_EQ(table.size(), 16u);
    EXPECT_EQ(table.replacement_count(), 0u);

    // The replacement cache keeps the 10 most recent.
    for (int i = 0; i < 12; ++i) table.add(fake.in_bucket(255, test::public_endpoint(200 + static_cast<size_t>(i))), at(200 + i));
    EXPECT_EQ(table.replacement_count(), 10u);
}

TEST(DhtRoutingTable, OwnIdIsNeverStored) {
    SigningKey key = test::new_key();
    RoutingTable table(key.id());
    EXPECT_EQ(table.add(key.sign(Endpoint::v4(1, 2, 3, 4, 5), 1, kMagic), at(0)).result, RoutingTable::AddResult::Rejected);
    EXPECT_EQ(table.size(), 0u);
}

TEST(DhtRoutingTable, SlashTwentyFourLimitsPerBucketAndTable) {
    Fake fake;
    RoutingTable table(fake.self);
    auto same24 = [](uint8_t host) { return Endpoint::v4(45, 6, 7, host, 30303); };
    // Per bucket: 2 from one /24.
    EXPECT_EQ(table.add(fake.in_bucket(255, same24(1)), at(0)).result, RoutingTable::AddResult::Added);
    EXPECT_EQ(table.add(fake.in_bucket(255, same24(2)), at(0)).result, RoutingTable::AddResult::Added);
    EXPECT_EQ(table.add(fake.in_bucket(255, same24(3)), at(0)).result, RoutingTable::AddResult::Rejected);
    // Another /24 in the same bucket is fine.
    EXPECT_EQ(table.add(fake.in_bucket(255, Endpoint::v4(45, 6, 8, 1, 30303)), at(0)).result, RoutingTable::AddResult::Added);
    // Per table: 10 from one /24 (2 in each of buckets 255..251), the 11th refused.
    for (int b = 254; b >= 251; --b)
        for (uint8_t h = 0; h < 2; ++h)
            EXPECT_EQ(table.add(fake.in_bucket(b, same24(static_cast<uint8_t>(10 + b + h))), at(0)).result,
                      RoutingTable::AddResult::Added);
    EXPECT_EQ(table.add(fake.in_bucket(250, same24(99)), at(0)).result, RoutingTable::AddResult::Rejected);
    // Removing one frees a slot.
    const NodeRecord victim = table.closest(fake.self, 100).front();
    ASSERT_EQ(limited_subnet24(victim.endpoint), limited_subnet24(same24(0)));
    table.remove(victim.id());
    EXPECT_EQ(table.add(fake.in_bucket(250, same24(99)), at(0)).result, RoutingTable::AddResult::Added);
}

TEST(DhtRoutingTable, SlashFortyEightLimitsPerBucketAndTable) {
    Fake fake;
    RoutingTable table(fake.self);
    auto same48 = [](int host) { return *Endpoint::from_ip("2001:db8:7:" + std::to_string(host) + "::1", 30303); };
    // Per bucket: 2 from one /48 (hosts in different /64s of it), then refused.
    EXPECT_EQ(table.add(fake.in_bucket(255, same48(1)), at(0)).result, RoutingTable::AddResult::Added);
    EXPECT_EQ(table.add(fake.in_bucket(255, same48(2)), at(0)).result, RoutingTable::AddResult::Added);
    EXPECT_EQ(table.add(fake.in_bucket(255, same48(3)), at(0)).result, RoutingTable::AddResult::Rejected);
    // Another /48 in the same bucket is fine.
    EXPECT_EQ(table.add(fake.in_bucket(255, *Endpoint::from_ip("2001:db8:8::1", 30303)), at(0)).result,
              RoutingTable::AddResult::Added);
    // Per table: 10 from one /48, the 11th refused.
    for (int b = 254; b >= 251; --b)
        for (int h = 0; h < 2; ++h)
            EXPECT_EQ(table.add(fake.in_bucket(b, same48(10 + b + h)), at(0)).result, RoutingTable::AddResult::Added);
    EXPECT_EQ(table.add(fake.in_bucket(250, same48(999)), at(0)).result, RoutingTable::AddResult::Rejected);
    // fc00::/7 and fe80::/10 are exempt.
    for (int h = 1; h <= 5; ++h) {
        EXPECT_EQ(table.add(fake.in_bucket(249, *Endpoint::from_ip("fd00::" + std::to_string(h), 30303)), at(0)).result,
                  RoutingTable::AddResult::Added);
    }
}

TEST(DhtRoutingTable, PrivateAndLoopbackRangesAreExempt) {
    Fake fake;
    RoutingTable table(fake.self);
    for (uint8_t h = 1; h <= 16; ++h)
        EXPECT_EQ(table.add(fake.in_bucket(255, Endpoint::v4(192, 168, 1, h, 30303)), at(0)).result,
                  RoutingTable::AddResult::Added);
    for (uint8_t h = 1; h <= 16; ++h)
        EXPECT_EQ(table.add(fake.in_bucket(254, Endpoint::v4(127, 0, 0, h, 30303)), at(0)).result,
                  RoutingTable::AddResult::Added);
    for (uint8_t h = 1; h <= 12; ++h)
        EXPECT_EQ(table.add(fake.in_bucket(253, Endpoint::v4(10, 0, 0, h, 30303)), at(0)).result,
                  RoutingTable::AddResult::Added);
    EXPECT_EQ(table.size(), 44u);
}

TEST(DhtRoutingTable, ClosestIsSortedByDistance) {
    Fake fake;
    RoutingTable table(fake.self);
    for (int b = 250; b < 256; ++b)
        for (int i = 0; i < 4; ++i) table.add(fake.in_bucket(b, Endpoint::v4(10, 0, 0, 1, static_cast<uint16_t>(b * 4 + i))), at(0));
    NodeId target;
    target.bytes[0] = 0x5a;
    auto c = table.closest(target, 16);
    ASSERT_EQ(c.size(), 16u);
    for (size_t i = 1; i < c.size(); ++i)
        EXPECT_LT(xor_distance(c[i - 1].id(), target), xor_distance(c[i].id(), target));
}

TEST(DhtRoutingTable, NewerSeqReplacesOlderIgnored) {
    Fake fake;
    RoutingTable table(fake.self);
    NodeRecord r = fake.in_bucket(255, Endpoint::v4(10, 0, 0, 1, 1));
    r.seq = 5;
    table.add(r, at(0));
    NodeRecord older = r;
    older.seq = 4;
    older.endpoint.port = 2;
    EXPECT_FALSE(table.update_record(older));
    EXPECT_EQ(table.find(r.id())->record.endpoint.port, 1);
    table.add(older, at(1));  // seen, but the record stays the newer one
    EXPECT_EQ(table.find(r.id())->record.seq, 5u);
    NodeRecord newer = r;
    newer.seq = 6;
    newer.endpoint.port = 3;
    EXPECT_TRUE(table.update_record(newer));
    EXPECT_EQ(table.find(r.id())->record.endpoint.port, 3);
}

}  // namespace
}  // namespace finch::net::dht
