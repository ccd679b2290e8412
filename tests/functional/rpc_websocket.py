#!/usr/bin/env python3
"""WebSocket subscriptions on the RPC port (design.md section 7): the upgrade needs the RPC
credentials; `blocks` shows a reorg as disconnected then connected events, numbered without
gaps; `transactions` has one event per accepted transfer; `address` sees a transfer pending
then confirmed; every other RPC method works over the socket; a client that does not read is
closed with 1008 while one that reads misses nothing; malformed frames, oversize messages,
bad JSON, unknown topics and too many subscriptions or sockets each get a clear error; an
idle socket that never answers pings is closed."""

import json
import struct
import socket
import subprocess
import time

from framework import main, wait_until, assert_equal
from prom_parse import parse, value
from ws_client import WsClient, WsClosed, WsHandshakeError


def connect(node, auth=True, path="/", rcvbuf=None):
    headers = {"Authorization": node.auth_header()} if auth else {}
    return WsClient("127.0.0.1", node.rpcport, path=path, headers=headers, rcvbuf=rcvbuf)


def subscribe(ws, topic, address=None):
    params = {"topic": topic}
    if address:
        params["address"] = address
    reply = ws.call("subscribe", params)
    assert "error" not in reply or reply["error"] is None, reply
    return reply["result"]


def notifications(ws, count, timeout=30):
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"got {len(out)} of {count} notifications: {out[-3:]}"
        out.append(ws.next_notification(remaining))
    return out


def check_sequence(events, subscription):
    for i, e in enumerate(events, start=1):
        assert_equal(e["method"], "subscription")
        assert_equal(e["params"]["subscription"], subscription)
        assert_equal(e["params"]["seq"], i, "seq without gaps")


def test_handshake(node):
    try:
        connect(node, auth=False)
        raise AssertionError("an upgrade without credentials was accepted")
    except WsHandshakeError as e:
        assert_equal(e.status, 401)
    try:
        connect(node, path="/other")
        raise AssertionError("an upgrade to another path was accepted")
    except WsHandshakeError as e:
        assert_equal(e.status, 404)
    try:
        WsClient("127.0.0.1", node.rpcport, headers={"Authorization": node.auth_header(),
                                                     "Origin": "https://evil.example"})
        raise AssertionError("an upgrade from a web page was accepted")
    except WsHandshakeError as e:
        assert_equal(e.status, 403)
    with connect(node) as ws:
        reply = ws.call("getblockcount", [])
        assert_equal(reply["result"], node.height())
        assert_equal(ws.call("nosuchmethod", [])["error"]["code"], -32601)


def test_reorg(h, a, b):
    """a mines 2 blocks alone, b mines 4; once they meet, a's subscriber sees both of a's
    blocks disconnected (newest first) and b's four connected, all numbered in order."""
    miner = h.keygen()
    with connect(a) as ws:
        sub = subscribe(ws, "blocks")
        mine_a = a.rpc("generatetoaddress", 2, miner["address"])
        mine_b = b.rpc("generatetoaddress", 4, h.keygen()["address"])  # other blocks than a's
        a.rpc("addnode", f"127.0.0.1:{b.port}", "onetry")
        wait_until(lambda: a.rpc("getbestblockhash") == mine_b[-1], 30, what="the reorg to b's chain")
        events = notifications(ws, 8)
        check_sequence(events, sub)
        got = [(e["params"]["result"]["event"], e["params"]["result"]["hash"]) for e in events]
        expected = [("connected", mine_a[0]), ("connected", mine_a[1]),
                    ("disconnected", mine_a[1]), ("disconnected", mine_a[0])] + \
                   [("connected", hsh) for hsh in mine_b]
        assert_equal(got, expected)
        assert_equal([e["params"]["result"]["height"] for e in events], [1, 2, 2, 1, 1, 2, 3, 4])
    m = parse(metrics_text(a))
    assert_equal(value(m, "finch_reorgs_total"), 1)
    assert_equal(value(m, "finch_blocks_disconnected_total"), 2)
    a.rpc("disconnectnode", f"127.0.0.1:{b.port}")
    a.rpc("generatetoaddress", 2, miner["address"])  # funds on the chain a is now on
    return miner


