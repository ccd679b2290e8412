// Parsing finch-cli's options, stdin and config file, and locating the node and its credentials.
#include "rpc/cli/cli_options.h"

#include "rpc/cli/local_commands.h"
#include "rpc/cookie.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace finch::cli {

namespace {

const std::vector<std::string> kFlags = {"named",   "stdin",   "stdinrpcpass", "stdinsecret", "rpcwait", "help",
                                         "version", "regtest", "testnet",      "h",           "?",       "getinfo",
                                         "netinfo", "json"};
const std::vector<std::string> kValues = {"datadir",     "conf",           "network",          "chain",
                                          "rpcconnect",  "rpcport",        "rpcuser",          "rpcpassword",
                                          "rpcwaittimeout", "rpcclienttimeout"};

// The network each network option asked for, in order, to catch disagreements.
using NetworkChoices = std::vector<std::pair<std::string, std::string>>;  // option as written, network

// "test" for "testnet" and "test", so that two spellings of one network do not conflict.
std::string canonical_network(const std::string& name) {
    auto n = parse_network(name);
    return n ? chain_params(*n).name : name;
}

// The option's name as recorded in CliOptions::given.
std::string canonical_option(const std::string& name) {
    if (name == "chain" || name == "regtest" || name == "testnet") return "network";
    if (name == "h" || name == "?") return "help";
    return name;
}

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

Status set_flag(CliOptions& o, const std::string& name, bool on, NetworkChoices& networks) {
    if (name == "named") o.named = on;
    else if (name == "stdin") o.read_stdin = on;
    else if (name == "stdinrpcpass") o.stdin_rpcpass = on;
    else if (name == "stdinsecret") o.stdin_secret = on;
    else if (name == "rpcwait") o.rpcwait = on;
    else if (name == "help" || name == "h" || name == "?") o.help = on;
    else if (name == "version") o.version = on;
    else if (name == "getinfo") o.getinfo = on;
    else if (name == "netinfo") o.netinfo = on;
    else if (name == "json") o.json = on;
    else if ((name == "regtest" || name == "testnet") && on) {
        o.network = name == "regtest" ? "regtest" : "test";
        networks.emplace_back("--" + name, *o.network);
        o.given.insert("network");
    }
    return Status::accepted();
}

Status set_value(CliOptions& o, const std::string& name, const std::string& value, NetworkChoices& networks) {
    if (name == "datadir") o.datadir = value;
    else if (name == "conf") o.conf = value;
    else if (name == "network" || name == "chain") {
        o.network = value;
        networks.emplace_back("--" + name + "=" + value, canonical_network(value));
    } else if (name == "rpcconnect") o.rpcconnect = value;
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
Status parse_option(const std::vector<std::string>& args, size_t& i, CliOptions& o, NetworkChoices& networks) {
    const std::string& a = args[i];
    std::string name = a.substr(a.rfind("--", 0) == 0 ? 2 : 1), value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
    }
    // -noNAME is --NAME=0 for an on/off option, as in bitcoin-cli.
    const bool negated = !contains(kFlags, name) && name.rfind("no", 0) == 0 && contains(kFlags, name.substr(2));
    if (negated) name = name.substr(2);
    if (contains(kFlags, name)) {
        if (eq != std::string::npos && value != "0" && value != "1") return usage_error("--" + name + " takes 0 or 1");
        const bool on = (eq == std::string::npos || value == "1") != negated;
        if (name != "regtest" && name != "testnet") o.given.insert(canonical_option(name));
        return set_flag(o, name, on, networks);
    }
    // The value is never repeated: it may be a password typed after a misspelt option name.
    if (!contains(kValues, name)) return usage_error("unknown option " + displayable_option(name) + " (see --help)");
    if (eq == std::string::npos) {
        if (i + 1 >= args.size()) return usage_error("option --" + name + " needs a value");
        value = args[++i];
    }
    o.given.insert(canonical_option(name));
    return set_value(o, name, value, networks);
}

Status check_network_choices(const NetworkChoices& networks) {
    for (const auto& [option, network] : networks)
        if (network != networks.front().second)
            return usage_error("conflicting network options " + networks.front().first + " and " + option +
                               ": give one of --network, --chain, --regtest, --testnet");
    return Status::accepted();
}

std::string strip_cr(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// ---- The config file ----
// finchd's rules (node/config.cpp), reimplemented here because rpc/ does not depend on node/:
// only the structure (sections, network choice, leading '-', command-line-only keys) and the
// keys finch-cli takes are checked; finchd's other keys are skipped.

// Keys finch-cli takes from the file; every other key is finchd's (or unknown) and ignored.
const std::vector<std::string> kConfKeys = {"datadir",     "network", "chain",          "regtest",
                                            "testnet",     "rpcconnect", "rpcport",     "rpcuser",
                                            "rpcpassword", "rpcwait", "rpcwaittimeout", "rpcclienttimeout"};
const std::vector<std::string> kConfFlags = {"regtest", "testnet", "rpcwait"};  // "noNAME" is NAME=0
// Keys that choose the network; in this order, as finchd reads them.
const std::vector<std::string> kNetworkKeys = {"network", "chain", "regtest", "testnet"};
// Keys finchd refuses in the file.
const std::vector<std::string> kCommandLineOnly = {"conf", "help", "version", "h", "?"};

struct ConfValue {
    std::string value;
    std::string where;  // "FILE:LINE"
};
using ConfKeys = std::map<std::string, ConfValue>;  // the last value of each key

struct ConfFile {
    ConfKeys top;                          // before any section: every network
    std::map<Network, ConfKeys> sections;  // [main], [test], [regtest] and NET.key lines
};

Rejection conf_error(std::string message) { return reject("config", std::move(message), Fault::Decode); }

Rejection bad_conf_value(const std::string& key, const ConfValue& v, const std::string& expected) {
    return conf_error(v.where + ": invalid value '" + v.value + "' for " + key + ": " + expected);
}

// The network a network key chooses; none for regtest=0 and testnet=0.
Result<std::optional<Network>> network_choice(const std::string& key, const ConfValue& v) {
    if (key == "regtest" || key == "testnet") {
        if (v.value == "0") return std::optional<Network>{};
        if (v.value != "1") return bad_conf_value(key, v, "expected 0 or 1");
        return std::optional<Network>{key == "regtest" ? Network::Regtest : Network::Test};
    }
    auto n = parse_network(v.value);
    if (!n) return bad_conf_value(key, v, "expected main, test or regtest");
    return std::optional<Network>{*n};
}

Status parse_section_header(const std::string& line, const std::string& where, std::optional<Network>& section) {
    if (line.back() != ']') return conf_error(where + ": malformed section header '" + line + "'");
    const std::string name = trim(line.substr(1, line.size() - 2));
    section = parse_network(name);
    if (!section) return conf_error(where + ": unknown section [" + name + "] (expected [main], [test] or [regtest])");
    return Status::accepted();
}

// One "key=value" line ("key" alone means key=1; "NET.key=value" puts it in NET's section).
Status parse_conf_key(const std::string& line, const std::string& where, std::optional<Network> section,
                      ConfFile& out) {
    std::string key = line, value = "1";
    if (auto eq = line.find('='); eq != std::string::npos) {
        key = trim(line.substr(0, eq));
        value = trim(line.substr(eq + 1));
    }
    if (auto start = key.find_first_not_of('-'); start != std::string::npos && start > 0)
        return conf_error(where + ": write '" + key.substr(start) + "' without the leading '-'");
    if (auto dot = key.find('.'); dot != std::string::npos) {
        section = parse_network(key.substr(0, dot));
        if (!section) return Status::accepted();  // not a key finch-cli takes (finchd refuses it)
        key = key.substr(dot + 1);
    }
    if (key.rfind("no", 0) == 0 && contains(kConfFlags, key.substr(2))) {
        key = key.substr(2);
        value = value == "1" ? "0" : value == "0" ? "1" : value;
    }
    if (contains(kCommandLineOnly, key)) return conf_error(where + ": '" + key + "' works only on the command line");
    if (!contains(kConfKeys, key)) return Status::accepted();
    ConfValue v{value, where};
    if (section && contains(kNetworkKeys, key)) {
        // A section may repeat its own network's choice but not choose another.
        auto n = network_choice(key, v);
        if (!n) return n.error();
        if (*n && **n != *section)
            return conf_error(where + ": '" + key + "=" + value + "' inside [" + chain_params(*section).name +
                              "] cannot choose the network; put it before any [section]");
        return Status::accepted();
    }
    (section ? out.sections[*section] : out.top)[key] = std::move(v);
    return Status::accepted();
}

Result<ConfFile> parse_conf(const std::string& text, const std::string& file_name) {
    ConfFile out;
    std::optional<Network> section;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        const std::string where = file_name + ":" + std::to_string(n);
        Status s = line[0] == '[' ? parse_section_header(line, where, section)
                                  : parse_conf_key(line, where, section, out);
        if (!s) return s.error();
    }
    return out;
}

// The network the file's top level chooses, if any; two different choices are an error.
Result<std::optional<Network>> file_network(const ConfKeys& top) {
    std::optional<Network> chosen;
    std::string chosen_by;
    for (const std::string& key : kNetworkKeys) {
        auto it = top.find(key);
        if (it == top.end()) continue;
        auto n = network_choice(key, it->second);
        if (!n) return n.error();
        if (!*n) continue;
        const std::string by = it->second.where + " " + key + "=" + it->second.value;
        if (chosen && *chosen != **n) return conf_error("conflicting network choices " + chosen_by + " and " + by + "; use only one");
        chosen = **n;
        chosen_by = by;
    }
    return chosen;
}

Status check_conf_value(const std::string& key, const ConfValue& v) {
    if (key == "rpcport") {
        auto port = parse_u64(v.value);
        if (!port || *port == 0 || *port > 65535) return bad_conf_value(key, v, "expected a port number 1-65535");
    } else if (key == "rpcwait") {
        if (v.value != "0" && v.value != "1") return bad_conf_value(key, v, "expected 0 or 1");
    } else if (key == "rpcwaittimeout" || key == "rpcclienttimeout") {
        if (!parse_seconds(v.value)) return bad_conf_value(key, v, "expected a number of seconds");
    }
    return Status::accepted();
}

// Sets one checked value unless the command line (or stdin, for the password) gave it.
void apply_conf_value(CliOptions& o, const std::string& key, const std::string& value) {
    if (o.given.count(key)) return;
    if (key == "datadir") o.datadir = value;
    else if (key == "rpcconnect") o.rpcconnect = value;
    else if (key == "rpcuser") o.rpcuser = value;
    else if (key == "rpcpassword" && !o.rpcpassword) o.rpcpassword = value;
    else if (key == "rpcport") {
        o.rpcport = static_cast<uint16_t>(*parse_u64(value));
        o.rpcport_from_conf = true;
    } else if (key == "rpcwait") o.rpcwait = value == "1";
    else if (key == "rpcwaittimeout") o.rpcwait_timeout = *parse_seconds(value);
    else if (key == "rpcclienttimeout") o.rpcclient_timeout = *parse_seconds(value);
}

std::filesystem::path default_datadir() {
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : ".") / ".finchain";
}

}  // namespace

