// Helpers shared by finch-cli's tests (cli_test.cpp, cli_server_test.cpp).
#pragma once

#include "rpc/cli/cli_options.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace finch::cli::test {

inline CliOptions parse_ok(const std::vector<std::string>& args) {
    auto r = parse_cli_args(args);
    EXPECT_TRUE(r) << (r ? "" : r.error().detail);
    return r ? *r : CliOptions{};
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A plausible secret key (64 hex) and a malformed one (63 hex).
inline const std::string kSecret = "5f1e3c0a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";
inline const std::string kShortSecret = kSecret.substr(0, 63);

class TempDir : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/finch-cli-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

}  // namespace finch::cli::test
