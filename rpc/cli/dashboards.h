// finch-cli -getinfo and -netinfo [0-4]: one-screen summaries of a node, as bitcoin-cli's
// -getinfo and -netinfo, built from getblockchaininfo, getnetworkinfo, getmempoolinfo and
// getpeerinfo. Human-readable by default, a JSON object with --json.
#pragma once

#include "rpc/cli/cli_options.h"
#include "rpc/cli/local_commands.h"
#include "rpc/protocol.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace finch::cli {

inline constexpr int kMaxNetinfoLevel = 4;

// The level of `-netinfo [LEVEL]` from what follows the option: nothing is 0; else one integer
// 0-4. Error message otherwise.
Result<int> parse_netinfo_level(const std::vector<std::string>& args);

// Formatting alone (unit-tested without a node). `now` is seconds since the epoch (peer ages).
std::string format_getinfo(const rpc::Json& chain, const rpc::Json& network, const rpc::Json& mempool, bool json);
std::string format_netinfo(const rpc::Json& network, const rpc::Json& peers, int level, bool json, uint64_t now);

// What finch-cli runs for -getinfo and -netinfo: the calls, then the formatting.
Outcome getinfo(const CliOptions& options, const ChainParams& params, const std::vector<std::string>& args);
Outcome netinfo(const CliOptions& options, const ChainParams& params, const std::vector<std::string>& args);

}  // namespace finch::cli
