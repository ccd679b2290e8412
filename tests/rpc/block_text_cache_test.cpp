// getblock's cache of serialized blocks (rpc/block_text_cache.h): cached answers equal the
// tree's, follow the chain, and the cache keeps its bounds.
#include "rpc/block_text_cache.h"
#include "rpc/json_format.h"
#include "rpc/methods.h"
#include "tests/rpc/methods_fixture.h"

#include <gtest/gtest.h>

namespace finch::rpc {
namespace {

class BlockTextCacheTest : public test::MethodsFixture {};

// getblock answers from its cache of serialized blocks after the first call: the same text
// as building the tree, with confirmations and nextblockhash of the moment.
TEST_F(BlockTextCacheTest, GetblockFromTheCacheMatchesTheTreeAndFollowsTheChain) {
    for (int verbosity : {1, 2}) {
        for (size_t h = 0; h < node.chain.size(); ++h) {
            auto info = node.block(node.hashes[h]);
            ASSERT_TRUE(info);
            const std::string tree = dump_json(block_json(*info, verbosity, node.params()));
            CallResult first = call("getblock", {hash(h), verbosity});
            CallResult again = call("getblock", {hash(h), verbosity});  // from the cache
            ASSERT_TRUE(first.ok() && again.ok());
            ASSERT_TRUE(again.raw_text());
            EXPECT_EQ(*first.raw_text(), tree) << "height " << h << " verbosity " << verbosity;
            EXPECT_EQ(*again.raw_text(), tree);
        }
    }
    // A new tip: the old tip (cached) gains a confirmation and a next block.
    const size_t old_tip = node.chain.size() - 1;
    Block next = node.chain.back();
    next.header.nonce += 1;
    node.chain.push_back(next);
    node.hashes.push_back(next.hash());
    Json r = ok("getblock", {hash(old_tip), 1});
    EXPECT_EQ(r["confirmations"], 2);
    EXPECT_EQ(r["nextblockhash"], next.hash().to_hex());
    EXPECT_EQ(dump_json(r), dump_json(block_json(*node.block(node.hashes[old_tip]), 1, node.params())));
    // Off the active chain: -1 (the fake's fork block), cached or not.
    EXPECT_EQ(ok("getblock", {node.fork_hash.to_hex(), 1})["confirmations"], -1);
    EXPECT_EQ(ok("getblock", {node.fork_hash.to_hex(), 1})["confirmations"], -1);
}

TEST(BlockTextCache, SplitsJoinsAndStaysWithinItsBounds) {
    EXPECT_FALSE(split_block_text(R"({"hash":"ab","height":1})"));  // no confirmations member
    EXPECT_FALSE(split_block_text(R"({"hash":"ab","confirmations":0,"height":1})"));  // no size
    auto split = split_block_text(R"({"hash":"ab","confirmations":0,"height":1,"previousblockhash":"cd","size":9,"tx":[]})");
    ASSERT_TRUE(split);
    const auto parts = std::make_shared<const BlockTextParts>(*split);
    auto join_block_text = [](const std::shared_ptr<const BlockTextParts>& p, int64_t confirmations,
                              const std::optional<Hash256>& next) {
        std::string out;
        for (const auto& piece : block_text_pieces(p, confirmations, next)) out += *piece;
        return out;
    };
    EXPECT_EQ(join_block_text(parts, 7, std::nullopt),
              R"({"hash":"ab","confirmations":7,"height":1,"previousblockhash":"cd","size":9,"tx":[]})");
    Hash256 n{};
    n.bytes[0] = 0xee;
    EXPECT_EQ(join_block_text(parts, -1, n), R"({"hash":"ab","confirmations":-1,"height":1,"previousblockhash":"cd",)"
                                              R"("nextblockhash":")" + n.to_hex() + R"(","size":9,"tx":[]})");
    BlockTextCache cache;
    auto key = [](uint8_t i) {
        Hash256 h{};
        h.bytes[0] = i;
        return BlockTextCache::Key{Hash256{}, h, 1};
    };
    for (uint8_t i = 0; i < 40; ++i) cache.put(key(i), std::make_shared<const BlockTextParts>(*parts));
    EXPECT_EQ(cache.size(), BlockTextCache::kMaxEntries);
    EXPECT_FALSE(cache.get(key(0)));  // the oldest went first
    EXPECT_TRUE(cache.get(key(39)));
    // By bytes: one entry of 6 MiB, then another: only the newer fits.
    BlockTextParts big{std::string(6u << 20, 'x'), "", ""};
    cache.put(key(100), std::make_shared<const BlockTextParts>(big));
    cache.put(key(101), std::make_shared<const BlockTextParts>(big));
    EXPECT_LE(cache.bytes(), BlockTextCache::kMaxBytes);
    EXPECT_FALSE(cache.get(key(100)));
    EXPECT_TRUE(cache.get(key(101)));
    // Larger than the whole cache: not kept.
    cache.put(key(102), std::make_shared<const BlockTextParts>(BlockTextParts{std::string(9u << 20, 'y'), "", ""}));
    EXPECT_FALSE(cache.get(key(102)));
}

}  // namespace
}  // namespace finch::rpc
