// BlockDownload without sockets: a fake header tree, peers by id, and the requests it makes.
#include "node/net/block_download.h"

#include <gtest/gtest.h>

#include <map>

namespace finch::net {
namespace {

using namespace std::chrono_literals;

// A header tree of named blocks; every block adds one unit of work.
class FakeTree final : public BlockTreeView {
public:
    FakeTree() { add("genesis", "", true); }

    Hash256 add(const std::string& name, const std::string& parent, bool have_data = false) {
        node::HeaderEntry e;
        e.hash = id(name);
        if (!parent.empty()) {
            const auto& p = m_nodes.at(id(parent));
            e.prev_hash = p.hash;
            e.height = p.height + 1;
            e.chain_work = p.chain_work + Uint256(1);
        } else {
            e.chain_work = Uint256(1);
        }
        e.have_data = have_data;
        m_nodes[e.hash] = e;
        return e.hash;
    }
    // A chain of `n` blocks named prefix1..prefixN on top of `parent`.
    void chain(const std::string& prefix, const std::string& parent, int n, bool have_data = false) {
        std::string prev = parent;
        for (int i = 1; i <= n; ++i) {
            const std::string name = prefix + std::to_string(i);
            add(name, prev, have_data);
            prev = name;
        }
    }
    void set_tip(const std::string& name) {
        m_active.clear();
        for (Hash256 h = id(name);; h = m_nodes.at(h).prev_hash) {
            m_active.insert(h);
            if (m_nodes.at(h).height == 0) break;
        }
        m_tip = id(name);
    }
    void set_data(const std::string& name) { m_nodes.at(id(name)).have_data = true; }
    void set_failed(const std::string& name) { m_nodes.at(id(name)).failed = true; }
    void set_waiting(const std::string& name) { m_nodes.at(id(name)).body_waiting = true; }
    static Hash256 id(const std::string& name) { return sha256(ByteSpan(reinterpret_cast<const uint8_t*>(name.data()), name.size())); }

