// finchd's configuration: command-line flags and the same keys in <datadir>/finch.conf
// (bitcoin.conf style: [main]/[test]/[regtest] sections; flags win). Bad input is one clear error.
#pragma once

#include "consensus/params.h"

#include <filesystem>
#include <string>
#include <vector>

namespace finch::node {

struct Config {
    std::filesystem::path datadir;  // base folder; data lives in datadir/<network>/
    std::filesystem::path conf;     // config file actually read (empty if none)
    Network network = Network::Main;

    uint16_t port = 0;
    std::string bind = "0.0.0.0";
    bool listen = true;
    std::vector<std::string> connect;
    std::vector<std::string> addnode;
    std::vector<std::string> whitelist;
    std::vector<std::string> peerallow;  // identities (validated by the p2p layer at start)
    std::vector<std::string> dhtbootstrap;  // [IDENTITY@]HOST:PORT
    size_t maxconnections = 125;
    uint64_t bantime = 24 * 60 * 60;
    size_t maxinboundperip = 8;
    size_t maxinboundpernetgroup = 16;

    uint16_t rpcport = 0;
    std::string rpcbind = "127.0.0.1";
    std::string rpcuser;
    std::string rpcpassword;
    unsigned rpcthreads = 2;
    uint64_t rpcservertimeout = 30;  // seconds; also a WebSocket's idle limit
    bool metrics = true;             // GET /metrics
    size_t wsmaxconnections = 32;
    size_t wsmaxqueue = 10'000;      // messages waiting on one WebSocket before it is closed with 1008
    bool explorer = false;           // /explorer/ and /api/ without credentials
    size_t explorerratelimit = 20;   // API requests per second per IP
    bool addressindex = true;

    bool mine = false;
    std::string miner_address;
    unsigned miner_threads = 1;

    size_t maxmempool_mb = 300;
    size_t dbcache_mb = 0;  // 0: the network's default (450, or 16 on regtest)
    uint64_t mempoolexpiry_hours = 336;
    bool persistmempool = true;
    Amount minrelayfee = 1;  // base units per byte

    bool printtoconsole = true;  // as bitcoind: on unless --daemon or --printtoconsole=0
    std::vector<std::string> debug;
    bool reindex = false;

    bool daemon = false;         // fork into the background once the node is up
    std::filesystem::path pid;   // as given (empty: default); see pid_file()

    bool help = false;
    bool version = false;

    std::filesystem::path network_dir() const { return datadir / chain_params(network).name; }
    // <network_dir>/finchd.pid by default; a relative --pid is taken relative to network_dir().
    std::filesystem::path pid_file() const;
};

// Parses argv and then the config file (found via --conf or --datadir); flags win.
Result<Config> parse_config(int argc, const char* const* argv);
// Parses already-split arguments plus the text of a config file (for tests); conf_name is
// the file name that error messages cite ("finch.conf:12: unknown key 'foo'").
Result<Config> parse_config(const std::vector<std::string>& args, const std::string* conf_text,
                            const std::string& conf_name = "finch.conf");
std::string config_help();
std::filesystem::path default_datadir();

}  // namespace finch::node
