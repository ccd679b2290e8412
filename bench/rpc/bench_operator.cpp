// bench_operator: the operator surface's costs, on the RPC server in front of FakeNode.
//   Usage: bench_operator [ROUNDS=3] [SECONDS=3] [CLIENTS=8]
//   1. getblockcount requests/s over keep-alive HTTP with metrics on and off, alternating
//      rounds in one run (the ratio is the figure; the target is within 3%).
//   2. WebSocket `transactions` notifications/s to one reading client: events published as
//      fast as the hub takes them, counted when the client has read them all.
//   3. Latency from a block event to a WebSocket client: p50/p99 over spaced events.
// Nothing here fails on a clock: it prints figures.
#include "rpc/auth.h"
#include "rpc/server.h"
#include "tests/rpc/fake_node.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace finch;

const rpc::Credentials kCredentials{"bench", "bench"};

// FakeNode that keeps the hub the server attaches, so the bench can publish events.
struct EventNode : rpc::test::FakeNode {
    std::atomic<rpc::NodeEvents*> sink{nullptr};
    void set_event_sink(rpc::NodeEvents* s) override { sink = s; }
};

std::unique_ptr<rpc::RpcServer> start_server(EventNode& node, bool metrics) {
    rpc::ServerOptions o;
    o.credentials = kCredentials;
    o.metrics = metrics;
    o.ws_queue_messages = 10'000'000;  // the throughput run measures the client, not the cap
    o.ws_queue_bytes = size_t{4} << 30;
    auto server = std::make_unique<rpc::RpcServer>(node, o);
    if (!server->start()) {
        std::fprintf(stderr, "cannot start the server\n");
        std::exit(1);
    }
    return server;
}

// Requests per second of `clients` keep-alive connections calling getblockcount for `seconds`.
double getblockcount_rate(uint16_t port, unsigned clients, double seconds) {
    std::atomic<uint64_t> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const std::string auth = rpc::basic_authorization(kCredentials);
    for (unsigned c = 0; c < clients; ++c)
        threads.emplace_back([&] {
            net::io_context ioc;
            tcp::socket socket(ioc);
            socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
            socket.set_option(tcp::no_delay(true));
            http::request<http::string_body> req{http::verb::post, "/", 11};
            req.set(http::field::host, "127.0.0.1");
            req.set(http::field::authorization, auth);
            req.body() = R"({"jsonrpc":"2.0","method":"getblockcount","params":[],"id":1})";
            req.prepare_payload();
            beast::flat_buffer buffer;
            while (!stop.load(std::memory_order_relaxed)) {
                http::write(socket, req);
                http::response<http::string_body> res;
                http::read(socket, buffer, res);
                done.fetch_add(1, std::memory_order_relaxed);
            }
        });
    const auto started = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    for (auto& t : threads) t.join();
    return static_cast<double>(done.load()) / elapsed;
}

struct WsClient {
    net::io_context ioc;
    websocket::stream<tcp::socket> ws{ioc};
    explicit WsClient(uint16_t port) {
        ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(http::field::authorization, rpc::basic_authorization(kCredentials));
        }));
        ws.handshake("127.0.0.1", "/");
    }
    std::string read() {
        beast::flat_buffer b;
        ws.read(b);
        return beast::buffers_to_string(b.data());
    }
    void subscribe(const char* topic) {
        ws.write(net::buffer(std::string(R"({"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"topic":")") +
                             topic + "\"}}"));
        read();  // the subscription id
    }
};

void wait_for_subscriber(EventNode& node) {
    while (!node.sink.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

double notification_rate(EventNode& node, uint16_t port, size_t count) {
    WsClient client(port);
    client.subscribe("transactions");
    wait_for_subscriber(node);
    const Transaction tx = rpc::test::signed_transfer("alice", rpc::test::account_of("bob"), 5, 1000, 0);
    const Hash256 txid = tx.txid();
    const auto started = Clock::now();
    std::thread producer([&] {
        for (size_t i = 0; i < count; ++i) node.sink.load()->transaction_accepted(tx, txid);
    });
    for (size_t i = 0; i < count; ++i) client.read();
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    producer.join();
    return static_cast<double>(count) / elapsed;
}

// Microseconds from block_connected() to the client having read the notification.
std::vector<double> block_latencies(EventNode& node, uint16_t port, size_t samples) {
    WsClient client(port);
    client.subscribe("blocks");
    std::vector<double> out;
    for (size_t i = 0; i < samples; ++i) {
        const auto sent = Clock::now();
        node.sink.load()->block_connected(node.chain[1], node.hashes[1], 1);
        client.read();
        out.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
    const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
    const unsigned clients = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 8;
    EventNode node;

    std::printf("getblockcount, %u keep-alive clients, %d alternating rounds of %.1f s:\n", clients, rounds, seconds);
    double on = 0, off = 0;
    for (int r = 0; r < rounds; ++r) {
        for (bool metrics : {true, false}) {
            auto server = start_server(node, metrics);
            const double rate = getblockcount_rate(server->port(), clients, seconds);
            (metrics ? on : off) += rate;
            std::printf("  round %d metrics %-3s %9.0f req/s\n", r + 1, metrics ? "on" : "off", rate);
        }
    }
    on /= rounds;
    off /= rounds;
    std::printf("metrics on %.0f req/s, off %.0f req/s: on/off = %.3f\n", on, off, on / off);

    auto server = start_server(node, true);
    const size_t count = 200'000;
    std::printf("transactions notifications to one client: %.0f /s (%zu events)\n",
                notification_rate(node, server->port(), count), count);
    const auto lat = block_latencies(node, server->port(), 1000);
    std::printf("block event to client: p50 %.0f us, p99 %.0f us, max %.0f us (%zu events)\n", lat[lat.size() / 2],
                lat[lat.size() * 99 / 100], lat.back(), lat.size());
    return 0;
}
