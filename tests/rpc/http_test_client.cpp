// TestConnection: Beast over a private io_context, driven with run_for so no wait is unbounded.
#include "tests/rpc/http_test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace finch::rpc::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct TestConnection::Impl {
    net::io_context ioc;
    tcp::socket socket{ioc};
    beast::flat_buffer buffer;

    // Runs until the pending operation completes or the timeout passes (then cancels it).
    bool run(std::chrono::milliseconds timeout, const bool& done) {
        ioc.restart();
        ioc.run_for(timeout);
        if (done) return true;
        error_code ec;
        socket.cancel(ec);
        ioc.restart();
        ioc.run_for(1s);
        return false;
    }
};

TestConnection::TestConnection(uint16_t port, std::chrono::milliseconds timeout) : m_impl(std::make_unique<Impl>()) {
    bool done = false;
    error_code result;
    m_impl->socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](error_code ec) {
        result = ec;
        done = true;
    });
    m_connected = m_impl->run(timeout, done) && !result;
}

TestConnection::~TestConnection() {
    error_code ec;
    m_impl->socket.close(ec);
}

bool TestConnection::send(const std::string& bytes, std::chrono::milliseconds timeout) {
    bool done = false;
    error_code result;
    net::async_write(m_impl->socket, net::buffer(bytes), [&](error_code ec, size_t) {
        result = ec;
        done = true;
    });
    return m_impl->run(timeout, done) && !result;
}

std::optional<RawResponse> TestConnection::read_response(std::chrono::milliseconds timeout) {
    bool done = false;
    error_code result;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    parser.skip(false);
    http::async_read(m_impl->socket, m_impl->buffer, parser, [&](error_code ec, size_t) {
        result = ec;
        done = true;
    });
    if (!m_impl->run(timeout, done) || result) return std::nullopt;
    RawResponse r;
    r.status = parser.get().result_int();
    r.body = parser.get().body();
    r.keep_alive = parser.get().keep_alive();
    for (const auto& field : parser.get()) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
    }
    return r;
}

bool TestConnection::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 4096> scratch;
    while (std::chrono::steady_clock::now() < deadline) {
        bool done = false;
        error_code result;
        m_impl->socket.async_read_some(net::buffer(scratch), [&](error_code ec, size_t) {
            result = ec;
            done = true;
        });
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (!m_impl->run(std::max(left, 1ms), done)) return false;
        if (result) return true;  // EOF or reset
    }
    return false;
}

std::string http_request(const std::string& method, const std::string& target, const std::string& body,
                         const std::optional<Credentials>& credentials, bool content_type,
                         const std::string& extra_headers) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (credentials) req += "Authorization: " + basic_authorization(*credentials) + "\r\n";
    if (content_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
    return req;
}

std::optional<RawResponse> post_once(uint16_t port, const std::string& body, const Credentials& credentials) {
    TestConnection c(port);
    if (!c.connected() || !c.send(http_request("POST", "/", body, credentials))) return std::nullopt;
    return c.read_response();
}

}  // namespace finch::rpc::test
