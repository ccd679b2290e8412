// finch-cli's client side without a server: option forms, stdin inputs, config file, server
// address and credentials, params from arguments (--named mixing), bitcoin-cli-style output
// and secrets kept out of messages. Real calls are in cli_server_test.cpp.
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

TEST(CliOptions, BitcoinCliShortFormsAndNetworkFlags) {
    for (const char* help : {"-h", "-?", "--help", "-help", "--h"}) EXPECT_TRUE(parse_ok({help}).help) << help;
    EXPECT_TRUE(parse_ok({"-version"}).version);
    EXPECT_EQ(parse_ok({"-chain=regtest", "x"}).network, "regtest");
    EXPECT_EQ(parse_ok({"--chain", "test", "x"}).network, "test");
    // The same network given twice is fine; two different ones are an error.
    EXPECT_EQ(parse_ok({"-regtest", "--network=regtest", "x"}).network, "regtest");
    EXPECT_EQ(parse_ok({"--testnet", "-chain=test", "x"}).network, "test");
    auto conflict = parse_cli_args({"-regtest", "--network", "main", "x"});
    ASSERT_FALSE(conflict);
    EXPECT_TRUE(contains(conflict.error().detail, "conflicting network options")) << conflict.error().detail;
    EXPECT_FALSE(parse_cli_args({"--testnet", "--regtest", "x"}));
    EXPECT_FALSE(parse_cli_args({"--chain=test", "--regtest", "x"}));
    // --regtest=0 selects nothing, so it cannot conflict.
    EXPECT_EQ(parse_ok({"--regtest=0", "--network=main", "x"}).network, "main");
}

TEST(CliOptions, NoNameAndNetworkSpellings) {
    EXPECT_FALSE(parse_ok({"--rpcwait", "-norpcwait", "x"}).rpcwait);
    EXPECT_TRUE(parse_ok({"-norpcwait=0", "x"}).rpcwait);
    EXPECT_FALSE(parse_ok({"--named", "--nonamed", "x"}).named);
    EXPECT_FALSE(parse_ok({"-noregtest", "x"}).network);
    // Two spellings of one network do not conflict.
    EXPECT_EQ(parse_ok({"--testnet", "--network=testnet", "-chain=test", "x"}).network, "test");
    EXPECT_FALSE(parse_cli_args({"-nodatadir", "x"}));  // not an on/off option
    CliOptions o = parse_ok({"-regtest", "--rpcport=1", "-rpcwait", "x"});
    EXPECT_EQ(o.given, (std::set<std::string>{"network", "rpcport", "rpcwait"}));
}

TEST(CliOptions, StdinFlags) {
    CliOptions o = parse_ok({"-stdinrpcpass", "--stdinsecret", "send"});
    EXPECT_TRUE(o.stdin_rpcpass);
    EXPECT_TRUE(o.stdin_secret);
    EXPECT_FALSE(o.read_stdin);
    EXPECT_FALSE(parse_ok({"--stdinrpcpass=0", "x"}).stdin_rpcpass);
    EXPECT_FALSE(parse_cli_args({"--stdinsecret=yes", "send"}));
}

TEST(CliOptions, UnknownOptionMessagesNeverShowValues) {
    auto typo = parse_cli_args({"--rpcpasswrd=" + kSecret, "x"});
    ASSERT_FALSE(typo);
    EXPECT_TRUE(contains(typo.error().detail, "--rpcpasswrd")) << typo.error().detail;
    EXPECT_FALSE(contains(typo.error().detail, kSecret));
    // A secret typed as if it were an option is not repeated either.
    for (const std::string& arg : {"--" + kSecret, "-" + kShortSecret, "--" + kSecret + "=1"}) {
        auto r = parse_cli_args({arg, "x"});
        ASSERT_FALSE(r);
        EXPECT_FALSE(contains(r.error().detail, kShortSecret)) << r.error().detail;
    }
    EXPECT_EQ(displayable_option("fee"), "--fee");
    EXPECT_EQ(displayable_option(kSecret), "(name not shown)");
    EXPECT_EQ(displayable_option("a b"), "(name not shown)");
}

