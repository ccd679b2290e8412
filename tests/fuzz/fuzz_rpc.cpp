// libFuzzer target: a JSON-RPC request body of arbitrary bytes through the whole
// request-to-reply step, with a dispatcher that echoes its params.
#include "rpc/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto dispatch = [](const std::string& method, const finch::rpc::Json& params) -> finch::rpc::CallResult {
        if (method == "echo") return finch::rpc::Json(params);
        finch::rpc::RpcError e;
        e.code = -32601;
        e.message = "Method not found";
        return e;
    };
    (void)finch::rpc::handle_rpc_body(body, dispatch);
    return 0;
}
