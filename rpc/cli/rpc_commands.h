// finch-cli commands that talk to a node: any RPC method, and `send` (sign locally, submit).
#pragma once

#include "rpc/cli/cli_options.h"
#include "rpc/cli/local_commands.h"
#include "rpc/protocol.h"

#include <string>
#include <vector>

namespace finch::cli {

// Builds the params of METHOD ARGS: a JSON array, or with --named an object from name=value
// arguments. Each value is JSON when it parses as JSON, a string otherwise.
Result<rpc::Json> build_params(const std::vector<std::string>& args, bool named);

// Prints a result as bitcoin-cli does: strings raw, null as nothing, the rest as indented JSON.
std::string format_result(const rpc::Json& result);
// "error code: N\nerror message:\nMESSAGE\n"
std::string format_error(const rpc::RpcError& error);

// Calls a method, retrying while the node is not up yet when --rpcwait is given.
Result<rpc::CallResult> call_node(const CliOptions& options, const ChainParams& params, const std::string& method,
                                  const rpc::Json& call_params);

Outcome run_rpc_command(const CliOptions& options, const ChainParams& params, const std::string& method,
                        const std::vector<std::string>& args);

// send --secret HEX --to ADDR --amount N [--fee N]: looks up the sender's next nonce
// (getaccount's pending_nonce), signs locally, submits with sendrawtransaction, prints the txid.
inline constexpr const char* kDefaultFee = "1000";
Outcome send(const CliOptions& options, const ChainParams& params, const std::vector<std::string>& args);

}  // namespace finch::cli