Result<CliOptions> parse_cli_args(const std::vector<std::string>& args) {
    CliOptions o;
    NetworkChoices networks;
    size_t i = 0;
    for (; i < args.size() && args[i].size() > 1 && args[i][0] == '-'; ++i)
        if (Status s = parse_option(args, i, o, networks); !s) return s.error();
    if (Status s = check_network_choices(networks); !s) return s.error();
    o.command.assign(args.begin() + static_cast<long>(i), args.end());
    if (o.datadir.empty()) o.datadir = default_datadir();
    if (o.conf.empty()) o.conf = o.datadir / "finch.conf";
    return o;
}

Status read_stdin_inputs(CliOptions& o, std::istream& in) {
    const bool signs = !o.command.empty() && (o.command.front() == "send" || o.command.front() == "signtx");
    if (signs) {
        auto is_flag = [](const std::string& a) { return a == "--stdinsecret" || a == "-stdinsecret"; };
        const auto first_arg = o.command.begin() + 1;
        if (std::find_if(first_arg, o.command.end(), is_flag) != o.command.end()) o.stdin_secret = true;
        o.command.erase(std::remove_if(first_arg, o.command.end(), is_flag), o.command.end());
    }
    if (o.stdin_secret && !signs) return usage_error("--stdinsecret is only for send and signtx");

    std::string line;
    if (o.stdin_rpcpass) {
        if (!std::getline(in, line))
            return usage_error("--stdinrpcpass given but no password line could be read from stdin");
        o.rpcpassword = strip_cr(std::move(line));
    }
    if (o.stdin_secret) {
        if (!std::getline(in, line))
            return usage_error("--stdinsecret given but no secret key line could be read from stdin");
        o.command.insert(o.command.begin() + 1, {"--secret", trim(line)});
        std::fill(line.begin(), line.end(), '\0');
    }
    if (o.read_stdin)
        while (std::getline(in, line)) o.command.push_back(strip_cr(std::move(line)));
    return Status::accepted();
}

