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
    // The network thread takes everything waiting, oldest first; the refused items are gone.
    EXPECT_EQ(queue.take_all(), (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(queue.size(), 0u);
    EXPECT_TRUE(queue.take_all().empty());
    EXPECT_TRUE(queue.push(6));
    EXPECT_EQ(queue.dropped(), 2u);
    EXPECT_EQ(queue.take_all(), (std::vector<int>{6}));
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
    std::thread pusher([&] {
        for (int i = 0; i < 200'000; ++i) ASSERT_TRUE(queue.push(i));
        done = true;
    });
    std::vector<int> seen;
    while (!done.load()) {
        auto part = queue.take_all();
        seen.insert(seen.end(), part.begin(), part.end());
    }
    pusher.join();
    auto rest = queue.take_all();
    seen.insert(seen.end(), rest.begin(), rest.end());
    ASSERT_EQ(seen.size(), 200'000u);
    for (int i = 0; i < 200'000; ++i) ASSERT_EQ(seen[static_cast<size_t>(i)], i);  // in order, once each
}

}  // namespace
}  // namespace finch::net
