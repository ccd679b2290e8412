// The state of one iterative Kademlia lookup, without I/O: candidates ordered by XOR
// distance to the target, at most `alpha` queries in flight, each asked node answered or
// failed. It converges when the k closest candidates that did not fail have all answered.
// Hops: a seed from our table is at depth 1, a node first learned from a depth-d answer at
// depth d + 1; hops() is the deepest query sent (the rounds of queries, >= 1 once any was).
#pragma once

#include "node/net/dht/record.h"

#include <map>
#include <optional>
#include <vector>

namespace finch::net::dht {

class Lookup {
public:
    Lookup(const NodeId& target, const NodeId& self, size_t k = 16, size_t alpha = 3);

    const NodeId& target() const { return m_target; }
    // A candidate from our own table (depth 1).
    void add_seed(const NodeRecord& record);
    // Candidates whose queries should start now (marked in flight); at most alpha in flight.
    std::vector<NodeRecord> next();
    // Records that `from` returned (signatures already checked). Newer seqs replace older ones.
    void add_records(const NodeId& from, const std::vector<NodeRecord>& records);
    // A newer record of a candidate (e.g. from its PONG).
    void update_record(const NodeRecord& record);
    void answered(const NodeId& from);
    void failed(const NodeId& from);
    bool in_flight(const NodeId& id) const;
    bool done() const;

    // The k closest nodes that answered, nearest first.
    std::vector<NodeRecord> result() const;
    // The freshest record seen for the target id itself.
    const std::optional<NodeRecord>& exact() const { return m_exact; }
    int hops() const { return m_hops; }
    size_t queries() const { return m_queries; }

private:
    enum class State { Fresh, InFlight, Answered, Failed };
    struct Candidate {
        NodeRecord record;
        NodeId id;
        State state = State::Fresh;
        int depth = 1;
    };
    void add(const NodeRecord& record, int depth);
    void note_exact(const NodeRecord& record);
    Candidate* get(const NodeId& id);

    NodeId m_target;
    NodeId m_self;
    size_t m_k;
    size_t m_alpha;
    std::map<NodeId, Candidate> m_candidates;  // by distance to the target
    size_t m_in_flight = 0;
    std::optional<NodeRecord> m_exact;
    int m_hops = 0;
    size_t m_queries = 0;
};

}  // namespace finch::net::dht
