// rpc_fake_server: the RPC server in front of FakeNode, for load tests (bench/rpc) and for
// trying finch-cli without a chain. Serves until SIGINT or SIGTERM.
#include "rpc/cookie.h"
#include "rpc/server.h"
#include "tests/rpc/fake_node.h"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

constexpr const char* kUsage =
    "Usage: rpc_fake_server [--port N] [--user U --password P | --cookie FILE] [--io-threads N]\n"
    "                       [--workers N] [--queue N] [--max-connections N] [--big-block NTX]\n";

bool parse(int argc, char** argv, finch::rpc::ServerOptions& o, size_t& big_block, std::string& cookie) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return false;
        const std::string v = argv[++i];
        const unsigned long n = std::strtoul(v.c_str(), nullptr, 10);
        if (a == "--port") o.port = static_cast<uint16_t>(n);
        else if (a == "--user") o.credentials.user = v;
        else if (a == "--password") o.credentials.password = v;
        else if (a == "--cookie") cookie = v;
        else if (a == "--io-threads") o.io_threads = static_cast<unsigned>(n);
        else if (a == "--workers") o.worker_threads = static_cast<unsigned>(n);
        else if (a == "--queue") o.work_queue = n;
        else if (a == "--max-connections") o.max_connections = n;
        else if (a == "--big-block") big_block = n;
        else return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    finch::rpc::ServerOptions options;
    options.credentials = {"user", "pass"};
    size_t big_block = 0;
    std::string cookie;
    if (!parse(argc, argv, options, big_block, cookie)) return std::cerr << kUsage, 2;
    if (!cookie.empty()) {
        options.credentials = finch::rpc::generate_cookie().value();
        if (auto s = finch::rpc::write_cookie(cookie, options.credentials); !s)
            return std::cerr << s.error().to_string() << "\n", 1;
    }
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

    finch::rpc::test::FakeNode node(big_block);
    finch::rpc::RpcServer server(node, options);
    if (auto s = server.start(); !s) return std::cerr << s.error().to_string() << "\n", 1;
    std::cout << "listening on " << options.bind_address << ":" << server.port() << " (tip block "
              << node.hashes.back().to_hex() << ")" << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
    if (!cookie.empty()) (void)finch::rpc::remove_cookie(cookie);
    return 0;
}
