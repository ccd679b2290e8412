// The explorer's JSON API. Paths and shapes: explorer_api.h and docs/explorer.md.
#include "rpc/explorer_api.h"

#include "rpc/json_format.h"
#include "rpc/protocol.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace finch::rpc {

namespace {

constexpr uint64_t kMaxPage = 1'000'000;
// Address pages by number skip entries one by one: 400 pages (10,000 entries) at most. Older
// history is read from a place (?after=), which seeks straight to it.
constexpr uint64_t kMaxAddressPage = 400;

// "height.position.role" (role: mined, sent or received), as the API writes it in "next".
std::string place_text(const AddressTransfer& t) {
    return std::to_string(t.height) + "." + std::to_string(t.position) + "." + role_name(t.role);
}

std::optional<HistoryPlace> parse_place(std::string_view s) {
    const size_t a = s.find('.');
    const size_t b = a == std::string_view::npos ? a : s.find('.', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    HistoryPlace p;
    auto number = [](std::string_view v, uint64_t max, uint64_t& out) {
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        return !v.empty() && ec == std::errc() && end == v.data() + v.size() && out <= max;
    };
    uint64_t position = 0;
    if (!number(s.substr(0, a), 0xffffffffu, p.height) || !number(s.substr(a + 1, b - a - 1), 0x3fffu, position))
        return std::nullopt;
    p.position = static_cast<uint32_t>(position);
    const std::string_view role = s.substr(b + 1);
    if (role == "mined") p.role = TransferRole::Mined;
    else if (role == "sent") p.role = TransferRole::Sent;
    else if (role == "received") p.role = TransferRole::Received;
    else return std::nullopt;
    return p;
}

// The value of `key` in "a=1&b=2" as raw text, or nullopt when absent.
std::optional<std::string_view> query_text(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const size_t eq = pair.find('=');
        if (pair.substr(0, eq) == key) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    return std::nullopt;
}

ApiReply ok(const Json& j, bool immutable = false) { return {200, dump_json(j), immutable}; }

ApiReply fail(ApiFault fault, const std::string& message) {
    const char* kind = fault == ApiFault::NotFound       ? "not-found"
                       : fault == ApiFault::WrongNetwork ? "wrong-network"
                       : fault == ApiFault::IndexOff     ? "index-off"
                                                         : "bad-request";
    const int status = fault == ApiFault::NotFound ? 404 : fault == ApiFault::IndexOff ? 503 : 400;
    return {status, dump_json(Json{{"error", message}, {"code", kind}}), false};
}

// "%41b" -> "Ab"; nullopt for a broken escape or a decoded byte outside printable ASCII (no
// query the API answers needs one).
std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return std::nullopt;
            unsigned v = 0;
            auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
            if (ec != std::errc() || p != in.data() + i + 3) return std::nullopt;
            c = static_cast<char>(v);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return std::nullopt;
        out += c;
    }
    return out;
}

// The value of `key` in "a=1&b=2" as a number up to `max`; `fallback` when absent, nullopt
// when present but not a number in range.
std::optional<uint64_t> query_number(std::string_view query, std::string_view key, uint64_t fallback, uint64_t max) {
    while (!query.empty()) {
        const size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const size_t eq = pair.find('=');
        if (pair.substr(0, eq) != key) continue;
        if (eq == std::string_view::npos) return std::nullopt;
        std::string_view v = pair.substr(eq + 1);
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n > max) return std::nullopt;
        return n;
    }
    return fallback;
}

std::optional<Hash256> parse_hash(std::string_view s) {
    if (s.size() != 64) return std::nullopt;
    return Hash256::from_hex(std::string(s));
}

std::optional<uint64_t> parse_height(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    uint64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return n;
}

Json mempool_json(const MempoolEntry& e, const ChainParams& params) {
    return Json{{"txid", e.txid.to_hex()},
                {"from", encode_address(e.tx.sender_id(), params)},
                {"to", encode_address(e.tx.recipient, params)},
                {"amount", e.tx.amount},
                {"fee", e.fee},
                {"nonce", e.tx.nonce},
                {"size", e.size},
                {"time", e.time}};
}

// Expected hashes to find a block at this target: 2^256 / (target + 1), as a double.
double block_work(uint32_t bits) {
    const double target = Uint256::from_compact(bits).to_double();
    return std::ldexp(1.0, 256) / (target + 1.0);
}

}  // namespace

