// Test harness for one engine against hand-made peers: the Harness owns the engine with an
// injected clock and records what it sends (and the token it gave each endpoint); a Peer
// plays a remote node with its own key.
#pragma once

#include "node/net/dht/dht.h"

#include "sim.h"

#include <gtest/gtest.h>

#include <map>

namespace finch::net::dht::test {

struct Sent {
    Endpoint to;
    Message message;
    size_t size;
};

struct Harness {
    TimePoint now = TimePoint{} + std::chrono::hours(1000);
    std::vector<Sent> sent;
    std::unique_ptr<Dht> dht;
    // The latest token the engine sent to each endpoint (in a PING or PONG): what a peer
    // at that endpoint, and only it, can echo in a FINDNODE.
    std::map<Endpoint, Token> tokens;

    explicit Harness(Options options = {}, std::optional<SigningKey> key = std::nullopt,
                     Endpoint ours = Endpoint::v4(30, 0, 0, 1, 30303)) {
        options.clock = [this] { return now; };
        options.unix_time = [] { return uint64_t{1000}; };
        options.rng_seed = 99;
        dht = std::make_unique<Dht>(key ? *key : new_key(), ours, 1, kMagic, options,
                                    [this](const Endpoint& to, Bytes data) {
                                        auto m = decode_message(data, kMagic);
                                        FINCH_ASSERT(m.ok());
                                        if (auto* ping = std::get_if<Ping>(&*m)) tokens[to] = ping->token;
                                        if (auto* pong = std::get_if<Pong>(&*m)) tokens[to] = pong->token;
                                        sent.push_back(Sent{to, *m, data.size()});
                                    });
    }
    std::vector<Sent> take() { return std::exchange(sent, {}); }
};

struct Peer {
    SigningKey key = new_key();
    Endpoint endpoint;
    uint64_t seq = 1;
    explicit Peer(Endpoint ep) : endpoint(ep) {}
    NodeRecord record() const { return key.sign(endpoint, seq, kMagic); }
    Status send(Harness& h, const Message& m) { return h.dht->receive(encode_message(m, kMagic), endpoint, h.now); }
    // A FINDNODE echoing the token the engine gave this endpoint.
    Status find(Harness& h, uint64_t req, const NodeId& target) {
        return send(h, FindNode{req, target, h.tokens[endpoint]});
    }
    // A full PING/PONG exchange both ways: afterwards each side has proved itself to the other.
    void bond(Harness& h) {
        ASSERT_TRUE(send(h, Ping{77, record(), h.dht->record().endpoint, Token{}, 0}));
        std::vector<Sent> others;
        for (const auto& s : h.take()) {
            auto* ping = std::get_if<Ping>(&s.message);
            if (s.to != endpoint) {
                others.push_back(s);
            } else if (ping != nullptr) {
                ASSERT_TRUE(send(h, Pong{ping->request_id, record(), h.dht->record().endpoint, Token{}, 0}));
            }
        }
        // What went elsewhere (e.g. a ping to a full bucket's least-recently-seen node) stays.
        auto later = h.take();
        others.insert(others.end(), later.begin(), later.end());
        h.sent = std::move(others);
    }
};

}  // namespace finch::net::dht::test
