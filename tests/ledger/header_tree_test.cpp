// The chainstate's header tree: headers accepted ahead of their bodies, each header rule
// with the bad header that breaks it, and the readers block download relies on.
#include "tests/ledger/ledger_test_util.h"

namespace finch::test {
namespace {

using node::BlockOutcome;
using node::HeadersOutcome;

std::vector<BlockHeader> headers_of(const std::vector<Block>& blocks) {
    std::vector<BlockHeader> out;
    for (const auto& b : blocks) out.push_back(b.header);
    return out;
}

void regrind(BlockHeader& h) {
    while (!check_proof_of_work(h.hash(), h.bits, regtest_params().pow_limit)) ++h.nonce;
}

TEST(HeaderTree, HeadersComeFirstAndBodiesCompleteThem) {
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 5, 1);
    auto r = l.chain->accept_headers(headers_of(chain));
    ASSERT_EQ(r.outcome, HeadersOutcome::Accepted);
    EXPECT_EQ(r.added, 5u);
    EXPECT_EQ(*r.last, chain.back().hash());
    EXPECT_EQ(l.chain->best_header_height(), 5u);
    EXPECT_EQ(l.chain->tip().height, 0u);  // nothing connects without bodies
    auto tips = l.chain->chain_tips();
    ASSERT_EQ(tips.size(), 1u);  // genesis has a child now: the header-only tip is the only tip
    EXPECT_EQ(tips[0].status, "headers-only");
    auto e = l.chain->header(chain[2].hash());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->height, 3u);
    EXPECT_FALSE(e->have_data);
    // The same headers again: known, nothing added.
    r = l.chain->accept_headers(headers_of(chain));
    EXPECT_EQ(r.outcome, HeadersOutcome::Accepted);
    EXPECT_EQ(r.added, 0u);
    // The bodies, in any order, connect.
    for (size_t i : {4u, 2u, 0u, 1u, 3u}) EXPECT_TRUE(l.chain->accept_block(chain[i]).ok());
    EXPECT_EQ(l.chain->tip().hash, chain.back().hash());
    EXPECT_TRUE(l.chain->header(chain[2].hash())->have_data);
    EXPECT_EQ(l.chain->accept_block(chain[1]).outcome, BlockOutcome::Duplicate);
}

TEST(HeaderTree, AHeaderWithAnUnknownParentAsksForMore) {
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 3, 1);
    auto r = l.chain->accept_headers(std::vector<BlockHeader>{chain[2].header});
    EXPECT_EQ(r.outcome, HeadersOutcome::UnknownParent);
    EXPECT_FALSE(r.last);
    EXPECT_FALSE(l.chain->header(chain[2].hash()));
}

TEST(HeaderTree, HeadersThatDoNotFollowEachOtherAreMalformed) {
    TempDir dir;
    Ledger l(dir.path());
    auto chain = make_chain(Parent::genesis(), 3, 1);
    auto r = l.chain->accept_headers(std::vector<BlockHeader>{chain[0].header, chain[2].header});
    ASSERT_EQ(r.outcome, HeadersOutcome::Rejected);
    EXPECT_EQ(r.rejection->code, "headers-not-continuous");
    EXPECT_EQ(r.rejection->fault, Fault::Decode);
    EXPECT_EQ(*r.last, chain[0].hash());  // what came before the break is kept
}