TEST(CliStdin, PasswordThenSecretThenArgumentsInBitcoinCliOrder) {
    CliOptions o = parse_ok({"--stdinrpcpass", "--stdinsecret", "--stdin", "--rpcpassword", "cmdline", "send",
                             "--to", "fcrt1qx"});
    std::istringstream in("pass word\r\n  " + kSecret + " \r\n--amount\n7000\r\n");
    ASSERT_TRUE(read_stdin_inputs(o, in));
    EXPECT_EQ(o.rpcpassword, "pass word");  // stdin wins over --rpcpassword; inner spaces kept
    EXPECT_EQ(o.command,
              (std::vector<std::string>{"send", "--secret", kSecret, "--to", "fcrt1qx", "--amount", "7000"}));
}

TEST(CliStdin, StdinsecretAmongTheCommandsFlags) {
    for (const char* flag : {"--stdinsecret", "-stdinsecret"}) {
        CliOptions o = parse_ok({"signtx", "--to", "A", flag, "--amount", "1"});
        std::istringstream in(kSecret + "\n");
        ASSERT_TRUE(read_stdin_inputs(o, in));
        EXPECT_TRUE(o.stdin_secret);
        EXPECT_EQ(o.command, (std::vector<std::string>{"signtx", "--secret", kSecret, "--to", "A", "--amount", "1"}));
    }
}

TEST(CliStdin, NothingIsReadWithoutTheFlags) {
    CliOptions o = parse_ok({"getblockcount"});
    std::istringstream in("should stay\n");
    ASSERT_TRUE(read_stdin_inputs(o, in));
    EXPECT_EQ(o.command, std::vector<std::string>{"getblockcount"});
    EXPECT_FALSE(o.rpcpassword);
    std::string rest;
    EXPECT_TRUE(std::getline(in, rest));
    EXPECT_EQ(rest, "should stay");
}

TEST(CliStdin, Errors) {
    {  // --stdinsecret for a command that does not sign: refused before anything is read
        CliOptions o = parse_ok({"--stdinsecret", "getaccount", "x"});
        std::istringstream in(kSecret + "\n");
        auto s = read_stdin_inputs(o, in);
        ASSERT_FALSE(s);
        EXPECT_TRUE(contains(s.error().detail, "only for send and signtx")) << s.error().detail;
        EXPECT_EQ(in.tellg(), 0);
    }
    {
        CliOptions o = parse_ok({"--stdinrpcpass", "getblockcount"});
        std::istringstream in("");
        auto s = read_stdin_inputs(o, in);
        ASSERT_FALSE(s);
        EXPECT_TRUE(contains(s.error().detail, "--stdinrpcpass")) << s.error().detail;
    }
    {  // the password line is there, the secret line is not
        CliOptions o = parse_ok({"--stdinrpcpass", "--stdinsecret", "send"});
        std::istringstream in("pw\n");
        auto s = read_stdin_inputs(o, in);
        ASSERT_FALSE(s);
        EXPECT_TRUE(contains(s.error().detail, "--stdinsecret")) << s.error().detail;
        EXPECT_FALSE(contains(s.error().detail, "pw"));
    }
}

TEST(CliUsage, ListsLocalCommandsAndSecretOptions) {
    const std::string usage = usage_text();
    for (const char* word : {"keygen", "signtx", "send", "--stdinsecret", "--stdinrpcpass", "--rpcwaittimeout", "-?",
                             "[::1]:PORT", "`ps`"})
        EXPECT_TRUE(contains(usage, word)) << word;
}

