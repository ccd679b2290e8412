// 1,000 engines on an in-memory network (FIFO delivery, one injected clock): each joins
// through a random earlier node, then lookups for random targets must return exactly the
// 16 closest ids that exist. Hops (p50/p99) and datagrams/bytes per lookup are printed and
// recorded as test properties.
#include "node/net/dht/dht.h"

#include "sim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace finch::net::dht {
namespace {

using test::Network;

NodeId random_id(std::mt19937_64& rng) {
    NodeId id;
    for (auto& b : id.bytes) b = static_cast<uint8_t>(rng());
    return id;
}

std::vector<NodeId> true_closest(const Network& net, const NodeId& target, const NodeId& exclude, size_t n) {
    std::vector<NodeId> ids;
    for (const auto& node : net.nodes)
        if (node->id() != exclude) ids.push_back(node->id());
    std::sort(ids.begin(), ids.end(), [&](const NodeId& a, const NodeId& b) {
        return xor_distance(a, target) < xor_distance(b, target);
    });
    ids.resize(std::min(n, ids.size()));
    return ids;
}

template <typename T>
T percentile(std::vector<T> v, double p) {
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
    return v[i];
}

void join(Network& net, size_t count, std::mt19937_64& rng) {
    for (size_t i = 0; i < count; ++i) {
        Dht& node = net.add(test::public_endpoint(i));
        if (i == 0) continue;
        const Dht& via = *net.nodes[rng() % i];
        node.bootstrap(via.record().endpoint, via.id());
        net.run();
        net.advance(std::chrono::milliseconds(10));
    }
}

TEST(DhtSimulation, ThousandNodeLookupsFindTheExactSixteenClosest) {
    std::mt19937_64 rng(2024);
    Network net;
    join(net, 1000, rng);
    const uint64_t join_bytes = net.bytes;
    size_t table_nodes = 0;
    for (const auto& n : net.nodes) table_nodes += n->stats().nodes;

    std::vector<int> hops;
    std::vector<uint64_t> bytes;
    std::vector<uint64_t> datagrams;
    size_t exact = 0;
    const size_t lookups = 200;
    for (size_t i = 0; i < lookups; ++i) {
        Dht& from = *net.nodes[rng() % net.nodes.size()];
        const NodeId target = random_id(rng);
        std::optional<LookupResult> result;
        const uint64_t b0 = net.bytes;
        const uint64_t d0 = net.datagrams;
        from.lookup(target, [&](LookupResult r) { result = std::move(r); });
        net.run();
        ASSERT_TRUE(result) << "lookup " << i << " did not finish";
        std::vector<NodeId> got;
        for (const auto& rec : result->closest) got.push_back(rec.id());
        const auto want = true_closest(net, target, from.id(), 16);
        EXPECT_EQ(got, want) << "lookup " << i;
        if (got == want) ++exact;
        EXPECT_GE(result->hops, 1);
        hops.push_back(result->hops);
        bytes.push_back(net.bytes - b0);
        datagrams.push_back(net.datagrams - d0);
    }
    EXPECT_EQ(exact, lookups);

    const int p50 = percentile(hops, 0.5);
    const int p99 = percentile(hops, 0.99);
    const uint64_t bytes50 = percentile(bytes, 0.5);
    const uint64_t bytes99 = percentile(bytes, 0.99);
    const uint64_t dg50 = percentile(datagrams, 0.5);
    std::printf("dht simulation: 1000 nodes, join traffic %.1f MB (%.1f KB/node), mean table %.1f nodes\n",
                static_cast<double>(join_bytes) / 1e6, static_cast<double>(join_bytes) / 1e3 / 1000.0,
                static_cast<double>(table_nodes) / 1000.0);
    std::printf("dht simulation: %zu lookups, %zu exact; hops p50 %d p99 %d; bytes/lookup p50 %llu p99 %llu; "
                "datagrams/lookup p50 %llu\n",
                lookups, exact, p50, p99, static_cast<unsigned long long>(bytes50),
                static_cast<unsigned long long>(bytes99), static_cast<unsigned long long>(dg50));
    ::testing::Test::RecordProperty("hops_p50", p50);
    ::testing::Test::RecordProperty("hops_p99", p99);
    ::testing::Test::RecordProperty("bytes_per_lookup_p50", std::to_string(bytes50));
    ::testing::Test::RecordProperty("bytes_per_lookup_p99", std::to_string(bytes99));
    ::testing::Test::RecordProperty("datagrams_per_lookup_p50", std::to_string(dg50));
    ::testing::Test::RecordProperty("join_bytes", std::to_string(join_bytes));
}

TEST(DhtSimulation, FindReturnsTheFreshestRecordAfterAnEndpointChange) {
    std::mt19937_64 rng(7);
    Network net;
    join(net, 60, rng);
    Dht& mover = *net.nodes[17];
    const NodeId target = mover.id();
    // It moves: a new endpoint, a newer seq. Its own refresh lookup pings its neighbours from
    // there (it must prove the new endpoint first), which update their tables.
    const uint64_t old_seq = mover.record().seq;
    const Endpoint moved = Endpoint::v4(99, 1, 2, 3, 40000);
    net.move(mover, moved);
    mover.lookup(target, [](LookupResult) {});
    net.run();
    std::optional<NodeRecord> found;
    int found_hops = 0;
    Dht& asker = *net.nodes[42];
    asker.find(target, [&](std::optional<NodeRecord> r, int h) {
        found = r;
        found_hops = h;
    });
    ASSERT_TRUE(net.run_until([&] { return found_hops != 0; }));
    ASSERT_TRUE(found);
    EXPECT_GE(found_hops, 1);
    EXPECT_EQ(found->id(), target);
    EXPECT_EQ(found->endpoint, moved);
    EXPECT_GT(found->seq, old_seq);

    // Unknown identity: nothing found, but the network was asked.
    std::optional<NodeRecord> none = NodeRecord{};
    int none_hops = 0;
    asker.find(random_id(rng), [&](std::optional<NodeRecord> r, int h) {
        none = r;
        none_hops = h;
    });
    ASSERT_TRUE(net.run_until([&] { return none_hops != 0; }));
    EXPECT_FALSE(none);
    EXPECT_GE(none_hops, 1);
}

}  // namespace
}  // namespace finch::net::dht
