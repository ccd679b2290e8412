// libFuzzer target: the raw bytes a client sends to the RPC port. They are read as the
// server reads them (a fresh Beast request parser per request, 8 KiB of headers, a body
// limit, keep-alive requests one after another on the same buffer); each request's
// Authorization header goes through the Basic check, and each body that parses goes through
// handle_rpc_body with a dispatcher that answers some methods and refuses the rest. A reply
// must have a documented status, and its body, when there is one, must be valid JSON.
#include "rpc/auth.h"
#include "rpc/protocol.h"

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using finch::rpc::Json;

constexpr uint32_t kHeaderLimit = 8 * 1024;  // the server's max_header_bytes
constexpr uint64_t kBodyLimit = 64 * 1024;   // the server allows 32 MiB; smaller keeps runs fast
constexpr int kMaxRequests = 8;              // keep-alive requests read from one input

finch::rpc::CallResult dispatch(const std::string& method, const Json& params) {
    if (method == "getblockcount") return Json(42);
    if (method == "getbestblockhash") return Json(std::string(64, '0'));
    if (method == "echo") return Json(params.is_array() ? params.size() : 0);
    if (method == "fail") throw std::runtime_error("method failed");
    if (method == "getblock") return finch::rpc::RpcError::params(finch::rpc::code::kInvalidParameter, "bad hash");
    finch::rpc::RpcError e;
    e.code = finch::rpc::code::kMethodNotFound;
    e.message = "Method not found";
    return e;
}

void check_reply(const finch::rpc::HttpReply& reply) {
    switch (reply.status) {
        case 200: case 400: case 404: case 500:
            if (reply.body.empty()) std::abort();
            break;
        case 204:
            if (!reply.body.empty()) std::abort();
            return;
        default: std::abort();
    }
    if (Json::parse(reply.body, nullptr, false).is_discarded()) std::abort();
}

const finch::rpc::BasicAuthChecker& auth() {
    static const finch::rpc::BasicAuthChecker checker({"user", "pass"});
    return checker;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static boost::asio::io_context ioc;
    beast::test::stream stream(ioc);
    stream.append(std::string_view(reinterpret_cast<const char*>(data), size));
    stream.close_remote();  // the client stops sending: reads end in eof after the bytes
    beast::flat_buffer buffer;
    for (int i = 0; i < kMaxRequests; ++i) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(kHeaderLimit);
        parser.body_limit(kBodyLimit);
        parser.eager(true);
        beast::error_code ec;
        http::read_header(stream, buffer, parser, ec);
        if (ec) break;
        const auto& req = parser.get();
        const std::string_view authorization = req[http::field::authorization];
        (void)auth().accepts(authorization);
        if (auto decoded = finch::rpc::base64_decode(authorization))
            if (finch::rpc::base64_decode(finch::rpc::base64_encode(*decoded)) != decoded) std::abort();
        (void)beast::websocket::is_upgrade(req);
        (void)beast::iequals(req[http::field::expect], "100-continue");
        if (!parser.is_done()) http::read(stream, buffer, parser, ec);
        if (ec) break;
        check_reply(finch::rpc::handle_rpc_body(parser.get().body(), dispatch));
        if (!parser.get().keep_alive()) break;
    }
    return 0;
}
