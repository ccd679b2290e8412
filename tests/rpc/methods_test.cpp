// Every RPC method against FakeNode without sockets: one normal call and one bad-params call
// each (table-driven), then the details: verbosities, rejection codes, named params, help.
#include "rpc/methods.h"
#include "tests/rpc/methods_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <tuple>

namespace finch::rpc {
namespace {

using test::account_of;
using test::signed_transfer;

std::string address_of(const std::string& label) { return encode_address(account_of(label), chain_params(Network::Regtest)); }

class MethodsTest : public test::MethodsFixture {};

struct MethodCase {
    std::string method;
    Json good;
    std::function<void(const Json&)> check;
    Json bad;
    int bad_code;  // Bitcoin Core's code for the bad call (both reply styles); every bad call is a params error
};

std::vector<MethodCase> method_cases(const test::FakeNode& node) {
    const std::string tip = node.hashes.back().to_hex(), h1 = node.hashes[1].to_hex();
    const std::string tx0 = node.chain[2].txs[0].txid().to_hex();
    const std::string bob = address_of("bob");
    const Transaction fresh = signed_transfer("alice", account_of("bob"), 1000, 1000, 1);
    const Hash256 pending = signed_transfer("alice", account_of("bob"), 5 * kCoin, 2000, 0).txid();
    return {
        {"getblockchaininfo", Json::array(), [](const Json& r) { EXPECT_EQ(r["blocks"], 2); EXPECT_EQ(r["chain"], "regtest"); }, {1}, -1},
        {"getblockcount", Json::array(), [](const Json& r) { EXPECT_EQ(r, 2); }, {1}, -1},
        {"getbestblockhash", Json::array(), [tip](const Json& r) { EXPECT_EQ(r, tip); }, {"x"}, -1},
        {"getblockhash", {1}, [h1](const Json& r) { EXPECT_EQ(r, h1); }, {"1"}, -3},
        {"getblock", {tip}, [](const Json& r) { EXPECT_EQ(r["height"], 2); EXPECT_EQ(r["tx"].size(), 3u); }, {tip, "2"}, -3},
        {"getblockheader", {h1}, [](const Json& r) { EXPECT_EQ(r["height"], 1); }, {h1, 1}, -3},
        {"getchaintips", Json::array(), [](const Json& r) { EXPECT_EQ(r.size(), 2u); }, {true}, -1},
        {"getdifficulty", Json::array(), [](const Json& r) { EXPECT_EQ(r, 1.0); }, {1}, -1},
        {"gettransaction", {tx0}, [bob](const Json& r) { EXPECT_EQ(r["to"], bob); }, {"zz"}, -8},
        {"getaccount", {bob}, [](const Json& r) { EXPECT_EQ(r["balance"], kCoin); }, {123}, -3},
        {"getbalance", {bob}, [](const Json& r) { EXPECT_EQ(r, kCoin); }, {"fcrt1qqqqq"}, -5},
        {"getaddresshistory", {bob, 0, 10},
         [](const Json& r) {
             ASSERT_EQ(r.size(), 1u);
             EXPECT_EQ(r[0]["role"], "received");
             EXPECT_EQ(r[0]["amount"], kCoin);
             EXPECT_EQ(r[0]["height"], 2);
         },
         {bob, 0, 1001}, -8},
        {"getstatehash", Json::array(), [](const Json& r) { EXPECT_EQ(r["height"], 2); }, {1}, -1},
        {"sendrawtransaction", {to_hex(fresh.serialize())}, [fresh](const Json& r) { EXPECT_EQ(r, fresh.txid().to_hex()); }, Json::array(), -1},
        {"getrawmempool", Json::array(), [](const Json& r) { EXPECT_GE(r.size(), 1u); }, {"yes"}, -3},
        {"getmempoolinfo", Json::array(), [](const Json& r) { EXPECT_GE(r["size"], 1); }, {1}, -1},
        {"getmempoolentry", {pending.to_hex()}, [](const Json& r) { EXPECT_EQ(r["fee"], 2000); }, {1}, -3},
        {"getmininginfo", Json::array(), [](const Json& r) { EXPECT_EQ(r["chain"], "regtest"); }, {1}, -1},
        {"generatetoaddress", {2, bob}, [](const Json& r) { EXPECT_EQ(r.size(), 2u); }, {-1, bob}, -8},
        {"getblocktemplate", {bob}, [](const Json& r) { EXPECT_EQ(r["height"], 3); }, Json::array(), -1},
        {"submitblock", {to_hex(node.chain[2].serialize())}, [](const Json& r) { EXPECT_EQ(r, "duplicate"); }, {5}, -3},
        {"getpeerinfo", Json::array(), [](const Json& r) { EXPECT_EQ(r.at(0)["id"], 7); }, {1}, -1},
        {"getnetworkinfo", Json::array(), [](const Json& r) { EXPECT_EQ(r["connections"], 1); }, {1}, -1},
        {"getconnectioncount", Json::array(), [](const Json& r) { EXPECT_EQ(r, 1); }, {1}, -1},
        {"getnettotals", Json::array(), [](const Json& r) {
             EXPECT_EQ(r["totalbytesrecv"], 1200);
             EXPECT_EQ(r["totalbytessent"], 3400);
             EXPECT_GT(r["timemillis"].get<uint64_t>(), 0u);
         }, {1}, -1},
        {"getdhtinfo", Json::array(), [](const Json& r) { EXPECT_EQ(r["nodes"], 21); }, {1}, -1},
        {"dhtfind", {"3f1c2a9d5e7b8c6f0a4d2e1b9c8a7f6e5d4c3b2a190817263544536271809aab"},
         [](const Json& r) { EXPECT_EQ(r["hops"], 2); }, {1}, -3},
        {"addnode", {"1.2.3.4:19444", "add"}, [](const Json& r) { EXPECT_TRUE(r.is_null()); }, {"1.2.3.4:19444", "maybe"}, -8},
        {"disconnectnode", {"127.0.0.1:19444"}, [](const Json& r) { EXPECT_TRUE(r.is_null()); }, {"", "x"}, -3},
        {"setban", {"10.0.0.1", "add"}, [](const Json& r) { EXPECT_TRUE(r.is_null()); }, {"10.0.0.1", "add", "soon"}, -3},
        {"listbanned", Json::array(), [](const Json& r) { EXPECT_TRUE(r.is_array()); }, {1}, -1},
        {"clearbanned", Json::array(), [](const Json& r) { EXPECT_TRUE(r.is_null()); }, {1}, -1},
        {"help", Json::array(), [](const Json& r) { EXPECT_NE(r.get<std::string>().find("getblock"), std::string::npos); }, {5}, -3},
        {"stop", Json::array(), [](const Json& r) { EXPECT_EQ(r, "finchd stopping"); }, {1}, -1},
        {"uptime", Json::array(), [](const Json& r) { EXPECT_EQ(r, 42); }, {1}, -1},
        {"validateaddress", {bob}, [](const Json& r) { EXPECT_EQ(r["isvalid"], true); }, Json::array(), -1},
    };
}

TEST_F(MethodsTest, EveryMethodHasANormalAndABadParamsCase) {
    std::set<std::string> covered;
    for (const MethodCase& c : method_cases(node)) {
        SCOPED_TRACE(c.method);
        covered.insert(c.method);
        c.check(ok(c.method, c.good));
        RpcError e = err(c.method, c.bad);
        EXPECT_EQ(e.code, c.bad_code) << e.message;
        EXPECT_TRUE(e.bad_params) << e.message;
        EXPECT_FALSE(e.message.empty());
    }
    for (const MethodSpec& m : method_table()) EXPECT_TRUE(covered.count(std::string(m.name))) << m.name;
    EXPECT_EQ(covered.size(), method_table().size());
}

TEST_F(MethodsTest, DesignBriefMethodsAreAllInTheTable) {
    for (const char* name :
         {"getblockchaininfo", "getblockcount", "getbestblockhash", "getblockhash", "getblock", "getblockheader",
          "getchaintips", "getdifficulty", "gettransaction", "getaccount", "getbalance", "getstatehash",
          "sendrawtransaction", "getrawmempool", "getmempoolinfo", "getmempoolentry", "getmininginfo",
          "generatetoaddress", "getblocktemplate", "submitblock", "getpeerinfo", "getnetworkinfo",
          "getconnectioncount", "addnode", "disconnectnode", "setban", "listbanned", "clearbanned", "help", "stop",
          "uptime", "validateaddress"})
        EXPECT_NE(find_method(name), nullptr) << name;
}

TEST_F(MethodsTest, UnknownMethod) {
    RpcError e = err("getblocks");
    EXPECT_EQ(e.code, -32601);
    EXPECT_FALSE(e.bad_params);
}

TEST_F(MethodsTest, MessagesNameTheParameter) {
    EXPECT_EQ(err("getblockhash", {"1"}).message, "height must be a non-negative integer");
    EXPECT_EQ(err("getblockhash", {-1}).message, "height must be a non-negative integer");
    EXPECT_EQ(err("getblockhash", {-1}).code, -8);
    EXPECT_EQ(err("getblockhash", {1.5}).code, -3);
    EXPECT_EQ(err("getblockhash").message, "Missing required parameter height\nUsage: getblockhash height");
    EXPECT_EQ(err("getblockhash", {1, 2}).message, "getblockhash takes at most 1 parameter, got 2\nUsage: getblockhash height");
    EXPECT_EQ(err("getblockcount", {1}).message, "getblockcount takes at most 0 parameters, got 1\nUsage: getblockcount");
    EXPECT_EQ(err("getblock", {"abc"}).message, "blockhash must be of length 64 (not 3, for 'abc')");
    EXPECT_EQ(err("getblock", {std::string(64, 'z')}).message,
              "blockhash must be hexadecimal string (not '" + std::string(64, 'z') + "')");
    EXPECT_EQ(err("addnode", {"x", "drop"}).message, "command must be one of: add, remove, onetry");
    EXPECT_NE(err("getbalance", {"fcrt1qqqqq"}).message.find("Invalid address"), std::string::npos);
    EXPECT_EQ(err("getblockhash", {nullptr}).message, "height must be a non-negative integer, not null");
    EXPECT_EQ(err("getblockhash", Json::array({Json::parse("18446744073709551616")})).message, "height is out of range");
}

// Each kind of bad input answers Bitcoin Core's code for it (docs/rpc.md, "Error codes").
TEST_F(MethodsTest, BadInputGetsBitcoinCoreCodes) {
    const std::string tip = hash(2), bob = address_of("bob");
    const std::string main_bob = encode_address(account_of("bob"), chain_params(Network::Main));
    struct Case {
        const char* what;
        std::string method;
        Json params;
        int code;
    };
    const Case cases[] = {
        // -3: wrong JSON type, or null where a value is required.
        {"string for integer", "getblockhash", {"1"}, -3},
        {"fraction", "getblockhash", {0.5}, -3},
        {"number for hash", "getblock", {12}, -3},
        {"string for bool", "getrawmempool", {"yes"}, -3},
        // Json::array({...}): clang reads a braced lone Json::array() as a copy of it (no parameter).
        {"array for string", "sendrawtransaction", Json::array({Json::array()}), -3},
        {"object for integer", "setban", {"10.0.0.1", "add", Json::object()}, -3},
        {"null for required", "getblock", {nullptr}, -3},
        {"null for required named", "getblockhash", Json{{"height", nullptr}}, -3},
        // -1: wrong number of arguments (with the usage line).
        {"missing", "getblockhash", Json::array(), -1},
        {"missing named", "generatetoaddress", Json{{"nblocks", 1}}, -1},
        {"extra", "getblockhash", {1, 2}, -1},
        {"extra on no-arg", "getbestblockhash", {true}, -1},
        // -8: a bad value.
        {"negative", "getblockhash", {-1}, -8},
        {"negative nblocks", "generatetoaddress", {-5, bob}, -8},
        {"negative bantime", "setban", {"10.0.0.1", "add", -60}, -8},
        {"negative verbosity", "getblock", {tip, -1}, -8},
        {"huge", "getblockhash", Json::array({Json::parse("1e30")}), -8},
        {"past 2^64", "getblockhash", Json::array({Json::parse("18446744073709551616")}), -8},
        {"past -2^63", "getblockhash", Json::array({Json::parse("-9223372036854775809")}), -8},
        {"2^64-1 height", "getblockhash", {UINT64_MAX}, -8},
        {"verbosity 3", "getblock", {tip, 3}, -8},
        {"short hash", "getblock", {"abc"}, -8},
        {"non-hex hash", "gettransaction", {std::string(64, 'g')}, -8},
        {"unknown name", "getblock", Json{{"blockhash", tip}, {"verbose", 1}}, -8},
        {"bad addnode command", "addnode", {"1.2.3.4:1", "drop"}, -8},
        {"bad setban command", "setban", {"10.0.0.1", "ban"}, -8},
        {"both address and nodeid", "disconnectnode", {"127.0.0.1:19444", 7}, -8},
        // -5: an invalid address or an unknown item.
        {"bad address", "getbalance", {"fcrt1qqqqq"}, -5},
        {"address of another network", "generatetoaddress", {1, main_bob}, -5},
        {"unknown block", "getblock", {std::string(64, '0')}, -5},
        {"unknown header", "getblockheader", {std::string(64, '0')}, -5},
        {"unknown transaction", "gettransaction", {std::string(64, '0')}, -5},
        {"not in mempool", "getmempoolentry", {std::string(64, '0')}, -5},
        // -22: data that does not decode.
        {"non-hex transaction", "sendrawtransaction", {"xyz"}, -22},
        {"short block", "submitblock", {"00"}, -22},
        // -30: setban/addnode with an address that is not one.
        {"setban bad IP", "setban", {"not an ip!", "add"}, -30},
        {"setban bad prefix", "setban", {"10.0.0.0/x", "add"}, -30},
        {"setban remove unbanned", "setban", {"10.9.9.9", "remove"}, -30},
        {"addnode bad address", "addnode", {"bad address!", "add"}, -30},
        {"addnode empty address", "addnode", {"", "onetry"}, -30},
        // the method is unknown: the one -326xx code a method call can get.
        {"unknown method", "getblocks", Json::array(), -32601},
    };
    for (const Case& c : cases) {
        RpcError e = err(c.method, c.params);
        EXPECT_EQ(e.code, c.code) << c.what << ": " << e.message;
        EXPECT_FALSE(e.message.empty()) << c.what;
    }
}

// Every method answers a wrong argument count with -1 and its usage line.
TEST_F(MethodsTest, WrongArgumentCountAnswersTheUsage) {
    for (const MethodSpec& m : method_table()) {
        SCOPED_TRACE(m.name);
        RpcError extra = err(std::string(m.name), Json(std::vector<Json>(m.params.size() + 1, Json(1))));
        EXPECT_EQ(extra.code, -1);
        EXPECT_NE(extra.message.find("\nUsage: " + usage_line(m)), std::string::npos) << extra.message;
        EXPECT_NE(extra.message.find(" takes at most "), std::string::npos) << extra.message;
        const bool needs_one = std::any_of(m.params.begin(), m.params.end(), [](const ParamSpec& p) { return p.required; });
        if (!needs_one) continue;
        RpcError missing = err(std::string(m.name), Json::array());
        EXPECT_EQ(missing.code, -1);
        EXPECT_NE(missing.message.find("Usage: " + usage_line(m)), std::string::npos) << missing.message;
    }
}

// A 10 MB argument is refused without echoing it back.
TEST_F(MethodsTest, HugeArgumentsAreNotEchoed) {
    const std::string huge(10'000'000, 'f');
    for (const auto& [method, params, code] : std::vector<std::tuple<std::string, Json, int>>{
             {"getblock", {huge}, -8}, {"getblockhash", {huge}, -3}, {"getbalance", {huge}, -5},
             {"sendrawtransaction", {huge}, -22}, {"addnode", {"1.2.3.4:1", huge}, -8},
             {"getblock", Json{{huge, 1}}, -8}}) {
        RpcError e = err(method, params);
        EXPECT_EQ(e.code, code) << method;
        EXPECT_LT(e.message.size(), 1000u) << method;
    }
}

TEST_F(MethodsTest, NamedParams) {
    Json hex = ok("getblock", Json{{"blockhash", hash(1)}, {"verbosity", 0}});
    EXPECT_TRUE(hex.is_string());
    Json same_order = ok("getblock", Json{{"verbosity", 0}, {"blockhash", hash(1)}});
    EXPECT_EQ(hex, same_order);
    RpcError unknown = err("getblock", Json{{"blockhash", hash(1)}, {"verbose", 0}});
    EXPECT_EQ(unknown.code, -8);
    EXPECT_EQ(unknown.message, "Unknown named parameter verbose");
    RpcError missing = err("getblock", Json{{"verbosity", 0}});
    EXPECT_EQ(missing.code, -1);
    EXPECT_EQ(missing.message, "Missing required parameter blockhash\nUsage: getblock \"blockhash\" ( verbosity )");
    EXPECT_EQ(ok("getblockcount", Json::object()), 2);
}

TEST_F(MethodsTest, NullAndMissingParams) {
    EXPECT_EQ(ok("getblockcount", nullptr), 2);
    EXPECT_EQ(ok("getblock", {hash(1), nullptr})["height"], 1);  // null means the default
    RpcError null_required = err("getblockhash", {nullptr});  // as Core: a wrong type, not a wrong count
    EXPECT_EQ(null_required.code, -3);
    EXPECT_EQ(null_required.message, "height must be a non-negative integer, not null");
}

TEST_F(MethodsTest, GetBlockVerbosities) {
    Json hex = ok("getblock", {hash(2), 0});
    auto raw = from_hex(hex.get<std::string>());
    ASSERT_TRUE(raw);
    auto decoded = decode_all<Block>(*raw);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, node.chain[2]);

