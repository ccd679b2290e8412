// finch-cli against a real server in front of FakeNode: calls and output, help, --named
// mixing, --rpcconnect, send with the nonce and the secret from stdin, errors that never show
// a secret or a password, and --rpcwait.
#include "rpc/cli/cli_options.h"
#include "rpc/cli/local_commands.h"
#include "rpc/cli/rpc_commands.h"
#include "rpc/cookie.h"
#include "rpc/server.h"
#include "tests/rpc/cli_test_util.h"
#include "tests/rpc/fake_node.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace finch::cli {
namespace {

using namespace std::chrono_literals;
using namespace finch::cli::test;
using rpc::Json;

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

TEST_F(CliAgainstServer, HelpListsLocalCommandsAfterTheMethods) {
    Outcome all = run_rpc_command(options, regtest(), "help", {});
    ASSERT_EQ(all.exit_code, 0) << all.err;
    const size_t methods = all.out.find("getblockcount"), local = all.out.find("== finch-cli local commands ==");
    ASSERT_NE(methods, std::string::npos);
    ASSERT_NE(local, std::string::npos);
    EXPECT_LT(methods, local);
    EXPECT_EQ(all.out.substr(local - 2, 2), "\n\n");  // one blank line before the section, as between groups
    EXPECT_NE(all.out.substr(local - 3, 3), "\n\n\n");
    for (const char* line : {"\nkeygen\n", "\nsigntx ( --secret HEX | --stdinsecret )", "\nsend ( --secret HEX"})
        EXPECT_TRUE(contains(all.out.substr(local), line)) << line;
    // Help on a method still comes from the node, with nothing appended.
    Outcome one = run_rpc_command(options, regtest(), "help", {"getblock"});
    EXPECT_EQ(one.out.rfind("getblock \"blockhash\"", 0), 0u) << one.out;
    EXPECT_FALSE(contains(one.out, "finch-cli local commands"));
}

TEST_F(CliAgainstServer, NamedMixedArgumentsReachTheServer) {
    options.named = true;
    Outcome r = run_rpc_command(options, regtest(), "getblock", {node.hashes[1].to_hex(), "verbosity=2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto block = Json::parse(r.out);
    EXPECT_EQ(block["height"], 1);
    EXPECT_TRUE(block["tx"][0].is_object());  // verbosity 2: transaction objects
    Outcome hex = run_rpc_command(options, regtest(), "getblock", {node.hashes[1].to_hex(), "verbosity=0"});
    EXPECT_TRUE(Json::parse(hex.out + "x", nullptr, false).is_discarded());  // a raw hex string, not JSON
    EXPECT_EQ(hex.exit_code, 0);
    Outcome twice = run_rpc_command(options, regtest(), "getblock", {node.hashes[1].to_hex(), "blockhash=00"});
    EXPECT_EQ(twice.exit_code, 1);
    EXPECT_TRUE(contains(twice.err, "specified twice")) << twice.err;
}

TEST_F(CliAgainstServer, RpcconnectWithPort) {
    CliOptions o = parse_ok({"--regtest", "--datadir", dir.string(), "--rpcconnect",
                             "127.0.0.1:" + std::to_string(server->port()), "--rpcuser", "user", "--rpcpassword", "pw",
                             "x"});
    Outcome r = run_rpc_command(o, regtest(), "getblockcount", {});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "2\n");
    EXPECT_EQ(r.err, "");
    // --rpcport wins over the port in --rpcconnect, with bitcoin-cli's warning on stderr.
    o.rpcconnect = "127.0.0.1:1";
    o.rpcport = server->port();
    r = run_rpc_command(o, regtest(), "getblockcount", {});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.err, "Warning: Port specified in both --rpcconnect and --rpcport")) << r.err;
}

TEST_F(CliAgainstServer, RpcconnectIpv6) {
    rpc::ServerOptions so;
    so.credentials = {"user", "pw"};
    so.bind_address = "::1";
    rpc::RpcServer v6(node, so);
    if (!v6.start()) GTEST_SKIP() << "no IPv6 loopback here";
    CliOptions o = parse_ok({"--regtest", "--datadir", dir.string(), "--rpcconnect",
                             "[::1]:" + std::to_string(v6.port()), "--rpcuser", "user", "--rpcpassword", "pw", "x"});
    Outcome r = run_rpc_command(o, regtest(), "getblockcount", {});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "2\n");
    const uint16_t port = v6.port();
    v6.stop();
    r = run_rpc_command(o, regtest(), "getblockcount", {});
    EXPECT_TRUE(contains(r.err, "Could not connect to the server [::1]:" + std::to_string(port))) << r.err;
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
    EXPECT_FALSE(contains(bad_secret.err, "zz"));
    const std::string secret = to_hex(rpc::test::key_from_label("alice").span());
    EXPECT_NE(send(options, regtest(), {"--secret", secret, "--to", "fc1bad", "--amount", "1"}).err.find("--to"),
              std::string::npos);
    EXPECT_NE(send(options, regtest(), {"--secret", secret, "--to", bob}).err.find("--amount"), std::string::npos);
    EXPECT_NE(send(options, regtest(), {"--secret", secret, "--to", bob, "--amount", "1", "--nonce", "3"}).err.find(
                  "unknown option"),
              std::string::npos);
}

