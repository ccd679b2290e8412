#!/usr/bin/env python3
"""Logs that speak and peer addresses parsed by one function (bitcoind parity):
- with --debug=all, a transfer, a sync and a reorg leave [rpc], [mempool], [chain], [store]
  and [net] lines, and the plain log has one line per new tip (height, hash, transfers, ms),
  one per reorg (depth, old and new tip) and one per disconnect with its reason;
- `--connect 127.0.0.1` (no port) dials the network's default port; `--connect nohost:1`
  stops finchd at start-up with a clear error, and RPC `addnode` answers the same values with
  the same parser (-30 for a bad host)."""

import os
import re
import subprocess

from framework import main, wait_until, assert_equal, assert_raises_rpc, free_port

REGTEST_DEFAULT_PORT = 19444


def read_log(node):
    with open(os.path.join(node.network_dir, "debug.log"), errors="replace") as f:
        return f.read()


def test_logs(h):
    miner_a, miner_b, alice = h.keygen(), h.keygen(), h.keygen()
    a = h.add_node(["--debug=all"]).start()
    b = h.add_node(["--debug=all", f"--connect=127.0.0.1:{a.port}"]).start()
    a.rpc("generatetoaddress", 2, miner_a["address"])
    wait_until(lambda: b.rpc("getblockcount") == 2, 30, what="b to sync")
    txid = a.cli("-regtest", "send", "--secret", miner_a["secret"], "--to", alice["address"],
                 "--amount", "5000").stdout.strip()
    wait_until(lambda: txid in b.rpc("getrawmempool"), 30, what="the transfer to reach b")
    a.rpc("generatetoaddress", 1, miner_a["address"])
    wait_until(lambda: b.rpc("getblockcount") == 3, 30, what="b at height 3")

    # A reorg on b: alone (it dials only a closed port and does not listen, so neither side
    # can redial the other from its address book), it mines one block while a mines two.
    b.stop()
    b.extra_args = ["--debug=all", f"--connect=127.0.0.1:{free_port()}", "--listen=0"]
    b.start()
    b.rpc("generatetoaddress", 1, miner_b["address"])
    a.rpc("generatetoaddress", 2, miner_a["address"])
    b.rpc("addnode", f"127.0.0.1:{a.port}", "onetry")
    wait_until(lambda: b.rpc("getbestblockhash") == a.rpc("getbestblockhash"), 30, what="b to reorg onto a")
    a.rpc("disconnectnode", "", a.rpc("getpeerinfo")[0]["id"])
    wait_until(lambda: "disconnected: " in read_log(a), 10, what="a disconnect line")

    log_a, log_b = read_log(a), read_log(b)
    for category in ("rpc", "mempool", "chain", "store", "net"):
        assert f"[{category}]" in log_a, f"no [{category}] line in a's debug.log"
    assert re.search(r"\[rpc\] method=sendrawtransaction peer=127\.0\.0\.1:\d+ duration=", log_a), "rpc request line"
    assert re.search(r"\[mempool\] accepted [0-9a-f]{64}", log_a), "mempool accept line"
    assert re.search(r"\[chain\] connected block [0-9a-f]{64} at height 3 \(1 transfers\)", log_a), log_a[-2000:]
    assert re.search(r"\[store\] wrote block 3 ", log_a), "store write line"
    assert re.search(r"chain: new tip [0-9a-f]{64} height 3 transfers 1 in [0-9.]+ ms", log_a), "new tip line"
    assert re.search(r"chain: reorg of depth 1: old tip [0-9a-f]{64} at height 4, new tip [0-9a-f]{64} at height 5",
                     log_b), log_b[-3000:]
    assert re.search(r"\[mempool\] block [0-9a-f]{64} disconnected", log_b), "mempool reorg line"
    assert re.search(r"p2p: peer \d+ 127\.0\.0\.1 disconnected: disconnectnode", log_a), "disconnect line"
    assert re.search(r"\[net\] compact block|\[net\] (inbound|outbound) connection", log_b), "net line"
    for n in (a, b):
        assert_equal(n.stop(), 0)


def test_peer_addresses(h):
    # A node on the regtest default port, dialed without a port.
    if not port_free(REGTEST_DEFAULT_PORT):
        print(f"  default port {REGTEST_DEFAULT_PORT} in use: skipping the default-port dial")
    else:
        target = h.add_node()
        target.port = REGTEST_DEFAULT_PORT
        target.start()
        dialer = h.add_node(["--connect=127.0.0.1"]).start()
        wait_until(lambda: any(p["addr"] == f"127.0.0.1:{REGTEST_DEFAULT_PORT}" for p in dialer.rpc("getpeerinfo")),
                   30, what="a dial to the default port")
        # RPC addnode takes the same forms.
        assert_equal(dialer.rpc("addnode", "127.0.0.2", "add"), None)
        added = assert_raises_rpc(-23, dialer.rpc, "addnode", "127.0.0.2:19444", "add")
        assert "already added" in added.message, added.message
        for n in (target, dialer):
            assert_equal(n.stop(), 0)

    # A bad host is a clear start-up error, not a silent no-op.
    bad = h.add_node(["--connect=nohost:1"])
    r = subprocess.run(bad.args(), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0, "finchd started with --connect nohost:1"
    assert "--connect 'nohost:1'" in r.stderr and "not an IP address" in r.stderr, r.stderr
    bad_port = h.add_node(["--addnode=127.0.0.1:99999"])
    r = subprocess.run(bad_port.args(), capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "--addnode '127.0.0.1:99999'" in r.stderr, r.stderr

    n = h.add_node().start()
    # localaddresses: the address once and the port in its own field (it read "0.0.0.0:P" with the
    # port twice).
    assert_equal(n.rpc("getnetworkinfo")["localaddresses"], [{"address": "127.0.0.1", "port": n.port}])
    for value in ("nohost:1", "127.0.0.1:0", "::1:5", "", "abc@127.0.0.1:1"):
        e = assert_raises_rpc(-30, n.rpc, "addnode", value, "onetry")
        assert value in e.message, e.message
    assert_equal(n.stop(), 0)


def port_free(port):
    import socket
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test(h):
    test_logs(h)
    test_peer_addresses(h)


if __name__ == "__main__":
    main(test)
