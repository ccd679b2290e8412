// The engine against hand-made peers: each test plays the remote side with its own key,
// feeding datagrams to receive() and reading what the engine sends.
#include "node/net/dht/dht.h"

#include "harness.h"

#include <gtest/gtest.h>


namespace finch::net::dht {
namespace {

using test::Harness;
using test::kMagic;
using test::new_key;
using test::Peer;
using test::Sent;

TEST(DhtEngine, FindnodeFromAnUnprovenEndpointGetsNothing) {
    Harness h;
    Peer p(Endpoint::v4(20, 0, 0, 1, 30303));
    auto st = p.send(h, FindNode{5, p.key.id()});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, dht_error::kUnproven);
    EXPECT_TRUE(h.take().empty());

    // A PING from the unknown endpoint: a PONG no larger than the ping, and a PING back.
    const Ping ping{6, p.record(), h.dht->record().endpoint, Token{}};
    const size_t ping_size = encode_message(ping, kMagic).size();
    ASSERT_TRUE(p.send(h, ping));
    auto out = h.take();
    ASSERT_EQ(out.size(), 2u);
    auto* pong = std::get_if<Pong>(&out[0].message);
    ASSERT_NE(pong, nullptr);
    EXPECT_EQ(out[0].to, p.endpoint);
    EXPECT_LE(out[0].size, ping_size);
    EXPECT_EQ(pong->request_id, 6u);
    EXPECT_EQ(pong->observed, p.endpoint);  // the endpoint the ping came from
    EXPECT_EQ(pong->flags & kPongProven, 0);
    auto* back = std::get_if<Ping>(&out[1].message);
    ASSERT_NE(back, nullptr);

    // Still unproven until it answers our ping.
    st = p.send(h, FindNode{7, p.key.id()});
    EXPECT_EQ(st.error().code, dht_error::kUnproven);
    EXPECT_TRUE(h.take().empty());
    // A PONG with a wrong request id is unsolicited.
    st = p.send(h, Pong{back->request_id + 1, p.record(), h.dht->record().endpoint, Token{}, 0});
    EXPECT_EQ(st.error().code, dht_error::kUnsolicited);

    ASSERT_TRUE(p.send(h, Pong{back->request_id, p.record(), h.dht->record().endpoint, Token{}, 0}));
    EXPECT_EQ(h.dht->stats().nodes, 1u);  // proved at the endpoint its record names
    // Proven, but a FINDNODE without our token is still refused.
    EXPECT_EQ(p.send(h, FindNode{8, p.key.id()}).error().code, dht_error::kBadToken);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.tokens[p.endpoint], back->token);
    ASSERT_TRUE(p.find(h, 8, p.key.id()));
    out = h.take();
    ASSERT_EQ(out.size(), 1u);
    auto* nodes = std::get_if<Nodes>(&out[0].message);
    ASSERT_NE(nodes, nullptr);
    EXPECT_EQ(nodes->request_id, 8u);
    ASSERT_EQ(nodes->records.size(), 1u);
    EXPECT_EQ(nodes->records[0].id(), p.key.id());

    // The proof lasts 12 hours.
    h.now += std::chrono::hours(12);
    EXPECT_EQ(p.find(h, 9, p.key.id()).error().code, dht_error::kUnproven);
}

TEST(DhtEngine, NodesAnswerOfSixteenSpansTwoDatagrams) {
    Harness h;
    std::vector<Peer> peers;
    for (size_t i = 0; i < 40; ++i) peers.emplace_back(test::public_endpoint(i));
    for (auto& p : peers) p.bond(h);
    ASSERT_GE(h.dht->stats().nodes, 16u);
    h.take();  // pings to full buckets' least-recently-seen nodes
    ASSERT_TRUE(peers[0].find(h, 10, NodeId{}));
    auto out = h.take();
    ASSERT_EQ(out.size(), 2u);
    size_t records = 0;
    for (const auto& s : out) {
        EXPECT_LE(s.size, kMaxDatagram);
        EXPECT_EQ(s.to, peers[0].endpoint);
        records += std::get<Nodes>(s.message).records.size();
    }
    EXPECT_EQ(records, 16u);
}

