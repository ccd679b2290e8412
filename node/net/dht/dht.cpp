// The engine's message handling, endpoint proofs, own record and persistence. Lookups,
// timeouts, revalidation and refresh are in dht_lookup.cpp.
#include "node/net/dht/dht.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace finch::net::dht {

namespace {

constexpr size_t kMaxVotes = 10;         // recent PONG statements about our endpoint
constexpr size_t kMaxBudgets = 4096;     // source IPs with a rate budget
// A token we received is used for at most this long: its sender accepts the current and the
// previous hour's token, so one is good for at least an hour after it was made.
constexpr auto kTokenUse = std::chrono::minutes(50);
constexpr uint8_t kTableVersion = 1;
constexpr uint64_t kMaxPersisted = 256 * 64;

uint64_t default_unix_time() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::optional<GroupKey> ip_group(const Endpoint& e) {
    if (is_loopback(e)) return std::nullopt;
    return e.ip;
}

uint64_t hour_epoch(TimePoint now) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count());
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
      m_verify_cache(m_options.verify_cache ? m_options.verify_cache : std::make_shared<VerifyCache>(20000)),
      m_proven(m_options.max_endpoints, m_options.max_per_ip, ip_group),
      m_pinged_by(m_options.max_endpoints, m_options.max_per_ip, ip_group),
      m_tokens(m_options.max_endpoints, m_options.max_per_ip, ip_group),
      m_budgets(kMaxBudgets) {
    if (!m_options.clock) m_options.clock = [] { return Clock::now(); };
    if (!m_options.unix_time) m_options.unix_time = default_unix_time;
    FINCH_ASSERT(RAND_bytes(m_secret.data(), static_cast<int>(m_secret.size())) == 1);
    Endpoint ours = endpoint;
    if (!m_options.listening) {
        ours = Endpoint{};
        m_options.endpoint_votes = 0;
    } else if (m_options.fixed_port != 0 && ours.usable()) {
        ours.port = m_options.fixed_port;
    }
    m_record = m_key.sign(ours, seq, m_magic);
    const TimePoint now = m_options.clock();
    m_next_revalidate = now + m_options.revalidate_interval;
    m_next_refresh = now + m_options.refresh_interval;
    m_next_prune = now + std::chrono::hours(1);
    m_options.bootstrap_retry = std::max(m_options.bootstrap_retry, std::chrono::milliseconds(1000));
    m_bootstrap_backoff = m_options.bootstrap_retry;
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
    send(to, Ping{req, m_record, to, token_for(to, now), 0});
}

bool Dht::verify(const NodeRecord& record) { return m_verify_cache->verify(record, m_magic); }

bool Dht::is_proven(const Endpoint& e, TimePoint now) const {
    const TimePoint* at = m_proven.find(e);
    return at != nullptr && now - *at < m_options.proof_lifetime;
}

bool Dht::we_are_proven(const Endpoint& e, TimePoint now) const {
    // Half the lifetime: the other side's clock and ours need not agree on the last minutes.
    const TimePoint* at = m_pinged_by.find(e);
    return at != nullptr && now - *at < m_options.proof_lifetime / 2;
}

Token Dht::token_at(const Endpoint& e, uint64_t epoch) const {
    uint8_t input[16 + 2 + 8];
    std::memcpy(input, e.ip.data(), 16);
    input[16] = static_cast<uint8_t>(e.port);
    input[17] = static_cast<uint8_t>(e.port >> 8);
    for (size_t i = 0; i < 8; ++i) input[18 + i] = static_cast<uint8_t>(epoch >> (8 * i));
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    FINCH_ASSERT(HMAC(EVP_sha256(), m_secret.data(), static_cast<int>(m_secret.size()), input, sizeof(input), mac, &len) !=
                 nullptr);
    Token t;
    std::memcpy(t.data(), mac, t.size());
    return t;
}

Token Dht::token_for(const Endpoint& e, TimePoint now) const { return token_at(e, hour_epoch(now)); }

bool Dht::token_valid(const Endpoint& e, const Token& t, TimePoint now) const {
    const uint64_t epoch = hour_epoch(now);
    const Token current = token_at(e, epoch);
    if (CRYPTO_memcmp(current.data(), t.data(), t.size()) == 0) return true;
    if (epoch == 0) return false;
    const Token previous = token_at(e, epoch - 1);
    return CRYPTO_memcmp(previous.data(), t.data(), t.size()) == 0;
}

std::optional<Token> Dht::fresh_token(const Endpoint& e, TimePoint now) const {
    const TokenSeen* seen = m_tokens.find(e);
    if (seen == nullptr || now - seen->at >= kTokenUse) return std::nullopt;
    return seen->token;
}