TEST(CliAddress, SplitHostPortAsBitcoinCore) {
    struct Case {
        const char* text;
        const char* host;
        uint16_t port;
    };
    for (const Case& c : {Case{"127.0.0.1", "127.0.0.1", 0}, Case{"127.0.0.1:5000", "127.0.0.1", 5000},
                          Case{"node.example:19443", "node.example", 19443}, Case{"localhost", "localhost", 0},
                          Case{"[::1]:5000", "::1", 5000}, Case{"[::1]", "::1", 0}, Case{"::1", "::1", 0},
                          Case{"fe80::1:2", "fe80::1:2", 0}, Case{"h:65535", "h", 65535}}) {
        auto r = rpc::split_host_port(c.text);
        ASSERT_TRUE(r) << c.text << ": " << r.error().detail;
        EXPECT_EQ(r->host, c.host) << c.text;
        EXPECT_EQ(r->port, c.port) << c.text;
    }
    for (const char* bad : {"", "h:", "h:0", "h:65536", "h:12ab", "h:-1", "[::1]:", "[::1]:0", ":5000", "[]:5",
                            "h:123456", "a b:5", "[::1"}) {
        auto r = rpc::split_host_port(bad);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_EQ(r.error().code, rpc::kBadAddress);
        }
    }
    EXPECT_EQ(rpc::host_port_string("127.0.0.1", 5), "127.0.0.1:5");
    EXPECT_EQ(rpc::host_port_string("::1", 5), "[::1]:5");
}

TEST(CliAddress, RpcconnectPortUnlessRpcportIsGiven) {
    const ChainParams& regtest = chain_params(Network::Regtest);
    auto address = [&](const std::vector<std::string>& args) {
        auto r = resolve_address(parse_ok(args), regtest);
        EXPECT_TRUE(r) << (r ? "" : r.error().detail);
        return r ? *r : ServerAddress{};
    };
    ServerAddress a = address({"x"});
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, regtest.default_rpc_port);
    a = address({"--rpcconnect", "10.1.2.3", "x"});
    EXPECT_EQ(a.host, "10.1.2.3");
    EXPECT_EQ(a.port, regtest.default_rpc_port);
    a = address({"--rpcconnect=10.1.2.3:5000", "x"});
    EXPECT_EQ(a.host, "10.1.2.3");
    EXPECT_EQ(a.port, 5000);
    EXPECT_EQ(a.warning, "");
    a = address({"-rpcconnect=[::1]:5001", "x"});
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 5001);
    a = address({"--rpcconnect", "::1", "x"});
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, regtest.default_rpc_port);
    // bitcoin-cli: an explicit -rpcport wins, with a warning.
    a = address({"--rpcconnect=10.1.2.3:5000", "--rpcport", "6000", "x"});
    EXPECT_EQ(a.port, 6000);
    EXPECT_TRUE(contains(a.warning, "Using --rpcport 6000")) << a.warning;
    a = address({"--rpcport", "6000", "--rpcconnect=10.1.2.3", "x"});
    EXPECT_EQ(a.port, 6000);
    EXPECT_EQ(a.warning, "");
}

TEST(CliAddress, BadRpcconnectIsAClearError) {
    const ChainParams& regtest = chain_params(Network::Regtest);
    for (const char* bad : {"h:", "h:0", "h:99999", "[::1]:x", "[::1]:0", ":5"}) {
        auto r = resolve_address(parse_ok({"--rpcconnect", bad, "x"}), regtest);
        ASSERT_FALSE(r) << bad;
        EXPECT_TRUE(contains(r.error().detail, "Invalid --rpcconnect '" + std::string(bad) + "'")) << r.error().detail;
        // Not retried under --rpcwait, and reported by the call itself.
        CliOptions o = parse_ok({"--rpcconnect", bad, "--rpcwait", "--rpcpassword", "p", "x"});
        const auto t0 = std::chrono::steady_clock::now();
        Outcome out = run_rpc_command(o, regtest, "getblockcount", {});
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);  // a retry would wait out --rpcwaittimeout (60 s)
        EXPECT_EQ(out.exit_code, 1);
        EXPECT_TRUE(contains(out.err, "Invalid --rpcconnect")) << out.err;
    }
}

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

