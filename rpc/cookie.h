// The RPC cookie file: finchd writes fresh random credentials to <datadir>/<network>/.cookie
// (mode 0600) at start and removes them at shutdown; finch-cli reads them.
#pragma once

#include "consensus/result.h"
#include "rpc/auth.h"

#include <filesystem>

namespace finch::rpc {

inline constexpr const char* kCookieUser = "__cookie__";
inline constexpr const char* kCookieFileName = ".cookie";

// User "__cookie__" and a password of 64 hex characters (32 bytes from RAND_bytes).
// Rejection code: cookie-random.
Result<Credentials> generate_cookie();

// Writes "user:password" to a temporary file with mode 0600, then renames it over `path`,
// so a reader never sees a partial cookie. Rejection code: cookie-write.
Status write_cookie(const std::filesystem::path& path, const Credentials& credentials);

// Removes the cookie; a missing file is not an error. Rejection code: cookie-remove.
Status remove_cookie(const std::filesystem::path& path);

// Reads "user:password" (one line, trailing newline allowed). Rejection code: cookie-read.
Result<Credentials> read_cookie(const std::filesystem::path& path);

// <datadir>/<network name>/.cookie
std::filesystem::path cookie_path(const std::filesystem::path& datadir, const std::string& network_name);

}  // namespace finch::rpc
