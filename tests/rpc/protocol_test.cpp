// JSON-RPC framing without sockets: both reply styles, batches, notifications, every
// standard error code, ids, params shapes and the nesting guard.
#include "rpc/protocol.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>
#include <vector>

namespace finch::rpc {
namespace {

// A dispatcher with these methods: echo (returns its params), fail (-8, marked as a params
// error when params is an object), typeerr (-3), misc (-1), boom (throws). Counts calls.
struct StubDispatcher {
    int calls = 0;
    MethodDispatcher fn() {
        return [this](const std::string& method, const Json& params) -> CallResult {
            ++calls;
            if (method == "echo") return Json(params);
            if (method == "fail") return RpcError{code::kInvalidParameter, "bad thing", params.is_object(), nullptr};
            if (method == "typeerr") return RpcError::params(code::kTypeError, "x must be a string");
            if (method == "misc") return RpcError::params(code::kMiscError, "m takes at most 0 parameters, got 1\nUsage: m");
            if (method == "boom") throw std::runtime_error("kaboom");
            if (method == "badutf8") return Json(std::string("\xff\xfe ok"));
            if (method == "raw") return RawJson{std::make_shared<const std::string>(dump_json(params))};
            if (method == "rawpieces") {  // the same text as raw, cut into three pieces
                const std::string text = dump_json(params);
                const size_t a = text.size() / 3, b = 2 * text.size() / 3;
                return RawJson(TextPieces{
                    std::make_shared<const std::string>(text.substr(0, a)),
                    std::make_shared<const std::string>(text.substr(a, b - a)),
                    std::make_shared<const std::string>(text.substr(b))});
            }
            return RpcError{code::kMethodNotFound, "Method not found", false, nullptr};
        };
    }
};

Json parse(const HttpReply& r) { return Json::parse(r.text()); }

class ProtocolTest : public ::testing::Test {
protected:
    HttpReply run(std::string_view body) { return handle_rpc_body(body, stub.fn()); }
    StubDispatcher stub;
};

TEST_F(ProtocolTest, LegacySuccessHasResultErrorAndId) {
    HttpReply r = run(R"({"method":"echo","params":[1,"a"],"id":7})");
    EXPECT_EQ(r.status, 200u);
    Json j = parse(r);
    EXPECT_EQ(j, Json::parse(R"({"result":[1,"a"],"error":null,"id":7})"));
    EXPECT_EQ(r.body.back(), '\n');
}

TEST_F(ProtocolTest, V2SuccessHasOnlyResult) {
    Json j = parse(run(R"({"jsonrpc":"2.0","method":"echo","params":{"x":1},"id":"abc"})"));
    EXPECT_EQ(j, Json::parse(R"({"jsonrpc":"2.0","result":{"x":1},"id":"abc"})"));
    EXPECT_FALSE(j.contains("error"));
}

TEST_F(ProtocolTest, LegacyStatusCodesFollowBitcoind) {
    HttpReply not_found = run(R"({"method":"nosuch","id":1})");
    EXPECT_EQ(not_found.status, 404u);
    EXPECT_EQ(parse(not_found)["error"]["code"], -32601);
    EXPECT_TRUE(parse(not_found)["result"].is_null());
    HttpReply other = run(R"({"method":"fail","id":1})");
    EXPECT_EQ(other.status, 500u);
    EXPECT_EQ(parse(other)["error"]["code"], -8);
    HttpReply invalid = run(R"({"method":5,"id":1})");
    EXPECT_EQ(invalid.status, 400u);
    EXPECT_EQ(parse(invalid)["error"]["code"], -32600);
}

TEST_F(ProtocolTest, V2ErrorsAreHttp200) {
    for (const char* body : {R"({"jsonrpc":"2.0","method":"nosuch","id":1})", R"({"jsonrpc":"2.0","method":"fail","id":1})",
                             R"({"jsonrpc":"2.0","method":5,"id":1})"}) {
        HttpReply r = run(body);
        EXPECT_EQ(r.status, 200u) << body;
        Json j = parse(r);
        EXPECT_FALSE(j.contains("result")) << body;
        EXPECT_TRUE(j["error"].contains("code")) << body;
    }
}

// Bitcoin Core's codes in both styles: a params error is never turned into -32602.
TEST_F(ProtocolTest, MethodErrorsKeepBitcoinCoreCodesInBothStyles) {
    const std::pair<const char*, int> cases[] = {
        {R"("method":"fail","params":{})", -8}, {R"("method":"fail","params":[])", -8},
        {R"("method":"typeerr","params":[1])", -3}, {R"("method":"misc","params":[1])", -1}};
    for (const auto& [request, expected] : cases) {
        Json v2 = parse(run(std::string(R"({"jsonrpc":"2.0",)") + request + R"(,"id":1})"));
        EXPECT_EQ(v2["error"]["code"], expected) << request;
        HttpReply legacy = run(std::string("{") + request + R"(,"id":1})");
        EXPECT_EQ(legacy.status, 500u) << request;
        EXPECT_EQ(parse(legacy)["error"]["code"], expected) << request;
        EXPECT_EQ(parse(legacy)["error"]["message"], v2["error"]["message"]) << request;
    }
}

TEST_F(ProtocolTest, ParseErrorIs32700) {
    HttpReply r = run(R"({"method":"echo",)");
    EXPECT_EQ(r.status, 500u);
    Json j = parse(r);
    EXPECT_EQ(j["error"]["code"], -32700);
    EXPECT_TRUE(j["id"].is_null());
    EXPECT_EQ(stub.calls, 0);
}

TEST_F(ProtocolTest, EmptyBodyIsParseError) { EXPECT_EQ(parse(run(""))["error"]["code"], -32700); }

TEST_F(ProtocolTest, DeepNestingIsRefusedWithoutParsing) {
    const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
    HttpReply r = run(deep);
    EXPECT_EQ(parse(r)["error"]["code"], -32700);
    EXPECT_EQ(stub.calls, 0);
    const std::string deep_in_params = R"({"method":"echo","params":)" + std::string(100, '[') + std::string(100, ']') + "}";
    EXPECT_EQ(parse(run(deep_in_params))["error"]["code"], -32700);
}

TEST_F(ProtocolTest, NestingAtTheLimitIsAccepted) {
    // The request object itself is one level; params add 63 more.
    const std::string ok = R"({"method":"echo","params":)" + std::string(63, '[') + std::string(63, ']') + R"(,"id":1})";
    EXPECT_EQ(run(ok).status, 200u);
}

TEST(NestingScan, IgnoresBracketsInStrings) {
    EXPECT_FALSE(nesting_exceeds(R"(["[[[[[[", "\"[[[[["])", 2));
    EXPECT_TRUE(nesting_exceeds("[[[", 2));
    EXPECT_FALSE(nesting_exceeds("[[]]", 2));
    EXPECT_FALSE(nesting_exceeds(R"({"a\\":"[[["})", 1));
    EXPECT_FALSE(nesting_exceeds("]]]]][[", 2));  // unbalanced closers do not go negative
}

TEST_F(ProtocolTest, TopLevelScalarIsInvalidRequest) {
    HttpReply r = run("42");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(parse(r)["error"]["code"], -32600);
}

TEST_F(ProtocolTest, EmptyBatchIsOneInvalidRequestError) {
    HttpReply r = run("[]");
    EXPECT_EQ(r.status, 200u);
    Json j = parse(r);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["error"]["code"], -32600);
    EXPECT_TRUE(j["id"].is_null());
}

TEST_F(ProtocolTest, MixedBatchAnswersEachEntry) {
    HttpReply r = run(R"([
        {"jsonrpc":"2.0","method":"echo","params":[1],"id":1},
        {"jsonrpc":"2.0","method":"echo","params":[2]},
        5,
        {"jsonrpc":"2.0","method":"nosuch","id":"b"},
        {"method":"echo","params":[3],"id":3},
        {"jsonrpc":"2.0","id":4}
    ])");
    EXPECT_EQ(r.status, 200u);
    Json j = parse(r);
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 5u);  // the notification gets no entry
    EXPECT_EQ(j[0], Json::parse(R"({"jsonrpc":"2.0","result":[1],"id":1})"));
    EXPECT_EQ(j[1]["error"]["code"], -32600);
    EXPECT_TRUE(j[1]["id"].is_null());
    EXPECT_EQ(j[2]["error"]["code"], -32601);
    EXPECT_EQ(j[2]["id"], "b");
    EXPECT_EQ(j[3], Json::parse(R"({"result":[3],"error":null,"id":3})"));
    EXPECT_EQ(j[4]["error"]["code"], -32600);
    EXPECT_EQ(j[4]["id"], 4);
    EXPECT_EQ(stub.calls, 4);  // the notification ran too
}

TEST_F(ProtocolTest, LegacyBatchIsHttp200EvenWithErrors) {
    HttpReply r = run(R"([{"method":"nosuch","id":1},{"method":"fail","id":2}])");
    EXPECT_EQ(r.status, 200u);
    Json j = parse(r);
    EXPECT_EQ(j[0]["error"]["code"], -32601);
    EXPECT_TRUE(j[0].contains("result"));
    EXPECT_EQ(j[1]["error"]["code"], -8);
}

TEST_F(ProtocolTest, LoneNotificationIs204AndStillRuns) {
    HttpReply r = run(R"({"jsonrpc":"2.0","method":"echo","params":[1]})");
    EXPECT_EQ(r.status, 204u);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(stub.calls, 1);
    EXPECT_EQ(run(R"({"jsonrpc":"2.0","method":"nosuch"})").status, 204u);
}

TEST_F(ProtocolTest, BatchOfNotificationsIs204) {
    HttpReply r = run(R"([{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"fail"}])");
    EXPECT_EQ(r.status, 204u);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(stub.calls, 2);
}

TEST_F(ProtocolTest, LegacyRequestWithoutIdIsAnsweredWithNullId) {
    HttpReply r = run(R"({"method":"echo","params":[]})");
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(parse(r)["id"].is_null());
}

TEST_F(ProtocolTest, IdsAreEchoed) {
    EXPECT_EQ(parse(run(R"({"jsonrpc":"2.0","method":"echo","id":null})"))["id"], nullptr);
    EXPECT_EQ(parse(run(R"({"jsonrpc":"2.0","method":"echo","id":-1.5})"))["id"], -1.5);
    EXPECT_EQ(parse(run(R"({"method":"echo","id":{"any":"thing"}})"))["id"], Json::parse(R"({"any":"thing"})"));
}

TEST_F(ProtocolTest, V2IdMustBeScalar) {
    Json j = parse(run(R"({"jsonrpc":"2.0","method":"echo","id":[1]})"));
    EXPECT_EQ(j["error"]["code"], -32600);
    EXPECT_TRUE(j["id"].is_null());
    EXPECT_EQ(stub.calls, 0);
}

TEST_F(ProtocolTest, JsonrpcVersions) {
    EXPECT_TRUE(parse(run(R"({"jsonrpc":"1.0","method":"echo","id":1})")).contains("error"));
    EXPECT_TRUE(parse(run(R"({"jsonrpc":"1.1","method":"echo","id":1})"))["error"].is_null());
    HttpReply bad = run(R"({"jsonrpc":"3.0","method":"echo","id":1})");
    EXPECT_EQ(bad.status, 400u);
    EXPECT_EQ(parse(bad)["error"]["code"], -32600);
}

TEST_F(ProtocolTest, ParamsShapes) {
    EXPECT_EQ(parse(run(R"({"method":"echo","id":1})"))["result"], nullptr);
    EXPECT_EQ(parse(run(R"({"method":"echo","params":null,"id":1})"))["result"], nullptr);
    EXPECT_EQ(parse(run(R"({"method":"echo","params":[],"id":1})"))["result"], Json::array());
    EXPECT_EQ(parse(run(R"({"method":"echo","params":{"a":1},"id":1})"))["result"]["a"], 1);
    Json bad = parse(run(R"({"jsonrpc":"2.0","method":"echo","params":"x","id":1})"));
    EXPECT_EQ(bad["error"]["code"], -32600);
}

// bitcoind turns an exception in a method into RPC_MISC_ERROR with its text.
TEST_F(ProtocolTest, ExceptionBecomesMiscError) {
    Json v2 = parse(run(R"({"jsonrpc":"2.0","method":"boom","id":1})"));
    EXPECT_EQ(v2["error"]["code"], -1);
    EXPECT_NE(v2["error"]["message"].get<std::string>().find("kaboom"), std::string::npos);
    HttpReply legacy = run(R"({"method":"boom","id":1})");
    EXPECT_EQ(legacy.status, 500u);
    EXPECT_EQ(parse(legacy)["error"]["code"], -1);
}

// Only framing errors and unknown methods use the -326xx codes.
TEST_F(ProtocolTest, MinusThirtyTwoThousandCodesOnlyForProtocolErrors) {
    for (const char* body : {R"({"jsonrpc":"2.0","method":"fail","params":{},"id":1})",
                             R"({"jsonrpc":"2.0","method":"typeerr","id":1})", R"({"jsonrpc":"2.0","method":"boom","id":1})",
                             R"({"method":"misc","id":1})"}) {
        const int c = parse(run(body))["error"]["code"].get<int>();
        EXPECT_TRUE(c > -32000) << body << " answered " << c;
    }
    EXPECT_EQ(parse(run("{"))["error"]["code"], -32700);
    EXPECT_EQ(parse(run(R"({"method":[],"id":1})"))["error"]["code"], -32600);
    EXPECT_EQ(parse(run(R"({"method":"nosuch","id":1})"))["error"]["code"], -32601);
}

// The observer (the server's debug log) sees every request object: method, code, duration.
TEST_F(ProtocolTest, ObserverSeesEveryRequest) {
    std::vector<std::pair<std::string, int>> seen;
    CallObserver observe = [&](const CallRecord& r) {
        seen.emplace_back(std::string(r.method), r.error_code);
        EXPECT_GE(r.duration.count(), 0);
    };
    auto go = [&](std::string_view body) { return handle_rpc_body(body, stub.fn(), observe); };
    go(R"({"method":"echo","id":1})");
    go(R"({"jsonrpc":"2.0","method":"fail","params":[],"id":1})");
    go(R"({"jsonrpc":"2.0","method":"echo"})");  // a notification is logged too
    go("not json");
    go(std::string(100, '['));
    go("[]");
    go(R"([{"method":"echo","id":1},7,{"method":"nosuch","id":2},{"method":5,"id":3}])");
    const std::vector<std::pair<std::string, int>> expected = {
        {"echo", 0}, {"fail", -8}, {"echo", 0}, {"", -32700}, {"", -32700}, {"", -32600},
        {"echo", 0}, {"", -32600}, {"nosuch", -32601}, {"", -32600}};
    EXPECT_EQ(seen, expected);
    // Without an observer nothing changes.
    EXPECT_EQ(parse(run(R"({"method":"echo","params":[1],"id":1})"))["result"], Json::array({1}));
}

TEST_F(ProtocolTest, InvalidUtf8InResultIsReplacedNotThrown) {
    HttpReply r = run(R"({"method":"badutf8","id":1})");
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(parse(r)["result"].is_string());
}

TEST_F(ProtocolTest, InvalidUtf8InRequestIsParseError) {
    EXPECT_EQ(parse(run("{\"method\":\"echo\xff\",\"id\":1}"))["error"]["code"], -32700);
}

TEST_F(ProtocolTest, ErrorDataIsCarried) {
    MethodDispatcher d = [](const std::string&, const Json&) -> CallResult {
        return RpcError{code::kVerifyRejected, "nonce-too-low", false, Json("expected 5")};
    };
    Json j = parse(handle_rpc_body(R"({"method":"x","id":1})", d));
    EXPECT_EQ(j["error"]["code"], -26);
    EXPECT_EQ(j["error"]["message"], "nonce-too-low");
    EXPECT_EQ(j["error"]["data"], "expected 5");
}

TEST(MakeRequest, BothStyles) {
    EXPECT_EQ(make_request("m", Json::array({1}), 3, true), Json::parse(R"({"jsonrpc":"2.0","method":"m","params":[1],"id":3})"));
    EXPECT_FALSE(make_request("m", nullptr, 3, false).contains("jsonrpc"));
}


// A result already serialized (RawJson) is spliced in: the reply is byte for byte what the
// same result as a tree gives, in both styles, alone and in batches, with any id.
TEST_F(ProtocolTest, RawResultsReadExactlyLikeTrees) {
    const std::vector<std::string> params = {R"([{"a":[1,2,{"b":"x\u0001"}]},null,true,-5,"s"])", "[]"};
    for (const std::string& p : params)
        for (const std::string& head : {std::string(R"("jsonrpc":"2.0",)"), std::string()})
            for (const std::string& id : {std::string("1"), std::string(R"("id-\"q")"), std::string("null")}) {
                const std::string tail = R"(,"params":)" + p + R"(,"id":)" + id + "}";
                const std::string as_tree = "{" + head + R"("method":"echo")" + tail;
                const std::string as_raw = "{" + head + R"("method":"raw")" + tail;
                HttpReply a = run(as_tree), b = run(as_raw);
                EXPECT_EQ(a.status, b.status);
                EXPECT_EQ(a.text(), b.text()) << as_raw;
                EXPECT_TRUE(a.pieces.empty());
                EXPECT_FALSE(b.pieces.empty());  // sent as it lies, not joined
                const std::string as_pieces = "{" + head + R"("method":"rawpieces")" + tail;
                HttpReply c = run(as_pieces);
                EXPECT_EQ(a.text(), c.text()) << as_pieces;
                EXPECT_TRUE(c.body.empty());
                EXPECT_EQ(c.pieces.size(), 5u);  // the envelope's two ends around the three
                HttpReply batch_a = run("[" + as_tree + "," + as_tree + "]");
                HttpReply batch_b = run("[" + as_raw + "," + as_tree + "]");
                HttpReply batch_c = run("[" + as_tree + "," + as_pieces + "]");
                EXPECT_EQ(batch_a.body, batch_b.body);
                EXPECT_EQ(batch_a.body, batch_c.body);
                EXPECT_TRUE(batch_c.pieces.empty());  // a batch is joined into one body
                EXPECT_EQ(Json::parse(batch_b.body).size(), 2u);
                HttpReply flat = c;
                flat.flatten();
                EXPECT_EQ(flat.body, a.body);
                EXPECT_TRUE(flat.pieces.empty());
            }
    // A batch's reply is bounded: past the limit, the entries left are not run and answer -32603.
    {
        StubDispatcher counting;
        std::string batch = "[";
        for (int i = 0; i < 10; ++i) batch += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","method":"raw","params":[")" +
                                              std::string(100, 'x') + R"("],"id":)" + std::to_string(i) + "}";
        batch += "]";
        HttpReply capped = handle_rpc_body(batch, counting.fn(), {}, 300);
        Json entries = Json::parse(capped.body);
        ASSERT_EQ(entries.size(), 10u);
        EXPECT_EQ(counting.calls, 3);  // 3 x ~140 bytes passed 300: the other 7 never ran
        EXPECT_EQ(entries[2]["result"][0], std::string(100, 'x'));
        EXPECT_EQ(entries[3]["error"]["code"], -32603);
        EXPECT_EQ(entries[9]["id"], 9);
    }
    // A method's caller that wants the tree (tests, tools) still gets one.
    CallResult r = RawJson{std::make_shared<const std::string>(R"({"x":[1,2]})")};
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r.raw_text());
    EXPECT_EQ(r.result()["x"][1], 2);
    EXPECT_TRUE(r.raw_text());  // the text is kept beside the tree
}

}  // namespace
}  // namespace finch::rpc