// The config file as finchd reads it (docs/node.md): sections, the network chosen by the file
// when the command line does not, finchd-only keys ignored.
CliOptions with_conf(const std::vector<std::string>& args, const std::string& text) {
    CliOptions o = parse_ok(args);
    Status s = apply_config_text(o, text, "finch.conf");
    EXPECT_TRUE(s) << (s ? "" : s.error().detail);
    return o;
}

std::string conf_error(const std::vector<std::string>& args, const std::string& text) {
    CliOptions o = parse_ok(args);
    Status s = apply_config_text(o, text, "finch.conf");
    EXPECT_FALSE(s) << text;
    return s ? "" : s.error().detail;
}

TEST(CliConfigText, SectionKeysApplyOnlyOnTheirNetwork) {
    const std::string text = "rpcport=1000\nrpcuser=top\nrpcpassword=pw\n"
                             "[main]\nrpcport=2000\n"
                             "[regtest]\nrpcport = 3000  # regtest only\nrpcuser=rt\n";
    CliOptions regtest = with_conf({"-regtest", "x"}, text);
    EXPECT_EQ(regtest.rpcport, 3000);
    EXPECT_EQ(regtest.rpcuser, "rt");
    EXPECT_EQ(regtest.rpcpassword, "pw");  // the top level applies where the section is silent
    EXPECT_EQ(with_conf({"--network=main", "x"}, text).rpcport, 2000);
    EXPECT_EQ(with_conf({"x"}, text).rpcport, 2000);  // main by default
    CliOptions test = with_conf({"--testnet", "x"}, text);
    EXPECT_EQ(test.rpcport, 1000);
    EXPECT_EQ(test.rpcuser, "top");
    // NET.key outside a section is the same as key under [NET]; a later line wins.
    EXPECT_EQ(with_conf({"-regtest", "x"}, "regtest.rpcport=18443\n").rpcport, 18443);
    EXPECT_EQ(with_conf({"-regtest", "x"}, "[regtest]\nrpcport=1\n[main]\nregtest.rpcport=2\n").rpcport, 2);
    EXPECT_FALSE(with_conf({"x"}, "regtest.rpcport=18443\n").rpcport);
    EXPECT_FALSE(with_conf({"-regtest", "x"}, "test.rpcport=18443\n").rpcport);
}

TEST(CliConfigText, TheFileChoosesTheNetworkUnlessTheCommandLineDoes) {
    for (const char* line : {"regtest=1", "regtest", " regtest = 1 # a comment", "chain=regtest", "network=regtest"})
        EXPECT_EQ(with_conf({"x"}, std::string(line) + "\n").network, "regtest") << line;
    EXPECT_EQ(with_conf({"x"}, "testnet=1\n").network, "test");
    EXPECT_EQ(with_conf({"x"}, "network=testnet\n").network, "test");
    EXPECT_FALSE(with_conf({"x"}, "regtest=0\n").network);
    EXPECT_FALSE(with_conf({"x"}, "noregtest=1\n").network);
    EXPECT_EQ(with_conf({"x"}, "regtest=0\nchain=test\n").network, "test");
    // The chosen network's section applies.
    CliOptions o = with_conf({"x"}, "regtest=1\n[regtest]\nrpcport=18443\nregtest=1\n[main]\nrpcport=1\n");
    EXPECT_EQ(o.network, "regtest");
    EXPECT_EQ(o.rpcport, 18443);
    // The command line wins, and then that network's section applies.
    o = with_conf({"-chain=main", "x"}, "regtest=1\n[regtest]\nrpcport=18443\n[main]\nrpcport=1\n");
    EXPECT_EQ(o.network, "main");
    EXPECT_EQ(o.rpcport, 1);
    // As in finchd, the file's choice is not looked at when the command line chose.
    EXPECT_EQ(with_conf({"--testnet", "x"}, "regtest=1\nnetwork=main\n").network, "test");
    // --regtest=0 chooses nothing.
    EXPECT_EQ(with_conf({"--regtest=0", "x"}, "chain=regtest\n").network, "regtest");
}

