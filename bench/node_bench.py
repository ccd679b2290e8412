#!/usr/bin/env python3
"""Node-level benchmarks with a real finchd (not run by the tests):
  - resident memory of an idle regtest node, and with 100,000 transfers in its mempool;
  - sendrawtransaction throughput: single requests (one HTTP keep-alive connection) and
    JSON-RPC batches of 1,000.
Usage: bench/node_bench.py [--build-dir build] [--txcount 100000]"""

import http.client
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "functional"))
from framework import Harness  # noqa: E402


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def make_chain(h, datadir, **kw):
    args = [os.path.join(os.path.dirname(h.finchd), "make_chain"), "--datadir", datadir]
    for k, v in kw.items():
        args += [f"--{k}", str(v)]
    subprocess.run(args, capture_output=True, text=True, check=True)


def single_requests(node, raws):
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=60)
    headers = {"Authorization": node.auth_header(), "Content-Type": "application/json"}
    start = time.monotonic()
    for i, raw in enumerate(raws):
        conn.request("POST", "/", body=json.dumps({"jsonrpc": "2.0", "id": i, "method": "sendrawtransaction",
                                                   "params": [raw]}), headers=headers)
        reply = json.loads(conn.getresponse().read())
        assert "result" in reply, reply
    conn.close()
    return len(raws) / (time.monotonic() - start)


def batches(node, raws, size=1000):
    start = time.monotonic()
    accepted = 0
    for i in range(0, len(raws), size):
        body = json.dumps([{"jsonrpc": "2.0", "id": j, "method": "sendrawtransaction", "params": [r]}
                           for j, r in enumerate(raws[i:i + size])])
        status, out = node.post(body, timeout=300)
        assert status == 200, status
        accepted += sum(1 for r in json.loads(out) if "result" in r)
    return accepted / (time.monotonic() - start), accepted


def main():
    h = Harness()
    count = 100_000
    if "--txcount" in sys.argv:
        count = int(sys.argv[sys.argv.index("--txcount") + 1])
    try:
        node = h.add_node()
        txfile = os.path.join(h.tmpdir, "tx.txt")
        make_chain(h, node.datadir, accounts=10000, blocks=0, txfile=txfile, txcount=count + 5000)
        raws = open(txfile).read().split()
        node.start()
        time.sleep(2)
        print(f"resident memory, idle regtest node (10,000 accounts): {rss_mb(node.process.pid):.1f} MB")
        rate_single = single_requests(node, raws[:5000])
        print(f"sendrawtransaction, single requests on one connection: {rate_single:,.0f} tx/s")
        rate_batch, accepted = batches(node, raws[5000:5000 + count])
        print(f"sendrawtransaction, batches of 1,000: {rate_batch:,.0f} tx/s accepted ({accepted:,} transfers)")
        size = node.rpc("getmempoolinfo")["size"]
        print(f"resident memory with {size:,} transfers in the mempool: {rss_mb(node.process.pid):.1f} MB")
        address = h.keygen()["address"]
        times = []
        for _ in range(5):
            start = time.monotonic()
            tmpl = node.rpc("getblocktemplate", address)
            times.append(time.monotonic() - start)
        print(f"getblocktemplate with {size:,} transfers pooled ({len(tmpl['transactions']):,} selected): "
              f"best {min(times) * 1000:.0f} ms over RPC (including JSON of the whole block)")
        node.stop()
    finally:
        h.cleanup()


if __name__ == "__main__":
    main()
