// finch-cli -getinfo and -netinfo formatting without a node: the level argument, every line
// of -getinfo (warnings joined), peers counted by direction and address family, the score
// column from getpeerinfo's "score" when present and '-' otherwise, ages from conntime.
#include "rpc/cli/dashboards.h"

#include <gtest/gtest.h>

namespace finch::cli {
namespace {

using rpc::Json;

constexpr uint64_t kNow = 1'800'000'000;

Json network() {
    return Json::parse(R"({"version": 100, "subversion": "/finchd:0.1.0/", "protocolversion": 3,
        "identity": "6bf908b75eee6189e1d82d3e03ac338fbe43f67d3b347690e98e2e9d659ee310",
        "connections": 3, "connections_in": 2, "connections_out": 1, "warnings": "",
        "localaddresses": [{"address": "127.0.0.1", "port": 19444}]})");
}

Json peers() {
    return Json::parse(R"([
        {"id": 4, "addr": "127.0.0.1:5000", "identity": "aaaaaaaaaaaaaaaabbbb", "inbound": false,
         "conntime": 1799999880, "bytessent": 2048, "bytesrecv": 10240, "pingtime": 0.0125,
         "subver": "/finchd:0.1.0/", "synced_blocks": 7, "score": 12},
        {"id": 5, "addr": "[::1]:6000", "identity": "cccccccccccccccc", "inbound": true,
         "conntime": 1799999990, "bytessent": 0, "bytesrecv": 100},
        {"id": 6, "addr": "10.0.0.2:7000", "identity": "dddddddddddddddd", "inbound": true,
         "conntime": 1799999000, "bytessent": 1, "bytesrecv": 1, "pingtime": 1.5, "score": 2.5}])");
}

TEST(Netinfo, LevelIsNothingOrOneDigitUpToFour) {
    EXPECT_EQ(*parse_netinfo_level({}), 0);
    for (int level = 0; level <= 4; ++level) EXPECT_EQ(*parse_netinfo_level({std::to_string(level)}), level);
    for (const auto& bad : std::vector<std::vector<std::string>>{{"5"}, {"-1"}, {"01"}, {"x"}, {""}, {"1", "2"}})
        EXPECT_FALSE(parse_netinfo_level(bad).ok()) << (bad.empty() ? "" : bad[0]);
}

TEST(Netinfo, CountsByDirectionAndFamily) {
    const std::string out = format_netinfo(network(), peers(), 0, false, kNow);
    EXPECT_EQ(out,
              "server /finchd:0.1.0/ protocol 3, identity 6bf908b75eee6189\n\n"
              "        ipv4    ipv6   total\n"
              "in         1       1       2\n"
              "out        1       0       1\n"
              "total      2       1       3\n\n"
              "Local addresses: 127.0.0.1:19444\n");
}

TEST(Netinfo, PeerTableHasScoreOrDash) {
    const std::string out = format_netinfo(network(), peers(), 1, false, kNow);
    EXPECT_NE(out.find("<->   id  identity          ping(ms)  send(KB)  recv(KB)  age(min)  score\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("out     4  aaaaaaaaaaaaaaaa      12.5         2        10         2     12\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("in      5  cccccccccccccccc         -         0         0         0      -\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("in      6  dddddddddddddddd    1500.0         0         0        16    2.5\n"), std::string::npos)
        << out;
    EXPECT_EQ(out.find("score  address"), std::string::npos);
}

TEST(Netinfo, HigherLevelsAddAddressThenVersion) {
    const std::string two = format_netinfo(network(), peers(), 2, false, kNow);
    EXPECT_NE(two.find("  score  address\n"), std::string::npos) << two;
    EXPECT_NE(two.find("     12  127.0.0.1:5000\n"), std::string::npos) << two;
    const std::string four = format_netinfo(network(), peers(), 4, false, kNow);
    EXPECT_NE(four.find("  address  blocks  version\n"), std::string::npos) << four;
    EXPECT_NE(four.find("127.0.0.1:5000       7  /finchd:0.1.0/\n"), std::string::npos) << four;
}

TEST(Netinfo, JsonCarriesTheSameAndNullsForWhatIsUnknown) {
    const Json j = Json::parse(format_netinfo(network(), peers(), 2, true, kNow));
    EXPECT_EQ(j["peers"]["in"], Json::parse(R"({"ipv4": 1, "ipv6": 1, "total": 2})"));
    ASSERT_EQ(j["peer_list"].size(), 3u);
    EXPECT_EQ(j["peer_list"][0]["score"], 12);
    EXPECT_EQ(j["peer_list"][0]["age_seconds"], 120);
    EXPECT_EQ(j["peer_list"][0]["address"], "127.0.0.1:5000");
    EXPECT_TRUE(j["peer_list"][1]["score"].is_null());
    EXPECT_TRUE(j["peer_list"][1]["ping_ms"].is_null());
    EXPECT_FALSE(j["peer_list"][1].contains("subver"));
    EXPECT_FALSE(Json::parse(format_netinfo(network(), peers(), 0, true, kNow)).contains("peer_list"));
}

TEST(Netinfo, ToleratesMissingFieldsAndAFutureConntime) {
    const std::string out =
        format_netinfo(Json::object(), Json::parse(R"([{"conntime": 1900000000}])"), 1, false, kNow);
    EXPECT_NE(out.find("identity -\n"), std::string::npos) << out;
    EXPECT_NE(out.find("out     0  -                        -         0         0         0      -\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("Local addresses: n/a\n"), std::string::npos);
}

TEST(Getinfo, EveryLine) {
    const Json chain = Json::parse(R"({"chain": "test", "blocks": 10, "headers": 12, "verificationprogress": 0.83333,
        "initialblockdownload": true, "difficulty": 2.5, "warnings": "clock skew"})");
    Json net = network();
    net["warnings"] = "few peers";
    const Json pool = Json::parse(R"({"size": 3, "bytes": 420, "total_fee": 3000, "minrelaytxfee": 1})");
    EXPECT_EQ(format_getinfo(chain, net, pool, false),
              "Chain: test\nBlocks: 10\nHeaders: 12\nVerification progress: 83.3330%\nDifficulty: 2.5\n\n"
              "Network: in 2, out 1, total 3\nMempool: 3 transactions, 420 bytes, fees 3000\n"
              "Version: 100 /finchd:0.1.0/\nMin relay fee (base units/byte): 1\n\n"
              "Warnings: clock skew; few peers\n");
    const Json j = Json::parse(format_getinfo(chain, net, pool, true));
    EXPECT_EQ(j["connections"], Json::parse(R"({"in": 2, "out": 1, "total": 3})"));
    EXPECT_EQ(j["initialblockdownload"], true);
    EXPECT_EQ(j["warnings"], "clock skew; few peers");
}

}  // namespace
}  // namespace finch::cli
