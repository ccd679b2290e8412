#!/usr/bin/env python3
"""A peer that stops reading must not stall the node's other peers. A raw peer with a tiny
receive window asks node0 for one mempool transfer 50,000 times (about 9 MB of replies) and
stops reading; while its socket is full, node0 keeps relaying new blocks (each with
transfers) to an honest peer within a second, and holds at most about 1 MB for the stalled
peer (getdata waits while that much is queued to it, as in Bitcoin Core; what passes the
backlog's bound is answered notfound). Two more peers ask for blocktxn and read nothing: their
requests wait while 1 MB is queued to them, and the one that asked past 256 kB of waiting
requests is disconnected (not discouraged). When the peers read again, serving resumes."""

import threading
import time

from framework import main, wait_until, assert_equal
from p2p_raw import RawPeer, compact_size, discouraged, frame, getblocktxn_payload


def rss_mb(node):
    with open(f"/proc/{node.process.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def fill_block(node, key, to, start_nonce, count):
    for n in range(start_nonce, start_nonce + count):
        raw = node.cli("signtx", "--secret", key["secret"], "--to", to, "--amount", "1", "--fee", "1000",
                       "--nonce", str(n)).stdout.strip()
        node.rpc("sendrawtransaction", raw)
    return node.rpc("generatetoaddress", 1, key["address"])[0]


def test(h):
    key, to = h.keygen(), h.keygen()
    node0 = h.add_node().start()
    node1 = h.add_node([f"--connect=127.0.0.1:{node0.port}"]).start()
    node0.rpc("generatetoaddress", 1, key["address"])
    big = fill_block(node0, key, to["address"], 0, 60)
    wait_until(lambda: node1.rpc("getbestblockhash") == big, 30, what="node1 synced")
    rss_before = rss_mb(node0)

    # A transfer that stays in the mempool (its sender's nonces 0 and 1 are missing).
    other = h.keygen()
    node0.rpc("generatetoaddress", 1, other["address"])
    waiting = node0.rpc("sendrawtransaction", node0.cli(
        "signtx", "--secret", other["secret"], "--to", to["address"], "--amount", "1", "--fee", "1000",
        "--nonce", "2").stdout.strip())
    stalled = RawPeer(node0.port, rcvbuf=4096)
    stalled.handshake()
    tx_hash = bytes.fromhex(waiting)[::-1]
    request = compact_size(25_000) + (bytes([1]) + tx_hash) * 25_000
    for _ in range(3):  # the third passes the 50,000-item backlog: notfound
        stalled.send_msg("getdata", request)
    # Two more ask for the 60 transfers of block `big` (about 8.5 kB of blocktxn each time)
    # and read nothing. Past 1 MB queued to a peer its getheaders/getblocktxn/getaddr wait
    # (its other messages are still read). `patient` asks 300 times (2.5 MB of replies): all
    # wait and are answered once it reads. `flood` asks 5,000 times (43 MB, more than the
    # 32 MB send queue): past 512 kB held for waiting requests it is disconnected, not
    # discouraged.
    ask = frame("getblocktxn", getblocktxn_payload(bytes.fromhex(big)[::-1], list(range(60))))
    patient = RawPeer(node0.port, "127.0.0.3", rcvbuf=4096)
    patient.handshake()
    flood = RawPeer(node0.port, "127.0.0.4", rcvbuf=4096)
    flood.handshake()
    senders = [threading.Thread(target=peer.send, args=(ask * n,), daemon=True)  # may block: a thread
               for peer, n in ((patient, 300), (flood, 5_000))]
    for sender in senders:
        sender.start()
    wait_until(lambda: "too many requests waiting while it does not read" in node0.log_text(), 30,
               what="the flooder to be disconnected")
    # It never reads again. Meanwhile new blocks must still reach node1 promptly.
    nonce = 60
    delays = []
    for _ in range(5):
        block = fill_block(node0, key, to["address"], nonce, 20)
        nonce += 20
        mined = time.monotonic()
        wait_until(lambda: node1.rpc("getbestblockhash") == block, 10, interval=0.01,
                   what="a new block to reach the honest peer while another peer is stalled")
        delays.append(time.monotonic() - mined)
    print(f"p2p_stalled_peer: block relay to the honest peer while one is stalled: max {max(delays):.3f}s")

    growth = rss_mb(node0) - rss_before
    print(f"p2p_stalled_peer: node0 RSS grew {growth:.1f} MB while a peer asked for ~9 MB and read nothing")
    # Under a sanitizer (scripts/test.sh's ASan pass, scripts/tsan.sh) shadow memory and
    # quarantines grow RSS, so it says nothing there about what the node holds for the peer.
    if not h.sanitized:
        assert growth < 16, f"node0 grew {growth:.0f} MB for one stalled peer"
    assert_equal(node0.rpc("getblockcount"), node1.rpc("getblockcount"))
    # Reading again, it gets its blocks: serving resumed as its socket drained.
    for _ in range(300):
        stalled.wait_for_msg("tx", timeout=10)
    assert stalled.is_open()
    # The patient one, reading again, gets every answer: its requests waited, none was dropped.
    for _ in range(300):
        patient.wait_for_msg("blocktxn", timeout=30)
    assert patient.is_open()
    assert flood.closed_by_peer(30)
    assert "send queue full" not in node0.log_text(), "a connection was closed for a full send queue"
    for ip in ("127.0.0.3", "127.0.0.4"):
        assert not discouraged(node0, ip), f"{ip} was discouraged for asking faster than it reads"

if __name__ == "__main__":
    main(test)