    Json v1 = ok("getblock", {hash(2), 1});
    EXPECT_EQ(v1["tx"][0], node.chain[2].coinbase.txid().to_hex());
    EXPECT_EQ(v1["previousblockhash"], hash(1));
    EXPECT_FALSE(v1.contains("nextblockhash"));
    EXPECT_EQ(v1["confirmations"], 1);
    EXPECT_EQ(v1["nTx"], 3);
    EXPECT_EQ(v1["bits"], "207fffff");
    EXPECT_EQ(v1["size"], node.chain[2].serialized_size());

    Json v2 = ok("getblock", {hash(2), 2});
    EXPECT_EQ(v2["tx"][0]["coinbase"], true);
    EXPECT_EQ(v2["tx"][1]["txid"], node.chain[2].txs[0].txid().to_hex());
    EXPECT_EQ(v2["tx"][1]["from"], address_of("miner"));
    EXPECT_EQ(v2["tx"][1]["amount"], kCoin);
    EXPECT_EQ(v2["tx"][1]["size"], Transaction::kSerializedSize);

    EXPECT_EQ(ok("getblock", {hash(2), true}), v1);
    EXPECT_EQ(ok("getblock", {hash(2), false}), hex);
    EXPECT_EQ(err("getblock", {hash(2), 3}).code, -8);
}

TEST_F(MethodsTest, GetBlockEdges) {
    Json genesis = ok("getblock", {hash(0)});
    EXPECT_FALSE(genesis.contains("previousblockhash"));
    EXPECT_EQ(genesis["nextblockhash"], hash(1));
    EXPECT_EQ(ok("getblock", {node.fork_hash.to_hex()})["confirmations"], -1);
    RpcError unknown = err("getblock", {std::string(64, '0')});
    EXPECT_EQ(unknown.code, -5);
    EXPECT_FALSE(unknown.bad_params);
    EXPECT_EQ(err("getblockhash", {3}).code, -8);
}

TEST_F(MethodsTest, GetBlockHeader) {
    Json verbose = ok("getblockheader", {hash(1)});
    EXPECT_EQ(verbose["nextblockhash"], hash(2));
    EXPECT_EQ(verbose["nTx"], 1);
    Json hex = ok("getblockheader", {hash(1), false});
    EXPECT_EQ(hex.get<std::string>().size(), 2 * BlockHeader::kSerializedSize);
    EXPECT_EQ(err("getblockheader", {std::string(64, 'a')}).code, -5);
}

TEST_F(MethodsTest, GetTransaction) {
    Json cb = ok("gettransaction", {node.chain[1].coinbase.txid().to_hex()});
    EXPECT_EQ(cb["coinbase"], true);
    EXPECT_EQ(cb["blockhash"], hash(1));
    EXPECT_EQ(cb["confirmations"], 2);
    const Hash256 pending = signed_transfer("alice", account_of("bob"), 5 * kCoin, 2000, 0).txid();
    Json mp = ok("gettransaction", {pending.to_hex()});
    EXPECT_EQ(mp["in_mempool"], true);
    EXPECT_FALSE(mp.contains("blockhash"));
    EXPECT_EQ(err("gettransaction", {std::string(64, '1')}).code, -5);
}

TEST_F(MethodsTest, GetAccountCountsTheMempool) {
    Json a = ok("getaccount", {address_of("alice")});
    EXPECT_EQ(a["address"], address_of("alice"));
    EXPECT_EQ(a["balance"], 10 * kCoin);
    EXPECT_EQ(a["nonce"], 0);
    EXPECT_EQ(a["pending_nonce"], 1);
    EXPECT_EQ(a["pending_balance"], 5 * kCoin - 2000);
    Json nobody = ok("getaccount", {address_of("nobody")});
    EXPECT_EQ(nobody["balance"], 0);
}

TEST_F(MethodsTest, GetAddressHistoryPagesAndSaysWhenTheIndexIsOff) {
    Json miner = ok("getaddresshistory", {address_of("miner")});
    ASSERT_EQ(miner.size(), 4u);  // newest first: sent (2, 1 in block 2), mined 2, mined 1
    EXPECT_EQ(miner[0]["role"], "sent");
    EXPECT_EQ(miner[0]["position"], 2);
    EXPECT_EQ(miner[0]["counterparty"], address_of("carol"));
    EXPECT_EQ(miner[0]["blockhash"], hash(2));
    EXPECT_EQ(miner[3]["role"], "mined");
    EXPECT_TRUE(miner[3]["counterparty"].is_null());
    Json page = ok("getaddresshistory", {address_of("miner"), 1, 2});
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0], miner[1]);
    EXPECT_TRUE(ok("getaddresshistory", {address_of("miner"), 100}).empty());
    EXPECT_EQ(err("getaddresshistory", {address_of("bob"), 0, 0}).code, -8);
    node.address_index_off = true;
    RpcError off = err("getaddresshistory", {address_of("bob")});
    EXPECT_EQ(off.code, -1);
    EXPECT_NE(off.message.find("--addressindex"), std::string::npos);
}

