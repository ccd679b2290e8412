// finch-cli commands that need no node: keygen and signtx.
#pragma once

#include "consensus/params.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace finch::cli {

struct Outcome {
    int exit_code = 0;
    std::string out;  // printed on stdout
    std::string err;  // printed on stderr
};

// Parses "--name value" and "--name=value" pairs; every flag must be in `allowed`.
// Returns an error message on an unknown, repeated or valueless flag.
std::optional<std::string> parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& allowed,
                                       std::map<std::string, std::string>& out);

// A non-negative integer in base units, at most kMaxMoney; rejects signs, spaces, overflow.
std::optional<Amount> parse_amount(const std::string& text);
std::optional<uint64_t> parse_u64(const std::string& text);

Outcome keygen(const ChainParams& params, const std::vector<std::string>& args);
Outcome signtx(const ChainParams& params, const std::vector<std::string>& args);

// Builds and signs a transfer; on bad input returns an error message.
struct TransferRequest {
    std::string secret_hex;
    std::string to;
    std::string amount;
    std::string fee;
    std::string nonce;
};
Result<Transaction> build_signed_transfer(const ChainParams& params, const TransferRequest& req);

}  // namespace finch::cli
