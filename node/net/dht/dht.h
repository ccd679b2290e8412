// The DHT engine: Kademlia as in Ethereum's discv4, without sockets. The caller owns a UDP
// socket (on the p2p port), delivers every datagram it receives to handle() with the
// sender's endpoint, sends whatever the engine hands to the send callback, and calls tick()
// regularly (every 100-500 ms) so requests time out and the table is revalidated and
// refreshed. Everything runs on one thread; callbacks are invoked synchronously from
// handle()/tick()/find(), and the send callback must not call back into the engine
// (queue the datagram, do not deliver it in place).
//
// Endpoint proof (discv4): we answer FINDNODE only from an endpoint that answered our PING
// with a valid PONG within the last 12 hours, and only if the FINDNODE echoes the token we
// last sent to that endpoint (this or the previous hour's; see messages.h), so a FINDNODE
// with a spoofed source is never answered. A PING from an unknown endpoint gets a PONG of
// the same size and, while its IP's budget allows, a PING back; its PONG proves it. A node
// enters the table only after a valid PONG from the endpoint its signed record names.
// The per-endpoint state (proofs both ways, tokens received) is bounded LRU (8,192
// endpoints, 16 per IP, loopback exempt from the per-IP cap).
#pragma once

#include "node/net/dht/lookup.h"
#include "node/net/dht/lru_map.h"
#include "node/net/dht/messages.h"
#include "node/net/dht/routing_table.h"

#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <unordered_map>

namespace finch::net::dht {

struct Options {
    size_t k = 16;
    size_t alpha = 3;
    TableOptions table;  // bucket_size is set to k
    std::chrono::milliseconds request_timeout{1000};
    std::chrono::hours proof_lifetime{12};
    // Every interval one random non-empty bucket's least-recently-seen node is pinged; if it
    // does not answer it is evicted and a replacement takes its place.
    std::chrono::milliseconds revalidate_interval{10000};
    // Every interval: a lookup of our own id and of a random id.
    std::chrono::milliseconds refresh_interval{30 * 60 * 1000};
    // While the table is empty the bootstrap nodes are pinged again after this, then after
    // twice as long each time, up to refresh_interval: one lost datagram must not leave a new
    // node alone for half an hour. At least 1 s.
    std::chrono::milliseconds bootstrap_retry{2000};
    // How many votes (PONGs' observed field) must name the same external endpoint before our
    // record is re-signed with it; 0 disables (e.g. a --bind or --externalip address). A vote
    // counts only from a node in our table answering from its record's endpoint, at most one
    // per IPv4 /24 or IPv6 /48 (a loopback/LAN voter counts per node), never a loopback/LAN
    // endpoint from a public voter; of the last 10 votes the endpoint needs at least this many
    // and more than half.
    size_t endpoint_votes = 3;
    // Nonzero: our port is fixed (a listening node's p2p port); votes decide only the IP.
    uint16_t fixed_port = 0;
    // false: a node that does not listen. Its record's endpoint stays unspecified whatever the
    // constructor or set_endpoint() say (nobody stores or dials it) and votes are ignored; it
    // still queries.
    bool listening = true;
    // Per-endpoint state (proofs both ways, tokens received): at most max_endpoints each,
    // least recently updated evicted first, at most max_per_ip per IP (loopback exempt).
    size_t max_endpoints = 8192;
    size_t max_per_ip = 16;
    // Per source IP token buckets (loopback exempt): PINGs processed at all (checked before
    // the signature), and PINGs sent back to an unproven endpoint (each one is traffic a
    // spoofed PING makes us send to someone else).
    double ping_burst = 32;
    double pings_per_second = 8;
    double pingback_burst = 8;
    double pingbacks_per_second = 1;
    uint64_t rng_seed = 0;  // 0: seeded from std::random_device
    // Clock for methods without a `now` argument (find, lookup, bootstrap).
    std::function<TimePoint()> clock = [] { return Clock::now(); };
    // Wall time in seconds, for new record sequence numbers (seq = max(seq + 1, unix time)),
    // so a restarted node's records still replace its older ones.
    std::function<uint64_t()> unix_time;
    // Shared between engines of one process (simulations) or private when empty.
    std::shared_ptr<VerifyCache> verify_cache;
};

struct Stats {
    size_t buckets = 0;  // non-empty buckets
    size_t nodes = 0;
    size_t replacements = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
    uint64_t datagrams_sent = 0;
    uint64_t datagrams_received = 0;
    uint64_t rejected = 0;  // datagrams receive() refused (any code)
    uint64_t rate_limited = 0;     // PINGs refused by their IP's budget
    uint64_t pingbacks_skipped = 0;  // unproven pingers not pinged back (budget spent)
    uint64_t relay_dropped = 0;    // NODES records dropped by the relay-IP check
    size_t lookups = 0;     // running
    size_t pending_requests = 0;
    size_t proven_endpoints = 0;
};

struct LookupResult {
    NodeId target;
    std::vector<NodeRecord> closest;   // up to k nodes that answered, nearest first
    std::optional<NodeRecord> exact;   // freshest record of the target id itself
    int hops = 0;                      // rounds of queries (0: nobody to ask)
    size_t queries = 0;
};

class Dht {
public:
    using SendFn = std::function<void(const Endpoint& to, Bytes datagram)>;
    using FindCallback = std::function<void(std::optional<NodeRecord> record, int hops)>;
    using LookupCallback = std::function<void(LookupResult)>;

