// libFuzzer target: p2p messages from one connected peer into PeerManager's dispatch, after a
// completed version/verack handshake. No seam in the node: the harness is a real peer. A
// regtest PeerManager (RocksDB store, Chainstate, Mempool, listening on 127.0.0.1, DHT and
// outbound connections off) runs on its own io thread for the whole process; each input
// connects to it over TCP + TLS 1.3 with the harness's own identity, sends version and
// verack, then the input's messages as frames, then a ping; it reads what comes back until
// the matching pong (every message before it was handled) or the end of the connection (the
// peer manager disconnected us), and hangs up.
//
// The input is a sequence of messages: a command byte (taken modulo the 17 commands, in
// code order: version, verack, ping, pong, inv, getdata, notfound, tx, block, getheaders,
// headers, getaddr, addr, sendcmpct, cmpctblock, getblocktxn, blocktxn), a 16-bit
// little-endian length, then that many payload bytes (fewer at the input's end). A payload
// that decode_payload refuses is skipped (fuzz_p2p covers the decoders; a bad payload would
// only end the connection), a decoded one is re-encoded and sent. At most 64 messages.
//
// Each input comes from a new loopback address (127.x.y.z), so the discouragement,
// exclusion and per-address connection rate an earlier input earned do not turn the next one
// away. State that is the node's own persists across inputs, as in a running node: the chain
// (a valid block from a seed connects once), the mempool, the address book and the ban list.
// Checks: no crash, leak or sanitizer report in the node; every input ends (the pong or a
// disconnection) within kDeadline, otherwise the target aborts as hung; a peer that sent no
// message after the handshake gets its pong (the handshake really completes).
#include "consensus/params.h"
#include "node/chainstate.h"
#include "node/mempool.h"
#include "node/net/messages.h"
#include "node/net/peer_manager.h"
#include "node/net/tls.h"
#include "storage/ledger_store.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <unistd.h>

namespace {

using namespace finch;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr size_t kMaxMessages = 64;
constexpr auto kDeadline = std::chrono::seconds(5);

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_p2p_dispatch: %s\n", what.c_str());
    std::abort();
}

const ChainParams& params() { return chain_params(Network::Regtest); }

// The node: everything finchd builds for the p2p network, made once per process.
struct Node {
    std::filesystem::path dir;
    std::unique_ptr<storage::LedgerStore> store;
    node::SignatureCache sigcache;
    std::unique_ptr<node::Chainstate> chain;
    std::unique_ptr<node::Mempool> mempool;
    std::unique_ptr<net::PeerManager> network;
    uint16_t port = 0;
    // The harness's side: its identity and TLS context.
    std::optional<net::NodeIdentity> identity;
    std::shared_ptr<net::TlsContext> tls;

