#!/usr/bin/env python3
"""Whole-network benchmarks with real finchd processes on 127.0.0.1 (not run by the tests):
  1. block propagation over 8 nodes (line and random topologies): an empty block and a
     1,000-transfer block whose transfers every node already has; bytes sent per node and
     the block's bytes received per node (compact block messages or whole blocks);
  1b. compact relay under steady transaction load: 8 nodes, transfers pouring into random
     nodes, 30 blocks mined on random nodes (paced by generatetoaddress); the share of
     compact blocks rebuilt without a round trip;
  2. transaction gossip: 10,000 transfers sent to one of 4 nodes, time until all mempools
     hold them;
  3. initial sync: a fresh node syncing N blocks x 100 transfers from one peer, then from
     several (--sync-peers, default 3), which deliver blocks out of order.
Usage: bench/p2p_bench.py [--build-dir build] [--sync-blocks 10000] [--sync-peers 3] [--only-sync | --only-relay]"""

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "functional"))
from framework import Harness, wait_until  # noqa: E402


def make_chain(h, datadir, **kw):
    args = [os.path.join(os.path.dirname(h.finchd), "make_chain"), "--datadir", datadir]
    for k, v in kw.items():
        args += [f"--{k}", str(v)]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    print("  " + out.stdout.strip().replace("\n", "\n  "))


def clone_datadir(src, node):
    shutil.rmtree(node.datadir, ignore_errors=True)
    shutil.copytree(src, node.datadir)


def start_topology(nodes, seed_dir, edges):
    """Each edge (a, b): a dials b with --connect, so no other links form through discovery."""
    for i, n in enumerate(nodes):
        clone_datadir(seed_dir, n)
        n.extra_args = [f"--connect=127.0.0.1:{nodes[b].port}" for a, b in edges if a == i]
        # A node that dials nobody still must not find peers by itself (address gossip, the
        # DHT): --connect to its own address, which the self-connection check drops.
        if not n.extra_args:
            n.extra_args = [f"--connect=127.0.0.1:{n.port}"]
        n.start()
    for a, b in edges:
        wait_until(lambda: any(p["addr"].endswith(f":{nodes[b].port}") for p in nodes[a].rpc("getpeerinfo")),
                   30, what=f"edge {a}-{b}")


def submit(node, raws, batch=1000):
    for i in range(0, len(raws), batch):
        body = json.dumps([{"jsonrpc": "2.0", "id": j, "method": "sendrawtransaction", "params": [r]}
                           for j, r in enumerate(raws[i:i + batch])])
        status, _ = node.post(body, timeout=120)
        assert status == 200, status