TEST_F(MethodsTest, AddressOfAnotherNetworkIsRejected) {
    const std::string main_address = encode_address(account_of("bob"), chain_params(Network::Main));
    RpcError e = err("getbalance", {main_address});
    EXPECT_EQ(e.code, -5);
    EXPECT_NE(e.message.find("address-wrong-network"), std::string::npos) << e.message;
}

TEST_F(MethodsTest, SendRawTransactionOutcomes) {
    RpcError not_hex = err("sendrawtransaction", {"zz"});
    EXPECT_EQ(not_hex.code, -22);
    EXPECT_FALSE(not_hex.bad_params);
    EXPECT_EQ(err("sendrawtransaction", {"0011"}).code, -22);

    Transaction forged = signed_transfer("alice", account_of("bob"), 1000, 1000, 1);
    forged.amount += 1;
    RpcError bad_sig = err("sendrawtransaction", {to_hex(forged.serialize())});
    EXPECT_EQ(bad_sig.code, -26);
    EXPECT_EQ(bad_sig.message, "bad-signature");
    EXPECT_EQ(bad_sig.data, "the signature does not verify");

    RpcError low = err("sendrawtransaction", {to_hex(signed_transfer("miner", account_of("bob"), 5, 1000, 0).serialize())});
    EXPECT_EQ(low.code, -26);
    EXPECT_EQ(low.message, "nonce-too-low");

    RpcError gap = err("sendrawtransaction", {to_hex(signed_transfer("alice", account_of("bob"), 5, 1000, 50).serialize())});
    EXPECT_EQ(gap.code, -25);
    EXPECT_EQ(gap.message, "nonce-gap");

    RpcError in_chain = err("sendrawtransaction", {to_hex(node.chain[2].txs[1].serialize())});
    EXPECT_EQ(in_chain.code, -27);

    const Transaction pending = signed_transfer("alice", account_of("bob"), 5 * kCoin, 2000, 0);
    EXPECT_EQ(ok("sendrawtransaction", {to_hex(pending.serialize())}), pending.txid().to_hex());
}