    Node() {
        std::error_code ec;
        const std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                               ? std::filesystem::path("/dev/shm")
                                               : std::filesystem::temp_directory_path();
        dir = base / ("finch-fuzz-p2p-dispatch-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir, ec);
        storage::LedgerStore::OpenOptions so;
        so.sync_writes = false;
        so.memory_bytes = size_t{8} << 20;
        auto s = storage::LedgerStore::open(dir, "regtest", so);
        if (!s) fail("store: " + s.error().to_string());
        store = std::move(*s);
        node::Chainstate::Options co;
        co.verify_threads = 1;
        chain = std::make_unique<node::Chainstate>(*store, params(), &sigcache, co);
        if (auto st = chain->load(); !st) fail("load: " + st.error().to_string());
        mempool = std::make_unique<node::Mempool>(*store, params(), &sigcache);
        chain->subscribe(mempool.get());
        net::NetOptions no;
        no.bind = "127.0.0.1";
        no.port = 0;
        no.dht = false;
        no.max_outbound = 0;  // never dial the addresses inputs gossip
        network = std::make_unique<net::PeerManager>(*chain, *mempool, params(), no);
        chain->subscribe(network.get());
        if (auto st = network->start(); !st) fail("start: " + st.error().to_string());
        port = network->listening_port();
        auto key = net::NodeIdentity::generate();
        if (!key) fail("identity: " + key.error().to_string());
        identity.emplace(std::move(*key));
        auto t = net::TlsContext::create(*identity);
        if (!t) fail("tls: " + t.error().to_string());
        tls = *t;
    }
    ~Node() {
        network->stop();
        network.reset();
        mempool.reset();
        chain.reset();
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

Node& the_node() {
    static Node n;
    return n;
}

// A new loopback source address per input: 127.1.0.1 onwards (2^23 of them).
asio::ip::address_v4 next_source() {
    static uint32_t counter = 0;
    const uint32_t n = (counter++ % (1u << 23)) + (1u << 16) + 1;
    return asio::ip::address_v4((127u << 24) | n);
}

using Stream = asio::ssl::stream<tcp::socket>;

// Runs one asynchronous operation to its end. Not the blocking calls: libFuzzer's timer
// signal interrupts them (EINTR), where the io_context's wait just retries.
template <typename Start>
boost::system::error_code complete(asio::io_context& ioc, Start start) {
    boost::system::error_code result;
    start([&](const boost::system::error_code& ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
}

// Reads frames until the pong for `nonce` (true) or the end of the connection (false).
bool read_until_pong(asio::io_context& ioc, Stream& s, uint64_t nonce) {
    for (;;) {
        std::array<uint8_t, net::kFrameHeaderSize> head{};
        auto ec = complete(ioc, [&](auto h) { asio::async_read(s, asio::buffer(head), h); });
        if (ec) return false;
        auto h = net::decode_frame_header(head, params().magic);
        if (!h) fail("the node sent a bad frame header: " + h.error().to_string());
        Bytes payload(h->length);
        ec = complete(ioc, [&](auto h) { asio::async_read(s, asio::buffer(payload), h); });
        if (ec) return false;
        auto m = net::decode_payload(h->command, payload);
        if (!m) fail("the node sent a payload it cannot decode: " + m.error().to_string());
        if (auto* pong = std::get_if<net::PongMsg>(&*m); pong && pong->nonce == nonce) return true;
    }
}

}  // namespace

// libFuzzer looks for a leak after every input that allocated more than it freed, by running
// the input again and scanning the whole heap; here every input does (the node's own threads
// and caches allocate), and the scan of RocksDB's memtables took 90% of the time. So this
// target turns the per-input check off (-detect_leaks=0 appended unless given): LeakSanitizer
// still reports every leak when the process exits.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    static std::vector<char*> args(*argv, *argv + *argc);
    for (char* a : args)
        if (std::string_view(a).starts_with("-detect_leaks")) return 0;
    static char flag[] = "-detect_leaks=0";
    args.insert(args.begin() + 1, flag);
    args.push_back(nullptr);
    *argc = static_cast<int>(args.size() - 1);
    *argv = args.data();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Node& node = the_node();
    asio::io_context ioc;
    tcp::socket socket(ioc);
    boost::system::error_code ec;
    socket.open(tcp::v4(), ec);
    if (!ec) socket.bind(tcp::endpoint(next_source(), 0), ec);
    if (!ec) {
        const tcp::endpoint to(asio::ip::make_address_v4("127.0.0.1"), node.port);
        ec = complete(ioc, [&](auto h) { socket.async_connect(to, h); });
    }
    if (ec) fail("connect: " + ec.message());
    socket.set_option(tcp::no_delay(true), ec);  // as the node's side: small frames go at once
    Stream s(std::move(socket), node.tls->context());
    ec = complete(ioc, [&](auto h) { s.async_handshake(asio::ssl::stream_base::client, h); });
    if (ec) fail("TLS handshake: " + ec.message());

    const auto started = std::chrono::steady_clock::now();
    const auto commands = net::all_commands();
    auto send = [&](const net::Message& m) {
        const Bytes frame = net::encode_frame(m, params().magic);
        ec = complete(ioc, [&](auto h) { asio::async_write(s, asio::buffer(frame), h); });
        return !ec;  // a write error: the node closed the connection
    };
    net::VersionMsg version;
    version.genesis = params().genesis_hash;
    version.user_agent = "/fuzz_p2p_dispatch/";
    version.nonce = 1;
    version.timestamp = net::now_seconds();
    bool open = send(version) && send(net::VerackMsg{});

    size_t at = 0, count = 0;
    while (open && at + 3 <= size && count < kMaxMessages) {
        const net::Command command = commands[data[at] % commands.size()];
        const size_t length = std::min<size_t>(data[at + 1] | (data[at + 2] << 8), size - at - 3);
        const ByteSpan payload(data + at + 3, length);
        at += 3 + length;
        ++count;
        auto m = net::decode_payload(command, payload);
        if (!m) continue;
        open = send(*m);
    }
    static uint64_t barrier = 0x5eed'0000'0000'0000;
    const uint64_t nonce = ++barrier;
    const bool answered = open && send(net::PingMsg{nonce}) && read_until_pong(ioc, s, nonce);
    // A peer that only did the handshake (and ping) must be answered, not dropped.
    if (count == 0 && !answered) fail("a peer that only completed the handshake was disconnected");
    if (std::chrono::steady_clock::now() - started > kDeadline) fail("the node took too long over one input");
    s.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    s.lowest_layer().close(ec);
    return 0;
}
