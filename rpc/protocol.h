// JSON-RPC framing, independent of sockets: turns an HTTP request body into an HTTP status
// and reply body, in JSON-RPC 2.0 style or bitcoind's legacy style, batches included.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace finch::rpc {

// Objects keep their insertion order so replies read like bitcoind's.
using Json = nlohmann::ordered_json;

// Error codes: the JSON-RPC 2.0 standard ones and Bitcoin Core's (src/rpc/protocol.h). As in
// Bitcoin Core, the -326xx codes are only for the protocol (an unparsable body, a malformed
// request object, an unknown method); every error of a method call, bad parameters
// included, carries Bitcoin Core's code for it in both reply styles.
namespace code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;  // never sent by finchd (kept for clients' use)
inline constexpr int kInternalError = -32603;  // the framing itself failed (never a method)

inline constexpr int kMiscError = -1;
inline constexpr int kTypeError = -3;
inline constexpr int kInvalidAddressOrKey = -5;
inline constexpr int kInvalidParameter = -8;
inline constexpr int kDeserializationError = -22;
inline constexpr int kVerifyError = -25;
inline constexpr int kVerifyRejected = -26;
inline constexpr int kVerifyAlreadyInChain = -27;
inline constexpr int kInWarmup = -28;
inline constexpr int kClientNodeAlreadyAdded = -23;
inline constexpr int kClientNodeNotAdded = -24;
inline constexpr int kClientNodeNotConnected = -29;
inline constexpr int kClientInvalidIpOrSubnet = -30;
inline constexpr int kClientP2pDisabled = -31;
}  // namespace code

// Requests nested deeper than this are refused before parsing (the parsed tree is freed
// recursively, so depth must stay bounded).
inline constexpr size_t kMaxJsonDepth = 64;
// Entries in one batch; a batch of 1,000 raw transactions is well inside.
inline constexpr size_t kMaxBatchEntries = 50'000;
// A batch's reply: once this much is written, the entries left are not run and each answers
// -32603 (50,000 cached getblock calls would otherwise ask for a reply of hundreds of GB).
inline constexpr size_t kMaxBatchReplyBytes = size_t{256} << 20;

struct RpcError {
    int code = code::kMiscError;
    std::string message;
    // The error is about the call's parameters (count, type, name, format) rather than the
    // node's state. Informational only: the reply carries `code` either way.
    bool bad_params = false;
    Json data;  // optional extra detail; null means none

    static RpcError params(int error_code, std::string message) {
        return RpcError{error_code, std::move(message), true, nullptr};
    }
};

// Text kept in shared pieces that are written one after another, never joined on the way
// out (a cached block's text is shared with the cache).
using TextPieces = std::vector<std::shared_ptr<const std::string>>;
size_t size_of(const TextPieces& pieces);
void append_to(std::string& out, const TextPieces& pieces);

// A result already serialized as compact JSON (e.g. a cached getblock): the reply splices the
// text in as it is, without building a tree. It must be one valid JSON value.
struct RawJson {
    RawJson(std::shared_ptr<const std::string> text) : pieces{std::move(text)} {}
    explicit RawJson(TextPieces parts) : pieces(std::move(parts)) {}
    // The value's text is these pieces one after another: a cached block's text is shared
    // with the cache and written to the socket from there, never copied (HttpReply::pieces).
    TextPieces pieces;
    std::string text() const;
};

// What a method returns: a JSON result (a tree, or text already serialized) or an error.
class CallResult {
public:
    CallResult(Json result) : m_v(std::move(result)) {}
    CallResult(RpcError error) : m_v(std::move(error)) {}
    CallResult(RawJson raw) : m_v(std::move(raw)) {}

    bool ok() const { return m_v.index() != 1; }
    // A RawJson result, else null.
    const RawJson* raw() const { return m_v.index() == 2 ? &std::get<2>(m_v) : nullptr; }
    // Its text, joined (for tests and logs), else nullopt.
    std::optional<std::string> raw_text() const {
        return m_v.index() == 2 ? std::optional<std::string>(std::get<2>(m_v).text()) : std::nullopt;
    }
    // The result as a tree. A RawJson one is parsed on first use and kept beside its text
    // (a lazy cache: not for one CallResult shared between threads).
    const Json& result() const {
        if (m_v.index() != 2) return std::get<0>(m_v);
        if (!m_parsed) m_parsed = Json::parse(std::get<2>(m_v).text());
        return *m_parsed;
    }
    Json& result() {
        if (m_v.index() != 2) return std::get<0>(m_v);
        if (!m_parsed) m_parsed = Json::parse(std::get<2>(m_v).text());
        return *m_parsed;
    }
    const RpcError& error() const { return std::get<1>(m_v); }

private:
    std::variant<Json, RpcError, RawJson> m_v;
    mutable std::optional<Json> m_parsed;
};

// Runs one method call. `params` is an array, an object or null. May throw: the caller
// turns an exception into -1 (Bitcoin Core's RPC_MISC_ERROR), as bitcoind does.
using MethodDispatcher = std::function<CallResult(const std::string& method, const Json& params)>;

struct HttpReply {
    unsigned status = 200;  // 200, 204 (nothing to say), 400, 404 or 500
    std::string body;       // empty for 204, and when `pieces` holds the text
    // A reply whose text lies elsewhere (a lone getblock answered from the cache): these
    // pieces one after another. The HTTP server writes them as they are; text() joins them.
    TextPieces pieces;
    std::string text() const;
    // Moves the text into `body` (pieces joined), for writers that need one string.
    void flatten();
};

// What one request came to, for the debug log: the method as sent (empty when the body or
// the request object was malformed before a method could be read), the error code (0 on
// success) and how long the method ran.
struct CallRecord {
    std::string_view method;
    int error_code = 0;
    std::chrono::microseconds duration{0};
};
using CallObserver = std::function<void(const CallRecord&)>;

// The whole request-to-reply step for one HTTP body. `observe`, when set, is called once per
// request object (each entry of a batch) and once for a body rejected as a whole.
// `max_batch_reply` is kMaxBatchReplyBytes but for tests.
HttpReply handle_rpc_body(std::string_view body, const MethodDispatcher& dispatch, const CallObserver& observe = {},
                          size_t max_batch_reply = kMaxBatchReplyBytes);

// True when brackets outside strings nest deeper than max_depth (a cheap scan, no parse).
bool nesting_exceeds(std::string_view text, size_t max_depth);

// Serializes for the wire; invalid UTF-8 in strings is replaced rather than thrown on.
std::string dump_json(const Json& j, int indent = -1);

// Builds a request object (JSON-RPC 2.0 when id is given as such by the client library).
Json make_request(const std::string& method, Json params, Json id, bool jsonrpc2);

}  // namespace finch::rpc
