#!/usr/bin/env python3
"""A regtest node started with --mine produces blocks; transfers submitted to it (finch-cli
signtx + sendrawtransaction, and finch-cli send) are mined; balances and nonces are right."""

import os
from framework import main, wait_until, assert_equal, assert_raises_rpc


def test(h):
    miner, alice = h.keygen(), h.keygen()
    node = h.add_node(["--mine", f"--miner-address={miner['address']}"]).start()
    wait_until(lambda: node.height() >= 3, 60, what="three mined blocks")
    info = node.rpc("getmininginfo")
    assert info["blocks"] >= 3, info

    # A raw transfer signed offline, then submitted.
    raw = node.cli("signtx", "--secret", miner["secret"], "--to", alice["address"],
                   "--amount", "5000", "--fee", "1000", "--nonce", "0").stdout.strip()
    txid = node.rpc("sendrawtransaction", raw)
    assert_equal(len(txid), 64)
    # The same bytes again: already known.
    try:
        node.rpc("sendrawtransaction", raw)
    except Exception:
        pass
    wait_until(lambda: node.rpc("getaccount", alice["address"])["balance"] == 5000, 30,
               what="the transfer to be mined")
    tx = node.rpc("gettransaction", txid)
    assert tx["confirmations"] >= 1, tx

    # finch-cli send looks up the nonce itself.
    txid2 = node.cli("send", "--secret", miner["secret"], "--to", alice["address"],
                     "--amount", "700", "--fee", "1000").stdout.strip()
    assert_equal(len(txid2), 64)
    wait_until(lambda: node.rpc("getaccount", alice["address"])["balance"] == 5700, 30,
               what="the second transfer to be mined")
    acct = node.rpc("getaccount", miner["address"])
    assert_equal(acct["nonce"], 2)

    # A replay of a confirmed transfer is refused.
    e = assert_raises_rpc(None, node.rpc, "sendrawtransaction", raw)
    assert e.code in (-27, -26), e.code

    # Alice can spend what she received.
    txid3 = node.cli("send", "--secret", alice["secret"], "--to", miner["address"],
                     "--amount", "100", "--fee", "1000").stdout.strip()
    wait_until(lambda: node.rpc("getaccount", alice["address"])["nonce"] == 1, 30,
               what="alice's transfer to be mined")
    assert_equal(node.rpc("getaccount", alice["address"])["balance"], 5700 - 1100)
    assert txid3

    # Its threads carry names, as top -H, ps -L and perf show them (docs/node.md).
    task_dir = f"/proc/{node.process.pid}/task"
    names = set()
    for tid in os.listdir(task_dir):
        try:
            with open(f"{task_dir}/{tid}/comm") as f:
                names.add(f.read().strip())
        except OSError:
            pass  # the thread ended
    for expected in ("finch-net", "finch-http", "finch-httpwork", "finch-miner", "finch-sigcheck",
                     "finch-signals"):
        assert expected in names, f"no thread named {expected} among {sorted(names)}"
    assert_equal(node.stop(), 0)


if __name__ == "__main__":
    main(test)
