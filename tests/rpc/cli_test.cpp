// finch-cli's client side: option forms, config file, credentials, params from arguments,
// bitcoin-cli-style output, and real calls (including send and --rpcwait) against a server
// in front of FakeNode.
#include "rpc/cli/cli_options.h"
#include "rpc/cli/rpc_commands.h"
#include "rpc/cookie.h"
#include "rpc/server.h"
#include "tests/rpc/fake_node.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

namespace finch::cli {
namespace {

using namespace std::chrono_literals;
using rpc::Json;

CliOptions parse_ok(const std::vector<std::string>& args) {
    auto r = parse_cli_args(args);
    EXPECT_TRUE(r) << (r ? "" : r.error().detail);
    return r ? *r : CliOptions{};
}

TEST(CliOptions, AllOptionForms) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--rpcport", "5000", "getblockcount"},
                                                                  {"--rpcport=5000", "getblockcount"},
                                                                  {"-rpcport=5000", "getblockcount"},
                                                                  {"-rpcport", "5000", "getblockcount"}}) {
        CliOptions o = parse_ok(args);
        EXPECT_EQ(o.rpcport, 5000);
        EXPECT_EQ(o.command, std::vector<std::string>{"getblockcount"});
    }
}

TEST(CliOptions, FlagsShortcutsAndCommandArguments) {
    CliOptions o = parse_ok({"-regtest", "--named", "-stdin", "--rpcwait", "--rpcwaittimeout=5", "--datadir", "/d",
                             "getblockhash", "-1", "--not-an-option"});
    EXPECT_EQ(o.network, "regtest");
    EXPECT_TRUE(o.named);
    EXPECT_TRUE(o.read_stdin);
    EXPECT_TRUE(o.rpcwait);
    EXPECT_EQ(o.rpcwait_timeout, 5u);
    EXPECT_EQ(o.datadir, "/d");
    EXPECT_EQ(o.conf, "/d/finch.conf");
    EXPECT_EQ(o.command, (std::vector<std::string>{"getblockhash", "-1", "--not-an-option"}));
    EXPECT_EQ(parse_ok({"--testnet", "x"}).network, "test");
    EXPECT_FALSE(parse_ok({"--rpcwait=0", "x"}).rpcwait);
}

TEST(CliOptions, Errors) {
    EXPECT_FALSE(parse_cli_args({"--bogus", "x"}));
    EXPECT_FALSE(parse_cli_args({"--rpcport"}));
    EXPECT_FALSE(parse_cli_args({"--rpcport", "70000", "x"}));
    EXPECT_FALSE(parse_cli_args({"--named=maybe", "x"}));
    EXPECT_FALSE(parse_cli_args({"--rpcwaittimeout", "-3", "x"}));
}

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

using CliConfig = TempDir;

TEST_F(CliConfig, ConfigFileFillsWhatTheCommandLineLeftUnset) {
    std::ofstream(dir / "finch.conf") << "# node settings\nnetwork=regtest\nrpcport = 12345\nrpcuser=u\n"
                                         "rpcpassword=p # secret\nmine=1\n";
    CliOptions o = parse_ok({"--datadir", dir.string(), "--rpcuser", "cmdline", "getblockcount"});
    ASSERT_TRUE(apply_config_file(o));
    EXPECT_EQ(o.network, "regtest");
    EXPECT_EQ(o.rpcport, 12345);
    EXPECT_EQ(o.rpcuser, "cmdline");
    EXPECT_EQ(o.rpcpassword, "p");
    auto ep = resolve_endpoint(o, *network_params(o));
    ASSERT_TRUE(ep);
    EXPECT_EQ(ep->port, 12345);
    EXPECT_EQ(ep->credentials.user, "cmdline");
}

