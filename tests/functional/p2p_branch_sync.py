#!/usr/bin/env python3
"""Branch sync after a partition: node X has three peers on branch A and one peer on the
heavier branch B. X must download B's blocks from the peer that has them and switch to B,
with no new block mined after the link forms; the A peers then follow X.

The bug this guards against: blocks were requested from the first peer whose *height*
covered them. The A peers (height 8) "cover" B's blocks 6..8, answer `notfound` (they do
not have them), and the same A peer was asked again, over and over, so X never switched.

Topology (nothing else can form: A1..A3 use --connect, B and X never learn other addresses):

    A1 --\
    A2 ----> X <- - - (addnode onetry, after the split) - - -> B
    A3 --/

    common chain 1..5 on everyone; branch A 6..8 on X, A1, A2, A3; branch B 6..12 on B.
"""

import time

from framework import main, wait_until, assert_equal

COMMON = 5
A_BLOCKS = 3   # A tip at 8: A peers' heights cover B's blocks 6..8
B_BLOCKS = 7   # B tip at 12: more work (regtest has a fixed difficulty)
SWITCH_TIMEOUT = 60


def blocks_between(node, first, last):
    return [node.rpc("getblock", node.rpc("getblockhash", hgt), 0) for hgt in range(first, last + 1)]


def peers_summary(node):
    out = []
    for p in node.rpc("getpeerinfo"):
        out.append(f"id={p['id']} addr={p['addr']} inbound={p['inbound']} "
                   f"startingheight={p['startingheight']} synced_blocks={p['synced_blocks']} "
                   f"bytessent={p['bytessent']} bytesrecv={p['bytesrecv']}")
    return "\n    ".join(out)


def diagnose(x, b_peer_addr):
    """What X is doing while it fails to switch: its tips, and per peer the traffic over one
    second (a getdata/notfound loop with an A peer shows as a high, steady message rate)."""
    try:
        before = {p["id"]: p for p in x.rpc("getpeerinfo")}
        time.sleep(1.0)
        after = {p["id"]: p for p in x.rpc("getpeerinfo")}
        rates = []
        for pid, p in after.items():
            q = before.get(pid, p)
            who = "B" if p["addr"] == b_peer_addr else ("A" if p["inbound"] else "?")
            rates.append(f"peer {pid} ({who}, {p['addr']}): sent {p['bytessent'] - q['bytessent']} B/s, "
                         f"recv {p['bytesrecv'] - q['bytesrecv']} B/s, synced_blocks {p['synced_blocks']}"
                         + (f", per message sent {p['bytessent_per_msg']} recv {p['bytesrecv_per_msg']}"
                            if "bytesrecv_per_msg" in p else ""))
        return (f"X height {x.rpc('getblockcount')}, best {x.rpc('getbestblockhash')}\n"
                f"  X chain tips: {x.rpc('getchaintips')}\n"
                f"  X peers:\n    {peers_summary(x)}\n"
                f"  X traffic over 1 s:\n    " + "\n    ".join(rates))
    except Exception as e:  # diagnostics must never hide the real failure
        return f"(diagnostics failed: {e!r})"