TEST(HeaderTree, EachHeaderRuleRejectsItsBadHeader) {
    TempDir dir;
    Ledger l(dir.path());
    Block base = make_block(Parent::genesis(), id_for(key_for("m")));

    BlockHeader no_work = base.header;  // a hash above the target
    while (check_proof_of_work(no_work.hash(), no_work.bits, regtest_params().pow_limit)) ++no_work.nonce;
    auto r = l.chain->accept_headers(std::vector<BlockHeader>{no_work});
    ASSERT_EQ(r.outcome, HeadersOutcome::Rejected);
    EXPECT_EQ(r.rejection->fault, Fault::Consensus) << r.rejection->to_string();

    BlockHeader wrong_bits = base.header;  // the wrong difficulty for its place
    wrong_bits.bits = regtest_params().genesis.header.bits - 1;  // a slightly harder target: still not its own
    regrind(wrong_bits);
    r = l.chain->accept_headers(std::vector<BlockHeader>{wrong_bits});
    ASSERT_EQ(r.outcome, HeadersOutcome::Rejected);
    EXPECT_EQ(r.rejection->fault, Fault::Consensus) << r.rejection->to_string();

    BlockHeader old = base.header;  // not above the median time past
    old.time = regtest_params().genesis.header.time;
    regrind(old);
    r = l.chain->accept_headers(std::vector<BlockHeader>{old});
    EXPECT_EQ(r.rejection->code, "time-too-old");
    EXPECT_EQ(r.rejection->fault, Fault::Consensus);

    BlockHeader future = base.header;  // our clock's problem perhaps: not held against anyone
    future.time = regtest_params().genesis.header.time + 1'000'000 + 3 * 3600;
    regrind(future);
    r = l.chain->accept_headers(std::vector<BlockHeader>{future});
    EXPECT_EQ(r.rejection->code, "time-too-new");
    EXPECT_EQ(r.rejection->fault, Fault::Timing);
    EXPECT_FALSE(l.chain->header(future.hash()));
    EXPECT_EQ(l.chain->best_header_height(), 0u);
}

TEST(HeaderTree, HeadersOnTopOfAnInvalidBlockAreRejected) {
    TempDir dir;
    Ledger l(dir.path());
    Block bad = make_block(Parent::genesis(), id_for(key_for("m")));
    bad.coinbase.amount += 1;  // overpays: fails on connection
    bad.header.merkle_root = bad.compute_merkle_root();
    regrind(bad.header);
    EXPECT_FALSE(l.chain->accept_block(bad).ok());
    auto after = make_chain(Parent::of(bad), 2, 2);
    auto r = l.chain->accept_headers(headers_of(after));
    ASSERT_EQ(r.outcome, HeadersOutcome::Rejected);
    EXPECT_EQ(r.rejection->code, "bad-prevblk");
    r = l.chain->accept_headers(std::vector<BlockHeader>{bad.header});
    EXPECT_EQ(r.rejection->code, "duplicate-invalid");
}

TEST(HeaderTree, BranchAndForkPointFollowTheRightBranch) {
    TempDir dir;
    Ledger l(dir.path());
    auto common = make_chain(Parent::genesis(), 3, 1);
    auto a = make_chain(Parent::of(common.back()), 2, 2);
    auto b = make_chain(Parent::of(common.back()), 4, 3);
    for (const auto& blk : common) ASSERT_TRUE(l.chain->accept_block(blk).ok());
    for (const auto& blk : a) ASSERT_TRUE(l.chain->accept_block(blk).ok());
    ASSERT_EQ(l.chain->accept_headers(headers_of(b)).outcome, HeadersOutcome::Accepted);
    auto fork = l.chain->fork_point(b.back().hash());
    ASSERT_TRUE(fork);
    EXPECT_EQ(fork->hash, common.back().hash());
    EXPECT_TRUE(fork->on_active_chain);
    auto branch = l.chain->branch(b.back().hash(), 4, 10);
    ASSERT_EQ(branch.size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(branch[i].hash, b[i].hash());
        EXPECT_FALSE(branch[i].have_data);
        EXPECT_FALSE(branch[i].on_active_chain);
    }
    EXPECT_EQ(l.chain->branch(b.back().hash(), 2, 2).front().hash, common[1].hash());
    EXPECT_TRUE(l.chain->branch(b.back().hash(), 8, 3).empty());
    EXPECT_EQ(l.chain->fork_point(a.back().hash())->hash, a.back().hash());
}

// `count` headers without bodies on `parent`; `tag` makes sibling runs differ.
std::vector<BlockHeader> header_run(Parent parent, int count, uint64_t tag) {
    std::vector<BlockHeader> out;
    for (int i = 0; i < count; ++i) {
        BlockHeader h;
        h.prev_hash = parent.hash;
        h.time = parent.time + 1;
        h.bits = regtest_params().genesis.header.bits;
        h.merkle_root.bytes[0] = static_cast<uint8_t>(tag);
        regrind(h);
        out.push_back(h);
        parent = Parent{h.hash(), parent.height + 1, h.time};
    }
    return out;
}

