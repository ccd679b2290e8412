#!/usr/bin/env python3
"""Bad input against a real regtest node. Every method error carries Bitcoin Core's code
(docs/rpc.md, "Error codes": -3 wrong type, -1 wrong number of parameters with the usage
line, -8 bad value, -5 bad address or unknown item, -22 undecodable data, -23/-24/-29/-30
for addnode/setban/disconnectnode) in both reply styles; only protocol errors get -326xx
(-32700, -32600, -32601). Huge numbers, negative numbers, non-hex strings, deep nesting and a
10 MB body are refused without echoing the input, and the node stays up throughout. Also:
getmininginfo's networkhashps after generatetoaddress, and the [rpc] lines of --debug rpc."""

import base64
import http.client
import json
import math
import os
import subprocess

from framework import main, assert_equal

MB = 1024 * 1024
# Under the sanitizers parsing 10 MB bodies takes a minute and a half of CI; 2 MB takes the
# same code paths (none of these sizes is a limit: bodies may be 32 MB).
BIG = (2 if os.environ.get("ASAN_OPTIONS") else 10) * MB


def call(node, method, params, v2):
    request = {"method": method, "params": params, "id": 1}
    if v2:
        request["jsonrpc"] = "2.0"
    status, body = node.post(json.dumps(request))
    return status, json.loads(body)


def expect_error(node, code, method, params, contains=None):
    """Calls in both reply styles; both must answer `code` (and the same message)."""
    messages = []
    for v2 in (False, True):
        status, reply = call(node, method, params, v2)
        what = f"{method} {json.dumps(params)[:120]} ({'2.0' if v2 else 'legacy'})"
        error = reply.get("error")
        assert error, f"{what}: expected error {code}, got {reply}"
        assert_equal(error["code"], code, what + ": " + error["message"][:300])
        if v2:
            assert_equal(status, 200, what)
            assert "result" not in reply, what
        else:
            assert_equal(status, 404 if code == -32601 else 500, what)
            assert reply["result"] is None, what
        assert len(error["message"]) < 1000, f"{what}: message of {len(error['message'])} characters"
        if contains is not None:
            assert contains in error["message"], f"{what}: {error['message']!r} lacks {contains!r}"
        messages.append(error["message"])
    assert_equal(messages[0], messages[1], method)
    return messages[0]


def expect_protocol_error(node, code, body, http_status):
    status, raw = node.post(body)
    reply = json.loads(raw)
    assert_equal(reply["error"]["code"], code, body[:80] if isinstance(body, str) else "")
    assert_equal(status, http_status, f"HTTP status for {str(body)[:80]}")
    assert reply["id"] is None
    return reply


def main_network_address(h):
    r = subprocess.run([h.finch_cli, "--network=main", "keygen"], capture_output=True, text=True,
                       timeout=30, check=True)
    return json.loads(r.stdout)["address"]


def check_networkhashps(node, hashes):
    """Bitcoin Core's estimate: work over the time spread of the last (up to) 120 blocks,
    never reaching back to genesis; a same-second run counts as one second."""
    info = node.rpc("getmininginfo")
    rate = info["networkhashps"]
    assert isinstance(rate, (int, float)) and math.isfinite(rate), info
    assert rate > 1, f"networkhashps {rate} on a fresh regtest chain of {len(hashes)} blocks"
    headers = [node.rpc("getblockheader", h) for h in hashes]  # heights 1..10
    times = [x["time"] for x in headers]
    work = int(headers[-1]["chainwork"], 16) - int(headers[0]["chainwork"], 16)
    expected = work / max(max(times) - min(times), 1)
    assert abs(rate - expected) <= 1e-9 * expected, f"networkhashps {rate}, expected {expected}"
    # Not mining: the local rate is zero (with --mine on regtest the miner sleeps between
    # blocks, so its hash rate says nothing about the chain's).
    assert_equal(info["localhashps"], 0)


def check_types_and_counts(node, tip):
    # -3: the wrong JSON type, or null where a value is required.
    expect_error(node, -3, "getblockhash", ["1"], "height must be a non-negative integer")
    expect_error(node, -3, "getblockhash", [0.5])
    expect_error(node, -3, "getblockhash", [None], "not null")
    expect_error(node, -3, "getblock", [12])
    expect_error(node, -3, "getblock", [tip, "2"])
    expect_error(node, -3, "getblockheader", [tip, 1])
    expect_error(node, -3, "getrawmempool", ["yes"])
    expect_error(node, -3, "sendrawtransaction", [[]])
    expect_error(node, -3, "setban", ["10.0.0.1", "add", "soon"])
    expect_error(node, -3, "getblockhash", {"height": None})
    # -1: a wrong number of parameters; the message ends with the usage line.
    msg = expect_error(node, -1, "getblockhash", [1, 2])
    assert_equal(msg, "getblockhash takes at most 1 parameter, got 2\nUsage: getblockhash height")
    expect_error(node, -1, "getblockhash", [], "\nUsage: getblockhash height")
    expect_error(node, -1, "getblockcount", [1], "\nUsage: getblockcount")
    expect_error(node, -1, "getblock", [], "Usage: getblock \"blockhash\" ( verbosity )")
    expect_error(node, -1, "setban", ["10.0.0.1", "add", 60, False, "extra"], "Usage: setban")
    expect_error(node, -1, "generatetoaddress", {"nblocks": 1}, "Missing required parameter address")
    # -8: an unknown named parameter.
    expect_error(node, -8, "getblock", {"blockhash": tip, "verbose": 1}, "Unknown named parameter verbose")


