// A fixture for calling RPC methods against FakeNode without sockets: call() returns the raw
// result, ok() expects success and gives the result, err() expects an error and gives it.
#pragma once

#include "rpc/methods.h"
#include "tests/rpc/fake_node.h"

#include <gtest/gtest.h>

#include <string>

namespace finch::rpc::test {

class MethodsFixture : public ::testing::Test {
protected:
    CallResult call(const std::string& method, const Json& params = Json::array()) {
        return call_method(node, method, params);
    }
    Json ok(const std::string& method, const Json& params = Json::array()) {
        CallResult r = call(method, params);
        EXPECT_TRUE(r.ok()) << method << " " << params.dump() << ": " << (r.ok() ? "" : r.error().message);
        return r.ok() ? r.result() : Json();
    }
    RpcError err(const std::string& method, const Json& params = Json::array()) {
        CallResult r = call(method, params);
        EXPECT_FALSE(r.ok()) << method << " " << params.dump() << " unexpectedly returned " << (r.ok() ? r.result().dump() : "");
        return r.ok() ? RpcError{} : r.error();
    }
    std::string hash(size_t height) const { return node.hashes.at(height).to_hex(); }

    FakeNode node;
};

}  // namespace finch::rpc::test
