// finchd configuration: flags, the config file, precedence and every kind of bad input.
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

TEST(Config, RejectsUnknownKeysInTheFile) {
    std::string conf = "network=regtest\nfoo=1\n";
    auto r = parse({}, &conf);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().detail.find("line 2"), std::string::npos);
    EXPECT_NE(r.error().detail.find("foo"), std::string::npos);
}

TEST(Config, HelpListsEveryBriefFlag) {
    const std::string help = config_help();
    for (const char* flag : {"--datadir", "--conf", "--network", "--port", "--bind", "--listen", "--connect", "--addnode",
                             "--maxconnections", "--rpcport", "--rpcbind", "--rpcuser", "--rpcpassword", "--mine",
                             "--miner-address", "--miner-threads", "--printtoconsole", "--debug", "--reindex", "--help",
                             "--version"})
        EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace finch::node
