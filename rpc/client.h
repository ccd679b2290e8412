// The JSON-RPC client behind finch-cli: one HTTP POST per call, with a deadline.
#pragma once

#include "consensus/result.h"
#include "rpc/auth.h"
#include "rpc/protocol.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace finch::rpc {

struct Endpoint {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    Credentials credentials;
    std::chrono::milliseconds timeout{900'000};  // for the whole exchange, as bitcoin-cli's default
};

struct HttpResponse {
    unsigned status = 0;
    std::string body;
};

// Transport failure codes (Rejection::code).
inline constexpr const char* kConnectFailed = "rpc-connect";  // resolve or connect failed: no server there
inline constexpr const char* kExchangeFailed = "rpc-io";      // send or receive failed, or timed out
inline constexpr const char* kAuthFailed = "rpc-auth";        // HTTP 401
inline constexpr const char* kBadReply = "rpc-reply";         // not a JSON-RPC reply

// POSTs `body` to http://host:port/ with Basic authentication.
Result<HttpResponse> http_post(const Endpoint& endpoint, const std::string& body);

// Calls one method with a JSON-RPC 2.0 request. The Rejection is a transport or HTTP failure;
// an error the server reports is inside the CallResult.
Result<CallResult> call(const Endpoint& endpoint, const std::string& method, const Json& params);

// Reads a reply object ({"result": ...} or {"error": {code, message, data}}).
Result<CallResult> parse_reply(const HttpResponse& response);

}  // namespace finch::rpc
