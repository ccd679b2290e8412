// RpcServer: accept loop, per-connection sessions on strands, and the worker pool.
// Each connection reads one request at a time (a fresh parser with header and body limits,
// a deadline before every read and write), hands the body to a worker, and writes the reply;
// no lock is held while a socket is written.
#include "rpc/server.h"

#include "rpc/methods.h"
#include "rpc/protocol.h"
#include "rpc/server_session.h"
#include "rpc/server_state.h"
#include "rpc/websocket.h"
#include "util/thread_name.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <latch>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace finch::rpc {

namespace detail {
// How long a connection being closed after an error keeps draining what the client sends,
// so that our reply is not lost to a TCP reset.
constexpr auto kLingerTime = std::chrono::milliseconds(1000);

// A client's method name as it appears in the log: printable ASCII, cut short.
std::string loggable_method(std::string_view method) {
    if (method.empty()) return "(none)";
    constexpr size_t kShown = 64;
    std::string out;
    for (char c : method.substr(0, kShown)) out += c > ' ' && c < 0x7f ? c : '?';
    if (method.size() > kShown) out += "...";
    return out;
}

std::string format_duration(std::chrono::microseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3fms", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

std::string error_body(int error_code, const std::string& message) {
    return dump_json(Json{{"jsonrpc", "2.0"}, {"error", {{"code", error_code}, {"message", message}}}, {"id", nullptr}}) +
           "\n";
}

void Session::read_header() {
    m_parser.emplace();
    m_parser->header_limit(static_cast<uint32_t>(m_state.options.max_header_bytes));
    m_parser->body_limit(m_state.options.max_body_bytes);
    m_parser->eager(true);  // a small body that arrived with the headers is parsed at once
    // With the explorer on anyone may connect: headers (and idleness) get a shorter bound.
    m_stream.expires_after(m_state.options.explorer
                               ? std::min(m_state.options.io_deadline, m_state.options.explorer_header_deadline)
                               : m_state.options.io_deadline);
    http::async_read_header(m_stream, m_buffer, *m_parser,
                            [self = shared_from_this()](error_code ec, size_t) { self->on_header(ec); });
}

void Session::on_header(error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = m_parser->get();
    m_version = req.version();
    m_metrics_request = m_state.options.metrics && req.target() == "/metrics";
    m_route = m_metrics_request ? Route::Metrics : Route::Rpc;
    if (m_state.options.explorer) {
        const std::string_view target(req.target().data(), req.target().size());
        const std::string_view path = target.substr(0, target.find('?'));
        if (path == "/explorer" || path.substr(0, 10) == "/explorer/") m_route = Route::ExplorerAsset;
        if (path.substr(0, 5) == "/api/") m_route = Route::ExplorerApi;
    }
    if (m_route == Route::ExplorerAsset || m_route == Route::ExplorerApi) return read_public_request();
    if (req.target() != "/" && !m_metrics_request) {
        log_http(http::status::not_found, "path is not / or /metrics");
        return reply_and_close(http::status::not_found, code::kInvalidRequest,
                               m_state.options.metrics ? "Not found: / and /metrics are served" : "Not found: only / is served");
    }
    const bool upgrade = !m_metrics_request && beast::websocket::is_upgrade(req);
    const http::verb expected = m_metrics_request || upgrade ? http::verb::get : http::verb::post;
    if (req.method() != expected) {
        log_http(http::status::method_not_allowed, m_metrics_request ? "not a GET" : "not a POST");
        return reply_and_close(http::status::method_not_allowed, code::kInvalidRequest,
                               m_metrics_request ? "/metrics is read with GET" : "JSON-RPC uses POST");
    }
    if (!m_state.auth.accepts(req[http::field::authorization])) return unauthorized();
    if (upgrade && req.find(http::field::origin) != req.end()) {
        // Browsers send Origin; another site's page must not ride on credentials the browser
        // remembers. Programs (and finch's own tools) send none.
        log_http(http::status::forbidden, "WebSocket upgrade with an Origin header");
        return reply_and_close(http::status::forbidden, code::kInvalidRequest,
                               "Forbidden: WebSocket upgrades from web pages are not accepted");
    }
    if (upgrade) return upgrade_to_websocket();
    if (m_parser->is_done()) return on_body({});
    if (!beast::iequals(req[http::field::expect], "100-continue")) return read_body();
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    m_stream.expires_after(m_state.options.io_deadline);
    net::async_write(m_stream, net::buffer(kContinue), [self = shared_from_this()](error_code ec, size_t) {
        if (ec) return self->close();
        self->read_body();
    });
}

// An authenticated upgrade: the socket leaves this session for a WebSocket one.
void Session::upgrade_to_websocket() {
    if (m_state.websockets.fetch_add(1) >= m_state.options.max_websockets) {
        m_state.websockets.fetch_sub(1);
        log_http(http::status::service_unavailable, "too many WebSocket connections");
        return write_reply(http::status::service_unavailable,
                           error_body(kServerBusy, "Too many WebSocket connections (at most " +
                                                       std::to_string(m_state.options.max_websockets) + ")"),
                           false);
    }
    start_websocket(m_stream.release_socket(), m_parser->release(), m_state, m_workers);
}

// GET /metrics: the node's metrics and the server's, on a worker (reading the node may wait
// for its network thread).
void Session::serve_metrics() {
    if (m_state.in_flight.fetch_add(1) >= m_state.work_limit()) {
        m_state.in_flight.fetch_sub(1);
        log_http(http::status::service_unavailable, "work queue full");
        return write_reply(http::status::service_unavailable, error_body(kServerBusy, "Server busy: work queue full"),
                           m_keep_alive);
    }
    net::post(m_workers, [self = shared_from_this()] {
        util::MetricsText text;
        http::status status = http::status::ok;
        try {
            self->m_state.node.write_metrics(text);
            self->m_state.metrics.write(text);
        } catch (const std::exception&) {
            status = http::status::internal_server_error;
        }
        self->m_state.in_flight.fetch_sub(1);
        self->write_reply(status, status == http::status::ok ? text.take() : std::string(), self->m_keep_alive,
                          "text/plain; version=0.0.4; charset=utf-8");
    });
}

void Session::read_body() {
    m_stream.expires_after(m_state.options.io_deadline);
    http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](error_code ec, size_t) { self->on_body(ec); });
}

