// The miner's pacing on regtest (node/miner.h pace_step): one block a target spacing, except
// that a mempool holding a whole block's worth of transfers is mined at once, and a template
// that came out short is not looked for again before the spacing has passed.
#include "node/miner.h"

#include <gtest/gtest.h>

namespace finch::node {
namespace {

TEST(MinerPace, BlocksHoldWhatTheByteLimitAllows) {
    // 1 MB of 140-byte transfers after the header and coinbase.
    EXPECT_EQ(max_block_transfers(), 7141u);
}

TEST(MinerPace, OnceTheSpacingHasPassedItMinesWhateverTheMempoolHolds) {
    EXPECT_EQ(pace_step(false, false, 0), PaceStep::Build);
    EXPECT_EQ(pace_step(false, true, 3), PaceStep::Build);
    EXPECT_EQ(pace_step(false, false, max_block_transfers() * 2), PaceStep::Build);
}

TEST(MinerPace, WithinTheSpacingItWaitsUnlessAWholeBlockIsWaiting) {
    EXPECT_EQ(pace_step(true, false, 0), PaceStep::Sleep);
    EXPECT_EQ(pace_step(true, false, max_block_transfers() - 1), PaceStep::Sleep);
    EXPECT_EQ(pace_step(true, false, max_block_transfers()), PaceStep::BuildIfFull);
    EXPECT_EQ(pace_step(true, false, max_block_transfers() * 3), PaceStep::BuildIfFull);
}

TEST(MinerPace, AShortTemplateIsNotRetriedBeforeTheSpacingHasPassed) {
    // Transfers behind a nonce gap count in the mempool but not in a template: after one
    // short template the miner waits out the spacing instead of rebuilding every turn.
    EXPECT_EQ(pace_step(true, true, max_block_transfers() * 3), PaceStep::Sleep);
    EXPECT_EQ(pace_step(false, true, max_block_transfers() * 3), PaceStep::Build);
}

}  // namespace
}  // namespace finch::node