ApiReply ExplorerApi::handle(std::string_view target) {
    std::string_view path = target;
    std::string_view query;
    if (size_t q = target.find('?'); q != std::string_view::npos) {
        path = target.substr(0, q);
        query = target.substr(q + 1);
    }
    constexpr std::string_view kPrefix = "/api/";
    if (path.substr(0, kPrefix.size()) != kPrefix) return fail(ApiFault::NotFound, "not an API path");
    path.remove_prefix(kPrefix.size());
    const size_t slash = path.find('/');
    const std::string_view what = path.substr(0, slash);
    const std::string_view rest = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    const bool has_rest = slash != std::string_view::npos;
    try {
        if (what == "tip" && !has_rest) return tip();
        if (what == "blocks" && !has_rest) return blocks(query);
        if (what == "mempool" && !has_rest) return mempool();
        if (has_rest && !rest.empty()) {
            auto decoded = percent_decode(rest);
            if (!decoded) return fail(ApiFault::BadRequest, "the query is not printable text");
            if (what == "block") return block(*decoded, query);
            if (what == "tx") return tx(*decoded);
            if (what == "address") return address(*decoded, query);
            if (what == "search") return search(*decoded);
        }
    } catch (const std::exception& e) {
        return {500, dump_json(Json{{"error", std::string("internal error: ") + e.what()}, {"code", "internal"}}), false};
    }
    return fail(ApiFault::NotFound, "unknown API path");
}

std::optional<ExplorerApi::BlockBrief> ExplorerApi::brief(const Hash256& hash) {
    {
        util::LockGuard lock(m_mutex);
        if (auto it = m_briefs.find(hash); it != m_briefs.end()) return it->second;
    }
    auto info = m_node.block(hash);
    if (!info) return std::nullopt;
    BlockBrief b;
    b.hash = hash;
    b.height = info->height;
    b.time = info->block.header.time;
    b.bits = info->block.header.bits;
    b.transactions = info->block.txs.size() + 1;
    b.size = info->block.serialized_size();
    b.work = block_work(b.bits);
    for (const Transaction& tx : info->block.txs) b.fees += tx.fee;
    b.miner = info->block.coinbase.recipient;
    util::LockGuard lock(m_mutex);
    if (m_briefs.size() >= 4 * kMaxRecentBlocks) m_briefs.clear();  // a bound, not an LRU: refilled from the store
    m_briefs.emplace(hash, b);
    return b;
}

std::optional<std::string> ExplorerApi::cached_page(const std::string& key) {
    util::LockGuard lock(m_mutex);
    auto it = m_page_index.find(key);
    if (it == m_page_index.end()) return std::nullopt;
    m_pages.splice(m_pages.begin(), m_pages, it->second);
    return it->second->second;
}

void ExplorerApi::remember_page(const std::string& key, const std::string& body) {
    util::LockGuard lock(m_mutex);
    if (m_page_index.count(key) || body.size() > kMaxCachedBytes / 4) return;
    m_pages.emplace_front(key, body);
    m_page_index.emplace(key, m_pages.begin());
    m_page_bytes += body.size();
    while (m_pages.size() > m_max_cached_pages || m_page_bytes > kMaxCachedBytes) {
        m_page_bytes -= m_pages.back().second.size();
        m_page_index.erase(m_pages.back().first);
        m_pages.pop_back();
    }
}

ApiReply ExplorerApi::tip() {
    const TipSummary t = m_node.tip_summary();
    const MempoolInfo mp = m_node.mempool_info();
    const NetworkInfo net = m_node.network_info();
    const MiningInfo mining = m_node.mining_info();
    const auto b = brief(t.hash);
    return ok(Json{{"network", m_node.params().name},
                   {"height", t.height},
                   {"hash", t.hash.to_hex()},
                   {"time", b ? b->time : 0},
                   {"difficulty", t.difficulty},
                   {"hashrate", mining.network_hashps},
                   {"mempool", {{"count", mp.size}, {"bytes", mp.bytes}}},
                   {"peers", net.connections}});
}

ApiReply ExplorerApi::blocks(std::string_view query) {
    const auto count = query_number(query, "count", 10, kMaxRecentBlocks);
    if (!count || *count == 0) return fail(ApiFault::BadRequest, "count must be from 1 to 100");
    const TipSummary t = m_node.tip_summary();
    Json out = Json::array();
    for (uint64_t i = 0; i < *count && i <= t.height; ++i) {
        const auto hash = m_node.block_hash_at(t.height - i);
        const auto b = hash ? brief(*hash) : std::nullopt;
        if (!b) break;  // a reorg under our feet: the list so far is still right
        out.push_back(Json{{"height", b->height},
                           {"hash", b->hash.to_hex()},
                           {"time", b->time},
                           {"transactions", b->transactions},
                           {"size", b->size},
                           {"difficulty", difficulty_of(b->bits, m_node.params())},
                           {"work", b->work},
                           {"fees", b->fees},
                           {"miner", encode_address(b->miner, m_node.params())}});
    }
    return ok(out);
}

