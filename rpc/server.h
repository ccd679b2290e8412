// The JSON-RPC HTTP server (Boost.Beast): keep-alive connections with size limits and
// deadlines, Basic authentication, and a small pool of workers that run the methods.
#pragma once

#include "consensus/result.h"
#include "rpc/auth.h"
#include "rpc/node_interface.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace finch::rpc {

struct ServerOptions {
    std::string bind_address = "127.0.0.1";
    uint16_t port = 0;  // 0: an ephemeral port (see RpcServer::port)
    Credentials credentials;
    size_t max_header_bytes = 8 * 1024;
    size_t max_body_bytes = 32 * 1024 * 1024;  // a batch of 1,000 raw transactions is ~0.5 MiB
    // Deadline for reading one request (headers and body) and for writing one reply;
    // an idle keep-alive connection is closed after it too.
    std::chrono::milliseconds io_deadline{30'000};
    size_t max_connections = 64;  // further connections are closed at once
    unsigned io_threads = 1;      // threads running the sockets
    unsigned worker_threads = 2;  // threads running methods
    size_t work_queue = 128;      // requests waiting for a worker beyond those running; then 503
    std::chrono::milliseconds auth_failure_delay{250};
    // When set, called with one line per request (each entry of a batch): the method, the
    // client's address, how long the method ran and the error code if it failed, e.g.
    // "method=getblockhash peer=127.0.0.1:50412 duration=0.042ms error=-8"; and one line per
    // request refused at the HTTP level ("http=401 peer=... authentication failed"). finchd
    // sets it to its debug log's `rpc` category (--debug rpc); rpc/ itself does not log.
    // Called from the server's threads, possibly several at once.
    std::function<void(const std::string& line)> request_log;

    // GET /metrics (Prometheus text format) and the per-method counting behind it.
    bool metrics = true;
    // WebSocket subscriptions (an upgrade request to /). A connection whose queue of outgoing
    // messages passes either limit is closed with 1008; each socket reads messages up to
    // ws_max_message_bytes. Idle sockets are pinged after half of io_deadline and closed
    // after the whole of it without a sign of life.
    size_t max_websockets = 32;
    size_t ws_max_subscriptions = 16;  // per socket
    size_t ws_queue_messages = 10'000;
    size_t ws_queue_bytes = 4 * 1024 * 1024;  // 32 sockets: at most 128 MiB queued in all
    size_t ws_max_message_bytes = 1024 * 1024;

    // The block explorer: GET /explorer/ (embedded page) and /api/ (read-only JSON) without
    // credentials; every other path still needs them. API requests are limited per client
    // address (a token bucket: explorer_rate_per_second, bursts of twice that; then 429).
    bool explorer = false;
    double explorer_rate_per_second = 20;
    // Connections one client address may hold at once (0: no limit), and all such clients
    // together (0: only max_connections). finchd sets both when the explorer is on, since
    // anyone may then reach the port. IPv6 clients count per /64. Addresses in
    // limit_exempt_addresses (the operator's own tools and a reverse proxy on this host) are
    // exempt from both and from the explorer's request rate.
    size_t max_connections_per_ip = 0;
    size_t max_public_connections = 0;
    std::vector<std::string> limit_exempt_addresses = {"127.0.0.1", "::1"};
    static constexpr size_t kExplorerConnectionsPerIp = 8;
    static constexpr size_t kExplorerPublicConnections = 48;  // of 64: 16 stay for the operator
    // Explorer API requests queued for or running on a worker at once; past it 503, so public
    // requests never fill the queue authenticated RPC calls wait in.
    size_t explorer_work_limit = 8;
    // With the explorer on, a connection must send a request's headers within this time (and
    // an idle keep-alive connection is closed after it), instead of io_deadline.
    std::chrono::milliseconds explorer_header_deadline{10'000};
};

class RpcServer {
public:
    RpcServer(NodeInterface& node, ServerOptions options);
    ~RpcServer();
    RpcServer(const RpcServer&) = delete;
    RpcServer& operator=(const RpcServer&) = delete;

    // Binds and starts the threads. Rejection code rpc-bind (address in use, bad address).
    Status start();
    // The bound port (useful with port 0); 0 before start.
    uint16_t port() const;
    // Closes the listener and every connection, waits for running methods and joins the
    // threads. Idempotent. Must not be called from a method handler (NodeInterface::request_stop
    // should only signal the node's main thread).
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace finch::rpc
