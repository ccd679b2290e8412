#!/usr/bin/env python3
"""JSON-RPC and finch-cli against a real regtest finchd: every method once through the real
node adapter, both reply styles, auth, and finch-cli end to end (keygen -> mine to it ->
send -> mined -> balance), then the `stop` method shuts the node down and removes the cookie.
Uses the functional test harness in tests/functional/framework.py."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "functional"))
from framework import main, wait_until, assert_equal, assert_raises_rpc  # noqa: E402


def check_reply_styles(node):
    status, body = node.post(json.dumps({"jsonrpc": "2.0", "method": "getblockcount", "id": "a"}))
    assert_equal(status, 200)
    assert_equal(json.loads(body), {"jsonrpc": "2.0", "result": node.height(), "id": "a"})
    status, body = node.post(json.dumps({"method": "nosuch", "id": 1}))
    assert_equal(status, 404)
    assert_equal(json.loads(body)["error"]["code"], -32601)
    status, body = node.post(json.dumps([{"jsonrpc": "2.0", "method": "uptime"},
                                         {"jsonrpc": "2.0", "method": "getblockhash", "params": [0], "id": 2}]))
    assert_equal(status, 200)
    assert_equal(len(json.loads(body)), 1)
    status, _ = node.post(json.dumps({"method": "getblockcount", "id": 1}),
                          headers={"Authorization": "Basic X19jb29raWVfXzp3cm9uZw=="})
    assert_equal(status, 401)


def check_every_method(node, miner, alice):
    tip = node.rpc("getbestblockhash")
    assert_equal(node.rpc("getblockhash", node.height()), tip)
    assert_equal(node.rpc("getblockchaininfo")["bestblockhash"], tip)
    block = node.rpc("getblock", tip, 2)
    assert block["tx"][0]["coinbase"], block
    assert_equal(node.rpc("getblock", tip, 0)[:8], "01000000")
    assert_equal(node.rpc("getblockheader", tip)["hash"], tip)
    assert len(node.rpc("getblockheader", tip, False)) == 176
    assert_equal(node.rpc("getchaintips")[0]["status"], "active")
    assert node.rpc("getdifficulty") > 0
    assert_equal(node.rpc("gettransaction", block["tx"][0]["txid"])["blockhash"], tip)
    assert_equal(node.rpc("getbalance", alice["address"]), node.rpc("getaccount", alice["address"])["balance"])
    assert_equal(node.rpc("getstatehash")["bestblockhash"], tip)
    assert isinstance(node.rpc("getrawmempool"), list)
    assert_equal(node.rpc("getmempoolinfo")["loaded"], True)
    assert_raises_rpc(-5, node.rpc, "getmempoolentry", "00" * 32)
    assert_equal(node.rpc("getmininginfo")["chain"], "regtest")
    template = node.rpc("getblocktemplate", miner["address"])
    assert_equal(template["previousblockhash"], tip)
    assert_equal(node.rpc("submitblock", node.rpc("getblock", tip, 0)), "duplicate")
    assert isinstance(node.rpc("getpeerinfo"), list)
    assert "connections" in node.rpc("getnetworkinfo")
    assert node.rpc("getconnectioncount") >= 0
    assert isinstance(node.rpc("listbanned"), list)
    node.rpc("clearbanned")
    assert "getblock" in node.rpc("help")
    assert node.rpc("help", "getblock").startswith("getblock \"blockhash\"")
    assert node.rpc("uptime") >= 0
    assert_equal(node.rpc("validateaddress", alice["address"])["isvalid"], True)
    assert_equal(node.rpc("validateaddress", "fc1qqqq")["isvalid"], False)
    assert_raises_rpc(-8, node.rpc, "getblockhash", 10**6)
    assert_raises_rpc(-3, node.rpc, "getblockhash", "x")
    assert_raises_rpc(-22, node.rpc, "sendrawtransaction", "00")


def check_cli_end_to_end(h, node):
    alice, bob = h.keygen(), h.keygen()
    node.cli("generatetoaddress", "2", alice["address"])
    balance = int(node.cli("getbalance", alice["address"]).stdout)
    assert balance > 0, balance
    txid = node.cli("send", "--secret", alice["secret"], "--to", bob["address"], "--amount", "4321").stdout.strip()
    assert_equal(len(txid), 64)
    assert txid in node.rpc("getrawmempool")
    node.cli("-named", "generatetoaddress", "nblocks=1", f"address={alice['address']}")
    assert_equal(int(node.cli("getbalance", bob["address"]).stdout), 4321)
    assert_equal(node.rpc("gettransaction", txid)["confirmations"], 1)
    # Errors: bitcoin-cli's format on stderr, non-zero exit.
    r = node.cli("getblockhash", "999999", check=False)
    assert r.returncode != 0
    assert "error code: -8" in r.stderr, r.stderr
    # --stdin: arguments one per line.
    r = node.cli("--stdin", "getblockhash", input_text="0\n")
    assert_equal(r.stdout.strip(), node.rpc("getblockhash", 0))
    return alice


def test(h):
    node = h.add_node(["--listen=0"]).start()
    mode = os.stat(node.cookie_path).st_mode & 0o777
    assert_equal(mode, 0o600)
    miner = h.keygen()
    node.rpc("generatetoaddress", 3, miner["address"])
    check_reply_styles(node)
    alice = check_cli_end_to_end(h, node)
    check_every_method(node, miner, alice)
    assert_equal(node.cli("stop").stdout.strip(), "finchd stopping")
    node.process.wait(timeout=30)
    assert_equal(node.process.returncode, 0)
    node.process = None
    assert not os.path.exists(node.cookie_path), "cookie left behind"


if __name__ == "__main__":
    main(test)
