// Two connections to one identity (node/net/duplicate_connection.h): each rule, and a model
// of both ends that plays every order in which each end proves the connections and hears of
// the other's closes, and checks that both keep the same one.
#include "node/net/duplicate_connection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace finch::net {
namespace {

TEST(DuplicateConnection, TheFirstConnectionIsAlwaysKept) {
    EXPECT_EQ(on_duplicate_identity(true, 0), DuplicateAction::Keep);
    EXPECT_EQ(on_duplicate_identity(false, 0), DuplicateAction::Keep);
}

TEST(DuplicateConnection, TheLowerIdentityClosesEveryLaterConnection) {
    EXPECT_EQ(on_duplicate_identity(true, 1), DuplicateAction::CloseIncoming);
    EXPECT_EQ(on_duplicate_identity(true, 2), DuplicateAction::CloseIncoming);
}

TEST(DuplicateConnection, TheHigherIdentityWaitsWithAtMostTwo) {
    EXPECT_EQ(on_duplicate_identity(false, 1), DuplicateAction::Keep);
    EXPECT_EQ(on_duplicate_identity(false, kMaxConnectionsPerIdentity), DuplicateAction::CloseIncoming);
    EXPECT_EQ(on_duplicate_identity(false, 5), DuplicateAction::CloseIncoming);
    EXPECT_GT(kDuplicateWait, std::chrono::seconds(15)) << "longer than a dial (5 s) and a TLS handshake (10 s)";
}

TEST(DuplicateConnection, RudeIdentitiesAreRememberedForTenMinutesAndBounded) {
    using namespace std::chrono;
    const steady_clock::time_point t0{};
    RudeIdentities rude;
    EXPECT_FALSE(rude.contains("a", t0));
    rude.add("a", t0);
    EXPECT_TRUE(rude.contains("a", t0 + minutes(9)));
    EXPECT_FALSE(rude.contains("a", t0 + kRudeMemory)) << "forgotten after kRudeMemory";
    // Full: the oldest goes first, and expired entries go before that.
    for (size_t i = 0; i < kMaxRudeIdentities; ++i) rude.add("k" + std::to_string(i), t0 + seconds(i % 60));
    EXPECT_EQ(rude.size(), kMaxRudeIdentities) << "full: the oldest went to make room";
    rude.add("new", t0 + minutes(1));
    EXPECT_EQ(rude.size(), kMaxRudeIdentities);
    EXPECT_TRUE(rude.contains("new", t0 + minutes(1)));
    EXPECT_FALSE(rude.contains("k0", t0 + minutes(1))) << "the oldest (ties: the first by key) was forgotten";
    rude.add("later", t0 + minutes(10) + seconds(59));  // everything added at t0 + 0-59 s has expired
    EXPECT_EQ(rude.size(), 2u);
}

// One end: the connections it holds, what it closed itself, and which of the other end's
// closes it has heard of.
struct End {
    bool lower;
    std::set<int> held, closed_here, heard_closed;
    void proven(int link) {
        if (heard_closed.count(link)) return;  // already gone: nothing to prove
        if (on_duplicate_identity(lower, held.size()) == DuplicateAction::Keep) held.insert(link);
        else closed_here.insert(link);
    }
    void hears_closed(int link) {
        heard_closed.insert(link);
        held.erase(link);
    }
};

// Both nodes dial at once: links 0 and 1. Each end proves them in some order, and hears of
// each close the other end made at some later point. Every interleaving: both ends keep one
// link, the same one, and only the lower end ever closed anything. Not modelled here: closes
// for other reasons (inbound limit, deadlines; docs/security.md) and the higher end's 30 s
// fallback, which tests/functional/p2p_duplicate_identity.py checks against a real node.
TEST(DuplicateConnection, BothEndsKeepTheSameLinkInEveryOrder) {
    // Events: 0,1 = the lower end proves link 0/1; 2,3 = the higher end proves link 0/1;
    // 4,5 = the higher end hears of the lower's close of link 0/1, if it made one by then;
    // 6,7 = the reverse. A close not heard at its slot is heard at the end.
    std::vector<int> events{0, 1, 2, 3, 4, 5, 6, 7};
    int orders = 0;
    do {
        End low{true, {}, {}, {}}, high{false, {}, {}, {}};
        for (int e : events) {
            const int link = e % 2;
            End& self = e < 2 || e >= 6 ? low : high;
            End& other = e < 2 || e >= 6 ? high : low;
            if (e < 4) self.proven(link);
            else if (other.closed_here.count(link)) self.hears_closed(link);
        }
        for (int link : low.closed_here) high.hears_closed(link);
        for (int link : high.closed_here) low.hears_closed(link);
        ++orders;
        ASSERT_EQ(low.held.size(), 1u);
        EXPECT_EQ(low.held, high.held);
        EXPECT_TRUE(high.closed_here.empty()) << "the higher end never decides";
    } while (std::next_permutation(events.begin(), events.end()));
    EXPECT_EQ(orders, 40320);  // 8!
}

// A third connection while the higher end waits is closed there at once.
TEST(DuplicateConnection, TheHigherEndRefusesAThirdWhileItWaits) {
    End high{false, {}, {}, {}};
    high.proven(0);
    high.proven(1);
    high.proven(2);
    EXPECT_EQ(high.held, (std::set<int>{0, 1}));
    EXPECT_EQ(high.closed_here, (std::set<int>{2}));
}

}  // namespace
}  // namespace finch::net
