// The per-peer address gossip limit: a burst of 1,000, then one address a second.
#include "node/net/addresses.h"

#include <gtest/gtest.h>

namespace finch::net {
namespace {

TEST(AddrRateLimit, ABurstOfAThousandThenOneASecond) {
    AddrRateLimit limit(100.0);
    for (int i = 0; i < 1'000; ++i) ASSERT_TRUE(limit.take(100.0)) << i;
    EXPECT_FALSE(limit.take(100.0));
    EXPECT_FALSE(limit.take(100.5));  // half a token is not enough
    EXPECT_TRUE(limit.take(101.0));
    EXPECT_FALSE(limit.take(101.0));
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(limit.take(111.0)) << i;  // ten seconds: ten tokens
    EXPECT_FALSE(limit.take(111.0));
}

TEST(AddrRateLimit, TokensNeverExceedTheBurst) {
    AddrRateLimit limit(0.0);
    int taken = 0;
    while (limit.take(1e6) && taken < 5'000) ++taken;  // a long idle time still caps at 1,000
    EXPECT_EQ(taken, 1'000);
}

}  // namespace
}  // namespace finch::net
