// finch-cli -getinfo and -netinfo; see dashboards.h.
#include "rpc/cli/dashboards.h"

#include "rpc/cli/rpc_commands.h"

#include <chrono>
#include <cstdio>
#include <sstream>

namespace finch::cli {

namespace {

using rpc::Json;

Rejection usage(std::string message) { return reject("usage", std::move(message), Fault::Decode); }

// A field of a reply, or `fallback` when the node did not send it (an older finchd).
template <typename T>
T field(const Json& j, const char* key, T fallback) {
    if (!j.is_object() || !j.contains(key)) return fallback;
    const Json& v = j.at(key);
    if constexpr (std::is_same_v<T, std::string>) return v.is_string() ? v.get<std::string>() : fallback;
    else if constexpr (std::is_same_v<T, bool>) return v.is_boolean() ? v.get<bool>() : fallback;
    else return v.is_number() ? v.get<T>() : fallback;
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string pad_left(const std::string& s, size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(const std::string& s, size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string warnings_text(const Json& chain, const Json& network) {
    std::string w = field<std::string>(chain, "warnings", "");
    const std::string n = field<std::string>(network, "warnings", "");
    if (!n.empty() && n != w) w += w.empty() ? n : "; " + n;
    return w;
}

Json getinfo_json(const Json& chain, const Json& network, const Json& mempool) {
    Json out = Json::object();
    out["version"] = field<uint64_t>(network, "version", 0);
    out["subversion"] = field<std::string>(network, "subversion", "");
    out["chain"] = field<std::string>(chain, "chain", "");
    out["blocks"] = field<uint64_t>(chain, "blocks", 0);
    out["headers"] = field<uint64_t>(chain, "headers", 0);
    out["verificationprogress"] = field<double>(chain, "verificationprogress", 0.0);
    out["initialblockdownload"] = field<bool>(chain, "initialblockdownload", false);
    out["difficulty"] = field<double>(chain, "difficulty", 0.0);
    const uint64_t in = field<uint64_t>(network, "connections_in", 0), outbound = field<uint64_t>(network, "connections_out", 0);
    out["connections"] = {{"in", in}, {"out", outbound}, {"total", in + outbound}};
    out["mempool"] = {{"size", field<uint64_t>(mempool, "size", 0)},
                      {"bytes", field<uint64_t>(mempool, "bytes", 0)},
                      {"total_fee", field<uint64_t>(mempool, "total_fee", 0)}};
    out["relayfee"] = field<uint64_t>(mempool, "minrelaytxfee", 0);
    out["warnings"] = warnings_text(chain, network);
    return out;
}

// The direction, identity prefix and traffic of one getpeerinfo entry.
struct PeerRow {
    uint64_t id = 0;
    bool inbound = false;
    std::string identity;  // first 16 hex digits
    std::string address;
    std::optional<double> ping_ms;
    uint64_t sent = 0, recv = 0;
    uint64_t age = 0;  // seconds connected
    Json score;  // a number as the node sent it (integer or not), or null
    std::string subver;
    int64_t synced_blocks = -1;
};

PeerRow peer_row(const Json& p, uint64_t now) {
    PeerRow r;
    r.id = field<uint64_t>(p, "id", 0);
    r.inbound = field<bool>(p, "inbound", false);
    r.identity = field<std::string>(p, "identity", "").substr(0, 16);
    r.address = field<std::string>(p, "addr", "");
    if (p.contains("pingtime") && p["pingtime"].is_number()) r.ping_ms = p["pingtime"].get<double>() * 1000.0;
    r.sent = field<uint64_t>(p, "bytessent", 0);
    r.recv = field<uint64_t>(p, "bytesrecv", 0);
    const uint64_t since = field<uint64_t>(p, "conntime", 0);
    r.age = since && since <= now ? now - since : 0;
    if (p.contains("score") && p["score"].is_number()) r.score = p["score"];
    r.subver = field<std::string>(p, "subver", "");
    r.synced_blocks = field<int64_t>(p, "synced_blocks", -1);
    return r;
}

bool is_ipv6(const std::string& addr) { return !addr.empty() && addr[0] == '['; }

Json netinfo_json(const Json& network, const std::vector<PeerRow>& rows, int level) {
    Json out = Json::object();
    out["version"] = field<uint64_t>(network, "version", 0);
    out["subversion"] = field<std::string>(network, "subversion", "");
    out["protocolversion"] = field<uint64_t>(network, "protocolversion", 0);
    out["identity"] = field<std::string>(network, "identity", "");
    Json counts = Json::object();
    for (const char* dir : {"in", "out", "total"}) {
        uint64_t ipv4 = 0, ipv6 = 0;
        for (const auto& r : rows)
            if (std::string(dir) == "total" || r.inbound == (std::string(dir) == "in")) (is_ipv6(r.address) ? ipv6 : ipv4)++;
        counts[dir] = {{"ipv4", ipv4}, {"ipv6", ipv6}, {"total", ipv4 + ipv6}};
    }
    out["peers"] = std::move(counts);
    out["localaddresses"] = network.contains("localaddresses") ? network["localaddresses"] : Json::array();
    if (level == 0) return out;
    Json list = Json::array();
    for (const auto& r : rows) {
        Json p = {{"id", r.id}, {"direction", r.inbound ? "in" : "out"}, {"identity", r.identity}};
        p["ping_ms"] = r.ping_ms ? Json(*r.ping_ms) : Json(nullptr);
        p["bytessent"] = r.sent;
        p["bytesrecv"] = r.recv;
        p["age_seconds"] = r.age;
        p["score"] = r.score;
        if (level >= 2) p["address"] = r.address;
        if (level >= 3) {
            p["subver"] = r.subver;
            p["synced_blocks"] = r.synced_blocks;
        }
        list.push_back(std::move(p));
    }
    out["peer_list"] = std::move(list);
    return out;
}

std::string kilobytes(uint64_t bytes) { return std::to_string((bytes + 512) / 1024); }

std::string peer_table(const std::vector<PeerRow>& rows, int level) {
    std::ostringstream t;
    t << "<->   id  identity          ping(ms)  send(KB)  recv(KB)  age(min)  score";
    if (level >= 2) t << "  address";
    if (level >= 3) t << "  blocks  version";
    t << "\n";
    for (const auto& r : rows) {
        t << pad_right(r.inbound ? "in" : "out", 4) << pad_left(std::to_string(r.id), 5) << "  "
          << pad_right(r.identity.empty() ? "-" : r.identity, 16) << pad_left(r.ping_ms ? fixed(*r.ping_ms, 1) : "-", 10)
          << pad_left(kilobytes(r.sent), 10) << pad_left(kilobytes(r.recv), 10) << pad_left(std::to_string(r.age / 60), 10)
          << pad_left(r.score.is_null() ? "-" : rpc::dump_json(r.score), 7);
        if (level >= 2) t << "  " << r.address;
        if (level >= 3) t << "  " << pad_left(std::to_string(r.synced_blocks), 6) << "  " << r.subver;
        t << "\n";
    }
    return t.str();
}

// Calls a method without parameters into `out`; on failure, what finch-cli prints instead.
std::optional<Outcome> call(const CliOptions& o, const ChainParams& params, const std::string& method, Json& out) {
    auto r = call_node(o, params, method, Json::array());
    if (!r) return Outcome{1, "", "error: " + r.error().detail + "\n"};
    if (!r->ok()) return Outcome{1, "", format_error(r->error())};
    out = r->result();
    return std::nullopt;
}

// `--json` may also follow the option's own argument (finch-cli -netinfo 2 --json).
std::vector<std::string> without_json_flag(const std::vector<std::string>& args, bool& json) {
    std::vector<std::string> rest;
    for (const auto& a : args) {
        if (a == "--json" || a == "-json") json = true;
        else rest.push_back(a);
    }
    return rest;
}

}  // namespace

Result<int> parse_netinfo_level(const std::vector<std::string>& args) {
    if (args.empty()) return 0;
    if (args.size() > 1) return usage("-netinfo takes at most one argument, the level 0-4");
    if (args[0].size() != 1 || args[0][0] < '0' || args[0][0] > '0' + kMaxNetinfoLevel)
        return usage("-netinfo's level must be 0, 1, 2, 3 or 4");
    return args[0][0] - '0';
}

std::string format_getinfo(const Json& chain, const Json& network, const Json& mempool, bool json) {
    const Json info = getinfo_json(chain, network, mempool);
    if (json) return rpc::dump_json(info, 2) + "\n";
    std::ostringstream o;
    o << "Chain: " << info["chain"].get<std::string>() << "\n"
      << "Blocks: " << info["blocks"].get<uint64_t>() << "\n"
      << "Headers: " << info["headers"].get<uint64_t>() << "\n"
      << "Verification progress: " << fixed(info["verificationprogress"].get<double>() * 100.0, 4) << "%\n"
      << "Difficulty: " << rpc::dump_json(info["difficulty"]) << "\n\n"
      << "Network: in " << info["connections"]["in"].get<uint64_t>() << ", out "
      << info["connections"]["out"].get<uint64_t>() << ", total " << info["connections"]["total"].get<uint64_t>()
      << "\n"
      << "Mempool: " << info["mempool"]["size"].get<uint64_t>() << " transactions, "
      << info["mempool"]["bytes"].get<uint64_t>() << " bytes, fees " << info["mempool"]["total_fee"].get<uint64_t>()
      << "\n"
      << "Version: " << info["version"].get<uint64_t>() << " " << info["subversion"].get<std::string>() << "\n"
      << "Min relay fee (base units/byte): " << info["relayfee"].get<uint64_t>() << "\n\n";
    const std::string warnings = info["warnings"].get<std::string>();
    o << "Warnings: " << (warnings.empty() ? "(none)" : warnings) << "\n";
    return o.str();
}

std::string format_netinfo(const Json& network, const Json& peers, int level, bool json, uint64_t now) {
    std::vector<PeerRow> rows;
    if (peers.is_array())
        for (const auto& p : peers) rows.push_back(peer_row(p, now));
    const Json info = netinfo_json(network, rows, level);
    if (json) return rpc::dump_json(info, 2) + "\n";
    std::ostringstream o;
    const std::string identity = info["identity"].get<std::string>();
    o << "server " << info["subversion"].get<std::string>() << " protocol " << info["protocolversion"].get<uint64_t>()
      << ", identity " << (identity.empty() ? "-" : identity.substr(0, 16)) << "\n\n";
    if (level > 0) o << peer_table(rows, level) << "\n";
    o << "        ipv4    ipv6   total\n";
    for (const char* dir : {"in", "out", "total"}) {
        const Json& c = info["peers"][dir];
        o << pad_right(dir, 5) << pad_left(std::to_string(c["ipv4"].get<uint64_t>()), 7)
          << pad_left(std::to_string(c["ipv6"].get<uint64_t>()), 8) << pad_left(std::to_string(c["total"].get<uint64_t>()), 8)
          << "\n";
    }
    std::string local;
    for (const auto& a : info["localaddresses"])
        local += (local.empty() ? "" : ", ") + field<std::string>(a, "address", "") + ":" +
                 std::to_string(field<uint64_t>(a, "port", 0));
    o << "\nLocal addresses: " << (local.empty() ? "n/a" : local) << "\n";
    return o.str();
}

Outcome getinfo(const CliOptions& o, const ChainParams& params, const std::vector<std::string>& given) {
    bool json = o.json;
    if (!without_json_flag(given, json).empty()) return {1, "", "error: -getinfo takes no arguments\n"};
    Json chain, network, mempool;
    if (auto failed = call(o, params, "getblockchaininfo", chain)) return *failed;
    if (auto failed = call(o, params, "getnetworkinfo", network)) return *failed;
    if (auto failed = call(o, params, "getmempoolinfo", mempool)) return *failed;
    return {0, format_getinfo(chain, network, mempool, json), ""};
}

const char* const kNetinfoHelp = R"(-netinfo [LEVEL] [--json]: the node's peers (getnetworkinfo, getpeerinfo)

LEVEL 0 (default): peers by direction (in, out, total) and address family (ipv4, ipv6),
and the local addresses.
LEVEL 1: also a row per peer:
  <->       direction: in (inbound) or out (outbound)
  id        the peer's id (getpeerinfo, disconnectnode)
  identity  the first 16 hex digits of the identity the peer proved
  ping(ms)  the last ping's round trip ('-' before the first pong)
  send(KB)  KB sent to the peer; recv(KB) KB received from it
  age(min)  minutes connected
  score     the peer's score when getpeerinfo reports one, else '-'
LEVEL 2: also the peer's address.
LEVEL 3, 4: also the last block the peer is known to have and its user agent.
--json: the same as a JSON object ("peers", and "peer_list" from level 1).
)";

Outcome netinfo(const CliOptions& o, const ChainParams& params, const std::vector<std::string>& given) {
    bool json = o.json;
    if (given.size() == 1 && given[0] == "help") return {0, kNetinfoHelp, ""};
    auto level = parse_netinfo_level(without_json_flag(given, json));
    if (!level) return {1, "", "error: " + level.error().detail + "\n"};
    Json network, peers;
    if (auto failed = call(o, params, "getnetworkinfo", network)) return *failed;
    if (auto failed = call(o, params, "getpeerinfo", peers)) return *failed;
    const auto now = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    return {0, format_netinfo(network, peers, *level, json, now), ""};
}

}  // namespace finch::cli
