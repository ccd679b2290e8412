// The engine's iterative lookups (with the endpoint proof they need before FINDNODE),
// bootstrap, timeouts, revalidation and refresh.
#include "node/net/dht/dht.h"

#include <algorithm>
#include <cstring>

namespace finch::net::dht {

namespace {
constexpr size_t kMaxBootstrap = 64;  // bootstrap nodes remembered; the oldest is dropped
}

void Dht::bootstrap(const Endpoint& endpoint, std::optional<NodeId> expected) {
    BootstrapNode node{endpoint, expected};
    const bool first = m_bootstrap.empty();
    if (m_bootstrap_set.insert(node).second) {
        m_bootstrap.push_back(node);
        if (m_bootstrap.size() > kMaxBootstrap) {
            m_bootstrap_set.erase(m_bootstrap.front());
            m_bootstrap.pop_front();
        }
    }
    const TimePoint now = m_options.clock();
    send_ping(endpoint, expected, true, now);
    // The retries of an empty table start with the first bootstrap node; later ones (every
    // handshake names one while the table is small) do not restart them, or steady churn
    // would ping all 64 every bootstrap_retry.
    if (first) m_next_bootstrap = now + m_bootstrap_backoff;
}

void Dht::lookup(const NodeId& target, LookupCallback done) { start_lookup(target, std::move(done), m_options.clock()); }

void Dht::find(const NodeId& target, FindCallback done) {
    lookup(target, [done = std::move(done)](LookupResult r) { done(std::move(r.exact), r.hops); });
}

uint64_t Dht::start_lookup(const NodeId& target, LookupCallback done, TimePoint now) {
    const uint64_t id = m_next_lookup++;
    RunningLookup running{Lookup(target, m_id, m_options.k, m_options.alpha), std::move(done)};
    for (const auto& rec : m_table.closest(target, m_options.k))
        if (allowed(rec.id())) running.lookup.add_seed(rec);
    m_lookups.emplace(id, std::move(running));
    if (target == m_id) m_self_lookup_running = true;
    advance(id, now);
    return id;
}

void Dht::advance(uint64_t lookup_id, TimePoint now) {
    for (;;) {
        auto it = m_lookups.find(lookup_id);
        if (it == m_lookups.end()) return;
        std::vector<NodeRecord> batch = it->second.lookup.next();
        if (batch.empty()) break;
        bool any_failed = false;
        for (const auto& rec : batch) {
            if (rec.endpoint.usable()) {
                query(lookup_id, rec, now);
            } else {
                it->second.lookup.failed(rec.id());
                any_failed = true;
            }
        }
        if (!any_failed) break;
    }
    auto it = m_lookups.find(lookup_id);
    if (it == m_lookups.end() || !it->second.lookup.done()) return;
    RunningLookup finished = std::move(it->second);
    m_lookups.erase(it);
    if (finished.lookup.target() == m_id) m_self_lookup_running = false;
    LookupResult result;
    result.target = finished.lookup.target();
    result.closest = finished.lookup.result();
    result.exact = finished.lookup.exact();
    result.hops = finished.lookup.hops();
    result.queries = finished.lookup.queries();
    if (finished.done) finished.done(std::move(result));
}

void Dht::query(uint64_t lookup_id, const NodeRecord& node, TimePoint now) {
    const Endpoint& to = node.endpoint;
    // FINDNODE needs both: it saw our PONG (we are proven there) and we hold a token of its
    // that it still accepts. Otherwise ping first; its PONG brings a fresh token.
    if (we_are_proven(to, now) && fresh_token(to, now)) {
        send_findnode(lookup_id, node.id(), to, now);
        return;
    }
    // Prove ourselves first: our PING makes it PONG (saying whether we are proven there) and,
    // if we are not, PING us back; once we answered that, FINDNODE will be answered.
    m_bond_waits[to].push_back(BondWait{lookup_id, node.id(), now + 2 * m_options.request_timeout});
    send_ping(to, node.id(), false, now);
}

void Dht::send_findnode(uint64_t lookup_id, const NodeId& node, const Endpoint& to, TimePoint now) {
    uint64_t req = m_rng();
    while (m_pings.count(req) > 0 || m_finds.count(req) > 0) req = m_rng();
    PendingFind pending;
    pending.to = to;
    pending.node = node;
    pending.lookup = lookup_id;
    pending.deadline = now + m_options.request_timeout;
    m_finds.emplace(req, pending);
    auto it = m_lookups.find(lookup_id);
    const Token token = fresh_token(to, now).value_or(Token{});
    send(to, FindNode{req, it != m_lookups.end() ? it->second.lookup.target() : m_id, token});
}

void Dht::bond_ready(const Endpoint& e, TimePoint now) {
    auto it = m_bond_waits.find(e);
    if (it == m_bond_waits.end()) return;
    std::vector<BondWait> waits = std::move(it->second);
    m_bond_waits.erase(it);
    for (const auto& w : waits) {
        auto l = m_lookups.find(w.lookup);
        if (l != m_lookups.end() && l->second.lookup.in_flight(w.node)) send_findnode(w.lookup, w.node, e, now);
    }
}

void Dht::bond_failed(const Endpoint& e, TimePoint now) {
    auto it = m_bond_waits.find(e);
    if (it == m_bond_waits.end()) return;
    std::vector<BondWait> waits = std::move(it->second);
    m_bond_waits.erase(it);
    for (const auto& w : waits) query_failed(w.lookup, w.node, now);
}

void Dht::query_failed(uint64_t lookup_id, const NodeId& node, TimePoint now) {
    auto l = m_lookups.find(lookup_id);
    if (l == m_lookups.end()) return;
    l->second.lookup.failed(node);
    advance(lookup_id, now);
}

void Dht::expire(TimePoint now) {
    std::vector<uint64_t> pings;
    for (const auto& [req, p] : m_pings)
        if (p.deadline <= now) pings.push_back(req);
    for (uint64_t req : pings) {
        auto it = m_pings.find(req);
        if (it == m_pings.end()) continue;
        const PendingPing p = it->second;
        m_pings.erase(it);
        if (auto t = m_ping_to.find(p.to); t != m_ping_to.end() && t->second == req) m_ping_to.erase(t);
        // An entry that does not answer at the endpoint it is known by is evicted; the most
        // recent replacement takes its place.
        if (p.expected) {
            const auto* entry = m_table.find(*p.expected);
            if (entry != nullptr && entry->record.endpoint == p.to) m_table.remove(*p.expected);
        }
        bond_failed(p.to, now);
    }

    std::vector<uint64_t> finds;
    for (const auto& [req, f] : m_finds)
        if (f.deadline <= now) finds.push_back(req);
    for (uint64_t req : finds) {
        auto it = m_finds.find(req);
        if (it == m_finds.end()) continue;
        const PendingFind f = it->second;
        m_finds.erase(it);
        auto l = m_lookups.find(f.lookup);
        if (l == m_lookups.end()) continue;
        // Half an answer (one of two datagrams) still counts as an answer.
        if (f.parts_received > 0) {
            l->second.lookup.answered(f.node);
        } else {
            l->second.lookup.failed(f.node);
        }
        advance(f.lookup, now);
    }

    std::vector<BondWait> late;
    for (auto it = m_bond_waits.begin(); it != m_bond_waits.end();) {
        auto& waits = it->second;
        for (auto w = waits.begin(); w != waits.end();) {
            if (w->deadline <= now) {
                late.push_back(*w);
                w = waits.erase(w);
            } else {
                ++w;
            }
        }
        it = waits.empty() ? m_bond_waits.erase(it) : std::next(it);
    }
    for (const auto& w : late) query_failed(w.lookup, w.node, now);
}

void Dht::tick(TimePoint now) {
    expire(now);
    if (now >= m_next_revalidate) {
        revalidate(now);
        // Jitter of +-50% so a network started at once does not revalidate in lockstep.
        const auto base = m_options.revalidate_interval.count();
        const auto jitter = base > 1 ? static_cast<int64_t>(m_rng() % static_cast<uint64_t>(base)) - base / 2 : 0;
        m_next_revalidate = now + std::chrono::milliseconds(base + jitter);
    }
    if (now >= m_next_refresh) {
        refresh(now);
        m_next_refresh = now + m_options.refresh_interval;
    }
    if (m_table.size() > 0) {
        m_bootstrap_backoff = m_options.bootstrap_retry;
    } else if (!m_bootstrap.empty() && now >= m_next_bootstrap) {
        for (const auto& [endpoint, expected] : m_bootstrap) send_ping(endpoint, expected, true, now);
        m_bootstrap_backoff = std::min(m_bootstrap_backoff * 2, m_options.refresh_interval);
        m_next_bootstrap = now + m_bootstrap_backoff;
    }
    if (now >= m_next_prune) {
        prune_proofs(now);
        m_next_prune = now + std::chrono::hours(1);
    }
}

void Dht::revalidate(TimePoint now) {
    const std::vector<int> buckets = m_table.non_empty_buckets();
    if (buckets.empty()) return;
    const int b = buckets[m_rng() % buckets.size()];
    if (auto lrs = m_table.least_recent(b)) send_ping(lrs->endpoint, lrs->id(), false, now);
}

void Dht::refresh(TimePoint now) {
    if (m_table.size() == 0) return;  // nobody to ask: tick() pings the bootstrap nodes
    if (!m_self_lookup_running) start_lookup(m_id, [](LookupResult) {}, now);
    start_lookup(random_id(), [](LookupResult) {}, now);
}

NodeId Dht::random_id() {
    NodeId id;
    for (size_t i = 0; i < 32; i += 8) {
        const uint64_t v = m_rng();
        std::memcpy(id.data() + i, &v, 8);
    }
    return id;
}

void Dht::prune_proofs(TimePoint now) {
    // Each map is ordered by last update: expiry pops from the old end, no scan.
    auto older = [&](std::chrono::nanoseconds age) { return [&, age](const TimePoint& at) { return now - at >= age; }; };
    m_proven.pop_oldest_while(older(m_options.proof_lifetime));
    m_pinged_by.pop_oldest_while(older(m_options.proof_lifetime));
    m_tokens.pop_oldest_while([&](const TokenSeen& t) { return now - t.at >= std::chrono::hours(2); });
    m_budgets.pop_oldest_while([&](const IpBudget& b) { return now - b.at >= std::chrono::minutes(10); });
}

}  // namespace finch::net::dht
