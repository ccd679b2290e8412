// Option table, flag and config-file parsing; see config.h.
#include "node/config.h"

#include "node/log.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
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
    {"port", Kind::Value, "N", "p2p listening port (default: 9333 main, 19333 test, 19444 regtest)"},
    {"bind", Kind::Value, "ADDR", "p2p listening address (default 0.0.0.0)"},
    {"listen", Kind::Flag, "0|1", "accept inbound p2p connections (default 1)"},
    {"connect", Kind::List, "HOST:PORT", "connect only to these peers (repeatable)"},
    {"addnode", Kind::List, "HOST:PORT", "also connect to this peer and keep reconnecting (repeatable)"},
    {"whitelist", Kind::List, "IP", "never ban peers from this address (repeatable)"},
    {"maxconnections", Kind::Value, "N", "maximum peer connections (default 125)"},
    {"bantime", Kind::Value, "SECONDS", "how long a misbehaving peer is banned (default 86400)"},
    {"rpcport", Kind::Value, "N", "JSON-RPC port (default: 9332 main, 19332 test, 19443 regtest)"},
    {"rpcbind", Kind::Value, "ADDR", "JSON-RPC listening address (default 127.0.0.1)"},
    {"rpcuser", Kind::Value, "USER", "JSON-RPC user (without it a cookie file is used)"},
    {"rpcpassword", Kind::Value, "PASS", "JSON-RPC password"},
    {"rpcthreads", Kind::Value, "N", "threads executing RPC methods (default 2)"},
    {"mine", Kind::Flag, "", "mine blocks"},
    {"miner-address", Kind::Value, "ADDR", "address that receives mined rewards (required with --mine)"},
    {"miner-threads", Kind::Value, "N", "mining threads (default 1)"},
    {"maxmempool", Kind::Value, "MB", "mempool size limit in megabytes (default 300)"},
    {"mempoolexpiry", Kind::Value, "HOURS", "drop mempool transactions older than this (default 336)"},
    {"minrelayfee", Kind::Value, "N", "minimum fee rate in base units per byte (default 1)"},
    {"printtoconsole", Kind::Flag, "", "also print the log to the console"},
    {"debug", Kind::List, "CATEGORY", "log a category in detail: net, mempool, rpc, chain, miner, store, all"},
    {"reindex", Kind::Flag, "", "rebuild the ledger state and indexes from the stored blocks"},
    {"help", Kind::Flag, "", "print this help and exit"},
    {"version", Kind::Flag, "", "print the version and exit"},
};

const Option* find_option(const std::string& name) {
    for (const auto& o : kOptions)
        if (name == o.name) return &o;
    return nullptr;
}

using RawOptions = std::map<std::string, std::vector<std::string>>;

Rejection config_error(std::string message) { return reject("config", std::move(message), Fault::Decode); }

// Splits "--name=value", "-name=value", "--name value", "--flag" and "--flag 0|1".
Result<RawOptions> parse_args(const std::vector<std::string>& args) {
    RawOptions out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 2 || a[0] != '-') return config_error("unexpected argument '" + a + "'");
        std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        const Option* opt = find_option(name);
        if (!opt) return config_error("unknown option --" + name + " (see --help)");
        if (!has_value && opt->kind == Kind::Flag) {
            value = "1";
            if (i + 1 < args.size() && (args[i + 1] == "0" || args[i + 1] == "1")) value = args[++i];
        } else if (!has_value) {
            if (i + 1 >= args.size()) return config_error("option --" + name + " needs a value");
            value = args[++i];
        }
        out[name].push_back(value);
    }
    return out;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

