#!/usr/bin/env python3
"""A regtest --mine node paces its blocks at one a second, but mines at once when the mempool
holds a whole block's worth (docs/node.md; the rule itself: tests/node/miner_pace_test.cpp).
14,782 transfers wait in the mempool of a node that is not mining; restarted with --mine (the
mempool is saved and loaded), it mines exactly two full blocks of 7,141 and one of the other
500: none is lost or mined twice, and no block is cut short while a full one is waiting."""

import json
import os
import subprocess

from framework import main, wait_until, assert_equal

FULL = 7141  # transfers in a 1 MB block
EXTRA = 500
TOTAL = 2 * FULL + EXTRA


def test(h):
    miner = h.keygen()
    node = h.add_node()
    txfile = os.path.join(h.tmpdir, "tx.txt")
    tool = os.path.join(os.path.dirname(h.finchd), "make_chain")
    subprocess.run([tool, "--datadir", node.datadir, "--accounts", str(TOTAL), "--txfile", txfile,
                    "--txcount", str(TOTAL)], capture_output=True, text=True, check=True, timeout=120)
    with open(txfile) as f:
        raws = f.read().split()
    assert_equal(len(raws), TOTAL)
    node.start()
    start = node.height()

    accepted = []
    for i in range(0, len(raws), 2000):
        body = json.dumps([{"jsonrpc": "2.0", "id": n, "method": "sendrawtransaction", "params": [r]}
                           for n, r in enumerate(raws[i:i + 2000])])
        status, reply = node.post(body, timeout=120)
        assert_equal(status, 200)
        accepted += [r["result"] for r in json.loads(reply) if r.get("error") is None]
    assert_equal(len(accepted), TOTAL)
    assert_equal(node.stop(), 0)
    node.extra_args = ["--mine", f"--miner-address={miner['address']}"]
    node.start()

    # Read the blocks as they come (the mempool empties before the last block is the tip, so
    # an empty mempool alone does not say the chain holds them all).
    blocks = {}  # height -> its transfers' txids

    def all_mined():
        for height in range(start + 1, node.height() + 1):
            if height not in blocks:
                blocks[height] = node.rpc("getblock", node.rpc("getblockhash", height), 1)["tx"][1:]
        return sum(len(txs) for txs in blocks.values()) >= TOTAL

    wait_until(all_mined, 120, what="every transfer mined")
    counts = [len(txs) for _, txs in sorted(blocks.items())]
    mined = set(txid for txs in blocks.values() for txid in txs)
    assert_equal(sorted(c for c in counts if c), [EXTRA, FULL, FULL])
    assert_equal(mined, set(accepted))
    assert_equal(node.stop(), 0)


if __name__ == "__main__":
    main(test)
