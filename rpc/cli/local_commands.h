// finch-cli commands that need no node: keygen and signtx, their help, and the argument
// parsing they share with send. No error message repeats an argument's value (it may be a key).
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
// Returns an error message on an unknown, repeated or valueless flag, or on a value with no
// flag before it; the message names flags and positions, never values.
std::optional<std::string> parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& allowed,
                                       std::map<std::string, std::string>& out);

// A non-negative integer in base units, at most kMaxMoney; rejects signs, spaces, overflow.
std::optional<Amount> parse_amount(const std::string& text);
std::optional<uint64_t> parse_u64(const std::string& text);

// An option name as it may appear in an error: "--name" when it looks like one, else a
// placeholder (a long or odd name may be a secret typed in the wrong place).
std::string displayable_option(const std::string& name);

// `finch-cli help keygen|signtx|send`: the local command's description; nullopt for others.
std::optional<std::string> local_command_help(const std::string& command);
// The section appended to the node's `help` overview.
std::string local_commands_overview();

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