    // `endpoint` is where others reach us (may be unspecified until PONGs report it; a node
    // without a usable endpoint still queries, but nobody stores it). `seq` is the first
    // record's sequence number (e.g. persisted, or unix time).
    Dht(SigningKey key, const Endpoint& endpoint, uint64_t seq, const Magic& magic, Options options, SendFn send);

    const NodeId& id() const { return m_id; }
    const NodeRecord& record() const { return m_record; }
    const Magic& magic() const { return m_magic; }

    // One received datagram. receive() says why one was refused (codes in dht_error).
    void handle(ByteSpan datagram, const Endpoint& from, TimePoint now) { (void)receive(datagram, from, now); }
    Status receive(ByteSpan datagram, const Endpoint& from, TimePoint now);
    // Timeouts, revalidation, refresh.
    void tick(TimePoint now);

    // Pings a bootstrap node; with `expected`, its PONG record must carry that id or it is
    // ignored. On success it enters the table and a lookup of our own id starts. Remembered
    // (the last 64 distinct ones), and pinged again while the table is empty (bootstrap_retry).
    void bootstrap(const Endpoint& endpoint, std::optional<NodeId> expected = std::nullopt);
    // Iterative lookup on the network (never answered from the table alone).
    void lookup(const NodeId& target, LookupCallback done);
    // lookup() reporting the freshest record of exactly `target` (nullopt if none was seen).
    void find(const NodeId& target, FindCallback done);

    std::vector<NodeRecord> closest(const NodeId& target, size_t n) const { return m_table.closest(target, n); }
    // Up to n distinct random table entries (for outbound peers).
    std::vector<NodeRecord> sample(size_t n, std::mt19937_64& rng) const;
    Stats stats() const;
    const RoutingTable& table() const { return m_table; }

    // With a non-empty set only these identities are stored, answered and returned
    // (--peerallow); the table is purged of others. Empty: everyone.
    void set_allowed(std::set<NodeId> allowed);
    // Our endpoint changed: a new record (seq = max(seq + 1, unix time)), signed again.
    // Ignored when not listening; with fixed_port, the port is replaced by it.
    void set_endpoint(const Endpoint& endpoint);
    // The token we put in PINGs and PONGs to `e` (tests; the FINDNODE check uses it).
    Token token_for(const Endpoint& e, TimePoint now) const;
    size_t bootstrap_count() const { return m_bootstrap.size(); }

    // Persistence: the table's records (version, magic, count, records).
    Bytes serialize() const;
    // Parses a serialized table; records whose signature fails are dropped (not an error).
    // Rejections: dht-table-version, dht-bad-magic, decode errors (Fault::Decode).
    static Result<std::vector<NodeRecord>> deserialize(ByteSpan data, const Magic& magic);
    // Puts persisted records into the table as never-seen entries (revalidation and lookups
    // check them); returns how many were taken.
    size_t restore(const std::vector<NodeRecord>& records);

private:
    struct PendingPing {
        Endpoint to;
        std::optional<NodeId> expected;  // identity the answer must prove
        bool bootstrap = false;
        TimePoint deadline;
    };
    struct PendingFind {
        Endpoint to;
        NodeId node;
        uint64_t lookup = 0;
        size_t parts_expected = 0;
        size_t parts_received = 0;
        TimePoint deadline;
    };
    struct BondWait {
        uint64_t lookup = 0;
        NodeId node;
        TimePoint deadline;
    };
    struct RunningLookup {
        Lookup lookup;
        LookupCallback done;
    };