def metrics_text(node):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
    conn.request("GET", "/metrics", headers={"Authorization": node.auth_header()})
    text = conn.getresponse().read().decode()
    conn.close()
    return text


def signed(node, miner, to, amount, nonce):
    return node.cli("signtx", "--secret", miner["secret"], "--to", to, "--amount", str(amount),
                    "--fee", "1000", "--nonce", str(nonce)).stdout.strip()


def test_transactions_and_address(h, node, miner):
    alice = h.keygen()
    nonce = node.rpc("getaccount", miner["address"])["nonce"]
    with connect(node) as watcher, connect(node) as alice_ws:
        tx_sub = subscribe(watcher, "transactions")
        addr_sub = subscribe(alice_ws, "address", alice["address"])
        txids = []
        for i in range(5):
            to = alice["address"] if i == 2 else h.keygen()["address"]
            txids.append(node.rpc("sendrawtransaction", signed(node, miner, to, 100 + i, nonce + i)))
        events = notifications(watcher, 5)
        check_sequence(events, tx_sub)
        assert_equal([e["params"]["result"]["txid"] for e in events], txids)
        assert_equal(events[2]["params"]["result"]["to"], alice["address"])
        assert_equal(events[2]["params"]["result"]["amount"], 102)
        # A rejected transfer (a nonce already used) is not announced.
        try:
            node.rpc("sendrawtransaction", signed(node, miner, alice["address"], 5, nonce))
        except Exception:
            pass

        pending = notifications(alice_ws, 1)[0]["params"]["result"]
        assert_equal((pending["status"], pending["txid"], pending["amount"]), ("pending", txids[2], 102))
        block = node.rpc("generatetoaddress", 1, miner["address"])[0]
        confirmed = notifications(alice_ws, 1)
        check_sequence([pending and {"method": "subscription", "params": {"subscription": addr_sub, "seq": 1}}]
                       + confirmed, addr_sub)
        result = confirmed[0]["params"]["result"]
        assert_equal((result["status"], result["blockhash"]), ("confirmed", block))
        assert_equal([t["txid"] for t in result["transfers"]], [txids[2]])
        assert_equal(result["height"], node.height())
        # Unsubscribed: no more events on it.
        assert_equal(alice_ws.call("unsubscribe", [addr_sub])["result"], True)
        node.rpc("sendrawtransaction", signed(node, miner, alice["address"], 9, nonce + 5))
        assert_equal(alice_ws.call("getblockcount", [])["result"], node.height())
        assert_equal(len(alice_ws.pending), 0, "a notification after unsubscribe")
        node.rpc("generatetoaddress", 1, miner["address"])


def expect_error(ws, method, params, code, fragment):
    reply = ws.call(method, params)
    assert reply.get("error"), reply
    assert_equal(reply["error"]["code"], code, json.dumps(reply))
    assert fragment in reply["error"]["message"], reply["error"]["message"]