void Session::on_body(error_code ec) {
    if (ec) return on_read_error(ec);
    m_keep_alive = m_parser->get().keep_alive();
    if (m_route == Route::ExplorerAsset) return serve_explorer_asset();
    if (m_route == Route::ExplorerApi) return serve_explorer_api();
    if (m_metrics_request) return serve_metrics();
    submit(std::move(m_parser->get().body()));
}

void Session::on_read_error(error_code ec) {
    if (ec == http::error::header_limit || ec == http::error::body_limit) {
        log_http(http::status::payload_too_large, ec == http::error::header_limit ? "headers too large" : "body too large");
        return reply_and_close(http::status::payload_too_large, code::kInvalidRequest,
                               "Request too large: headers up to " + std::to_string(m_state.options.max_header_bytes) +
                                   " bytes, body up to " + std::to_string(m_state.options.max_body_bytes) + " bytes");
    }
    // A malformed request deserves an answer; a closed, reset or timed-out one does not.
    const bool http_syntax = ec.category() == error_code(http::error::end_of_stream).category() &&
                             ec != http::error::end_of_stream && ec != http::error::partial_message;
    if (http_syntax) {
        log_http(http::status::bad_request, "malformed HTTP");
        return reply_and_close(http::status::bad_request, code::kInvalidRequest, "Malformed HTTP request");
    }
    close();
}

void Session::submit(std::string body) {
    if (m_state.in_flight.fetch_add(1) >= m_state.work_limit()) {
        m_state.in_flight.fetch_sub(1);
        log_http(http::status::service_unavailable, "work queue full");
        return write_reply(http::status::service_unavailable, error_body(kServerBusy, "Server busy: work queue full"),
                           m_keep_alive);
    }
    // The worker starts the reply's write itself instead of posting back to the strand: while
    // a request runs, its connection has no operation in flight, so nothing else touches it,
    // and completions still run on the strand. This saves a thread hop per request (about
    // a fifth more requests per second on two cores).
    net::post(m_workers, [self = shared_from_this(), body = std::move(body)] {
        HttpReply reply;
        try {
            CallObserver observe = self->m_state.count_call;
            if (self->m_state.logging())
                observe = [self](const CallRecord& r) {
                    if (self->m_state.count_call) self->m_state.count_call(r);
                    std::string line = "method=" + loggable_method(r.method) + " peer=" + self->m_peer +
                                       " duration=" + format_duration(r.duration);
                    if (r.error_code != 0) line += " error=" + std::to_string(r.error_code);
                    self->m_state.options.request_log(line);
                };
            reply = handle_rpc_body(body, self->m_state.dispatch, observe);
        } catch (const std::exception& e) {
            reply = {500, error_body(code::kInternalError, std::string("Internal error: ") + e.what()), {}};
        }
        self->m_state.in_flight.fetch_sub(1);
        if (!reply.pieces.empty())
            return self->write_pieces(static_cast<http::status>(reply.status), std::move(reply.pieces),
                                      self->m_keep_alive);
        self->write_reply(static_cast<http::status>(reply.status), std::move(reply.body), self->m_keep_alive);
    });
}

