#!/usr/bin/env python3
"""finch-cli -getinfo and -netinfo [0-4] against real nodes (two connected, one transfer
pending): every line of -getinfo and its --json object follow the node's own RPC answers;
-netinfo counts peers by direction, its levels add a peer table (direction, id, identity
prefix, ping, KB sent/received, age, score or '-') and columns; --json carries the same;
a bad level and arguments after -getinfo are errors."""

import json
import re

from framework import main, wait_until, assert_equal


def lines(text):
    return text.rstrip("\n").split("\n")


def test_getinfo(node, peer_count):
    r = node.cli("-getinfo")
    chain, net, pool = node.rpc("getblockchaininfo"), node.rpc("getnetworkinfo"), node.rpc("getmempoolinfo")
    assert_equal(lines(r.stdout), [
        "Chain: regtest",
        f"Blocks: {chain['blocks']}",
        f"Headers: {chain['headers']}",
        "Verification progress: 100.0000%",
        f"Difficulty: {json.dumps(chain['difficulty'])}",
        "",
        f"Network: in {net['connections_in']}, out {net['connections_out']}, total {peer_count}",
        f"Mempool: 1 transactions, {pool['bytes']} bytes, fees {pool['total_fee']}",
        f"Version: {net['version']} {net['subversion']}",
        "Min relay fee (base units/byte): 1",
        "",
        "Warnings: (none)",
    ])
    for args in (["-getinfo", "--json"], ["--json", "-getinfo"], ["-getinfo", "-json"]):
        info = json.loads(node.cli(*args).stdout)
        assert_equal(list(info), ["version", "subversion", "chain", "blocks", "headers", "verificationprogress",
                                  "initialblockdownload", "difficulty", "connections", "mempool", "relayfee",
                                  "warnings"])
        assert_equal(info["chain"], "regtest")
        assert_equal(info["blocks"], chain["blocks"])
        assert_equal(info["connections"], {"in": net["connections_in"], "out": net["connections_out"],
                                           "total": peer_count})
        assert_equal(info["mempool"], {"size": 1, "bytes": pool["bytes"], "total_fee": pool["total_fee"]})
    bad = node.cli("-getinfo", "extra", check=False)
    assert_equal((bad.returncode, bad.stderr), (1, "error: -getinfo takes no arguments\n"))


def test_netinfo(node, other):
    peers = node.rpc("getpeerinfo")
    net = node.rpc("getnetworkinfo")
    out = lines(node.cli("-netinfo").stdout)
    assert_equal(out[0], f"server {net['subversion']} protocol {net['protocolversion']}, identity {net['identity'][:16]}")
    assert_equal(out[2:6], ["        ipv4    ipv6   total",
                            "in         0       0       0",
                            "out        1       0       1",
                            "total      1       0       1"])
    assert out[-1].startswith("Local addresses: 127.0.0.1:"), out[-1]

    peer = peers[0]
    other_identity = other.rpc("getnetworkinfo")["identity"]
    assert_equal(peer["identity"], other_identity)
    for level in range(1, 5):
        text = lines(node.cli("-netinfo", str(level)).stdout)
        header = text[2]
        assert header.startswith("<->   id  identity          ping(ms)  send(KB)  recv(KB)  age(min)  score"), header
        assert ("address" in header) == (level >= 2), header
        assert ("version" in header) == (level >= 3), header
        row = text[3].split()
        assert_equal(row[:3], ["out", str(peer["id"]), other_identity[:16]])
        assert re.fullmatch(r"-|\d+\.\d", row[3]), row
        assert_equal(row[7], json.dumps(peer["score"]) if "score" in peer else "-")
        if level >= 2:
            assert_equal(row[8], peer["addr"])
        if level >= 3:
            assert_equal(row[10], peer["subver"])

    info = json.loads(node.cli("-netinfo", "4", "--json").stdout)
    assert_equal(info["identity"], net["identity"])
    assert_equal(info["peers"]["out"], {"ipv4": 1, "ipv6": 0, "total": 1})
    assert_equal(info["peers"]["in"]["total"], 0)
    entry = info["peer_list"][0]
    assert_equal(entry["direction"], "out")
    assert_equal(entry["identity"], other_identity[:16])
    assert_equal(entry["address"], peer["addr"])
    assert entry["bytessent"] > 0 and entry["bytesrecv"] > 0, entry
    assert entry["age_seconds"] >= 0
    assert_equal(entry["score"], peer.get("score"))
    assert "peer_list" not in json.loads(other.cli("--json", "-netinfo").stdout)
    inbound = json.loads(other.cli("-netinfo", "1", "--json").stdout)
    assert_equal(inbound["peers"]["in"]["total"], 1)
    assert_equal(inbound["peer_list"][0]["direction"], "in")

    for bad in (["5"], ["x"], ["1", "2"]):
        r = node.cli("-netinfo", *bad, check=False)
        assert_equal(r.returncode, 1)
        assert r.stderr.startswith("error: -netinfo"), r.stderr
    helped = node.cli("--rpcport=1", "-netinfo", "help")  # needs no node
    assert helped.stdout.startswith("-netinfo [LEVEL] [--json]"), helped.stdout
    assert "score     the peer's score when getpeerinfo reports one, else '-'" in helped.stdout
    r = node.cli("-getinfo", "-netinfo", check=False)
    assert_equal((r.returncode, r.stderr), (1, "error: give one of -getinfo and -netinfo\n"))


def test(h):
    miner, alice = h.keygen(), h.keygen()
    listener = h.add_node(["--listen=1"]).start()
    node = h.add_node([f"--connect=127.0.0.1:{listener.port}"]).start()
    wait_until(lambda: node.rpc("getconnectioncount") == 1 and listener.rpc("getconnectioncount") == 1, 30,
               what="the two nodes connected")
    node.rpc("generatetoaddress", 2, miner["address"])
    wait_until(lambda: listener.height() == 2, 30, what="the blocks relayed")
    node.cli("send", "--secret", miner["secret"], "--to", alice["address"], "--amount", "5000")
    test_getinfo(node, 1)
    test_netinfo(node, listener)
    down = node.cli("--rpcport=1", "-getinfo", check=False)
    assert_equal(down.returncode, 1)
    assert down.stderr.startswith("error: "), down.stderr


if __name__ == "__main__":
    main(test)
