#include "node/net/dht/lookup.h"

#include <algorithm>

namespace finch::net::dht {

Lookup::Lookup(const NodeId& target, const NodeId& self, size_t k, size_t alpha)
    : m_target(target), m_self(self), m_k(k), m_alpha(alpha) {}

Lookup::Candidate* Lookup::get(const NodeId& id) {
    auto it = m_candidates.find(xor_distance(id, m_target));
    return it == m_candidates.end() ? nullptr : &it->second;
}

void Lookup::note_exact(const NodeRecord& record) {
    if (!m_exact || record.seq > m_exact->seq) m_exact = record;
}

void Lookup::add(const NodeRecord& record, int depth) {
    const NodeId id = record.id();
    if (id == m_target) note_exact(record);
    if (id == m_self) return;
    auto [it, inserted] = m_candidates.try_emplace(xor_distance(id, m_target), Candidate{record, id, State::Fresh, depth});
    if (inserted) return;
    Candidate& c = it->second;
    if (record.seq > c.record.seq && c.state == State::Fresh) c.record = record;
    if (c.state == State::Fresh) c.depth = std::min(c.depth, depth);
}

void Lookup::add_seed(const NodeRecord& record) { add(record, 1); }

std::vector<NodeRecord> Lookup::next() {
    std::vector<NodeRecord> out;
    size_t considered = 0;
    for (auto& [dist, c] : m_candidates) {
        if (m_in_flight >= m_alpha || considered >= m_k) break;
        if (c.state == State::Failed) continue;
        ++considered;
        if (c.state != State::Fresh) continue;
        c.state = State::InFlight;
        ++m_in_flight;
        ++m_queries;
        m_hops = std::max(m_hops, c.depth);
        out.push_back(c.record);
    }
    return out;
}

void Lookup::add_records(const NodeId& from, const std::vector<NodeRecord>& records) {
    const Candidate* c = get(from);
    if (c == nullptr || c->state != State::InFlight) return;
    const int depth = c->depth + 1;
    for (const auto& rec : records) add(rec, depth);
}

void Lookup::update_record(const NodeRecord& record) {
    const NodeId id = record.id();
    if (id == m_target) note_exact(record);
    if (Candidate* c = get(id); c != nullptr && record.seq > c->record.seq) c->record = record;
}

void Lookup::answered(const NodeId& from) {
    Candidate* c = get(from);
    if (c == nullptr || c->state != State::InFlight) return;
    c->state = State::Answered;
    --m_in_flight;
}

void Lookup::failed(const NodeId& from) {
    Candidate* c = get(from);
    if (c == nullptr || c->state != State::InFlight) return;
    c->state = State::Failed;
    --m_in_flight;
}

bool Lookup::in_flight(const NodeId& id) const {
    auto it = m_candidates.find(xor_distance(id, m_target));
    return it != m_candidates.end() && it->second.state == State::InFlight;
}

bool Lookup::done() const {
    if (m_in_flight > 0) return false;
    size_t considered = 0;
    for (const auto& [dist, c] : m_candidates) {
        if (considered >= m_k) break;
        if (c.state == State::Failed) continue;
        ++considered;
        if (c.state == State::Fresh) return false;
    }
    return true;
}

std::vector<NodeRecord> Lookup::result() const {
    std::vector<NodeRecord> out;
    for (const auto& [dist, c] : m_candidates) {
        if (out.size() >= m_k) break;
        if (c.state == State::Answered) out.push_back(c.record);
    }
    return out;
}

}  // namespace finch::net::dht
