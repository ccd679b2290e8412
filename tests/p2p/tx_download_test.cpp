// TxDownload without sockets: one fetcher per transaction, hand-over on notfound, timeout
// and disconnect, and its bounds.
#include "node/net/tx_download.h"

#include <gtest/gtest.h>

namespace finch::net {
namespace {

using namespace std::chrono_literals;

Hash256 txid(uint8_t n) {
    Hash256 h;
    h.bytes[0] = n;
    h.bytes[31] = 0x77;
    return h;
}

class TxDownloadTest : public ::testing::Test {
protected:
    TxDownloadTest() : txs(options()) {
        for (PeerId id : {1, 2, 3}) txs.add_peer(id);
    }
    static TxDownload::Options options() {
        TxDownload::Options o;
        o.max_in_flight_per_peer = 3;
        o.request_timeout = 30s;
        o.max_tracked = 5;
        o.max_announced_per_peer = 5;
        o.max_announcers = 2;
        o.max_recent_rejects = 2;
        return o;
    }
    TxDownload txs;
    SteadyClock::time_point t0 = SteadyClock::now();
};

TEST_F(TxDownloadTest, OnlyTheFirstAnnouncerIsAsked) {
    EXPECT_TRUE(txs.announced(1, txid(1), t0));
    EXPECT_FALSE(txs.announced(2, txid(1), t0));
    EXPECT_TRUE(txs.being_fetched(txid(1)));
    EXPECT_EQ(txs.in_flight_count(1), 1u);
    EXPECT_EQ(txs.in_flight_count(2), 0u);
}

TEST_F(TxDownloadTest, NotFoundHandsTheRequestToTheNextAnnouncer) {
    txs.announced(1, txid(1), t0);
    txs.announced(2, txid(1), t0);
    auto next = txs.not_found(1, txid(1), t0);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0], TxDownload::Request(2, txid(1)));
    // The next notfound has nobody left: the transaction is forgotten.
    EXPECT_TRUE(txs.not_found(2, txid(1), t0).empty());
    EXPECT_FALSE(txs.being_fetched(txid(1)));
    EXPECT_EQ(txs.tracked(), 0u);
    // A notfound for something never asked changes nothing.
    EXPECT_TRUE(txs.not_found(3, txid(9), t0).empty());
}

TEST_F(TxDownloadTest, ATimedOutRequestMovesOn) {
    txs.announced(1, txid(1), t0);
    txs.announced(3, txid(1), t0);
    EXPECT_TRUE(txs.expire(t0 + 29s).empty());
    auto next = txs.expire(t0 + 31s);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0], TxDownload::Request(3, txid(1)));
    // A late answer from the first peer still counts as requested (not a flood).
    EXPECT_TRUE(txs.received(1, txid(1)));
    EXPECT_EQ(txs.in_flight_count(3), 0u);
}

TEST_F(TxDownloadTest, ALeavingPeerHandsOverWhatItWasToDeliver) {
    txs.announced(1, txid(1), t0);
    txs.announced(1, txid(2), t0);
    txs.announced(2, txid(2), t0);
    auto next = txs.remove_peer(1, t0);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0], TxDownload::Request(2, txid(2)));
    EXPECT_FALSE(txs.being_fetched(txid(1)));
}

TEST_F(TxDownloadTest, UnrequestedTransactionsAreReportedAsSuch) {
    EXPECT_FALSE(txs.received(1, txid(1)));
    txs.announced(2, txid(1), t0);
    EXPECT_FALSE(txs.received(1, txid(1)));  // came from someone else: 2 is no longer asked
    EXPECT_EQ(txs.in_flight_count(2), 0u);
}

TEST_F(TxDownloadTest, RequestsPerPeerAreBounded) {
    for (uint8_t i = 1; i <= 3; ++i) EXPECT_TRUE(txs.announced(1, txid(i), t0));
    EXPECT_FALSE(txs.announced(1, txid(4), t0));
    // Another announcer can still be asked for it.
    EXPECT_TRUE(txs.announced(2, txid(4), t0));
}

TEST_F(TxDownloadTest, TrackedTransactionsAndAnnouncersAreBounded) {
    for (uint8_t i = 1; i <= 5; ++i) txs.announced(3, txid(i), t0);  // 3 asked, 5 tracked
    EXPECT_EQ(txs.tracked(), 5u);
    EXPECT_FALSE(txs.announced(3, txid(6), t0));  // the heaviest announcer cannot grow a full table
    EXPECT_EQ(txs.tracked(), 5u);
    // Two announcers at most: a third is not remembered for hand-over.
    txs.announced(1, txid(1), t0);
    txs.announced(2, txid(1), t0);
    auto next = txs.not_found(3, txid(1), t0);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].first, 1u);
    EXPECT_TRUE(txs.not_found(1, txid(1), t0).empty());
}

