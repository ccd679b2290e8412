#!/usr/bin/env python3
"""DHT figures with real finchd processes on 127.0.0.1 (not run by the tests):
  - N nodes (default 16) bootstrapped in a chain, each knowing only the one before it;
  - a fresh node given one bootstrap node: seconds and DHT bytes (sent + received) until it
    holds 8 outbound peers;
  - lookups (dhtfind) from the fresh node for every other node: hops and time, p50/p99.
Usage: bench/dht_bench.py [--build-dir build] [--nodes 16]"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "functional"))
from framework import Harness, wait_until  # noqa: E402


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    args = sys.argv[1:]
    count = int(args[args.index("--nodes") + 1]) if "--nodes" in args else 16
    h = Harness()
    try:
        common = ["--maxinboundperip=200", "--maxconnections=40"]
        nodes = [h.add_node(common).start()]
        for _ in range(1, count):
            prev = nodes[-1]
            ident = prev.rpc("getnetworkinfo")["identity"]
            nodes.append(h.add_node(common + [f"--dhtbootstrap={ident}@127.0.0.1:{prev.port}"]).start())
        wait_until(lambda: min(n.rpc("getdhtinfo")["nodes"] for n in nodes) >= count // 2, 120,
                   what="the tables to fill")
        fresh = h.add_node(common + [f"--dhtbootstrap=127.0.0.1:{nodes[count // 2].port}"])
        t = time.monotonic()
        fresh.start()
        wait_until(lambda: sum(not p["inbound"] for p in fresh.rpc("getpeerinfo")) >= 8, 120,
                   what="8 outbound peers")
        joined = time.monotonic() - t
        d = fresh.rpc("getdhtinfo")
        print(f"fresh node: 8 outbound peers after {joined:.2f} s; DHT bytes {d['bytes_sent']:,} sent + "
              f"{d['bytes_received']:,} received = {d['bytes_sent'] + d['bytes_received']:,} "
              f"(table: {d['nodes']} nodes in {d['buckets']} buckets)")
        hops, times = [], []
        for n in nodes:
            target = n.rpc("getnetworkinfo")["identity"]
            t = time.monotonic()
            found = fresh.rpc("dhtfind", target)
            times.append((time.monotonic() - t) * 1000)
            hops.append(found["hops"])
        print(f"dhtfind from the fresh node, {count} targets: hops p50 {pct(hops, 50)} p99 {pct(hops, 99)}; "
              f"time p50 {pct(times, 50):.1f} ms p99 {pct(times, 99):.1f} ms (mean {statistics.mean(times):.1f})")
    finally:
        h.cleanup()


if __name__ == "__main__":
    main()
