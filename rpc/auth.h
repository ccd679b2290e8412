// HTTP Basic authentication for the RPC server and client: credentials, base64 and a
// comparison whose time does not depend on how much of a guess is right.
#pragma once

#include "consensus/hash.h"

#include <optional>
#include <string>
#include <string_view>

namespace finch::rpc {

struct Credentials {
    std::string user;
    std::string password;
};

std::string base64_encode(std::string_view data);
// Strict RFC 4648 decoding with padding; nullopt on any other character or length.
std::optional<std::string> base64_decode(std::string_view text);

// The value of an Authorization header for these credentials: "Basic <base64(user:password)>".
std::string basic_authorization(const Credentials& credentials);

// Checks Authorization header values against fixed credentials. Both sides are hashed
// first, so the comparison takes the same time whatever the length or content of a guess.
class BasicAuthChecker {
public:
    explicit BasicAuthChecker(const Credentials& credentials);
    bool accepts(std::string_view authorization_header) const;

private:
    Hash256 m_expected;  // SHA-256 of "user:password"
};

}  // namespace finch::rpc
