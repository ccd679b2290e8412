// The HTTP server over real sockets on 127.0.0.1: reply styles, keep-alive, auth, limits,
// deadlines, the connection limit and the bounded work queue; after each abuse the server
// must still answer correctly.
#include "rpc/server.h"
#include "tests/rpc/fake_node.h"
#include "tests/rpc/http_test_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace finch::rpc {
namespace {

using namespace std::chrono_literals;
using test::post_once;
using test::RawResponse;
using test::TestConnection;
using test::http_request;
using Clock = std::chrono::steady_clock;

constexpr const char* kCount = R"({"method":"getblockcount","params":[],"id":1})";

nlohmann::json body_json(const RawResponse& r) { return nlohmann::json::parse(r.body); }

class ServerTest : public ::testing::Test {
protected:
    void SetUp() override { start({}); }
    void TearDown() override { node.open_gate(); }

    void start(ServerOptions options) {
        if (server) server->stop();
        options.credentials = creds;
        options.port = 0;
        server = std::make_unique<RpcServer>(node, options);
        Status s = server->start();
        ASSERT_TRUE(s) << s.error().to_string();
        port = server->port();
        ASSERT_NE(port, 0);
    }

    std::optional<RawResponse> post(const std::string& body) { return post_once(port, body, creds); }

