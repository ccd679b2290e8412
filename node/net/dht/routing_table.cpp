#include "node/net/dht/routing_table.h"

#include <algorithm>

namespace finch::net::dht {

namespace {

template <typename V>
auto find_id(V& v, const NodeId& id) {
    return std::find_if(v.begin(), v.end(), [&](const auto& e) { return e.id == id; });
}

}  // namespace

RoutingTable::RoutingTable(const NodeId& self, TableOptions options) : m_self(self), m_options(options) {}

int RoutingTable::bucket_of(const NodeId& id) const { return log_distance(m_self, id) - 1; }

bool RoutingTable::subnet_allows(const Bucket& b, const Endpoint& e) const {
    const auto net = limited_subnet(e);
    if (!net) return true;
    const size_t bucket_limit = e.is_v4() ? m_options.bucket_ip_limit : m_options.bucket_ip6_limit;
    const size_t table_limit = e.is_v4() ? m_options.table_ip_limit : m_options.table_ip6_limit;
    auto in_bucket = b.subnets.find(*net);
    if (in_bucket != b.subnets.end() && in_bucket->second >= bucket_limit) return false;
    auto in_table = m_subnets.find(*net);
    return in_table == m_subnets.end() || in_table->second < table_limit;
}

void RoutingTable::count_subnet(Bucket& b, const Endpoint& e, int delta) {
    const auto net = limited_subnet(e);
    if (!net) return;
    for (auto* m : {&b.subnets, &m_subnets}) {
        size_t& n = (*m)[*net];
        n = delta > 0 ? n + 1 : n - 1;
        if (n == 0) m->erase(*net);
    }
}

RoutingTable::AddOutcome RoutingTable::add(const NodeRecord& record, TimePoint seen) {
    const NodeId id = record.id();
    const int bi = bucket_of(id);
    if (bi < 0) return {};
    Bucket& b = m_buckets[static_cast<size_t>(bi)];

    if (auto it = find_id(b.entries, id); it != b.entries.end()) {
        Entry e = *it;
        b.entries.erase(it);
        if (record.seq >= e.record.seq && record.endpoint != e.record.endpoint) {
            count_subnet(b, e.record.endpoint, -1);
            if (subnet_allows(b, record.endpoint)) {
                e.record = record;
            }
            count_subnet(b, e.record.endpoint, +1);
        } else if (record.seq >= e.record.seq) {
            e.record = record;
        }
        e.last_seen = std::max(e.last_seen, seen);
        b.entries.insert(b.entries.begin(), e);
        return {AddResult::Updated, std::nullopt};
    }
    // Seen again while in the replacement cache: forget the old copy, then add anew.
    if (auto it = find_id(b.replacements, id); it != b.replacements.end()) {
        count_subnet(b, it->record.endpoint, -1);
        b.replacements.erase(it);
    }
    if (!subnet_allows(b, record.endpoint)) return {};
    Entry e{record, id, seen};
    if (b.entries.size() < m_options.bucket_size) {
        count_subnet(b, record.endpoint, +1);
        b.entries.insert(b.entries.begin(), e);
        ++m_size;
        return {AddResult::Added, std::nullopt};
    }
    if (m_options.replacements == 0) return {AddResult::Rejected, b.entries.back().record};
    count_subnet(b, record.endpoint, +1);
    b.replacements.insert(b.replacements.begin(), e);
    if (b.replacements.size() > m_options.replacements) {
        count_subnet(b, b.replacements.back().record.endpoint, -1);
        b.replacements.pop_back();
    }
    return {AddResult::Replacement, b.entries.back().record};
}

std::optional<NodeRecord> RoutingTable::remove(const NodeId& id) {
    const int bi = bucket_of(id);
    if (bi < 0) return std::nullopt;
    Bucket& b = m_buckets[static_cast<size_t>(bi)];
    if (auto it = find_id(b.replacements, id); it != b.replacements.end()) {
        count_subnet(b, it->record.endpoint, -1);
        b.replacements.erase(it);
        return std::nullopt;
    }
    auto it = find_id(b.entries, id);
    if (it == b.entries.end()) return std::nullopt;
    count_subnet(b, it->record.endpoint, -1);
    b.entries.erase(it);
    --m_size;
    if (b.replacements.empty()) return std::nullopt;
    // The promoted node was alive more recently than nothing: it goes to the back, to be
    // revalidated first. Its /24 was already counted.
    b.entries.push_back(b.replacements.front());
    b.replacements.erase(b.replacements.begin());
    ++m_size;
    return b.entries.back().record;
}

bool RoutingTable::update_record(const NodeRecord& record) {
    const NodeId id = record.id();
    const int bi = bucket_of(id);
    if (bi < 0) return false;
    Bucket& b = m_buckets[static_cast<size_t>(bi)];
    for (auto* list : {&b.entries, &b.replacements}) {
        auto it = find_id(*list, id);
        if (it == list->end()) continue;
        if (record.seq <= it->record.seq) return false;
        count_subnet(b, it->record.endpoint, -1);
        const bool allowed = subnet_allows(b, record.endpoint);
        if (allowed) it->record = record;
        count_subnet(b, it->record.endpoint, +1);
        return allowed;
    }
    return false;
}

const RoutingTable::Entry* RoutingTable::find(const NodeId& id) const {
    const int bi = bucket_of(id);
    if (bi < 0) return nullptr;
    const Bucket& b = m_buckets[static_cast<size_t>(bi)];
    auto it = find_id(b.entries, id);
    return it == b.entries.end() ? nullptr : &*it;
}

std::vector<NodeRecord> RoutingTable::closest(const NodeId& target, size_t n) const {
    std::vector<std::pair<NodeId, const NodeRecord*>> all;
    all.reserve(m_size);
    for (const auto& b : m_buckets)
        for (const auto& e : b.entries) all.emplace_back(xor_distance(e.id, target), &e.record);
    const size_t take = std::min(n, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(take), all.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<NodeRecord> out;
    out.reserve(take);
    for (size_t i = 0; i < take; ++i) out.push_back(*all[i].second);
    return out;
}

std::optional<NodeRecord> RoutingTable::least_recent(int bucket) const {
    if (bucket < 0 || bucket >= kBuckets) return std::nullopt;
    const Bucket& b = m_buckets[static_cast<size_t>(bucket)];
    if (b.entries.empty()) return std::nullopt;
    return b.entries.back().record;
}

std::vector<int> RoutingTable::non_empty_buckets() const {
    std::vector<int> out;
    for (int i = 0; i < kBuckets; ++i)
        if (!m_buckets[static_cast<size_t>(i)].entries.empty()) out.push_back(i);
    return out;
}

std::vector<NodeRecord> RoutingTable::all() const {
    std::vector<NodeRecord> out;
    out.reserve(m_size);
    for (const auto& b : m_buckets)
        for (const auto& e : b.entries) out.push_back(e.record);
    return out;
}

size_t RoutingTable::replacement_count() const {
    size_t n = 0;
    for (const auto& b : m_buckets) n += b.replacements.size();
    return n;
}

void RoutingTable::retain(const std::function<bool(const NodeId&)>& keep) {
    for (auto& b : m_buckets) {
        for (auto* list : {&b.entries, &b.replacements}) {
            for (auto it = list->begin(); it != list->end();) {
                if (keep(it->id)) {
                    ++it;
                    continue;
                }
                count_subnet(b, it->record.endpoint, -1);
                if (list == &b.entries) --m_size;
                it = list->erase(it);
            }
        }
    }
}

}  // namespace finch::net::dht