TEST_F(TxDownloadTest, ALeavingPeerLeavesNoDeadEntries) {
    for (uint8_t i = 1; i <= 5; ++i) txs.announced(1, txid(i), t0);  // 3 asked, 2 waiting for room
    EXPECT_EQ(txs.tracked(), 5u);
    txs.announced(2, txid(5), t0);  // a second source for one of them
    auto next = txs.remove_peer(1, t0);
    EXPECT_TRUE(next.empty());  // nobody else announced the three in flight
    EXPECT_EQ(txs.tracked(), 1u);  // only txid(5), which peer 2 still offers
    // New announcements are tracked again: nothing stays full of a gone peer's entries.
    EXPECT_TRUE(txs.announced(3, txid(9), t0));
}

TEST_F(TxDownloadTest, WaitingAnnouncementsAreAskedWhenRoomFrees) {
    for (uint8_t i = 1; i <= 4; ++i) txs.announced(1, txid(i), t0);  // txid(4) waits: 3 in flight
    EXPECT_FALSE(txs.being_fetched(txid(4)));
    txs.received(1, txid(1));
    auto next = txs.expire(t0 + 1s);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0], TxDownload::Request(1, txid(4)));
    for (uint8_t i = 2; i <= 4; ++i) txs.received(1, txid(i));
    EXPECT_EQ(txs.tracked(), 0u);
    // Announced by a peer whose requests are full: asked as soon as its old requests time out.
    for (uint8_t i = 10; i <= 13; ++i) txs.announced(3, txid(i), t0 + 1s);
    EXPECT_EQ(txs.tracked(), 4u);
    EXPECT_FALSE(txs.being_fetched(txid(13)));
    EXPECT_TRUE(txs.expire(t0 + 20s).empty());
    (void)txs.expire(t0 + 32s);
    EXPECT_TRUE(txs.being_fetched(txid(13)));
    EXPECT_EQ(txs.in_flight_count(3), 1u);
}

TxDownload::Options bounds(size_t tracked, size_t per_peer) {
    TxDownload::Options o;
    o.max_in_flight_per_peer = 3;
    o.max_tracked = tracked;
    o.max_announced_per_peer = per_peer;
    return o;
}

TEST(TxDownloadBounds, EachPeerHoldsAtMostItsShareOfAnnouncements) {
    TxDownload txs(bounds(100, 4));
    const auto t0 = SteadyClock::now();
    for (PeerId id : {1, 2}) txs.add_peer(id);
    EXPECT_TRUE(txs.announced(2, txid(9), t0));
    for (uint8_t i = 1; i <= 4; ++i) txs.announced(1, txid(i), t0);
    EXPECT_EQ(txs.tracked(), 5u);
    // Past its share: a new transaction is ignored, and so is a second source for a known one.
    EXPECT_FALSE(txs.announced(1, txid(5), t0));
    EXPECT_EQ(txs.tracked(), 5u);
    EXPECT_FALSE(txs.announced(1, txid(9), t0));
    EXPECT_TRUE(txs.not_found(2, txid(9), t0).empty());  // peer 1 was not listed as a source
    EXPECT_EQ(txs.tracked(), 4u);
    // A delivered transaction frees its place.
    EXPECT_TRUE(txs.received(1, txid(1)));
    EXPECT_EQ(txs.tracked(), 3u);
    EXPECT_TRUE(txs.announced(1, txid(5), t0));
    EXPECT_EQ(txs.tracked(), 4u);
    EXPECT_FALSE(txs.announced(1, txid(6), t0));
}

TEST(TxDownloadBounds, AFloodingPeerCannotShutTheOthersOut) {
    // Peer 1 fills the whole table with transactions it will answer notfound for (or never).
    TxDownload txs(bounds(10, 10));
    const auto t0 = SteadyClock::now();
    for (PeerId id : {1, 2, 3}) txs.add_peer(id);
    for (uint8_t i = 1; i <= 10; ++i) txs.announced(1, txid(i), t0);
    EXPECT_EQ(txs.tracked(), 10u);
    EXPECT_EQ(txs.in_flight_count(1), 3u);
    // An honest peer's announcement takes the place of one only the flooder offers.
    EXPECT_TRUE(txs.announced(2, txid(50), t0));
    EXPECT_TRUE(txs.being_fetched(txid(50)));
    EXPECT_EQ(txs.tracked(), 10u);
    EXPECT_TRUE(txs.announced(3, txid(51), t0));
    EXPECT_EQ(txs.tracked(), 10u);
    // The flooder, still the heaviest, cannot take places back.
    EXPECT_FALSE(txs.announced(1, txid(60), t0));
    EXPECT_EQ(txs.tracked(), 10u);
    // 1 holds 8 of the 10, 2 holds 1: 2's next announcement takes another of 1's places.
    EXPECT_TRUE(txs.announced(2, txid(52), t0));
    EXPECT_TRUE(txs.being_fetched(txid(52)));
    EXPECT_EQ(txs.tracked(), 10u);
    // Whatever was in flight at the flooder and got dropped still counts as requested.
    for (uint8_t i = 1; i <= 10; ++i) (void)txs.received(1, txid(i));
    EXPECT_EQ(txs.in_flight_count(1), 0u);
}

