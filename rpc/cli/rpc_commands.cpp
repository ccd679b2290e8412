// Calling the node: params from arguments, --rpcwait retries and their timeout, bitcoin-cli-style
// output, help with finch-cli's local commands, send.
#include "rpc/cli/rpc_commands.h"

#include "rpc/client.h"
#include "rpc/methods.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
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
                                  const Json& call_params, std::optional<std::chrono::milliseconds> connect_timeout) {
    auto endpoint = resolve_endpoint(o, params);
    if (!endpoint) return endpoint.error();
    endpoint->connect_timeout = connect_timeout;
    return rpc::call(*endpoint, method, call_params);
}

// The error for a --rpcwait that ran out of time, from its last attempt: what was missing.
Rejection wait_timed_out(const CliOptions& o, const ServerAddress& address, const Result<rpc::CallResult>& last) {
    const std::string where = rpc::host_port_string(address.host, address.port);
    const std::string within = " within " + std::to_string(o.rpcwait_timeout) + " s";
    if (last)  // the node answered, but only "still starting"
        return reject("rpc-wait", "the server " + where + " was still starting after " +
                                      std::to_string(o.rpcwait_timeout) + " s (" + last->error().message + ")",
                      Fault::Policy);
    if (last.error().code == "rpc-credentials") {
        // No cookie: say whether anything listens there at all, since a cookie appears only
        // once the node is up.
        rpc::Endpoint ep;
        ep.host = address.host;
        ep.port = address.port;
        ep.timeout = std::chrono::seconds(2);
        if (Status listening = rpc::probe(ep); !listening)
            return reject(rpc::kConnectFailed, "could not connect to the server " + where + within, Fault::Policy);
        return reject("rpc-credentials", "the server " + where + " is listening, but no RPC credentials were found" +
                                             within + ": " + last.error().detail,
                      Fault::Policy);
    }
    return reject(rpc::kConnectFailed,
                  "could not connect to the server " + where + within + "\n(last attempt: " + last.error().detail + ")",
                  Fault::Policy);
}

// "Warning: ..." when --rpcconnect and --rpcport both name a port; "" otherwise.
std::string address_warning(const CliOptions& o, const ChainParams& params) {
    auto address = resolve_address(o, params);
    return address && !address->warning.empty() ? address->warning + "\n" : "";
}

Outcome with_warning(Outcome outcome, const std::string& warning) {
    outcome.err = warning + outcome.err;
    return outcome;
}

// help's topic: the first positional parameter or the named "command".
std::optional<std::string> help_topic(const Json& call_params) {
    const Json* topic = nullptr;
    if (call_params.is_array() && !call_params.empty()) topic = &call_params[0];
    else if (call_params.is_object() && call_params.contains("command")) topic = &call_params["command"];
    if (topic && topic->is_string()) return topic->get<std::string>();
    return std::nullopt;
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

// send without the --rpcconnect/--rpcport warning.
Outcome send_transfer(const CliOptions& o, const ChainParams& params, const std::vector<std::string>& args) {
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

}  // namespace

Result<Json> build_params(const std::string& method, const std::vector<std::string>& args, bool named) {
    auto usage = [](std::string message) { return reject("usage", std::move(message), Fault::Decode); };
    if (!named) {
        Json out = Json::array();
        for (const std::string& a : args) out.push_back(rpc::parse_cli_argument(a));
        return out;
    }
    Json out = Json::object(), positional = Json::array();
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const size_t eq = a.find('=');
        if (eq == std::string::npos) {
            positional.push_back(rpc::parse_cli_argument(a));
            continue;
        }
        // The text is not repeated: it may be a secret.
        if (eq == 0) return usage("with --named, argument #" + std::to_string(i + 1) + " has an empty name before '='");
        out[a.substr(0, eq)] = rpc::parse_cli_argument(a.substr(eq + 1));
    }
    if (positional.empty()) return out;
    const rpc::MethodSpec* spec = rpc::find_method(method);
    if (!spec) {
        // As bitcoin-cli: the server lines "args" up with its own parameter list.
        if (!out.contains("args")) out["args"] = std::move(positional);
        return out;
    }
    if (positional.size() > spec->params.size())
        return usage(method + " takes at most " + std::to_string(spec->params.size()) + " parameters, got " +
                     std::to_string(positional.size()) + " positional arguments");
    Json merged = Json::object();
    for (size_t i = 0; i < positional.size(); ++i) {
        const std::string name(spec->params[i].name);
        if (out.contains(name))
            return usage("Parameter " + name + " specified twice both as positional and named argument");
        merged[name] = std::move(positional[i]);
    }
    for (auto it = out.begin(); it != out.end(); ++it) merged[it.key()] = std::move(it.value());
    return merged;
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
    using namespace std::chrono;
    using clock = steady_clock;
    auto address = resolve_address(o, params);  // a malformed --rpcconnect is not worth waiting for
    if (!address) return address.error();
    const bool bounded = o.rpcwait && o.rpcwait_timeout != 0;
    const auto deadline = clock::now() + seconds(o.rpcwait_timeout);
    for (;;) {
        std::optional<milliseconds> connect_timeout;
        if (bounded)
            connect_timeout = std::max<milliseconds>(duration_cast<milliseconds>(deadline - clock::now()), 500ms);
        auto r = call_once(o, params, method, call_params, connect_timeout);
        if (!o.rpcwait || !node_not_ready(r)) return r;
        const auto now = clock::now();
        if (bounded && now >= deadline) return wait_timed_out(o, *address, r);
        std::this_thread::sleep_for(bounded ? std::min<clock::duration>(deadline - now, 1s) : clock::duration(1s));
    }
}

Outcome run_rpc_command(const CliOptions& o, const ChainParams& params, const std::string& method,
                        const std::vector<std::string>& args) {
    auto call_params = build_params(method, args, o.named);
    if (!call_params) return {1, "", "error: " + call_params.error().detail + "\n"};
    const std::optional<std::string> topic = method == "help" ? help_topic(*call_params) : std::nullopt;
    if (topic)
        if (auto local = local_command_help(*topic)) return {0, *local, ""};
    const std::string warning = address_warning(o, params);
    auto r = call_node(o, params, method, *call_params);
    if (!r) return with_warning(failure(r.error()), warning);
    if (!r->ok()) return {1, "", warning + format_error(r->error())};
    std::string out = format_result(r->result());
    if (method == "help" && !topic && r->result().is_string()) {
        while (out.size() >= 2 && out.ends_with("\n\n")) out.pop_back();
        out += "\n" + local_commands_overview();  // one blank line before it, as between the groups
    }
    return {0, std::move(out), warning};
}

Outcome send(const CliOptions& o, const ChainParams& params, const std::vector<std::string>& args) {
    const std::string warning = address_warning(o, params);
    return with_warning(send_transfer(o, params, args), warning);
}

}  // namespace finch::cli
