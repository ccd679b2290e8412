#!/usr/bin/env python3
"""Explorer figures with a real finchd (not run by the tests; needs wrk):
  - /api/block/<hash> and /api/block/<height> of a 1,000-transfer block, /api/tip,
    /api/blocks?count=100, /api/address/<addr> requests/s (wrk, keep-alive, 8 connections:
    the explorer's per-address cap), beside JSON-RPC getblockcount in the same run;
  - the home page's load time in Chromium when tests/browser is installed (5 loads).
Usage: bench/explorer_bench.py [--build-dir build] [--seconds 8]"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "functional"))
from framework import Harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def wrk(url, script, seconds, env):
    r = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", os.path.join(HERE, "rpc", script), url],
                       capture_output=True, text=True, env={**os.environ, **env}, timeout=seconds + 60)
    line = [l for l in r.stdout.splitlines() if l.startswith("requests/s")]
    if not line:
        raise SystemExit("wrk failed: " + r.stdout + r.stderr)
    m = re.match(r"requests/s: (\d+)\s+p50: ([\d.]+) ms\s+p99: ([\d.]+) ms\s+errors: (\d+)", line[0])
    return {"rps": int(m.group(1)), "p50_ms": float(m.group(2)), "p99_ms": float(m.group(3)),
            "errors": int(m.group(4))}


def main():
    seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 8
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    h = Harness()
    try:
        node = h.add_node(["--explorer", "--explorerratelimit=100000", "--listen=0"])
        # Three blocks of 1,000 transfers among 2,000 funded accounts.
        subprocess.run([os.path.join(os.path.dirname(h.finchd), "make_chain"), "--datadir", node.datadir,
                        "--accounts", "2000", "--blocks", "3", "--transfers", "1000"],
                       check=True, capture_output=True, timeout=600)
        node.start()
        rpc = lambda m, *p: node.rpc(m, *p)  # noqa: E731
        height = rpc("getblockcount")
        top = rpc("getblockhash", height)
        assert rpc("getblock", top, 1)["nTx"] == 1001, "the tip block should hold 1,000 transfers"
        some = rpc("getblock", top, 2)["tx"][5]["to"]
        base = f"http://127.0.0.1:{node.rpcport}"
        with open(node.cookie_path) as f:
            env = {"FINCH_RPC_AUTH": f.read().strip()}
        results = {"getblockcount (JSON-RPC, reference)": wrk(base + "/", "getblockcount.lua", seconds, env)}
        for name, path in [("/api/block/<hash> (1,000 transfers)", f"/api/block/{top}"),
                           ("/api/block/<height> (1,000 transfers)", f"/api/block/{height}"),
                           ("/api/tip", "/api/tip"),
                           ("/api/blocks?count=100", "/api/blocks?count=100"),
                           ("/api/address/<addr>", f"/api/address/{some}")]:
            results[name] = wrk(base + path, "explorer.lua", seconds, {**env, "FINCH_PATH": path})
        results["getblock verbosity 1 (JSON-RPC, 1,000 transfers)"] = wrk(
            base + "/", "getblock.lua", seconds, {**env, "FINCH_BLOCKHASH": top})
        width = max(len(k) for k in results)
        for k, v in results.items():
            print(f"{k:<{width}}  {v['rps']:>7} req/s  p50 {v['p50_ms']:.3f} ms  p99 {v['p99_ms']:.3f} ms"
                  f"  errors {v['errors']}")
        page_load(node)
    finally:
        h.cleanup()


def page_load(node):
    browser_dir = os.path.join(HERE, "..", "tests", "browser")
    chromium = shutil.which("chromium")
    if not chromium or not os.path.isdir(os.path.join(browser_dir, "node_modules", "playwright-core")):
        print("home page load: skipped (needs chromium and npm ci --prefix tests/browser)")
        return
    script = """
import { chromium } from 'playwright-core';
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
const [url, exe] = process.argv.slice(2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finch-bench-'));
const ctx = await chromium.launchPersistentContext(dir, { executablePath: exe, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const page = ctx.pages()[0] || await ctx.newPage();
const times = [];
for (let i = 0; i < 6; i++) {
  const t = Date.now();
  await page.goto(url + '?' + i, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  times.push(Date.now() - t);
}
await ctx.close(); fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(times));
"""
    path = os.path.join(browser_dir, "page_load_bench.mjs")
    with open(path, "w") as f:
        f.write(script)
    try:
        r = subprocess.run(["node", path, f"http://127.0.0.1:{node.rpcport}/explorer/", chromium],
                           capture_output=True, text=True, timeout=120)
        times = json.loads(r.stdout.strip().splitlines()[-1])
        warm = sorted(times[1:])
        print(f"home page load (Chromium, to data drawn): first {times[0]} ms, then median {warm[len(warm) // 2]} ms "
              f"(loads: {times})")
    finally:
        os.remove(path)


if __name__ == "__main__":
    main()
