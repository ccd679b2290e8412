// finch-cli's global options (bitcoin-cli's names and forms: --opt value, --opt=value,
// -opt=value), what stdin supplies, and how options, config and cookie become an RPC endpoint.
#pragma once

#include "consensus/params.h"
#include "rpc/client.h"

#include <filesystem>
#include <istream>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace finch::cli {

struct CliOptions {
    std::filesystem::path datadir;  // default $HOME/.finchain
    std::filesystem::path conf;     // default <datadir>/finch.conf
    std::optional<std::string> network;
    std::optional<std::string> rpcconnect;  // HOST, HOST:PORT, [IPv6] or [IPv6]:PORT
    std::optional<uint16_t> rpcport;
    std::optional<std::string> rpcuser;
    std::optional<std::string> rpcpassword;
    bool rpcwait = false;
    unsigned rpcwait_timeout = 60;        // seconds; 0 waits forever
    unsigned rpcclient_timeout = 900;     // seconds for one call
    bool named = false;
    bool read_stdin = false;      // --stdin: further arguments, one per line
    bool stdin_rpcpass = false;   // --stdinrpcpass: the first line of stdin is the RPC password
    bool stdin_secret = false;    // --stdinsecret: the next line is send's/signtx's secret key
    bool help = false;
    bool version = false;
    bool getinfo = false;  // -getinfo: the node's summary instead of a command
    bool netinfo = false;  // -netinfo [LEVEL]: the peers' summary
    bool json = false;     // --json: -getinfo and -netinfo print a JSON object

    std::vector<std::string> command;  // the command and its arguments

    // Options given on the command line (canonical names: "network" for --regtest and --chain
    // too): the config file fills in only the others.
    std::set<std::string> given;
    bool rpcport_from_conf = false;  // rpcport came from the config file, not the command line
};

// Splits argv into options and the command. Error message on an unknown or malformed option,
// or on network options that disagree (--regtest with --network main). No message repeats an
// option's value.
Result<CliOptions> parse_cli_args(const std::vector<std::string>& args);

// Reads what the options say comes from `in`, in bitcoin-cli's order: the RPC password line
// (--stdinrpcpass), the secret key line (--stdinsecret, given to send/signtx as --secret), then
// one argument per line to the end (--stdin). `--stdinsecret` may also be written among send's
// or signtx's own flags. Fails, without reading, when --stdinsecret is given for another
// command; fails when a line is missing. Messages never contain what was read.
Status read_stdin_inputs(CliOptions& options, std::istream& in);

// Fills what the command line left unset from the config file, read by finchd's rules
// (docs/node.md): `#` comments; keys before any section apply on every network; keys under
// [main], [test] or [regtest] (or written `regtest.rpcport=...`) apply only on that network and
// override the top level key by key. The network is the command line's, else the file's top
// level (regtest=1, testnet=1, network=, chain=; conflicting choices are an error), else main;
// a section cannot choose another network. finch-cli takes datadir, network, rpcconnect,
// rpcport, rpcuser, rpcpassword, rpcwait, rpcwaittimeout and rpcclienttimeout and ignores every
// other key (finchd's own keys, as bitcoin-cli ignores bitcoind's); a malformed or unknown
// section header, a key written with a leading '-', conf/help/version in the file, or a bad
// value for a key it takes is an error naming FILE:LINE. A missing file is fine unless
// --conf named it.
Status apply_config_file(CliOptions& options);
// The same with the file's text given (for tests); file_name is what messages cite.
Status apply_config_text(CliOptions& options, const std::string& text, const std::string& file_name);

const ChainParams* network_params(const CliOptions& options);

// Where the node is. Port: --rpcport, else the port in --rpcconnect, else the network's default.
// When both name a port, --rpcport wins with bitcoin-cli's warning in `warning`, except that a
// port on the command line (in --rpcconnect) wins over an rpcport from the config file.
struct ServerAddress {
    std::string host;
    uint16_t port = 0;
    std::string warning;
};
Result<ServerAddress> resolve_address(const CliOptions& options, const ChainParams& params);

// Host, port and credentials: rpcuser/rpcpassword when given, else the node's cookie file.
Result<rpc::Endpoint> resolve_endpoint(const CliOptions& options, const ChainParams& params);

// finch-cli --help.
std::string usage_text();

}  // namespace finch::cli