    void send(const Endpoint& to, const Message& m);
    void send_ping(const Endpoint& to, std::optional<NodeId> expected, bool bootstrap, TimePoint now);
    bool verify(const NodeRecord& record);
    bool allowed(const NodeId& id) const { return m_allowed.empty() || m_allowed.count(id) > 0; }
    bool is_proven(const Endpoint& e, TimePoint now) const;  // it answered our ping recently
    bool we_are_proven(const Endpoint& e, TimePoint now) const;  // we answered its ping recently
    Token token_at(const Endpoint& e, uint64_t epoch) const;
    bool token_valid(const Endpoint& e, const Token& t, TimePoint now) const;
    // The token `e` last sent us, if recent enough that it still accepts it.
    std::optional<Token> fresh_token(const Endpoint& e, TimePoint now) const;
    // Takes one from the IP's bucket (pings or pingbacks); false when empty.
    bool take_budget(const Endpoint& from, bool pingback, TimePoint now);

    Status on_ping(const Ping& m, const Endpoint& from, TimePoint now);
    Status on_pong(const Pong& m, const Endpoint& from, TimePoint now);
    Status on_findnode(const FindNode& m, const Endpoint& from, TimePoint now);
    Status on_nodes(const Nodes& m, const Endpoint& from, TimePoint now);
    void node_alive(const NodeRecord& record, const Endpoint& from, TimePoint now);
    void note_observed(const NodeRecord& reporter, const Endpoint& from, Endpoint observed);

    // Lookups (dht_lookup.cpp).
    uint64_t start_lookup(const NodeId& target, LookupCallback done, TimePoint now);
    void advance(uint64_t lookup_id, TimePoint now);
    void query(uint64_t lookup_id, const NodeRecord& node, TimePoint now);
    void send_findnode(uint64_t lookup_id, const NodeId& node, const Endpoint& to, TimePoint now);
    void bond_ready(const Endpoint& e, TimePoint now);
    void bond_failed(const Endpoint& e, TimePoint now);
    void query_failed(uint64_t lookup_id, const NodeId& node, TimePoint now);
    void expire(TimePoint now);
    void revalidate(TimePoint now);
    void refresh(TimePoint now);
    NodeId random_id();
    void prune_proofs(TimePoint now);

    SigningKey m_key;
    NodeId m_id;
    Magic m_magic;
    Options m_options;
    SendFn m_send;
    NodeRecord m_record;
    RoutingTable m_table;
    std::mt19937_64 m_rng;
    std::shared_ptr<VerifyCache> m_verify_cache;
    std::set<NodeId> m_allowed;

    std::unordered_map<uint64_t, PendingPing> m_pings;
    std::unordered_map<Endpoint, uint64_t, EndpointHasher> m_ping_to;  // endpoint -> request in flight
    std::unordered_map<uint64_t, PendingFind> m_finds;
    std::unordered_map<Endpoint, std::vector<BondWait>, EndpointHasher> m_bond_waits;
    struct TokenSeen {
        Token token{};
        TimePoint at{};
    };
    struct IpBudget {
        double pings = 0;
        double pingbacks = 0;
        TimePoint at{};
    };
    struct Vote {
        bool by_subnet = false;  // public voter: one vote per subnet; else one per node
        uint64_t subnet = 0;
        NodeId voter;
        Endpoint observed;
    };
    std::array<uint8_t, 32> m_secret{};  // token key, random per engine
    LruMap<Endpoint, TimePoint, EndpointHasher> m_proven;     // valid PONG from it
    LruMap<Endpoint, TimePoint, EndpointHasher> m_pinged_by;  // we PONGed its PING
    LruMap<Endpoint, TokenSeen, EndpointHasher> m_tokens;     // latest token it sent us
    LruMap<std::array<uint8_t, 16>, IpBudget, IpHasher> m_budgets;
    std::map<uint64_t, RunningLookup> m_lookups;
    uint64_t m_next_lookup = 1;
    using BootstrapNode = std::pair<Endpoint, std::optional<NodeId>>;
    std::deque<BootstrapNode> m_bootstrap;  // oldest first, at most kMaxBootstrap
    std::set<BootstrapNode> m_bootstrap_set;
    std::deque<Vote> m_votes;
    bool m_self_lookup_running = false;
    TimePoint m_next_revalidate;
    TimePoint m_next_refresh;
    TimePoint m_next_prune;
    TimePoint m_next_bootstrap;  // while the table is empty
    std::chrono::milliseconds m_bootstrap_backoff;
    Stats m_stats;
};

}  // namespace finch::net::dht