TEST_F(CliConfig, CookieIsReadFromTheNetworkFolder) {
    std::filesystem::create_directories(dir / "regtest");
    ASSERT_TRUE(rpc::write_cookie(dir / "regtest" / ".cookie", {"__cookie__", "abc"}));
    CliOptions o = parse_ok({"--datadir", dir.string(), "--network", "regtest", "getblockcount"});
    ASSERT_TRUE(apply_config_file(o));
    auto ep = resolve_endpoint(o, *network_params(o));
    ASSERT_TRUE(ep);
    EXPECT_EQ(ep->port, chain_params(Network::Regtest).default_rpc_port);
    EXPECT_EQ(ep->host, "127.0.0.1");
    EXPECT_EQ(ep->credentials.password, "abc");

    CliOptions main_net = parse_ok({"--datadir", dir.string(), "getblockcount"});
    auto missing = resolve_endpoint(main_net, *network_params(main_net));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, "rpc-credentials");
}

TEST(CliParams, JsonOrStringAndNamed) {
    auto positional = build_params({"5", "true", "fcrt1qxyz", "[1,2]", "{\"a\":1}"}, false);
    ASSERT_TRUE(positional);
    EXPECT_EQ(*positional, Json::parse(R"([5,true,"fcrt1qxyz",[1,2],{"a":1}])"));
    auto named = build_params({"blockhash=00ff", "verbosity=2"}, true);
    ASSERT_TRUE(named);
    EXPECT_EQ(*named, Json::parse(R"({"blockhash":"00ff","verbosity":2})"));
    EXPECT_FALSE(build_params({"noequals"}, true));
    EXPECT_FALSE(build_params({"=5"}, true));
}

TEST(CliOutput, LikeBitcoinCli) {
    EXPECT_EQ(format_result("abc"), "abc\n");
    EXPECT_EQ(format_result(nullptr), "");
    EXPECT_EQ(format_result(12), "12\n");
    EXPECT_EQ(format_result(Json::parse(R"({"a":1})")), "{\n  \"a\": 1\n}\n");
    EXPECT_EQ(format_error(rpc::RpcError{-8, "Block height out of range", false, nullptr}),
              "error code: -8\nerror message:\nBlock height out of range\n");
    EXPECT_EQ(format_error(rpc::RpcError{-26, "nonce-too-low", false, Json("expected 3")}),
              "error code: -26\nerror message:\nnonce-too-low\nerror detail: expected 3\n");
}

// A server in front of FakeNode, and options pointing finch-cli at it.
class CliAgainstServer : public TempDir {
protected:
    void SetUp() override {
        TempDir::SetUp();
        rpc::ServerOptions o;
        o.credentials = {"user", "pw"};
        server = std::make_unique<rpc::RpcServer>(node, o);
        ASSERT_TRUE(server->start());
        options = parse_ok({"--regtest", "--datadir", dir.string(), "--rpcport", std::to_string(server->port()),
                            "--rpcuser", "user", "--rpcpassword", "pw", "x"});
    }
    const ChainParams& regtest() const { return chain_params(Network::Regtest); }

    rpc::test::FakeNode node;
    std::unique_ptr<rpc::RpcServer> server;
    CliOptions options;
};

TEST_F(CliAgainstServer, CallsMethodsAndPrintsResults) {
    Outcome count = run_rpc_command(options, regtest(), "getblockcount", {});
    EXPECT_EQ(count.exit_code, 0);
    EXPECT_EQ(count.out, "2\n");
    Outcome hash = run_rpc_command(options, regtest(), "getblockhash", {"0"});
    EXPECT_EQ(hash.out, node.hashes[0].to_hex() + "\n");
    options.named = true;
    Outcome named = run_rpc_command(options, regtest(), "getblock", {"blockhash=" + node.hashes[1].to_hex(), "verbosity=1"});
    EXPECT_EQ(named.exit_code, 0);
    EXPECT_EQ(Json::parse(named.out)["height"], 1);
}