TEST(CliConfigText, FinchdKeysAreIgnored) {
    // A whole finchd configuration: finch-cli takes what it needs and skips the rest.
    const std::string text = "# node\nregtest=1\nmine=1\nminer-address=fcrt1qxyz\nnolisten=1\nlisten=0\n"
                             "addnode=127.0.0.1:18445\naddnode=127.0.0.1:18446\ndebug=net\ndaemon\npid=finchd.pid\n"
                             "rpcthreads=4\nrpcbind=0.0.0.0\nmaxmempool=300\nfuture-key=x\nfoo.bar=1\n"
                             "[main]\nport=9333\n[test]\nwhitelist=1.2.3.4\n[regtest]\nport=18444\nrpcport=18443\n"
                             "bind = 127.0.0.1\nmine\n";
    CliOptions o = with_conf({"getblockcount"}, text);
    EXPECT_EQ(o.network, "regtest");
    EXPECT_EQ(o.rpcport, 18443);
    EXPECT_FALSE(o.rpcconnect);
    EXPECT_EQ(o.command, std::vector<std::string>{"getblockcount"});
}

TEST(CliConfigText, TheCommandLineWins) {
    const std::string text = "rpcport=1000\nrpcuser=u\nrpcpassword=file\nrpcconnect=10.0.0.1\nrpcwait=1\n"
                             "rpcwaittimeout=7\nrpcclienttimeout=8\ndatadir=/from/file\n";
    CliOptions o = with_conf({"x"}, text);
    EXPECT_EQ(o.rpcport, 1000);
    EXPECT_TRUE(o.rpcport_from_conf);
    EXPECT_EQ(o.rpcconnect, "10.0.0.1");
    EXPECT_TRUE(o.rpcwait);
    EXPECT_EQ(o.rpcwait_timeout, 7u);
    EXPECT_EQ(o.rpcclient_timeout, 8u);
    EXPECT_EQ(o.datadir, "/from/file");
    o = with_conf({"--rpcport=2000", "--rpcuser", "cl", "--rpcconnect=h", "-norpcwait", "--rpcwaittimeout=3",
                   "--rpcclienttimeout", "4", "--datadir=/cl", "x"},
                  text);
    EXPECT_EQ(o.rpcport, 2000);
    EXPECT_FALSE(o.rpcport_from_conf);
    EXPECT_EQ(o.rpcuser, "cl");
    EXPECT_EQ(o.rpcpassword, "file");
    EXPECT_EQ(o.rpcconnect, "h");
    EXPECT_FALSE(o.rpcwait);
    EXPECT_EQ(o.rpcwait_timeout, 3u);
    EXPECT_EQ(o.rpcclient_timeout, 4u);
    EXPECT_EQ(o.datadir, "/cl");
    EXPECT_EQ(o.conf, "/cl/finch.conf");
    // -stdinrpcpass wins over the file's password (stdin is read before the file).
    o = parse_ok({"-stdinrpcpass", "x"});
    std::istringstream in("typed\n");
    ASSERT_TRUE(read_stdin_inputs(o, in));
    ASSERT_TRUE(apply_config_text(o, text, "finch.conf"));
    EXPECT_EQ(o.rpcpassword, "typed");
    EXPECT_FALSE(with_conf({"x"}, "norpcwait=1\n").rpcwait);
}

