// The engine's message handling, endpoint proofs, own record and persistence. Lookups,
// timeouts, revalidation and refresh are in dht_lookup.cpp.
#include "node/net/dht/dht.h"

#include <algorithm>

namespace finch::net::dht {

namespace {

constexpr size_t kMaxProofs = 8192;      // endpoints remembered per direction
constexpr size_t kMaxVotes = 20;         // recent PONG statements about our endpoint
constexpr uint8_t kTableVersion = 1;
constexpr uint64_t kMaxPersisted = 256 * 64;

uint64_t default_unix_time() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

Dht::Dht(SigningKey key, const Endpoint& endpoint, uint64_t seq, const Magic& magic, Options options, SendFn send)
    : m_key(std::move(key)),
      m_id(m_key.id()),
      m_magic(magic),
      m_options(std::move(options)),
      m_send(std::move(send)),
      m_table(m_id, [&] {
          TableOptions t = m_options.table;
          t.bucket_size = m_options.k;
          return t;
      }()),
      m_rng(m_options.rng_seed != 0 ? m_options.rng_seed : std::random_device{}()),
      m_verify_cache(m_options.verify_cache ? m_options.verify_cache : std::make_shared<VerifyCache>(20000)) {
    if (!m_options.clock) m_options.clock = [] { return Clock::now(); };
    if (!m_options.unix_time) m_options.unix_time = default_unix_time;
    m_record = m_key.sign(endpoint, seq, m_magic);
    const TimePoint now = m_options.clock();
    m_next_revalidate = now + m_options.revalidate_interval;
    m_next_refresh = now + m_options.refresh_interval;
    m_next_prune = now + std::chrono::hours(1);
}

void Dht::send(const Endpoint& to, const Message& m) {
    Bytes data = encode_message(m, m_magic);
    m_stats.bytes_sent += data.size();
    ++m_stats.datagrams_sent;
    m_send(to, std::move(data));
}

void Dht::send_ping(const Endpoint& to, std::optional<NodeId> expected, bool bootstrap, TimePoint now) {
    if (auto it = m_ping_to.find(to); it != m_ping_to.end()) {
        PendingPing& p = m_pings.at(it->second);
        p.bootstrap = p.bootstrap || bootstrap;
        if (!p.expected) p.expected = expected;
        return;
    }
    uint64_t req = m_rng();
    while (m_pings.count(req) > 0 || m_finds.count(req) > 0) req = m_rng();
    m_pings[req] = PendingPing{to, expected, bootstrap, now + m_options.request_timeout};
    m_ping_to[to] = req;
    send(to, Ping{req, m_record, to, 0});
}

bool Dht::verify(const NodeRecord& record) { return m_verify_cache->verify(record, m_magic); }

bool Dht::is_proven(const Endpoint& e, TimePoint now) const {
    auto it = m_proven.find(e);
    return it != m_proven.end() && now - it->second < m_options.proof_lifetime;
}

bool Dht::we_are_proven(const Endpoint& e, TimePoint now) const {
    // Half the lifetime: the other side's clock and ours need not agree on the last minutes.
    auto it = m_pinged_by.find(e);
    return it != m_pinged_by.end() && now - it->second < m_options.proof_lifetime / 2;
}

Status Dht::receive(ByteSpan datagram, const Endpoint& from, TimePoint now) {
    m_stats.bytes_received += datagram.size();
    ++m_stats.datagrams_received;
    auto decoded = decode_message(datagram, m_magic);
    Status status;
    if (!decoded) {
        status = decoded.error();
    } else if (auto* p = std::get_if<Ping>(&*decoded)) {
        status = on_ping(*p, from, now);
    } else if (auto* p = std::get_if<Pong>(&*decoded)) {
        status = on_pong(*p, from, now);
    } else if (auto* p = std::get_if<FindNode>(&*decoded)) {
        status = on_findnode(*p, from, now);
    } else if (auto* p = std::get_if<Nodes>(&*decoded)) {
        status = on_nodes(*p, from, now);
    }
    if (!status) ++m_stats.rejected;
    return status;
}

Status Dht::on_ping(const Ping& m, const Endpoint& from, TimePoint now) {
    if (!verify(m.record)) return reject(dht_error::kBadRecord, "ping from " + from.to_string(), Fault::Decode);
    const NodeId id = m.record.id();
    if (id == m_id) return reject(dht_error::kSelf, {}, Fault::Policy);
    if (!allowed(id)) return reject(dht_error::kNotAllowed, id.to_hex(), Fault::Policy);
    const bool proven = is_proven(from, now);
    send(from, Pong{m.request_id, m_record, from, static_cast<uint8_t>(proven ? kPongProven : 0)});
    if (m_pinged_by.size() >= kMaxProofs && m_pinged_by.count(from) == 0) prune_proofs(now);
    if (m_pinged_by.size() < kMaxProofs || m_pinged_by.count(from) > 0) m_pinged_by[from] = now;
    // A known node pinging from where its record says: alive, and maybe a newer record.
    if (m.record.endpoint == from && m_table.find(id) != nullptr) m_table.add(m.record, now);
    if (!proven) send_ping(from, id, false, now);
    bond_ready(from, now);
    return Status::accepted();
}

Status Dht::on_pong(const Pong& m, const Endpoint& from, TimePoint now) {
    auto it = m_pings.find(m.request_id);
    if (it == m_pings.end() || it->second.to != from)
        return reject(dht_error::kUnsolicited, "pong from " + from.to_string(), Fault::Policy);
    if (!verify(m.record)) return reject(dht_error::kBadRecord, "pong from " + from.to_string(), Fault::Decode);
    const PendingPing ping = it->second;
    m_pings.erase(it);
    m_ping_to.erase(from);
    const NodeId id = m.record.id();
    Status refused;
    if (ping.expected && id != *ping.expected) {
        refused = reject(dht_error::kWrongIdentity, from.to_string() + " is " + id.to_hex(), Fault::Policy);
    } else if (id == m_id) {
        refused = reject(dht_error::kSelf, {}, Fault::Policy);
    } else if (!allowed(id)) {
        refused = reject(dht_error::kNotAllowed, id.to_hex(), Fault::Policy);
    }
    if (!refused) {
        bond_failed(from, now);
        return refused;
    }
    if (m_proven.size() >= kMaxProofs && m_proven.count(from) == 0) prune_proofs(now);
    if (m_proven.size() < kMaxProofs || m_proven.count(from) > 0) m_proven[from] = now;
    note_observed(id, m.observed);
    node_alive(m.record, from, now);
    if (auto w = m_bond_waits.find(from); w != m_bond_waits.end()) {
        for (const auto& wait : w->second)
            if (auto l = m_lookups.find(wait.lookup); l != m_lookups.end()) l->second.lookup.update_record(m.record);
    }
    if ((m.flags & kPongProven) != 0 || we_are_proven(from, now)) bond_ready(from, now);
    if (ping.bootstrap && !m_self_lookup_running) start_lookup(m_id, [](LookupResult) {}, now);
    return Status::accepted();
}

void Dht::node_alive(const NodeRecord& record, const Endpoint& from, TimePoint now) {
    // Only the endpoint the signed record names goes into the table, and only once it answered.
    if (record.endpoint != from || !record.endpoint.usable()) return;
    auto outcome = m_table.add(record, now);
    if (outcome.check && outcome.check->id() != record.id()) {
        // Bucket full: ping its least-recently-seen entry; if it is gone, a replacement moves in.
        send_ping(outcome.check->endpoint, outcome.check->id(), false, now);
    }
}

Status Dht::on_findnode(const FindNode& m, const Endpoint& from, TimePoint now) {
    if (!is_proven(from, now)) return reject(dht_error::kUnproven, from.to_string(), Fault::Policy);
    std::vector<NodeRecord> records = m_table.closest(m.target, std::min(m_options.k, kMaxRecordsPerNodes * kMaxNodesParts));
    for (Bytes& datagram : encode_nodes(m.request_id, records, m_magic)) {
        m_stats.bytes_sent += datagram.size();
        ++m_stats.datagrams_sent;
        m_send(from, std::move(datagram));
    }
    return Status::accepted();
}

Status Dht::on_nodes(const Nodes& m, const Endpoint& from, TimePoint now) {
    auto it = m_finds.find(m.request_id);
    if (it == m_finds.end() || it->second.to != from)
        return reject(dht_error::kUnsolicited, "nodes from " + from.to_string(), Fault::Policy);
    std::vector<NodeRecord> good;
    size_t bad = 0;
    for (const auto& rec : m.records) {
        if (!verify(rec)) {
            ++bad;
            continue;
        }
        if (allowed(rec.id())) good.push_back(rec);
    }
    PendingFind& find = it->second;
    if (find.parts_expected == 0) find.parts_expected = m.total;
    ++find.parts_received;
    const uint64_t lookup_id = find.lookup;
    const NodeId node = find.node;
    const bool complete = find.parts_received >= find.parts_expected;
    if (complete) m_finds.erase(it);
    if (auto l = m_lookups.find(lookup_id); l != m_lookups.end()) {
        l->second.lookup.add_records(node, good);
        if (complete) {
            l->second.lookup.answered(node);
            advance(lookup_id, now);
        }
    }
    if (bad > 0) return reject(dht_error::kBadRecord, std::to_string(bad) + " records in nodes", Fault::Decode);
    return Status::accepted();
}

void Dht::note_observed(const NodeId& reporter, const Endpoint& observed) {
    if (m_options.endpoint_votes == 0 || !observed.usable()) return;
    std::erase_if(m_votes, [&](const auto& v) { return v.first == reporter; });
    m_votes.emplace_back(reporter, observed);
    if (m_votes.size() > kMaxVotes) m_votes.pop_front();
    if (observed == m_record.endpoint) return;
    const auto agree = std::count_if(m_votes.begin(), m_votes.end(), [&](const auto& v) { return v.second == observed; });
    if (static_cast<size_t>(agree) >= m_options.endpoint_votes) {
        set_endpoint(observed);
        m_votes.clear();
    }
}

void Dht::set_endpoint(const Endpoint& endpoint) {
    if (endpoint == m_record.endpoint) return;
    const uint64_t seq = std::max(m_record.seq + 1, m_options.unix_time());
    m_record = m_key.sign(endpoint, seq, m_magic);
    // Others proved our old endpoint, not this one: prove ourselves again before FINDNODE.
    m_pinged_by.clear();
}

void Dht::set_allowed(std::set<NodeId> allowed) {
    m_allowed = std::move(allowed);
    if (m_allowed.empty()) return;
    m_table.retain([this](const NodeId& id) { return m_allowed.count(id) > 0; });
    m_proven.clear();  // proofs were made by identities that may no longer be allowed
}

std::vector<NodeRecord> Dht::sample(size_t n, std::mt19937_64& rng) const {
    std::vector<NodeRecord> all = m_table.all();
    std::shuffle(all.begin(), all.end(), rng);
    if (all.size() > n) all.resize(n);
    return all;
}

Stats Dht::stats() const {
    Stats s = m_stats;
    s.buckets = m_table.non_empty_buckets().size();
    s.nodes = m_table.size();
    s.replacements = m_table.replacement_count();
    s.lookups = m_lookups.size();
    s.pending_requests = m_pings.size() + m_finds.size();
    s.proven_endpoints = m_proven.size();
    return s;
}

Bytes Dht::serialize() const {
    const std::vector<NodeRecord> records = m_table.all();
    Writer w(8 + records.size() * kRecordSize);
    w.u8(kTableVersion);
    w.bytes(m_magic);
    w.compact_size(records.size());
    for (const auto& rec : records) rec.encode(w);
    return w.take();
}

Result<std::vector<NodeRecord>> Dht::deserialize(ByteSpan data, const Magic& magic) {
    Reader r(data);
    const uint8_t version = r.u8();
    if (r.ok() && version != kTableVersion)
        return reject("dht-table-version", "version " + std::to_string(version), Fault::Decode);
    ByteSpan m = r.bytes(4);
    if (r.ok() && !std::equal(magic.begin(), magic.end(), m.begin())) return reject(dht_error::kBadMagic, {}, Fault::Decode);
    const uint64_t n = r.compact_size(kMaxPersisted);
    std::vector<NodeRecord> records;
    for (uint64_t i = 0; i < n && r.ok(); ++i) records.push_back(NodeRecord::decode(r));
    r.expect_end();
    if (!r.ok()) return r.error();
    std::erase_if(records, [&](const NodeRecord& rec) { return !verify_record(rec, magic); });
    return records;
}

size_t Dht::restore(const std::vector<NodeRecord>& records) {
    size_t taken = 0;
    for (const auto& rec : records) {
        const NodeId id = rec.id();
        if (id == m_id || !allowed(id) || !rec.endpoint.usable() || !verify(rec)) continue;
        if (m_table.add(rec, TimePoint{}).result == RoutingTable::AddResult::Added) ++taken;
    }
    return taken;
}

}  // namespace finch::net::dht
