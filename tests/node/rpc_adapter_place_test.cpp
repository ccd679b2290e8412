// RpcAdapter::block_place, the one read getblock makes when it answers from its cache: for
// every block it must say what header() and block() say (height, confirmations, next block,
// data), on the active chain, off it, after a reorg, and nothing for an unknown hash.
#include "node/rpc_adapter.h"
#include "tests/ledger/ledger_test_util.h"

namespace finch::test {
namespace {

class RpcAdapterPlaceTest : public ::testing::Test {
protected:
    Block mine_on(const Parent& parent, uint8_t tag = 0) {
        Block b = make_block(parent, id_for(key_for("miner")), {}, tag);
        auto r = ledger.chain->accept_block(b);
        EXPECT_TRUE(r.ok()) << r.rejection->to_string();
        return b;
    }
    // block_place against the full answers for one block.
    void expect_place_matches(const Hash256& hash) {
        auto place = adapter.block_place(hash);
        auto header = adapter.header(hash);
        auto block = adapter.block(hash);
        ASSERT_TRUE(place && header && block) << hash.to_hex();
        EXPECT_EQ(place->height, header->height);
        EXPECT_EQ(place->confirmations, header->confirmations);
        EXPECT_EQ(place->confirmations, block->confirmations);
        EXPECT_EQ(place->next_hash, header->next_hash);
        EXPECT_EQ(place->next_hash, block->next_hash);
        EXPECT_TRUE(place->have_data);
    }

    TempDir dir;
    Ledger ledger{dir.path()};
    node::SignatureCache sigcache;
    node::Mempool mempool{*ledger.store, regtest_params(), &sigcache};
    node::Miner miner{*ledger.chain, mempool};
    node::RpcAdapter adapter{*ledger.chain, mempool, miner, dir.path(), [] {}};
};

TEST_F(RpcAdapterPlaceTest, AgreesWithHeaderAndBlockOnAndOffTheActiveChain) {
    // genesis - a1 - a2 - a3, and a fork b2 on a1 (less work: not active).
    const Block a1 = mine_on(Parent::genesis());
    const Block a2 = mine_on(Parent::of(a1));
    const Block a3 = mine_on(Parent::of(a2));
    const Block b2 = mine_on(Parent::of(a1), 7);
    ASSERT_EQ(ledger.chain->tip().hash, a3.hash());

    for (const Block* b : {&a1, &a2, &a3, &b2}) expect_place_matches(b->hash());
    expect_place_matches(regtest_params().genesis_hash);

    auto tip = adapter.block_place(a3.hash());
    EXPECT_EQ(tip->confirmations, 1);
    EXPECT_FALSE(tip->next_hash);
    EXPECT_EQ(adapter.block_place(a1.hash())->confirmations, 3);
    EXPECT_EQ(adapter.block_place(a1.hash())->next_hash, a2.hash());
    auto side = adapter.block_place(b2.hash());
    EXPECT_EQ(side->confirmations, -1);
    EXPECT_EQ(side->height, 2u);
    EXPECT_FALSE(side->next_hash);

    // The fork overtakes: the places follow the new active chain.
    const Block b3 = mine_on(Parent::of(b2), 7);
    const Block b4 = mine_on(Parent::of(b3), 7);
    ASSERT_EQ(ledger.chain->tip().hash, b4.hash());
    for (const Block* b : {&a1, &a2, &a3, &b2, &b3, &b4}) expect_place_matches(b->hash());
    EXPECT_EQ(adapter.block_place(a2.hash())->confirmations, -1);
    EXPECT_EQ(adapter.block_place(a1.hash())->next_hash, b2.hash());
    EXPECT_EQ(adapter.block_place(b2.hash())->confirmations, 3);

    EXPECT_FALSE(adapter.block_place(Hash256{}));  // unknown
}

}  // namespace
}  // namespace finch::test