TEST(HeaderTree, PastTheCapOnlyRunsWithMoreWorkGetIn) {
    TempDir dir;
    node::Chainstate::Options opts;
    opts.max_header_only = 5;
    Ledger l(dir.path(), opts);
    auto best = header_run(Parent::genesis(), 5, 1);
    ASSERT_EQ(l.chain->accept_headers(best).outcome, HeadersOutcome::Accepted);
    // A cheap side branch is refused (policy, not the sender's fault) ...
    auto side = header_run(Parent::genesis(), 3, 2);
    auto r = l.chain->accept_headers(side);
    ASSERT_EQ(r.outcome, HeadersOutcome::Rejected);
    EXPECT_EQ(r.rejection->code, "too-many-headers");
    EXPECT_EQ(r.rejection->fault, Fault::Policy);
    // ... but the chain with the most work is never refused.
    const Parent top{best.back().hash(), 5, best.back().time};
    r = l.chain->accept_headers(header_run(top, 2, 1));
    EXPECT_EQ(r.outcome, HeadersOutcome::Accepted);
    EXPECT_EQ(l.chain->best_header_height(), 7u);
    // A side run that ends with more work than the best gets in too.
    r = l.chain->accept_headers(header_run(Parent::genesis(), 8, 3));
    EXPECT_EQ(r.outcome, HeadersOutcome::Accepted);
    EXPECT_EQ(l.chain->best_header_height(), 8u);
}

TEST(HeaderTree, HeadersBelowAnInvalidBodyFreeTheirRoom) {
    TempDir dir;
    node::Chainstate::Options opts;
    opts.max_header_only = 3;
    Ledger l(dir.path(), opts);
    // A block whose body breaks a context-free rule, announced first by its header.
    Block bad = make_block(Parent::genesis(), id_for(key_for("m")));
    bad.txs.push_back(transfer(key_for("x"), id_for(key_for("y")), 0, 10, 0));  // amount zero
    bad.header.merkle_root = bad.compute_merkle_root();
    regrind(bad.header);
    std::vector<BlockHeader> run{bad.header};
    for (const auto& h : header_run(Parent::of(bad), 2, 4)) run.push_back(h);
    ASSERT_EQ(l.chain->accept_headers(run).outcome, HeadersOutcome::Accepted);
    EXPECT_EQ(l.chain->best_header_height(), 3u);
    // Its body fails: the header and its descendants are invalid, and their room is free.
    EXPECT_FALSE(l.chain->accept_block(bad).ok());
    EXPECT_TRUE(l.chain->header(bad.hash())->failed);
    EXPECT_TRUE(l.chain->header(run.back().hash())->failed);
    EXPECT_EQ(l.chain->best_header_height(), 0u);
    EXPECT_EQ(l.chain->accept_headers(header_run(Parent::genesis(), 3, 5)).outcome, HeadersOutcome::Accepted);
    // Sent again, the invalid header is known invalid: no news, not the sender's fault alone.
    auto again = l.chain->accept_headers(std::vector<BlockHeader>{bad.header});
    EXPECT_EQ(again.rejection->fault, Fault::KnownInvalid);
    // And the store reopens cleanly with those headers marked (their parents were never stored).
    l.chain.reset();
    l.chain = std::make_unique<node::Chainstate>(*l.store, regtest_params(), nullptr, opts);
    EXPECT_TRUE(l.chain->load().ok());
}

TEST(HeaderTree, AncestorsThroughSkipPointersMatchTheParentWalk) {
    // Headers only (no bodies), so a long chain is cheap to build.
    TempDir dir;
    Ledger l(dir.path());
    std::vector<BlockHeader> headers;
    Parent parent = Parent::genesis();
    for (int i = 0; i < 600; ++i) {
        BlockHeader h;
        h.prev_hash = parent.hash;
        h.time = parent.time + 1;
        h.bits = regtest_params().genesis.header.bits;
        regrind(h);
        headers.push_back(h);
        parent = Parent{h.hash(), parent.height + 1, h.time};
    }
    ASSERT_EQ(l.chain->accept_headers(headers).outcome, HeadersOutcome::Accepted);
    for (uint64_t from : {1u, 2u, 63u, 64u, 65u, 255u, 256u, 511u, 599u, 600u}) {
        auto one = l.chain->branch(headers.back().hash(), from, 1);
        ASSERT_EQ(one.size(), 1u) << from;
        EXPECT_EQ(one[0].hash, headers[from - 1].hash()) << from;
        EXPECT_EQ(one[0].height, from);
    }
}

}  // namespace
}  // namespace finch::test
