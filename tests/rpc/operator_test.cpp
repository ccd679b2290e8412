// The operator surface's parts without sockets: the metrics text format (util/metrics),
// RPC counting by method (unknown names as "other"), and the subscription hub's rules
// (parameters, caps, numbering without gaps, a closing connection, address matching).
#include "rpc/rpc_metrics.h"
#include "rpc/subscriptions.h"
#include "fake_node.h"

#include <gtest/gtest.h>

#include <deque>

namespace finch::rpc {
namespace {

using test::FakeNode;

TEST(MetricsText, FamiliesSamplesAndEscapes) {
    util::MetricsText out;
    out.family("finch_x_total", util::MetricsText::Type::Counter, "Help with a \\ and\na newline.");
    out.sample("finch_x_total", {{"method", "a\"b\\c\nd"}}, 3);
    out.family("finch_g", util::MetricsText::Type::Gauge, "A gauge.");
    out.sample("finch_g", {}, 0.25);
    EXPECT_EQ(out.text(),
              "# HELP finch_x_total Help with a \\\\ and\\na newline.\n# TYPE finch_x_total counter\n"
              "finch_x_total{method=\"a\\\"b\\\\c\\nd\"} 3\n"
              "# HELP finch_g A gauge.\n# TYPE finch_g gauge\nfinch_g 0.25\n");
}

TEST(MetricsText, HistogramIsCumulativeWithInfAndCount) {
    static constexpr double kBounds[] = {0.1, 1};
    util::Histogram h(kBounds);
    h.observe(0.05);
    h.observe(0.1);  // on the bound: le="0.1" counts it
    h.observe(0.5);
    h.observe(7);
    const auto s = h.snapshot();
    ASSERT_EQ(s.cumulative.size(), 3u);
    EXPECT_EQ(s.cumulative[0], 2u);
    EXPECT_EQ(s.cumulative[1], 3u);
    EXPECT_EQ(s.cumulative[2], 4u);
    EXPECT_EQ(s.count, 4u);
    EXPECT_DOUBLE_EQ(s.sum, 7.65);
    util::MetricsText out;
    out.histogram("finch_h_seconds", {{"method", "m"}}, s);
    EXPECT_EQ(out.text(),
              "finch_h_seconds_bucket{method=\"m\",le=\"0.1\"} 2\n"
              "finch_h_seconds_bucket{method=\"m\",le=\"1\"} 3\n"
              "finch_h_seconds_bucket{method=\"m\",le=\"+Inf\"} 4\n"
              "finch_h_seconds_sum{method=\"m\"} 7.65\n"
              "finch_h_seconds_count{method=\"m\"} 4\n");
}

TEST(RpcMetrics, UnknownMethodsCountAsOther) {
    RpcMetrics m;
    m.record_call("getblockcount", std::chrono::microseconds(10));
    m.record_call("getblockcount", std::chrono::microseconds(20));
    m.record_call("<script>", std::chrono::microseconds(1));
    m.record_call("another unknown", std::chrono::microseconds(1));
    util::MetricsText out;
    m.write(out);
    const std::string& t = out.text();
    EXPECT_NE(t.find("finch_rpc_requests_total{method=\"getblockcount\"} 2\n"), std::string::npos);
    EXPECT_NE(t.find("finch_rpc_requests_total{method=\"other\"} 2\n"), std::string::npos);
    EXPECT_NE(t.find("finch_rpc_request_duration_seconds_count{method=\"getblockcount\"} 2\n"), std::string::npos);
    EXPECT_EQ(t.find("<script>"), std::string::npos);
}

// A connection that records what it is given, and refuses once `capacity` is reached.
struct Recorder : Subscriber {
    size_t capacity = 1'000'000;
    bool gone = false;
    std::deque<Json> got;
    bool closing() const override { return gone; }
    bool deliver(std::string message) override {
        if (got.size() >= capacity) return false;
        got.push_back(Json::parse(message));
        return true;
    }
};

struct HubTest : ::testing::Test {
    FakeNode node;
    RpcMetrics metrics;
    SubscriptionHub hub{node.params(), metrics, 4};

