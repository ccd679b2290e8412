// finch-cli: the command-line client. Local commands (keygen, signtx) need no node;
// `send` and every other command talk to a node over JSON-RPC.
#include "rpc/cli/cli_options.h"
#include "rpc/cli/local_commands.h"
#include "rpc/cli/rpc_commands.h"

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage = R"(Usage: finch-cli [options] COMMAND [ARGS...]

Calls any RPC method of a finchd node (see `finch-cli help`) and prints the result.
Arguments that parse as JSON are sent as JSON, others as strings.

Local commands (no node needed):
  keygen                         print a new key as JSON: secret, pubkey, address
  signtx --secret HEX --to ADDR --amount N --fee N --nonce N
                                 print a signed raw transaction (hex)
Node commands:
  send --secret HEX --to ADDR --amount N [--fee N]
                                 sign a transfer with the sender's next nonce, submit it,
                                 print its txid (default fee 1000)
  METHOD [ARGS...]               call an RPC method

Options (--opt value, --opt=value and -opt=value all work):
  --datadir DIR                  data directory (default ~/.finchain)
  --conf FILE                    config file (default <datadir>/finch.conf): network,
                                 rpcport, rpcconnect, rpcuser, rpcpassword are read
  --network main|test|regtest    network (default main); --regtest, --testnet as shortcuts
  --rpcconnect HOST              node address (default 127.0.0.1)
  --rpcport N                    node RPC port (default 9332 main, 19332 test, 19443 regtest)
  --rpcuser USER --rpcpassword PASS
                                 credentials; without them <datadir>/<network>/.cookie is read
  --rpcwait                      wait for the node to come up
  --rpcwaittimeout N             give up waiting after N seconds (default 60, 0 = forever)
  --rpcclienttimeout N           seconds to wait for one reply (default 900, 0 = no limit)
  --named                        arguments are name=value pairs
  --stdin                        read further arguments from stdin, one per line
  --help                         this text
  --version                      version

Amounts are integers in base units (1 coin = 100000000).
)";

int fail(const std::string& msg) {
    std::cerr << "error: " << msg << "\n";
    return 1;
}

int print(const finch::cli::Outcome& outcome) {
    std::fputs(outcome.out.c_str(), stdout);
    std::fputs(outcome.err.c_str(), stderr);
    return outcome.exit_code;
}

void append_stdin_lines(std::vector<std::string>& args) {
    std::string line;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        args.push_back(line);
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace finch::cli;
    auto parsed = parse_cli_args(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed) return fail(parsed.error().detail);
    CliOptions& options = *parsed;
    if (options.help) return std::cout << kUsage, 0;
    if (options.version) return std::cout << "finch-cli " FINCH_VERSION "\n", 0;
    if (finch::Status s = apply_config_file(options); !s) return fail(s.error().detail);
    if (options.command.empty()) return fail("no command given (see --help)");
    const finch::ChainParams* params = network_params(options);
    if (!params) return fail("unknown network '" + options.network.value_or("") + "' (main, test or regtest)");

    const std::string command = options.command.front();
    std::vector<std::string> rest(options.command.begin() + 1, options.command.end());
    if (options.read_stdin) append_stdin_lines(rest);
    if (command == "keygen") return print(keygen(*params, rest));
    if (command == "signtx") return print(signtx(*params, rest));
    if (command == "send") return print(send(options, *params, rest));
    return print(run_rpc_command(options, *params, command, rest));
}
