// Test harness: an in-memory "network" delivering datagrams between DHT engines in FIFO
// order, with one injected clock. Endpoints listed in `down` swallow what is sent to them.
#pragma once

#include "node/net/dht/dht.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <set>
#include <unordered_map>

namespace finch::net::dht::test {

inline const Magic kMagic{0xf1, 0x9c, 0x4e, 0x01};

inline SigningKey new_key() {
    auto key = SigningKey::generate();
    FINCH_ASSERT(key.ok());
    return *key;
}

// A key whose id lies at log distance `d` from `base` (brute force: fine for d near 256).
inline SigningKey key_at_distance(const NodeId& base, int d) {
    for (;;) {
        SigningKey key = new_key();
        if (log_distance(base, key.id()) == d) return key;
    }
}

struct Network {
    struct Datagram {
        Endpoint from;
        Endpoint to;
        Bytes data;
    };

    TimePoint now = TimePoint{} + std::chrono::hours(24 * 365);
    std::shared_ptr<VerifyCache> cache = std::make_shared<VerifyCache>(1 << 20);
    std::deque<Datagram> queue;
    std::unordered_map<Endpoint, Dht*, EndpointHasher> by_endpoint;
    std::vector<std::unique_ptr<Dht>> nodes;
    std::set<Endpoint> down;
    uint64_t datagrams = 0;
    uint64_t bytes = 0;

    Dht& add(const Endpoint& ep, std::optional<SigningKey> key = std::nullopt, Options options = {}) {
        options.clock = [this] { return now; };
        options.unix_time = [] { return uint64_t{1700000000}; };
        options.verify_cache = cache;
        options.rng_seed = nodes.size() + 1;
        // Datagrams leave from wherever the engine's record says it is now.
        const size_t index = nodes.size();
        auto send = [this, index](const Endpoint& to, Bytes data) {
            ++datagrams;
            bytes += data.size();
            EXPECT_LE(data.size(), kMaxDatagram);
            queue.push_back(Datagram{nodes[index]->record().endpoint, to, std::move(data)});
        };
        nodes.push_back(std::make_unique<Dht>(key ? *key : new_key(), ep, 1, kMagic, options, send));
        by_endpoint[ep] = nodes.back().get();
        return *nodes.back();
    }

    // Delivers until nothing is in flight.
    void run() {
        while (!queue.empty()) {
            Datagram d = std::move(queue.front());
            queue.pop_front();
            if (down.count(d.to) > 0) continue;
            auto it = by_endpoint.find(d.to);
            if (it != by_endpoint.end()) it->second->handle(d.data, d.from, now);
        }
    }

    // Delivers, and moves the clock in steps (so requests to silent endpoints time out)
    // until `done` or a minute passed.
    template <typename Pred>
    bool run_until(Pred done) {
        run();
        for (int i = 0; i < 120 && !done(); ++i) advance(std::chrono::milliseconds(500));
        return done();
    }

    // An engine moves to another endpoint (its record is signed again with a newer seq).
    void move(Dht& node, const Endpoint& to) {
        by_endpoint.erase(node.record().endpoint);
        node.set_endpoint(to);
        by_endpoint[to] = &node;
    }

    // Moves the clock, ticks every engine, delivers.
    void advance(std::chrono::milliseconds dt) {
        now += dt;
        for (auto& n : nodes)
            if (down.count(n->record().endpoint) == 0) n->tick(now);
        run();
    }
};

// A distinct public /24 per index: 20.a.b.1.
inline Endpoint public_endpoint(size_t i) {
    return Endpoint::v4(20, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 1, 30303);
}

}  // namespace finch::net::dht::test