TEST(CliConfigText, RpcconnectPortOnTheCommandLineBeatsTheFilesRpcport) {
    const ChainParams& regtest = chain_params(Network::Regtest);
    // The file's rpcport (needed by finchd) does not override a port typed in --rpcconnect.
    ServerAddress a = resolve_address(with_conf({"--rpcconnect=10.0.0.2:5000", "x"}, "rpcport=18443\n"), regtest).value();
    EXPECT_EQ(a.host, "10.0.0.2");
    EXPECT_EQ(a.port, 5000);
    EXPECT_EQ(a.warning, "");
    // Without a port there, the file's rpcport applies.
    a = resolve_address(with_conf({"--rpcconnect=10.0.0.2", "x"}, "rpcport=18443\n"), regtest).value();
    EXPECT_EQ(a.port, 18443);
    // Both in the file, or --rpcport on the command line: --rpcport wins with the warning, as bitcoin-cli.
    a = resolve_address(with_conf({"x"}, "rpcconnect=10.0.0.2:5000\nrpcport=18443\n"), regtest).value();
    EXPECT_EQ(a.port, 18443);
    EXPECT_TRUE(contains(a.warning, "Using --rpcport 18443")) << a.warning;
    a = resolve_address(with_conf({"--rpcport=6000", "x"}, "rpcconnect=10.0.0.2:5000\n"), regtest).value();
    EXPECT_EQ(a.port, 6000);
    EXPECT_TRUE(contains(a.warning, "Using --rpcport 6000")) << a.warning;
}

TEST(CliConfigText, ErrorsNameTheFileAndLine) {
    struct Case {
        std::string text;
        std::string message;
    };
    for (const Case& c : std::vector<Case>{
             {"\n[foo]\n", "finch.conf:2: unknown section [foo] (expected [main], [test] or [regtest])"},
             {"[regtest\n", "finch.conf:1: malformed section header '[regtest'"},
             {"-rpcport=1\n", "finch.conf:1: write 'rpcport' without the leading '-'"},
             {"--mine\n", "finch.conf:1: write 'mine' without the leading '-'"},
             {"conf=/x\n", "finch.conf:1: 'conf' works only on the command line"},
             {"[test]\nregtest=1\n", "finch.conf:2: 'regtest=1' inside [test] cannot choose the network; put it "
                                     "before any [section]"},
             {"[main]\nchain=test\n", "inside [main] cannot choose the network"},
             {"regtest=1\nnetwork=test\n", "conflicting network choices finch.conf:2 network=test and finch.conf:1 "
                                           "regtest=1; use only one"},
             {"network=foo\n", "finch.conf:1: invalid value 'foo' for network: expected main, test or regtest"},
             {"regtest=2\n", "finch.conf:1: invalid value '2' for regtest: expected 0 or 1"},
             {"rpcport=0\n", "finch.conf:1: invalid value '0' for rpcport: expected a port number 1-65535"},
             // Every section is checked, not only the one in use.
             {"regtest=1\n[test]\nrpcport=abc\n", "finch.conf:3: invalid value 'abc' for rpcport"},
             {"rpcwait=yes\n", "invalid value 'yes' for rpcwait: expected 0 or 1"},
             {"rpcwaittimeout=-1\n", "invalid value '-1' for rpcwaittimeout"},
         }) {
        const std::string message = conf_error({"x"}, c.text);
        EXPECT_TRUE(contains(message, c.message)) << c.text << " -> " << message;
    }
}