TEST_F(MethodsTest, Mempool) {
    const Hash256 pending = signed_transfer("alice", account_of("bob"), 5 * kCoin, 2000, 0).txid();
    Json verbose = ok("getrawmempool", {true});
    ASSERT_TRUE(verbose.contains(pending.to_hex()));
    EXPECT_EQ(verbose[pending.to_hex()]["from"], address_of("alice"));
    Json info = ok("getmempoolinfo");
    EXPECT_EQ(info["total_fee"], 2000);
    EXPECT_EQ(info["loaded"], true);
    EXPECT_EQ(err("getmempoolentry", {std::string(64, '2')}).code, -5);
}

TEST_F(MethodsTest, GenerateIsRegtestOnly) {
    node.network = Network::Main;
    RpcError e = err("generatetoaddress", {1, encode_address(account_of("bob"), chain_params(Network::Main))});
    EXPECT_EQ(e.code, -32601);
    EXPECT_NE(e.message.find("regtest"), std::string::npos);
    node.network = Network::Regtest;
    EXPECT_EQ(err("generatetoaddress", {5000, address_of("bob")}).code, -1);  // the node's own failure
}

TEST_F(MethodsTest, BlockTemplateAndSubmit) {
    Json t = ok("getblocktemplate", {address_of("bob")});
    EXPECT_EQ(t["previousblockhash"], hash(2));
    EXPECT_EQ(t["coinbasevalue"], block_subsidy(3, chain_params(Network::Regtest)));
    EXPECT_EQ(t["noncerange"], "0000000000000000ffffffffffffffff");
    auto raw = from_hex(t["hex"].get<std::string>());
    ASSERT_TRUE(raw);
    auto block = decode_all<Block>(*raw);
    ASSERT_TRUE(block);
    const Uint256 target = Uint256::from_compact(block->header.bits);
    while (Uint256::from_hash(block->header.hash()) > target) ++block->header.nonce;
    EXPECT_TRUE(ok("submitblock", {to_hex(block->serialize())}).is_null());
    EXPECT_EQ(err("submitblock", {"00"}).code, -22);
}

