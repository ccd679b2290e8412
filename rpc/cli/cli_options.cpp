// Parsing finch-cli's options and config file, and locating the node and its credentials.
#include "rpc/cli/cli_options.h"

#include "rpc/cli/local_commands.h"
#include "rpc/cookie.h"

#include <cstdlib>
#include <fstream>
#include <map>

namespace finch::cli {

namespace {

const std::vector<std::string> kFlags = {"named", "stdin", "rpcwait", "help", "version", "regtest", "testnet", "h"};
const std::vector<std::string> kValues = {"datadir",     "conf",           "network",         "rpcconnect", "rpcport",
                                          "rpcuser",     "rpcpassword",    "rpcwaittimeout", "rpcclienttimeout"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v)
        if (x == s) return true;
    return false;
}

Rejection usage_error(std::string message) { return reject("usage", std::move(message), Fault::Decode); }

std::optional<unsigned> parse_seconds(const std::string& text) {
    auto v = parse_u64(text);
    if (!v || *v > 1'000'000'000) return std::nullopt;
    return static_cast<unsigned>(*v);
}

Status set_flag(CliOptions& o, const std::string& name, bool on) {
    if (name == "named") o.named = on;
    else if (name == "stdin") o.read_stdin = on;
    else if (name == "rpcwait") o.rpcwait = on;
    else if (name == "help" || name == "h") o.help = on;
    else if (name == "version") o.version = on;
    else if (name == "regtest" && on) o.network = "regtest";
    else if (name == "testnet" && on) o.network = "test";
    return Status::accepted();
}

Status set_value(CliOptions& o, const std::string& name, const std::string& value) {
    if (name == "datadir") o.datadir = value;
    else if (name == "conf") o.conf = value;
    else if (name == "network") o.network = value;
    else if (name == "rpcconnect") o.rpcconnect = value;
    else if (name == "rpcuser") o.rpcuser = value;
    else if (name == "rpcpassword") o.rpcpassword = value;
    else if (name == "rpcport") {
        auto port = parse_u64(value);
        if (!port || *port == 0 || *port > 65535) return usage_error("--rpcport must be a port number (1-65535)");
        o.rpcport = static_cast<uint16_t>(*port);
    } else {
        auto seconds = parse_seconds(value);
        if (!seconds) return usage_error("--" + name + " must be a number of seconds");
        (name == "rpcwaittimeout" ? o.rpcwait_timeout : o.rpcclient_timeout) = *seconds;
    }
    return Status::accepted();
}

// Handles one option at args[i]; advances i past a separate value.
Status parse_option(const std::vector<std::string>& args, size_t& i, CliOptions& o) {
    const std::string& a = args[i];
    std::string name = a.substr(a.rfind("--", 0) == 0 ? 2 : 1), value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
    }
    if (contains(kFlags, name)) {
        if (eq != std::string::npos && value != "0" && value != "1") return usage_error("--" + name + " takes 0 or 1");
        return set_flag(o, name, eq == std::string::npos || value == "1");
    }
    if (!contains(kValues, name)) return usage_error("unknown option " + a + " (see --help)");
    if (eq == std::string::npos) {
        if (i + 1 >= args.size()) return usage_error("option --" + name + " needs a value");
        value = args[++i];
    }
    return set_value(o, name, value);
}

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::map<std::string, std::string> read_key_values(std::ifstream& in) {
    std::map<std::string, std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        const size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
    return out;
}

std::filesystem::path default_datadir() {
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : ".") / ".finchain";
}

}  // namespace

Result<CliOptions> parse_cli_args(const std::vector<std::string>& args) {
    CliOptions o;
    size_t i = 0;
    for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; ++i)
        if (Status s = parse_option(args, i, o); !s) return s.error();
    o.command.assign(args.begin() + static_cast<long>(i), args.end());
    if (o.datadir.empty()) o.datadir = default_datadir();
    if (o.conf.empty()) o.conf = o.datadir / "finch.conf";
    return o;
}

Status apply_config_file(CliOptions& o) {
    std::ifstream in(o.conf);
    if (!in) return Status::accepted();
    for (const auto& [key, value] : read_key_values(in)) {
        if (key == "network" && !o.network) o.network = value;
        else if (key == "rpcconnect" && !o.rpcconnect) o.rpcconnect = value;
        else if (key == "rpcuser" && !o.rpcuser) o.rpcuser = value;
        else if (key == "rpcpassword" && !o.rpcpassword) o.rpcpassword = value;
        else if (key == "rpcport" && !o.rpcport) {
            if (Status s = set_value(o, "rpcport", value); !s)
                return usage_error(o.conf.string() + ": " + s.error().detail);
        }
    }
    return Status::accepted();
}

const ChainParams* network_params(const CliOptions& o) {
    auto n = parse_network(o.network.value_or("main"));
    return n ? &chain_params(*n) : nullptr;
}

Result<rpc::Endpoint> resolve_endpoint(const CliOptions& o, const ChainParams& params) {
    rpc::Endpoint ep;
    ep.host = o.rpcconnect.value_or("127.0.0.1");
    ep.port = o.rpcport.value_or(params.default_rpc_port);
    ep.timeout = std::chrono::seconds(o.rpcclient_timeout ? o.rpcclient_timeout : 365u * 24 * 3600);
    if (o.rpcpassword) {
        ep.credentials = {o.rpcuser.value_or(""), *o.rpcpassword};
        return ep;
    }
    auto cookie = rpc::read_cookie(rpc::cookie_path(o.datadir, params.name));
    if (!cookie)
        return reject("rpc-credentials",
                      "Could not locate RPC credentials. No authentication cookie could be found (" +
                          cookie.error().detail + "), and no --rpcpassword is set.",
                      Fault::Policy);
    ep.credentials = *cookie;
    return ep;
}

}  // namespace finch::cli