bool Dht::take_budget(const Endpoint& from, bool pingback, TimePoint now) {
    if (is_loopback(from)) return true;
    IpBudget* b = m_budgets.find(from.ip);
    if (b == nullptr) {
        b = &m_budgets.put(from.ip, IpBudget{m_options.ping_burst, m_options.pingback_burst, now});
    } else {
        m_budgets.touch(from.ip);
        const double seconds = std::chrono::duration<double>(now - b->at).count();
        if (seconds > 0) {
            b->pings = std::min(m_options.ping_burst, b->pings + seconds * m_options.pings_per_second);
            b->pingbacks = std::min(m_options.pingback_burst, b->pingbacks + seconds * m_options.pingbacks_per_second);
            b->at = now;
        }
    }
    double& tokens = pingback ? b->pingbacks : b->pings;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
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
    // Cheap checks first; the signature (the expensive one) last.
    if (!from.usable() || is_multicast(from)) return reject(dht_error::kBadEndpoint, from.to_string(), Fault::Policy);
    const NodeId id = m.record.id();
    if (id == m_id) return reject(dht_error::kSelf, {}, Fault::Policy);
    if (!allowed(id)) return reject(dht_error::kNotAllowed, id.to_hex(), Fault::Policy);
    if (!take_budget(from, false, now)) {
        ++m_stats.rate_limited;
        return reject(dht_error::kRateLimited, "ping from " + from.to_string(), Fault::Policy);
    }
    if (!verify(m.record)) return reject(dht_error::kBadRecord, "ping from " + from.to_string(), Fault::Decode);
    const bool proven = is_proven(from, now);
    send(from, Pong{m.request_id, m_record, from, token_for(from, now), static_cast<uint8_t>(proven ? kPongProven : 0)});
    m_pinged_by.put(from, now);
    m_tokens.put(from, TokenSeen{m.token, now});
    // A known node pinging from where its record says: alive, and maybe a newer record.
    if (m.record.endpoint == from && m_table.find(id) != nullptr) m_table.add(m.record, now);
    if (!proven) {
        // A PING back doubles what a spoofed PING makes us send: only within the IP's budget
        // (or when one is in flight anyway, which costs nothing more).
        if (m_ping_to.count(from) > 0 || take_budget(from, true, now)) {
            send_ping(from, id, false, now);
        } else {
            ++m_stats.pingbacks_skipped;
        }
    }
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
    m_proven.put(from, now);
    m_tokens.put(from, TokenSeen{m.token, now});
    node_alive(m.record, from, now);
    note_observed(m.record, from, m.observed);
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
    // The proof is keyed by address alone, which a spoofed source copies; the token is not.
    if (!token_valid(from, m.token, now)) return reject(dht_error::kBadToken, from.to_string(), Fault::Policy);
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
        // A public node cannot vouch for loopback or LAN endpoints (they would be ours, or
        // someone's on our network): dropped, like unusable and multicast ones.
        if (!relay_allowed(rec.endpoint, from)) {
            ++m_stats.relay_dropped;
            continue;
        }
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

void Dht::note_observed(const NodeRecord& reporter, const Endpoint& from, Endpoint observed) {
    if (m_options.endpoint_votes == 0 || !m_options.listening) return;
    if (m_options.fixed_port != 0) observed.port = m_options.fixed_port;
    // A public voter cannot tell us we are at a loopback or LAN address.
    if (!relay_allowed(observed, from)) return;
    // Only nodes of our table, answering from the endpoint their record names.
    const NodeId id = reporter.id();
    const auto* entry = m_table.find(id);
    if (entry == nullptr || entry->record.endpoint != from) return;
    Vote vote;
    vote.by_subnet = !is_exempt_address(from);
    vote.subnet = subnet_key(from);
    vote.voter = id;
    vote.observed = observed;
    // One vote per subnet (public voters) or per node (loopback/LAN voters): the newest.
    std::erase_if(m_votes, [&](const Vote& v) {
        return v.by_subnet == vote.by_subnet && (vote.by_subnet ? v.subnet == vote.subnet : v.voter == vote.voter);
    });
    m_votes.push_back(vote);
    if (m_votes.size() > kMaxVotes) m_votes.pop_front();
    if (observed == m_record.endpoint) return;
    const auto agree = static_cast<size_t>(
        std::count_if(m_votes.begin(), m_votes.end(), [&](const Vote& v) { return v.observed == observed; }));
    if (agree >= m_options.endpoint_votes && 2 * agree > m_votes.size()) {
        set_endpoint(observed);
        m_votes.clear();
    }
}

void Dht::set_endpoint(const Endpoint& endpoint) {
    if (!m_options.listening) return;  // never a usable endpoint
    Endpoint e = endpoint;
    if (m_options.fixed_port != 0 && e.usable()) e.port = m_options.fixed_port;
    if (e == m_record.endpoint) return;
    const uint64_t seq = std::max(m_record.seq + 1, m_options.unix_time());
    m_record = m_key.sign(e, seq, m_magic);
    // Others proved our old endpoint, not this one, and their tokens name the old one:
    // prove ourselves again before FINDNODE.
    m_pinged_by.clear();
    m_tokens.clear();
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