TEST_F(MethodsTest, NetworkErrorsUseBitcoindCodes) {
    ok("addnode", {"1.2.3.4:1", "add"});
    EXPECT_EQ(err("addnode", {"1.2.3.4:1", "add"}).code, -23);
    EXPECT_EQ(err("addnode", {"9.9.9.9:1", "remove"}).code, -24);
    EXPECT_EQ(err("disconnectnode", {"9.9.9.9:1"}).code, -29);
    EXPECT_TRUE(ok("disconnectnode", {"", 7}).is_null());
    EXPECT_TRUE(ok("disconnectnode", Json{{"nodeid", 7}}).is_null());
    EXPECT_EQ(err("disconnectnode").code, -8);
    EXPECT_EQ(err("disconnectnode", {"127.0.0.1:19444", 7}).code, -8);
    EXPECT_EQ(err("setban", {"not an ip!", "add"}).code, -30);
    EXPECT_EQ(err("setban", {"10.0.0.0/", "add"}).code, -30);
    ok("setban", {"10.0.0.0/24", "add"});  // subnets in CIDR form
    EXPECT_EQ(err("setban", {"10.0.0.9", "remove"}).code, -30);  // Core: "Unban failed"
    ok("setban", {"10.0.0.9", "add"});
    EXPECT_EQ(err("setban", {"10.0.0.9", "add"}).code, -23);  // Core: "IP/Subnet already banned"
    EXPECT_EQ(err("addnode", {"no such host!", "add"}).code, -30);
    RpcError e = err("setban", {"10.0.0.0/y", "add"});
    EXPECT_EQ(e.data, "bad-subnet");  // the node's rule code travels in error.data
}

