// Option table, flag and config-file parsing (bitcoind's spellings, [network] sections,
// regtest=1/testnet=1); see config.h.
#include "node/config.h"

#include "node/log.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace finch::node {

namespace {

enum class Kind { Flag, Value, List };

struct Option {
    const char* name;
    Kind kind;
    const char* arg;
    const char* help;
};

constexpr Option kOptions[] = {
    {"datadir", Kind::Value, "DIR", "data directory (default ~/.finchain); data lives in DIR/<network>/"},
    {"conf", Kind::Value, "FILE", "config file (default <datadir>/finch.conf); same keys as the flags"},
    {"network", Kind::Value, "NAME", "main, test or regtest (default main)"},
    {"chain", Kind::Value, "NAME", "same as --network (Bitcoin Core's name)"},
    {"regtest", Kind::Flag, "", "use the regression test network (same as --network=regtest)"},
    {"testnet", Kind::Flag, "", "use the test network (same as --network=test)"},
    {"port", Kind::Value, "N", "p2p listening port (default: 9333 main, 19333 test, 19444 regtest)"},
    {"bind", Kind::Value, "ADDR", "p2p listening address (default 0.0.0.0)"},
    {"listen", Kind::Flag, "0|1", "accept inbound p2p connections (default 1)"},
    {"connect", Kind::List, "[ID@]HOST[:PORT]", "connect only to these peers; ID@ pins the identity (repeatable)"},
    {"addnode", Kind::List, "[ID@]HOST[:PORT]", "also connect to this peer and keep reconnecting; ID@ pins the identity (repeatable)"},
    {"whitelist", Kind::List, "IP[/BITS]", "never ban peers from this address or subnet (repeatable)"},
    {"dhtbootstrap", Kind::List, "[ID@]HOST:PORT", "a DHT node to join the structured network through (repeatable)"},
    {"peerallow", Kind::List, "IDENTITY",
     "private network: only peers proving one of these identities may connect, either way (repeatable)"},
    {"maxconnections", Kind::Value, "N", "maximum peer connections (default 125)"},
    {"bantime", Kind::Value, "SECONDS", "how long a misbehaving peer is banned (default 86400)"},
    {"maxinboundperip", Kind::Value, "N", "inbound connections from one address (default 8; whitelisted exempt)"},
    {"maxinboundpernetgroup", Kind::Value, "N",
     "inbound connections from one /16 (IPv4) or /32 (IPv6) (default 16; loopback exempt)"},
    {"rpcport", Kind::Value, "N", "JSON-RPC port (default: 9332 main, 19332 test, 19443 regtest)"},
    {"rpcbind", Kind::Value, "ADDR", "JSON-RPC listening address (default 127.0.0.1)"},
    {"rpcuser", Kind::Value, "USER", "JSON-RPC user (without it a cookie file is used)"},
    {"rpcpassword", Kind::Value, "PASS", "JSON-RPC password"},
    {"rpcthreads", Kind::Value, "N", "threads executing RPC methods (default 2)"},
    {"rpcservertimeout", Kind::Value, "SECONDS",
     "deadline for reading a request or writing a reply, and a WebSocket's idle limit (default 30)"},
    {"metrics", Kind::Flag, "0|1", "serve Prometheus metrics at GET /metrics on the RPC port (default 1)"},
    {"wsmaxconnections", Kind::Value, "N", "WebSocket connections on the RPC port (default 32)"},
    {"wsmaxqueue", Kind::Value, "N",
     "messages a WebSocket may have waiting before it is closed with 1008 (default 10000)"},
    {"explorer", Kind::Flag, "0|1",
     "serve the block explorer at /explorer/ and its read-only API at /api/ on the RPC port, without credentials (default 0)"},
    {"explorerratelimit", Kind::Value, "N", "explorer API requests per second from one IP address (default 20, bursts of 2N)"},
    {"addressindex", Kind::Flag, "0|1",
     "keep the address index (getaddresshistory, the explorer's address pages); turning it on builds it (default 1)"},
    {"mine", Kind::Flag, "", "mine blocks"},
    {"miner-address", Kind::Value, "ADDR", "address that receives mined rewards (required with --mine)"},
    {"miner-threads", Kind::Value, "N", "mining threads (default 1)"},
    {"maxmempool", Kind::Value, "MB", "mempool size limit in megabytes (default 300)"},
    {"dbcache", Kind::Value, "MB",
     "memory for the ledger's read cache and write buffers, in megabytes (default 450; 16 on regtest)"},
    {"persistmempool", Kind::Flag, "0|1", "save the mempool to mempool.dat at shutdown and load it at start (default 1)"},
    {"mempoolexpiry", Kind::Value, "HOURS", "drop mempool transactions older than this (default 336)"},
    {"minrelayfee", Kind::Value, "N", "minimum fee rate in base units per byte (default 1)"},
    {"printtoconsole", Kind::Flag, "", "print the log to the console too (default on unless --daemon; --printtoconsole=0 or -noprinttoconsole turns it off)"},
    {"debug", Kind::List, "CATEGORY", "log a category in detail: net, mempool, rpc, chain, miner, store, all"},
    {"reindex", Kind::Flag, "", "rebuild the ledger state and indexes from the stored blocks"},
    {"daemon", Kind::Flag, "", "run in the background; returns once the node is up (also --daemonwait)"},
    {"pid", Kind::Value, "FILE", "pid file (default finchd.pid; relative to <datadir>/<network>/)"},
    {"help", Kind::Flag, "", "print this help and exit (also -h, -?)"},
    {"version", Kind::Flag, "", "print the version and exit"},
};

// Other spellings of an option, as bitcoind and finch-cli accept them.
constexpr std::pair<const char*, const char*> kAliases[] = {{"h", "help"}, {"?", "help"}, {"daemonwait", "daemon"}};
// Keys that choose the network; resolved before anything else is applied.
constexpr const char* kNetworkKeys[] = {"network", "chain", "regtest", "testnet"};
// Keys that make no sense inside the config file.
constexpr const char* kCommandLineOnly[] = {"conf", "help", "version"};

struct NumberRule {
    const char* key;
    uint64_t min, max;
    const char* expect;
};

constexpr NumberRule kNumbers[] = {
    {"port", 1, 65535, "expected a port number 1-65535"},
    {"rpcport", 1, 65535, "expected a port number 1-65535"},
    {"maxconnections", 0, 10'000, "expected 0-10000"},
    {"bantime", 1, 10ULL * 365 * 24 * 3600, "expected seconds"},
    {"maxinboundperip", 1, 10'000, "expected 1-10000"},
    {"maxinboundpernetgroup", 1, 10'000, "expected 1-10000"},
    {"rpcthreads", 1, 64, "expected 1-64"},
    {"rpcservertimeout", 1, 3600, "expected seconds 1-3600"},
    {"wsmaxconnections", 0, 1'000, "expected 0-1000"},
    {"wsmaxqueue", 1, 1'000'000, "expected 1-1000000"},
    {"explorerratelimit", 1, 100'000, "expected 1-100000"},
    {"miner-threads", 1, 256, "expected 1-256"},
    {"maxmempool", 1, 1'000'000, "expected megabytes 1-1000000"},
    {"dbcache", 4, 1'000'000, "expected megabytes 4-1000000"},
    {"mempoolexpiry", 1, 100'000, "expected hours"},
    {"minrelayfee", 0, kMaxMoney, "expected base units per byte"},
};

template <typename List>
bool listed(const List& list, const std::string& name) {
    for (const char* n : list)
        if (name == n) return true;
    return false;
}

const Option* find_option(const std::string& name) {
    for (const auto& o : kOptions)
        if (name == o.name) return &o;
    return nullptr;
}

// An option as written: its table entry, and whether it was spelled -noNAME.
struct Key {
    const Option* option;
    bool negated;
};

std::string unalias(const std::string& name) {
    for (const auto& [alias, target] : kAliases)
        if (name == alias) return target;
    return name;
}

std::optional<Key> resolve_key(const std::string& name) {
    if (const Option* o = find_option(unalias(name))) return Key{o, false};
    if (name.rfind("no", 0) == 0)
        if (const Option* o = find_option(unalias(name.substr(2))); o && o->kind == Kind::Flag) return Key{o, true};
    return std::nullopt;
}

std::string negate(const std::string& v) { return v == "1" ? "0" : v == "0" ? "1" : v; }

// One value and where it came from: "" for the command line, "finch.conf:12" for the file.
struct RawValue {
    std::string value;
    std::string origin;
};

using RawOptions = std::map<std::string, std::vector<RawValue>>;

// The config file: keys before any section, and each network section's keys.
struct ConfFile {
    RawOptions top;
    std::map<Network, RawOptions> sections;
};

Rejection config_error(std::string message) { return reject("config", std::move(message), Fault::Decode); }

Rejection bad_value(const std::string& key, const RawValue& v, const std::string& what) {
    if (v.origin.empty()) return config_error("invalid value '" + v.value + "' for --" + key + ": " + what);
    return config_error(v.origin + ": invalid value '" + v.value + "' for " + key + ": " + what);
}

// Handles args[i] ("--name=value", "-name=value", "--name value", "--flag", "--flag 0|1",
// "-noflag"); advances i past a separate value.
Status parse_arg(const std::vector<std::string>& args, size_t& i, RawOptions& out) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') return config_error("unexpected argument '" + a + "'");
    std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
    }
    auto key = resolve_key(name);
    if (!key) return config_error("unknown option --" + name + " (see --help)");
    if (eq == std::string::npos && key->option->kind == Kind::Flag) {
        value = "1";
        if (i + 1 < args.size() && (args[i + 1] == "0" || args[i + 1] == "1")) value = args[++i];
    } else if (eq == std::string::npos) {
        if (i + 1 >= args.size()) return config_error("option --" + name + " needs a value");
        value = args[++i];
    }
    out[key->option->name].push_back({key->negated ? negate(value) : value, ""});
    return Status::accepted();
}

Result<RawOptions> parse_args(const std::vector<std::string>& args) {
    RawOptions out;
    for (size_t i = 0; i < args.size(); ++i)
        if (auto s = parse_arg(args, i, out); !s) return s.error();
    return out;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The network one of kNetworkKeys chooses; none for regtest=0 and testnet=0.
Result<std::optional<Network>> network_choice(const std::string& key, const RawValue& v) {
    if (key == "regtest" || key == "testnet") {
        if (v.value == "0") return std::optional<Network>{};
        if (v.value != "1") return bad_value(key, v, "expected 0 or 1");
        return std::optional<Network>{key == "regtest" ? Network::Regtest : Network::Test};
    }
    auto n = parse_network(v.value);
    if (!n) return bad_value(key, v, "expected main, test or regtest");
    return std::optional<Network>{*n};
}

std::string describe(const std::string& key, const RawValue& v) {
    const bool flag = key == "regtest" || key == "testnet";
    if (v.origin.empty()) return "--" + key + (flag ? "" : "=" + v.value);
    return v.origin + " " + key + "=" + v.value;
}

// The network one source (the command line, or the file's top level) chooses, if any.
Result<std::optional<Network>> network_of(const RawOptions& raw) {
    std::optional<Network> chosen;
    std::string chosen_by;
    for (const char* key : kNetworkKeys) {
        auto it = raw.find(key);
        if (it == raw.end()) continue;
        auto n = network_choice(key, it->second.back());
        if (!n) return n.error();
        if (!*n) continue;
        if (chosen && *chosen != **n)
            return config_error("conflicting network choices " + chosen_by + " and " + describe(key, it->second.back()) +
                                "; use only one");
        chosen = **n;
        chosen_by = describe(key, it->second.back());
    }
    return chosen;
}

// A line inside a section may repeat that section's network choice but not choose another.
Status check_section_key(const std::string& key, const RawValue& v, Network section) {
    auto n = network_choice(key, v);
    if (!n) return n.error();
    if (*n && **n != section)
        return config_error(v.origin + ": '" + key + "=" + v.value + "' inside [" + chain_params(section).name +
                            "] cannot choose the network; put it before any [section]");
    return Status::accepted();
}

Status parse_section_header(const std::string& line, const std::string& where, std::optional<Network>& section) {
    if (line.back() != ']') return config_error(where + ": malformed section header '" + line + "'");
    const std::string name = trim(line.substr(1, line.size() - 2));
    section = parse_network(name);
    if (!section) return config_error(where + ": unknown section [" + name + "] (expected [main], [test] or [regtest])");
    return Status::accepted();
}

// Stores one "key=value" line (or "net.key=value", or "key" meaning key=1 for an on/off option).
Status parse_key_line(const std::string& line, const std::string& where, std::optional<Network> section, ConfFile& out) {
    std::string key = line, value = "1";
    const size_t eq = line.find('=');
    const bool bare = eq == std::string::npos;
    if (!bare) {
        key = trim(line.substr(0, eq));
        value = trim(line.substr(eq + 1));
    }
    if (auto start = key.find_first_not_of('-'); start != std::string::npos && start > 0)
        return config_error(where + ": write '" + key.substr(start) + "' without the leading '-'");
    if (auto dot = key.find('.'); dot != std::string::npos) {
        if (!(section = parse_network(key.substr(0, dot)))) return config_error(where + ": unknown key '" + key + "'");
        key = key.substr(dot + 1);
    }
    // finch-cli's keys share the file (as bitcoin-cli's share bitcoin.conf): finchd skips them.
    static const std::set<std::string> kClientKeys = {"rpcconnect", "rpcwait", "rpcwaittimeout", "rpcclienttimeout"};
    if (kClientKeys.count(key)) return Status::accepted();
    auto resolved = resolve_key(key);
    if (!resolved) return config_error(where + ": unknown key '" + key + "'");
    const std::string name = resolved->option->name;
    if (listed(kCommandLineOnly, name)) return config_error(where + ": '" + key + "' works only on the command line");
    // A bare key turns an on/off option on; any other option needs its value.
    if (bare && resolved->option->kind != Kind::Flag) return config_error(where + ": '" + key + "' needs a value (" + key + "=...)");
    RawValue v{resolved->negated ? negate(value) : value, where};
    if (section && listed(kNetworkKeys, name)) return check_section_key(name, v, *section);
    (section ? out.sections[*section] : out.top)[name].push_back(std::move(v));
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
                                  : parse_key_line(line, where, section, out);
        if (!s) return s.error();
    }
    return out;
}

std::optional<uint64_t> parse_number(const std::string& s, uint64_t max) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

bool* flag_field(Config& c, const std::string& key) {
    if (key == "listen") return &c.listen;
    if (key == "persistmempool") return &c.persistmempool;
    if (key == "metrics") return &c.metrics;
    if (key == "explorer") return &c.explorer;
    if (key == "addressindex") return &c.addressindex;
    if (key == "mine") return &c.mine;
    if (key == "printtoconsole") return &c.printtoconsole;
    if (key == "reindex") return &c.reindex;
    if (key == "daemon") return &c.daemon;
    if (key == "help") return &c.help;
    if (key == "version") return &c.version;
    return nullptr;
}

std::string* text_field(Config& c, const std::string& key) {
    if (key == "bind") return &c.bind;
    if (key == "rpcbind") return &c.rpcbind;
    if (key == "rpcuser") return &c.rpcuser;
    if (key == "rpcpassword") return &c.rpcpassword;
    if (key == "miner-address") return &c.miner_address;
    return nullptr;
}

std::filesystem::path* path_field(Config& c, const std::string& key) {
    if (key == "datadir") return &c.datadir;
    if (key == "conf") return &c.conf;
    if (key == "pid") return &c.pid;
    return nullptr;
}

std::vector<std::string>* list_field(Config& c, const std::string& key) {
    if (key == "connect") return &c.connect;
    if (key == "addnode") return &c.addnode;
    if (key == "whitelist") return &c.whitelist;
    if (key == "peerallow") return &c.peerallow;
    if (key == "dhtbootstrap") return &c.dhtbootstrap;
    if (key == "debug") return &c.debug;
    return nullptr;
}

void store_number(Config& c, const std::string& key, uint64_t n) {
    if (key == "port") c.port = static_cast<uint16_t>(n);
    else if (key == "rpcport") c.rpcport = static_cast<uint16_t>(n);
    else if (key == "maxconnections") c.maxconnections = n;
    else if (key == "bantime") c.bantime = n;
    else if (key == "maxinboundperip") c.maxinboundperip = n;
    else if (key == "maxinboundpernetgroup") c.maxinboundpernetgroup = n;
    else if (key == "rpcthreads") c.rpcthreads = static_cast<unsigned>(n);
    else if (key == "rpcservertimeout") c.rpcservertimeout = n;
    else if (key == "wsmaxconnections") c.wsmaxconnections = n;
    else if (key == "wsmaxqueue") c.wsmaxqueue = n;
    else if (key == "explorerratelimit") c.explorerratelimit = n;
    else if (key == "miner-threads") c.miner_threads = static_cast<unsigned>(n);
    else if (key == "maxmempool") c.maxmempool_mb = n;
    else if (key == "dbcache") c.dbcache_mb = n;
    else if (key == "mempoolexpiry") c.mempoolexpiry_hours = n;
    else if (key == "minrelayfee") c.minrelayfee = n;
}

Status set_number(const std::string& key, const RawValue& v, Config& c) {
    for (const auto& rule : kNumbers) {
        if (key != rule.key) continue;
        auto n = parse_number(v.value, rule.max);
        if (!n || *n < rule.min) return bad_value(key, v, rule.expect);
        store_number(c, key, *n);
        return Status::accepted();
    }
    return config_error("option --" + key + " is not handled");  // every table entry is handled above
}

Status set_list(const std::string& key, const std::vector<RawValue>& values, std::vector<std::string>& out) {
    out.clear();
    for (const auto& v : values) {
        if (key == "debug" && !log_category_names().count(v.value))
            return config_error((v.origin.empty() ? "" : v.origin + ": ") + "unknown debug category '" + v.value +
                                "' (net, mempool, rpc, chain, miner, store, all)");
        out.push_back(v.value);
    }
    return Status::accepted();
}

// Applies one option (the last value wins, lists take every value), validating it.
Status apply_option(const std::string& key, const std::vector<RawValue>& values, Config& c) {
    const RawValue& v = values.back();
    if (listed(kNetworkKeys, key)) return Status::accepted();  // see select_network()
    if (bool* flag = flag_field(c, key)) {
        if (v.value != "0" && v.value != "1") return bad_value(key, v, "expected 0 or 1");
        *flag = v.value == "1";
        return Status::accepted();
    }
    if (std::string* text = text_field(c, key)) *text = v.value;
    else if (std::filesystem::path* path = path_field(c, key)) *path = v.value;
    else if (auto* list = list_field(c, key)) return set_list(key, values, *list);
    else return set_number(key, v, c);
    return Status::accepted();
}

Status apply_options(const RawOptions& raw, Config& c) {
    for (const auto& [key, values] : raw)
        if (auto s = apply_option(key, values, c); !s) return s;
    return Status::accepted();
}

// The command line's choice, else the file's top level, else main.
Result<Network> select_network(const RawOptions& cli, const ConfFile* file) {
    auto from_cli = network_of(cli);
    if (!from_cli) return from_cli.error();
    if (*from_cli) return **from_cli;
    if (!file) return Network::Main;
    auto from_file = network_of(file->top);
    if (!from_file) return from_file.error();
    return from_file->value_or(Network::Main);
}

// The top level, overridden key by key by the chosen network's section. Every section's
// values are checked, so a typo in [test] shows up while running regtest.
Status apply_file(const ConfFile& file, Config& c) {
    for (const auto& [network, options] : file.sections) {
        Config scratch;
        if (auto s = apply_options(options, scratch); !s) return s;
    }
    RawOptions merged = file.top;
    if (auto it = file.sections.find(c.network); it != file.sections.end())
        for (const auto& [key, values] : it->second) merged[key] = values;
    return apply_options(merged, c);
}

Status finish(Config& c) {
    const ChainParams& p = chain_params(c.network);
    if (c.port == 0) c.port = p.default_port;
    if (c.rpcport == 0) c.rpcport = p.default_rpc_port;
    if (c.rpcuser.empty() != c.rpcpassword.empty())
        return config_error("--rpcuser and --rpcpassword must be given together");
    if (c.mine) {
        if (c.miner_address.empty()) return config_error("--mine needs --miner-address");
        auto id = decode_address(c.miner_address, p);
        if (!id) return config_error("--miner-address: " + id.error().to_string());
    }
    return Status::accepted();
}

Result<Config> build_config(const RawOptions& cli, const ConfFile* file) {
    auto network = select_network(cli, file);
    if (!network) return network.error();
    Config c;
    c.datadir = default_datadir();
    c.network = *network;
    if (file)
        if (auto s = apply_file(*file, c); !s) return s.error();
    if (auto s = apply_options(cli, c); !s) return s.error();
    if (auto s = finish(c); !s) return s.error();
    return c;
}

}  // namespace

std::filesystem::path Config::pid_file() const {
    if (pid.empty()) return network_dir() / "finchd.pid";
    return pid.is_absolute() ? pid : network_dir() / pid;
}

std::filesystem::path default_datadir() {
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : ".") / ".finchain";
}

Result<Config> parse_config(const std::vector<std::string>& args, const std::string* conf_text,
                            const std::string& conf_name) {
    auto cli = parse_args(args);
    if (!cli) return cli.error();
    if (!conf_text) return build_config(*cli, nullptr);
    auto file = parse_conf(*conf_text, conf_name);
    if (!file) return file.error();
    return build_config(*cli, &*file);
}

Result<Config> parse_config(int argc, const char* const* argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto cli = parse_args(args);
    if (!cli) return cli.error();
    auto asked = [&](const char* key) { return cli->count(key) && cli->at(key).back().value == "1"; };
    if (asked("help") || asked("version")) return build_config(*cli, nullptr);  // a broken file is no obstacle
    // Find the config file from the flags alone, then let the flags win over it.
    std::filesystem::path datadir = default_datadir(), conf;
    if (cli->count("datadir")) datadir = cli->at("datadir").back().value;
    bool explicit_conf = cli->count("conf") != 0;
    conf = explicit_conf ? std::filesystem::path(cli->at("conf").back().value) : datadir / "finch.conf";
    std::string text;
    bool have_file = false;
    if (std::ifstream in(conf); in) {
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
        have_file = true;
    } else if (explicit_conf) {
        return config_error("cannot read config file " + conf.string());
    }
    auto c = parse_config(args, have_file ? &text : nullptr, conf.string());
    if (c && have_file) c->conf = conf;
    return c;
}

std::string config_help() {
    std::string out =
        "Usage: finchd [options]\n\n"
        "Options are written --name value, --name=value or -name=value; on/off options also\n"
        "--name, --name=0 and -noname. The same keys, without dashes, work in finch.conf, where\n"
        "keys under [main], [test] or [regtest] apply only on that network.\n\nOptions:\n";
    for (const auto& o : kOptions) {
        std::string flag = std::string("  --") + o.name + (o.arg[0] ? std::string(" ") + o.arg : "");
        if (flag.size() < 30) flag.resize(30, ' ');
        else flag += "\n" + std::string(30, ' ');
        out += flag + o.help + "\n";
    }
    return out;
}

}  // namespace finch::node
