#!/usr/bin/env python3
"""The explorer in a real browser: prepares a regtest chain (a block of 30 transfers to one
address, a pending transfer), then runs tests/browser/explorer_test.mjs, which drives Debian's
Chromium through playwright-core: the home page following the tip live, block -> transaction
-> address by clicking, paging, search of each kind, not-found and wrong-network messages,
markup shown as text, a phone-sized screen. scripts/test.sh installs Chromium and the npm
package; run alone, install them with `scripts/install-deps.sh --browser` and
`npm ci --prefix tests/browser`."""

import json
import os
import shutil
import subprocess

from framework import main, assert_equal

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(HERE, "..", "browser")

# BIP350 bech32m, to build a well-formed address whose prefix is markup.
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def polymod(values):
    gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def bech32m(hrp, data5):
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    pm = polymod(expanded + data5 + [0] * 6) ^ 0x2bc830a3
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data5 + checksum)


def to5(data):
    acc, bits, out = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def send(node, secret, to, amount, nonce):
    raw = node.cli("signtx", "--secret", secret, "--to", to, "--amount", str(amount), "--fee", "1000",
                   "--nonce", str(nonce)).stdout.strip()
    return node.rpc("sendrawtransaction", raw)


def test(h):
    chromium = shutil.which("chromium")
    node_js = shutil.which("node")
    module = os.path.join(BROWSER_DIR, "node_modules", "playwright-core")
    missing = [what for what, ok in (("chromium", chromium), ("node", node_js), ("playwright-core", os.path.isdir(module)))
               if not ok]
    if missing:
        raise AssertionError(f"missing {', '.join(missing)}: run scripts/install-deps.sh --browser and "
                             "npm ci --prefix tests/browser (scripts/test.sh does both)")

    miner, alice = h.keygen(), h.keygen()
    node = h.add_node(["--explorer", "--explorerratelimit=1000"]).start()
    node.rpc("generatetoaddress", 3, miner["address"])
    transfers = 30
    for i in range(transfers):
        send(node, miner["secret"], alice["address"], 10_000 + i, i)
    transfers_hash = node.rpc("generatetoaddress", 1, miner["address"])[0]
    transfers_height = node.rpc("getblockcount")
    node.rpc("generatetoaddress", 2, miner["address"])
    # One nonce past the next: the mempool takes it, no block can (the gap), so it stays pending
    # while the browser test mines.
    pending = send(node, miner["secret"], alice["address"], 777, transfers + 1)
    main_address = json.loads(subprocess.run([h.finch_cli, "--network=main", "keygen"], capture_output=True,
                                             text=True, timeout=30, check=True).stdout)["address"]
    markup_address = bech32m("<img/src=x/onerror=window.__xss=1>", [0] + to5(bytes(20)))

    params = {
        "chromium": chromium,
        "url": f"http://127.0.0.1:{node.rpcport}/explorer/",
        "rpc_url": f"http://127.0.0.1:{node.rpcport}/",
        "auth": node.auth_header(),
        "height": node.rpc("getblockcount"),
        "miner_address": miner["address"],
        "alice_address": alice["address"],
        "transfers": transfers,
        "transfers_height": transfers_height,
        "transfers_hash": transfers_hash,
        "pending_txid": pending,
        "main_address": main_address,
        "markup_address": markup_address,
        "artifacts": os.environ.get("FINCH_TEST_ARTIFACTS", h.tmpdir),
    }
    path = os.path.join(h.tmpdir, "explorer-test.json")
    with open(path, "w") as f:
        json.dump(params, f)
    r = subprocess.run([node_js, os.path.join(BROWSER_DIR, "explorer_test.mjs"), path], capture_output=True,
                       text=True, timeout=240)
    print(r.stdout, end="")
    if r.returncode != 0:
        # Keep the screenshot where the harness's cleanup will not remove it.
        shot = os.path.join(params["artifacts"], "explorer-failure.png")
        if os.path.exists(shot) and params["artifacts"] == h.tmpdir:
            kept = os.path.join(os.getcwd(), "explorer-failure.png")
            shutil.copy(shot, kept)
            print(f"screenshot kept at {kept}")
        raise AssertionError(f"browser test failed ({r.returncode}):\n{r.stderr}")
    assert_equal(r.stdout.strip().splitlines()[-1], "explorer browser test: passed")


if __name__ == "__main__":
    main(test)
