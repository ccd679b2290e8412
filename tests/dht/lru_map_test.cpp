#include "node/net/dht/lru_map.h"

#include "node/net/dht/types.h"

#include <gtest/gtest.h>

namespace finch::net::dht {
namespace {

std::optional<GroupKey> by_ip(const Endpoint& e) { return e.ip; }

using Map = LruMap<Endpoint, int, EndpointHasher>;

TEST(DhtLruMap, FullEvictsTheLeastRecentlyUpdated) {
    Map m(3);
    m.put(Endpoint::v4(1, 0, 0, 1, 1), 1);
    m.put(Endpoint::v4(1, 0, 0, 2, 1), 2);
    m.put(Endpoint::v4(1, 0, 0, 3, 1), 3);
    m.put(Endpoint::v4(1, 0, 0, 1, 1), 10);  // updated: now the most recent
    m.put(Endpoint::v4(1, 0, 0, 4, 1), 4);   // evicts .2
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.find(Endpoint::v4(1, 0, 0, 2, 1)), nullptr);
    ASSERT_NE(m.find(Endpoint::v4(1, 0, 0, 1, 1)), nullptr);
    EXPECT_EQ(*m.find(Endpoint::v4(1, 0, 0, 1, 1)), 10);
    m.touch(Endpoint::v4(1, 0, 0, 3, 1));
    m.put(Endpoint::v4(1, 0, 0, 5, 1), 5);  // evicts .1 (oldest update), not .3
    EXPECT_EQ(m.find(Endpoint::v4(1, 0, 0, 1, 1)), nullptr);
    EXPECT_NE(m.find(Endpoint::v4(1, 0, 0, 3, 1)), nullptr);
}

TEST(DhtLruMap, PerGroupCapEvictsWithinTheGroup) {
    Map m(100, 2, by_ip);
    const Endpoint other = Endpoint::v4(9, 9, 9, 9, 9);
    m.put(other, 0);
    for (uint16_t port = 1; port <= 5; ++port) m.put(Endpoint::v4(1, 2, 3, 4, port), port);
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.group_size(Endpoint::v4(1, 2, 3, 4, 0).ip), 2u);
    EXPECT_NE(m.find(Endpoint::v4(1, 2, 3, 4, 4)), nullptr);
    EXPECT_NE(m.find(Endpoint::v4(1, 2, 3, 4, 5)), nullptr);
    EXPECT_NE(m.find(other), nullptr);
    // Touching reorders within the group too.
    m.put(Endpoint::v4(1, 2, 3, 4, 4), 44);
    m.put(Endpoint::v4(1, 2, 3, 4, 6), 6);
    EXPECT_EQ(m.find(Endpoint::v4(1, 2, 3, 4, 5)), nullptr);
    EXPECT_NE(m.find(Endpoint::v4(1, 2, 3, 4, 4)), nullptr);
    m.erase(Endpoint::v4(1, 2, 3, 4, 4));
    EXPECT_EQ(m.group_size(Endpoint::v4(1, 2, 3, 4, 0).ip), 1u);
}

TEST(DhtLruMap, PopOldestWhileStopsAtTheFirstFresh) {
    Map m(100);
    for (uint16_t i = 1; i <= 10; ++i) m.put(Endpoint::v4(1, 0, 0, 1, i), i);
    EXPECT_EQ(m.pop_oldest_while([](int v) { return v <= 4; }), 4u);
    EXPECT_EQ(m.size(), 6u);
    EXPECT_EQ(m.pop_oldest_while([](int v) { return v <= 4; }), 0u);
    m.clear();
    EXPECT_TRUE(m.empty());
}

TEST(DhtLruMap, ManyInsertsIntoAFullMapStayBounded) {
    Map m(8192, 16, by_ip);
    for (uint32_t i = 0; i < 200000; ++i)
        m.put(Endpoint::v4(static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 1,
                           static_cast<uint16_t>(i % 50)),
              static_cast<int>(i));
    EXPECT_EQ(m.size(), 8192u);
}

}  // namespace
}  // namespace finch::net::dht
