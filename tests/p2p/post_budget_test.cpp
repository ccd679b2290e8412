// PostBudget: the bound on transfers handed to the network thread and not yet announced.
#include "node/net/post_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace finch::net {
namespace {

TEST(PostBudget, RefusesPastTheLimitAndCountsEachRefusal) {
    PostBudget budget(3);
    EXPECT_TRUE(budget.try_take());
    EXPECT_TRUE(budget.try_take());
    EXPECT_TRUE(budget.try_take());
    uint64_t drop = 0;
    EXPECT_FALSE(budget.try_take(&drop));
    EXPECT_EQ(drop, 1u);
    EXPECT_FALSE(budget.try_take(&drop));
    EXPECT_EQ(drop, 2u);
    EXPECT_EQ(budget.pending(), 3u);
    EXPECT_EQ(budget.dropped(), 2u);
    budget.release();  // one posted item ran
    EXPECT_TRUE(budget.try_take());
    EXPECT_FALSE(budget.try_take());
    EXPECT_EQ(budget.pending(), 3u);
    EXPECT_EQ(budget.dropped(), 3u);
}

TEST(PostBudget, HoldsUnderConcurrentTakers) {
    PostBudget budget(5'000);
    std::atomic<size_t> taken{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10'000; ++i)
                if (budget.try_take()) taken.fetch_add(1);
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(taken.load(), 5'000u);
    EXPECT_EQ(budget.pending(), 5'000u);
    EXPECT_EQ(budget.dropped(), 35'000u);
}

}  // namespace
}  // namespace finch::net