ApiReply ExplorerApi::block(std::string_view id, std::string_view query) {
    // "<hash>/status": what changes as the chain grows; the rest of a block never does.
    bool status = false;
    if (id.size() > 7 && id.substr(id.size() - 7) == "/status") {
        status = true;
        id.remove_suffix(7);
    }
    std::optional<Hash256> hash = parse_hash(id);
    const bool by_height = !hash;
    if (!hash) {
        const auto height = parse_height(id);
        if (!height) return fail(ApiFault::BadRequest, "a block is named by its hash (64 hex) or its height");
        hash = m_node.block_hash_at(*height);
        if (!hash) return fail(ApiFault::NotFound, "no block at height " + std::string(id));
    }
    const auto page = query_number(query, "page", 0, kMaxPage);
    if (!page) return fail(ApiFault::BadRequest, "page must be a number");
    // By height the answer follows the active chain; by hash it is fixed for good.
    const std::string cache_key = hash->to_hex() + "/" + std::to_string(*page);
    if (!status)
        if (auto body = cached_page(cache_key)) return {200, std::move(*body), !by_height};
    auto info = m_node.block(*hash);
    if (!info) return fail(ApiFault::NotFound, "block not found");
    const ChainParams& params = m_node.params();
    if (status) {
        Json s{{"in_active_chain", info->confirmations >= 0}, {"confirmations", std::max<int64_t>(info->confirmations, 0)}};
        s["next"] = info->next_hash ? Json(info->next_hash->to_hex()) : Json(nullptr);
        return ok(s);
    }
    const Block& blk = info->block;
    const size_t total = blk.txs.size() + 1;
    const size_t pages = (total + kPageSize - 1) / kPageSize;
    // Not cached: pages past the end must not push real ones out of the cache.
    if (*page >= pages)
        return fail(ApiFault::NotFound, "the block has " + std::to_string(pages) + " page(s) of transactions");
    Amount fees = 0;
    for (const Transaction& tx : blk.txs) fees += tx.fee;
    Json out{{"hash", hash->to_hex()},
             {"height", info->height},
             {"time", blk.header.time},
             {"version", blk.header.version},
             {"merkleroot", blk.header.merkle_root.to_hex()},
             {"bits", bits_hex(blk.header.bits)},
             {"difficulty", difficulty_of(blk.header.bits, params)},
             {"nonce", blk.header.nonce},
             {"chainwork", info->chain_work.to_hex()},
             {"size", blk.serialized_size()},
             {"transactions", total},
             {"fees", fees},
             {"reward", blk.coinbase.amount},
             {"miner", encode_address(blk.coinbase.recipient, params)},
             {"page", *page},
             {"pages", pages},
             {"page_size", kPageSize}};
    out["previous"] = blk.header.prev_hash.is_zero() ? Json(nullptr) : Json(blk.header.prev_hash.to_hex());
    Json txs = Json::array();
    for (size_t i = *page * kPageSize; i < total && i < (*page + 1) * kPageSize; ++i) {
        if (i == 0) {
            txs.push_back(Json{{"txid", blk.coinbase.txid().to_hex()},
                               {"coinbase", true},
                               {"to", encode_address(blk.coinbase.recipient, params)},
                               {"amount", blk.coinbase.amount}});
            continue;
        }
        const Transaction& t = blk.txs[i - 1];
        txs.push_back(Json{{"txid", t.txid().to_hex()},
                           {"from", encode_address(t.sender_id(), params)},
                           {"to", encode_address(t.recipient, params)},
                           {"amount", t.amount},
                           {"fee", t.fee},
                           {"nonce", t.nonce}});
    }
    out["tx"] = std::move(txs);
    ApiReply reply = ok(out, !by_height);
    remember_page(cache_key, reply.body);
    return reply;
}