void Session::write_reply(http::status status, std::string body, bool keep_alive, const char* content_type,
                          HeaderList extra) {
    m_response = {};
    m_response.body() = std::move(body);
    start_write(m_response, status, keep_alive, content_type, std::move(extra));
}

void Session::write_pieces(http::status status, PiecesBody::value_type pieces, bool keep_alive) {
    m_pieces_response = {};
    m_pieces_response.body() = std::move(pieces);
    start_write(m_pieces_response, status, keep_alive, "application/json", {});
}

template <class Body>
void Session::start_write(http::response<Body>& response, http::status status, bool keep_alive,
                          const char* content_type, HeaderList extra) {
    response.version(m_version);
    response.result(status);
    if (status != http::status::no_content) response.set(http::field::content_type, content_type);
    for (auto& [field, value] : extra) response.set(field, std::move(value));
    if (status == http::status::unauthorized) response.set(http::field::www_authenticate, "Basic realm=\"jsonrpc\"");
    if (status == http::status::method_not_allowed && response.find(http::field::allow) == response.end())
        response.set(http::field::allow, m_metrics_request ? "GET" : "POST");
    response.keep_alive(keep_alive);
    response.prepare_payload();
    // HEAD: the headers GET would send (Content-Length included), without the body.
    if (m_parser && m_parser->get().method() == http::verb::head) response.body() = {};
    m_stream.expires_after(m_state.options.io_deadline);
    http::async_write(m_stream, response,
                      [self = shared_from_this(), keep_alive](error_code ec, size_t) { self->on_write(keep_alive, ec); });
}

void Session::on_write(bool keep_alive, error_code ec) {
    // Pieces of a cached block stay shared with the cache no longer than their write: an idle
    // keep-alive connection must not hold an evicted block's text outside the cache's limit.
    m_pieces_response.body().clear();
    if (ec) return close();
    if (!keep_alive) return linger_close();
    read_header();
}

// For replies sent before the body was read: the connection cannot be reused.
void Session::reply_and_close(http::status status, int rpc_code, const std::string& message) {
    write_reply(status, error_body(rpc_code, message), false);
}

// A failed login waits a little before the answer, on a timer, so guessing is slow and no
// thread is blocked.
void Session::unauthorized() {
    log_http(http::status::unauthorized, "authentication failed");
    m_timer.expires_after(m_state.options.auth_failure_delay);
    m_timer.async_wait([self = shared_from_this()](error_code) {
        self->write_reply(http::status::unauthorized, {}, false);
    });
}

void Session::log_http(http::status status, std::string_view why) {
    if (!m_state.logging()) return;
    m_state.options.request_log("http=" + std::to_string(static_cast<unsigned>(status)) + " peer=" + m_peer + " " +
                                std::string(why));
}

// Closes our side for sending, then discards what the client still sends for a short
// while: closing with unread data would reset the connection and could destroy our reply
// before the client reads it.
void Session::linger_close() {
    error_code ec;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    m_stream.expires_after(std::min<std::chrono::steady_clock::duration>(kLingerTime, m_state.options.io_deadline));
    drain();
}

void Session::drain() {
    m_stream.async_read_some(net::buffer(m_drain), [self = shared_from_this()](error_code ec, size_t) {
        if (ec) return self->close();
        self->drain();
    });
}

void Session::close() {
    error_code ec;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    m_stream.socket().close(ec);
}

}  // namespace detail

using namespace detail;

struct RpcServer::Impl {
    NodeInterface& node;
    ServerOptions options;
    // Declared before the I/O objects: sessions destroyed with the io_context still use it.
    std::unique_ptr<ServerState> state;
    std::unique_ptr<net::io_context> ioc;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::unique_ptr<net::steady_timer> accept_retry;
    std::unique_ptr<net::thread_pool> workers;
    std::vector<std::thread> threads;
    uint16_t port = 0;
    bool running = false;

    Impl(NodeInterface& n, ServerOptions o) : node(n), options(std::move(o)) {}

    Status open(const tcp::endpoint& endpoint);
    std::optional<tcp::endpoint> resolve(std::string* error);
    void accept();
    void on_accept(error_code ec, tcp::socket socket);
    void shutdown();
};

std::optional<tcp::endpoint> RpcServer::Impl::resolve(std::string* error) {
    error_code ec;
    auto address = net::ip::make_address(options.bind_address, ec);
    if (!ec) return tcp::endpoint(address, options.port);
    tcp::resolver resolver(*ioc);
    auto results = resolver.resolve(options.bind_address, std::to_string(options.port), ec);
    if (ec || results.empty()) {
        *error = "cannot resolve RPC bind address '" + options.bind_address + "': " + ec.message();
        return std::nullopt;
    }
    return results.begin()->endpoint();
}

