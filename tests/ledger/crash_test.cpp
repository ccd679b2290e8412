// Crash safety: a child process imports blocks and is killed with SIGKILL at random
// moments; each time the reopened store must sit exactly at a block boundary whose state
// digest equals the digest recomputed from the blocks.
#include "tests/ledger/ledger_test_util.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

namespace finch::test {
namespace {

// Runs in the child: import everything after the stored tip, with synced writes, and write
// one byte to `progress` after each block is connected.
[[noreturn]] void import_forever(const std::filesystem::path& dir, const std::vector<Block>& blocks,
                                 int progress) {
    auto store = storage::LedgerStore::open(dir, "regtest");
    if (!store) _exit(3);
    node::Chainstate::Options opts;
    opts.clock = [] { return regtest_params().genesis.header.time + 1'000'000; };
    node::Chainstate chain(**store, regtest_params(), nullptr, opts);
    if (!chain.load()) _exit(4);
    for (size_t i = chain.tip().height; i < blocks.size(); ++i)
    {
        if (!chain.accept_block(blocks[i]).ok()) _exit(5);
        const char byte = 1;
        if (write(progress, &byte, 1) != 1) _exit(6);
    }
    _exit(0);
}

// Waits until the child has connected `blocks` more blocks (a byte each on `progress`), has
// exited, or `limit` has passed; returns how many it connected.
int await_blocks(int progress, int blocks, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int seen = 0;
    while (seen < blocks) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd pfd{progress, POLLIN, 0};
        if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
        char buf[64];
        const ssize_t n = read(progress, buf, std::min<size_t>(sizeof buf, static_cast<size_t>(blocks - seen)));
        if (n <= 0) break;  // the child has exited
        seen += static_cast<int>(n);
    }
    return seen;
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
    // Each kill comes after the child has connected a random 1-15 blocks of the round, and a
    // random 0-3 ms into the next: counted in blocks, not in time since the fork. Under the
    // sanitizers on a slow machine the open alone can take longer than a fixed delay, and the
    // kills then all landed before any new block (CI once saw 60 kills at 8 heights); in
    // Release a fixed delay let the child finish the whole chain.
    for (int round = 0; round < 30; ++round) {
        int progress[2];
        ASSERT_EQ(pipe(progress), 0);
        pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(progress[0]);
            import_forever(dir.path(), blocks, progress[1]);
        }
        close(progress[1]);
        // The read end stays open until the child is gone: closing it would end the child
        // with SIGPIPE at its next write.
        const int want = std::uniform_int_distribution<int>(1, 15)(rng);
        const bool progressed = await_blocks(progress[0], want, std::chrono::seconds(60)) > 0;
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
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
        close(progress[0]);
        ASSERT_TRUE(progressed) << "the child connected no block within 60 s";

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
