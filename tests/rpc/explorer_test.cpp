// The explorer: its JSON API over the fake node (every path, each rejection with the input
// that triggers it), the per-address limits, and the server's routes (no credentials for
// /explorer/ and /api/ only, methods, headers, 429).
#include "rpc/explorer_api.h"
#include "rpc/explorer_assets.h"
#include "rpc/per_ip_limits.h"
#include "rpc/protocol.h"
#include "rpc/server.h"
#include "tests/rpc/fake_node.h"
#include "tests/rpc/http_test_client.h"

#include <gtest/gtest.h>

#include <chrono>

namespace finch::rpc::test {
namespace {

struct Parsed {
    int status;
    Json body;
    bool immutable;
};

class ExplorerApiTest : public ::testing::Test {
protected:
    FakeNode node;
    ExplorerApi api{node};
    Parsed get(const std::string& target) {
        ApiReply r = api.handle(target);
        return {r.status, Json::parse(r.body), r.immutable};
    }
    std::string address(const std::string& label) { return encode_address(account_of(label), node.params()); }
    void expect_fault(const std::string& target, int status, const std::string& code) {
        Parsed p = get(target);
        EXPECT_EQ(p.status, status) << target;
        EXPECT_EQ(p.body.value("code", ""), code) << target << " " << p.body.dump();
        EXPECT_FALSE(p.body.value("error", "").empty()) << target;
    }
};

TEST_F(ExplorerApiTest, TipHasTheHomePageFields) {
    Parsed p = get("/api/tip");
    ASSERT_EQ(p.status, 200);
    EXPECT_EQ(p.body["height"], node.chain.size() - 1);
    EXPECT_EQ(p.body["hash"], node.hashes.back().to_hex());
    EXPECT_EQ(p.body["time"], node.chain.back().header.time);
    EXPECT_EQ(p.body["network"], "regtest");
    EXPECT_EQ(p.body["mempool"]["count"], 1);
    for (const char* k : {"difficulty", "hashrate", "peers"}) EXPECT_TRUE(p.body.contains(k)) << k;
    EXPECT_FALSE(p.immutable);
}

TEST_F(ExplorerApiTest, RecentBlocksNewestFirstAndCountChecked) {
    Parsed p = get("/api/blocks?count=2");
    ASSERT_EQ(p.status, 200);
    ASSERT_EQ(p.body.size(), 2u);
    EXPECT_EQ(p.body[0]["height"], 2);
    EXPECT_EQ(p.body[1]["height"], 1);
    EXPECT_EQ(p.body[0]["transactions"], 3);
    EXPECT_EQ(p.body[0]["fees"], 2000);
    EXPECT_GT(p.body[0]["work"].get<double>(), 0);
    EXPECT_EQ(get("/api/blocks?count=100").body.size(), 3u);  // all there is, genesis included
    expect_fault("/api/blocks?count=0", 400, "bad-request");
    expect_fault("/api/blocks?count=101", 400, "bad-request");
    expect_fault("/api/blocks?count=x", 400, "bad-request");
    expect_fault("/api/blocks?count=", 400, "bad-request");
}

TEST_F(ExplorerApiTest, BlockByHashIsImmutableByHeightIsNot) {
    Parsed by_hash = get("/api/block/" + node.hashes[2].to_hex());
    Parsed by_height = get("/api/block/2");
    ASSERT_EQ(by_hash.status, 200);
    EXPECT_TRUE(by_hash.immutable);
    EXPECT_FALSE(by_height.immutable);
    EXPECT_EQ(by_hash.body, by_height.body);
    const Json& b = by_hash.body;
    EXPECT_EQ(b["height"], 2);
    EXPECT_EQ(b["previous"], node.hashes[1].to_hex());
    EXPECT_FALSE(b.contains("confirmations"));  // it changes: /status has it
    ASSERT_EQ(b["tx"].size(), 3u);
    EXPECT_EQ(b["tx"][0]["coinbase"], true);
    EXPECT_EQ(b["tx"][1]["to"], address("bob"));
    EXPECT_EQ(b["tx"][1]["from"], address("miner"));
    EXPECT_EQ(b["tx"][2]["amount"], 2 * kCoin);
    EXPECT_EQ(b["pages"], 1);
    EXPECT_TRUE(get("/api/block/0").body["previous"].is_null());

    Parsed status = get("/api/block/" + node.hashes[1].to_hex() + "/status");
    EXPECT_EQ(status.body["in_active_chain"], true);
    EXPECT_EQ(status.body["confirmations"], 2);
    EXPECT_EQ(status.body["next"], node.hashes[2].to_hex());
    EXPECT_FALSE(status.immutable);
    Parsed fork = get("/api/block/" + node.fork_hash.to_hex() + "/status");
    EXPECT_EQ(fork.body["in_active_chain"], false);
    EXPECT_EQ(fork.body["confirmations"], 0);
}

TEST_F(ExplorerApiTest, BlockTransfersArePaged) {
    FakeNode big(60);  // 61 transactions: pages of 25, 25, 11
    ExplorerApi big_api(big);
    Json p0 = Json::parse(big_api.handle("/api/block/3").body);
    Json p2 = Json::parse(big_api.handle("/api/block/3?page=2").body);
    EXPECT_EQ(p0["pages"], 3);
    EXPECT_EQ(p0["tx"].size(), 25u);
    EXPECT_EQ(p0["tx"][0]["coinbase"], true);
    EXPECT_EQ(p2["tx"].size(), 11u);
    EXPECT_EQ(p2["tx"][10]["txid"], big.chain[3].txs.back().txid().to_hex());
    EXPECT_EQ(Json::parse(big_api.handle("/api/block/3?page=3").body)["code"], "not-found");
}

TEST_F(ExplorerApiTest, BlockRejections) {
    expect_fault("/api/block/99", 404, "not-found");
    expect_fault("/api/block/" + std::string(64, 'a'), 404, "not-found");
    expect_fault("/api/block/abc", 400, "bad-request");
    expect_fault("/api/block/-1", 400, "bad-request");
    expect_fault("/api/block/99999999999999999999", 400, "bad-request");
    expect_fault("/api/block/1?page=-1", 400, "bad-request");
    expect_fault("/api/block/1?page=1000001", 400, "bad-request");
    expect_fault("/api/block/", 404, "not-found");
    expect_fault("/api/block/%zz", 400, "bad-request");
    expect_fault("/api/block/%0a1", 400, "bad-request");  // a control character
}

TEST_F(ExplorerApiTest, TransactionsPendingConfirmedAndCoinbase) {
    const Transaction& t = node.chain[2].txs[0];
    Parsed c = get("/api/tx/" + t.txid().to_hex());
    ASSERT_EQ(c.status, 200);
    EXPECT_EQ(c.body["status"], "confirmed");
    EXPECT_EQ(c.body["from"], address("miner"));
    EXPECT_EQ(c.body["to"], address("bob"));
    EXPECT_EQ(c.body["amount"], kCoin);
    EXPECT_EQ(c.body["fee"], 1000);
    EXPECT_EQ(c.body["nonce"], 0);
    EXPECT_EQ(c.body["block"], node.hashes[2].to_hex());
    EXPECT_EQ(c.body["height"], 2);
    EXPECT_EQ(c.body["confirmations"], 1);

    const std::string pending = node.mempool_txids().at(0).to_hex();
    Parsed p = get("/api/tx/" + pending);
    EXPECT_EQ(p.body["status"], "pending");
    EXPECT_EQ(p.body["from"], address("alice"));
    EXPECT_FALSE(p.body.contains("block"));

    Parsed cb = get("/api/tx/" + node.chain[1].coinbase.txid().to_hex());
    EXPECT_EQ(cb.body["coinbase"], true);
    EXPECT_EQ(cb.body["to"], address("miner"));

    expect_fault("/api/tx/" + std::string(64, '0'), 404, "not-found");
    expect_fault("/api/tx/1234", 400, "bad-request");
    expect_fault("/api/tx/" + std::string(64, 'g'), 400, "bad-request");
}

TEST_F(ExplorerApiTest, AddressBalanceHistoryAndPending) {
    Parsed bob = get("/api/address/" + address("bob"));
    ASSERT_EQ(bob.status, 200);
    EXPECT_EQ(bob.body["balance"], kCoin);
    ASSERT_EQ(bob.body["history"].size(), 1u);
    EXPECT_EQ(bob.body["history"][0]["role"], "received");
    EXPECT_EQ(bob.body["history"][0]["counterparty"], address("miner"));
    EXPECT_EQ(bob.body["more"], false);
    ASSERT_EQ(bob.body["pending"].size(), 1u);  // alice's pending transfer to bob
    EXPECT_EQ(bob.body["pending"][0]["from"], address("alice"));

    Parsed miner = get("/api/address/" + address("miner"));
    ASSERT_EQ(miner.body["history"].size(), 4u);  // mined 1 and 2, sent 2
    EXPECT_EQ(miner.body["history"][0]["role"], "sent");
    EXPECT_EQ(miner.body["history"][0]["position"], 2);
    EXPECT_TRUE(miner.body["history"][3]["counterparty"].is_null());

    FakeNode big(60);  // the miner: 2 coinbases (3 with the big block) + 62 sent
    ExplorerApi big_api(big);
    Json page0 = Json::parse(big_api.handle("/api/address/" + address("miner")).body);
    Json page2 = Json::parse(big_api.handle("/api/address/" + address("miner") + "?page=2").body);
    EXPECT_EQ(page0["history"].size(), 25u);
    EXPECT_EQ(page0["more"], true);
    EXPECT_EQ(page2["history"].size(), 65u - 50u);
    EXPECT_EQ(page2["more"], false);
    EXPECT_TRUE(page2["next"].is_null());
    // "next" names the last entry's place; ?after= continues from it, as page 1 does.
    ASSERT_TRUE(page0["next"].is_string());
    const Json last = page0["history"][24];
    EXPECT_EQ(page0["next"], std::to_string(last["height"].get<int>()) + "." +
                                 std::to_string(last["position"].get<int>()) + "." + last["role"].get<std::string>());
    Json page1 = Json::parse(big_api.handle("/api/address/" + address("miner") + "?page=1").body);
    Json after = Json::parse(
        big_api.handle("/api/address/" + address("miner") + "?after=" + page0["next"].get<std::string>()).body);
    EXPECT_EQ(after["history"], page1["history"]);
    EXPECT_EQ(after["next"], page1["next"]);

    node.address_index_off = true;
    Parsed off = get("/api/address/" + address("bob"));
    EXPECT_EQ(off.status, 200);
    EXPECT_TRUE(off.body["history"].is_null());
    EXPECT_EQ(off.body["balance"], kCoin);
}

TEST_F(ExplorerApiTest, AddressRejectionsNameTheWrongNetwork) {
    const std::string main_address = encode_address(account_of("bob"), chain_params(Network::Main));
    Parsed p = get("/api/address/" + main_address);
    EXPECT_EQ(p.status, 400);
    EXPECT_EQ(p.body["code"], "wrong-network");
    EXPECT_NE(p.body["error"].get<std::string>().find("main"), std::string::npos);
    std::string bad = address("bob");
    bad.back() = bad.back() == 'q' ? 'p' : 'q';
    expect_fault("/api/address/" + bad, 400, "bad-request");
    expect_fault("/api/address/<script>alert(1)</script>", 400, "bad-request");
    expect_fault("/api/address/" + address("bob") + "?page=x", 400, "bad-request");
    expect_fault("/api/address/" + address("bob") + "?page=401", 400, "bad-request");  // deeper: ?after=
    for (const char* after : {"1.2", "1.2.spent", "x.1.sent", "1.16384.sent", "4294967296.1.sent", "1..sent", ""})
        expect_fault("/api/address/" + address("bob") + "?after=" + after, 400, "bad-request");
}

TEST_F(ExplorerApiTest, MempoolAndSearch) {
    Parsed m = get("/api/mempool");
    EXPECT_EQ(m.body["count"], 1);
    ASSERT_EQ(m.body["latest"].size(), 1u);
    EXPECT_EQ(m.body["latest"][0]["to"], address("bob"));

    auto found = [&](const std::string& q, const std::string& kind, const std::string& id) {
        Parsed s = get("/api/search/" + q);
        EXPECT_EQ(s.status, 200) << q;
        EXPECT_EQ(s.body["kind"], kind) << q;
        EXPECT_EQ(s.body["id"], id) << q;
    };
    found("2", "block", "2");
    found("%202%20", "block", "2");  // spaces around are ignored
    found(node.hashes[1].to_hex(), "block", node.hashes[1].to_hex());
    found(node.chain[2].txs[1].txid().to_hex(), "tx", node.chain[2].txs[1].txid().to_hex());
    found(address("carol"), "address", address("carol"));
    expect_fault("/api/search/42", 404, "not-found");
    expect_fault("/api/search/" + std::string(64, 'e'), 404, "not-found");
    expect_fault("/api/search/hello", 404, "not-found");
    expect_fault("/api/search/%20", 400, "bad-request");
    expect_fault("/api/search/" + encode_address(account_of("x"), chain_params(Network::Test)), 400, "wrong-network");
    expect_fault("/api/nothing", 404, "not-found");
    expect_fault("/api/tip/extra", 404, "not-found");
}

TEST(ExplorerApiCache, BlockPagesAreRenderedOnceAndTheCacheIsBounded) {
    struct CountingNode : FakeNode {
        CountingNode() : FakeNode(60) {}
        std::atomic<int> reads{0};
        std::optional<BlockInfo> block(const Hash256& hash) override {
            ++reads;
            return FakeNode::block(hash);
        }
    } node;
    ExplorerApi api(node, 3);  // three pages at most
    const std::string by_hash = "/api/block/" + node.hashes[3].to_hex();
    const ApiReply first = api.handle(by_hash);
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(node.reads, 1);
    EXPECT_EQ(api.handle(by_hash).body, first.body);
    const ApiReply by_height = api.handle("/api/block/3");
    EXPECT_EQ(by_height.body, first.body);  // the same page, found through the height
    EXPECT_FALSE(by_height.immutable);
    EXPECT_EQ(node.reads, 1);
    api.handle(by_hash + "/status");  // never cached: it changes
    api.handle(by_hash + "/status");
    EXPECT_EQ(node.reads, 3);
    // A page past the end is 404 and not kept: it cannot push real pages out.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(api.handle(by_hash + "?page=" + std::to_string(3 + i)).status, 404);
    EXPECT_EQ(node.reads, 8);
    EXPECT_EQ(api.handle(by_hash).body, first.body);
    EXPECT_EQ(node.reads, 8);
    // Past the bound the least recently used page goes: pages 1 and 2 push out page 0 (the
    // genesis page, read after page 0, was used later).
    api.handle("/api/block/0");
    api.handle(by_hash + "?page=1");
    api.handle(by_hash + "?page=2");
    const int before = node.reads;
    api.handle(by_hash + "?page=2");
    api.handle("/api/block/0");
    EXPECT_EQ(node.reads, before);
    api.handle(by_hash);
    EXPECT_EQ(node.reads, before + 1);
}

TEST(PerIpLimits, KeysGroupIpv6By64AndUnmapIpv4) {
    EXPECT_EQ(PerIpLimits::key_for("203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(PerIpLimits::key_for("::ffff:203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(PerIpLimits::key_for("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(PerIpLimits::key_for("2001:db8:1:2::1"), PerIpLimits::key_for("2001:db8:1:2:ffff::9"));
    EXPECT_NE(PerIpLimits::key_for("2001:db8:1:2::1"), PerIpLimits::key_for("2001:db8:1:3::1"));
    EXPECT_EQ(PerIpLimits::key_for("::1"), "::/64");
    EXPECT_EQ(PerIpLimits::key_for("unknown"), "unknown");
}

TEST(PerIpLimits, ConnectionsAreCappedPerAddress) {
    PerIpLimits limits(2, 10);
    EXPECT_TRUE(limits.open_connection("127.0.0.2"));
    EXPECT_TRUE(limits.open_connection("127.0.0.2"));
    EXPECT_FALSE(limits.open_connection("127.0.0.2"));
    EXPECT_TRUE(limits.open_connection("127.0.0.3"));
    limits.close_connection("127.0.0.2");
    EXPECT_EQ(limits.connections("127.0.0.2"), 1u);
    EXPECT_TRUE(limits.open_connection("127.0.0.2"));
    limits.close_connection("10.0.0.1");  // never opened: ignored
    EXPECT_EQ(limits.connections("10.0.0.1"), 0u);
    PerIpLimits unlimited(0, 10);
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.open_connection("127.0.0.2"));
}

TEST(PerIpLimits, RequestsAreATokenBucket) {
    PerIpLimits limits(0, 5);  // 5 a second, bursts of 10
    const auto t0 = PerIpLimits::Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(limits.allow_request("a", t0)) << i;
    EXPECT_FALSE(limits.allow_request("a", t0));
    EXPECT_TRUE(limits.allow_request("b", t0));  // other addresses have their own bucket
    EXPECT_FALSE(limits.allow_request("a", t0 + std::chrono::milliseconds(100)));  // half a token
    EXPECT_TRUE(limits.allow_request("a", t0 + std::chrono::milliseconds(200)));
    EXPECT_FALSE(limits.allow_request("a", t0 + std::chrono::milliseconds(200)));
    // A long pause refills only up to the burst.
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(limits.allow_request("a", t0 + std::chrono::hours(1)));
    EXPECT_FALSE(limits.allow_request("a", t0 + std::chrono::hours(1)));
}

TEST(PerIpLimits, TheRateTableIsBounded) {
    PerIpLimits limits(0, 1);
    const auto t0 = PerIpLimits::Clock::time_point{} + std::chrono::hours(1);
    for (size_t i = 0; i < PerIpLimits::kMaxTracked; ++i) ASSERT_TRUE(limits.allow_request(std::to_string(i), t0));
    EXPECT_EQ(limits.tracked(), PerIpLimits::kMaxTracked);
    EXPECT_FALSE(limits.allow_request("newcomer", t0));  // every tracked address is busy
    EXPECT_TRUE(limits.allow_request("newcomer", t0 + std::chrono::seconds(5)));  // the idle ones were dropped
    EXPECT_EQ(limits.tracked(), 1u);
}

TEST(ExplorerAssets, PageScriptAndStyleAreEmbedded) {
    const ExplorerAsset* page = find_explorer_asset("/explorer/");
    ASSERT_NE(page, nullptr);
    EXPECT_NE(page->body.find("<script src=\"app.js\""), std::string_view::npos);
    EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
    ASSERT_NE(find_explorer_asset("/explorer/app.js"), nullptr);
    EXPECT_EQ(find_explorer_asset("/explorer/app.js")->content_type, "text/javascript; charset=utf-8");
    ASSERT_NE(find_explorer_asset("/explorer/style.css"), nullptr);
    EXPECT_EQ(find_explorer_asset("/explorer/../app.js"), nullptr);
    EXPECT_EQ(find_explorer_asset("/explorer/missing.js"), nullptr);
    EXPECT_EQ(find_explorer_asset("/app.js"), nullptr);
    // The page builds every element from text: no markup is ever assigned.
    const std::string_view js = find_explorer_asset("/explorer/app.js")->body;
    for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("})
        EXPECT_EQ(js.find(sink), std::string_view::npos) << sink;
}

class ExplorerServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        ServerOptions o;
        o.credentials = {"user", "pass"};
        o.explorer = true;
        o.explorer_rate_per_second = 5;
        o.limit_exempt_addresses = {};  // the tests connect from 127.0.0.1, exempt by default
        o.auth_failure_delay = std::chrono::milliseconds(1);
        server = std::make_unique<RpcServer>(node, o);
        ASSERT_TRUE(server->start().ok());
    }
    std::optional<RawResponse> request(const std::string& method, const std::string& target,
                                       const std::optional<Credentials>& creds = std::nullopt) {
        TestConnection c(server->port());
        if (!c.connected() || !c.send(http_request(method, target, "", creds, false))) return std::nullopt;
        return c.read_response();
    }
    FakeNode node;
    std::unique_ptr<RpcServer> server;
};

TEST_F(ExplorerServerTest, PublicPathsNeedNoCredentialsOthersStillDo) {
    auto page = request("GET", "/explorer/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200u);
    EXPECT_NE(page->headers["content-security-policy"].find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(page->headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(page->headers["x-frame-options"], "DENY");
    auto redirect = request("GET", "/explorer");
    EXPECT_EQ(redirect->status, 301u);
    EXPECT_EQ(redirect->headers["location"], "/explorer/");
    EXPECT_EQ(request("GET", "/explorer/nothing.js")->status, 404u);

    auto tip = request("GET", "/api/tip");
    ASSERT_TRUE(tip);
    EXPECT_EQ(tip->status, 200u);
    EXPECT_EQ(tip->headers["cache-control"], "no-cache");
    EXPECT_EQ(Json::parse(tip->body)["height"], node.chain.size() - 1);
    auto block = request("GET", "/api/block/" + node.hashes[1].to_hex());
    EXPECT_EQ(block->headers["cache-control"], "public, max-age=31536000, immutable");

    // JSON-RPC and metrics keep their credentials.
    EXPECT_EQ(request("POST", "/")->status, 401u);
    EXPECT_EQ(request("GET", "/metrics")->status, 401u);
    // Read-only: no other method.
    auto post = request("POST", "/api/tip");
    EXPECT_EQ(post->status, 405u);
    EXPECT_EQ(post->headers["allow"], "GET, HEAD");
    EXPECT_EQ(request("DELETE", "/explorer/")->status, 405u);
    // HEAD (the headers of GET without the body) is checked by tests/functional/explorer_api.py.
}

TEST_F(ExplorerServerTest, ABodyIsRefusedBeforeItIsRead) {
    for (const std::string& extra : {std::string("Content-Length: 31457280\r\n"), std::string("Transfer-Encoding: chunked\r\n")}) {
        TestConnection c(server->port());
        ASSERT_TRUE(c.send("GET /api/tip HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n"));
        auto r = c.read_response();
        ASSERT_TRUE(r) << extra;
        EXPECT_EQ(r->status, 400u) << extra;
        EXPECT_EQ(Json::parse(r->body)["code"], "bad-request");
        EXPECT_FALSE(r->keep_alive);
    }
}

TEST_F(ExplorerServerTest, TooManyApiRequestsFromOneAddressGet429) {
    TestConnection c(server->port());
    ASSERT_TRUE(c.connected());
    int ok = 0, limited = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 30; ++i) {
        ASSERT_TRUE(c.send(http_request("GET", "/api/tip", "", std::nullopt, false)));
        auto r = c.read_response();
        ASSERT_TRUE(r);
        if (r->status == 200) ++ok;
        if (r->status == 429) {
            ++limited;
            EXPECT_EQ(r->headers["retry-after"], "1");
        }
    }
    // The burst, plus what refilled (5 a second) while the loop ran: bounded by the loop's own
    // time, so a slow machine (sanitizers in CI) does not fail it.
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_GE(ok, 10);
    EXPECT_LE(ok, 10 + static_cast<int>(5 * elapsed) + 1) << "in " << elapsed << " s";
    EXPECT_EQ(ok + limited, 30);
    // The page itself is not rate-limited.
    EXPECT_EQ(request("GET", "/explorer/")->status, 200u);
}

TEST(ExplorerServer, OffByDefault) {
    FakeNode node;
    ServerOptions o;
    o.credentials = {"user", "pass"};
    RpcServer server(node, o);
    ASSERT_TRUE(server.start().ok());
    TestConnection c(server.port());
    ASSERT_TRUE(c.send(http_request("GET", "/api/tip", "", std::nullopt, false)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404u);
}

}  // namespace
}  // namespace finch::rpc::test