    // The server answers a plain request correctly (retrying briefly while it frees slots).
    bool serves() {
        for (int attempt = 0; attempt < 50; ++attempt) {
            auto r = post(kCount);
            if (r && r->status == 200) return body_json(*r)["result"] == 2;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

    Credentials creds{"alice", "s3cret"};
    test::FakeNode node;
    std::unique_ptr<RpcServer> server;
    uint16_t port = 0;
};

TEST_F(ServerTest, LegacyStyleOverHttp) {
    auto r = post(kCount);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    EXPECT_EQ(r->headers["content-type"], "application/json");
    EXPECT_EQ(body_json(*r), nlohmann::json::parse(R"({"result":2,"error":null,"id":1})"));
    auto missing = post(R"({"method":"nosuch","id":1})");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404u);
    EXPECT_EQ(body_json(*missing)["error"]["code"], -32601);
    auto bad = post(R"({"method":"getblockhash","params":[99],"id":1})");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 500u);
    EXPECT_EQ(body_json(*bad)["error"]["code"], -8);
}

TEST_F(ServerTest, JsonRpc2StyleOverHttp) {
    auto r = post(R"({"jsonrpc":"2.0","method":"getblockhash","params":{"height":0},"id":"g"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    auto j = body_json(*r);
    EXPECT_EQ(j["result"], node.hashes[0].to_hex());
    EXPECT_EQ(j["id"], "g");
    EXPECT_FALSE(j.contains("error"));
    auto bad = post(R"({"jsonrpc":"2.0","method":"getblockhash","params":["zero"],"id":2})");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 200u);
    EXPECT_EQ(body_json(*bad)["error"]["code"], -3);  // Bitcoin Core's code, not -32602
    EXPECT_EQ(body_json(*bad)["error"]["message"], "height must be a non-negative integer");
}

TEST_F(ServerTest, EveryStandardErrorCodeOverHttp) {
    // Protocol errors get the -326xx codes; method errors Bitcoin Core's, in both styles.
    const std::pair<const char*, int> protocol_cases[] = {
        {R"({"jsonrpc":"2.0","method":)", -32700},
        {R"({"jsonrpc":"2.0","method":7,"id":1})", -32600},
        {R"({"jsonrpc":"2.0","method":"nosuch","id":1})", -32601},
    };
    for (const auto& [body, code] : protocol_cases) {
        auto r = post(body);
        ASSERT_TRUE(r) << body;
        EXPECT_EQ(body_json(*r)["error"]["code"], code) << body;
    }
    const std::pair<const char*, int> method_cases[] = {
        {R"("method":"getblock","params":[1])", -3},
        {R"("method":"getblockhash","params":[1,2])", -1},
        {R"("method":"getblockhash","params":[])", -1},
        {R"("method":"getblockhash","params":[-1])", -8},
        {R"("method":"getblock","params":["00"])", -8},
        {R"("method":"getblockhash","params":{"hieght":1})", -8},
        {R"("method":"getbalance","params":["fcrt1nope"])", -5},
        {R"("method":"getblock","params":["0000000000000000000000000000000000000000000000000000000000000000"])", -5},
        {R"("method":"setban","params":["not-an-ip","add"])", -30},
        {R"("method":"addnode","params":["1.2.3.4:1","sometimes"])", -8},
    };
    for (const auto& [request, code] : method_cases) {
        auto v2 = post(std::string(R"({"jsonrpc":"2.0",)") + request + R"(,"id":1})");
        ASSERT_TRUE(v2) << request;
        EXPECT_EQ(v2->status, 200u) << request;
        EXPECT_EQ(body_json(*v2)["error"]["code"], code) << request;
        auto legacy = post(std::string("{") + request + R"(,"id":1})");
        ASSERT_TRUE(legacy) << request;
        EXPECT_EQ(legacy->status, 500u) << request;
        EXPECT_EQ(body_json(*legacy)["error"]["code"], code) << request;
    }
    auto usage = post(R"({"jsonrpc":"2.0","method":"getblockhash","params":[1,2],"id":1})");
    ASSERT_TRUE(usage);
    EXPECT_EQ(body_json(*usage)["error"]["message"], "getblockhash takes at most 1 parameter, got 2\nUsage: getblockhash height");
    // A method that fails unexpectedly: -1 with the reason, as bitcoind.
    node.throw_in_uptime = true;
    auto v2 = post(R"({"jsonrpc":"2.0","method":"uptime","id":1})");
    ASSERT_TRUE(v2);
    EXPECT_EQ(v2->status, 200u);
    EXPECT_EQ(body_json(*v2)["error"]["code"], -1);
    auto legacy = post(R"({"method":"uptime","id":1})");
    ASSERT_TRUE(legacy);
    EXPECT_EQ(legacy->status, 500u);
    EXPECT_EQ(body_json(*legacy)["error"]["code"], -1);
    node.throw_in_uptime = false;
    EXPECT_TRUE(serves());
}

// With a request_log (finchd: --debug rpc) every request gets one line: method, peer,
// duration and the error code when it failed; HTTP-level refusals get one too.
TEST_F(ServerTest, RequestLogLines) {
    std::mutex mutex;
    std::vector<std::string> lines;
    ServerOptions o;
    o.request_log = [&](const std::string& line) {
        std::lock_guard lock(mutex);
        lines.push_back(line);
    };
    start(o);
    auto logged = [&] {
        std::lock_guard lock(mutex);
        return lines;
    };
    auto has = [](const std::string& line, const std::string& part) { return line.find(part) != std::string::npos; };

    ASSERT_TRUE(post(kCount));
    ASSERT_TRUE(post(R"({"jsonrpc":"2.0","method":"getblockhash","params":[99],"id":1})"));
    ASSERT_TRUE(post("{not json"));
    ASSERT_TRUE(post(R"([{"method":"uptime","id":1},{"method":"no\nsuch","id":2}])"));
    auto denied = post_once(port, kCount, Credentials{"alice", "wrong"});
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->status, 401u);

    const std::vector<std::string> got = logged();
    ASSERT_EQ(got.size(), 6u);
    EXPECT_TRUE(has(got[0], "method=getblockcount peer=127.0.0.1:")) << got[0];
    EXPECT_TRUE(has(got[0], " duration=")) << got[0];
    EXPECT_TRUE(has(got[0], "ms")) << got[0];
    EXPECT_FALSE(has(got[0], "error=")) << got[0];
    EXPECT_TRUE(has(got[1], "method=getblockhash ")) << got[1];
    EXPECT_TRUE(got[1].ends_with(" error=-8")) << got[1];
    EXPECT_TRUE(has(got[2], "method=(none) ")) << got[2];
    EXPECT_TRUE(got[2].ends_with(" error=-32700")) << got[2];
    EXPECT_TRUE(has(got[3], "method=uptime ")) << got[3];
    // A client's method name cannot break the log line.
    EXPECT_TRUE(has(got[4], "method=no?such ")) << got[4];
    EXPECT_TRUE(got[4].ends_with(" error=-32601")) << got[4];
    EXPECT_TRUE(has(got[5], "http=401 peer=127.0.0.1:")) << got[5];
    for (const std::string& line : got) EXPECT_EQ(line.find('\n'), std::string::npos) << line;
}