def check_numbers(node, tip, address):
    # Huge: beyond 64 bits is out of range (-8), never a wrap-around or a hang.
    for huge in (10**30, 2**64, -(2**63) - 1):
        expect_error(node, -8, "getblockhash", [huge], "out of range")
    expect_error(node, -8, "getblockhash", [1e300], "out of range")
    expect_error(node, -8, "getblockhash", [2**64 - 1], "Block height out of range")
    expect_error(node, -8, "getblockhash", [10**6], "Block height out of range")
    expect_error(node, -8, "generatetoaddress", [2**64, address])
    expect_error(node, -8, "getblock", [tip, 10**20])
    expect_error(node, -8, "setban", ["10.0.0.1", "add", 2**70])
    expect_error(node, -29, "disconnectnode", ["", 2**64 - 1])
    # Negative numbers in every kind of integer parameter.
    expect_error(node, -8, "getblockhash", [-1])
    expect_error(node, -8, "generatetoaddress", [-1, address])
    expect_error(node, -8, "generatetoaddress", [-(10**12), address])
    expect_error(node, -8, "setban", ["10.0.0.1", "add", -3600])
    expect_error(node, -8, "getblock", [tip, -1])
    expect_error(node, -8, "disconnectnode", ["", -7])
    expect_error(node, -8, "getblock", [tip, 3], "verbosity")


def check_hex_and_addresses(h, node, address):
    expect_error(node, -8, "getblock", ["zz" * 32], "must be hexadecimal string")
    expect_error(node, -8, "getblock", ["abc"], "must be of length 64 (not 3, for 'abc')")
    expect_error(node, -8, "gettransaction", ["g" * 64])
    expect_error(node, -8, "getmempoolentry", ["0x" + "00" * 31])
    expect_error(node, -8, "getblockheader", [" " + "00" * 32])
    expect_error(node, -22, "sendrawtransaction", ["zz"])
    expect_error(node, -22, "sendrawtransaction", ["abc"])
    expect_error(node, -22, "sendrawtransaction", ["00" * 10])
    expect_error(node, -22, "submitblock", ["not hex"])
    expect_error(node, -22, "submitblock", ["00"])
    # -5: addresses that do not decode or belong to another network; unknown items.
    expect_error(node, -5, "getbalance", ["notanaddress"], "Invalid address")
    expect_error(node, -5, "getaccount", [address[:-1] + ("q" if address[-1] != "q" else "p")])
    expect_error(node, -5, "generatetoaddress", [1, main_network_address(h)], "address-wrong-network")
    expect_error(node, -5, "getblock", ["00" * 32], "Block not found")
    expect_error(node, -5, "getblockheader", ["11" * 32])
    expect_error(node, -5, "gettransaction", ["22" * 32])
    expect_error(node, -5, "getmempoolentry", ["33" * 32])
    assert_equal(node.rpc("validateaddress", "notanaddress")["isvalid"], False)  # not an error


def check_network_methods(node):
    # setban: not an IP or subnet, a prefix too long, unbanning what is not banned: -30.
    expect_error(node, -30, "setban", ["not-an-ip", "add"])
    expect_error(node, -30, "setban", ["300.1.1.1", "add"])
    expect_error(node, -30, "setban", ["10.0.0.0/33", "add"])
    expect_error(node, -30, "setban", ["10.1.2.3", "remove"])
    expect_error(node, -8, "setban", ["10.1.2.3", "ban"], "command must be one of: add, remove")
    assert node.rpc("setban", "10.1.2.3", "add", 3600) is None
    expect_error(node, -23, "setban", ["10.1.2.3", "add"])
    assert node.rpc("setban", "10.1.2.3", "remove") is None
    # addnode: not a peer address -30, a bad command -8, not added -24.
    expect_error(node, -30, "addnode", ["not a peer", "add"])
    expect_error(node, -30, "addnode", ["", "onetry"])
    expect_error(node, -8, "addnode", ["127.0.0.1:1", "maybe"], "command must be one of: add, remove, onetry")
    expect_error(node, -24, "addnode", ["127.0.0.1:1", "remove"])
    # disconnectnode: exactly one of address and nodeid (-8); an unknown peer -29.
    expect_error(node, -8, "disconnectnode", [])
    expect_error(node, -8, "disconnectnode", ["127.0.0.1:1", 5])
    expect_error(node, -29, "disconnectnode", ["127.0.0.1:1"])