TEST(DhtEngine, BadRecordIsDroppedAndSeqRules) {
    Harness h;
    Peer p(Endpoint::v4(20, 0, 0, 1, 30303));
    NodeRecord bad = p.record();
    bad.signature[3] ^= 1;
    auto st = p.send(h, Ping{1, bad, h.dht->record().endpoint, Token{}, 0});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, dht_error::kBadRecord);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.dht->stats().rejected, 1u);

    p.seq = 5;
    p.bond(h);
    ASSERT_NE(h.dht->table().find(p.key.id()), nullptr);
    EXPECT_EQ(h.dht->table().find(p.key.id())->record.seq, 5u);
    // Newer seq replaces.
    p.seq = 6;
    ASSERT_TRUE(p.send(h, Ping{2, p.record(), h.dht->record().endpoint, Token{}, 0}));
    EXPECT_EQ(h.dht->table().find(p.key.id())->record.seq, 6u);
    // Older is ignored.
    p.seq = 3;
    ASSERT_TRUE(p.send(h, Ping{3, p.record(), h.dht->record().endpoint, Token{}, 0}));
    EXPECT_EQ(h.dht->table().find(p.key.id())->record.seq, 6u);
}

TEST(DhtEngine, BootstrapIsRetriedWithBackoffWhileTheTableIsEmpty) {
    Options options;
    options.revalidate_interval = std::chrono::hours(1);  // no other pings in the window
    Harness h(options);
    Peer p(Endpoint::v4(20, 0, 0, 2, 30303));
    const auto pings_to_p = [&] {
        size_t n = 0;
        for (const auto& s : h.take()) n += s.to == p.endpoint && std::holds_alternative<Ping>(s.message);
        return n;
    };
    const auto advance = [&](std::chrono::milliseconds by) {
        h.now += by;
        h.dht->tick(h.now);
    };
    h.dht->bootstrap(p.endpoint, p.key.id());
    EXPECT_EQ(pings_to_p(), 1u);  // lost on the way
    advance(std::chrono::milliseconds(1900));
    EXPECT_EQ(pings_to_p(), 0u);
    advance(std::chrono::milliseconds(100));  // 2 s: again
    EXPECT_EQ(pings_to_p(), 1u);
    advance(std::chrono::milliseconds(3900));
    EXPECT_EQ(pings_to_p(), 0u);
    advance(std::chrono::milliseconds(100));  // 4 s later: again
    EXPECT_EQ(pings_to_p(), 1u);
    advance(std::chrono::milliseconds(8000));  // then 8 s
    EXPECT_EQ(pings_to_p(), 1u);
    // Then 16, 32, 64 s... and no longer than the refresh interval (30 minutes) apart.
    std::vector<int> gaps_s;
    auto last = h.now;
    for (int i = 0; i < 10 * 3600; ++i) {
        advance(std::chrono::seconds(1));
        if (pings_to_p() == 0) continue;
        gaps_s.push_back(static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(h.now - last).count()));
        last = h.now;
    }
    ASSERT_GE(gaps_s.size(), 10u);
    EXPECT_EQ(std::vector<int>(gaps_s.begin(), gaps_s.begin() + 7), (std::vector<int>{16, 32, 64, 128, 256, 512, 1024}));
    for (size_t i = 7; i < gaps_s.size(); ++i) EXPECT_EQ(gaps_s[i], 1800) << "gap " << i;
    // Naming the bootstrap node again pings it at once but does not restart the backoff.
    h.dht->bootstrap(p.endpoint, p.key.id());
    EXPECT_EQ(pings_to_p(), 1u);
    advance(std::chrono::seconds(2));
    EXPECT_EQ(pings_to_p(), 0u);

    // Answered: in the table, and no bootstrap pings any more.
    advance(std::chrono::minutes(30));
    auto out = h.take();
    ASSERT_EQ(out.size(), 1u);
    auto ping = std::get<Ping>(out[0].message);
    ASSERT_TRUE(p.send(h, Pong{ping.request_id, p.record(), h.dht->record().endpoint, Token{}, 0}));
    ASSERT_EQ(h.dht->stats().nodes, 1u);
    h.take();
    for (int i = 0; i < 10; ++i) advance(std::chrono::seconds(2));
    for (const auto& s : h.take()) {
        auto* again = std::get_if<Ping>(&s.message);
        EXPECT_FALSE(s.to == p.endpoint && again != nullptr) << "a bootstrap ping with the table filled";
    }
}

