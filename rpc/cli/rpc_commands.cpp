// Calling the node: params from arguments, --rpcwait retries, bitcoin-cli-style output, send.
#include "rpc/cli/rpc_commands.h"

#include "rpc/client.h"
#include "rpc/methods.h"

#include <chrono>
#include <thread>

namespace finch::cli {

namespace {

using rpc::Json;

// Worth retrying under --rpcwait: nobody listening yet, no cookie yet, or still starting.
bool node_not_ready(const Result<rpc::CallResult>& r) {
    if (!r) return r.error().code == rpc::kConnectFailed || r.error().code == "rpc-credentials";
    return !r->ok() && r->error().code == rpc::code::kInWarmup;
}

Result<rpc::CallResult> call_once(const CliOptions& o, const ChainParams& params, const std::string& method,
                                  const Json& call_params) {
    auto endpoint = resolve_endpoint(o, params);
    if (!endpoint) return endpoint.error();
    return rpc::call(*endpoint, method, call_params);
}

Outcome failure(const Rejection& r) {
    std::string hint;
    if (r.code == rpc::kConnectFailed)
        hint = "\n\nMake sure finchd is running and that you are connecting to the correct RPC port "
               "(--rpcconnect, --rpcport, --network).";
    return {1, "", "error: " + r.detail + hint + "\n"};
}

// The address that a secret key's transfers come from, or nullopt for a bad key.
std::optional<std::string> sender_address(const std::string& secret_hex, const ChainParams& params) {
    auto bytes = from_hex(secret_hex);
    if (!bytes || bytes->size() != 32) return std::nullopt;
    SecretKey secret;
    std::copy(bytes->begin(), bytes->end(), secret.bytes.begin());
    auto pub = derive_public_key(secret);
    if (!pub) return std::nullopt;
    return encode_address(account_id(*pub), params);
}

std::optional<uint64_t> next_nonce(const Json& account) {
    for (const char* key : {"pending_nonce", "nonce"}) {
        auto it = account.find(key);
        if (it != account.end() && it->is_number_unsigned()) return it->get<uint64_t>();
    }
    return std::nullopt;
}

}  // namespace

Result<Json> build_params(const std::vector<std::string>& args, bool named) {
    if (!named) {
        Json out = Json::array();
        for (const std::string& a : args) out.push_back(rpc::parse_cli_argument(a));
        return out;
    }
    Json out = Json::object();
    for (const std::string& a : args) {
        const size_t eq = a.find('=');
        if (eq == std::string::npos || eq == 0)
            return reject("usage", "with --named every argument is name=value, got '" + a + "'", Fault::Decode);
        out[a.substr(0, eq)] = rpc::parse_cli_argument(a.substr(eq + 1));
    }
    return out;
}

std::string format_result(const Json& result) {
    if (result.is_null()) return "";
    if (result.is_string()) return result.get<std::string>() + "\n";
    return rpc::dump_json(result, 2) + "\n";
}

std::string format_error(const rpc::RpcError& error) {
    std::string out = "error code: " + std::to_string(error.code) + "\nerror message:\n" + error.message + "\n";
    if (error.data.is_string() && !error.data.get<std::string>().empty() && error.data.get<std::string>() != error.message)
        out += "error detail: " + error.data.get<std::string>() + "\n";
    return out;
}

Result<rpc::CallResult> call_node(const CliOptions& o, const ChainParams& params, const std::string& method,
                                  const Json& call_params) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::seconds(o.rpcwait_timeout);
    for (;;) {
        auto r = call_once(o, params, method, call_params);
        if (!o.rpcwait || !node_not_ready(r)) return r;
        if (o.rpcwait_timeout != 0 && clock::now() >= deadline) return r;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

Outcome run_rpc_command(const CliOptions& o, const ChainParams& params, const std::string& method,
                        const std::vector<std::string>& args) {
    auto call_params = build_params(args, o.named);
    if (!call_params) return {1, "", "error: " + call_params.error().detail + "\n"};
    auto r = call_node(o, params, method, *call_params);
    if (!r) return failure(r.error());
    if (!r->ok()) return {1, "", format_error(r->error())};
    return {0, format_result(r->result()), ""};
}

Outcome send(const CliOptions& o, const ChainParams& params, const std::vector<std::string>& args) {
    std::map<std::string, std::string> flags;
    if (auto err = parse_flags(args, {"secret", "to", "amount", "fee"}, flags)) return {1, "", "error: " + *err + "\n"};
    for (const char* required : {"secret", "to", "amount"})
        if (!flags.count(required)) return {1, "", std::string("error: send needs --") + required + "\n"};
    if (!flags.count("fee")) flags["fee"] = kDefaultFee;
    TransferRequest req{flags["secret"], flags["to"], flags["amount"], flags["fee"], "0"};
    // Check every argument before asking the node anything.
    if (auto check = build_signed_transfer(params, req); !check) return {1, "", "error: " + check.error().detail + "\n"};
    const std::string from = sender_address(req.secret_hex, params).value();

    auto account = call_node(o, params, "getaccount", Json::array({from}));
    if (!account) return failure(account.error());
    if (!account->ok()) return {1, "", format_error(account->error())};
    auto nonce = next_nonce(account->result());
    if (!nonce) return {1, "", "error: getaccount returned no nonce for " + from + "\n"};
    req.nonce = std::to_string(*nonce);
    auto tx = build_signed_transfer(params, req);
    if (!tx) return {1, "", "error: " + tx.error().detail + "\n"};

    auto sent = call_node(o, params, "sendrawtransaction", Json::array({to_hex(tx->serialize())}));
    if (!sent) return failure(sent.error());
    if (!sent->ok()) return {1, "", format_error(sent->error())};
    return {0, format_result(sent->result()), ""};
}

}  // namespace finch::cli