def wait_all(nodes, predicate, timeout, first=None):
    """Polls every node on its own thread; returns seconds until all satisfy predicate. With
    `first`, an earlier condition (e.g. a block's header arrived), returns the seconds until
    all met `first` too, as (first, predicate)."""
    start = time.monotonic()
    done = [None] * len(nodes)
    early = [None] * len(nodes)

    def poll(i):
        deadline = start + timeout
        while time.monotonic() < deadline:
            if first and early[i] is None and first(nodes[i]):
                early[i] = time.monotonic() - start
            if predicate(nodes[i]):
                done[i] = time.monotonic() - start
                early[i] = done[i] if early[i] is None else early[i]
                return
            time.sleep(0.001 if first else 0.002)

    threads = [threading.Thread(target=poll, args=(i,)) for i in range(len(nodes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(d is not None for d in done), "timed out"
    return (max(early), max(done)) if first else max(done)


BLOCK_MESSAGES = ("cmpctblock", "getblocktxn", "blocktxn", "block")


def block_bytes_received(node):
    total = 0
    for p in node.rpc("getpeerinfo"):
        total += sum(p.get("bytesrecv_per_msg", {}).get(m, 0) for m in BLOCK_MESSAGES)
    return total


def compact_stats(nodes):
    keys = ("received", "rebuilt_without_round_trip", "rebuilt_after_getblocktxn", "fell_back_to_full_block")
    out = dict.fromkeys(keys, 0)
    for n in nodes:
        stats = n.rpc("getnetworkinfo").get("compactblocks", {})
        for k in keys:
            out[k] += stats.get(k, 0)
    return out


def propagation(h, seed_dir, raws, topology):
    nodes = [h.add_node() for _ in range(8)]
    if topology == "line":
        edges = [(i, i - 1) for i in range(1, 8)]
    else:
        rng = random.Random(7)
        edges = [(i, rng.randrange(i)) for i in range(1, 8)]  # a random tree ...
        extra = {(a, b) for a, b in [(rng.randrange(8), rng.randrange(8)) for _ in range(4)] if a > b}
        edges += sorted(extra - set(edges))  # ... plus a few extra links
    start_topology(nodes, seed_dir, edges)
    miner = h.keygen()["address"]
    results = {}
    for label, txs in (("empty block", []), ("1,000-transfer block", raws)):
        if txs:
            submit(nodes[0], txs)
            wait_all(nodes, lambda n: n.rpc("getmempoolinfo")["size"] >= len(txs), 120)
        sent_before = [sum(p["bytessent"] for p in n.rpc("getpeerinfo")) for n in nodes]
        recv_before = [block_bytes_received(n) for n in nodes[1:]]
        tip = nodes[0].rpc("generatetoaddress", 1, miner)[0]
        # A node has the block's header in getchaintips as soon as its compact block arrives
        # (before validation); getbestblockhash changes once it is connected.
        seen, secs = wait_all(nodes, lambda n: n.rpc("getbestblockhash") == tip, 60,
                              first=lambda n: any(t["hash"] == tip for t in n.rpc("getchaintips")))
        time.sleep(0.5)
        sent = [sum(p["bytessent"] for p in n.rpc("getpeerinfo")) - b for n, b in zip(nodes, sent_before)]
        recv = [block_bytes_received(n) - b for n, b in zip(nodes[1:], recv_before)]
        size = len(nodes[0].rpc("getblock", tip, 0)) // 2
        results[label] = (secs, sum(sent) / len(sent), max(sent), sum(recv) / len(recv), size, seen)
    hops = 7 if topology == "line" else None
    for label, (secs, avg, mx, recv, size, seen) in results.items():
        per_hop = (f", {secs / hops * 1000:.1f} ms per hop; received by all in {seen * 1000:.0f} ms = "
                   f"{seen / hops * 1000:.1f} ms per hop" if hops else f"; received by all in {seen * 1000:.0f} ms")
        print(f"  {topology:6} {label:22}: all 8 nodes in {secs * 1000:.0f} ms{per_hop}; "
              f"bytes sent per node avg {avg:,.0f}, max {mx:,.0f}; block bytes received per node "
              f"{recv:,.0f} of a {size:,}-byte block ({100 * recv / size:.1f}%)")
    for n in nodes:
        n.stop()
    h.nodes.clear()


def relay_under_load(h, seed_dir, raws, blocks=30, rate=300):
    """Transfers pour into random nodes at `rate` per second while blocks are mined on random
    nodes; counts the compact blocks rebuilt from mempools alone."""
    nodes = [h.add_node() for _ in range(8)]
    rng = random.Random(11)
    edges = [(i, rng.randrange(i)) for i in range(1, 8)]
    edges += sorted({(a, b) for a, b in [(rng.randrange(8), rng.randrange(8)) for _ in range(4)] if a > b} - set(edges))
    start_topology(nodes, seed_dir, edges)
    miner = h.keygen()["address"]
    # Warm up: a few blocks so every link has delivered a new tip (high-bandwidth peers chosen).
    for i in range(3):
        tip = nodes[rng.randrange(8)].rpc("generatetoaddress", 1, miner)[0]
        wait_all(nodes, lambda n: n.rpc("getbestblockhash") == tip, 60)
    before = compact_stats(nodes)
    stop = threading.Event()

    def pour():
        batch = max(1, rate // 10)
        i = 0
        while not stop.is_set() and i < len(raws):
            submit(nodes[rng.randrange(8)], raws[i:i + batch], batch)
            i += batch
            time.sleep(0.1)

    loader = threading.Thread(target=pour)
    loader.start()
    try:
        for _ in range(blocks):
            time.sleep(1.0)
            tip = nodes[rng.randrange(8)].rpc("generatetoaddress", 1, miner)[0]
            wait_all(nodes, lambda n: n.rpc("getbestblockhash") == tip, 60)
    finally:
        stop.set()
        loader.join()
    after = compact_stats(nodes)
    d = {k: after[k] - before[k] for k in after}
    share = 100 * d["rebuilt_without_round_trip"] / max(1, d["received"])
    print(f"  {blocks} blocks under ~{rate} transfers/s into random nodes: {d['received']} compact blocks "
          f"received, {d['rebuilt_without_round_trip']} rebuilt without a round trip ({share:.1f}%), "
          f"{d['rebuilt_after_getblocktxn']} after getblocktxn, {d['fell_back_to_full_block']} fell back to whole blocks")
    for n in nodes:
        n.stop()
    h.nodes.clear()


def gossip(h, seed_dir, raws):
    nodes = [h.add_node() for _ in range(4)]
    start_topology(nodes, seed_dir, [(1, 0), (2, 1), (3, 2), (3, 0)])
    start = time.monotonic()
    submit(nodes[0], raws)
    accepted = time.monotonic() - start
    total = wait_all(nodes, lambda n: n.rpc("getmempoolinfo")["size"] >= len(raws), 300) + accepted
    print(f"  {len(raws):,} transfers into node0 in {accepted:.2f} s; all 4 mempools hold them after {total:.2f} s")
    for n in nodes:
        n.stop()
    h.nodes.clear()


def initial_sync(h, blocks, peers=1):
    """A fresh node syncs from `peers` nodes holding the same chain (blocks spread over them)."""
    sources = [h.add_node() for _ in range(peers)]
    make_chain(h, sources[0].datadir, accounts=10000, blocks=blocks, transfers=100)
    for s in sources[1:]:
        clone_datadir(sources[0].datadir, s)
    for s in sources:
        s.start()
    height = sources[0].rpc("getblockcount")
    fresh = h.add_node([f"--connect=127.0.0.1:{s.port}" for s in sources])
    start = time.monotonic()
    fresh.start()
    tip = sources[0].rpc("getbestblockhash")
    wait_until(lambda: fresh.rpc("getbestblockhash") == tip, 3600, interval=0.2, what="sync")
    secs = time.monotonic() - start
    transfers = blocks * 100 + 10000
    print(f"  synced {height:,} blocks ({transfers:,} transfers) from {peers} peer(s) in {secs:.1f} s"
          f" = {transfers / secs:,.0f} tx/s")
    for n in sources + [fresh]:
        n.stop()
    h.nodes.clear()


def relay_benchmarks(h):
    """Block propagation on two topologies and compact relay under load; returns the seed
    datadir and the signed transfers for the benchmarks after them."""
    seed = os.path.join(h.tmpdir, "seed")
    print("setup:")
    make_chain(h, seed, accounts=10000, blocks=0, txfile=os.path.join(h.tmpdir, "tx.txt"), txcount=10000)
    raws = open(os.path.join(h.tmpdir, "tx.txt")).read().split()
    print("block propagation (8 nodes):")
    propagation(h, seed, raws[:1000], "line")
    propagation(h, seed, raws[:1000], "random")
    print("compact relay under load (8 nodes):")
    relay_under_load(h, seed, raws)
    return seed, raws


def main():
    h = Harness()
    sync_blocks = 10000
    if "--sync-blocks" in sys.argv:
        sync_blocks = int(sys.argv[sys.argv.index("--sync-blocks") + 1])
    sync_peers = int(sys.argv[sys.argv.index("--sync-peers") + 1]) if "--sync-peers" in sys.argv else 3
    try:
        if "--only-relay" in sys.argv:
            relay_benchmarks(h)
            return
        if "--only-sync" in sys.argv:
            for peers in (1, sync_peers):
                print(f"initial sync ({sync_blocks:,} blocks x 100 transfers from {peers} peer(s)):")
                initial_sync(h, sync_blocks, peers)
            return
        seed, raws = relay_benchmarks(h)
        print("transaction gossip (4 nodes):")
        gossip(h, seed, raws)
        for peers in (1, sync_peers):
            print(f"initial sync ({sync_blocks:,} blocks x 100 transfers from {peers} peer(s)):")
            initial_sync(h, sync_blocks, peers)
    finally:
        h.cleanup()


if __name__ == "__main__":
    main()