def test(h):
    miner_a, miner_b = h.keygen(), h.keygen()
    # Create every node first so their ports are known; start them in a chosen order.
    x = h.add_node(["--debug=net", "--printtoconsole"])
    a_nodes = [h.add_node([f"--connect=127.0.0.1:{x.port}", "--printtoconsole"]) for _ in range(3)]
    b = h.add_node(["--printtoconsole"])
    a1, a2, a3 = a_nodes

    # 1. A1..A3 come up first, while X is still down (they keep redialing X every 5 s); A1
    #    mines the common chain and branch A, A2 and A3 get the same blocks by submitblock.
    #    So when X appears, each A peer announces height 8 in its version message.
    for n in a_nodes:
        n.start()
    a1.rpc("generatetoaddress", COMMON, miner_a["address"])
    common = blocks_between(a1, 1, COMMON)
    a1.rpc("generatetoaddress", A_BLOCKS, miner_a["address"])
    h_a = COMMON + A_BLOCKS
    a_tip = a1.rpc("getbestblockhash")
    branch_a = blocks_between(a1, COMMON + 1, h_a)
    for n in (a2, a3):
        for raw in common + branch_a:
            n.rpc("submitblock", raw)
        assert_equal(n.rpc("getbestblockhash"), a_tip)

    # 2. B, alone (no outbound configuration, and nobody knows its address): the common chain,
    #    then its own heavier branch.
    b.start()
    for raw in common:
        b.rpc("submitblock", raw)
    assert_equal(b.rpc("getblockcount"), COMMON)
    assert_equal(b.rpc("getblockhash", COMMON), a1.rpc("getblockhash", COMMON))
    b.rpc("generatetoaddress", B_BLOCKS, miner_b["address"])
    h_b = COMMON + B_BLOCKS
    b_tip = b.rpc("getbestblockhash")
    assert_equal(b.rpc("getblockcount"), h_b)
    assert h_b > h_a >= COMMON + 1

    # 3. X starts empty; the three A peers dial it and it syncs branch A from them.
    x.start()
    wait_until(lambda: x.rpc("getconnectioncount") == 3, 30, what="the three A peers to connect to X")
    wait_until(lambda: x.rpc("getbestblockhash") == a_tip, 30, what="X to sync branch A")
    for n in a_nodes:
        wait_until(lambda: n.rpc("getconnectioncount") == 1, 10, what=f"node{n.index} connected to X only")

    # The situation of the bug, checked before healing: X has exactly three peers, all on
    # branch A and all announcing height H_A, and B has no peer at all.
    peers = [p for p in x.rpc("getpeerinfo") if p["version"]]
    assert_equal(len(peers), 3, f"X's peers before healing: {peers}")
    for p in peers:
        assert p["inbound"], p
        assert_equal(p["startingheight"], h_a, f"an A peer's announced height: {p}")
    assert_equal(b.rpc("getconnectioncount"), 0)
    for n in a_nodes:
        assert_equal(n.rpc("getbestblockhash"), a_tip)

    # 4. Heal: X dials B once. From here on nobody mines.
    b_addr = f"127.0.0.1:{b.port}"
    x.rpc("addnode", b_addr, "onetry")
    wait_until(lambda: x.rpc("getconnectioncount") == 4 and
               any(p["addr"] == b_addr and p["version"] for p in x.rpc("getpeerinfo")), 30,
               what="X connected to B")
    # Only peers past the handshake: once B tells X its own address, X may dial itself, and
    # that connection shows in getpeerinfo for a moment before it is dropped.
    peers = [p for p in x.rpc("getpeerinfo") if p["version"]]
    assert_equal(sum(1 for p in peers if p["inbound"] and p["startingheight"] == h_a), 3,
                 f"X's A peers after healing: {peers}")
    assert_equal(sum(1 for p in peers if p["addr"] == b_addr and not p["inbound"]), 1, f"X's peers: {peers}")
    assert_equal(len(peers), 4, f"X's peers after healing: {peers}")

    # 5. X switches to B's branch: it must fetch blocks 6..8 of B from B, not from an A peer.
    try:
        wait_until(lambda: x.rpc("getbestblockhash") == b_tip, SWITCH_TIMEOUT,
                   what=f"X to switch to the heavier branch B (tip {b_tip} at {h_b})")
    except AssertionError as e:
        raise AssertionError(f"{e}\n  {diagnose(x, b_addr)}") from None
    assert_equal(x.rpc("getblockcount"), h_b)

    # 6. The A peers learn branch B from X (their only peer), still without any new block.
    for n in a_nodes + [b]:
        wait_until(lambda: n.rpc("getbestblockhash") == b_tip, 30,
                   what=f"node{n.index} on the heavier branch")
    digests = {n.rpc("getstatehash")["statehash"] for n in h.nodes}
    assert_equal(len(digests), 1, f"state digests differ: {digests}")
    for n in h.nodes:  # nothing was mined after healing
        assert_equal(n.rpc("getblockcount"), h_b)

    # 7. Branch A is still known to X, as a valid fork of length 3.
    tips = x.rpc("getchaintips")
    fork = [t for t in tips if t["hash"] == a_tip]
    assert_equal(len(fork), 1, f"A tip in X's chain tips: {tips}")
    assert_equal(fork[0]["status"], "valid-fork", f"{tips}")
    assert_equal(fork[0]["height"], h_a)
    assert_equal(fork[0]["branchlen"], A_BLOCKS)
    active = [t for t in tips if t["status"] == "active"]
    assert_equal([t["hash"] for t in active], [b_tip])

    for n in h.nodes:
        assert_equal(n.stop(), 0)


if __name__ == "__main__":
    main(test)
