// finchd: opens the ledger, runs the chainstate, mempool, miner, network and JSON-RPC server;
// SIGTERM/SIGINT/SIGQUIT or `stop` shut it down cleanly, SIGHUP reopens debug.log, --daemon forks;
// systemd hears READY/STATUS/STOPPING through $NOTIFY_SOCKET; the mempool persists in mempool.dat.
#include "node/chainstate.h"
#include "node/config.h"
#include "node/log.h"
#include "node/mempool.h"
#include "node/mempool_file.h"
#include "node/miner.h"
#include "node/net/identity.h"
#include "node/net/peer_manager.h"
#include "node/rpc_adapter.h"
#include "node/sd_notify.h"
#include "rpc/cookie.h"
#include "rpc/server.h"
#include "util/thread_annotations.h"
#include "util/thread_name.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

using namespace finch;
using namespace finch::node;

util::Mutex g_shutdown_mutex;
std::condition_variable g_shutdown_cv;
bool g_shutdown GUARDED_BY(g_shutdown_mutex) = false;

void request_shutdown() {
    {
        util::LockGuard lock(g_shutdown_mutex);
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

// The pid file: written once the data directory is locked, removed when the node stops.
class PidFile {
public:
    bool write(const std::filesystem::path& file, std::string& error) {
        std::ofstream out(file, std::ios::trunc);
        out << ::getpid() << "\n";
        out.flush();
        if (!out) {
            error = "cannot write the pid file " + file.string();
            return false;
        }
        m_path = file;
        return true;
    }
    ~PidFile() {
        std::error_code ec;
        if (!m_path.empty()) std::filesystem::remove(m_path, ec);
    }

private:
    std::filesystem::path m_path;
};

struct SignalName {
    int sig;
    const char* name;
};

constexpr SignalName kShutdownSignals[] = {{SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"}, {SIGQUIT, "SIGQUIT"}};
// Signals whose default action would end the process but that a daemon should survive.
constexpr SignalName kIgnoredSignals[] = {
    {SIGPIPE, "SIGPIPE"},     {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGALRM, "SIGALRM"},
    {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGIO, "SIGIO"},     {SIGPWR, "SIGPWR"},
    {SIGXCPU, "SIGXCPU"},     {SIGXFSZ, "SIGXFSZ"},
};

const char* signal_name(int sig) {
    if (sig == SIGHUP) return "SIGHUP";
    for (const auto& s : kShutdownSignals)
        if (s.sig == sig) return s.name;
    for (const auto& s : kIgnoredSignals)
        if (s.sig == sig) return s.name;
    return "a signal";
}

void handle_signal(int sig) {
    const std::string received = std::string("received ") + signal_name(sig);
    if (sig == SIGHUP) {
        std::string error;
        if (Logger::instance().reopen(error)) FINCH_LOG(received + ", reopened debug.log");
        else FINCH_LOG(received + ": " + error);
        return;
    }
    for (const auto& s : kShutdownSignals)
        if (s.sig == sig) {
            FINCH_LOG(received + ", shutting down");
            request_shutdown();
            return;
        }
    FINCH_LOG(received + ", ignored");
}

// Blocks the signals a daemon receives in this and every later thread (so construct it
// before starting any) and handles them synchronously on a thread of its own. A SIGPIPE
// from a write to a closed socket stays blocked: the write fails with EPIPE instead.
class SignalThread {
public:
    SignalThread() {
        sigemptyset(&m_set);
        sigaddset(&m_set, SIGHUP);
        for (const auto& s : kShutdownSignals) sigaddset(&m_set, s.sig);
        for (const auto& s : kIgnoredSignals) sigaddset(&m_set, s.sig);
        pthread_sigmask(SIG_BLOCK, &m_set, nullptr);
        m_thread = std::thread([this] {
            util::set_thread_name("finch-signals");
            loop();
        });
    }
    ~SignalThread() {
        m_stopping = true;
        pthread_kill(m_thread.native_handle(), SIGUSR1);
        m_thread.join();
    }

private:
    void loop() {
        for (;;) {
            int sig = 0;
            if (sigwait(&m_set, &sig) != 0) continue;
            if (m_stopping) return;
            handle_signal(sig);
        }
    }

    sigset_t m_set;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

// --daemon: the write end of the pipe the waiting parent reads; -1 when not daemonized.
int g_ready_fd = -1;

// The parent of a daemon: exits 0 once the child reports it is up, else with the child's
// code (the child printed its error on the shared stderr before exiting).
int wait_for_daemon(pid_t child, int ready_fd) {
    char byte = 0;
    ssize_t n;
    do n = ::read(ready_fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    ::close(ready_fd);
    if (n == 1) return 0;
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) return WEXITSTATUS(status);
    std::cerr << "Error: finchd stopped before it was up (see debug.log)" << std::endl;
    return 1;
}

// Forks before any thread exists. Returns -1 in the child (which goes on to run the node)
// and the exit code in the parent.
int daemonize() {
    int fds[2];
    if (::pipe(fds) != 0) return fail("--daemon: cannot create a pipe");
    std::cout << "finchd starting" << std::endl;
    const pid_t pid = ::fork();
    if (pid < 0) return fail("--daemon: cannot fork");
    if (pid > 0) {
        ::close(fds[1]);
        return wait_for_daemon(pid, fds[0]);
    }
    ::close(fds[0]);
    ::setsid();
    g_ready_fd = fds[1];
    return -1;
}

// In a daemon: the node is up, so detach from the terminal and let the parent exit.
void report_ready() {
    if (g_ready_fd < 0) return;
    if (int null = ::open("/dev/null", O_RDWR); null >= 0) {
        for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null, fd);
        if (null > STDERR_FILENO) ::close(null);
    }
    const char up = 1;
    if (::write(g_ready_fd, &up, 1) != 1) FINCH_LOG("--daemon: could not tell the parent process the node is up");
    ::close(g_ready_fd);
    g_ready_fd = -1;
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

// Creates and locks the data folder, writes the pid file and opens debug.log.
bool open_datadir(const Config& config, DataDirLock& lock, PidFile& pid, std::string& error) {
    if (!prepare_datadir(config, error) || !lock.acquire(config.network_dir(), error)) return false;
    if (!pid.write(config.pid_file(), error)) return false;
    Logger& log = Logger::instance();
    log.set_console(config.printtoconsole);
    if (!log.open(config.network_dir() / "debug.log", error)) return false;
    for (const auto& d : config.debug) log.enable(d);
    return true;
}

MempoolLimits mempool_limits(const Config& config) {
    MempoolLimits limits;
    limits.max_bytes = config.maxmempool_mb * 1'000'000;
    limits.expiry_seconds = config.mempoolexpiry_hours * 3600;
    limits.min_fee_per_byte = config.minrelayfee;
    return limits;
}

net::NetOptions net_options(const Config& config, const net::NodeIdentity& identity) {
    net::NetOptions o;
    o.key = &identity;
    o.bind = config.bind;
    o.port = config.port;
    o.listen = config.listen;
    o.connect = config.connect;
    o.addnode = config.addnode;
    o.whitelist = config.whitelist;
    o.peerallow = config.peerallow;
    o.dht_bootstrap = config.dhtbootstrap;
    o.max_connections = config.maxconnections;
    o.ban_seconds = config.bantime;
    o.max_inbound_per_ip = config.maxinboundperip;
    o.max_inbound_per_netgroup = config.maxinboundpernetgroup;
    o.user_agent = "/finchd:" FINCH_VERSION "/";
    return o;
}

// Server options with credentials: --rpcuser/--rpcpassword, or a fresh cookie written now.
bool rpc_options(const Config& config, rpc::ServerOptions& o, std::string& error) {
    o.bind_address = config.rpcbind;
    o.port = config.rpcport;
    o.worker_threads = config.rpcthreads;
    o.io_deadline = std::chrono::seconds(config.rpcservertimeout);
    o.metrics = config.metrics;
    o.max_websockets = config.wsmaxconnections;
    o.ws_queue_messages = config.wsmaxqueue;
    o.explorer = config.explorer;
    o.explorer_rate_per_second = config.explorerratelimit;
    // Anyone may reach an open explorer: one address must not take every connection.
    if (config.explorer) {
        o.max_connections_per_ip = rpc::ServerOptions::kExplorerConnectionsPerIp;
        o.max_public_connections = rpc::ServerOptions::kExplorerPublicConnections;
    }
    // Set only when [rpc] is on (categories are fixed by now): otherwise a request costs nothing extra.
    if (Logger::instance().enabled(LogCategory::Rpc))
        o.request_log = [](const std::string& line) { Logger::instance().write(LogCategory::Rpc, line); };
    if (!config.rpcuser.empty()) {
        o.credentials.user = config.rpcuser;
        o.credentials.password = config.rpcpassword;
        return true;
    }
    auto cookie = rpc::generate_cookie();
    Status written = cookie ? rpc::write_cookie(config.network_dir() / ".cookie", *cookie) : Status(cookie.error());
    if (!written) {
        error = written.error().detail;
        return false;
    }
    o.credentials = *cookie;
    return true;
}

// systemd's STATUS= line: the chain height and the peers.
std::string node_status(RpcAdapter& adapter, const Chainstate& chain) {
    const rpc::NetworkInfo net = adapter.network_info();
    return "height " + std::to_string(chain.tip().height) + ", " + std::to_string(net.connections) + " peers (" +
           std::to_string(net.connections_in) + " in, " + std::to_string(net.connections_out) + " out)";
}

// Waits for a shutdown request, expiring old mempool entries every 30 seconds meanwhile. Under
// systemd it also looks at the tip and peers once a second and sends STATUS= when they changed:
// every new tip is reported, at most one line per second.
void wait_for_shutdown(Mempool& mempool, const SystemdNotifier& notifier, RpcAdapter& adapter,
                       const Chainstate& chain) {
    using Clock = std::chrono::steady_clock;
    const auto tick = notifier.active() ? std::chrono::seconds(1) : std::chrono::seconds(30);
    auto next_expiry = Clock::now() + std::chrono::seconds(30);
    std::string last_status = notifier.active() ? node_status(adapter, chain) : std::string();
    util::UniqueLock lk(g_shutdown_mutex);
    while (!g_shutdown) {
        lk.wait_for(g_shutdown_cv, tick);
        if (g_shutdown) break;
        lk.unlock();
        if (Clock::now() >= next_expiry) {
            next_expiry = Clock::now() + std::chrono::seconds(30);
            if (size_t n = mempool.expire(unix_now())) FINCH_DEBUG(Mempool, "expired " + std::to_string(n) + " transactions");
        }
        if (notifier.active()) {
            std::string status = node_status(adapter, chain);
            if (status != last_status) (void)notifier.status(status);
            last_status = std::move(status);
        }
        lk.lock();
    }
}

void load_saved_mempool(const Config& config, Mempool& mempool, const ChainParams& params, const Chainstate& chain) {
    if (!config.persistmempool) return;
    const auto report =
        load_mempool(mempool, params, config.network_dir() / kMempoolFileName, unix_now(), chain.tip().height);
    if (report.fault != MempoolFileFault::Missing) FINCH_LOG(describe(report));
}

// At a clean shutdown, once nothing else changes the mempool.
void save_mempool(const Config& config, const Mempool& mempool, const ChainParams& params) {
    if (!config.persistmempool) return;
    const auto entries = mempool_snapshot(mempool);
    std::string error;
    if (write_mempool_file(config.network_dir() / kMempoolFileName, encode_mempool_file(params, entries), error))
        FINCH_LOG("mempool.dat: saved " + std::to_string(entries.size()) + " transactions");
    else FINCH_LOG("mempool.dat not saved: " + error);
}

int run(const Config& config) {
    SignalThread signals;  // first, so every later thread inherits the blocked signals
    std::string error;
    DataDirLock lock;
    PidFile pid;
    if (!open_datadir(config, lock, pid, error)) return fail(error);
    const ChainParams& params = chain_params(config.network);
    FINCH_LOG("finchd " FINCH_VERSION " starting on " + params.name + ", data in " + config.network_dir().string());
    if (!config.conf.empty()) FINCH_LOG("config file " + config.conf.string());

    // Before the ledger: a refused key costs no start-up work. Kept for the process's life
    // (the TLS layer will sign with it).
    auto identity = net::NodeIdentity::load_or_create(config.network_dir() / net::kNodeKeyFileName);
    if (!identity) return fail(identity.error().detail);
    FINCH_LOG("p2p identity " + identity->identity());

    const auto ledger_dir = config.network_dir() / "ledger";
    storage::LedgerStore::OpenOptions store_options;
    store_options.address_index = config.addressindex;
    // bitcoind's -dbcache: 450 MB by default; regtest, a network for tests and laptops, 16.
    const size_t dbcache_mb = config.dbcache_mb ? config.dbcache_mb : params.network == Network::Regtest ? 16 : 450;
    store_options.memory_bytes = static_cast<size_t>(std::min<uint64_t>(dbcache_mb, SIZE_MAX >> 20)) << 20;
    store_options.address_index_progress = [](uint64_t done, uint64_t total) {
        FINCH_LOG("building the address index: " + std::to_string(done) + " of " + std::to_string(total) + " blocks");
    };
    auto store = storage::LedgerStore::open(ledger_dir, params.name, store_options);
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

    Mempool mempool(**store, params, &sigcache, mempool_limits(config));
    chain.subscribe(&mempool);
    load_saved_mempool(config, mempool, params, chain);

    Miner miner(chain, mempool);
    RpcAdapter adapter(chain, mempool, miner, ledger_dir, request_shutdown);
    // Before any other thread admits transactions: WebSocket subscribers hear of each one.
    mempool.set_accept_listener([&adapter](const Transaction& tx, const Hash256& txid) { adapter.transaction_accepted(tx, txid); });

    net::PeerManager network(chain, mempool, params, net_options(config, *identity));
    if (auto s = network.start(); !s) return fail(s.error().detail);
    chain.subscribe(&network);
    chain.subscribe(&adapter);  // blocks for WebSocket subscribers, after the mempool and p2p heard
    adapter.set_network(&network);

    const auto cookie_path = config.network_dir() / ".cookie";
    const bool use_cookie = config.rpcuser.empty();
    rpc::ServerOptions server_options;
    if (!rpc_options(config, server_options, error)) {
        network.stop();
        return fail(error);
    }
    rpc::RpcServer server(adapter, server_options);
    if (auto s = server.start(); !s) {
        if (use_cookie) (void)rpc::remove_cookie(cookie_path);
        network.stop();
        return fail("JSON-RPC: " + s.error().detail);
    }
    FINCH_LOG("JSON-RPC listening on " + config.rpcbind + ":" + std::to_string(server.port()));
    if (config.explorer)
        FINCH_LOG("explorer at http://" + config.rpcbind + ":" + std::to_string(server.port()) + "/explorer/");

    if (config.mine) miner.start(*decode_address(config.miner_address, params), config.miner_threads);
    report_ready();
    const SystemdNotifier notifier = SystemdNotifier::from_environment();
    if (notifier.fault() != NotifyFault::NotConfigured) {
        // The RPC server is listening, so a request made after READY=1 is answered.
        const NotifyFault sent = notifier.ready(node_status(adapter, chain));
        FINCH_LOG("sd_notify to " + notifier.address() + ": " +
                  (sent == NotifyFault::None ? std::string("READY=1 sent") : std::string(notify_fault_name(sent))));
    }

    wait_for_shutdown(mempool, notifier, adapter, chain);

    (void)notifier.stopping("shutting down");
    FINCH_LOG("shutdown: stopping RPC, miner, network");
    server.stop();
    miner.stop();
    network.stop();
    save_mempool(config, mempool, params);
    if (use_cookie) (void)rpc::remove_cookie(cookie_path);
    FINCH_LOG("shutdown: done");
    Logger::instance().close();
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
    if (config->daemon) {
        config->printtoconsole = false;  // the daemon's stdout is /dev/null; the log is in debug.log
        if (int code = daemonize(); code >= 0) return code;
    }
    return run(*config);
}