TEST_F(CliConfig, ReadsTheFileInTheDatadirOrTheOneNamedByConf) {
    std::ofstream(dir / "finch.conf") << "regtest=1\n[regtest]\nrpcport=18443\n";
    CliOptions o = parse_ok({"--datadir", dir.string(), "x"});
    ASSERT_TRUE(apply_config_file(o));
    EXPECT_EQ(o.network, "regtest");
    EXPECT_EQ(o.rpcport, 18443);
    std::ofstream(dir / "other.conf") << "[regtest]\nrpcport=1\n";
    o = parse_ok({"--datadir", dir.string(), "--conf", (dir / "other.conf").string(), "-regtest", "x"});
    ASSERT_TRUE(apply_config_file(o));
    EXPECT_EQ(o.rpcport, 1);
    // A missing default file is fine; a missing --conf file is not.
    o = parse_ok({"--datadir", (dir / "none").string(), "x"});
    EXPECT_TRUE(apply_config_file(o));
    o = parse_ok({"--conf", (dir / "missing.conf").string(), "x"});
    auto missing = apply_config_file(o);
    ASSERT_FALSE(missing);
    EXPECT_TRUE(contains(missing.error().detail, "cannot read config file")) << missing.error().detail;
    // Errors cite the file's path.
    std::ofstream(dir / "finch.conf") << "[nope]\n";
    o = parse_ok({"--datadir", dir.string(), "x"});
    auto bad = apply_config_file(o);
    ASSERT_FALSE(bad);
    EXPECT_TRUE(contains(bad.error().detail, (dir / "finch.conf").string() + ":1: unknown section [nope]"))
        << bad.error().detail;
}

TEST_F(CliConfig, DatadirInTheFileIsWhereTheCookieIs) {
    std::filesystem::create_directories(dir / "data" / "regtest");
    ASSERT_TRUE(rpc::write_cookie(dir / "data" / "regtest" / ".cookie", {"__cookie__", "abc"}));
    std::ofstream(dir / "finch.conf") << "regtest=1\ndatadir=" << (dir / "data").string() << "\n";
    CliOptions o = parse_ok({"--conf", (dir / "finch.conf").string(), "x"});
    ASSERT_TRUE(apply_config_file(o));
    auto ep = resolve_endpoint(o, *network_params(o));
    ASSERT_TRUE(ep) << ep.error().detail;
    EXPECT_EQ(ep->credentials.password, "abc");
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
    auto positional = build_params("x", {"5", "true", "fcrt1qxyz", "[1,2]", "{\"a\":1}"}, false);
    ASSERT_TRUE(positional);
    EXPECT_EQ(*positional, Json::parse(R"([5,true,"fcrt1qxyz",[1,2],{"a":1}])"));
    auto named = build_params("getblock", {"blockhash=00ff", "verbosity=2"}, true);
    ASSERT_TRUE(named);
    EXPECT_EQ(*named, Json::parse(R"({"blockhash":"00ff","verbosity":2})"));
    EXPECT_FALSE(build_params("getblock", {"=5"}, true));
    // A later name=value wins, as in Bitcoin Core.
    EXPECT_EQ(*build_params("getblock", {"verbosity=1", "verbosity=2"}, true), Json::parse(R"({"verbosity":2})"));
}

TEST(CliParams, NamedMixesPositionalArgumentsAsBitcoinCore25) {
    auto mixed = build_params("getblock", {"00ff", "verbosity=2"}, true);
    ASSERT_TRUE(mixed) << mixed.error().detail;
    EXPECT_EQ(*mixed, Json::parse(R"({"blockhash":"00ff","verbosity":2})"));
    auto all_positional = build_params("generatetoaddress", {"3", "fcrt1qxyz"}, true);
    ASSERT_TRUE(all_positional);
    EXPECT_EQ(*all_positional, Json::parse(R"({"nblocks":3,"address":"fcrt1qxyz"})"));
    auto later_named = build_params("setban", {"1.2.3.4", "add", "absolute=true"}, true);
    ASSERT_TRUE(later_named);
    EXPECT_EQ(*later_named, Json::parse(R"({"subnet":"1.2.3.4","command":"add","absolute":true})"));

    auto twice = build_params("getblock", {"00ff", "blockhash=00ee"}, true);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().detail, "Parameter blockhash specified twice both as positional and named argument");
    auto too_many = build_params("getblockcount", {"1"}, true);
    ASSERT_FALSE(too_many);
    EXPECT_TRUE(contains(too_many.error().detail, "getblockcount takes at most 0 parameters"))
        << too_many.error().detail;
    // A method finch-cli does not know: positional arguments go in "args", as bitcoin-cli sends them.
    auto unknown = build_params("newmethod", {"1", "x=2", "two"}, true);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(*unknown, Json::parse(R"({"x":2,"args":[1,"two"]})"));
    // An empty name is an error that does not repeat the argument.
    auto empty_name = build_params("getblock", {"=" + kSecret}, true);
    ASSERT_FALSE(empty_name);
    EXPECT_FALSE(contains(empty_name.error().detail, kSecret));
}

