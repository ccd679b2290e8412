// finch-cli commands that talk to a node: any RPC method, and `send` (sign locally, submit).
#pragma once

#include "rpc/cli/cli_options.h"
#include "rpc/cli/local_commands.h"
#include "rpc/protocol.h"

#include <string>
#include <vector>

namespace finch::cli {

// Builds the params of METHOD ARGS: a JSON array, or with --named an object. With --named, as in
// Bitcoin Core 25+, a name=value argument is a named parameter (a later one wins) and any other
// argument is positional: positional ones fill the method's parameters in order, named after
// the method table (an error when one is also given by name, or when there are too many); for
// a method finch-cli does not know they go in an "args" array, as bitcoin-cli sends them.
// Each value is JSON when it parses as JSON, a string otherwise.
Result<rpc::Json> build_params(const std::string& method, const std::vector<std::string>& args, bool named);

// Prints a result as bitcoin-cli does: strings raw, null as nothing, the rest as indented JSON.
std::string format_result(const rpc::Json& result);
// "error code: N\nerror message:\nMESSAGE\n"
std::string format_error(const rpc::RpcError& error);

// Calls a method, retrying while the node is not up yet when --rpcwait is given. When the wait
// times out the error says so: "could not connect to the server HOST:PORT within N s".
Result<rpc::CallResult> call_node(const CliOptions& options, const ChainParams& params, const std::string& method,
                                  const rpc::Json& call_params);

// Any RPC method. `help` with no topic appends finch-cli's local commands to the node's list;
// `help keygen|signtx|send` describes the local command without asking the node.
Outcome run_rpc_command(const CliOptions& options, const ChainParams& params, const std::string& method,
                        const std::vector<std::string>& args);

// send --secret HEX --to ADDR --amount N [--fee N]: looks up the sender's next nonce
// (getaccount's pending_nonce), signs locally, submits with sendrawtransaction, prints the txid.
inline constexpr const char* kDefaultFee = "1000";
Outcome send(const CliOptions& options, const ChainParams& params, const std::vector<std::string>& args);

}  // namespace finch::cli