def check_protocol_errors(node):
    expect_protocol_error(node, -32700, "{", 500)
    expect_protocol_error(node, -32700, '{"method":"getblockhash","params":[Infinity],"id":1}', 500)
    expect_protocol_error(node, -32600, "42", 400)
    reply = expect_protocol_error(node, -32600, "[]", 200)
    assert "batch" in reply["error"]["message"]
    status, raw = node.post('{"method":5,"id":1}')
    assert_equal((status, json.loads(raw)["error"]["code"]), (400, -32600))
    expect_error(node, -32601, "getblocks", [])
    expect_error(node, -32601, "x" * 10000, [])
    # A batch answers each entry with its own code, in its own style.
    status, raw = node.post(json.dumps([
        {"jsonrpc": "2.0", "method": "getblockhash", "params": ["x"], "id": 1},
        {"method": "getblockhash", "params": [1, 2], "id": 2},
        {"jsonrpc": "2.0", "method": "nosuch", "id": 3},
        {"method": "getblockcount", "id": 4},
    ]))
    assert_equal(status, 200)
    codes = [(e.get("error") or {}).get("code") for e in json.loads(raw)]
    assert_equal(codes, [-3, -1, -32601, None])
    # Too many entries in a batch.
    status, raw = node.post(json.dumps([{"method": "getblockcount", "id": i} for i in range(50_001)]))
    assert_equal(json.loads(raw)["error"]["code"], -32600)


def check_nesting_and_size(node):
    depth = 100_000
    expect_protocol_error(node, -32700, "[" * depth + "]" * depth, 500)
    expect_protocol_error(node, -32700, '{"a":' * depth + "1" + "}" * depth, 500)
    nested_params = '{"method":"getblockcount","params":' + "[" * 64 + "]" * 64 + ',"id":1}'
    expect_protocol_error(node, -32700, nested_params, 500)
    # Brackets inside strings do not count as nesting.
    expect_error(node, -8, "getblock", ["[" * 1000], "must be of length 64")

    # 10 MB bodies (2 MB under the sanitizers): garbage, a string argument, hex, a key; none
    # is echoed back.
    expect_protocol_error(node, -32700, "x" * BIG, 500)
    expect_error(node, -8, "getblock", ["f" * BIG], "must be of length 64")
    expect_error(node, -3, "getblockhash", ["1" * BIG])
    expect_error(node, -22, "sendrawtransaction", ["00" * (BIG // 2)])
    expect_error(node, -22, "submitblock", ["ab" * (BIG // 2)])
    expect_error(node, -5, "getbalance", ["fcrt1" + "q" * BIG])
    expect_error(node, -8, "getblock", {"k" * BIG: 1}, "Unknown named parameter")
    expect_error(node, -1, "getblockcount", [0] * (BIG // 4), "Usage: getblockcount")


def check_debug_log(node):
    # A refused login is logged too.
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
    conn.request("POST", "/", body='{"method":"getblockcount","id":1}',
                 headers={"Authorization": "Basic " + base64.b64encode(b"__cookie__:wrong").decode()})
    assert_equal(conn.getresponse().status, 401)
    conn.close()
    node.rpc("getblockcount")  # the 401 line is written before this one
    with open(os.path.join(node.network_dir, "debug.log"), errors="replace") as f:
        rpc_lines = [line.rstrip("\n") for line in f if " [rpc] " in line]

    def find(*parts):
        hits = [line for line in rpc_lines if all(p in line for p in parts)]
        assert hits, f"no [rpc] line with {parts}; last lines:\n" + "\n".join(rpc_lines[-10:])
        return hits[0]

    line = find("[rpc] method=getblockhash peer=127.0.0.1:", " error=-8")
    assert " duration=" in line and line.endswith(" error=-8"), line
    ok = find("[rpc] method=getmininginfo peer=127.0.0.1:")
    assert "error=" not in ok and ok.endswith("ms"), ok
    find("[rpc] method=(none) ", " error=-32700")
    find("[rpc] method=getblockhash ", " error=-1")
    find("[rpc] method=setban ", " error=-30")
    find("[rpc] method=getblocks ", " error=-32601")
    find("[rpc] http=401 peer=127.0.0.1:")
    # A 10,000-character method name is cut short in the log.
    assert all(len(x) < 400 for x in rpc_lines), max(rpc_lines, key=len)[:200]


def test(h):
    node = h.add_node(["--debug=rpc"]).start()
    address = h.keygen()["address"]
    hashes = node.rpc("generatetoaddress", 10, address)
    assert_equal(len(hashes), 10)
    check_networkhashps(node, hashes)
    tip = hashes[-1]

    check_types_and_counts(node, tip)
    check_numbers(node, tip, address)
    check_hex_and_addresses(h, node, address)
    check_network_methods(node)
    check_protocol_errors(node)
    check_nesting_and_size(node)

    # The node is still up and unchanged.
    assert node.process.poll() is None, "finchd exited"
    assert_equal(node.rpc("getblockcount"), 10)
    assert_equal(node.rpc("getbestblockhash"), tip)
    check_debug_log(node)
    assert_equal(node.stop(), 0)


if __name__ == "__main__":
    main(test)
