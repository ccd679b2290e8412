// The JSON-RPC client behind finch-cli: one HTTP POST per call, with a deadline, and the
// parsing of a "host[:port]" server address (IPv6 as [addr]:port).
#pragma once

#include "consensus/result.h"
#include "rpc/auth.h"
#include "rpc/protocol.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace finch::rpc {

struct Endpoint {
    std::string host = "127.0.0.1";
    uint16_t port = 0;
    Credentials credentials;
    std::chrono::milliseconds timeout{900'000};  // for the whole exchange, as bitcoin-cli's default
    // When set, a connection not made within this time fails as kConnectFailed (--rpcwait
    // uses it so that one attempt cannot outlast the wait).
    std::optional<std::chrono::milliseconds> connect_timeout;
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
inline constexpr const char* kBadAddress = "rpc-address";     // a malformed host[:port]

// A server address: `port` is 0 when the text named none.
struct HostPort {
    std::string host;
    uint16_t port = 0;
};

// Bitcoin Core's SplitHostPort: "host", "host:port", "1.2.3.4:port", "[v6]", "[v6]:port", or a
// bare IPv6 address ("::1", no port). Rejects an empty host and a port that is not 1-65535;
// the Rejection's detail says why, without repeating the text.
Result<HostPort> split_host_port(std::string_view text);
// "host:port", with an IPv6 host in brackets: "[::1]:9332".
std::string host_port_string(const std::string& host, uint16_t port);

// POSTs `body` to http://host:port/ with Basic authentication.
Result<HttpResponse> http_post(const Endpoint& endpoint, const std::string& body);

// Only resolves and connects (then closes): whether anything listens there. Sends nothing, so
// no credentials are needed.
Status probe(const Endpoint& endpoint);

// Calls one method with a JSON-RPC 2.0 request. The Rejection is a transport or HTTP failure;
// an error the server reports is inside the CallResult.
Result<CallResult> call(const Endpoint& endpoint, const std::string& method, const Json& params);

// Reads a reply object ({"result": ...} or {"error": {code, message, data}}).
Result<CallResult> parse_reply(const HttpResponse& response);

}  // namespace finch::rpc
