// NonceGapPool: transfers waiting for an earlier nonce, bounded in count, per sender, per
// peer and in age; a full pool evicts at random; a peer's entries go with it.
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

NonceGapPool::Waiting waiting(uint64_t nonce, uint64_t peer = 1, uint64_t added = 0) {
    Transaction t;
    t.nonce = nonce;
    return {t, peer, added};
}

TEST(NonceGapPool, TakesOneSendersTransfersInNonceOrder) {
    NonceGapPool pool;
    EXPECT_TRUE(pool.add(waiting(9), sender(1)));
    EXPECT_TRUE(pool.add(waiting(7), sender(1)));
    EXPECT_TRUE(pool.add(waiting(3), sender(2)));
    EXPECT_FALSE(pool.add(waiting(7, 2), sender(1)));  // that sender and nonce wait already
    EXPECT_EQ(pool.size(), 3u);
    const auto one = pool.take(sender(1));
    ASSERT_EQ(one.size(), 2u);
    EXPECT_EQ(one[0].tx.nonce, 7u);
    EXPECT_EQ(one[1].tx.nonce, 9u);
    EXPECT_TRUE(pool.take(sender(1)).empty());
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_EQ(pool.take_all().size(), 1u);
    EXPECT_EQ(pool.size(), 0u);
    EXPECT_TRUE(pool.add(waiting(1), sender(1)));  // the per-peer count was reset too
}

TEST(NonceGapPool, LimitsPerSenderAndPerPeer) {
    NonceGapPool pool({/*max_total=*/100, /*max_per_sender=*/3, /*max_per_peer=*/4, /*max_age_seconds=*/60});
    for (uint64_t n = 0; n < 3; ++n) EXPECT_TRUE(pool.add(waiting(n, 1), sender(1)));
    EXPECT_FALSE(pool.add(waiting(3, 2), sender(1)));  // per sender, whoever sends it
    EXPECT_TRUE(pool.add(waiting(0, 1), sender(2)));
    EXPECT_FALSE(pool.add(waiting(1, 1), sender(2)));  // peer 1 has its 4
    EXPECT_TRUE(pool.add(waiting(1, 2), sender(2)));   // another peer still may
    EXPECT_EQ(pool.size(), 5u);
    EXPECT_EQ(pool.erase_peer(1), 4u);
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_TRUE(pool.add(waiting(5, 1), sender(3)));  // peer 1's share is free again
}

TEST(NonceGapPool, AFullPoolEvictsAtRandom) {
    NonceGapPool pool({/*max_total=*/4, 64, 100, 60}, /*seed=*/7);
    for (uint8_t s = 1; s <= 4; ++s) EXPECT_TRUE(pool.add(waiting(5, s), sender(s)));
    for (uint8_t s = 10; s < 30; ++s) EXPECT_TRUE(pool.add(waiting(5, 9), sender(s)));
    EXPECT_EQ(pool.size(), 4u);
    // A newcomer always gets in; over many, the survivors are a mix, not the first four.
    size_t early = 0;
    for (uint8_t s = 1; s <= 4; ++s) early += pool.take(sender(s)).size();
    EXPECT_LT(early, 4u);
}

TEST(NonceGapPool, ExpiresByFirstArrival) {
    NonceGapPool pool({10, 10, 10, 60});
    pool.add(waiting(1, 1, 100), sender(1));
    pool.add(waiting(2, 1, 150), sender(1));
    pool.add(waiting(1, 2, 120), sender(2));
    EXPECT_EQ(pool.expire(159), 0u);
    // Taken and put back (still behind a gap) with its arrival time: it still expires.
    auto back = pool.take(sender(2));
    ASSERT_EQ(back.size(), 1u);
    EXPECT_TRUE(pool.add(back[0], sender(2)));
    EXPECT_EQ(pool.expire(185), 2u);  // added at 100 and 120
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_EQ(pool.take(sender(1)).at(0).tx.nonce, 2u);
    EXPECT_EQ(pool.expire(1000), 0u);
}

}  // namespace
}  // namespace finch::net