TEST_F(ServerTest, BatchAndNotificationsOverHttp) {
    auto batch = post(R"([{"jsonrpc":"2.0","method":"getblockcount","id":1},{"jsonrpc":"2.0","method":"uptime"},
                          {"jsonrpc":"2.0","method":"nosuch","id":2},"junk",{"method":"uptime","id":3}])");
    ASSERT_TRUE(batch);
    EXPECT_EQ(batch->status, 200u);
    auto j = body_json(*batch);
    ASSERT_EQ(j.size(), 4u);
    EXPECT_EQ(j[0]["result"], 2);
    EXPECT_EQ(j[1]["error"]["code"], -32601);
    EXPECT_EQ(j[2]["error"]["code"], -32600);
    EXPECT_EQ(j[3]["result"], 42);

    TestConnection c(port);
    ASSERT_TRUE(c.send(http_request("POST", "/", R"({"jsonrpc":"2.0","method":"uptime"})", creds)));
    auto note = c.read_response();
    ASSERT_TRUE(note);
    EXPECT_EQ(note->status, 204u);
    EXPECT_TRUE(note->body.empty());
    ASSERT_TRUE(c.send(http_request("POST", "/", R"([{"jsonrpc":"2.0","method":"uptime"}])", creds)));
    auto notes = c.read_response();
    ASSERT_TRUE(notes);
    EXPECT_EQ(notes->status, 204u);
    ASSERT_TRUE(c.send(http_request("POST", "/", kCount, creds)));  // the connection is still usable
    auto after = c.read_response();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200u);
}

TEST_F(ServerTest, RequestWithoutContentType) {
    TestConnection c(port);
    ASSERT_TRUE(c.send(http_request("POST", "/", kCount, creds, /*content_type=*/false)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    EXPECT_EQ(body_json(*r)["result"], 2);
}

TEST_F(ServerTest, KeepAliveAndPipelining) {
    TestConnection c(port);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(c.send(http_request("POST", "/", kCount, creds)));
        auto r = c.read_response();
        ASSERT_TRUE(r) << i;
        EXPECT_TRUE(r->keep_alive);
    }
    std::string two = http_request("POST", "/", R"({"method":"uptime","id":"a"})", creds) +
                      http_request("POST", "/", R"({"method":"getblockcount","id":"b"})", creds);
    ASSERT_TRUE(c.send(two));
    auto first = c.read_response(), second = c.read_response();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(body_json(*first)["id"], "a");
    EXPECT_EQ(body_json(*second)["id"], "b");
}

TEST_F(ServerTest, Http10ClosesAfterTheReply) {
    TestConnection c(port);
    std::string req = http_request("POST", "/", kCount, creds);
    req.replace(req.find("HTTP/1.1"), 8, "HTTP/1.0");
    ASSERT_TRUE(c.send(req));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
    EXPECT_TRUE(c.wait_closed(3s));
}

TEST_F(ServerTest, BadCredentialsGet401AfterADelay) {
    const std::optional<Credentials> wrong = Credentials{"alice", "guess"};
    for (const std::optional<Credentials>& who : {wrong, std::optional<Credentials>{}}) {
        TestConnection c(port);
        const auto t0 = Clock::now();
        ASSERT_TRUE(c.send(http_request("POST", "/", kCount, who)));
        auto r = c.read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401u);
        EXPECT_EQ(r->headers["www-authenticate"], "Basic realm=\"jsonrpc\"");
        EXPECT_GE(Clock::now() - t0, 200ms);
    }
    TestConnection c(port);
    ASSERT_TRUE(c.send(http_request("POST", "/", kCount, std::nullopt, true, "Authorization: Basic !!notbase64\r\n")));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401u);
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, AuthDelayDoesNotBlockOtherClients) {
    ServerOptions o;
    o.auth_failure_delay = 10s;
    start(o);
    TestConnection bad(port);
    ASSERT_TRUE(bad.send(http_request("POST", "/", kCount, Credentials{"alice", "nope"})));
    std::this_thread::sleep_for(50ms);
    const auto t0 = Clock::now();
    EXPECT_TRUE(serves());
    EXPECT_LT(Clock::now() - t0, 7s);  // well before the delay ends, with room for a slow machine
    auto r = bad.read_response(20s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401u);
}