ApiReply ExplorerApi::tx(std::string_view id) {
    const auto txid = parse_hash(id);
    if (!txid) return fail(ApiFault::BadRequest, "a transaction id is 64 hex digits");
    const auto info = m_node.transaction(*txid);
    if (!info) return fail(ApiFault::NotFound, "transaction not found");
    const ChainParams& params = m_node.params();
    Json out{{"txid", txid->to_hex()}, {"status", info->in_mempool ? "pending" : "confirmed"}};
    if (info->coinbase) {
        out["coinbase"] = true;
        out["to"] = encode_address(info->coinbase->recipient, params);
        out["amount"] = info->coinbase->amount;
        out["fee"] = 0;
    } else {
        const Transaction& t = *info->transfer;
        out["coinbase"] = false;
        out["from"] = encode_address(t.sender_id(), params);
        out["to"] = encode_address(t.recipient, params);
        out["amount"] = t.amount;
        out["fee"] = t.fee;
        out["nonce"] = t.nonce;
        out["size"] = t.serialize().size();
    }
    if (info->block_hash) {
        out["block"] = info->block_hash->to_hex();
        out["height"] = info->block_height;
        out["time"] = info->block_time;
        out["confirmations"] = info->confirmations;
    }
    return ok(out);
}

ApiReply ExplorerApi::address(std::string_view id, std::string_view query) {
    const ChainParams& params = m_node.params();
    auto account = decode_address(id, params);
    if (!account)
        return fail(account.error().code == "address-wrong-network" ? ApiFault::WrongNetwork : ApiFault::BadRequest,
                    account.error().detail);
    const auto page = query_number(query, "page", 0, kMaxAddressPage);
    if (!page)
        return fail(ApiFault::BadRequest, "page must be a number up to " + std::to_string(kMaxAddressPage) +
                                              "; older history is read with ?after= (the \"next\" of a page)");
    HistoryQuery history_query;
    history_query.skip = *page * kPageSize;
    history_query.count = kPageSize + 1;  // one more than a page tells whether a next page exists
    if (auto after = query_text(query, "after")) {
        history_query.after = parse_place(*after);
        if (!history_query.after) return fail(ApiFault::BadRequest, "after is HEIGHT.POSITION.ROLE, as in \"next\"");
    }
    const AccountInfo a = m_node.account(*account);
    Json out{{"address", encode_address(*account, params)},
             {"balance", a.balance},
             {"nonce", a.nonce},
             {"pending_balance", a.pending_balance},
             {"pending_nonce", a.pending_nonce},
             {"page", *page},
             {"page_size", kPageSize}};
    Json pending = Json::array();
    for (const MempoolEntry& e : m_node.mempool_latest(kPageSize, *account)) pending.push_back(mempool_json(e, params));
    out["pending"] = std::move(pending);
    auto history = m_node.address_history(*account, history_query);
    if (!history) {
        out["history"] = nullptr;
        out["more"] = false;
        out["next"] = nullptr;
        return ok(out);
    }
    out["more"] = history->size() > kPageSize;
    if (history->size() > kPageSize) history->pop_back();
    out["next"] = out["more"] && !history->empty() ? Json(place_text(history->back())) : Json(nullptr);
    Json h = Json::array();
    for (const AddressTransfer& t : *history) h.push_back(address_transfer_json(t, params));
    out["history"] = std::move(h);
    return ok(out);
}

ApiReply ExplorerApi::mempool() {
    const MempoolInfo mp = m_node.mempool_info();
    Json latest = Json::array();
    for (const MempoolEntry& e : m_node.mempool_latest(kPageSize, std::nullopt))
        latest.push_back(mempool_json(e, m_node.params()));
    return ok(Json{{"count", mp.size}, {"bytes", mp.bytes}, {"latest", std::move(latest)}});
}

ApiReply ExplorerApi::search(std::string_view q) {
    while (!q.empty() && q.front() == ' ') q.remove_prefix(1);
    while (!q.empty() && q.back() == ' ') q.remove_suffix(1);
    if (q.empty()) return fail(ApiFault::BadRequest, "nothing to search for");
    if (const auto height = parse_height(q)) {
        if (m_node.block_hash_at(*height)) return ok(Json{{"kind", "block"}, {"id", std::to_string(*height)}});
        return fail(ApiFault::NotFound, "no block at height " + std::string(q) + " (the tip is at " +
                                            std::to_string(m_node.tip_summary().height) + ")");
    }
    if (const auto hash = parse_hash(q)) {
        if (m_node.header(*hash)) return ok(Json{{"kind", "block"}, {"id", hash->to_hex()}});
        if (m_node.transaction(*hash)) return ok(Json{{"kind", "tx"}, {"id", hash->to_hex()}});
        return fail(ApiFault::NotFound, "no block or transaction has this hash");
    }
    auto account = decode_address(q, m_node.params());
    if (account) return ok(Json{{"kind", "address"}, {"id", encode_address(*account, m_node.params())}});
    if (account.error().code == "address-wrong-network") return fail(ApiFault::WrongNetwork, account.error().detail);
    return fail(ApiFault::NotFound, "not a height, block hash, transaction id or address");
}

}  // namespace finch::rpc
