// The Kademlia routing table: 256 buckets by log distance from our id, each holding up to
// k live entries (front = most recently seen) and a replacement cache of nodes that were
// seen alive while the bucket was full. No I/O: the engine decides whom to ping.
// Per-bucket and per-table limits on nodes from one IPv4 /24 or one IPv6 /48 (public
// addresses only; loopback, private and link-local ranges are exempt, as in geth) cover
// entries and replacements.
#pragma once

#include "node/net/dht/record.h"

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace finch::net::dht {

struct TableOptions {
    size_t bucket_size = 16;       // k
    size_t replacements = 10;      // replacement cache per bucket
    size_t bucket_ip_limit = 2;    // nodes of one IPv4 /24 per bucket
    size_t table_ip_limit = 10;    // nodes of one IPv4 /24 in the table
    size_t bucket_ip6_limit = 2;   // nodes of one IPv6 /48 per bucket
    size_t table_ip6_limit = 10;   // nodes of one IPv6 /48 in the table
};

class RoutingTable {
public:
    static constexpr int kBuckets = 256;

    struct Entry {
        NodeRecord record;
        NodeId id;
        TimePoint last_seen{};  // last valid PONG or PING from it; epoch when restored from disk
    };

    enum class AddResult {
        Added,        // new entry in the bucket
        Updated,      // already an entry: record (if not older) and last_seen refreshed, moved to front
        Replacement,  // the bucket is full: kept in its replacement cache; `check` is its
                      // least-recently-seen entry, which the caller should ping
        Rejected,     // our own id, or a /24 or /48 limit
    };
    struct AddOutcome {
        AddResult result = AddResult::Rejected;
        std::optional<NodeRecord> check;
    };

    RoutingTable(const NodeId& self, TableOptions options = {});

    const NodeId& self() const { return m_self; }
    // A node seen alive at `seen` (its signature already checked).
    AddOutcome add(const NodeRecord& record, TimePoint seen);
    // Removes an entry (an unresponsive node); the most recent replacement takes its place.
    // Returns the promoted record, if any.
    std::optional<NodeRecord> remove(const NodeId& id);
    // Replaces the record of an entry or replacement with a newer one (same subnet rules);
    // false if not present, older, or the limits forbid the new address.
    bool update_record(const NodeRecord& record);
    const Entry* find(const NodeId& id) const;
    // Up to n entries closest to target, nearest first.
    std::vector<NodeRecord> closest(const NodeId& target, size_t n) const;
    // The least-recently-seen entry of bucket b (0..255), if it has any.
    std::optional<NodeRecord> least_recent(int bucket) const;
    std::vector<int> non_empty_buckets() const;
    std::vector<NodeRecord> all() const;
    size_t size() const { return m_size; }
    size_t replacement_count() const;
    size_t bucket_entries(int bucket) const { return m_buckets[static_cast<size_t>(bucket)].entries.size(); }
    // Drops every entry and replacement whose id fails `keep`.
    void retain(const std::function<bool(const NodeId&)>& keep);
    int bucket_of(const NodeId& id) const;

private:
    struct Bucket {
        std::vector<Entry> entries;       // front = most recently seen
        std::vector<Entry> replacements;  // front = most recent
        std::map<uint64_t, size_t> subnets;
    };

    bool subnet_allows(const Bucket& b, const Endpoint& e) const;
    void count_subnet(Bucket& b, const Endpoint& e, int delta);

    NodeId m_self;
    TableOptions m_options;
    std::array<Bucket, kBuckets> m_buckets;
    std::map<uint64_t, size_t> m_subnets;
    size_t m_size = 0;
};

}  // namespace finch::net::dht
