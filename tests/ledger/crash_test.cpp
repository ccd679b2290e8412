// Crash safety: a child process imports blocks and is killed with SIGKILL at random
// moments; each time the reopened store must sit exactly at a block boundary whose state
// digest equals the digest recomputed from the blocks.
#include "tests/ledger/ledger_test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

namespace finch::test {
namespace {

// Runs in the child: import everything after the stored tip, with synced writes.
[[noreturn]] void import_forever(const std::filesystem::path& dir, const std::vector<Block>& blocks) {
    auto store = storage::LedgerStore::open(dir, "regtest");
    if (!store) _exit(3);
    node::Chainstate::Options opts;
    opts.clock = [] { return regtest_params().genesis.header.time + 1'000'000; };
    node::Chainstate chain(**store, regtest_params(), nullptr, opts);
    if (!chain.load()) _exit(4);
    for (size_t i = chain.tip().height; i < blocks.size(); ++i)
        if (!chain.accept_block(blocks[i]).ok()) _exit(5);
    _exit(0);
}

TEST(CrashSafety, SigkillDuringImportLeavesTheStoreAtABlockBoundary) {
    // blocks[0] is genesis so that blocks[h] is the block at height h.
    std::vector<Block> blocks{regtest_params().genesis};
    auto chain = make_chain(Parent::genesis(), 400, 1, 20);
    blocks.insert(blocks.end(), chain.begin(), chain.end());

    TempDir dir;
    std::mt19937 rng(20261124);
    int kills = 0, completed = 0;
    uint64_t last_height = 0;
    std::set<uint64_t> heights_after_kill;
    // 30 rounds, more (up to 60) while the kills have not yet landed at 10 distinct heights:
    // under the sanitizers on a busy machine a child may not connect a block before its kill.
    for (int round = 0; round < 60 && (round < 30 || heights_after_kill.size() < 10); ++round) {
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) import_forever(dir.path(), blocks);
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 250)(rng)));
        int status = 0;
        bool killed = false;
        if (waitpid(pid, &status, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            ++kills;
            killed = true;
        } else {
            ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed: " << status;
            ++completed;
        }

        auto store = storage::LedgerStore::open(dir.path(), "regtest");
        ASSERT_TRUE(store.ok()) << store.error().to_string();
        auto tip = (*store)->tip();
        if (!tip) {
            // Killed before genesis was connected: an empty ledger is a block boundary too.
            EXPECT_EQ((*store)->state_digest(), StateHasher().finish());
            EXPECT_FALSE((*store)->hash_at_height(0));
            EXPECT_EQ(last_height, 0u);
            continue;
        }
        ASSERT_LT(tip->height, blocks.size());
        EXPECT_EQ(tip->hash, blocks[tip->height].hash());
        EXPECT_EQ(*(*store)->hash_at_height(tip->height), tip->hash);
        EXPECT_FALSE((*store)->hash_at_height(tip->height + 1));
        std::vector<Block> prefix(blocks.begin(), blocks.begin() + static_cast<long>(tip->height) + 1);
        EXPECT_EQ((*store)->state_digest(), replay_digest(prefix)) << "at height " << tip->height;
        EXPECT_GE(tip->height, last_height);
        if (killed) heights_after_kill.insert(tip->height);
        last_height = tip->height;
        store->reset();
        if (tip->height + 1 == blocks.size()) {  // finished: start over in a fresh directory
            std::filesystem::remove_all(dir.path());
            std::filesystem::create_directories(dir.path());
            last_height = 0;
        }
    }
    std::printf("crash test: %d kills at %zu distinct heights, %d runs completed\n", kills,
                heights_after_kill.size(), completed);
    EXPECT_GE(kills, 20);
    EXPECT_GE(heights_after_kill.size(), 10u);  // the kills really landed mid-import
}

}  // namespace
}  // namespace finch::test
