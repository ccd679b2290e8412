// The engine under the attacks of the security review: each test plays the attacker and
// shows the attack failing. Reflection through FINDNODE (tokens), the 2x ping-back (per-IP
// budget), forged endpoint votes, proof-map exhaustion (LRU, per-IP cap), relayed
// loopback/LAN records, signature checks before the cheap ones, the bootstrap list.
#include "node/net/dht/dht.h"

#include "harness.h"

#include <gtest/gtest.h>

namespace finch::net::dht {
namespace {

using test::Harness;
using test::kMagic;
using test::new_key;
using test::Peer;
using test::public_endpoint;
using test::Sent;

constexpr auto kHour = std::chrono::hours(1);

size_t bytes_to(const std::vector<Sent>& sent, const Endpoint& to) {
    size_t n = 0;
    for (const auto& s : sent)
        if (s.to == to) n += s.size;
    return n;
}

TEST(DhtSecurity, SpoofedFindnodeIsNotReflectedAtAProvenVictim) {
    Harness h;
    std::vector<Peer> peers;
    for (size_t i = 0; i < 30; ++i) peers.emplace_back(public_endpoint(100 + i));
    for (auto& p : peers) p.bond(h);  // a table whose answer would be 16 records, ~2 KB
    Peer victim(public_endpoint(1));
    Peer attacker(public_endpoint(2));
    victim.bond(h);
    attacker.bond(h);
    h.take();

    // The attacker sends FINDNODE with the victim's address as source. The victim proved its
    // endpoint recently, so the old check (proof by IP:port) passed; the token does not.
    auto spoof = [&](const Token& t) {
        return h.dht->receive(encode_message(FindNode{1, NodeId{}, t}, kMagic), victim.endpoint, h.now);
    };
    Token guess;
    guess.fill(0xab);
    EXPECT_EQ(spoof(Token{}).error().code, dht_error::kBadToken);
    EXPECT_EQ(spoof(guess).error().code, dht_error::kBadToken);
    // Its own token (for its own endpoint) is worthless for another source.
    EXPECT_EQ(spoof(h.tokens[attacker.endpoint]).error().code, dht_error::kBadToken);
    // Nor does the victim's token for one port serve another port of the same IP.
    Endpoint other_port = victim.endpoint;
    other_port.port = 40000;
    EXPECT_EQ(h.dht->receive(encode_message(FindNode{1, NodeId{}, h.tokens[attacker.endpoint]}, kMagic), other_port, h.now)
                  .error()
                  .code,
              dht_error::kUnproven);
    auto out = h.take();
    EXPECT_EQ(bytes_to(out, victim.endpoint), 0u);
    EXPECT_TRUE(out.empty());

    // The victim itself (it received the token) is answered: two NODES datagrams.
    ASSERT_TRUE(victim.find(h, 2, NodeId{}));
    out = h.take();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_GT(bytes_to(out, victim.endpoint), 1900u);

    // A token is good in its hour and the next, then refused (the proof itself lasts 12 h).
    h.now += kHour;
    ASSERT_TRUE(victim.find(h, 3, NodeId{}));
    h.take();
    h.now += kHour;
    EXPECT_EQ(victim.find(h, 4, NodeId{}).error().code, dht_error::kBadToken);
    // A new PING exchange brings a fresh token.
    ASSERT_TRUE(victim.send(h, Ping{5, victim.record(), h.dht->record().endpoint, Token{}, 0}));
    ASSERT_TRUE(victim.find(h, 6, NodeId{}));
}

TEST(DhtSecurity, LookupsRefreshStaleTokensBeforeFindnode) {
    // Engines talking to each other: hours later (tokens long expired) lookups still work,
    // because a stale token makes the querier ping first.
    std::mt19937_64 rng(5);
    test::Network net;
    for (size_t i = 0; i < 30; ++i) {
        Dht& node = net.add(public_endpoint(i));
        if (i == 0) continue;
        const Dht& via = *net.nodes[rng() % i];
        node.bootstrap(via.record().endpoint, via.id());
        net.run();
    }
    net.now += 5 * kHour;
    for (size_t i = 0; i < 10; ++i) {
        Dht& from = *net.nodes[i];
        const Dht& target = *net.nodes[29 - i];
        std::optional<NodeRecord> found;
        int hops = 0;
        from.find(target.id(), [&](std::optional<NodeRecord> r, int hp) {
            found = r;
            hops = hp;
        });
        ASSERT_TRUE(net.run_until([&] { return hops != 0; }));
        ASSERT_TRUE(found) << i;
        EXPECT_EQ(found->id(), target.id());
    }
}

TEST(DhtSecurity, SpoofedPingsPingBackOnlyWithinTheIpBudget) {
    Harness h;
    Peer attacker(public_endpoint(2));  // signs valid records of its own
    size_t in = 0;
    auto spoofed_ping = [&](uint16_t port) {
        Bytes d = encode_message(Ping{port, attacker.record(), h.dht->record().endpoint, Token{}, 0}, kMagic);
        in += d.size();
        return h.dht->receive(d, Endpoint::v4(20, 0, 1, 1, port), h.now);
    };
    size_t refused = 0;
    for (uint16_t port = 1000; port < 1100; ++port)
        if (!spoofed_ping(port)) ++refused;
    size_t pongs = 0;
    size_t pings = 0;
    size_t out = 0;
    for (const auto& s : h.take()) {
        EXPECT_EQ(s.to.ip, Endpoint::v4(20, 0, 1, 1, 0).ip);
        out += s.size;
        if (std::holds_alternative<Pong>(s.message)) ++pongs;
        if (std::holds_alternative<Ping>(s.message)) ++pings;
    }
    EXPECT_EQ(pongs, 32u);     // the per-IP PING budget (burst)
    EXPECT_EQ(pings, 8u);      // the per-IP ping-back budget (burst)
    EXPECT_EQ(refused, 68u);   // over budget: refused before the signature check
    EXPECT_LE(out, in / 2);    // the victim's IP gets less than the spoofer sent, not twice
    EXPECT_EQ(h.dht->stats().rate_limited, 68u);
    EXPECT_EQ(h.dht->stats().pingbacks_skipped, 24u);

    // Budgets refill: one second later, one more ping back (and eight more pings).
    h.now += std::chrono::seconds(1);
    ASSERT_TRUE(spoofed_ping(2000));
    auto later = h.take();
    ASSERT_EQ(later.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<Ping>(later[1].message));
    // Another IP has its own budget.
    Peer honest(public_endpoint(3));
    ASSERT_TRUE(honest.send(h, Ping{1, honest.record(), h.dht->record().endpoint, Token{}, 0}));
    EXPECT_EQ(h.take().size(), 2u);
}

TEST(DhtSecurity, CheapChecksComeBeforeTheSignature) {
    Options options;
    auto cache = std::make_shared<VerifyCache>();
    options.verify_cache = cache;
    Harness h(options);
    Peer allowed(public_endpoint(1));
    Peer other(public_endpoint(2));
    h.dht->set_allowed({allowed.key.id()});
    auto forged = [](const Peer& p) {
        NodeRecord r = p.record();
        r.signature[0] ^= 1;
        return r;
    };
    // Outside --peerallow: refused without a signature check.
    EXPECT_EQ(other.send(h, Ping{1, forged(other), h.dht->record().endpoint, Token{}, 0}).error().code,
              dht_error::kNotAllowed);
    // A source that cannot be answered (port 0, multicast).
    EXPECT_EQ(h.dht->receive(encode_message(Ping{1, forged(allowed), {}, Token{}, 0}, kMagic), Endpoint::v4(20, 0, 0, 9, 0), h.now)
                  .error()
                  .code,
              dht_error::kBadEndpoint);
    EXPECT_EQ(h.dht->receive(encode_message(Ping{1, forged(allowed), {}, Token{}, 0}, kMagic), Endpoint::v4(224, 0, 0, 1, 9), h.now)
                  .error()
                  .code,
              dht_error::kBadEndpoint);
    EXPECT_EQ(cache->misses() + cache->hits(), 0u);
    // Spend the IP's budget with valid pings (one verification, then cache hits).
    for (uint64_t i = 0; i < 32; ++i) ASSERT_TRUE(allowed.send(h, Ping{i, allowed.record(), {}, Token{}, 0}));
    const uint64_t checks = cache->misses() + cache->hits();
    EXPECT_EQ(cache->misses(), 1u);
    // Over budget: refused before the signature is looked at.
    EXPECT_EQ(allowed.send(h, Ping{99, forged(allowed), {}, Token{}, 0}).error().code, dht_error::kRateLimited);
    EXPECT_EQ(cache->misses() + cache->hits(), checks);
    // Within budget again, the forged signature is caught (last).
    h.now += std::chrono::seconds(1);
    EXPECT_EQ(allowed.send(h, Ping{100, forged(allowed), {}, Token{}, 0}).error().code, dht_error::kBadRecord);
    EXPECT_EQ(cache->misses(), 2u);
}

TEST(DhtSecurity, ProofMapsEvictTheOldestAndCapEachIp) {
    Options options;
    options.max_endpoints = 4;
    options.max_per_ip = 2;
    Harness h(options);
    std::vector<Peer> peers;
    for (size_t i = 0; i < 5; ++i) peers.emplace_back(public_endpoint(10 + i));
    for (auto& p : peers) {
        p.bond(h);
        h.now += std::chrono::seconds(1);
    }
    // Full: the oldest proof made room for the newest (no 12 h lockout of newcomers).
    EXPECT_EQ(h.dht->stats().proven_endpoints, 4u);
    EXPECT_EQ(peers[0].find(h, 1, NodeId{}).error().code, dht_error::kUnproven);
    for (size_t i = 1; i < 5; ++i) EXPECT_TRUE(peers[i].find(h, 2, NodeId{})) << i;
    h.take();

    // Per IP: three ports of one IP; the third evicts the first of that IP only.
    options.max_endpoints = 100;
    Harness g(options);
    std::vector<Peer> same_ip;
    for (uint16_t port = 1; port <= 3; ++port) same_ip.emplace_back(Endpoint::v4(45, 0, 0, 1, port));
    Peer elsewhere(public_endpoint(50));
    elsewhere.bond(g);
    for (auto& p : same_ip) {
        p.bond(g);
        g.now += std::chrono::seconds(1);
    }
    EXPECT_EQ(same_ip[0].find(g, 1, NodeId{}).error().code, dht_error::kUnproven);
    EXPECT_TRUE(same_ip[1].find(g, 2, NodeId{}));
    EXPECT_TRUE(same_ip[2].find(g, 3, NodeId{}));
    EXPECT_TRUE(elsewhere.find(g, 4, NodeId{}));
    EXPECT_EQ(g.dht->stats().proven_endpoints, 3u);

    // Loopback is exempt from the per-IP cap (many local nodes on one host).
    Harness l(options, std::nullopt, Endpoint::v4(127, 0, 0, 1, 30303));
    std::vector<Peer> local;
    for (uint16_t port = 1; port <= 6; ++port) local.emplace_back(Endpoint::v4(127, 0, 0, 1, static_cast<uint16_t>(40000 + port)));
    for (auto& p : local) p.bond(l);
    for (auto& p : local) EXPECT_TRUE(p.find(l, 5, NodeId{}));
}

// Makes `p` answer a PING of ours with `observed` as what it saw of us: p pings us, we
// answer and ping back (p is unproven), p's PONG carries the vote.
void vote(Harness& h, Peer& p, const Endpoint& observed) {
    ASSERT_TRUE(p.send(h, Ping{1, p.record(), h.dht->record().endpoint, Token{}, 0}));
    for (const auto& s : h.take()) {
        auto* ping = std::get_if<Ping>(&s.message);
        if (ping != nullptr && s.to == p.endpoint) {
            ASSERT_TRUE(p.send(h, Pong{ping->request_id, p.record(), observed, Token{}, 0}));
        }
    }
    h.take();
}

TEST(DhtSecurity, VotesFromOneSubnetCountOnce) {
    Harness h;
    const Endpoint ours = h.dht->record().endpoint;
    const Endpoint chosen = Endpoint::v4(66, 6, 6, 6, 6666);
    // Three free keys on three ports of one /24 (and one more on another address of it).
    for (uint8_t host = 1; host <= 4; ++host) {
        Peer p(Endpoint::v4(45, 6, 7, host, 30303));
        vote(h, p, chosen);
    }
    EXPECT_EQ(h.dht->record().endpoint, ours);
    // Same with an IPv6 /48.
    for (uint8_t host = 1; host <= 4; ++host) {
        Peer p(*Endpoint::from_ip("2001:db8:1:" + std::to_string(host) + "::1", 30303));
        vote(h, p, chosen);
    }
    EXPECT_EQ(h.dht->record().endpoint, ours);  // two votes: the /24's and the /48's
    // A third distinct subnet: three agree, and they are the majority.
    Peer a(public_endpoint(1));
    vote(h, a, chosen);
    EXPECT_EQ(h.dht->record().endpoint, chosen);
}

TEST(DhtSecurity, VotesOnlyFromTableNodes) {
    Harness h;
    const Endpoint ours = h.dht->record().endpoint;
    const Endpoint chosen = Endpoint::v4(66, 6, 6, 6, 6666);
    // Their records name another endpoint than the one they answer from: not table nodes.
    for (size_t i = 0; i < 5; ++i) {
        Peer p(public_endpoint(i));
        const NodeRecord elsewhere = p.key.sign(public_endpoint(500 + i), 1, kMagic);
        ASSERT_TRUE(p.send(h, Ping{1, elsewhere, ours, Token{}, 0}));
        for (const auto& s : h.take())
            if (auto* ping = std::get_if<Ping>(&s.message)) {
                ASSERT_TRUE(p.send(h, Pong{ping->request_id, elsewhere, chosen, Token{}, 0}));
            }
    }
    EXPECT_EQ(h.dht->stats().nodes, 0u);
    EXPECT_EQ(h.dht->record().endpoint, ours);
}

TEST(DhtSecurity, AnEndpointNeedsAMajorityOfTheRecentVotes) {
    Harness h;
    const Endpoint ours = h.dht->record().endpoint;
    const Endpoint chosen = Endpoint::v4(66, 6, 6, 6, 6666);
    size_t next = 0;
    auto voter = [&] { return Peer(public_endpoint(next++)); };
    for (int i = 0; i < 5; ++i) {
        Peer p = voter();
        vote(h, p, ours);  // honest nodes see us where we are
    }
    for (int i = 0; i < 5; ++i) {
        Peer p = voter();
        vote(h, p, chosen);  // 3, 4, 5 of the last 8, 9, 10: no majority
        EXPECT_EQ(h.dht->record().endpoint, ours) << i;
    }
    // The oldest honest vote leaves the window of 10: 6 of 10.
    Peer p = voter();
    vote(h, p, chosen);
    EXPECT_EQ(h.dht->record().endpoint, chosen);
}

TEST(DhtSecurity, PublicVotersCannotPutUsOnALanAddressAndFixedPortHolds) {
    Options options;
    options.fixed_port = 30303;
    Harness h(options);
    const Endpoint ours = h.dht->record().endpoint;
    for (size_t i = 0; i < 4; ++i) {
        Peer p(public_endpoint(i));
        vote(h, p, Endpoint::v4(192, 168, 1, 9, 30303));
    }
    EXPECT_EQ(h.dht->record().endpoint, ours);
    // Our IP from the votes, our port fixed: a vote's port is ignored.
    for (size_t i = 10; i < 13; ++i) {
        Peer p(public_endpoint(i));
        vote(h, p, Endpoint::v4(44, 4, 4, 4, static_cast<uint16_t>(1000 + i)));
    }
    EXPECT_EQ(h.dht->record().endpoint, Endpoint::v4(44, 4, 4, 4, 30303));
    h.dht->set_endpoint(Endpoint::v4(44, 4, 4, 5, 1));
    EXPECT_EQ(h.dht->record().endpoint, Endpoint::v4(44, 4, 4, 5, 30303));

    // LAN voters may tell a LAN node its LAN address (exempt from distinctness among LAN voters).
    Harness lan(Options{}, std::nullopt, Endpoint::v4(192, 168, 1, 1, 30303));
    for (uint8_t host = 10; host < 13; ++host) {
        Peer p(Endpoint::v4(192, 168, 1, host, 30303));
        vote(lan, p, Endpoint::v4(192, 168, 1, 2, 30303));
    }
    EXPECT_EQ(lan.dht->record().endpoint, Endpoint::v4(192, 168, 1, 2, 30303));
}

TEST(DhtSecurity, ANodeThatDoesNotListenNeverPublishesAnEndpoint) {
    Options options;
    options.listening = false;
    Harness h(options);  // constructed with a usable endpoint: ignored
    EXPECT_FALSE(h.dht->record().endpoint.usable());
    for (size_t i = 0; i < 5; ++i) {
        Peer p(public_endpoint(i));
        vote(h, p, Endpoint::v4(44, 4, 4, 4, 1234));
    }
    EXPECT_FALSE(h.dht->record().endpoint.usable());
    h.dht->set_endpoint(Endpoint::v4(44, 4, 4, 4, 1234));
    EXPECT_FALSE(h.dht->record().endpoint.usable());
    EXPECT_EQ(h.dht->stats().nodes, 5u);  // it still learns and queries
}

TEST(DhtSecurity, RelayedLoopbackAndLanRecordsAreDropped) {
    Harness h;
    Peer p(public_endpoint(1));
    h.dht->bootstrap(p.endpoint, p.key.id());
    auto ping = std::get<Ping>(h.take().at(0).message);
    ASSERT_TRUE(p.send(h, Pong{ping.request_id, p.record(), h.dht->record().endpoint, Token{}, 0}));
    ping = std::get<Ping>(h.take().at(0).message);  // the self lookup: prove ourselves first
    ASSERT_TRUE(p.send(h, Pong{ping.request_id, p.record(), h.dht->record().endpoint, Token{}, 0}));
    ASSERT_TRUE(p.send(h, Ping{50, p.record(), h.dht->record().endpoint, Token{}, 0}));
    auto out = h.take();
    ASSERT_EQ(out.size(), 2u);
    const auto find = std::get<FindNode>(out[1].message);

    const std::vector<Endpoint> bad{Endpoint::v4(127, 0, 0, 1, 30303), Endpoint::v4(192, 168, 1, 1, 30303),
                                    Endpoint::v4(10, 1, 2, 3, 30303),  Endpoint::v4(224, 0, 0, 1, 30303),
                                    Endpoint::v4(20, 9, 9, 9, 0),      Endpoint::v4(0, 0, 0, 0, 30303),
                                    *Endpoint::from_ip("::1", 30303),   *Endpoint::from_ip("fd00::1", 30303)};
    std::vector<NodeRecord> records;
    for (const auto& e : bad) records.push_back(new_key().sign(e, 1, kMagic));
    const Endpoint good = Endpoint::v4(20, 9, 9, 10, 30303);
    records.push_back(new_key().sign(good, 1, kMagic));
    ASSERT_TRUE(p.send(h, Nodes{find.request_id, 1, records}));
    EXPECT_EQ(h.dht->stats().relay_dropped, bad.size());
    out = h.take();
    ASSERT_FALSE(out.empty());
    for (const auto& s : out) EXPECT_EQ(s.to, good);  // only the public record is queried
}

TEST(DhtSecurity, RelayRules) {
    const Endpoint pub = Endpoint::v4(20, 0, 0, 1, 1);
    const Endpoint lan = Endpoint::v4(192, 168, 0, 1, 1);
    const Endpoint lo = Endpoint::v4(127, 0, 0, 1, 1);
    EXPECT_TRUE(relay_allowed(pub, pub));
    EXPECT_FALSE(relay_allowed(lan, pub));
    EXPECT_FALSE(relay_allowed(lo, pub));
    EXPECT_TRUE(relay_allowed(lan, lan));
    EXPECT_FALSE(relay_allowed(lo, lan));
    EXPECT_TRUE(relay_allowed(lan, lo));
    EXPECT_TRUE(relay_allowed(lo, lo));
    EXPECT_TRUE(relay_allowed(pub, lo));
    EXPECT_FALSE(relay_allowed(Endpoint::v4(169, 254, 1, 1, 1), pub));
    EXPECT_FALSE(relay_allowed(*Endpoint::from_ip("fe80::1", 1), pub));
    EXPECT_FALSE(relay_allowed(*Endpoint::from_ip("ff02::1", 1), lo));
    EXPECT_FALSE(relay_allowed(Endpoint::v4(255, 255, 255, 255, 1), lo));
    EXPECT_FALSE(relay_allowed(*Endpoint::from_ip("::", 1), lo));
    EXPECT_TRUE(relay_allowed(*Endpoint::from_ip("2001:db8::1", 1), pub));
}

TEST(DhtSecurity, BootstrapListIsBoundedAndDeduplicated) {
    Harness h;
    for (size_t i = 0; i < 100; ++i) h.dht->bootstrap(public_endpoint(i));
    EXPECT_EQ(h.dht->bootstrap_count(), 64u);
    h.dht->bootstrap(public_endpoint(99));
    h.dht->bootstrap(public_endpoint(99), std::nullopt);
    EXPECT_EQ(h.dht->bootstrap_count(), 64u);
    // With an expected identity it is another entry; the oldest goes.
    h.dht->bootstrap(public_endpoint(99), new_key().id());
    EXPECT_EQ(h.dht->bootstrap_count(), 64u);
}

}  // namespace
}  // namespace finch::net::dht
