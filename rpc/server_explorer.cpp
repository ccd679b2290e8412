// The explorer's public routes on the RPC server: GET /explorer/ (the embedded page) and
// GET /api/ (ExplorerApi on a worker), without credentials, behind the per-client limits.
#include "rpc/explorer_assets.h"
#include "rpc/protocol.h"
#include "rpc/server_session.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>

namespace finch::rpc::detail {

namespace {

// Security headers for everything the explorer serves: its page runs only its own script and
// style, fetches only from this origin, and cannot be framed.
void add_explorer_headers(HeaderList& h, bool page) {
    h.emplace_back("X-Content-Type-Options", "nosniff");
    h.emplace_back("Referrer-Policy", "no-referrer");
    if (page) {
        h.emplace_back("Content-Security-Policy",
                       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        h.emplace_back("X-Frame-Options", "DENY");
    }
}

std::string explorer_error(const std::string& message, const char* code) {
    return dump_json(Json{{"error", message}, {"code", code}});
}

}  // namespace

Client classify(const tcp::endpoint& remote, const ServerOptions& o) {
    const std::string text = remote.address().to_string();
    const std::string key = PerIpLimits::key_for(text);
    const auto& exempt = o.limit_exempt_addresses;
    return {key, std::find(exempt.begin(), exempt.end(), key) != exempt.end()};
}

// A public request: GET or HEAD only, and no body (JSON-RPC reads bodies only after the
// credentials are checked; nothing public may make the server buffer one).
void Session::read_public_request() {
    const auto& req = m_parser->get();
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        log_http(http::status::method_not_allowed, "explorer paths are read with GET");
        HeaderList allow{{"Allow", "GET, HEAD"}};
        return write_reply(http::status::method_not_allowed,
                           explorer_error("the explorer is read with GET", "bad-request"), false, "application/json",
                           std::move(allow));
    }
    if (m_parser->chunked() || m_parser->content_length().value_or(0) > 0) {
        log_http(http::status::bad_request, "explorer request with a body");
        return write_reply(http::status::bad_request, explorer_error("explorer requests have no body", "bad-request"),
                           false);
    }
    return on_body({});
}

// The page, script and style: in memory, answered on the connection's strand.
void Session::serve_explorer_asset() {
    const auto& req = m_parser->get();
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    HeaderList headers;
    if (path == "/explorer") {
        headers.emplace_back("Location", "/explorer/");
        return write_reply(http::status::moved_permanently, {}, m_keep_alive, "text/plain", std::move(headers));
    }
    const ExplorerAsset* asset = find_explorer_asset(path);
    if (!asset) {
        add_explorer_headers(headers, false);
        return write_reply(http::status::not_found, "not found\n", m_keep_alive, "text/plain; charset=utf-8",
                           std::move(headers));
    }
    add_explorer_headers(headers, asset->path.empty());
    // Short-lived: a new finchd may ship a new page.
    headers.emplace_back("Cache-Control", "public, max-age=300");
    write_reply(http::status::ok, std::string(asset->body), m_keep_alive, asset->content_type.data(), std::move(headers));
}

// GET /api/...: limited per client address, then run on a worker like an RPC call.
void Session::serve_explorer_api() {
    HeaderList headers;
    add_explorer_headers(headers, false);
    if (!m_client.exempt && !m_state.ip_limits.allow_request(m_client.key, std::chrono::steady_clock::now())) {
        log_http(http::status::too_many_requests, "explorer API rate limit");
        if (m_state.options.metrics) m_state.metrics.explorer_rate_limited.inc();
        headers.emplace_back("Retry-After", "1");
        return write_reply(http::status::too_many_requests,
                           explorer_error("too many requests from this address; try again in a second", "rate-limited"),
                           m_keep_alive, "application/json", std::move(headers));
    }
    // Two bounds: the explorer's own share of the workers, then the queue RPC shares.
    const bool explorer_full = m_state.explorer_in_flight.fetch_add(1) >= m_state.options.explorer_work_limit;
    const bool queue_full = !explorer_full && m_state.in_flight.fetch_add(1) >= m_state.work_limit();
    if (explorer_full || queue_full) {
        if (queue_full) m_state.in_flight.fetch_sub(1);
        m_state.explorer_in_flight.fetch_sub(1);
        log_http(http::status::service_unavailable, "explorer work queue full");
        headers.emplace_back("Retry-After", "1");
        return write_reply(http::status::service_unavailable, explorer_error("the node is busy; try again", "busy"),
                           m_keep_alive, "application/json", std::move(headers));
    }
    net::post(m_workers, [self = shared_from_this(), headers = std::move(headers)]() mutable {
        const auto& req = self->m_parser->get();
        const auto started = std::chrono::steady_clock::now();
        ApiReply reply = self->m_state.explorer.handle(std::string_view(req.target().data(), req.target().size()));
        if (self->m_state.options.metrics) {
            self->m_state.metrics.explorer_requests.inc();
            self->m_state.metrics.explorer_seconds.observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
        headers.emplace_back("Cache-Control", reply.immutable ? "public, max-age=31536000, immutable" : "no-cache");
        self->m_state.in_flight.fetch_sub(1);
        self->m_state.explorer_in_flight.fetch_sub(1);
        self->write_reply(static_cast<http::status>(reply.status), std::move(reply.body), self->m_keep_alive,
                          "application/json", std::move(headers));
    });
}

}  // namespace finch::rpc::detail
