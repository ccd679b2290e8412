// The client: resolve, connect, write, read with one deadline, then decode the reply; and the
// parsing of server addresses.
#include "rpc/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>

namespace finch::rpc {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

constexpr uint64_t kMaxReplyBytes = 1ull << 30;

// One request/response exchange, driven by callbacks on a private io_context.
class Exchange {
public:
    // With `connect_only`, stops once connected: nothing is sent.
    Exchange(const Endpoint& endpoint, const std::string& body, bool connect_only = false)
        : m_endpoint(endpoint), m_connect_only(connect_only), m_resolver(m_ioc), m_stream(m_ioc) {
        m_request = {http::verb::post, "/", 11};
        m_request.set(http::field::host, host_port_string(endpoint.host, endpoint.port));
        m_request.set(http::field::user_agent, "finch-cli");
        m_request.set(http::field::content_type, "application/json");
        m_request.set(http::field::authorization, basic_authorization(endpoint.credentials));
        m_request.keep_alive(false);
        m_request.body() = body;
        m_request.prepare_payload();
        m_parser.body_limit(kMaxReplyBytes);
    }

    Result<HttpResponse> run() {
        const auto now = std::chrono::steady_clock::now();
        m_deadline = now + m_endpoint.timeout;
        m_stream.expires_at(m_endpoint.connect_timeout ? std::min(m_deadline, now + *m_endpoint.connect_timeout)
                                                       : m_deadline);
        m_resolver.async_resolve(m_endpoint.host, std::to_string(m_endpoint.port),
                                 [this](error_code ec, tcp::resolver::results_type r) { on_resolve(ec, r); });
        m_ioc.run();
        if (m_error) return *m_error;
        if (m_connect_only) return HttpResponse{};
        return HttpResponse{m_parser.get().result_int(), std::move(m_parser.get().body())};
    }

private:
    void fail(const char* code, const std::string& what, error_code ec) {
        const std::string where = host_port_string(m_endpoint.host, m_endpoint.port);
        m_error = reject(code, what + " " + where + " (" + ec.message() + ")", Fault::Policy);
    }

    void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
        if (ec) return fail(kConnectFailed, "Could not resolve the server", ec);
        m_stream.async_connect(results, [this](error_code e, const tcp::endpoint&) { on_connect(e); });
    }

    void on_connect(error_code ec) {
        if (ec) return fail(kConnectFailed, "Could not connect to the server", ec);
        if (m_connect_only) {
            error_code ignored;
            m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            m_stream.close();
            return;
        }
        m_stream.expires_at(m_deadline);
        http::async_write(m_stream, m_request, [this](error_code e, size_t) { on_write(e); });
    }

    void on_write(error_code ec) {
        if (ec) return fail(kExchangeFailed, "Could not send the request to", ec);
        m_stream.expires_at(m_deadline);
        http::async_read(m_stream, m_buffer, m_parser, [this](error_code e, size_t) {
            if (e) fail(kExchangeFailed, "No reply from", e);
        });
    }

    const Endpoint& m_endpoint;
    const bool m_connect_only;
    net::io_context m_ioc;
    tcp::resolver m_resolver;
    beast::tcp_stream m_stream;
    http::request<http::string_body> m_request;
    http::response_parser<http::string_body> m_parser;
    beast::flat_buffer m_buffer;
    std::optional<Rejection> m_error;
    std::chrono::steady_clock::time_point m_deadline;  // one deadline for the whole exchange
};

RpcError error_from_json(const Json& error) {
    RpcError e;
    if (!error.is_object()) {
        e.message = dump_json(error);
        return e;
    }
    if (auto c = error.find("code"); c != error.end() && c->is_number_integer()) e.code = c->get<int>();
    if (auto m = error.find("message"); m != error.end() && m->is_string()) e.message = m->get<std::string>();
    if (auto d = error.find("data"); d != error.end()) e.data = *d;
    return e;
}

}  // namespace

Result<HostPort> split_host_port(std::string_view in) {
    auto bad = [](const char* why) { return reject(kBadAddress, why, Fault::Decode); };
    HostPort out;
    const size_t colon = in.rfind(':');
    const bool have_colon = colon != std::string_view::npos;
    const bool bracketed = have_colon && colon > 0 && in.front() == '[' && in[colon - 1] == ']';
    const bool multi_colon = have_colon && colon > 0 && in.substr(0, colon).find(':') != std::string_view::npos;
    if (have_colon && (colon == 0 || bracketed || !multi_colon)) {
        const std::string_view port = in.substr(colon + 1);
        uint32_t n = 0;
        if (port.empty() || port.size() > 5) return bad("the port must be a number from 1 to 65535");
        for (char c : port) {
            if (c < '0' || c > '9') return bad("the port must be a number from 1 to 65535");
            n = n * 10 + static_cast<uint32_t>(c - '0');
        }
        if (n == 0 || n > 65535) return bad("the port must be a number from 1 to 65535");
        out.port = static_cast<uint16_t>(n);
        in = in.substr(0, colon);
    }
    if (in.size() >= 2 && in.front() == '[' && in.back() == ']') in = in.substr(1, in.size() - 2);
    if (in.empty()) return bad("no host");
    if (in.find_first_of("[]/ \t") != std::string_view::npos) return bad("not a host name or IP address");
    out.host = std::string(in);
    return out;
}

std::string host_port_string(const std::string& host, uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HttpResponse> http_post(const Endpoint& endpoint, const std::string& body) { return Exchange(endpoint, body).run(); }

Status probe(const Endpoint& endpoint) {
    auto r = Exchange(endpoint, "", /*connect_only=*/true).run();
    if (!r) return r.error();
    return Status::accepted();
}

Result<CallResult> parse_reply(const HttpResponse& response) {
    if (response.status == 401)
        return reject(kAuthFailed, "Authorization failed: Incorrect rpcuser or rpcpassword", Fault::Policy);
    Json reply = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (reply.is_discarded() || !reply.is_object())
        return reject(kBadReply, "server returned HTTP " + std::to_string(response.status) + " without a JSON-RPC reply",
                      Fault::Decode);
    auto error = reply.find("error");
    if (error != reply.end() && !error->is_null()) return CallResult(error_from_json(*error));
    auto result = reply.find("result");
    return CallResult(result == reply.end() ? Json(nullptr) : std::move(*result));
}

Result<CallResult> call(const Endpoint& endpoint, const std::string& method, const Json& params) {
    auto response = http_post(endpoint, dump_json(make_request(method, params, 1, /*jsonrpc2=*/true)));
    if (!response) return response.error();
    return parse_reply(*response);
}

}  // namespace finch::rpc
