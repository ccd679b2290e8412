// Memory of the discouragement filter when full, the time to choose an eviction among a
// full inbound, and the memory of a DHT routing table offered 100,000 nodes
// (docs/benchmarks.md). Usage: bench_reputation
#include "node/net/dht/routing_table.h"
#include "node/net/eviction.h"
#include "node/net/reputation.h"

#include <random>

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <string>

using namespace finch::net;

namespace {

size_t heap_in_use() { return mallinfo2().uordblks; }

std::string ip_of(size_t i) {
    return "10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." + std::to_string(i % 256);
}

}  // namespace

int main() {
    const size_t before = heap_in_use();
    auto* filter = new DiscouragementFilter();
    for (size_t i = 0; i < DiscouragementFilter::kDefaultCapacity; ++i) filter->discourage(ip_of(i));
    const size_t used = heap_in_use() - before;
    std::printf("discouragement filter full (%zu addresses held): %.2f MB on the heap (bound %.2f MB)\n", filter->size(),
                static_cast<double>(used) / 1e6, static_cast<double>(filter->memory_bound()) / 1e6);
    const auto t0 = std::chrono::steady_clock::now();
    size_t hits = 0;
    for (size_t i = 0; i < 1'000'000; ++i) hits += filter->is_discouraged(ip_of(i % 100'000));
    const double lookup_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / 1'000'000;
    std::printf("lookup: %.0f ns (address parse, /64 key, SipHash, two sets), %zu hits\n", lookup_ns, hits);
    delete filter;

    std::vector<EvictionCandidate> full;
    for (uint64_t i = 0; i < 117; ++i) {
        EvictionCandidate c;
        c.id = i;
        c.netgroup = "10." + std::to_string(i % 40) + ".0.0/16";
        c.connected_at = 1000 + i;
        c.min_ping_seconds = 0.01 * static_cast<double>(i % 13 + 1);
        c.last_novel_tx = i % 5 ? 0 : 2000 + i;
        c.last_novel_block = i % 7 ? 0 : 3000 + i;
        full.push_back(c);
    }
    const auto t1 = std::chrono::steady_clock::now();
    uint64_t sum = 0;
    for (int i = 0; i < 10'000; ++i) sum += select_eviction(full, static_cast<uint64_t>(i)).value_or(0);
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t1).count() / 10'000;
    std::printf("eviction choice among 117 inbound peers (125 connections, 8 outbound): %.1f us (checksum %llu)\n", us,
                static_cast<unsigned long long>(sum));

    // A routing table offered 100,000 random nodes (private addresses: no /24 limit applies).
    std::mt19937_64 rng(7);
    finch::net::dht::NodeRecord self;
    for (auto& b : self.public_key) b = static_cast<uint8_t>(rng());
    const size_t before_table = heap_in_use();
    auto* table = new finch::net::dht::RoutingTable(self.id());
    const auto now = finch::net::dht::Clock::now();
    for (uint32_t i = 0; i < 100'000; ++i) {
        finch::net::dht::NodeRecord r;
        for (auto& b : r.public_key) b = static_cast<uint8_t>(rng());
        r.endpoint = finch::net::dht::Endpoint::v4(10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                                                   static_cast<uint8_t>(i), 19444);
        r.seq = 1;
        (void)table->add(r, now);
    }
    const size_t table_bytes = heap_in_use() - before_table;
    std::printf("DHT routing table offered 100,000 nodes: %zu entries + %zu replacements in %zu buckets, %.1f KB on the heap\n",
                table->size(), table->replacement_count(), table->non_empty_buckets().size(),
                static_cast<double>(table_bytes) / 1e3);
    delete table;
    return 0;
}
