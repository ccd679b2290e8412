// libFuzzer target: the frames a WebSocket client sends once its upgrade was accepted. A
// Beast server stream (over Beast's in-memory test stream) accepts a fixed valid upgrade
// request with the server's settings, then reads the fuzz bytes as frames, one message at a
// time (at most 1 MiB, as the server), until an error. Each text message is handled as the
// server's WebSocket session handles it (nesting check, JSON parse, then the JSON-RPC step
// with a small dispatcher) and the reply is written back. Must never crash or hang.
#include "rpc/protocol.h"

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdlib>
#include <string_view>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using finch::rpc::Json;

constexpr size_t kMaxMessageBytes = 1024 * 1024;  // the server's ws_max_message_bytes
constexpr int kMaxMessages = 64;

const http::request<http::string_body>& upgrade_request() {
    static const auto req = [] {
        http::request<http::string_body> r{http::verb::get, "/", 11};
        r.set(http::field::host, "127.0.0.1");
        r.set(http::field::upgrade, "websocket");
        r.set(http::field::connection, "upgrade");
        r.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
        r.set(http::field::sec_websocket_version, "13");
        return r;
    }();
    return req;
}

finch::rpc::CallResult dispatch(const std::string& method, const Json& params) {
    if (method == "getblockcount") return Json(42);
    if (method == "echo") return Json(params.is_array() ? params.size() : 0);
    finch::rpc::RpcError e;
    e.code = finch::rpc::code::kMethodNotFound;
    e.message = "Method not found";
    return e;
}

// What the server's session answers to one message (subscriptions are left to their own tests).
std::string answer(const std::string& text, bool is_text) {
    if (!is_text) return R"({"jsonrpc":"2.0","error":{"code":-32600,"message":"text only"},"id":null})";
    if (finch::rpc::nesting_exceeds(text, finch::rpc::kMaxJsonDepth))
        return R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"too deep"},"id":null})";
    const Json request = Json::parse(text, nullptr, false);
    if (request.is_discarded()) return R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null})";
    return finch::rpc::handle_rpc_body(text, dispatch).text();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static boost::asio::io_context ioc;
    beast::test::stream client(ioc);
    websocket::stream<beast::test::stream> ws(ioc);
    ws.next_layer().connect(client);
    ws.read_message_max(kMaxMessageBytes);
    ws.auto_fragment(false);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "finchd"); }));
    beast::error_code ec;
    ws.accept(upgrade_request(), ec);
    if (ec) std::abort();  // the fixed request is valid
    client.clear();        // the 101 response
    ws.next_layer().append(std::string_view(reinterpret_cast<const char*>(data), size));
    ws.next_layer().close_remote();  // after the bytes, the client's side is closed
    beast::flat_buffer in;
    for (int i = 0; i < kMaxMessages; ++i) {
        ws.read(in, ec);
        if (ec) break;
        if (in.size() > kMaxMessageBytes) std::abort();
        const std::string text = beast::buffers_to_string(in.data());
        in.consume(in.size());
        const std::string reply = answer(text, ws.got_text());
        ws.text(true);
        ws.write(boost::asio::buffer(reply), ec);
        if (ec) break;
        client.clear();  // nobody reads the replies
    }
    return 0;
}
