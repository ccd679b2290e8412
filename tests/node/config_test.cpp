// finchd configuration: flags in every spelling, the config file and its network sections,
// precedence, network choice and every kind of bad input.
#include "node/config.h"

#include <gtest/gtest.h>

namespace finch::node {
namespace {

Result<Config> parse(std::vector<std::string> args, const std::string* conf = nullptr) {
    return parse_config(args, conf);
}

TEST(Config, DefaultsFollowTheNetwork) {
    auto c = parse({"--network=regtest"});
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->network, Network::Regtest);
    EXPECT_EQ(c->port, 19444);
    EXPECT_EQ(c->rpcport, 19443);
    EXPECT_EQ(c->rpcbind, "127.0.0.1");
    EXPECT_TRUE(c->listen);
    EXPECT_TRUE(c->printtoconsole);  // as bitcoind without -daemon
    auto quiet = parse({"--printtoconsole=0"});
    ASSERT_TRUE(quiet.ok());
    EXPECT_FALSE(quiet->printtoconsole);
    auto m = parse({});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->port, 9333);
    EXPECT_EQ(m->network_dir().filename(), "main");
}

TEST(Config, AcceptsEveryFlagSpelling) {
    auto c = parse({"--datadir", "/tmp/x", "-network=test", "--port=1234", "--listen", "0", "--mine", "--miner-address",
                    "tfc1qwtz0nqm4gwc8x5gjz0vu532t8s4qawlhpm8vga", "--connect=127.0.0.1:1", "--connect", "127.0.0.1:2",
                    "--debug=net", "--debug", "mempool", "--printtoconsole"});
    ASSERT_TRUE(c.ok()) << c.error().detail;
    EXPECT_EQ(c->datadir, "/tmp/x");
    EXPECT_EQ(c->network, Network::Test);
    EXPECT_EQ(c->port, 1234);
    EXPECT_FALSE(c->listen);
    EXPECT_TRUE(c->mine);
    EXPECT_EQ(c->connect.size(), 2u);
    EXPECT_EQ(c->debug, (std::vector<std::string>{"net", "mempool"}));
    EXPECT_TRUE(c->printtoconsole);
}

TEST(Config, FlagsWinOverTheFile) {
    std::string conf = "# a comment\nnetwork=regtest\nrpcport = 5000\nport=6000\nprinttoconsole\naddnode=127.0.0.1:9\n";
    auto c = parse({"--rpcport=7000"}, &conf);
    ASSERT_TRUE(c.ok()) << c.error().detail;
    EXPECT_EQ(c->network, Network::Regtest);
    EXPECT_EQ(c->rpcport, 7000);
    EXPECT_EQ(c->port, 6000);
    EXPECT_TRUE(c->printtoconsole);
    EXPECT_EQ(c->addnode, (std::vector<std::string>{"127.0.0.1:9"}));
}

TEST(Config, RejectsBadInputWithAClearMessage) {
    struct Case {
        std::vector<std::string> args;
        std::string mentions;
    };
    std::vector<Case> cases = {
        {{"--bogus"}, "bogus"},
        {{"--network=moon"}, "moon"},
        {{"--port=0"}, "port"},
        {{"--port=65536"}, "port"},
        {{"--rpcport=abc"}, "rpcport"},
        {{"--listen=2"}, "listen"},
        {{"--maxconnections=-1"}, "maxconnections"},
        {{"--miner-threads=0"}, "miner-threads"},
        {{"--debug=everything"}, "everything"},
        {{"--rpcuser=u"}, "rpcpassword"},
        {{"--mine"}, "miner-address"},
        {{"--network=regtest", "--mine", "--miner-address=fc1q895ktx6tc83uhlnu0xhns0vuz6psqnnyvq3g78"}, "miner-address"},
        {{"--datadir"}, "needs a value"},
        {{"stray"}, "stray"},
    };
    for (const auto& c : cases) {
        auto r = parse(c.args);
        ASSERT_FALSE(r.ok()) << c.args[0];
        EXPECT_NE(r.error().detail.find(c.mentions), std::string::npos) << r.error().detail;
        EXPECT_EQ(r.error().detail.find('\n'), std::string::npos);
    }
}

TEST(Config, RejectsUnknownKeysInTheFileWithFileAndLine) {
    std::string conf = "network=regtest\n\n# comment\n[regtest]\nport=1\nfoo=1\n";
    auto r = parse_config(std::vector<std::string>{}, &conf, "/etc/finch.conf");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().detail, "/etc/finch.conf:6: unknown key 'foo'");
    for (std::string bad : {"[moon]\n", "[regtest\n", "-regtest=1\n", "conf=/x\n", "moon.port=1\n", ".port=1\n"}) {
        auto e = parse({}, &bad);
        ASSERT_FALSE(e.ok()) << bad;
        EXPECT_EQ(e.error().detail.rfind("finch.conf:1: ", 0), 0u) << e.error().detail;
    }
}