TEST_F(CliAgainstServer, SendWithTheSecretFromStdin) {
    const std::string secret = to_hex(rpc::test::key_from_label("alice").span());
    const std::string bob = encode_address(rpc::test::account_of("bob"), regtest());
    CliOptions o = parse_ok({"--regtest", "--datadir", dir.string(), "--rpcport", std::to_string(server->port()),
                             "--rpcuser", "user", "--stdinrpcpass", "--stdinsecret", "send", "--to", bob, "--amount",
                             "77"});
    std::istringstream in("pw\n" + secret + "\n");
    ASSERT_TRUE(read_stdin_inputs(o, in));
    Outcome sent = send(o, regtest(), {o.command.begin() + 1, o.command.end()});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    auto entry = node.mempool_entry(*Hash256::from_hex(sent.out.substr(0, 64)));
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->tx.amount, 77u);
}

TEST_F(CliAgainstServer, SendErrorsNeverShowTheSecret) {
    const std::string bob = encode_address(rpc::test::account_of("bob"), regtest());
    // A well-formed key with no funds (FakeNode does not check balances; finchd refuses it).
    Outcome poor = send(options, regtest(), {"--secret", kSecret, "--to", bob, "--amount", "7000"});
    EXPECT_FALSE(contains(poor.out + poor.err, kSecret)) << poor.err;
    for (const std::string& bad : {kShortSecret, std::string(64, 'f')}) {
        Outcome r = send(options, regtest(), {"--secret", bad, "--to", bob, "--amount", "7000"});
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_FALSE(contains(r.out + r.err, bad.substr(0, 60))) << r.err;
    }
    // The secret as a stray value.
    Outcome stray = send(options, regtest(), {"--to", bob, "--amount", "7000", kSecret});
    EXPECT_EQ(stray.exit_code, 1);
    EXPECT_FALSE(contains(stray.err, kSecret)) << stray.err;
}

TEST_F(CliAgainstServer, RpcPasswordNeverShown) {
    options.rpcpassword = kSecret;
    Outcome r = run_rpc_command(options, regtest(), "getblockcount", {});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.err, "Authorization failed")) << r.err;
    EXPECT_FALSE(contains(r.out + r.err, kSecret));
    const uint16_t port = server->port();
    server->stop();
    options.rpcport = port;
    options.rpcwait = true;
    options.rpcwait_timeout = 1;
    r = run_rpc_command(options, regtest(), "getblockcount", {});
    EXPECT_FALSE(contains(r.out + r.err, kSecret)) << r.err;
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
    EXPECT_TRUE(contains(r.err, "could not connect to the server 127.0.0.1:" + std::to_string(port) + " within 1 s"))
        << r.err;
}

TEST_F(CliAgainstServer, RpcWaitTimeoutWithoutCookieReportsTheTimeoutNotCredentials) {
    const uint16_t port = server->port();
    server->stop();
    // No --rpcpassword and no cookie: the node is simply not up.
    CliOptions wait = parse_ok({"--regtest", "--datadir", dir.string(), "--rpcport", std::to_string(port), "--rpcwait",
                                "--rpcwaittimeout", "2", "x"});
    const auto t0 = std::chrono::steady_clock::now();
    Outcome r = run_rpc_command(wait, regtest(), "getblockcount", {});
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_GE(took, 1900ms);
    EXPECT_LT(took, 8s);
    EXPECT_TRUE(contains(r.err, "could not connect to the server 127.0.0.1:" + std::to_string(port) + " within 2 s"))
        << r.err;
    EXPECT_FALSE(contains(r.err, "credentials")) << r.err;
    // Without --rpcwait the missing cookie is what is reported, as bitcoin-cli does.
    wait.rpcwait = false;
    Outcome no_wait = run_rpc_command(wait, regtest(), "getblockcount", {});
    EXPECT_TRUE(contains(no_wait.err, "Could not locate RPC credentials")) << no_wait.err;
}

TEST_F(CliAgainstServer, RpcWaitTimeoutWithAListeningServerButNoCookie) {
    CliOptions wait = parse_ok({"--regtest", "--datadir", dir.string(), "--rpcport", std::to_string(server->port()),
                                "--rpcwait", "--rpcwaittimeout", "1", "x"});
    Outcome r = run_rpc_command(wait, regtest(), "getblockcount", {});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.err, "is listening, but no RPC credentials were found within 1 s")) << r.err;
}

}  // namespace
}  // namespace finch::cli
