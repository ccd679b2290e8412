// finch-cli: the command-line client. Local commands (keygen, signtx) need no node;
// `send` and every other command talk to a node over JSON-RPC.
#include "rpc/cli/cli_options.h"
#include "rpc/cli/dashboards.h"
#include "rpc/cli/local_commands.h"
#include "rpc/cli/rpc_commands.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

int fail(const std::string& msg) {
    std::cerr << "error: " << msg << "\n";
    return 1;
}

int print(const finch::cli::Outcome& outcome) {
    std::fputs(outcome.out.c_str(), stdout);
    std::fputs(outcome.err.c_str(), stderr);
    return outcome.exit_code;
}

// While alive, a terminal on stdin does not echo what is typed (a password or a secret key),
// as bitcoin-cli's -stdinrpcpass; a newline goes to stderr afterwards. No-op for pipes and files.
class NoStdinEcho {
public:
    explicit NoStdinEcho(bool wanted) {
        if (!wanted || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &m_saved) != 0) return;
        termios quiet = m_saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        m_active = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    ~NoStdinEcho() {
        if (!m_active) return;
        tcsetattr(STDIN_FILENO, TCSANOW, &m_saved);
        std::fputc('\n', stderr);
    }
    NoStdinEcho(const NoStdinEcho&) = delete;
    NoStdinEcho& operator=(const NoStdinEcho&) = delete;

private:
    termios m_saved{};
    bool m_active = false;
};

}  // namespace

int main(int argc, char** argv) {
    using namespace finch::cli;
    auto parsed = parse_cli_args(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed) return fail(parsed.error().detail);
    CliOptions& options = *parsed;
    if (options.help) return std::cout << usage_text(), 0;
    if (options.version) return std::cout << "finch-cli " FINCH_VERSION "\n", 0;
    {
        NoStdinEcho quiet(options.stdin_rpcpass || options.stdin_secret);
        if (finch::Status s = read_stdin_inputs(options, std::cin); !s) return fail(s.error().detail);
    }
    if (finch::Status s = apply_config_file(options); !s) return fail(s.error().detail);
    const finch::ChainParams* params = network_params(options);
    if (options.getinfo && options.netinfo) return fail("give one of -getinfo and -netinfo");
    if ((options.getinfo || options.netinfo) && !params)
        return fail("unknown network '" + options.network.value_or("") + "' (main, test or regtest)");
    if (options.getinfo) return print(getinfo(options, *params, options.command));
    if (options.netinfo) return print(netinfo(options, *params, options.command));
    if (options.json) return fail("--json is for -getinfo and -netinfo");
    if (options.command.empty()) return fail("no command given (see --help)");
    if (!params) return fail("unknown network '" + options.network.value_or("") + "' (main, test or regtest)");

    const std::string command = options.command.front();
    std::vector<std::string> rest(options.command.begin() + 1, options.command.end());
    if (command == "keygen") return print(keygen(*params, rest));
    if (command == "signtx") return print(signtx(*params, rest));
    if (command == "send") return print(send(options, *params, rest));
    return print(run_rpc_command(options, *params, command, rest));
}