TEST_F(MethodsTest, Bans) {
    ok("setban", {"10.0.0.7", "add", 3600});
    Json list = ok("listbanned");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0]["address"], "10.0.0.7");
    EXPECT_EQ(list[0]["ban_duration"], 3600);
    ok("clearbanned");
    EXPECT_TRUE(ok("listbanned").empty());
}

TEST_F(MethodsTest, StopAsksTheNode) {
    ok("stop");
    EXPECT_EQ(node.stop_requests, 1);
}

TEST_F(MethodsTest, ValidateAddress) {
    Json good = ok("validateaddress", {address_of("bob")});
    EXPECT_EQ(good["network"], "regtest");
    EXPECT_EQ(good["accountid"], to_hex(account_of("bob").span()));
    EXPECT_FALSE(good.contains("error"));

    Json other = ok("validateaddress", {encode_address(account_of("bob"), chain_params(Network::Test))});
    EXPECT_EQ(other["isvalid"], false);
    EXPECT_EQ(other["network"], "test");
    EXPECT_EQ(other["error"], "address-wrong-network");

    std::string typo = address_of("bob");
    typo.back() = typo.back() == 'q' ? 'p' : 'q';
    Json bad = ok("validateaddress", {typo});
    EXPECT_EQ(bad["isvalid"], false);
    EXPECT_EQ(bad["error"], "address-bad-checksum");
    EXPECT_EQ(bad["address"], typo);

    Json junk = ok("validateaddress", {"hello"});
    EXPECT_EQ(junk["isvalid"], false);
    EXPECT_FALSE(junk.contains("network"));
}