    uint64_t subscribe(const std::shared_ptr<Recorder>& r, const Json& params) {
        auto result = hub.subscribe(r, params);
        EXPECT_TRUE(std::holds_alternative<uint64_t>(result)) << (std::holds_alternative<RpcError>(result)
                                                                     ? std::get<RpcError>(result).message
                                                                     : "");
        return std::holds_alternative<uint64_t>(result) ? std::get<uint64_t>(result) : 0;
    }
    RpcError refused(const std::shared_ptr<Recorder>& r, const Json& params) {
        auto result = hub.subscribe(r, params);
        EXPECT_TRUE(std::holds_alternative<RpcError>(result)) << params.dump();
        return std::holds_alternative<RpcError>(result) ? std::get<RpcError>(result) : RpcError{};
    }
};

TEST_F(HubTest, ParametersAreChecked) {
    auto r = std::make_shared<Recorder>();
    EXPECT_EQ(refused(r, Json{{"topic", "weather"}}).code, code::kInvalidParameter);
    EXPECT_EQ(refused(r, Json::object()).code, code::kInvalidParameter);
    EXPECT_EQ(refused(r, Json{{"topic", 7}}).code, code::kInvalidParameter);
    EXPECT_EQ(refused(r, Json{{"topic", "blocks"}, {"address", "x"}}).code, code::kInvalidParameter);
    EXPECT_EQ(refused(r, Json{{"topic", "blocks"}, {"extra", 1}}).code, code::kInvalidParameter);
    EXPECT_EQ(refused(r, Json::array({"blocks", "a", "b"})).code, code::kInvalidParameter);
    EXPECT_EQ(refused(r, Json("blocks")).code, code::kInvalidParameter);
    EXPECT_EQ(refused(r, Json{{"topic", "address"}}).code, code::kInvalidParameter);
    const RpcError bad = refused(r, Json{{"topic", "address"}, {"address", "fc1qnotanaddress"}});
    EXPECT_EQ(bad.code, code::kInvalidAddressOrKey);
    const std::string main_address = encode_address(test::account_of("alice"), chain_params(Network::Main).hrp);
    EXPECT_NE(refused(r, Json{{"topic", "address"}, {"address", main_address}}).message.find("wrong-network"),
              std::string::npos);
    EXPECT_EQ(hub.subscriptions(), 0u);
    EXPECT_NE(subscribe(r, Json::array({"blocks"})), 0u);
    EXPECT_NE(subscribe(r, Json::array({"address", encode_address(test::account_of("alice"), node.params().hrp)})), 0u);
}

TEST_F(HubTest, CapPerConnectionAndUnsubscribe) {
    auto r = std::make_shared<Recorder>(), other = std::make_shared<Recorder>();
    std::vector<uint64_t> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(subscribe(r, Json{{"topic", "blocks"}}));
    EXPECT_EQ(refused(r, Json{{"topic", "blocks"}}).code, code::kMiscError);
    EXPECT_NE(subscribe(other, Json{{"topic", "blocks"}}), 0u);  // the cap is per connection
    EXPECT_FALSE(hub.unsubscribe(other.get(), ids[0]));            // not its subscription
    EXPECT_TRUE(hub.unsubscribe(r.get(), ids[0]));
    EXPECT_FALSE(hub.unsubscribe(r.get(), ids[0]));
    EXPECT_NE(subscribe(r, Json{{"topic", "blocks"}}), 0u);
    hub.remove(r.get());
    EXPECT_EQ(hub.subscriptions(), 1u);
    other->gone = true;  // a closing connection gets no new subscription
    EXPECT_EQ(refused(other, Json{{"topic", "blocks"}}).code, code::kMiscError);
    EXPECT_EQ(hub.subscriptions(), 1u);
}

TEST_F(HubTest, TheAnswerComesBeforeTheFirstNotification) {
    auto r = std::make_shared<Recorder>();
    std::string answered;
    hub.subscribe(r, Json{{"topic", "blocks"}}, [&](const SubscriptionHub::Outcome& o) {
        answered = std::holds_alternative<uint64_t>(o) ? "id" : "error";
        EXPECT_TRUE(r->got.empty());
    });
    EXPECT_EQ(answered, "id");
    hub.subscribe(r, Json{{"topic", "nope"}}, [&](const SubscriptionHub::Outcome& o) {
        answered = std::holds_alternative<uint64_t>(o) ? "id" : "error";
    });
    EXPECT_EQ(answered, "error");
}

TEST_F(HubTest, BlocksAreNumberedPerSubscriptionAcrossAReorg) {
    auto r = std::make_shared<Recorder>();
    const uint64_t a = subscribe(r, Json{{"topic", "blocks"}});
    hub.block_connected(node.chain[1], node.hashes[1], 1);
    hub.block_disconnected(node.chain[1], node.hashes[1], 1);
    const uint64_t b = subscribe(r, Json{{"topic", "blocks"}});
    hub.block_connected(node.chain[2], node.hashes[2], 2);
    ASSERT_EQ(r->got.size(), 4u);
    EXPECT_EQ(r->got[0]["params"]["result"]["event"], "connected");
    EXPECT_EQ(r->got[1]["params"]["result"]["event"], "disconnected");
    EXPECT_EQ(r->got[1]["params"]["result"]["hash"], node.hashes[1].to_hex());
    EXPECT_EQ(r->got[2]["params"]["subscription"], a);
    EXPECT_EQ(r->got[2]["params"]["seq"], 3);
    EXPECT_EQ(r->got[3]["params"]["subscription"], b);
    EXPECT_EQ(r->got[3]["params"]["seq"], 1);
    EXPECT_EQ(r->got[3]["jsonrpc"], "2.0");
    EXPECT_EQ(r->got[3]["method"], "subscription");
    EXPECT_EQ(metrics.notifications[0].value(), 4u);
}

TEST_F(HubTest, AConnectionThatRefusesGetsNoNumbersSkipped) {
    auto full = std::make_shared<Recorder>(), fine = std::make_shared<Recorder>();
    full->capacity = 1;
    subscribe(full, Json{{"topic", "blocks"}});
    subscribe(full, Json{{"topic", "blocks"}});
    subscribe(fine, Json{{"topic", "blocks"}});
    for (uint64_t h = 1; h <= 3; ++h) hub.block_connected(node.chain[h], node.hashes[h], h);
    ASSERT_EQ(full->got.size(), 1u);  // it refused the rest: the server closes it
    EXPECT_EQ(full->got[0]["params"]["seq"], 1);
    ASSERT_EQ(fine->got.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(fine->got[i]["params"]["seq"], i + 1);
}

TEST_F(HubTest, TransactionsAndAddresses) {
    const AccountId alice = test::account_of("alice"), bob = test::account_of("bob");
    const std::string alice_address = encode_address(alice, node.params().hrp);
    auto all = std::make_shared<Recorder>(), watcher = std::make_shared<Recorder>();
    subscribe(all, Json{{"topic", "transactions"}});
    subscribe(watcher, Json{{"topic", "address"}, {"address", alice_address}});
    const Transaction to_bob = test::signed_transfer("carol", bob, 5, 1000, 0);
    const Transaction to_alice = test::signed_transfer("carol", alice, 6, 1000, 1);
    hub.transaction_accepted(to_bob, to_bob.txid());
    hub.transaction_accepted(to_alice, to_alice.txid());
    ASSERT_EQ(all->got.size(), 2u);
    EXPECT_EQ(all->got[1]["params"]["result"]["txid"], to_alice.txid().to_hex());
    EXPECT_EQ(all->got[1]["params"]["result"]["to"], alice_address);
    EXPECT_EQ(all->got[1]["params"]["result"]["amount"], 6);
    ASSERT_EQ(watcher->got.size(), 1u);
    EXPECT_EQ(watcher->got[0]["params"]["result"]["status"], "pending");

    Block block = node.chain[1];
    block.txs = {to_bob, to_alice};
    block.coinbase.recipient = alice;
    hub.block_connected(block, block.hash(), 9);
    ASSERT_EQ(watcher->got.size(), 2u);  // one message for the block: the coinbase to alice, then her transfer
    const Json& confirmed = watcher->got[1]["params"]["result"];
    EXPECT_EQ(confirmed["status"], "confirmed");
    EXPECT_EQ(confirmed["height"], 9);
    EXPECT_EQ(confirmed["blockhash"], block.hash().to_hex());
    ASSERT_EQ(confirmed["transfers"].size(), 2u);
    EXPECT_EQ(confirmed["transfers"][0]["coinbase"], true);
    EXPECT_EQ(confirmed["transfers"][1]["txid"], to_alice.txid().to_hex());
    EXPECT_EQ(watcher->got[1]["params"]["seq"], 2);
    hub.block_disconnected(block, block.hash(), 9);
    EXPECT_EQ(watcher->got.back()["params"]["result"]["status"], "disconnected");
    EXPECT_EQ(all->got.size(), 2u);  // blocks do not go to the transactions topic
}

}  // namespace
}  // namespace finch::rpc