Status apply_config_text(CliOptions& o, const std::string& text, const std::string& file_name) {
    auto file = parse_conf(text, file_name);
    if (!file) return file.error();
    // Every section's values are checked, so a typo in [test] shows up on regtest too.
    std::vector<const ConfKeys*> all = {&file->top};
    for (const auto& [network, keys] : file->sections) all.push_back(&keys);
    for (const ConfKeys* keys : all)
        for (const auto& [key, v] : *keys)
            if (Status s = check_conf_value(key, v); !s) return s;
    if (!o.network) {  // the command line's choice wins
        auto chosen = file_network(file->top);
        if (!chosen) return chosen.error();
        if (*chosen) o.network = chain_params(**chosen).name;
    }
    ConfKeys merged = file->top;
    if (auto network = parse_network(o.network.value_or("main")))
        if (auto it = file->sections.find(*network); it != file->sections.end())
            for (const auto& [key, v] : it->second) merged[key] = v;
    for (const auto& [key, v] : merged)
        if (!contains(kNetworkKeys, key)) apply_conf_value(o, key, v.value);
    return Status::accepted();
}

Status apply_config_file(CliOptions& o) {
    std::ifstream in(o.conf);
    if (!in) {
        if (o.given.count("conf")) return conf_error("cannot read config file " + o.conf.string());
        return Status::accepted();
    }
    std::stringstream text;
    text << in.rdbuf();
    return apply_config_text(o, text.str(), o.conf.string());
}