    std::optional<node::HeaderEntry> header(const Hash256& hash) const override {
        auto it = m_nodes.find(hash);
        if (it == m_nodes.end()) return std::nullopt;
        return entry(it->second);
    }
    node::HeaderEntry active_tip() const override { return entry(m_nodes.at(m_tip)); }
    std::vector<node::HeaderEntry> branch(const Hash256& best, uint64_t from, size_t count) const override {
        std::vector<node::HeaderEntry> out;
        for (Hash256 h = best;;) {
            const auto& e = m_nodes.at(h);
            if (e.height >= from && e.height < from + count) out.insert(out.begin(), entry(e));
            if (e.height == 0 || e.height <= from) break;
            h = e.prev_hash;
        }
        return out;
    }
    std::optional<node::HeaderEntry> fork_point(const Hash256& best) const override {
        for (Hash256 h = best;; h = m_nodes.at(h).prev_hash)
            if (m_active.count(h)) return entry(m_nodes.at(h));
    }

private:
    node::HeaderEntry entry(node::HeaderEntry e) const {
        e.on_active_chain = m_active.count(e.hash) != 0;
        return e;
    }
    std::map<Hash256, node::HeaderEntry> m_nodes;
    std::set<Hash256> m_active;
    Hash256 m_tip;
};

class BlockDownloadTest : public ::testing::Test {
protected:
    BlockDownloadTest() : download(tree, options()) { tree.set_tip("genesis"); }
    static BlockDownload::Options options() {
        BlockDownload::Options o;
        o.max_in_flight_per_peer = 4;
        o.window = 8;
        o.stall_timeout = 10s;
        o.max_stalls = 2;
        o.refusal_memory = 60s;
        return o;
    }
    std::vector<Hash256> names(std::initializer_list<const char*> list) {
        std::vector<Hash256> out;
        for (const char* n : list) out.push_back(FakeTree::id(n));
        return out;
    }
    FakeTree tree;
    BlockDownload download;
    SteadyClock::time_point t0 = SteadyClock::now();
};

TEST_F(BlockDownloadTest, AsksOnlyPeersWhoseBestBlockDescendsFromIt) {
    // The scenario that never healed: our tip and three peers on branch A (height 8), one
    // peer on the heavier branch B (height 12) that forks at 5.
    tree.chain("c", "genesis", 5, true);
    tree.chain("a", "c5", 3, true);
    tree.set_tip("a3");
    tree.chain("b", "c5", 7);
    for (PeerId id : {1, 2, 3, 4}) download.add_peer(id);
    for (PeerId id : {1, 2, 3}) download.peer_has(id, FakeTree::id("a3"));
    download.peer_has(4, FakeTree::id("b7"));
    // The A-peers' heights cover B's first blocks, but they are never asked for them.
    for (PeerId id : {1, 2, 3}) EXPECT_TRUE(download.next_requests(id, t0).empty()) << id;
    EXPECT_EQ(download.next_requests(4, t0), names({"b1", "b2", "b3", "b4"}));
}

TEST_F(BlockDownloadTest, NothingIsAskedOfAPeerWithoutMoreWork) {
    tree.chain("c", "genesis", 5, true);
    tree.set_tip("c5");
    download.add_peer(1);
    download.peer_has(1, FakeTree::id("c3"));
    EXPECT_TRUE(download.next_requests(1, t0).empty());
    EXPECT_FALSE(download.best_known(2));
}

TEST_F(BlockDownloadTest, EachBlockGoesToOnePeerAtATime) {
    tree.chain("c", "genesis", 6);
    for (PeerId id : {1, 2}) {
        download.add_peer(id);
        download.peer_has(id, FakeTree::id("c6"));
    }
    EXPECT_EQ(download.next_requests(1, t0), names({"c1", "c2", "c3", "c4"}));
    EXPECT_EQ(download.next_requests(2, t0), names({"c5", "c6"}));
    EXPECT_TRUE(download.next_requests(1, t0).empty());  // its slots are full
    EXPECT_EQ(download.in_flight_total(), 6u);
}

TEST_F(BlockDownloadTest, StaysWithinTheWindowAboveTheFirstMissingBlock) {
    tree.chain("c", "genesis", 20);
    tree.set_data("c2");  // arrived early: skipped, and the window still starts at c1
    for (PeerId id : {1, 2, 3}) {
        download.add_peer(id);
        download.peer_has(id, FakeTree::id("c20"));
    }
    std::vector<Hash256> all;
    for (PeerId id : {1, 2, 3})
        for (const Hash256& h : download.next_requests(id, t0)) all.push_back(h);
    // Window of 8 from c1: c1..c8 without c2.
    EXPECT_EQ(all, names({"c1", "c3", "c4", "c5", "c6", "c7", "c8"}));
}

TEST_F(BlockDownloadTest, NotFoundMovesTheBlockToAnotherPeerOfThatBranchNeverBackToTheSame) {
    tree.chain("c", "genesis", 2);
    for (PeerId id : {1, 2}) {
        download.add_peer(id);
        download.peer_has(id, FakeTree::id("c2"));
    }
    EXPECT_EQ(download.next_requests(1, t0), names({"c1", "c2"}));
    EXPECT_TRUE(download.not_found(1, FakeTree::id("c1"), t0));
    EXPECT_TRUE(download.next_requests(1, t0).empty()) << "asked the same peer again at once";
    EXPECT_EQ(download.next_requests(2, t0), names({"c1"}));
    // A notfound for something never asked changes nothing.
    EXPECT_FALSE(download.not_found(2, FakeTree::id("c2"), t0));
    EXPECT_TRUE(download.received(1, FakeTree::id("c2")));
}

TEST_F(BlockDownloadTest, ARefusalIsForgottenAfterAWhileOrWhenThePeerAnnouncesTheBlock) {
    tree.chain("c", "genesis", 1);
    download.add_peer(1);
    download.peer_has(1, FakeTree::id("c1"));
    EXPECT_EQ(download.next_requests(1, t0).size(), 1u);
    download.not_found(1, FakeTree::id("c1"), t0);
    EXPECT_TRUE(download.next_requests(1, t0 + 30s).empty());
    EXPECT_EQ(download.next_requests(1, t0 + 61s), names({"c1"}));
    download.not_found(1, FakeTree::id("c1"), t0 + 61s);
    download.peer_has(1, FakeTree::id("c1"));
    EXPECT_EQ(download.next_requests(1, t0 + 62s), names({"c1"}));
}

TEST_F(BlockDownloadTest, StalledRequestsMoveOnAndRepeatedStallsDisconnect) {
    tree.chain("c", "genesis", 2);
    for (PeerId id : {1, 2}) {
        download.add_peer(id);
        download.peer_has(id, FakeTree::id("c2"));
    }
    EXPECT_EQ(download.next_requests(1, t0).size(), 2u);
    EXPECT_TRUE(download.check_stalls(t0 + 5s).empty());
    EXPECT_EQ(download.in_flight_total(), 2u);
    EXPECT_TRUE(download.check_stalls(t0 + 11s).empty());  // first stall: requests freed
    EXPECT_EQ(download.in_flight_total(), 0u);
    EXPECT_EQ(download.next_requests(2, t0 + 11s), names({"c1", "c2"}));
    // Peer 1 stalls again on a new block: the second stall asks for a disconnect.
    tree.add("c3", "c2");
    download.peer_has(1, FakeTree::id("c3"));
    EXPECT_EQ(download.next_requests(1, t0 + 12s), names({"c3"}));
    EXPECT_EQ(download.check_stalls(t0 + 23s), std::vector<PeerId>{1});
}

TEST_F(BlockDownloadTest, ADeliveryFromAnyoneFreesTheRequestAndALeavingPeerFreesItsBlocks) {
    tree.chain("c", "genesis", 3);
    for (PeerId id : {1, 2}) {
        download.add_peer(id);
        download.peer_has(id, FakeTree::id("c3"));
    }
    EXPECT_EQ(download.next_requests(1, t0).size(), 3u);
    EXPECT_FALSE(download.received(2, FakeTree::id("c1")));  // not asked of 2
    EXPECT_TRUE(download.received(1, FakeTree::id("c2")));
    EXPECT_EQ(download.in_flight_count(1), 1u);
    download.remove_peer(1);
    EXPECT_FALSE(download.in_flight(FakeTree::id("c3")));
    tree.set_data("c1");
    tree.set_data("c2");
    EXPECT_EQ(download.next_requests(2, t0), names({"c3"}));
}

TEST_F(BlockDownloadTest, AnAnnouncementOfAnUnknownBlockIsResolvedWhenItsHeaderArrives) {
    download.add_peer(1);
    download.peer_has(1, FakeTree::id("x1"));  // header not known yet
    EXPECT_FALSE(download.best_known(1));
    tree.chain("x", "genesis", 1);
    EXPECT_EQ(download.next_requests(1, t0), names({"x1"}));
    EXPECT_EQ(download.best_known(1)->hash, FakeTree::id("x1"));
}

TEST_F(BlockDownloadTest, BestKnownOnlyMovesToMoreWorkAndNeverToAnInvalidBlock) {
    tree.chain("c", "genesis", 4);
    tree.chain("d", "c1", 1);
    download.add_peer(1);
    download.peer_has(1, FakeTree::id("c4"));
    download.peer_has(1, FakeTree::id("d1"));  // less work: a peer may hold several branches
    EXPECT_EQ(download.best_known(1)->hash, FakeTree::id("c4"));
    tree.add("c5", "c4");
    tree.set_failed("c5");
    download.peer_has(1, FakeTree::id("c5"));
    EXPECT_EQ(download.best_known(1)->hash, FakeTree::id("c4"));
}

TEST_F(BlockDownloadTest, BlocksWaitingInTheOrphanPoolAreNotFetchedAgain) {
    tree.chain("c", "genesis", 3);
    tree.set_waiting("c2");  // arrived before c1
    download.add_peer(1);
    download.peer_has(1, FakeTree::id("c3"));
    EXPECT_EQ(download.next_requests(1, t0), names({"c1", "c3"}));
}

TEST_F(BlockDownloadTest, AnInvalidBestBlockIsReplacedEvenByLessWork) {
    tree.chain("c", "genesis", 4);
    tree.chain("d", "genesis", 3);
    download.add_peer(1);
    download.peer_has(1, FakeTree::id("c4"));
    tree.set_failed("c4");
    download.peer_has(1, FakeTree::id("d3"));
    EXPECT_EQ(download.best_known(1)->hash, FakeTree::id("d3"));
    EXPECT_EQ(download.next_requests(1, t0), names({"d1", "d2", "d3"}));
}

TEST_F(BlockDownloadTest, NothingAboveAnInvalidBlockIsFetched) {
    tree.chain("c", "genesis", 3);
    download.add_peer(1);
    download.peer_has(1, FakeTree::id("c3"));
    tree.set_failed("c2");
    EXPECT_EQ(download.next_requests(1, t0), names({"c1"}));
}

TEST_F(BlockDownloadTest, AClaimedBlockIsNotScheduledElsewhere) {
    tree.chain("c", "genesis", 1);
    for (PeerId id : {1, 2}) {
        download.add_peer(id);
        download.peer_has(id, FakeTree::id("c1"));
    }
    EXPECT_TRUE(download.claim(2, FakeTree::id("c1"), t0));  // a compact block being rebuilt
    EXPECT_TRUE(download.next_requests(1, t0).empty());
    EXPECT_FALSE(download.claim(1, FakeTree::id("c1"), t0));
    download.release(FakeTree::id("c1"));
    EXPECT_EQ(download.next_requests(1, t0), names({"c1"}));
}

}  // namespace
}  // namespace finch::net
