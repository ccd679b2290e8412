// keygen and signtx: key material never leaves this process, nor shows up in a message.
#include "rpc/cli/local_commands.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace finch::cli {

std::string displayable_option(const std::string& name) {
    const bool plain = !name.empty() && name.size() <= 20 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '?';
    });
    return plain ? "--" + name : "(name not shown)";
}

std::optional<std::string> parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& allowed,
                                       std::map<std::string, std::string>& out) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0)
            return "unexpected argument #" + std::to_string(i + 1) +
                   " (not shown: it may be a secret); every value follows its --flag, and --stdinsecret reads the "
                   "secret key from stdin";
        std::string name = a.substr(2), value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
            return "unknown option " + displayable_option(name);
        if (!has_value) {
            if (i + 1 >= args.size()) return "option --" + name + " needs a value";
            value = args[++i];
        }
        if (!out.emplace(name, value).second) return "option --" + name + " given twice";
    }
    return std::nullopt;
}

std::optional<uint64_t> parse_u64(const std::string& text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, static_cast<uint64_t>(c - '0'), &v))
            return std::nullopt;
    }
    return v;
}

std::optional<Amount> parse_amount(const std::string& text) {
    auto v = parse_u64(text);
    if (!v || !money_range(*v)) return std::nullopt;
    return v;
}

namespace {

struct LocalHelp {
    const char* name;
    const char* usage;
    const char* text;
};

constexpr const char* kSecretArgs =
    R"(  --secret HEX     the sender's secret key, 64 hex characters. Visible in `ps` and kept in shell
                   history: prefer --stdinsecret
  --stdinsecret    read the secret key from the first line of stdin instead (after the
                   password line when --stdinrpcpass is given too)
)";

const LocalHelp kLocalHelp[] = {
    {"keygen", "keygen",
     R"(
finch-cli local command (no node needed): makes a new secp256k1 key and prints its secret,
public key and this network's address. Whoever has the secret can spend the account: store
it safely.

Result:
{ "secret": "hex", "pubkey": "hex", "address": "str" }

Examples:
> finch-cli --regtest keygen
)"},
    {"signtx", "signtx ( --secret HEX | --stdinsecret ) --to ADDR --amount N --fee N --nonce N",
     R"(
finch-cli local command (no node needed): signs a transfer and prints the raw transaction,
to be submitted with sendrawtransaction. The signature commits to the network's genesis block.

Arguments:
%SECRET%  --to ADDR        the recipient's address
  --amount N       the amount in base units (1 coin = 100000000)
  --fee N          the fee in base units
  --nonce N        the sender's next nonce (getaccount's pending_nonce)

Result:
"hex" (string) the raw transaction

Examples:
> finch-cli --regtest --stdinsecret signtx --to fcrt1q... --amount 5000 --fee 1000 --nonce 0 < keyfile
)"},
    {"send", "send ( --secret HEX | --stdinsecret ) --to ADDR --amount N ( --fee N )",
     R"(
finch-cli command: looks up the sender's next nonce with getaccount (pending_nonce), signs the
transfer locally and submits it with sendrawtransaction. The secret key never leaves finch-cli.

Arguments:
%SECRET%  --to ADDR        the recipient's address
  --amount N       the amount in base units (1 coin = 100000000)
  --fee N          the fee in base units (default 1000)

Result:
"hex" (string) the transaction id

Examples:
> finch-cli --regtest --stdinsecret send --to fcrt1q... --amount 5000 < keyfile
)"},
};

}  // namespace

std::optional<std::string> local_command_help(const std::string& command) {
    for (const LocalHelp& h : kLocalHelp) {
        if (command != h.name) continue;
        std::string text = std::string(h.usage) + "\n" + h.text;
        if (auto at = text.find("%SECRET%"); at != std::string::npos) text.replace(at, 8, kSecretArgs);
        return text;
    }
    return std::nullopt;
}

std::string local_commands_overview() {
    std::string out = "== finch-cli local commands ==\n";
    for (const LocalHelp& h : kLocalHelp) out += std::string(h.usage) + "\n";
    return out;
}

Outcome keygen(const ChainParams& params, const std::vector<std::string>& args) {
    if (!args.empty()) return {1, "", "error: keygen takes no arguments\n"};
    SecretKey secret = generate_secret_key();
    PublicKey pub = *derive_public_key(secret);
    nlohmann::ordered_json j;
    j["secret"] = to_hex(secret.span());
    j["pubkey"] = to_hex(pub.span());
    j["address"] = encode_address(account_id(pub), params);
    return {0, j.dump(2) + "\n", ""};
}

Result<Transaction> build_signed_transfer(const ChainParams& params, const TransferRequest& req) {
    auto bad = [](std::string msg) { return reject("bad-argument", std::move(msg), Fault::Decode); };
    auto secret_bytes = from_hex(req.secret_hex);
    if (!secret_bytes || secret_bytes->size() != 32)
        return bad("the secret key (--secret or --stdinsecret) must be 64 hex characters");
    SecretKey secret;
    std::copy(secret_bytes->begin(), secret_bytes->end(), secret.bytes.begin());
    auto pub = derive_public_key(secret);
    if (!pub) return bad("the secret key (--secret or --stdinsecret) is not a valid secp256k1 secret key");
    auto to = decode_address(req.to, params);
    if (!to) return bad("--to: " + to.error().to_string());
    auto amount = parse_amount(req.amount);
    if (!amount) return bad("--amount must be an integer number of base units between 0 and " + std::to_string(kMaxMoney));
    auto fee = parse_amount(req.fee);
    if (!fee) return bad("--fee must be an integer number of base units between 0 and " + std::to_string(kMaxMoney));
    auto nonce = parse_u64(req.nonce);
    if (!nonce) return bad("--nonce must be a non-negative integer");

    Transaction tx = signed_transfer(secret, *pub, *to, *amount, *fee, *nonce, params.genesis_hash);
    if (auto s = check_transaction(tx); !s) return bad(s.error().to_string());
    return tx;
}

Outcome signtx(const ChainParams& params, const std::vector<std::string>& args) {
    std::map<std::string, std::string> flags;
    if (auto err = parse_flags(args, {"secret", "to", "amount", "fee", "nonce"}, flags))
        return {1, "", "error: " + *err + "\n"};
    for (const char* required : {"secret", "to", "amount", "fee", "nonce"})
        if (!flags.count(required)) return {1, "", std::string("error: signtx needs --") + required + "\n"};
    auto tx = build_signed_transfer(params, {flags["secret"], flags["to"], flags["amount"], flags["fee"], flags["nonce"]});
    if (!tx) return {1, "", "error: " + tx.error().detail + "\n"};
    return {0, to_hex(tx->serialize()) + "\n", ""};
}

}  // namespace finch::cli
