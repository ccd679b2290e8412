#!/usr/bin/env python3
"""Structured discovery (docs/protocol.md "Structured discovery"): 16 nodes bootstrapped in a
chain (each knows only the one before it) find each other through the DHT; dhtfind returns
a far node's endpoint with the hops it took (an unknown identity is -5, a malformed one -8);
a fresh node given one bootstrap node and `--connect IDENTITY` alone reaches exactly that node;
the routing table survives a restart. Prints lookup figures."""

import statistics
import time

from framework import main, wait_until, assert_equal, assert_raises_rpc, RpcError

NODES = 16


def dhtfind(node, target, tries=3):
    """dhtfind, asked again (at most `tries` times) when it finds nothing: a lookup waits 1 s
    for each answer, and 17 nodes on a slow machine (the sanitizer pass) can miss that."""
    for attempt in range(tries):
        try:
            return node.rpc("dhtfind", target)
        except RpcError as e:
            if e.code != -5 or attempt == tries - 1:
                raise


def test(h):
    common = ["--maxinboundperip=64", "--maxconnections=24"]
    nodes = [h.add_node(common).start()]
    for i in range(1, NODES):
        prev = nodes[-1]
        nodes.append(h.add_node(common + [f"--dhtbootstrap={prev.identity()}@127.0.0.1:{prev.port}"]).start())
    ids = [n.identity() for n in nodes]

    # Everyone's table fills with (nearly) everyone: lookups of their own id spread the news.
    start = time.monotonic()
    wait_until(lambda: min(n.rpc("getdhtinfo")["nodes"] for n in nodes) >= NODES // 2, 90,
               what="every table to hold at least half the network")
    filled = time.monotonic() - start
    info = nodes[0].rpc("getdhtinfo")
    assert_equal(info["identity"], ids[0])
    assert info["buckets"] >= 1 and isinstance(info["nodes"], int)
    assert info["endpoint"] == f"127.0.0.1:{nodes[0].port}", info

    # Lookups across the chain: every node finds the one farthest from it in the chain.
    hops, times = [], []
    for i in range(NODES):
        j = NODES - 1 - i if i != NODES - 1 - i else 0
        t = time.monotonic()
        found = dhtfind(nodes[i], ids[j])
        times.append(time.monotonic() - t)
        assert_equal(found["identity"], ids[j])
        assert_equal(found["endpoint"], f"127.0.0.1:{nodes[j].port}")
        assert found["hops"] >= 1
        hops.append(found["hops"])
    assert_raises_rpc(-5, nodes[0].rpc, "dhtfind", "ab" * 32)
    assert_raises_rpc(-8, nodes[0].rpc, "dhtfind", "not-an-identity")

    # A fresh node (not listening: nobody can dial it, and its DHT is a client on an ephemeral
    # port) that knows one bootstrap node and asks for one identity, nothing else.
    target = nodes[11]
    fresh = h.add_node(common + ["--listen=0", f"--dhtbootstrap=127.0.0.1:{nodes[3].port}",
                                 f"--connect={ids[11]}"]).start()
    t = time.monotonic()
    def outbound(n):
        return [p["identity"] for p in n.rpc("getpeerinfo") if not p["inbound"]]
    wait_until(lambda: outbound(fresh) == [ids[11]], 60, what="the fresh node to reach the node it named by identity")
    assert_equal([p["identity"] for p in fresh.rpc("getpeerinfo")], [ids[11]])
    reached = time.monotonic() - t
    # The target checks fresh's certificate a flight after fresh has finished its handshake.
    wait_until(lambda: any(p["identity"] == fresh.identity() for p in target.rpc("getpeerinfo")), 30,
               what="the target to see the fresh node's proven identity")
    spent = fresh.rpc("getdhtinfo")
    dht_bytes = spent["bytes_sent"] + spent["bytes_received"]

    # The table is kept across a restart.
    before = nodes[5].rpc("getdhtinfo")["nodes"]
    assert_equal(nodes[5].stop(), 0)
    nodes[5].start()
    after = nodes[5].rpc("getdhtinfo")["nodes"]
    if after < min(before, 1):
        with open(nodes[5].log_path, errors="replace") as f:
            lines = [line.strip() for line in f if "DHT" in line]
        raise AssertionError(f"the routing table was lost: {before} nodes before the restart, {after} after; "
                             f"node 5's DHT lines: {lines[-6:]}")

    print(f"  {NODES} nodes: tables at least half full after {filled:.1f} s; "
          f"dhtfind hops p50 {statistics.median(hops)} max {max(hops)}, "
          f"time p50 {statistics.median(times) * 1000:.0f} ms max {max(times) * 1000:.0f} ms; "
          f"a fresh node reached an identity in {reached:.1f} s spending {dht_bytes:,} DHT bytes")
    for n in nodes + [fresh]:
        assert_equal(n.stop(), 0)


if __name__ == "__main__":
    main(test)
