// JSON-RPC framing without sockets: both reply styles, batches, notifications, every
// standard error code, ids, params shapes and the nesting guard.
#include "rpc/protocol.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace finch::rpc {
namespace {

// A dispatcher with three methods: echo (returns its params), fail (-8, or -32602 style
// params error when params is an object), boom (throws). Counts calls.
struct StubDispatcher {
    int calls = 0;
    MethodDispatcher fn() {
        return [this](const std::string& method, const Json& params) -> CallResult {
            ++calls;
            if (method == "echo") return Json(params);
            if (method == "fail") return RpcError{code::kInvalidParameter, "bad thing", params.is_object(), nullptr};
            if (method == "boom") throw std::runtime_error("kaboom");
            if (method == "badutf8") return Json(std::string("\xff\xfe ok"));
            return RpcError{code::kMethodNotFound, "Method not found", false, nullptr};
        };
    }
};

Json parse(const HttpReply& r) { return Json::parse(r.body); }

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

TEST_F(ProtocolTest, ParamsErrorsAreMinus32602OnlyInV2) {
    EXPECT_EQ(parse(run(R"({"jsonrpc":"2.0","method":"fail","params":{},"id":1})"))["error"]["code"], -32602);
    EXPECT_EQ(parse(run(R"({"method":"fail","params":{},"id":1})"))["error"]["code"], -8);
    EXPECT_EQ(parse(run(R"({"jsonrpc":"2.0","method":"fail","params":[],"id":1})"))["error"]["code"], -8);
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

TEST_F(ProtocolTest, ExceptionBecomesInternalError) {
    Json v2 = parse(run(R"({"jsonrpc":"2.0","method":"boom","id":1})"));
    EXPECT_EQ(v2["error"]["code"], -32603);
    EXPECT_NE(v2["error"]["message"].get<std::string>().find("kaboom"), std::string::npos);
    HttpReply legacy = run(R"({"method":"boom","id":1})");
    EXPECT_EQ(legacy.status, 500u);
    EXPECT_EQ(parse(legacy)["error"]["code"], -32603);
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

}  // namespace
}  // namespace finch::rpc
