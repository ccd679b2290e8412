// finch-cli: the command-line client. Local commands (keygen, signtx) need no node;
// every other command is sent to a node over JSON-RPC.
#include "rpc/cli/local_commands.h"

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage = R"(Usage: finch-cli [options] COMMAND [ARGS...]

Local commands (no node needed):
  keygen                         print a new key as JSON: secret, pubkey, address
  signtx --secret HEX --to ADDR --amount N --fee N --nonce N
                                 print a signed raw transaction (hex)

Options:
  --network main|test|regtest    network (default: main)
  --help                         this text
  --version                      version

Amounts are integers in base units (1 coin = 100000000).
)";

struct Global {
    std::string network = "main";
};

int fail(const std::string& msg) {
    std::cerr << "error: " << msg << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    Global global;
    size_t i = 0;
    for (; i < args.size() && args[i].rfind("-", 0) == 0; ++i) {
        std::string a = args[i];
        if (a == "--help" || a == "-h" || a == "-help") {
            std::cout << kUsage;
            return 0;
        }
        if (a == "--version" || a == "-version") {
            std::cout << "finch-cli " FINCH_VERSION "\n";
            return 0;
        }
        std::string name = a.substr(a.rfind("--", 0) == 0 ? 2 : 1), value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return fail("option --" + name + " needs a value");
        }
        if (name == "network") global.network = value;
        else return fail("unknown option --" + name + " (see --help)");
    }
    if (i >= args.size()) return fail("no command given (see --help)");
    auto network = finch::parse_network(global.network);
    if (!network) return fail("unknown network '" + global.network + "' (main, test or regtest)");
    const finch::ChainParams& params = finch::chain_params(*network);

    const std::string command = args[i];
    std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
    finch::cli::Outcome outcome;
    if (command == "keygen") outcome = finch::cli::keygen(params, rest);
    else if (command == "signtx") outcome = finch::cli::signtx(params, rest);
    else return fail("unknown command '" + command + "' (see --help)");
    std::fputs(outcome.out.c_str(), stdout);
    std::fputs(outcome.err.c_str(), stderr);
    return outcome.exit_code;
}
