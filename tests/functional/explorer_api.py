#!/usr/bin/env python3
"""The explorer on a real finchd: /api/ without credentials while JSON-RPC keeps them; the
address index through transfers, a reorg between two nodes, --reindex, a restart with
--addressindex=0 and back on (rebuilt from the stored chain); HEAD; the per-address
connection cap seen from distinct loopback addresses (127.0.0.2, 127.0.0.3); the cap on all
public connections, with 127.0.0.1 (the operator) exempt; a body refused before it is read;
429 past the per-address request rate."""

import http.client
import json
import socket
import time

from framework import main, wait_until, assert_equal, assert_raises_rpc
from prom_parse import parse, value


def get(node, path, method="GET", source=None):
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), body
    finally:
        conn.close()


def api(node, path):
    status, _, body = get(node, "/api/" + path)
    assert_equal(status, 200, f"/api/{path}: {body[:200]!r}")
    return json.loads(body)


def send(h, node, secret, to, amount, nonce):
    raw = node.cli("signtx", "--secret", secret, "--to", to, "--amount", str(amount), "--fee", "1000",
                   "--nonce", str(nonce)).stdout.strip()
    return node.rpc("sendrawtransaction", raw)


def test_access(node):
    status, headers, body = get(node, "/explorer/")
    assert_equal(status, 200)
    assert b"app.js" in body
    assert "script-src 'self'" in headers["content-security-policy"]
    status, head_headers, head_body = get(node, "/explorer/", method="HEAD")
    assert_equal(status, 200, "HEAD")
    assert_equal(head_body, b"")
    assert_equal(head_headers["content-length"], headers["content-length"])
    status, _, _ = get(node, "/")
    assert_equal(status, 405, "GET / is not JSON-RPC")
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
    conn.request("POST", "/", body='{"method":"getblockcount"}')
    assert_equal(conn.getresponse().status, 401, "JSON-RPC still needs credentials")
    conn.close()


def test_history(h, a, b, miner):
    alice, bob = h.keygen(), h.keygen()
    # The nodes never met: each mines its own first 3 blocks to the miner, so the miner can
    # pay on either branch (the transfers below are valid on both).
    a.rpc("generatetoaddress", 3, miner["address"])
    b.rpc("generatetoaddress", 3, miner["address"])
    nonce = a.rpc("getaccount", miner["address"])["nonce"]
    txids = [send(h, a, miner["secret"], alice["address"], 1000 + i, nonce + i) for i in range(3)]
    pending = api(a, "address/" + alice["address"])
    assert_equal(sorted(t["txid"] for t in pending["pending"]), sorted(txids), "pending before a block")
    assert_equal(pending["history"], [])
    a.rpc("generatetoaddress", 1, bob["address"])
    page = api(a, "address/" + alice["address"])
    assert_equal([t["txid"] for t in page["history"]], list(reversed(txids)), "newest first")
    assert_equal(page["pending"], [])
    assert_equal(page["balance"], 1000 + 1001 + 1002)
    assert_equal(a.rpc("getaddresshistory", alice["address"]), page["history"])
    tx = api(a, "tx/" + txids[0])
    assert_equal((tx["status"], tx["from"], tx["to"], tx["amount"]), ("confirmed", miner["address"], alice["address"], 1000))

    # A reorg: b mines a longer branch without these transfers; they leave the index and
    # return to the mempool (pending again).
    b_tip = b.rpc("getblockcount")
    b.rpc("generatetoaddress", a.rpc("getblockcount") - b_tip + 2, bob["address"])
    a.rpc("addnode", f"127.0.0.1:{b.port}", "onetry")
    wait_until(lambda: a.rpc("getbestblockhash") == b.rpc("getbestblockhash"), 30, what="reorg to b's branch")
    after = api(a, "address/" + alice["address"])
    assert_equal(after["history"], [], "the reorged-out transfers left the index")
    wait_until(lambda: len(api(a, "address/" + alice["address"])["pending"]) == 3, 10, what="transfers pending again")
    bob_history = a.rpc("getaddresshistory", bob["address"], 0, 1000)
    assert all(e["role"] == "mined" for e in bob_history)
    assert_equal(len(bob_history), a.rpc("getblockcount") - 3, "bob mined every block after the first 3")
    assert_equal(a.rpc("getaddresshistory", miner["address"], 0, 1000)[0]["role"], "mined", "no sent entry left")
    return alice, bob


