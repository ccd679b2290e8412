#!/usr/bin/env python3
"""Partition and heal: two groups mine separately (the second more), reconnect, and every
node ends on the most-work chain; a transaction confirmed only on the losing branch returns
to the mempool and is mined again, so no valid transaction is lost."""

from framework import main, wait_until, assert_equal


def test(h):
    miner_a, miner_b, alice = h.keygen(), h.keygen(), h.keygen()
    # Group A: 0 <- 1. Group B: 2 <- 3. Nothing links the groups yet.
    n0 = h.add_node().start()
    n1 = h.add_node([f"--connect=127.0.0.1:{n0.port}"]).start()
    n2 = h.add_node().start()
    n3 = h.add_node([f"--connect=127.0.0.1:{n2.port}"]).start()
    nodes = [n0, n1, n2, n3]

    # A common start: miner_a's coins exist in both groups.
    n0.rpc("generatetoaddress", 2, miner_a["address"])
    for hgt in (1, 2):
        n2.rpc("submitblock", n0.rpc("getblock", n0.rpc("getblockhash", hgt), 0))
    wait_until(lambda: n3.rpc("getblockcount") == 2 and n1.rpc("getblockcount") == 2, 30, what="common start")

    # Group A confirms a transfer on its branch (3 more blocks).
    raw = n1.cli("signtx", "--secret", miner_a["secret"], "--to", alice["address"], "--amount", "777",
                 "--fee", "1000", "--nonce", "0").stdout.strip()
    txid = n1.rpc("sendrawtransaction", raw)
    wait_until(lambda: txid in n0.rpc("getrawmempool"), 30, what="tx to reach node0")
    n0.rpc("generatetoaddress", 3, miner_a["address"])
    wait_until(lambda: n1.rpc("getblockcount") == 5, 30, what="group A at 5")
    assert_equal(n1.rpc("getaccount", alice["address"])["balance"], 777)

    # Group B mines more (6 blocks) without it.
    n2.rpc("generatetoaddress", 6, miner_b["address"])
    b_tip = n2.rpc("getbestblockhash")
    wait_until(lambda: n3.rpc("getbestblockhash") == b_tip, 30, what="group B at 8")

    # Heal: node1 dials node2.
    n1.rpc("addnode", f"127.0.0.1:{n2.port}", "onetry")
    for n in nodes:
        wait_until(lambda: n.rpc("getbestblockhash") == b_tip, 60, what=f"node{n.index} on the most-work chain")
    assert_equal(n0.rpc("getaccount", alice["address"])["balance"], 0)
    # The transfer came back to group A's mempools ...
    wait_until(lambda: txid in n0.rpc("getrawmempool"), 30, what="the tx back in node0's mempool")
    tips = n0.rpc("getchaintips")
    assert any(t["status"] == "valid-fork" for t in tips), tips

    # ... and is mined again.
    n0.rpc("generatetoaddress", 1, miner_a["address"])
    new_tip = n0.rpc("getbestblockhash")
    for n in nodes:
        wait_until(lambda: n.rpc("getbestblockhash") == new_tip, 60, what=f"node{n.index} at the new tip")
        assert_equal(n.rpc("getaccount", alice["address"])["balance"], 777)
    assert_equal(len({n.rpc("getstatehash")["statehash"] for n in nodes}), 1)
    for n in nodes:
        assert_equal(n.stop(), 0)


if __name__ == "__main__":
    main(test)