TEST(Config, BadValuesInTheFileNameFileAndLine) {
    std::string conf = "regtest=1\nrpcport=abc\n";
    auto r = parse({}, &conf);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().detail.rfind("finch.conf:2: invalid value 'abc' for rpcport", 0), 0u) << r.error().detail;
    // A section of another network is checked too, though it does not apply.
    std::string other = "regtest=1\n[test]\nport=99999\n";
    auto o = parse({}, &other);
    ASSERT_FALSE(o.ok());
    EXPECT_NE(o.error().detail.find("finch.conf:3:"), std::string::npos) << o.error().detail;
    std::string debug = "debug=everything\n";
    auto d = parse({}, &debug);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().detail.find("finch.conf:1:"), std::string::npos) << d.error().detail;
}

TEST(Config, SectionsApplyOnlyOnTheirNetworkAndOverrideTheTopLevel) {
    std::string conf =
        "rpcport=1000\nport=2000\nmaxconnections=5\naddnode=127.0.0.1:1\n"
        "[main]\nrpcport=3000\n"
        "[test]\nrpcport=4000\nmaxconnections=7\n"
        "[regtest]\nrpcport=5000\naddnode=127.0.0.1:2\naddnode=127.0.0.1:3\n";
    auto regtest = parse({"--network=regtest"}, &conf);
    ASSERT_TRUE(regtest.ok()) << regtest.error().detail;
    EXPECT_EQ(regtest->rpcport, 5000);
    EXPECT_EQ(regtest->port, 2000);
    EXPECT_EQ(regtest->maxconnections, 5u);
    EXPECT_EQ(regtest->addnode, (std::vector<std::string>{"127.0.0.1:2", "127.0.0.1:3"}));
    auto test = parse({"--network=test"}, &conf);
    ASSERT_TRUE(test.ok()) << test.error().detail;
    EXPECT_EQ(test->rpcport, 4000);
    EXPECT_EQ(test->maxconnections, 7u);
    EXPECT_EQ(test->addnode, (std::vector<std::string>{"127.0.0.1:1"}));
    auto main = parse({}, &conf);
    ASSERT_TRUE(main.ok()) << main.error().detail;
    EXPECT_EQ(main->rpcport, 3000);
    // Flags still win over the section.
    auto flagged = parse({"--network=regtest", "--rpcport=6000"}, &conf);
    ASSERT_TRUE(flagged.ok());
    EXPECT_EQ(flagged->rpcport, 6000);
}

TEST(Config, DottedKeysNameTheirSection) {
    std::string conf = "regtest.rpcport=5000\ntest.rpcport=4000\n[main]\nregtest.port=7000\n";
    auto c = parse({"-regtest"}, &conf);
    ASSERT_TRUE(c.ok()) << c.error().detail;
    EXPECT_EQ(c->rpcport, 5000);
    EXPECT_EQ(c->port, 7000);
}

TEST(Config, RegtestAndTestnetKeysChooseTheNetworkAsBitcoindDoes) {
    for (const auto& [text, expected] : std::vector<std::pair<std::string, Network>>{
             {"regtest=1\n", Network::Regtest},
             {"testnet=1\n", Network::Test},
             {"regtest=0\n", Network::Main},
             {"chain=regtest\n", Network::Regtest},
             {"network=test\n", Network::Test},
             {"regtest=1\nnetwork=regtest\n", Network::Regtest},
             {"regtest=1\n[regtest]\nregtest=1\nport=5\n", Network::Regtest},
             {"testnet=1\n[main]\ntestnet=0\n", Network::Test},
             {"", Network::Main},
         }) {
        auto c = parse({}, &text);
        ASSERT_TRUE(c.ok()) << text << c.error().detail;
        EXPECT_EQ(c->network, expected) << text;
    }
    // The command line's choice wins over the file's, as every other flag does.
    std::string file = "testnet=1\n";
    auto c = parse({"-regtest"}, &file);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->network, Network::Regtest);
}

TEST(Config, ConflictingNetworkChoicesAreOneClearError) {
    struct Case {
        std::vector<std::string> args;
        std::string conf;
        std::vector<std::string> mentions;
    };
    std::vector<Case> cases = {
        {{"-regtest", "-testnet"}, "", {"--regtest", "--testnet"}},
        {{"--regtest", "--network=main"}, "", {"--regtest", "--network=main"}},
        {{"--chain=test", "--network=regtest"}, "", {"--chain=test", "--network=regtest"}},
        {{}, "regtest=1\ntestnet=1\n", {"finch.conf:1 regtest=1", "finch.conf:2 testnet=1"}},
        {{}, "network=main\nregtest=1\n", {"finch.conf:1", "finch.conf:2"}},
        {{}, "[test]\nregtest=1\n", {"finch.conf:2", "[test]"}},
        {{}, "[regtest]\nnetwork=main\n", {"finch.conf:2", "[regtest]"}},
        {{}, "regtest=yes\n", {"finch.conf:1", "regtest"}},
        {{"--regtest=2"}, "", {"--regtest"}},
    };
    for (const auto& c : cases) {
        auto r = parse(c.args, &c.conf);
        ASSERT_FALSE(r.ok()) << c.conf;
        for (const auto& m : c.mentions) EXPECT_NE(r.error().detail.find(m), std::string::npos) << r.error().detail;
        EXPECT_EQ(r.error().detail.find('\n'), std::string::npos);
    }
}

