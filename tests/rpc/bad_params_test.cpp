// The bad-input corpus for RPC parameters, driven by the method table: for every method and
// every parameter, values of each wrong kind (wrong JSON type, negative, beyond 64 bits, a
// fraction, non-hex, wrong length, not an allowed word, an undecodable address, null), a
// missing required parameter and one too many. Each call gets Bitcoin Core's code for it
// (docs/rpc.md, "Error codes"), is marked as a parameter error, never throws and never
// echoes a huge value.
#include "rpc/methods.h"
#include "tests/rpc/fake_node.h"

#include <gtest/gtest.h>

namespace finch::rpc {
namespace {

struct Bad {
    const char* what;
    Json value;
    int code;
};

// Wrong values for a parameter of this kind, with the code each must get.
std::vector<Bad> wrong_values(const ParamSpec& p) {
    const Json huge = Json::parse("100000000000000000000000000000");  // beyond 64 bits
    std::vector<Bad> out = {{"object", Json::object(), -3}, {"array", Json::array({1}), -3}};
    switch (p.type) {
        case ParamType::Integer:
            out.insert(out.end(), {{"string", "1", -3}, {"fraction", 0.5, -3}, {"bool", true, -3},
                                   {"negative", -1, -8}, {"huge", huge, -8}, {"2^64", Json::parse("18446744073709551616"), -8}});
            break;
        case ParamType::Bool:
            out.insert(out.end(), {{"string", "yes", -3}, {"number", 2, -3}});
            break;
        case ParamType::IntegerOrBool:
            out.insert(out.end(), {{"string", "1", -3}, {"fraction", 0.5, -3}, {"negative", -1, -8}, {"huge", huge, -8}});
            break;
        case ParamType::String:
            out.insert(out.end(), {{"number", 5, -3}, {"bool", false, -3}});
            if (!p.choices.empty()) out.push_back({"not an allowed word", "nope", -8});
            break;
        case ParamType::Hash:
            out.insert(out.end(), {{"number", 5, -3}, {"short", "abc", -8}, {"non-hex", std::string(64, 'z'), -8},
                                   {"long", std::string(66, 'a'), -8}, {"huge string", std::string(100'000, 'f'), -8}});
            break;
        case ParamType::Address:
            out.insert(out.end(), {{"number", 5, -3}, {"garbage", "nonsense", -5}, {"empty", "", -5},
                                   {"huge string", std::string(100'000, 'q'), -5}});
            break;
        case ParamType::Object:
            out = {{"string", "x", -3}, {"number", 5, -3}, {"array", Json::array({1}), -3}};
            break;
    }
    if (p.required) out.push_back({"null for required", nullptr, -3});
    return out;
}

// A value of the right kind, so that later parameters can be reached.
Json good_value(const ParamSpec& p, const test::FakeNode& node) {
    switch (p.type) {
        case ParamType::Integer: return 1;
        case ParamType::Bool: return true;
        case ParamType::IntegerOrBool: return 1;
        case ParamType::String: return p.choices.empty() ? Json("00") : Json(std::string(p.choices.front()));
        case ParamType::Hash: return node.hashes.back().to_hex();
        case ParamType::Address: return encode_address(test::account_of("bob"), node.params());
        case ParamType::Object: return Json::object();
    }
    return nullptr;
}

void expect_params_error(test::FakeNode& node, const MethodSpec& m, const Json& params, int code, const std::string& what) {
    SCOPED_TRACE(std::string(m.name) + " " + what);
    CallResult r = CallResult(Json());
    ASSERT_NO_THROW(r = call_method(node, std::string(m.name), params));
    ASSERT_FALSE(r.ok()) << params.dump().substr(0, 200) << " returned " << r.result().dump().substr(0, 200);
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_TRUE(r.error().bad_params) << r.error().message;
    EXPECT_LT(r.error().message.size(), 600u) << "a huge value was echoed";
}

TEST(BadParams, EveryParameterRefusesEveryWrongKind) {
    test::FakeNode node;
    size_t calls = 0;
    for (const MethodSpec& m : method_table()) {
        for (size_t i = 0; i < m.params.size(); ++i) {
            Json prefix = Json::array();
            for (size_t j = 0; j < i; ++j) prefix.push_back(good_value(m.params[j], node));
            for (const Bad& bad : wrong_values(m.params[i])) {
                Json params = prefix;
                params.push_back(bad.value);
                expect_params_error(node, m, params, bad.code, m.params[i].name.data() + std::string(": ") + bad.what);
                // The same by name.
                Json named = Json::object();
                for (size_t j = 0; j < i; ++j) named[std::string(m.params[j].name)] = prefix[j];
                named[std::string(m.params[i].name)] = bad.value;
                expect_params_error(node, m, named, bad.code, m.params[i].name.data() + std::string(" (named): ") + bad.what);
                calls += 2;
            }
        }
    }
    EXPECT_GT(calls, 300u);
}

TEST(BadParams, MissingAndExtraParameters) {
    test::FakeNode node;
    for (const MethodSpec& m : method_table()) {
        Json all = Json::array();
        for (const ParamSpec& p : m.params) all.push_back(good_value(p, node));
        Json extra = all;
        extra.push_back(1);
        expect_params_error(node, m, extra, -1, "one too many");
        Json unknown = Json::object({{"nosuchparameter", 1}});
        expect_params_error(node, m, unknown, -8, "unknown named parameter");
        for (size_t i = 0; i < m.params.size(); ++i) {
            if (!m.params[i].required) continue;
            Json missing = all;
            missing.erase(missing.begin() + static_cast<std::ptrdiff_t>(i), missing.end());
            expect_params_error(node, m, missing, -1, "missing " + std::string(m.params[i].name));
        }
    }
}

TEST(BadParams, ParamsOfTheWrongShapeAreAProtocolError) {
    test::FakeNode node;
    const MethodDispatcher dispatch = make_dispatcher(node);
    for (const MethodSpec& m : method_table()) {
        for (const char* params : {R"("x")", "5", "true"}) {
            const std::string body =
                R"({"jsonrpc":"2.0","id":1,"method":")" + std::string(m.name) + R"(","params":)" + params + "}";
            const HttpReply reply = handle_rpc_body(body, dispatch);
            const Json j = Json::parse(reply.text());
            EXPECT_EQ(j["error"]["code"], code::kInvalidRequest) << m.name << " " << params;
        }
    }
}

}  // namespace
}  // namespace finch::rpc