TEST(CliSecrets, LocalCommandErrorsNeverShowTheSecret) {
    const ChainParams& regtest = chain_params(Network::Regtest);
    const std::string bob = encode_address(rpc::test::account_of("bob"), regtest);
    // The secret as a stray argument (what `echo SECRET | finch-cli --stdin send ...` made).
    for (const std::string& stray : {kSecret, kShortSecret}) {
        Outcome signed_tx = signtx(regtest, {"--to", bob, "--amount", "1", "--fee", "1", "--nonce", "0", stray});
        EXPECT_EQ(signed_tx.exit_code, 1);
        EXPECT_TRUE(contains(signed_tx.err, "unexpected argument #9")) << signed_tx.err;
        EXPECT_TRUE(contains(signed_tx.err, "--stdinsecret")) << signed_tx.err;
        EXPECT_FALSE(contains(signed_tx.err, kShortSecret)) << signed_tx.err;
    }
    // A malformed or invalid secret.
    for (const std::string& bad : {kShortSecret, kSecret + "0", std::string(64, 'f'), std::string(64, '0'),
                                   "zz" + kSecret.substr(2)}) {
        Outcome r = signtx(regtest, {"--secret", bad, "--to", bob, "--amount", "1", "--fee", "1", "--nonce", "0"});
        EXPECT_EQ(r.exit_code, 1) << bad;
        EXPECT_TRUE(contains(r.err, "secret key")) << r.err;
        EXPECT_FALSE(contains(r.err, bad.substr(2, 60))) << r.err;
    }
    Outcome twice = signtx(regtest, {"--secret", kSecret, "--secret=" + kSecret, "--to", bob});
    EXPECT_TRUE(contains(twice.err, "--secret given twice")) << twice.err;
    EXPECT_FALSE(contains(twice.err, kSecret));
    Outcome misspelt = signtx(regtest, {"--secrte=" + kSecret});
    EXPECT_TRUE(contains(misspelt.err, "unknown option --secrte")) << misspelt.err;
    EXPECT_FALSE(contains(misspelt.err, kSecret));
}

TEST(CliHelp, LocalCommandsNeedNoNode) {
    CliOptions o = parse_ok({"--regtest", "--rpcport", "1", "--rpcpassword", "p", "x"});  // nothing listens there
    const ChainParams& regtest = chain_params(Network::Regtest);
    for (const char* command : {"send", "signtx", "keygen"}) {
        Outcome r = run_rpc_command(o, regtest, "help", {command});
        EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
        EXPECT_EQ(r.out.rfind(command, 0), 0u) << r.out;
        EXPECT_TRUE(contains(r.out, "finch-cli")) << r.out;
        EXPECT_FALSE(contains(r.out, "unknown command"));
        EXPECT_EQ(r.out, *local_command_help(command));
    }
    EXPECT_TRUE(contains(*local_command_help("send"), "--stdinsecret"));
    EXPECT_TRUE(contains(*local_command_help("signtx"), "`ps`"));
    EXPECT_FALSE(local_command_help("getblock"));
    o.named = true;
    EXPECT_EQ(run_rpc_command(o, regtest, "help", {"command=send"}).out, *local_command_help("send"));
    EXPECT_EQ(run_rpc_command(o, regtest, "help", {"signtx"}).out, *local_command_help("signtx"));
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

}  // namespace
}  // namespace finch::cli
