// finch-cli's global options (bitcoin-cli's names and forms: --opt value, --opt=value,
// -opt=value) and how they, the config file and the cookie become an RPC endpoint.
#pragma once

#include "consensus/params.h"
#include "rpc/client.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace finch::cli {

struct CliOptions {
    std::filesystem::path datadir;  // default $HOME/.finchain
    std::filesystem::path conf;     // default <datadir>/finch.conf
    std::optional<std::string> network;
    std::optional<std::string> rpcconnect;
    std::optional<uint16_t> rpcport;
    std::optional<std::string> rpcuser;
    std::optional<std::string> rpcpassword;
    bool rpcwait = false;
    unsigned rpcwait_timeout = 60;        // seconds; 0 waits forever
    unsigned rpcclient_timeout = 900;     // seconds for one call
    bool named = false;
    bool read_stdin = false;
    bool help = false;
    bool version = false;

    std::vector<std::string> command;  // the command and its arguments
};

// Splits argv into options and the command. Error message on an unknown or malformed option.
Result<CliOptions> parse_cli_args(const std::vector<std::string>& args);

// Fills what the command line left unset from the config file's keys (network, rpcport,
// rpcconnect, rpcuser, rpcpassword). A missing file is fine.
Status apply_config_file(CliOptions& options);

const ChainParams* network_params(const CliOptions& options);

// Host, port and credentials: rpcuser/rpcpassword when given, else the node's cookie file.
Result<rpc::Endpoint> resolve_endpoint(const CliOptions& options, const ChainParams& params);

}  // namespace finch::cli
