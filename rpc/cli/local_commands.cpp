// keygen and signtx: key material never leaves this process.
#include "rpc/cli/local_commands.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace finch::cli {

std::optional<std::string> parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& allowed,
                                       std::map<std::string, std::string>& out) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0) return "unexpected argument '" + a + "'";
        std::string name = a.substr(2), value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) return "unknown option --" + name;
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
    if (!secret_bytes || secret_bytes->size() != 32) return bad("--secret must be 64 hex characters");
    SecretKey secret;
    std::copy(secret_bytes->begin(), secret_bytes->end(), secret.bytes.begin());
    auto pub = derive_public_key(secret);
    if (!pub) return bad("--secret is not a valid secp256k1 secret key");
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
