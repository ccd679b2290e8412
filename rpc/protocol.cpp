// JSON-RPC framing: request validation, the two reply styles, batches and notifications.
#include "rpc/protocol.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>

namespace finch::rpc {

namespace {

enum class Style { Legacy, V2 };

// One request object, checked for shape but not yet executed.
struct Entry {
    Style style = Style::Legacy;
    Json id;  // null when absent
    bool notification = false;
    const Json* method = nullptr;
    const Json* params = nullptr;
    std::optional<RpcError> error;  // set when the request object itself is malformed
};

RpcError invalid_request(std::string message) { return RpcError{code::kInvalidRequest, std::move(message), false, nullptr}; }

bool valid_v2_id(const Json& id) { return id.is_string() || id.is_number() || id.is_null(); }

Entry read_entry(const Json& req) {
    Entry e;
    if (auto v = req.find("jsonrpc"); v != req.end()) {
        if (*v == "2.0") e.style = Style::V2;
        else if (*v != "1.0" && *v != "1.1") e.error = invalid_request("JSON-RPC version not supported");
    }
    auto id = req.find("id");
    if (id != req.end()) e.id = *id;
    e.notification = e.style == Style::V2 && id == req.end();
    if (e.error) return e;
    if (e.style == Style::V2 && !valid_v2_id(e.id)) {
        e.id = nullptr;
        e.notification = false;
        e.error = invalid_request("id must be a string, a number or null");
        return e;
    }
    auto method = req.find("method");
    if (method == req.end() || !method->is_string()) {
        e.error = invalid_request("Method must be a string");
        return e;
    }
    e.method = &*method;
    if (auto params = req.find("params"); params != req.end()) {
        if (!params->is_array() && !params->is_object() && !params->is_null()) {
            e.error = invalid_request("Params must be an array or an object");
            return e;
        }
        e.params = &*params;
    }
    return e;
}

// A method that throws answers -1 with the exception's text, as bitcoind does.
CallResult execute(const Entry& e, const MethodDispatcher& dispatch) {
    static const Json kNull;
    try {
        return dispatch(e.method->get_ref<const std::string&>(), e.params ? *e.params : kNull);
    } catch (const std::exception& ex) {
        return RpcError{code::kMiscError, std::string("Internal error: ") + ex.what(), false, nullptr};
    } catch (...) {
        return RpcError{code::kMiscError, "Internal error", false, nullptr};
    }
}

Json error_object(const RpcError& err) {
    Json out = Json::object();
    out["code"] = err.code;
    out["message"] = err.message;
    if (!err.data.is_null()) out["data"] = err.data;
    return out;
}

Json reply_object(Style style, Json id, CallResult&& r) {
    Json out = Json::object();
    if (style == Style::V2) {
        out["jsonrpc"] = "2.0";
        if (r.ok()) out["result"] = std::move(r.result());
        else out["error"] = error_object(r.error());
    } else {
        out["result"] = r.ok() ? std::move(r.result()) : Json(nullptr);
        out["error"] = r.ok() ? Json(nullptr) : error_object(r.error());
    }
    out["id"] = std::move(id);
    return out;
}

// bitcoind's HTTP status for a failed legacy request.
unsigned legacy_status(int error_code) {
    if (error_code == code::kInvalidRequest) return 400;
    if (error_code == code::kMethodNotFound) return 404;
    return 500;
}

HttpReply reply(unsigned status, const Json& body) { return {status, dump_json(body) + "\n", {}}; }

// An error found before any request's style is known (unparsable body, wrong top-level
// type): a JSON-RPC 2.0 error object with a null id, which legacy clients read as well.
HttpReply framing_error(unsigned status, int error_code, std::string message, const CallObserver& observe) {
    if (observe) observe(CallRecord{{}, error_code, {}});
    return reply(status, reply_object(Style::V2, nullptr, RpcError{error_code, std::move(message), false, nullptr}));
}

struct EntryReply {
    Json body;
    unsigned status = 200;  // what a lone request of this style would answer
    // A RawJson result: `body` then holds the envelope without it, and the text is spliced
    // in where the tree would have put it (entry_text).
    Style style = Style::V2;
    Json id;
    std::optional<CallResult> raw_result;  // holds a RawJson result (its pieces)
    const RawJson* raw() const { return raw_result ? raw_result->raw() : nullptr; }
};

// The envelope around a raw result: what comes before it and after it (without the id).
std::string_view raw_head(Style style) { return style == Style::V2 ? R"({"jsonrpc":"2.0","result":)" : R"({"result":)"; }
std::string_view raw_tail(Style style) { return style == Style::V2 ? R"(,"id":)" : R"(,"error":null,"id":)"; }

// The entry's compact JSON, exactly as dump_json(body) would write it had the raw result
// been a tree: {"jsonrpc":"2.0","result":R,"id":I} or {"result":R,"error":null,"id":I}.
std::string entry_text(const EntryReply& e) {
    if (!e.raw()) return dump_json(e.body);
    const std::string id = dump_json(e.id);
    std::string out;
    out.reserve(size_of(e.raw()->pieces) + id.size() + 40);
    out += raw_head(e.style);
    append_to(out, e.raw()->pieces);
    out += raw_tail(e.style);
    out += id;
    out += '}';
    return out;
}

// Runs one entry; nullopt for a notification (executed, never answered).
std::optional<EntryReply> run_entry(const Json& req, const MethodDispatcher& dispatch, const CallObserver& observe) {
    if (!req.is_object()) {
        if (observe) observe(CallRecord{{}, code::kInvalidRequest, {}});
        return EntryReply{reply_object(Style::V2, nullptr, invalid_request("Request must be an object")), 200,
                          Style::V2, nullptr, std::nullopt};
    }
    Entry e = read_entry(req);
    const auto started = observe ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    CallResult r = e.error ? CallResult(*e.error) : execute(e, dispatch);
    if (observe) {
        const auto took = std::chrono::steady_clock::now() - started;
        observe(CallRecord{e.method ? std::string_view(e.method->get_ref<const std::string&>()) : std::string_view(),
                           r.ok() ? 0 : r.error().code,
                           std::chrono::duration_cast<std::chrono::microseconds>(took)});
    }
    if (e.notification) return std::nullopt;
    const unsigned status = r.ok() || e.style == Style::V2 ? 200 : legacy_status(r.error().code);
    if (r.raw()) return EntryReply{Json(), status, e.style, std::move(e.id), std::move(r)};
    return EntryReply{reply_object(e.style, std::move(e.id), std::move(r)), status, e.style, nullptr, std::nullopt};
}

HttpReply handle_single(const Json& req, const MethodDispatcher& dispatch, const CallObserver& observe) {
    std::optional<EntryReply> out = run_entry(req, dispatch, observe);
    if (!out) return {204, {}, {}};
    const RawJson* raw = out->raw();
    if (!raw) return {out->status, entry_text(*out) + "\n", {}};
    // A raw result goes out as its pieces between the envelope's two ends, uncopied.
    HttpReply r{out->status, {}, {}};
    r.pieces.reserve(raw->pieces.size() + 2);
    r.pieces.push_back(std::make_shared<const std::string>(raw_head(out->style)));
    r.pieces.insert(r.pieces.end(), raw->pieces.begin(), raw->pieces.end());
    r.pieces.push_back(std::make_shared<const std::string>(std::string(raw_tail(out->style)) + dump_json(out->id) + "}\n"));
    return r;
}

// Batches always answer 200 (as bitcoind); each entry carries its own result or error.
HttpReply handle_batch(const Json& batch, const MethodDispatcher& dispatch, const CallObserver& observe,
                       size_t max_reply) {
    if (batch.empty()) return framing_error(200, code::kInvalidRequest, "Invalid Request: empty batch", observe);
    if (batch.size() > kMaxBatchEntries)
        return framing_error(200, code::kInvalidRequest,
                             "Invalid Request: more than " + std::to_string(kMaxBatchEntries) + " entries in a batch",
                             observe);
    const MethodDispatcher refuse = [](const std::string&, const Json&) -> CallResult {
        return RpcError{code::kInternalError,
                        "Reply too large: the batch's reply passed its limit; this entry was not run",
                        false, nullptr};
    };
    std::string out = "[";
    for (const Json& req : batch)
        if (std::optional<EntryReply> r = run_entry(req, out.size() > max_reply ? refuse : dispatch, observe)) {
            if (out.size() > 1) out += ',';
            out += entry_text(*r);
        }
    if (out.size() == 1) return {204, {}, {}};
    out += "]\n";
    return {200, std::move(out), {}};
}

}  // namespace

bool nesting_exceeds(std::string_view text, size_t max_depth) {
    size_t depth = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

std::string dump_json(const Json& j, int indent) {
    // Serializing into a per-thread buffer that keeps its capacity, then copying once, avoids
    // growing a fresh string step by step (it matters for replies of tens of kilobytes).
    thread_local std::string buffer;
    buffer.clear();
    nlohmann::detail::serializer<Json> serializer(nlohmann::detail::output_adapter<char>(buffer), ' ',
                                                  Json::error_handler_t::replace);
    serializer.dump(j, indent >= 0, false, static_cast<unsigned>(std::max(indent, 0)));
    std::string out(buffer);
    if (buffer.capacity() > (1u << 24)) std::string().swap(buffer);  // do not keep a huge one
    return out;
}

size_t size_of(const TextPieces& pieces) {
    size_t n = 0;
    for (const auto& p : pieces) n += p->size();
    return n;
}

void append_to(std::string& out, const TextPieces& pieces) {
    out.reserve(out.size() + size_of(pieces));
    for (const auto& p : pieces) out += *p;
}

std::string RawJson::text() const {
    std::string out;
    append_to(out, pieces);
    return out;
}

std::string HttpReply::text() const {
    std::string out = body;
    append_to(out, pieces);
    return out;
}

void HttpReply::flatten() {
    if (pieces.empty()) return;
    body = text();
    pieces.clear();
}

HttpReply handle_rpc_body(std::string_view body, const MethodDispatcher& dispatch, const CallObserver& observe,
                          size_t max_batch_reply) {
    if (nesting_exceeds(body, kMaxJsonDepth))
        return framing_error(500, code::kParseError,
                             "Parse error: JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels", observe);
    Json req = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded()) return framing_error(500, code::kParseError, "Parse error", observe);
    if (req.is_object()) return handle_single(req, dispatch, observe);
    if (req.is_array()) return handle_batch(req, dispatch, observe, max_batch_reply);
    return framing_error(400, code::kInvalidRequest, "Invalid Request: expected an object or an array", observe);
}

Json make_request(const std::string& method, Json params, Json id, bool jsonrpc2) {
    Json req = Json::object();
    if (jsonrpc2) req["jsonrpc"] = "2.0";
    req["method"] = method;
    req["params"] = std::move(params);
    req["id"] = std::move(id);
    return req;
}

}  // namespace finch::rpc