const ChainParams* network_params(const CliOptions& o) {
    auto n = parse_network(o.network.value_or("main"));
    return n ? &chain_params(*n) : nullptr;
}

Result<ServerAddress> resolve_address(const CliOptions& o, const ChainParams& params) {
    ServerAddress out;
    out.host = "127.0.0.1";
    out.port = params.default_rpc_port;
    uint16_t connect_port = 0;
    if (o.rpcconnect) {
        auto hp = rpc::split_host_port(*o.rpcconnect);
        if (!hp) return usage_error("Invalid --rpcconnect '" + *o.rpcconnect + "': " + hp.error().detail +
                                    " (expected HOST, HOST:PORT or [IPv6]:PORT)");
        out.host = hp->host;
        connect_port = hp->port;
        if (connect_port != 0) out.port = connect_port;
    }
    // A port on the command line wins over the config file's rpcport.
    const bool command_line_port = connect_port != 0 && o.rpcport_from_conf && o.given.count("rpcconnect");
    if (o.rpcport && !command_line_port) {
        out.port = *o.rpcport;
        if (connect_port != 0)
            out.warning = "Warning: Port specified in both --rpcconnect and --rpcport. Using --rpcport " +
                          std::to_string(*o.rpcport);
    }
    return out;
}

Result<rpc::Endpoint> resolve_endpoint(const CliOptions& o, const ChainParams& params) {
    auto address = resolve_address(o, params);
    if (!address) return address.error();
    rpc::Endpoint ep;
    ep.host = address->host;
    ep.port = address->port;
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

std::string usage_text() {
    return R"(Usage: finch-cli [options] COMMAND [ARGS...]

Calls any RPC method of a finchd node (see `finch-cli help`) and prints the result.
Arguments that parse as JSON are sent as JSON, others as strings.

Local commands (no node needed; `finch-cli help COMMAND` describes each):
  keygen                         print a new key as JSON: secret, pubkey, address
  signtx (--secret HEX | --stdinsecret) --to ADDR --amount N --fee N --nonce N
                                 print a signed raw transaction (hex)
Dashboards (options instead of a command, as bitcoin-cli's):
  -getinfo [--json]              chain, blocks, headers, verification progress, difficulty,
                                 connections in/out, mempool, version, warnings
  -netinfo [LEVEL] [--json]      peers by direction and address family; LEVEL 1-4 adds a
                                 table of the peers: direction, id, identity prefix, ping,
                                 KB sent/received, minutes connected, score (2: and the
                                 address; 3 and 4: and synced blocks and version);
                                 `-netinfo help` explains the columns
Node commands:
  send (--secret HEX | --stdinsecret) --to ADDR --amount N [--fee N]
                                 sign a transfer with the sender's next nonce, submit it,
                                 print its txid (default fee 1000)
  METHOD [ARGS...]               call an RPC method; `help` lists them

A secret key given as --secret HEX is visible to other users in `ps` and stays in your
shell history: prefer --stdinsecret (e.g. `finch-cli --stdinsecret send ... < keyfile`).
finch-cli never prints a secret key or an RPC password in an error.

Options (--opt value, --opt=value, -opt value and -opt=value all work; -noopt is --opt=0):
  --datadir DIR                  data directory (default ~/.finchain)
  --conf FILE                    config file (default <datadir>/finch.conf), read as finchd
                                 reads it ([main]/[test]/[regtest] sections, regtest=1 or
                                 chain= choosing the network); finch-cli takes datadir,
                                 rpcconnect, rpcport, rpcuser, rpcpassword, rpcwait,
                                 rpcwaittimeout and rpcclienttimeout, and ignores finchd's
                                 other keys. The command line wins over the file
  --network main|test|regtest    network (default main); --chain=NAME, --regtest and
                                 --testnet are the same
  --rpcconnect HOST[:PORT]       node address (default 127.0.0.1); IPv6 as [::1]:PORT.
                                 --rpcport wins over the port here (with a warning),
                                 unless only the config file gave rpcport
  --rpcport N                    node RPC port (default 9332 main, 19332 test, 19443 regtest)
  --rpcuser USER --rpcpassword PASS
                                 credentials; without them <datadir>/<network>/.cookie is read
  --stdinrpcpass                 read the RPC password from the first line of stdin
  --stdinsecret                  read send's or signtx's secret key from the next line of stdin
  --stdin                        read further arguments from stdin, one per line (after the
                                 --stdinrpcpass and --stdinsecret lines)
  --rpcwait                      wait for the node to come up
  --rpcwaittimeout N             give up waiting after N seconds (default 60, 0 = forever)
  --rpcclienttimeout N           seconds to wait for one reply (default 900, 0 = no limit)
  --named                        name=value arguments are named parameters; other arguments
                                 fill the parameters in order first (Bitcoin Core 25+)
  --help, -h, -?                 this text
  --version                      version

Amounts are integers in base units (1 coin = 100000000).
)";
}

}  // namespace finch::cli