TEST_F(ServerTest, OnlyPostToRoot) {
    for (const char* method : {"GET", "PUT", "DELETE"}) {
        TestConnection c(port);
        ASSERT_TRUE(c.send(http_request(method, "/", "", creds)));
        auto r = c.read_response();
        ASSERT_TRUE(r) << method;
        EXPECT_EQ(r->status, 405u) << method;
        EXPECT_EQ(r->headers["allow"], "POST");
        EXPECT_EQ(r->headers["content-type"], "application/json");
    }
    TestConnection c(port);
    ASSERT_TRUE(c.send(http_request("POST", "/wallet/x", kCount, creds)));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404u);
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, OversizeBodyIs413) {
    ServerOptions o;
    o.max_body_bytes = 1024;
    start(o);
    TestConnection c(port);
    std::string head = http_request("POST", "/", std::string(2048, ' '), creds);
    head.resize(head.size() - 2048 + 100);  // headers announce 2048 bytes; send only some
    ASSERT_TRUE(c.send(head));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413u);
    EXPECT_FALSE(r->keep_alive);

    TestConnection chunked(port);
    std::string req = "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic_authorization(creds) +
                      "\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(0x800, ' ') + "\r\n0\r\n\r\n";
    ASSERT_TRUE(chunked.send(req));
    auto r2 = chunked.read_response();
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->status, 413u);

    std::string at_limit = kCount;
    at_limit.resize(1024, ' ');
    auto ok = post(at_limit);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200u);
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, OversizeHeaderIs413) {
    TestConnection c(port);
    ASSERT_TRUE(c.send(http_request("POST", "/", kCount, creds, true, "X-Padding: " + std::string(10'000, 'a') + "\r\n")));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413u);
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, ChunkedBodyIsAccepted) {
    TestConnection c(port);
    const std::string body = kCount;
    char size_hex[16];
    std::snprintf(size_hex, sizeof size_hex, "%zx", body.size());
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic_authorization(creds) +
                       "\r\nTransfer-Encoding: chunked\r\n\r\n" + size_hex + "\r\n" + body + "\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
}

TEST_F(ServerTest, Expect100ContinueIsHonoured) {
    TestConnection c(port);
    std::string req = http_request("POST", "/", kCount, creds, true, "Expect: 100-continue\r\n");
    const std::string body = kCount;
    ASSERT_TRUE(c.send(req.substr(0, req.size() - body.size())));
    auto interim = c.read_response();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100u);
    ASSERT_TRUE(c.send(body));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
}

TEST_F(ServerTest, MalformedHttpIs400) {
    TestConnection c(port);
    ASSERT_TRUE(c.send("THIS IS NOT HTTP\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400u);
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, DeepJsonIsRefusedAndTheServerStaysUp) {
    auto r = post(std::string(200'000, '[') + std::string(200'000, ']'));
    ASSERT_TRUE(r);
    EXPECT_EQ(body_json(*r)["error"]["code"], -32700);
    auto objects = post(std::string(100'000, '{'));
    ASSERT_TRUE(objects);
    EXPECT_EQ(body_json(*objects)["error"]["code"], -32700);
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, SlowClientIsClosedAtTheDeadline) {
    ServerOptions o;
    o.io_deadline = 1s;
    start(o);
    const auto t0 = Clock::now();  // before connecting: the server's deadline starts at its accept
    TestConnection partial_header(port);
    ASSERT_TRUE(partial_header.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    EXPECT_TRUE(partial_header.wait_closed(12s));
    const auto waited = Clock::now() - t0;
    EXPECT_GE(waited, 800ms);
    EXPECT_LT(waited, 10s);  // closed by the deadline, not left open (room for a slow machine)

    TestConnection partial_body(port);
    std::string req = http_request("POST", "/", kCount, creds);
    ASSERT_TRUE(partial_body.send(req.substr(0, req.size() - 5)));
    EXPECT_TRUE(partial_body.wait_closed(5s));

    TestConnection idle(port);
    ASSERT_TRUE(idle.send(http_request("POST", "/", kCount, creds)));
    ASSERT_TRUE(idle.read_response());
    EXPECT_TRUE(idle.wait_closed(5s));  // an idle keep-alive connection is closed too
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
    ServerOptions o;
    o.max_connections = 4;
    start(o);
    std::vector<std::unique_ptr<TestConnection>> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(std::make_unique<TestConnection>(port));
        ASSERT_TRUE(held.back()->send(http_request("POST", "/", kCount, creds)));
        ASSERT_TRUE(held.back()->read_response()) << i;  // now surely counted by the server
    }
    for (int i = 0; i < 8; ++i) {
        TestConnection extra(port);
        if (!extra.connected()) continue;
        (void)extra.send(http_request("POST", "/", kCount, creds));
        EXPECT_TRUE(extra.wait_closed(3s)) << i;
    }
    for (auto& c : held) {  // the held connections still work
        ASSERT_TRUE(c->send(http_request("POST", "/", kCount, creds)));
        auto r = c->read_response();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200u);
    }
    held.clear();
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, FullWorkQueueAnswers503) {
    ServerOptions o;
    o.worker_threads = 1;
    o.work_queue = 0;
    start(o);
    node.close_gate();
    TestConnection blocked(port);
    ASSERT_TRUE(blocked.send(http_request("POST", "/", R"({"method":"uptime","id":1})", creds)));
    ASSERT_TRUE(node.wait_entered(1, 5s));
    auto busy = post(kCount);
    ASSERT_TRUE(busy);
    EXPECT_EQ(busy->status, 503u);
    EXPECT_EQ(body_json(*busy)["error"]["code"], -32000);
    node.open_gate();
    auto r = blocked.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(body_json(*r)["result"], 42);
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, ManyConcurrentClients) {
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            TestConnection c(port);
            for (int i = 0; i < 40; ++i) {
                if (!c.send(http_request("POST", "/", kCount, creds))) return;
                auto r = c.read_response();
                if (r && r->status == 200) ++good;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 8 * 40);
}

TEST_F(ServerTest, PortInUseIsAClearError) {
    ServerOptions o;
    o.credentials = creds;
    o.port = port;
    RpcServer second(node, o);
    Status s = second.start();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, "rpc-bind");
    EXPECT_NE(s.error().detail.find(std::to_string(port)), std::string::npos) << s.error().detail;
    EXPECT_TRUE(serves());
}

TEST_F(ServerTest, BadBindAddressIsAClearError) {
    ServerOptions o;
    o.bind_address = "no.such.host.invalid";
    RpcServer bad(node, o);
    Status s = bad.start();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, "rpc-bind");
}

TEST_F(ServerTest, StopClosesConnectionsAndIsIdempotent) {
    TestConnection idle(port);
    ASSERT_TRUE(idle.send(http_request("POST", "/", kCount, creds)));
    ASSERT_TRUE(idle.read_response());
    const auto t0 = Clock::now();
    server->stop();
    EXPECT_LT(Clock::now() - t0, 10s);
    EXPECT_TRUE(idle.wait_closed(10s));
    server->stop();
    EXPECT_FALSE(post_once(port, kCount, creds));
    start({});  // a fresh server starts fine afterwards
    EXPECT_TRUE(serves());
}

}  // namespace
}  // namespace finch::rpc