TEST(DhtEngine, BootstrapWithAWrongIdentityIsIgnored) {
    Harness h;
    Peer p(Endpoint::v4(20, 0, 0, 1, 30303));
    const NodeId someone_else = new_key().id();
    h.dht->bootstrap(p.endpoint, someone_else);
    auto out = h.take();
    ASSERT_EQ(out.size(), 1u);
    auto ping = std::get<Ping>(out[0].message);
    auto st = p.send(h, Pong{ping.request_id, p.record(), h.dht->record().endpoint, Token{}, 0});
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, dht_error::kWrongIdentity);
    EXPECT_EQ(h.dht->stats().nodes, 0u);
    EXPECT_TRUE(h.take().empty());  // no lookup through it
    EXPECT_EQ(p.send(h, FindNode{1, NodeId{}}).error().code, dht_error::kUnproven);

    // The right identity: stored, and a lookup of our own id starts through it.
    h.dht->bootstrap(p.endpoint, p.key.id());
    ping = std::get<Ping>(h.take().at(0).message);
    ASSERT_TRUE(p.send(h, Pong{ping.request_id, p.record(), h.dht->record().endpoint, Token{}, 0}));
    EXPECT_EQ(h.dht->stats().nodes, 1u);
    EXPECT_EQ(h.dht->stats().lookups, 1u);
    // The lookup needs us proven there first: it pings again and waits for the ping back.
    out = h.take();
    ASSERT_EQ(out.size(), 1u);
    ping = std::get<Ping>(out[0].message);
    ASSERT_TRUE(p.send(h, Pong{ping.request_id, p.record(), h.dht->record().endpoint, Token{}, 0}));
    Token peer_token;
    peer_token.fill(0x5a);
    ASSERT_TRUE(p.send(h, Ping{50, p.record(), h.dht->record().endpoint, peer_token, 0}));
    out = h.take();
    ASSERT_EQ(out.size(), 2u);  // our PONG, then the FINDNODE
    auto* find = std::get_if<FindNode>(&out[1].message);
    ASSERT_NE(find, nullptr);
    EXPECT_EQ(find->target, h.dht->id());
    EXPECT_EQ(find->token, peer_token);  // the token it gave us, echoed
    ASSERT_TRUE(p.send(h, Nodes{find->request_id, 1, {}}));
    EXPECT_EQ(h.dht->stats().lookups, 0u);
}

TEST(DhtEngine, NotAllowedIdentitiesAreNeitherAnsweredNorStored) {
    Harness h;
    Peer allowed(Endpoint::v4(20, 0, 0, 1, 30303));
    Peer other(Endpoint::v4(20, 0, 1, 1, 30303));
    other.bond(h);
    EXPECT_EQ(h.dht->stats().nodes, 1u);
    h.dht->set_allowed({allowed.key.id()});
    EXPECT_EQ(h.dht->stats().nodes, 0u);
    auto st = other.send(h, Ping{1, other.record(), h.dht->record().endpoint, Token{}, 0});
    EXPECT_EQ(st.error().code, dht_error::kNotAllowed);
    EXPECT_TRUE(h.take().empty());
    allowed.bond(h);
    EXPECT_EQ(h.dht->stats().nodes, 1u);
}

TEST(DhtEngine, UnresponsiveLeastRecentlySeenIsEvicted) {
    Options options;
    Harness h(options);
    // 17 peers in bucket 255 (log distance 256) of our id.
    std::vector<Peer> peers;
    for (size_t i = 0; i < 17; ++i) {
        Peer p(test::public_endpoint(i));
        p.key = test::key_at_distance(h.dht->id(), 256);
        peers.push_back(std::move(p));
    }
    for (size_t i = 0; i < 16; ++i) {
        peers[i].bond(h);
        h.now += std::chrono::seconds(1);
    }
    EXPECT_EQ(h.dht->table().bucket_entries(255), 16u);
    // The 17th: the bucket is full, it goes to the replacement cache and the least recently
    // seen (peers[0]) is pinged.
    peers[16].bond(h);
    EXPECT_EQ(h.dht->table().find(peers[16].key.id()), nullptr);
    auto out = h.take();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].to, peers[0].endpoint);
    ASSERT_TRUE(std::holds_alternative<Ping>(out[0].message));
    // No answer: after the timeout it is evicted and the replacement moves in.
    h.now += std::chrono::seconds(2);
    h.dht->tick(h.now);
    EXPECT_EQ(h.dht->table().find(peers[0].key.id()), nullptr);
    EXPECT_NE(h.dht->table().find(peers[16].key.id()), nullptr);
    EXPECT_EQ(h.dht->table().bucket_entries(255), 16u);

    // A responsive least-recently-seen node stays, and the newcomer waits as a replacement.
    Peer late(test::public_endpoint(50));
    late.key = test::key_at_distance(h.dht->id(), 256);
    late.bond(h);
    out = h.take();
    ASSERT_EQ(out.size(), 1u);
    const auto ping = std::get<Ping>(out[0].message);
    auto lrs = std::find_if(peers.begin(), peers.end(), [&](const Peer& p) { return p.endpoint == out[0].to; });
    ASSERT_NE(lrs, peers.end());
    ASSERT_TRUE(lrs->send(h, Pong{ping.request_id, lrs->record(), h.dht->record().endpoint, Token{}, 0}));
    h.now += std::chrono::seconds(2);
    h.dht->tick(h.now);
    EXPECT_NE(h.dht->table().find(lrs->key.id()), nullptr);
    EXPECT_EQ(h.dht->table().find(late.key.id()), nullptr);
}