Result<RawOptions> parse_conf(const std::string& text, const std::string& origin) {
    RawOptions out;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        std::string key = line, value = "1";
        if (auto eq = line.find('='); eq != std::string::npos) {
            key = trim(line.substr(0, eq));
            value = trim(line.substr(eq + 1));
        }
        const Option* opt = find_option(key);
        if (!opt || key == "conf" || key == "help" || key == "version")
            return config_error(origin + " line " + std::to_string(n) + ": unknown key '" + key + "'");
        out[key].push_back(value);
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

// Applies raw options to the config, validating each value.
Status apply_options(const RawOptions& raw, Config& c) {
    for (const auto& [key, values] : raw) {
        const std::string v = values.back();
        auto number = [&](uint64_t min, uint64_t max) -> std::optional<uint64_t> {
            auto n = parse_number(v, max);
            if (!n || *n < min) return std::nullopt;
            return n;
        };
        auto bad = [&](const std::string& what) {
            return config_error("invalid value '" + v + "' for --" + key + ": " + what);
        };
        auto flag = [&]() -> std::optional<bool> {
            if (v == "1") return true;
            if (v == "0") return false;
            return std::nullopt;
        };
        if (key == "datadir") c.datadir = v;
        else if (key == "conf") c.conf = v;
        else if (key == "network") {
            auto n = parse_network(v);
            if (!n) return bad("expected main, test or regtest");
            c.network = *n;
        } else if (key == "port" || key == "rpcport") {
            auto n = number(1, 65535);
            if (!n) return bad("expected a port number 1-65535");
            (key == "port" ? c.port : c.rpcport) = static_cast<uint16_t>(*n);
        } else if (key == "bind") c.bind = v;
        else if (key == "rpcbind") c.rpcbind = v;
        else if (key == "listen" || key == "mine" || key == "printtoconsole" || key == "reindex" || key == "help" ||
                 key == "version") {
            auto f = flag();
            if (!f) return bad("expected 0 or 1");
            bool& target = key == "listen" ? c.listen
                           : key == "mine" ? c.mine
                           : key == "printtoconsole" ? c.printtoconsole
                           : key == "reindex" ? c.reindex
                           : key == "help" ? c.help
                                           : c.version;
            target = *f;
        } else if (key == "connect") c.connect = values;
        else if (key == "addnode") c.addnode = values;
        else if (key == "whitelist") c.whitelist = values;
        else if (key == "debug") {
            for (const auto& d : values)
                if (!log_category_names().count(d))
                    return config_error("unknown debug category '" + d + "' (net, mempool, rpc, chain, miner, store, all)");
            c.debug = values;
        } else if (key == "maxconnections") {
            auto n = number(0, 10'000);
            if (!n) return bad("expected 0-10000");
            c.maxconnections = *n;
        } else if (key == "bantime") {
            auto n = number(1, 10ULL * 365 * 24 * 3600);
            if (!n) return bad("expected seconds");
            c.bantime = *n;
        } else if (key == "rpcuser") c.rpcuser = v;
        else if (key == "rpcpassword") c.rpcpassword = v;
        else if (key == "rpcthreads") {
            auto n = number(1, 64);
            if (!n) return bad("expected 1-64");
            c.rpcthreads = static_cast<unsigned>(*n);
        } else if (key == "miner-address") c.miner_address = v;
        else if (key == "miner-threads") {
            auto n = number(1, 256);
            if (!n) return bad("expected 1-256");
            c.miner_threads = static_cast<unsigned>(*n);
        } else if (key == "maxmempool") {
            auto n = number(1, 1'000'000);
            if (!n) return bad("expected megabytes 1-1000000");
            c.maxmempool_mb = *n;
        } else if (key == "mempoolexpiry") {
            auto n = number(1, 100'000);
            if (!n) return bad("expected hours");
            c.mempoolexpiry_hours = *n;
        } else if (key == "minrelayfee") {
            auto n = number(0, kMaxMoney);
            if (!n) return bad("expected base units per byte");
            c.minrelayfee = *n;
        }
    }
    return Status::accepted();
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

}  // namespace

std::filesystem::path default_datadir() {
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : ".") / ".finchain";
}

Result<Config> parse_config(const std::vector<std::string>& args, const std::string* conf_text) {
    auto cli = parse_args(args);
    if (!cli) return cli.error();
    Config c;
    c.datadir = default_datadir();
    if (conf_text) {
        auto file = parse_conf(*conf_text, "config file");
        if (!file) return file.error();
        if (auto s = apply_options(*file, c); !s) return s.error();
    }
    if (auto s = apply_options(*cli, c); !s) return s.error();
    if (auto s = finish(c); !s) return s.error();
    return c;
}

Result<Config> parse_config(int argc, const char* const* argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto cli = parse_args(args);
    if (!cli) return cli.error();
    // Find the config file from the flags alone, then let the flags win over it.
    std::filesystem::path datadir = default_datadir(), conf;
    if (cli->count("datadir")) datadir = cli->at("datadir").back();
    bool explicit_conf = cli->count("conf") != 0;
    conf = explicit_conf ? std::filesystem::path(cli->at("conf").back()) : datadir / "finch.conf";
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
    auto c = parse_config(args, have_file ? &text : nullptr);
    if (c && have_file) c->conf = conf;
    return c;
}

std::string config_help() {
    std::string out = "Usage: finchd [options]\n\nOptions (the same keys, without dashes, work in finch.conf):\n";
    for (const auto& o : kOptions) {
        std::string flag = std::string("  --") + o.name + (o.arg[0] ? std::string(" ") + o.arg : "");
        if (flag.size() < 30) flag.resize(30, ' ');
        else flag += "\n" + std::string(30, ' ');
        out += flag + o.help + "\n";
    }
    return out;
}

}  // namespace finch::node