TEST_F(MethodsTest, HelpComesFromTheTable) {
    const std::string all = ok("help").get<std::string>();
    for (const MethodSpec& m : method_table()) EXPECT_NE(all.find(usage_line(m)), std::string::npos) << m.name;
    EXPECT_NE(all.find("== Blockchain =="), std::string::npos);
    EXPECT_NE(all.find("== Control =="), std::string::npos);

    const std::string one = ok("help", {"getblock"}).get<std::string>();
    EXPECT_EQ(one.rfind("getblock \"blockhash\" ( verbosity )", 0), 0u) << one;
    EXPECT_NE(one.find("Arguments:\n1. blockhash"), std::string::npos);
    EXPECT_NE(one.find("Result:"), std::string::npos);
    EXPECT_NE(one.find("> finch-cli getblock"), std::string::npos);
    EXPECT_NE(one.find("> curl"), std::string::npos);
    EXPECT_EQ(ok("help", {"nosuch"}), "help: unknown command: nosuch");
    EXPECT_EQ(ok("help", Json{{"command", "stop"}}).get<std::string>().rfind("stop\n", 0), 0u);
}

TEST_F(MethodsTest, EveryMethodHasHelpText) {
    for (const MethodSpec& m : method_table()) {
        EXPECT_FALSE(m.description.empty()) << m.name;
        EXPECT_FALSE(m.result.empty()) << m.name;
        EXPECT_NE(m.handler, nullptr) << m.name;
        for (const ParamSpec& p : m.params) EXPECT_FALSE(p.description.empty()) << m.name << "." << p.name;
    }
}

TEST(MethodDocs, DocsRpcMdDescribesEveryMethod) {
    std::ifstream in(FINCH_RPC_DOC);
    ASSERT_TRUE(in) << FINCH_RPC_DOC;
    std::stringstream text;
    text << in.rdbuf();
    for (const MethodSpec& m : method_table()) {
        EXPECT_NE(text.str().find("#### " + std::string(m.name) + "\n"), std::string::npos) << m.name;
        EXPECT_NE(text.str().find("`" + usage_line(m) + "`"), std::string::npos) << usage_line(m);
    }
}

TEST(CliArgument, JsonWhenItParsesElseString) {
    EXPECT_EQ(parse_cli_argument("12"), 12);
    EXPECT_EQ(parse_cli_argument("true"), true);
    EXPECT_EQ(parse_cli_argument("[1,\"a\"]"), Json::parse("[1,\"a\"]"));
    EXPECT_EQ(parse_cli_argument("fcrt1qabc"), "fcrt1qabc");
    EXPECT_EQ(parse_cli_argument("\"quoted\""), "quoted");
    EXPECT_EQ(parse_cli_argument("00ab"), "00ab");
    EXPECT_EQ(parse_cli_argument(""), "");
}

}  // namespace
}  // namespace finch::rpc