def main_network_address(h):
    r = subprocess.run([h.finch_cli, "--network=main", "keygen"], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(r.stdout)["address"]


def test_errors(h, node):
    with connect(node) as ws:
        expect_error(ws, "subscribe", {"topic": "address", "address": main_network_address(h)}, -5, "wrong-network")
        expect_error(ws, "subscribe", {"topic": "weather"}, -8, "Unknown topic")
        expect_error(ws, "subscribe", {}, -8, "Missing topic")
        expect_error(ws, "subscribe", {"topic": "address"}, -8, "needs an address")
        expect_error(ws, "subscribe", {"topic": "address", "address": "nonsense"}, -5, "Invalid address")
        expect_error(ws, "subscribe", {"topic": "blocks", "colour": 1}, -8, "Unknown parameter")
        expect_error(ws, "unsubscribe", [12345], -8, "Unknown subscription")
        expect_error(ws, "unsubscribe", ["x"], -8, "one subscription id")
        for _ in range(16):
            subscribe(ws, "blocks")
        expect_error(ws, "subscribe", ["blocks"], -1, "Too many subscriptions")
        ws.send_text("{not json")
        assert_equal(ws.recv_json(10)["error"]["code"], -32700)
        ws.send_text("[" * 100 + "]" * 100)
        assert_equal(ws.recv_json(10)["error"]["code"], -32700)
        ws.send_binary(b'{"jsonrpc":"2.0","method":"getblockcount","id":1}')
        assert_equal(ws.recv_json(10)["error"]["code"], -32600)
        assert_equal(ws.call("getblockcount", [])["result"], node.height())  # still open
    with connect(node) as ws:
        # A text frame that declares 1 MiB + 1: the server refuses it from its header. Only the
        # first 4 KiB follow, so the reply is not lost to a reset while a whole megabyte is
        # still on its way (as happened once in CI when the whole frame was sent).
        declared = 1024 * 1024 + 1
        head = bytes([0x81, 0x80 | 127]) + struct.pack("!Q", declared) + b"\0\0\0\0"  # zero mask key
        ws.send_raw(head + b" " * 4096)
        try:
            ws.recv_message(10)
            raise AssertionError("an oversize message was answered")
        except WsClosed as e:
            assert_equal(e.code, 1009, "message too big")
    with connect(node) as ws:
        ws.send_frame(0x1, b'{"id":1}', mask=False)  # a client frame must be masked
        try:
            ws.recv_message(10)
            raise AssertionError("an unmasked frame was answered")
        except WsClosed as e:
            assert_equal(e.code, 1002, "protocol error")
    with connect(node) as ws:
        ws.send_frame(0x3, b"x")  # a reserved opcode
        try:
            ws.recv_message(10)
            raise AssertionError("a reserved opcode was answered")
        except WsClosed as e:
            assert_equal(e.code, 1002, "protocol error")
    assert node.process.poll() is None


def test_slow_consumer(h, node, miner):
    """A client that does not read (16 block subscriptions, a tiny receive buffer) overflows
    its queue and is closed with 1008; a client that reads gets every event in order."""
    before = value(parse(metrics_text(node)), "finch_ws_slow_consumers_total")
    with connect(node) as fast, connect(node, rcvbuf=4096) as slow:
        fast_sub = subscribe(fast, "blocks")
        for _ in range(16):
            subscribe(slow, "blocks")
        start = node.height()
        blocks = 0
        for _ in range(10):
            blocks += len(node.rpc("generatetoaddress", 200, miner["address"]))
            if value(parse(metrics_text(node)), "finch_ws_slow_consumers_total") > before:
                break
        assert_equal(value(parse(metrics_text(node)), "finch_ws_slow_consumers_total"), before + 1)
        events = notifications(fast, blocks, timeout=60)
        check_sequence(events, fast_sub)
        assert_equal([e["params"]["result"]["height"] for e in events], list(range(start + 1, start + blocks + 1)))
        # The slow one, reading at last, finds what was queued, then the close frame.
        code = None
        try:
            for _ in range(200_000):
                slow.recv_message(10)
        except WsClosed as e:
            code = e.code
        assert_equal(code, 1008, "a slow consumer is closed with 1008")
        assert_equal(fast.call("getblockcount", [])["result"], node.height())


def test_limits(h):
    node = h.add_node(["--wsmaxconnections=2", "--rpcservertimeout=2"]).start()
    a, b = connect(node), connect(node)
    try:
        connect(node)
        raise AssertionError("a third WebSocket was accepted with --wsmaxconnections=2")
    except WsHandshakeError as e:
        assert_equal(e.status, 503)
    # b never reads, so it never answers the pings: closed after the idle limit (2 s).
    # a keeps reading (answering pings) for longer and stays open.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            a.recv_message(0.2)
        except socket.timeout:
            pass
    assert a.pings_received > 0, "no ping on an idle socket"
    assert_equal(a.call("getblockcount", [])["result"], 0)
    try:
        b.recv_message(5)
        raise AssertionError("an idle socket that never answered pings stayed open")
    except WsClosed:
        pass
    wait_until(lambda: value(parse(metrics_text(node)), "finch_ws_connections") == 1, 10, what="one socket left")
    c = connect(node)  # a slot is free again
    c.close()
    a.close()
    b.close()
    node.stop()


def test(h):
    a = h.add_node().start()
    b = h.add_node().start()
    test_handshake(a)
    miner = test_reorg(h, a, b)
    test_transactions_and_address(h, a, miner)
    test_errors(h, a)
    test_slow_consumer(h, a, miner)
    b.stop()
    test_limits(h)


if __name__ == "__main__":
    main(test)