TEST(Config, AcceptsBitcoindAndFinchCliSpellings) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"-regtest"}, {"--regtest"}, {"-regtest=1"}, {"--regtest", "1"}, {"-network=regtest"},
             {"--network", "regtest"}, {"-chain=regtest"}, {"--chain", "regtest"}}) {
        auto c = parse(args);
        ASSERT_TRUE(c.ok()) << args[0] << ": " << c.error().detail;
        EXPECT_EQ(c->network, Network::Regtest) << args[0];
    }
    for (const auto& args : std::vector<std::vector<std::string>>{{"-testnet"}, {"--testnet"}, {"-testnet=1"}}) {
        auto c = parse(args);
        ASSERT_TRUE(c.ok()) << args[0];
        EXPECT_EQ(c->network, Network::Test) << args[0];
    }
    for (const char* help : {"-h", "-?", "--help", "-help", "--h", "-help=1"}) {
        auto c = parse({help});
        ASSERT_TRUE(c.ok()) << help << ": " << c.error().detail;
        EXPECT_TRUE(c->help) << help;
    }
    for (const char* version : {"-version", "--version"}) {
        auto c = parse({version});
        ASSERT_TRUE(c.ok()) << version;
        EXPECT_TRUE(c->version) << version;
    }
    auto d = parse({"-datadir=/tmp/d", "-rpcport=5555", "-port", "6666", "-daemon", "-pid=/run/f.pid"});
    ASSERT_TRUE(d.ok()) << d.error().detail;
    EXPECT_EQ(d->datadir, "/tmp/d");
    EXPECT_EQ(d->rpcport, 5555);
    EXPECT_EQ(d->port, 6666);
    EXPECT_TRUE(d->daemon);
    EXPECT_EQ(d->pid_file(), "/run/f.pid");
    auto w = parse({"--daemonwait", "--pid", "run/f.pid", "--datadir=/tmp/d", "--regtest"});
    ASSERT_TRUE(w.ok()) << w.error().detail;
    EXPECT_TRUE(w->daemon);
    EXPECT_EQ(w->pid_file(), "/tmp/d/regtest/run/f.pid");
}

TEST(Config, FinchCliKeysInTheSharedFileAreSkipped) {
    std::string conf = "rpcconnect=127.0.0.1:5\nrpcwait=1\nrpcwaittimeout=3\n[regtest]\nrpcclienttimeout=9\n";
    auto c = parse({"--network=regtest"}, &conf);
    EXPECT_TRUE(c.ok()) << c.error().detail;
    std::string bad = "rpcconect=1\n";  // a typo is still an error
    EXPECT_FALSE(parse({}, &bad).ok());
}

TEST(Config, NoPrefixNegatesOnOffOptions) {
    auto c = parse({"-nolisten", "--noprinttoconsole", "-nodaemon=0"});
    ASSERT_TRUE(c.ok()) << c.error().detail;
    EXPECT_FALSE(c->listen);
    EXPECT_FALSE(c->printtoconsole);
    EXPECT_TRUE(c->daemon);
    std::string conf = "nolisten=1\n";
    auto f = parse({}, &conf);
    ASSERT_TRUE(f.ok());
    EXPECT_FALSE(f->listen);
    auto bad = parse({"-noport=5"});  // only on/off options have a no- form
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().detail.find("noport"), std::string::npos);
}

TEST(Config, PidFileDefaultsToTheNetworkFolder) {
    auto c = parse({"--datadir=/tmp/d", "--network=test"});
    ASSERT_TRUE(c.ok());
    EXPECT_FALSE(c->daemon);
    EXPECT_EQ(c->pid_file(), "/tmp/d/test/finchd.pid");
    std::string conf = "[regtest]\npid=other.pid\ndaemon=1\n";
    auto f = parse({"--datadir=/tmp/d", "-regtest"}, &conf);
    ASSERT_TRUE(f.ok()) << f.error().detail;
    EXPECT_TRUE(f->daemon);
    EXPECT_EQ(f->pid_file(), "/tmp/d/regtest/other.pid");
}

TEST(Config, HelpListsEveryBriefFlag) {
    const std::string help = config_help();
    for (const char* flag : {"--datadir", "--conf", "--network", "--port", "--bind", "--listen", "--connect", "--addnode",
                             "--maxconnections", "--rpcport", "--rpcbind", "--rpcuser", "--rpcpassword", "--mine",
                             "--miner-address", "--miner-threads", "--printtoconsole", "--debug", "--reindex", "--help",
                             "--version", "--regtest", "--testnet", "--daemon", "--pid", "-h, -?", "[regtest]"})
        EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace finch::node
