#!/usr/bin/env python3
"""Four nodes in a line (0-1-2-3, each connecting only to its neighbour): a block mined at
one end reaches the other end; a transaction sent at one end is mined at the other; all
state digests are equal. Then a node started after 300 blocks syncs to the tip."""

from framework import main, wait_until, assert_equal


def line(h, count):
    nodes = [h.add_node(["--listen=1"]).start()]
    for i in range(1, count):
        prev = nodes[-1]
        nodes.append(h.add_node([f"--connect=127.0.0.1:{prev.port}"]).start())
    for i in range(1, count):
        wait_until(lambda: nodes[i].rpc("getconnectioncount") >= 1, 30, what=f"node{i} connected")
    return nodes


def test_line(h):
    miner, alice = h.keygen(), h.keygen()
    nodes = line(h, 4)
    nodes[0].rpc("generatetoaddress", 3, miner["address"])
    tip = nodes[0].rpc("getbestblockhash")
    wait_until(lambda: nodes[3].rpc("getbestblockhash") == tip, 30, what="block to reach the far end")

    raw = nodes[3].cli("signtx", "--secret", miner["secret"], "--to", alice["address"], "--amount",
                       "4242", "--fee", "1000", "--nonce", "0").stdout.strip()
    txid = nodes[3].rpc("sendrawtransaction", raw)
    wait_until(lambda: txid in nodes[0].rpc("getrawmempool"), 30, what="tx to reach the miner")
    nodes[0].rpc("generatetoaddress", 1, miner["address"])
    tip = nodes[0].rpc("getbestblockhash")
    for n in nodes:
        wait_until(lambda: n.rpc("getbestblockhash") == tip, 30, what=f"node{n.index} at the tip")
        wait_until(lambda: n.rpc("getrawmempool") == [], 10, what=f"node{n.index} mempool empty")
    assert_equal(nodes[3].rpc("getaccount", alice["address"])["balance"], 4242)
    digests = {n.rpc("getstatehash")["statehash"] for n in nodes}
    assert_equal(len(digests), 1)
    peers = nodes[1].rpc("getpeerinfo")
    assert_equal(len(peers), 2)
    return nodes


def test_late_joiner(h, nodes):
    miner = h.keygen()
    nodes[0].rpc("generatetoaddress", 300, miner["address"])
    tip = nodes[0].rpc("getbestblockhash")
    late = h.add_node([f"--connect=127.0.0.1:{nodes[0].port}"]).start()
    wait_until(lambda: late.rpc("getbestblockhash") == tip, 120, what="the late joiner to sync 300 blocks")
    assert_equal(late.rpc("getstatehash"), nodes[0].rpc("getstatehash"))
    info = late.rpc("getblockchaininfo")
    assert "initialblockdownload" in info


def test(h):
    nodes = test_line(h)
    test_late_joiner(h, nodes)
    for n in h.nodes:
        assert_equal(n.stop(), 0)


if __name__ == "__main__":
    main(test)
