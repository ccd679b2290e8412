// finchd: opens the ledger, runs the chainstate, mempool, miner and JSON-RPC server, and
// shuts down cleanly on SIGINT/SIGTERM or the `stop` RPC.
#include "node/chainstate.h"
#include "node/config.h"
#include "node/log.h"
#include "node/mempool.h"
#include "node/net/peer_manager.h"
#include "node/miner.h"
#include "node/rpc_adapter.h"
#include "rpc/cookie.h"
#include "rpc/server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

namespace {

using namespace finch;
using namespace finch::node;

std::mutex g_shutdown_mutex;
std::condition_variable g_shutdown_cv;
bool g_shutdown = false;

void request_shutdown() {
    {
        std::lock_guard lock(g_shutdown_mutex);
        g_shutdown = true;
    }
    g_shutdown_cv.notify_all();
}

int fail(const std::string& message) {
    std::cerr << "Error: " << message << std::endl;
    FINCH_LOG("Error: " + message);
    return 1;
}

// An exclusive lock on the network's data folder, held for the process's life.
class DataDirLock {
public:
    bool acquire(const std::filesystem::path& dir, std::string& error) {
        m_fd = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT, 0600);
        if (m_fd < 0) {
            error = "cannot create the lock file in " + dir.string();
            return false;
        }
        if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            error = "cannot lock the data directory " + dir.string() + ": finchd is probably already running";
            return false;
        }
        return true;
    }
    ~DataDirLock() {
        if (m_fd >= 0) ::close(m_fd);
    }

private:
    int m_fd = -1;
};

// Signals are blocked in every thread and taken synchronously by this one.
std::thread start_signal_thread() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return std::thread([set] {
        int sig = 0;
        sigwait(&set, &sig);
        FINCH_LOG(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
        request_shutdown();
    });
}

bool prepare_datadir(const Config& config, std::string& error) {
    std::error_code ec;
    std::filesystem::create_directories(config.network_dir(), ec);
    if (ec) {
        error = "cannot create the data directory " + config.network_dir().string() + ": " + ec.message();
        return false;
    }
    const auto probe = config.network_dir() / ".write-test";
    std::FILE* f = std::fopen(probe.c_str(), "w");
    if (!f) {
        error = "the data directory " + config.network_dir().string() + " is not writable";
        return false;
    }
    std::fclose(f);
    std::filesystem::remove(probe, ec);
    return true;
}

int run(const Config& config) {
    std::string error;
    if (!prepare_datadir(config, error)) return fail(error);
    DataDirLock lock;
    if (!lock.acquire(config.network_dir(), error)) return fail(error);

    Logger& log = Logger::instance();
    log.set_console(config.printtoconsole);
    if (!log.open(config.network_dir() / "debug.log", error)) return fail(error);
    for (const auto& d : config.debug) log.enable(d);
    const ChainParams& params = chain_params(config.network);
    FINCH_LOG("finchd " FINCH_VERSION " starting on " + params.name + ", data in " + config.network_dir().string());
    if (!config.conf.empty()) FINCH_LOG("config file " + config.conf.string());

    std::thread signals = start_signal_thread();
    signals.detach();

    const auto ledger_dir = config.network_dir() / "ledger";
    auto store = storage::LedgerStore::open(ledger_dir, params.name);
    if (!store) return fail(store.error().to_string());

    SignatureCache sigcache;
    Chainstate chain(**store, params, &sigcache);
    auto loaded = chain.load();
    if (!loaded) return fail("loading the block index: " + loaded.error().to_string());
    if (config.reindex) {
        FINCH_LOG("reindexing the ledger from stored blocks");
        if (auto s = chain.reindex(); !s) return fail("reindex: " + s.error().to_string());
    }
    FINCH_LOG("chain tip " + chain.tip().hash.to_hex() + " at height " + std::to_string(chain.tip().height));

    MempoolLimits limits;
    limits.max_bytes = config.maxmempool_mb * 1'000'000;
    limits.expiry_seconds = config.mempoolexpiry_hours * 3600;
    limits.min_fee_per_byte = config.minrelayfee;
    Mempool mempool(**store, params, &sigcache, limits);
    chain.subscribe(&mempool);

    Miner miner(chain, mempool);
    RpcAdapter adapter(chain, mempool, miner, ledger_dir, request_shutdown);

    net::NetOptions net_options;
    net_options.bind = config.bind;
    net_options.port = config.port;
    net_options.listen = config.listen;
    net_options.connect = config.connect;
    net_options.addnode = config.addnode;
    net_options.whitelist = config.whitelist;
    net_options.max_connections = config.maxconnections;
    net_options.ban_seconds = config.bantime;
    net_options.user_agent = "/finchd:" FINCH_VERSION "/";
    net::PeerManager network(chain, mempool, params, net_options);
    if (auto s = network.start(); !s) return fail(s.error().detail);
    chain.subscribe(&network);
    adapter.set_network(&network);

    rpc::ServerOptions rpc_options;
    rpc_options.bind_address = config.rpcbind;
    rpc_options.port = config.rpcport;
    rpc_options.worker_threads = config.rpcthreads;
    const auto cookie_path = config.network_dir() / ".cookie";
    const bool use_cookie = config.rpcuser.empty();
    if (use_cookie) {
        auto cookie = rpc::generate_cookie();
        if (!cookie) return fail(cookie.error().detail);
        if (auto s = rpc::write_cookie(cookie_path, *cookie); !s) return fail(s.error().detail);
        rpc_options.credentials = *cookie;
    } else {
        rpc_options.credentials.user = config.rpcuser;
        rpc_options.credentials.password = config.rpcpassword;
    }
    rpc::RpcServer server(adapter, rpc_options);
    if (auto s = server.start(); !s) {
        if (use_cookie) (void)rpc::remove_cookie(cookie_path);
        network.stop();
        return fail("JSON-RPC: " + s.error().detail);
    }
    FINCH_LOG("JSON-RPC listening on " + config.rpcbind + ":" + std::to_string(server.port()));

    if (config.mine) {
        auto to = decode_address(config.miner_address, params);
        miner.start(*to, config.miner_threads);
    }

    {
        std::unique_lock lk(g_shutdown_mutex);
        while (!g_shutdown) {
            g_shutdown_cv.wait_for(lk, std::chrono::seconds(30));
            if (!g_shutdown) {
                lk.unlock();
                if (size_t n = mempool.expire(unix_now())) FINCH_DEBUG(Mempool, "expired " + std::to_string(n) + " transactions");
                lk.lock();
            }
        }
    }

    FINCH_LOG("shutdown: stopping RPC, miner, network");
    server.stop();
    miner.stop();
    network.stop();
    if (use_cookie) (void)rpc::remove_cookie(cookie_path);
    FINCH_LOG("shutdown: done");
    log.close();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto config = finch::node::parse_config(argc, argv);
    if (!config) {
        std::cerr << "Error: " << config.error().detail << std::endl;
        return 1;
    }
    if (config->help) {
        std::cout << finch::node::config_help();
        return 0;
    }
    if (config->version) {
        std::cout << "finchd " FINCH_VERSION << std::endl;
        return 0;
    }
    return run(*config);
}
