#!/usr/bin/env python3
"""Partition and heal, with no block mined after healing: two groups of two nodes mine apart
(the second group 2 blocks more), one link joins them, and every node ends on the heavier
branch, with one state digest; the lighter branch stays known as a valid fork. Then a node
of the lighter group is stopped, the heavier side mines 2 blocks, and the node, restarted,
catches up without any further block being mined.

Every link is a --connect link (each node names its partner), so the groups cannot find
each other through address gossip; the only link between them is the one made to heal:

    L0 <-> L1  - - - (addnode onetry) - - ->  H0 <-> H1

The lighter branch is mined by L0, so L1 (the bridge) has one peer, L0, whose height covers
the heavier branch's first blocks without having them, and one peer, H0, that has them.
"""

import time

from framework import main, wait_until, assert_equal

COMMON = 3
LIGHT_BLOCKS = 3   # lighter branch: 4..6
HEAVY_BLOCKS = 5   # heavier branch: 4..8 (2 blocks more; regtest difficulty is fixed)
AFTER_RESTART = 2


def pair(h):
    """Two nodes that only connect to each other. The first starts while its partner is down
    (its next attempt comes 5 s later), the partner dials it at once: one link, not two."""
    first, second = h.add_node(["--printtoconsole"]), h.add_node(["--printtoconsole"])
    first.extra_args.append(f"--connect=127.0.0.1:{second.port}")
    second.extra_args.append(f"--connect=127.0.0.1:{first.port}")
    first.start()
    second.start()
    for n in (first, second):
        wait_until(lambda: n.rpc("getconnectioncount") >= 1, 30, what=f"node{n.index} connected to its partner")
    return first, second


def blocks_between(node, first, last):
    return [node.rpc("getblock", node.rpc("getblockhash", hgt), 0) for hgt in range(first, last + 1)]


def state(nodes):
    lines = []
    for n in nodes:
        try:
            peers = [(p["addr"], p["inbound"], p["bytessent"], p["bytesrecv"], p.get("bytesrecv_per_msg"))
                     for p in n.rpc("getpeerinfo")]
            lines.append(f"node{n.index}: height {n.rpc('getblockcount')} best {n.rpc('getbestblockhash')} "
                         f"peers {peers}")
        except Exception as e:
            lines.append(f"node{n.index}: {e!r}")
    return "\n  ".join(lines)


def wait_all_at(nodes, tip, timeout, what):
    deadline = time.monotonic() + timeout
    for n in nodes:
        try:
            wait_until(lambda: n.rpc("getbestblockhash") == tip, max(0.1, round(deadline - time.monotonic(), 1)),
                       what=f"node{n.index} {what}")
        except AssertionError as e:
            raise AssertionError(f"{e}\n  {state(nodes)}") from None


def test(h):
    miner_l, miner_h = h.keygen(), h.keygen()
    l0, l1 = pair(h)
    h0, h1 = pair(h)
    nodes = [l0, l1, h0, h1]

    # The common chain, mined in the lighter group and handed to the heavier one.
    l0.rpc("generatetoaddress", COMMON, miner_l["address"])
    for raw in blocks_between(l0, 1, COMMON):
        h0.rpc("submitblock", raw)
    common_tip = l0.rpc("getbestblockhash")
    wait_all_at(nodes, common_tip, 30, "at the common tip")

    # Apart: the lighter group mines 3 blocks, the heavier one 5.
    l0.rpc("generatetoaddress", LIGHT_BLOCKS, miner_l["address"])
    light_tip = l0.rpc("getbestblockhash")
    h0.rpc("generatetoaddress", HEAVY_BLOCKS, miner_h["address"])
    heavy_tip = h0.rpc("getbestblockhash")
    wait_all_at([l0, l1], light_tip, 30, "at the lighter tip")
    wait_all_at([h0, h1], heavy_tip, 30, "at the heavier tip")
    light_height, heavy_height = COMMON + LIGHT_BLOCKS, COMMON + HEAVY_BLOCKS
    assert_equal(l1.rpc("getblockcount"), light_height)
    assert_equal(h1.rpc("getblockcount"), heavy_height)
    for n in nodes:  # still two separate groups
        assert_equal(n.rpc("getconnectioncount"), 1)

    # Heal: L1 dials H0 once. Nothing is mined from here until every node agrees.
    h0_addr = f"127.0.0.1:{h0.port}"
    l1.rpc("addnode", h0_addr, "onetry")
    wait_until(lambda: l1.rpc("getconnectioncount") == 2 and h0.rpc("getconnectioncount") == 2, 30,
               what="the link between the groups")
    wait_all_at(nodes, heavy_tip, 60, "on the heavier branch after healing")
    for n in nodes:
        assert_equal(n.rpc("getblockcount"), heavy_height)  # no block mined after healing
    digests = {n.rpc("getstatehash")["statehash"] for n in nodes}
    assert_equal(len(digests), 1, f"state digests differ: {digests}")

    # The lighter group's branch is a valid fork on the nodes that held it.
    for n in (l0, l1):
        tips = n.rpc("getchaintips")
        fork = [t for t in tips if t["hash"] == light_tip]
        assert_equal(len(fork), 1, f"node{n.index} chain tips: {tips}")
        assert_equal(fork[0]["status"], "valid-fork", f"node{n.index} chain tips: {tips}")
        assert_equal(fork[0]["height"], light_height)
        assert_equal(fork[0]["branchlen"], LIGHT_BLOCKS)
        assert_equal([t["hash"] for t in tips if t["status"] == "active"], [heavy_tip])

    # Reconnect: L0 goes down, the heavier side mines 2 more blocks, L0 comes back (it and L1
    # name each other with --connect, so the link forms again) and catches up with nothing
    # further mined.
    assert_equal(l0.stop(), 0)
    wait_until(lambda: l1.rpc("getconnectioncount") == 1, 30, what="L1 to notice L0 is gone")
    h0.rpc("generatetoaddress", AFTER_RESTART, miner_h["address"])
    new_tip = h0.rpc("getbestblockhash")
    new_height = heavy_height + AFTER_RESTART
    wait_all_at([h0, h1, l1], new_tip, 30, "at the new tip")
    l0.start()
    wait_until(lambda: l0.rpc("getconnectioncount") >= 1, 30, what="L0 to reconnect")
    wait_all_at(nodes, new_tip, 30, "at the new tip after the restart")
    for n in nodes:
        assert_equal(n.rpc("getblockcount"), new_height)  # nothing mined after the restart
    digests = {n.rpc("getstatehash")["statehash"] for n in nodes}
    assert_equal(len(digests), 1, f"state digests differ: {digests}")
    # The restart kept the block tree: the old lighter branch is still a valid fork on L0.
    tips = l0.rpc("getchaintips")
    assert any(t["hash"] == light_tip and t["status"] == "valid-fork" for t in tips), tips

    for n in nodes:
        assert_equal(n.stop(), 0)


if __name__ == "__main__":
    main(test)