TEST(DhtEngine, MalformedDatagramsIntoTheEngine) {
    Harness h;
    Peer p(Endpoint::v4(20, 0, 0, 1, 30303));
    const Endpoint from = p.endpoint;
    Bytes ping = encode_message(Ping{1, p.record(), h.dht->record().endpoint, Token{}, 0}, kMagic);
    auto code = [&](const Bytes& b) { return h.dht->receive(b, from, h.now).error().code; };
    EXPECT_EQ(code(Bytes(ping.begin(), ping.end() - 1)), dht_error::kTruncated);
    EXPECT_EQ(code(Bytes(2000, 1)), dht_error::kOversize);
    Bytes b = ping;
    b[1] ^= 1;
    EXPECT_EQ(code(b), dht_error::kBadMagic);
    b = ping;
    b[4] = 0x29;
    EXPECT_EQ(code(b), dht_error::kUnknownType);
    b[4] = 0x01;  // a version 1 PING
    EXPECT_EQ(code(b), dht_error::kBadVersion);
    b = ping;
    b[5 + 8 + 100] ^= 1;  // inside the signature
    EXPECT_EQ(code(b), dht_error::kBadRecord);
    // Unsolicited NODES.
    EXPECT_EQ(code(encode_nodes(1, {p.record()}, kMagic)[0]), dht_error::kUnsolicited);
    EXPECT_TRUE(h.take().empty());
    EXPECT_EQ(h.dht->stats().rejected, 7u);
    EXPECT_EQ(h.dht->stats().datagrams_received, 7u);
}

TEST(DhtEngine, OwnEndpointUpdatesResignWithANewSeq) {
    Harness h;
    const NodeRecord first = h.dht->record();
    h.dht->set_endpoint(Endpoint::v4(30, 0, 0, 9, 30303));
    EXPECT_GT(h.dht->record().seq, first.seq);
    EXPECT_TRUE(verify_record(h.dht->record(), kMagic));
    // Three nodes report another external endpoint in their PONGs: our record follows.
    const Endpoint external = Endpoint::v4(44, 4, 4, 4, 1234);
    for (size_t i = 0; i < 3; ++i) {
        Peer p(test::public_endpoint(i));
        ASSERT_TRUE(p.send(h, Ping{1, p.record(), h.dht->record().endpoint, Token{}, 0}));
        for (const auto& s : h.take())
            if (auto* ping = std::get_if<Ping>(&s.message)) {
                ASSERT_TRUE(p.send(h, Pong{ping->request_id, p.record(), external, Token{}, 0}));
            }
    }
    EXPECT_EQ(h.dht->record().endpoint, external);
    EXPECT_TRUE(verify_record(h.dht->record(), kMagic));
}

TEST(DhtEngine, PersistedTableIsRevalidatedBySignatureOnLoad) {
    Harness h;
    std::vector<Peer> peers;
    for (size_t i = 0; i < 5; ++i) peers.emplace_back(test::public_endpoint(i));
    for (auto& p : peers) p.bond(h);
    Bytes saved = h.dht->serialize();
    auto records = Dht::deserialize(saved, kMagic);
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->size(), 5u);
    // Damage one signature: that record is dropped, the rest load.
    saved[1 + 4 + 1 + kRecordSize - 1] ^= 1;
    records = Dht::deserialize(saved, kMagic);
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->size(), 4u);
    Harness fresh;
    EXPECT_EQ(fresh.dht->restore(*records), 4u);
    EXPECT_EQ(fresh.dht->stats().nodes, 4u);
    EXPECT_EQ(Dht::deserialize(saved, Magic{9, 9, 9, 9}).error().code, dht_error::kBadMagic);
    EXPECT_FALSE(Dht::deserialize(Bytes(saved.begin(), saved.end() - 3), kMagic).ok());
    saved[0] = 2;
    EXPECT_EQ(Dht::deserialize(saved, kMagic).error().code, "dht-table-version");
}

}  // namespace
}  // namespace finch::net::dht