TEST(TxDownloadBounds, OneEntryMoreThanTheNewcomerIsNotEnoughToLoseOne) {
    TxDownload txs(bounds(3, 10));
    const auto t0 = SteadyClock::now();
    for (PeerId id : {1, 2}) txs.add_peer(id);
    for (uint8_t i = 1; i <= 2; ++i) txs.announced(1, txid(i), t0);
    txs.announced(2, txid(3), t0);
    // 1 holds 2 and 2 holds 1: evicting would only swap who is the heavier.
    EXPECT_FALSE(txs.announced(2, txid(4), t0));
    EXPECT_FALSE(txs.announced(1, txid(5), t0));
    EXPECT_EQ(txs.tracked(), 3u);
    EXPECT_TRUE(txs.being_fetched(txid(1)));
    EXPECT_TRUE(txs.being_fetched(txid(3)));
}

TEST(TxDownloadBounds, FloodersSharingTheirEntriesCanStillBePushedOut) {
    // Two flooders announce the same transactions, so every entry has two announcers.
    TxDownload txs(bounds(6, 10));
    const auto t0 = SteadyClock::now();
    for (PeerId id : {1, 2, 3}) txs.add_peer(id);
    for (uint8_t i = 1; i <= 6; ++i) {
        txs.announced(1, txid(i), t0);
        txs.announced(2, txid(i), t0);
    }
    EXPECT_EQ(txs.tracked(), 6u);
    EXPECT_TRUE(txs.announced(3, txid(50), t0));
    EXPECT_EQ(txs.tracked(), 6u);
    // An entry the honest peer shares is not taken from under it: 3 holds 1, so only entries
    // whose every announcer holds 3 or more may go.
    EXPECT_TRUE(txs.announced(3, txid(51), t0));
    EXPECT_TRUE(txs.being_fetched(txid(50)));
    EXPECT_TRUE(txs.being_fetched(txid(51)));
}

TEST(TxDownloadBounds, AnEvictedTransactionStopsCountingAtAPeerAskedOutsideTheList) {
    TxDownload::Options o = bounds(3, 10);
    o.max_in_flight_per_peer = 1;
    o.max_announcers = 1;
    TxDownload txs(o);
    const auto t0 = SteadyClock::now();
    for (PeerId id : {1, 2, 3}) txs.add_peer(id);
    txs.announced(1, txid(1), t0);   // asked of 1: its one request
    txs.announced(1, txid(2), t0);   // listed with 1, not asked (1 is busy)
    txs.announced(1, txid(3), t0);
    EXPECT_TRUE(txs.announced(2, txid(2), t0));  // asked of 2, which the full list does not name
    EXPECT_EQ(txs.in_flight_count(2), 1u);
    // 3 needs a place; the only entry 1 alone offers that no announcer of 1's weight fetches
    // may be txid(2): whichever goes, no request is left counting at a peer for nothing.
    EXPECT_TRUE(txs.announced(3, txid(9), t0));
    EXPECT_EQ(txs.tracked(), 3u);
    size_t in_flight = 0;
    for (uint8_t i : {1, 2, 3})
        if (txs.being_fetched(txid(i))) ++in_flight;
    EXPECT_EQ(txs.in_flight_count(1) + txs.in_flight_count(2), in_flight);
}

TEST_F(TxDownloadTest, RecentRejectsAreNotFetchedAgainAndAreBounded) {
    txs.rejected(txid(1));
    EXPECT_FALSE(txs.announced(1, txid(1), t0));
    txs.rejected(txid(2));
    txs.rejected(txid(3));  // pushes txid(1) out
    EXPECT_FALSE(txs.recently_rejected(txid(1)));
    EXPECT_TRUE(txs.recently_rejected(txid(3)));
    EXPECT_TRUE(txs.announced(1, txid(1), t0));
}

}  // namespace
}  // namespace finch::net
