// The ceiling an HTTP JSON-RPC server can reach on this machine: a Beast server on one I/O
// thread (as finchd's RPC server runs its sockets) that answers every request with the same
// small JSON body, parsing nothing. scripts/bench.sh loads it with wrk beside finchd's
// getblockcount and reports finchd's figure as a share of this one.
// Usage: bench_fixed_reply --port N [--threads 1]
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

const std::string kBody = R"({"result":400,"error":null,"id":1})"
                          "\n";

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(tcp::socket socket) : m_stream(std::move(socket)) {}
    void start() { read(); }

private:
    void read() {
        m_request = {};
        http::async_read(m_stream, m_buffer, m_request, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (!ec) self->reply();
        });
    }
    void reply() {
        m_response = {};
        m_response.version(m_request.version());
        m_response.result(http::status::ok);
        m_response.set(http::field::content_type, "application/json");
        m_response.keep_alive(m_request.keep_alive());
        m_response.body() = kBody;
        m_response.prepare_payload();
        http::async_write(m_stream, m_response, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (!ec && self->m_response.keep_alive()) self->read();
        });
    }

    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    http::request<http::string_body> m_request;
    http::response<http::string_body> m_response;
};

void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
        if (!ec) std::make_shared<Session>(std::move(socket))->start();
        accept(acceptor);
    });
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 0;
    unsigned threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--port")) port = static_cast<unsigned short>(std::stoul(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--threads")) threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
    }
    if (port == 0 || threads == 0) {
        std::fprintf(stderr, "usage: bench_fixed_reply --port N [--threads 1]\n");
        return 2;
    }
    asio::io_context ioc(static_cast<int>(threads));
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
    accept(acceptor);
    std::printf("fixed-reply server on 127.0.0.1:%u, %u thread(s)\n", port, threads);
    std::fflush(stdout);
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
}
