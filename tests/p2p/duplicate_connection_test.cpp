// Which of two connections to one identity is kept (node/net/duplicate_connection.h): each
// rule, and that the two ends, each judging from its own side, keep the same connection.
#include "node/net/duplicate_connection.h"

#include <gtest/gtest.h>

namespace finch::net {
namespace {

// One connection as each end sees it: outbound at one end is inbound at the other.
struct Link {
    bool outbound_at_low = false;  // dialed by the node with the lower identity
    uint64_t session_tag = 0;
    DuplicateCandidate at_low(bool settled = false) const { return {!outbound_at_low, session_tag, settled}; }
    DuplicateCandidate at_high(bool settled = false) const { return {outbound_at_low, session_tag, settled}; }
};

TEST(DuplicateConnection, ASettledConnectionIsNeverReplaced) {
    for (bool existing_inbound : {false, true})
        for (bool incoming_inbound : {false, true})
            for (bool lower : {false, true}) {
                const DuplicateCandidate existing{existing_inbound, 9, true};
                const DuplicateCandidate incoming{incoming_inbound, 1, false};
                EXPECT_FALSE(keep_incoming_connection(existing, incoming, lower))
                    << existing_inbound << incoming_inbound << lower;
            }
}

TEST(DuplicateConnection, InDifferentDirectionsTheLowerIdentitysOutboundIsKept) {
    // We are lower: keep ours (the outbound one), whichever arrived second.
    EXPECT_TRUE(keep_incoming_connection({true, 1, false}, {false, 2, false}, true));
    EXPECT_FALSE(keep_incoming_connection({false, 1, false}, {true, 2, false}, true));
    // We are higher: keep the one the other node dialed (inbound here).
    EXPECT_TRUE(keep_incoming_connection({false, 1, false}, {true, 2, false}, false));
    EXPECT_FALSE(keep_incoming_connection({true, 1, false}, {false, 2, false}, false));
    // The session tags do not matter across directions.
    EXPECT_TRUE(keep_incoming_connection({true, 0, false}, {false, 99, false}, true));
}

TEST(DuplicateConnection, InOneDirectionTheLowerSessionTagIsKept) {
    for (bool inbound : {false, true}) {
        EXPECT_TRUE(keep_incoming_connection({inbound, 7, false}, {inbound, 3, false}, true));
        EXPECT_FALSE(keep_incoming_connection({inbound, 3, false}, {inbound, 7, false}, true));
        EXPECT_TRUE(keep_incoming_connection({inbound, 7, false}, {inbound, 3, false}, false));
    }
}

// Both nodes dial at once. Each end proves the two connections in either order, and may
// already have finished the handshake on the first (not yet settled): both ends must keep
// the same link. Judged by "handshake done" alone (the old rule), the high end, done with
// link b, kept b while the low end, not yet done, kept a, and both links closed.
TEST(DuplicateConnection, BothEndsKeepTheSameLinkWhateverTheOrder) {
    const Link a{true, 5}, b{false, 8};  // a: dialed by the low node; b: by the high node
    auto kept = [](const Link& first, const Link& second, bool at_low) {
        const bool keep_second = at_low ? keep_incoming_connection(first.at_low(), second.at_low(), true)
                                        : keep_incoming_connection(first.at_high(), second.at_high(), false);
        return keep_second ? second.session_tag : first.session_tag;
    };
    for (bool low_sees_a_first : {false, true})
        for (bool high_sees_a_first : {false, true}) {
            const uint64_t low = low_sees_a_first ? kept(a, b, true) : kept(b, a, true);
            const uint64_t high = high_sees_a_first ? kept(a, b, false) : kept(b, a, false);
            EXPECT_EQ(low, high) << low_sees_a_first << high_sees_a_first;
            EXPECT_EQ(low, a.session_tag) << "the lower identity's outbound link";
        }
    // Two links dialed by the same node: the lower tag at both ends.
    const Link c{true, 4}, d{true, 2};
    EXPECT_EQ(kept(c, d, true), 2u);
    EXPECT_EQ(kept(c, d, false), 2u);
    EXPECT_EQ(kept(d, c, true), 2u);
    EXPECT_EQ(kept(d, c, false), 2u);
}

}  // namespace
}  // namespace finch::net