def test_index_lifecycle(node, alice, bob):
    node.rpc("generatetoaddress", 1, bob["address"])  # confirms alice's three again
    before = node.rpc("getaddresshistory", alice["address"])
    assert_equal(len(before), 3)
    node.stop()
    node.start(extra=["--reindex"])
    assert_equal(node.rpc("getaddresshistory", alice["address"]), before, "after --reindex")
    node.stop()
    node.start(extra=["--addressindex=0"])
    assert_raises_rpc(-1, node.rpc, "getaddresshistory", alice["address"])
    assert_equal(api(node, "address/" + alice["address"])["history"], None)
    node.rpc("generatetoaddress", 2, alice["address"])
    node.stop()
    node.start()
    assert "building the address index" in node.log_text()
    rebuilt = node.rpc("getaddresshistory", alice["address"])
    assert_equal(rebuilt[2:], before, "rebuilt with the old entries")
    assert_equal([e["role"] for e in rebuilt[:2]], ["mined", "mined"], "and the blocks mined while it was off")


def closed_unanswered(source, port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    try:
        s.sendall(b"GET /api/tip HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            return s.recv(100) == b""
        except ConnectionResetError:
            return True
    finally:
        s.close()


def test_public_connection_cap(node):
    """6 addresses x 8 connections fill the 48 public slots; a seventh address is refused, while
    the operator's authenticated RPC from 127.0.0.1 (exempt) still gets through."""
    held = []
    try:
        for i in range(6):
            for _ in range(8):
                held.append(socket.create_connection(("127.0.0.1", node.rpcport), timeout=5,
                                                     source_address=(f"127.0.0.{10 + i}", 0)))
        time.sleep(0.2)
        assert closed_unanswered("127.0.0.20", node.rpcport), "the 49th public connection is closed"
        assert_equal(node.rpc("getblockcount") >= 0, True, "authenticated RPC from 127.0.0.1 still answered")
        assert_equal(get(node, "/api/tip")[0], 200, "and the explorer from 127.0.0.1")
    finally:
        for s in held:
            s.close()
    wait_until(lambda: get(node, "/api/tip", source="127.0.0.20")[0] == 200, 10, what="public slots given back")


def test_body_refused(node):
    s = socket.create_connection(("127.0.0.1", node.rpcport), timeout=5, source_address=("127.0.0.21", 0))
    try:
        s.sendall(b"GET /api/tip HTTP/1.1\r\nHost: x\r\nContent-Length: 31457280\r\n\r\n" + b"x" * 65536)
        reply = s.recv(200)
        assert reply.startswith(b"HTTP/1.1 400"), reply
    finally:
        s.close()


def test_connection_cap(node):
    held = []
    try:
        for _ in range(8):
            s = socket.create_connection(("127.0.0.1", node.rpcport), timeout=5, source_address=("127.0.0.2", 0))
            held.append(s)
        time.sleep(0.2)
        assert closed_unanswered("127.0.0.2", node.rpcport), "the ninth connection from one address is closed"
        status, _, _ = get(node, "/api/tip", source="127.0.0.3")
        assert_equal(status, 200, "another address is still served")
    finally:
        for s in held:
            s.close()
    wait_until(lambda: get(node, "/api/tip", source="127.0.0.2")[0] == 200, 10, what="slots given back")


def test_rate_limit(h):
    node = h.add_node(["--explorer", "--explorerratelimit=5"]).start()
    statuses = []
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30, source_address=("127.0.0.4", 0))
    start = time.monotonic()
    for _ in range(25):
        conn.request("GET", "/api/tip")
        resp = conn.getresponse()
        resp.read()
        statuses.append((resp.status, resp.getheader("Retry-After")))
    conn.close()
    ok = sum(1 for s, _ in statuses if s == 200)
    # The burst of 10, plus 5 a second refilled while the loop ran (bounded by its own time).
    elapsed = time.monotonic() - start
    assert 10 <= ok <= 10 + int(5 * elapsed) + 1, (elapsed, statuses)
    assert all(r == "1" for s, r in statuses if s == 429), statuses
    assert_equal(get(node, "/api/tip", source="127.0.0.5")[0], 200, "other addresses keep their own budget")
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
    conn.request("GET", "/metrics", headers={"Authorization": node.auth_header()})
    samples = parse(conn.getresponse().read().decode())
    conn.close()
    assert_equal(value(samples, "finch_explorer_rate_limited_total"), 25 - ok, "429s counted")
    assert value(samples, "finch_explorer_requests_total") >= ok
    node.stop()


def test(h):
    miner = h.keygen()
    a = h.add_node(["--explorer", "--explorerratelimit=10000", "--listen=1"]).start()
    b = h.add_node(["--listen=1"]).start()
    test_access(a)
    alice, bob = test_history(h, a, b, miner)
    a.rpc("disconnectnode", f"127.0.0.1:{b.port}")
    b.stop()
    test_index_lifecycle(a, alice, bob)
    test_connection_cap(a)
    test_public_connection_cap(a)
    test_body_refused(a)
    test_rate_limit(h)


if __name__ == "__main__":
    main(test)
