// HandoffQueue: the bound on transfers handed to the network thread and not yet announced.
#include "node/net/handoff_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace finch::net {
namespace {

TEST(HandoffQueue, RefusesPastTheLimitAndCountsEachRefusal) {
    HandoffQueue<int> queue(3);
    EXPECT_TRUE(queue.push(1));
    EXPECT_TRUE(queue.push(2));
    EXPECT_TRUE(queue.push(3));
    uint64_t drop = 0;
    EXPECT_FALSE(queue.push(4, &drop));
    EXPECT_EQ(drop, 1u);
    EXPECT_FALSE(queue.push(5, &drop));
    EXPECT_EQ(drop, 2u);
    EXPECT_EQ(queue.size(), 3u);
    EXPECT_EQ(queue.dropped(), 2u);
    // The network thread takes what is waiting, oldest first, at most as many as it asks
    // for; the refused items are gone.
    EXPECT_EQ(queue.take(2), (std::vector<int>{1, 2}));
    EXPECT_EQ(queue.size(), 1u);
    EXPECT_TRUE(queue.push(6));
    EXPECT_TRUE(queue.push(7));
    EXPECT_FALSE(queue.push(8));
    EXPECT_EQ(queue.take(100), (std::vector<int>{3, 6, 7}));
    EXPECT_EQ(queue.size(), 0u);
    EXPECT_TRUE(queue.take(100).empty());
    EXPECT_TRUE(queue.push(9));
    EXPECT_EQ(queue.dropped(), 3u);
    EXPECT_EQ(queue.take(1), (std::vector<int>{9}));
}

TEST(HandoffQueue, HoldsUnderConcurrentPushers) {
    HandoffQueue<int> queue(5'000);
    std::atomic<size_t> taken{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10'000; ++i)
                if (queue.push(i)) taken.fetch_add(1);
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(taken.load(), 5'000u);
    EXPECT_EQ(queue.size(), 5'000u);
    EXPECT_EQ(queue.dropped(), 35'000u);
}

TEST(HandoffQueue, TakesWhilePushersRunAndLosesNothing) {
    HandoffQueue<int> queue(1'000'000);
    std::atomic<bool> done{false};
    std::atomic<int> refused{0};
    std::thread pusher([&] {
        for (int i = 0; i < 200'000; ++i)
            if (!queue.push(i)) refused.fetch_add(1);
        done = true;
    });
    std::vector<int> seen;
    while (!done.load()) {
        auto part = queue.take(1'000);  // small turns, as after a stall
        EXPECT_LE(part.size(), 1'000u);
        seen.insert(seen.end(), part.begin(), part.end());
    }
    pusher.join();
    for (auto rest = queue.take(1'000); !rest.empty(); rest = queue.take(1'000))
        seen.insert(seen.end(), rest.begin(), rest.end());
    EXPECT_EQ(refused.load(), 0);
    ASSERT_EQ(seen.size(), 200'000u);
    for (int i = 0; i < 200'000; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)], i);  // in order, once each
}

}  // namespace
}  // namespace finch::net
