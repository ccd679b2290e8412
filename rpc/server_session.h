// Internal to the RPC server (server.cpp, server_explorer.cpp): one HTTP connection's session.
// server.cpp holds the JSON-RPC, metrics and WebSocket routes and the accept loop;
// server_explorer.cpp the explorer's public routes and the per-client limits.
#pragma once

#include "rpc/per_ip_limits.h"
#include "rpc/protocol.h"
#include "rpc/server.h"
#include "rpc/server_state.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace finch::rpc::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// JSON-RPC 2.0's "implementation-defined server error" range, for 503.
constexpr int kServerBusy = -32000;

std::string error_body(int error_code, const std::string& message);

using HeaderList = std::vector<std::pair<std::string_view, std::string>>;

// What a request asks for, decided from its headers.
enum class Route { Rpc, Metrics, ExplorerAsset, ExplorerApi };

// A client as the per-address limits see it (PerIpLimits::key_for), and whether it is exempt.
struct Client {
    std::string key;
    bool exempt = false;
};
Client classify(const tcp::endpoint& remote, const ServerOptions& o);

// A response body made of shared strings written one after another, never joined: a lone
// getblock answered from the cache goes out from the cache's own memory (HttpReply::pieces).
struct PiecesBody {
    using value_type = TextPieces;

    static std::uint64_t size(const value_type& pieces) { return size_of(pieces); }

    class writer {
    public:
        using const_buffers_type = std::vector<net::const_buffer>;

        template <bool isRequest, class Fields>
        writer(const http::header<isRequest, Fields>&, const value_type& pieces) : m_pieces(pieces) {}

        void init(error_code& ec) { ec = {}; }

        // Everything at once: the serializer keeps what the socket has not taken yet.
        boost::optional<std::pair<const_buffers_type, bool>> get(error_code& ec) {
            ec = {};
            if (m_done) return boost::none;
            m_done = true;
            const_buffers_type out;
            out.reserve(m_pieces.size());
            for (const auto& p : m_pieces)
                if (!p->empty()) out.emplace_back(p->data(), p->size());
            return std::make_pair(std::move(out), false);
        }

    private:
        const value_type& m_pieces;
        bool m_done = false;
    };
};

class Session : public std::enable_shared_from_this<Session> {
public:
    // `client` is who the limits see; `holds_ip_slot` / `public_slot` say which counts the
    // accept loop took for it, given back when the session ends.
    Session(tcp::socket&& socket, ServerState& state, net::thread_pool& workers, Client client, bool holds_ip_slot,
            bool public_slot)
        : m_stream(std::move(socket)),
          m_timer(m_stream.get_executor()),
          m_state(state),
          m_workers(workers),
          m_client(std::move(client)),
          m_holds_ip_slot(holds_ip_slot),
          m_public_slot(public_slot) {}
    ~Session() {
        m_state.connections.fetch_sub(1);
        if (m_public_slot) m_state.public_connections.fetch_sub(1);
        if (m_holds_ip_slot) m_state.ip_limits.close_connection(m_client.key);
    }

    void start() {
        error_code ec;
        m_stream.socket().set_option(tcp::no_delay(true), ec);
        if (m_state.logging()) {
            const tcp::endpoint remote = m_stream.socket().remote_endpoint(ec);
            m_peer = ec ? std::string("unknown")
                        : (remote.address().is_v6() ? "[" + remote.address().to_string() + "]"
                                                    : remote.address().to_string()) +
                              ":" + std::to_string(remote.port());
        }
        net::dispatch(m_stream.get_executor(), [self = shared_from_this()] { self->read_header(); });
    }

private:
    void read_header();
    void on_header(error_code ec);
    void read_body();
    void on_body(error_code ec);
    void on_read_error(error_code ec);
    void submit(std::string body);
    void serve_metrics();
    void read_public_request();  // server_explorer.cpp
    void serve_explorer_asset();
    void serve_explorer_api();
    void upgrade_to_websocket();
    void write_reply(http::status status, std::string body, bool keep_alive,
                     const char* content_type = "application/json", HeaderList extra = {});
    void write_pieces(http::status status, PiecesBody::value_type pieces, bool keep_alive);
    template <class Body>
    void start_write(http::response<Body>& response, http::status status, bool keep_alive,
                     const char* content_type, HeaderList extra);
    void on_write(bool keep_alive, error_code ec);
    void reply_and_close(http::status status, int rpc_code, const std::string& message);
    void unauthorized();
    void log_http(http::status status, std::string_view why);
    void linger_close();
    void drain();
    void close();

    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    http::response<http::string_body> m_response;
    http::response<PiecesBody> m_pieces_response;  // for replies with HttpReply::pieces
    net::steady_timer m_timer;  // the delay before a 401
    std::array<char, 16 * 1024> m_drain{};
    bool m_keep_alive = false;
    bool m_metrics_request = false;  // GET /metrics rather than a JSON-RPC POST
    Route m_route = Route::Rpc;
    unsigned m_version = 11;
    std::string m_peer;  // "address:port" of the client, for the log
    ServerState& m_state;
    net::thread_pool& m_workers;
    const Client m_client;  // filled when the explorer or a per-address limit is on
    const bool m_holds_ip_slot;
    const bool m_public_slot;
};

}  // namespace finch::rpc::detail