Status RpcServer::Impl::open(const tcp::endpoint& endpoint) {
    error_code ec;
    acceptor = std::make_unique<tcp::acceptor>(*ioc);
    const std::string where = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    auto fail = [&](const char* step) {
        acceptor.reset();
        return Status(reject("rpc-bind", std::string("cannot ") + step + " RPC on " + where + ": " + ec.message(),
                             Fault::Policy));
    };
    if (acceptor->open(endpoint.protocol(), ec)) return fail("open a socket for");
    if (acceptor->set_option(net::socket_base::reuse_address(true), ec)) return fail("set options for");
    if (acceptor->bind(endpoint, ec)) return fail("bind");
    if (acceptor->listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
    port = acceptor->local_endpoint().port();
    return Status::accepted();
}

void RpcServer::Impl::accept() {
    acceptor->async_accept(net::make_strand(*ioc), [this](error_code ec, tcp::socket s) { on_accept(ec, std::move(s)); });
}

void RpcServer::Impl::on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
        // Out of file descriptors and the like: try again shortly instead of spinning.
        accept_retry->expires_after(std::chrono::milliseconds(100));
        accept_retry->async_wait([this](error_code e) {
            if (!e) accept();
        });
        return;
    }
    Client client;
    if (options.explorer || options.max_connections_per_ip != 0 || options.max_public_connections != 0) {
        const tcp::endpoint remote = socket.remote_endpoint(ec);
        client = ec ? Client{"unknown", false} : classify(remote, options);
    }
    // Accepts run one at a time (this loop), so each check and its count cannot interleave.
    const bool limited = !client.exempt;
    const bool public_slot = limited && options.max_public_connections != 0;
    const bool ip_slot = limited && options.max_connections_per_ip != 0;
    if (state->connections.load() >= options.max_connections) {
        socket.close(ec);  // over the limit: closed at once
    } else if (public_slot && state->public_connections.load() >= options.max_public_connections) {
        socket.close(ec);  // the rest are kept for the operator's own tools
    } else if (ip_slot && !state->ip_limits.open_connection(client.key)) {
        socket.close(ec);  // this address holds its share already
    } else {
        state->connections.fetch_add(1);
        if (public_slot) state->public_connections.fetch_add(1);
        std::make_shared<Session>(std::move(socket), *state, *workers, std::move(client), ip_slot, public_slot)->start();
    }
    accept();
}

void RpcServer::Impl::shutdown() {
    if (!running) return;
    running = false;
    node.set_event_sink(nullptr);  // waits for an event being published
    ioc->stop();
    for (std::thread& t : threads) t.join();
    threads.clear();
    workers->stop();  // drops queued requests; a method already running finishes
    workers->join();
    workers.reset();
    state->hub.clear();  // WebSocket sessions go while their io_context still exists
    accept_retry.reset();
    acceptor.reset();
    ioc.reset();  // destroys the remaining sessions, closing their sockets
    state.reset();
}

RpcServer::RpcServer(NodeInterface& node, ServerOptions options)
    : m_impl(std::make_unique<Impl>(node, std::move(options))) {}

RpcServer::~RpcServer() { stop(); }

Status RpcServer::start() {
    Impl& m = *m_impl;
    if (m.running) return reject("rpc-bind", "the RPC server is already running", Fault::Policy);
    const unsigned io_threads = std::max(1u, m.options.io_threads);
    m.state = std::make_unique<ServerState>(m.node, m.options);
    m.ioc = std::make_unique<net::io_context>(static_cast<int>(io_threads));
    std::string error;
    auto endpoint = m.resolve(&error);
    if (!endpoint) return reject("rpc-bind", error, Fault::Policy);
    if (Status s = m.open(*endpoint); !s) return s;
    m.accept_retry = std::make_unique<net::steady_timer>(*m.ioc);
    const unsigned worker_threads = std::max(1u, m.options.worker_threads);
    m.workers = std::make_unique<net::thread_pool>(worker_threads);
    // A pool's threads start inside asio, unnamed: one task per thread names it, each held
    // until all have run, so no thread takes two. start() waits for them too: a stop() before
    // every thread had taken its task would leave the others waiting, and join() with them.
    auto named = std::make_shared<std::latch>(worker_threads + 1);
    for (unsigned i = 0; i < worker_threads; ++i)
        net::post(*m.workers, [named] {
            util::set_thread_name("finch-httpwork");
            named->arrive_and_wait();
        });
    named->arrive_and_wait();
    m.node.set_event_sink(&m.state->hub);
    m.accept();
    m.running = true;
    for (unsigned i = 0; i < io_threads; ++i)
        m.threads.emplace_back([&m] {
            util::set_thread_name("finch-http");
            m.ioc->run();
        });
    return Status::accepted();
}

uint16_t RpcServer::port() const { return m_impl->port; }

void RpcServer::stop() { m_impl->shutdown(); }

}  // namespace finch::rpc
