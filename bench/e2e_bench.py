#!/usr/bin/env python3
"""End to end: transfers from 10,000 senders submitted in JSON-RPC batches to a regtest node
that mines them itself (--mine), measured from submission to committed in a block.

The transfers are signed in advance by make_chain (senders take turns, so each batch is
valid after the ones before it). Submitters keep a number of batches in flight over
keep-alive connections as fast as the node takes them; a watcher polls the tip and reads
each new block's txids. Prints, for the measured window (after a warm-up):
  submitted/s (accepted by sendrawtransaction), confirmed/s (in blocks), p50/p99 latency
  from a transfer's batch being sent to the first sight of the block holding it.
The last line is one JSON object.
Usage: bench/e2e_bench.py [--build-dir build] [--seconds 60] [--warmup 5] [--txs 600000]
                          [--batch 1000] [--connections 4] [--senders 10000]"""

import argparse
import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "functional"))
from framework import free_port  # noqa: E402


class Rpc:
    def __init__(self, port, auth):
        self.port, self.auth = port, auth
        self.conn = None

    def call(self, body, timeout=120):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
                self.conn.request("POST", "/", body=body, headers={"Authorization": "Basic " + self.auth,
                                                                   "Content-Type": "application/json"})
                return json.loads(self.conn.getresponse().read())
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt:
                    raise

    def one(self, method, *params):
        reply = self.call(json.dumps({"method": method, "params": list(params), "id": 1}))
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]


def read_stat(path):
    """(name, user + system CPU seconds) from a /proc stat file (a process's or a thread's)."""
    with open(path) as f:
        head, tail = f.read().rsplit(")", 1)
    fields = tail.split()
    return head.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of a process, all threads (ended ones too), in seconds."""
    return read_stat(f"/proc/{pid}/stat")[1]


def cpu_by_thread(pid):
    """CPU seconds of each of a process's live threads, summed by thread name."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name, used = read_stat(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue  # the thread ended
        out[name] = out.get(name, 0) + used
    return out


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--txs", type=int, default=600_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--senders", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=0,
                    help="submit at most this many transfers/s (0: as fast as the node takes them)")
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    ap.add_argument("--node-arg", action="append", default=[], help="an extra finchd argument (repeatable), "
                    "e.g. --node-arg=--dbcache=450")
    args = ap.parse_args()
    bindir = os.path.abspath(os.path.join(args.build_dir, "bin"))
    work = tempfile.mkdtemp(prefix="finch-e2e-")
    node = None
    try:
        t0 = time.monotonic()
        txfile = os.path.join(work, "tx.txt")
        subprocess.run([os.path.join(bindir, "make_chain"), "--datadir", os.path.join(work, "node"), "--accounts",
                        str(args.senders), "--blocks", "0", "--txfile", txfile, "--txcount", str(args.txs)],
                       check=True, capture_output=True)
        with open(txfile) as f:
            raws = f.read().split()
        print(f"e2e: {len(raws):,} transfers from {args.senders:,} senders signed in {time.monotonic() - t0:.1f} s",
              file=sys.stderr)
        key = json.loads(subprocess.run([os.path.join(bindir, "finch-cli"), "--network", "regtest", "keygen"],
                                        check=True, capture_output=True, text=True).stdout)
        port = free_port()
        node = subprocess.Popen([os.path.join(bindir, "finchd"), "--regtest", f"--datadir={os.path.join(work, 'node')}",
                                 "--listen=0", f"--rpcport={port}", "--rpcuser=e2e", "--rpcpassword=e2e",
                                 "--mine", f"--miner-address={key['address']}", "--printtoconsole=0", *args.node_arg],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        auth = base64.b64encode(b"e2e:e2e").decode()
        watch_rpc = Rpc(port, auth)
        deadline = time.monotonic() + 60
        while True:
            try:
                base_height = watch_rpc.one("getblockcount")
                break
            except (OSError, RuntimeError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        sent_at = {}          # txid -> time its batch was sent
        confirmed = []        # (time seen, latency)
        rejected = [0]
        lock = threading.Lock()
        stop = threading.Event()
        cursor = [0]

        def submitter():
            rpc = Rpc(port, auth)
            while not stop.is_set():
                with lock:
                    start = cursor[0]
                    cursor[0] += args.batch
                if args.rate:  # open loop at a fixed rate: batch k leaves at k * batch / rate
                    wait = t_begin[0] + start / args.rate - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                chunk = raws[start:start + args.batch]
                if not chunk:
                    return
                body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": "sendrawtransaction", "params": [r]}
                                   for i, r in enumerate(chunk)])
                t = time.monotonic()
                replies = rpc.call(body)
                with lock:
                    for r in replies:
                        if r.get("error") is None:
                            sent_at[r["result"]] = t
                        else:
                            rejected[0] += 1

        fullest = [0]

        def watcher():
            height = base_height
            while not stop.is_set():
                tip = watch_rpc.one("getblockcount")
                while height < tip:
                    height += 1
                    block = watch_rpc.one("getblock", watch_rpc.one("getblockhash", height), 1)
                    seen = time.monotonic()
                    fullest[0] = max(fullest[0], len(block["tx"]) - 1)
                    with lock:
                        for txid in block["tx"][1:]:
                            t = sent_at.pop(txid, None)
                            if t is not None:
                                confirmed.append((seen, seen - t))
                time.sleep(0.02)

        start = time.monotonic()
        t_begin = [start]
        threads = [threading.Thread(target=submitter) for _ in range(args.connections)] + [threading.Thread(target=watcher)]
        for t in threads:
            t.start()
        time.sleep(args.warmup)
        cpu_start, threads_start = cpu_seconds(node.pid), cpu_by_thread(node.pid)
        time.sleep(args.seconds)
        cpu_window = cpu_seconds(node.pid) - cpu_start
        threads_end = cpu_by_thread(node.pid)
        stop.set()
        for t in threads:
            t.join()
        window_start, window_end = start + args.warmup, start + args.warmup + args.seconds
        in_window = [lat for seen, lat in confirmed if window_start <= seen < window_end]
        submitted = min(cursor[0], len(raws))
        blocks = watch_rpc.one("getblockcount") - base_height
        out = {"bench": "e2e", "seconds": args.seconds, "senders": args.senders, "batch": args.batch,
               "connections": args.connections, "submitted": submitted, "rejected": rejected[0],
               "submitted_per_s": round(submitted / (args.warmup + args.seconds)),
               "confirmed_per_s": round(len(in_window) / args.seconds), "blocks": blocks,
               "rate": args.rate, "fullest_block": fullest[0],
               # finchd's CPU (all its threads, RocksDB's included) per transfer confirmed in
               # the window: steadier than the rate on a machine whose speed moves.
               "node_cpu_us_per_tx": round(cpu_window / len(in_window) * 1e6, 1) if in_window else None,
               # The same by thread name (RPC workers, the miner, RocksDB's flush and
               # compaction threads, ...), in µs per confirmed transfer.
               "node_cpu_us_per_tx_by_thread": {
                   name: round(used / len(in_window) * 1e6, 1)
                   for name, used in sorted(((n, u - threads_start.get(n, 0)) for n, u in threads_end.items()),
                                            key=lambda kv: -kv[1]) if used > 0} if in_window else None,
               "latency_p50_s": round(percentile(in_window, 0.5), 3) if in_window else None,
               "latency_p99_s": round(percentile(in_window, 0.99), 3) if in_window else None,
               "supply_exhausted": cursor[0] >= len(raws)}
        print(json.dumps(out))
    finally:
        if node:
            node.terminate()
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                node.kill()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
