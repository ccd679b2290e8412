// NonceGapPool: transfers waiting for an earlier nonce, bounded in count, per sender and age.
#include "node/net/nonce_gap_pool.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace finch::net {
namespace {

AccountId sender(uint8_t n) {
    AccountId a;
    std::fill(a.data(), a.data() + 20, n);
    return a;
}

Transaction tx(uint64_t nonce, Amount amount = 1) {
    Transaction t;
    t.nonce = nonce;
    t.amount = amount;
    return t;
}

TEST(NonceGapPool, TakesOneSendersTransfersInNonceOrder) {
    NonceGapPool pool;
    EXPECT_TRUE(pool.add(tx(9), sender(1), 0));
    EXPECT_TRUE(pool.add(tx(7), sender(1), 0));
    EXPECT_TRUE(pool.add(tx(3), sender(2), 0));
    EXPECT_FALSE(pool.add(tx(7, 2), sender(1), 0));  // that sender and nonce wait already
    EXPECT_EQ(pool.size(), 3u);
    const auto one = pool.take(sender(1));
    ASSERT_EQ(one.size(), 2u);
    EXPECT_EQ(one[0].nonce, 7u);
    EXPECT_EQ(one[1].nonce, 9u);
    EXPECT_TRUE(pool.take(sender(1)).empty());
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_EQ(pool.take_all().size(), 1u);
    EXPECT_EQ(pool.size(), 0u);
}

TEST(NonceGapPool, LimitsCountPerSenderAndTotal) {
    NonceGapPool pool({/*max_total=*/5, /*max_per_sender=*/3, /*max_age_seconds=*/60});
    for (uint64_t n = 0; n < 3; ++n) EXPECT_TRUE(pool.add(tx(n), sender(1), 0));
    EXPECT_FALSE(pool.add(tx(3), sender(1), 0));  // per sender
    EXPECT_TRUE(pool.add(tx(0), sender(2), 0));
    EXPECT_TRUE(pool.add(tx(1), sender(2), 0));
    EXPECT_FALSE(pool.add(tx(0), sender(3), 0));  // total
    EXPECT_EQ(pool.size(), 5u);
}

TEST(NonceGapPool, ExpiresByAge) {
    NonceGapPool pool({10, 10, 60});
    pool.add(tx(1), sender(1), 100);
    pool.add(tx(2), sender(1), 150);
    pool.add(tx(1), sender(2), 120);
    EXPECT_EQ(pool.expire(159), 0u);
    EXPECT_EQ(pool.expire(185), 2u);  // added at 100 and 120
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_EQ(pool.take(sender(1)).at(0).nonce, 2u);
    EXPECT_EQ(pool.expire(1000), 0u);
}

}  // namespace
}  // namespace finch::net