TEST_F(CliAgainstServer, ErrorsGoToStderrWithExitCode1) {
    Outcome bad = run_rpc_command(options, regtest(), "getblockhash", {"99"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_EQ(bad.out, "");
    EXPECT_EQ(bad.err, "error code: -8\nerror message:\nBlock height out of range\n");
    Outcome unknown = run_rpc_command(options, regtest(), "nosuch", {});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("error code: -32601"), std::string::npos);

    options.rpcpassword = "wrong";
    Outcome auth = run_rpc_command(options, regtest(), "getblockcount", {});
    EXPECT_EQ(auth.exit_code, 1);
    EXPECT_NE(auth.err.find("Authorization failed"), std::string::npos);
}

TEST_F(CliAgainstServer, ConnectionFailureIsClear) {
    const uint16_t port = server->port();
    server->stop();
    options.rpcport = port;
    Outcome r = run_rpc_command(options, regtest(), "getblockcount", {});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Could not connect to the server 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
}

TEST_F(CliAgainstServer, SendUsesThePendingNonce) {
    const std::string secret = to_hex(rpc::test::key_from_label("alice").span());
    const std::string bob = encode_address(rpc::test::account_of("bob"), regtest());
    Outcome sent = send(options, regtest(), {"--secret", secret, "--to", bob, "--amount", "1234"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    ASSERT_EQ(sent.out.size(), 65u);
    auto txid = Hash256::from_hex(sent.out.substr(0, 64));
    ASSERT_TRUE(txid);
    auto entry = node.mempool_entry(*txid);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->tx.nonce, 1u);  // alice has nonce 0 confirmed and one transfer pending
    EXPECT_EQ(entry->tx.amount, 1234u);
    EXPECT_EQ(entry->tx.fee, 1000u);

    Outcome again = send(options, regtest(), {"--secret", secret, "--to", bob, "--amount", "1", "--fee", "5"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(node.mempool_entry(*Hash256::from_hex(again.out.substr(0, 64)))->tx.nonce, 2u);
}

TEST_F(CliAgainstServer, SendChecksArgumentsBeforeCallingTheNode) {
    const std::string bob = encode_address(rpc::test::account_of("bob"), regtest());
    server->stop();  // nothing may be needed from the node to reject these
    Outcome bad_secret = send(options, regtest(), {"--secret", "zz", "--to", bob, "--amount", "1"});
    EXPECT_EQ(bad_secret.exit_code, 1);
    EXPECT_NE(bad_secret.err.find("--secret"), std::string::npos);
    const std::string secret = to_hex(rpc::test::key_from_label("alice").span());
    EXPECT_NE(send(options, regtest(), {"--secret", secret, "--to", "fc1bad", "--amount", "1"}).err.find("--to"),
              std::string::npos);
    EXPECT_NE(send(options, regtest(), {"--secret", secret, "--to", bob}).err.find("--amount"), std::string::npos);
    EXPECT_NE(send(options, regtest(), {"--secret", secret, "--to", bob, "--amount", "1", "--nonce", "3"}).err.find(
                  "unknown option"),
              std::string::npos);
}

TEST_F(CliAgainstServer, SendReportsNodeErrors) {
    const std::string secret = to_hex(rpc::test::key_from_label("alice").span());
    const std::string bob = encode_address(rpc::test::account_of("bob"), regtest());
    options.rpcpassword = "wrong";
    Outcome r = send(options, regtest(), {"--secret", secret, "--to", bob, "--amount", "1"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Authorization failed"), std::string::npos);
}

TEST_F(CliAgainstServer, RpcWaitWaitsForTheCookie) {
    auto cookie = rpc::generate_cookie().value();
    rpc::ServerOptions o;
    o.credentials = cookie;
    rpc::RpcServer cookie_server(node, o);
    ASSERT_TRUE(cookie_server.start());
    CliOptions wait = parse_ok({"--regtest", "--datadir", dir.string(), "--rpcport", std::to_string(cookie_server.port()),
                                "--rpcwait", "--rpcwaittimeout", "20", "x"});
    std::thread writer([&] {
        std::this_thread::sleep_for(1500ms);
        std::filesystem::create_directories(dir / "regtest");
        (void)rpc::write_cookie(rpc::cookie_path(dir, "regtest"), cookie);
    });
    Outcome r = run_rpc_command(wait, regtest(), "getblockcount", {});
    writer.join();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "2\n");
}

TEST_F(CliAgainstServer, RpcWaitGivesUpAfterTheTimeout) {
    const uint16_t port = server->port();
    server->stop();
    options.rpcport = port;
    options.rpcwait = true;
    options.rpcwait_timeout = 1;
    const auto t0 = std::chrono::steady_clock::now();
    Outcome r = run_rpc_command(options, regtest(), "getblockcount", {});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 900ms);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

}  // namespace
}  // namespace finch::cli
