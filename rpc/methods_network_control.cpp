// Network methods (peers, bans; sensible answers before p2p runs) and control methods.
#include "rpc/handlers.h"
#include "rpc/json_format.h"

#include <cctype>
#include <chrono>
#include <ctime>

namespace finch::rpc::handlers {

namespace {

// The node reports network failures by rule code; these map to bitcoind's codes for the
// same failures (addnode, disconnectnode, setban in src/rpc/net.cpp).
int network_error_code(const std::string& reason) {
    // addnode "add" of a node already added; setban "add" of an address already banned.
    if (reason == "node-already-added" || reason == "already-banned") return code::kClientNodeAlreadyAdded;
    if (reason == "node-not-added") return code::kClientNodeNotAdded;
    if (reason == "node-not-connected") return code::kClientNodeNotConnected;
    // A peer address or IP/subnet that does not parse, or (setban "remove") is not banned.
    if (reason == "invalid-ip-or-subnet" || reason == "invalid-address" || reason == "bad-subnet" ||
        reason == "not-banned")
        return code::kClientInvalidIpOrSubnet;
    if (reason == "bad-command" || reason == "bad-peer-identity") return code::kInvalidParameter;
    if (reason == "dht-not-found") return code::kInvalidAddressOrKey;
    if (reason == "network-disabled" || reason == "p2p-disabled") return code::kClientP2pDisabled;
    return code::kMiscError;
}

CallResult status_result(const Status& s) {
    if (s) return Json(nullptr);
    const Rejection& r = s.error();
    return RpcError{network_error_code(r.code), r.detail.empty() ? r.code : r.detail, false, Json(r.code)};
}

uint64_t unix_now() { return static_cast<uint64_t>(std::time(nullptr)); }

// The network an address's prefix names, if any ("fc1..." is main whatever its checksum).
std::optional<Network> network_of(const std::string& address) {
    const size_t sep = address.rfind('1');
    if (sep == std::string::npos || sep == 0) return std::nullopt;
    std::string hrp = address.substr(0, sep);
    for (char& c : hrp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return network_for_hrp(hrp);
}

}  // namespace

CallResult getpeerinfo(NodeInterface& node, const Args&) {
    Json out = Json::array();
    for (const PeerInfo& p : node.peers()) out.push_back(peer_json(p));
    return out;
}

CallResult getnetworkinfo(NodeInterface& node, const Args&) {
    const NetworkInfo n = node.network_info();
    Json local = Json::array();
    for (const std::string& a : n.local_addresses) local.push_back(Json{{"address", a}, {"port", n.port}});
    Json out = Json::object();
    out["version"] = n.version;
    out["subversion"] = n.subversion;
    out["protocolversion"] = n.protocol_version;
    out["identity"] = n.identity;
    out["connections"] = n.connections;
    out["connections_in"] = n.connections_in;
    out["connections_out"] = n.connections_out;
    out["networkactive"] = n.network_active;
    out["listening"] = n.listening;
    out["port"] = n.port;
    out["localaddresses"] = std::move(local);
    out["warnings"] = n.warnings;
    out["compactblocks"] = Json{{"received", n.compact_received},
                                {"rebuilt_without_round_trip", n.compact_rebuilt_without_round_trip},
                                {"rebuilt_after_getblocktxn", n.compact_rebuilt_after_getblocktxn},
                                {"fell_back_to_full_block", n.compact_fell_back_to_full_block}};
    return out;
}

CallResult getconnectioncount(NodeInterface& node, const Args&) { return Json(node.network_info().connections); }

CallResult getnettotals(NodeInterface& node, const Args&) {
    const NetTotals t = node.net_totals();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    Json out = Json::object();
    out["totalbytesrecv"] = t.total_bytes_recv;
    out["totalbytessent"] = t.total_bytes_sent;
    out["timemillis"] = static_cast<uint64_t>(millis.count());
    return out;
}

CallResult getdhtinfo(NodeInterface& node, const Args&) {
    const DhtInfo d = node.dht_info();
    Json out = Json::object();
    out["identity"] = d.identity;
    out["endpoint"] = d.endpoint;
    out["buckets"] = d.buckets;
    out["nodes"] = d.nodes;
    out["bytes_sent"] = d.bytes_sent;
    out["bytes_received"] = d.bytes_received;
    return out;
}

CallResult dhtfind(NodeInterface& node, const Args& args) {
    auto found = node.dht_find(args.string(0));
    if (!found) return status_result(found.error());
    Json out = Json::object();
    out["identity"] = found->identity;
    out["endpoint"] = found->endpoint;
    out["hops"] = found->hops;
    return out;
}

CallResult addnode(NodeInterface& node, const Args& args) { return status_result(node.add_node(args.string(0), args.string(1))); }

CallResult disconnectnode(NodeInterface& node, const Args& args) {
    const bool by_address = !args.string(0).empty();
    if (by_address == args.has(1))
        return RpcError::params(code::kInvalidParameter, "Only one of address and nodeid should be provided.");
    std::optional<uint64_t> id;
    if (args.has(1)) id = args.integer(1);
    return status_result(node.disconnect_node(args.string(0), id));
}

CallResult setban(NodeInterface& node, const Args& args) {
    return status_result(node.set_ban(args.string(0), args.string(1), args.integer(2, 0), args.boolean(3, false)));
}

CallResult listbanned(NodeInterface& node, const Args&) {
    const uint64_t now = unix_now();
    Json out = Json::array();
    for (const BanEntry& b : node.list_banned()) {
        Json e = Json::object();
        e["address"] = b.address;
        e["ban_created"] = b.ban_created;
        e["banned_until"] = b.banned_until;
        e["ban_duration"] = b.banned_until > b.ban_created ? b.banned_until - b.ban_created : 0;
        e["time_remaining"] = b.banned_until > now ? b.banned_until - now : 0;
        e["reason"] = b.reason;
        out.push_back(std::move(e));
    }
    return out;
}

CallResult clearbanned(NodeInterface& node, const Args&) {
    node.clear_banned();
    return Json(nullptr);
}

CallResult help(NodeInterface&, const Args& args) {
    if (!args.has(0)) return Json(help_overview());
    const MethodSpec* m = find_method(args.string(0));
    if (!m) return Json("help: unknown command: " + args.string(0));
    return Json(help_text(*m));
}

CallResult stop(NodeInterface& node, const Args&) {
    node.request_stop();
    return Json("finchd stopping");
}

CallResult uptime(NodeInterface& node, const Args&) { return Json(node.uptime_seconds()); }

CallResult validateaddress(NodeInterface& node, const Args& args) {
    const std::string& text = args.string(0);
    auto id = decode_address(text, node.params());
    Json out = Json::object();
    out["isvalid"] = id.ok();
    out["address"] = text;
    if (id) {
        out["network"] = node.params().name;
        out["accountid"] = to_hex(id->span());
        return out;
    }
    if (auto n = network_of(text)) out["network"] = chain_params(*n).name;
    out["error"] = id.error().code;
    out["error_message"] = id.error().detail;
    return out;
}

}  // namespace finch::rpc::handlers
