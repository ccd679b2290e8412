#!/usr/bin/env python3
"""Reputation between misbehaviour and honesty (design.md section 6, "Reputation"):
  1. nuisance: a peer that keeps sending a block nobody asked for sees its getpeerinfo score
     rise, is disconnected at the limit and its address excluded for 60 s (not banned, not
     discouraged), while other addresses are untouched;
  2. eviction: with inbound full, a newcomer takes the slot of an unprotected peer, and a
     discouraged peer is the first to go.
Every raw peer has its own loopback address (127.0.x.y), so per-address rules are visible."""

import time

from framework import main, wait_until, assert_equal
from p2p_raw import RawPeer, discouraged, make_block, REGTEST_GENESIS, REGTEST_GENESIS_TIME


def peer_from(node, raw):
    for entry in node.rpc("getpeerinfo"):
        if entry["identity"] == raw.identity:
            return entry
    return None


def test_nuisance(h):
    node = h.add_node([]).start()
    block = make_block(REGTEST_GENESIS, 1, REGTEST_GENESIS_TIME + 1, 50 * 100_000_000)
    p = RawPeer(node.port, "127.0.3.1")
    p.handshake()
    for _ in range(20):
        p.send_msg("block", block)  # the first connects; every one of them was unasked
    wait_until(lambda: peer_from(node, p) and peer_from(node, p)["score"] >= 9, 10, what="the score to rise")
    score = peer_from(node, p)["score"]
    assert score <= 10.5, f"20 unrequested blocks scored {score}"
    assert p.is_open(), "disconnected below the limit"
    for _ in range(200):
        p.send_msg("block", block)
    assert p.closed_by_peer(10), "not disconnected past the nuisance limit"
    wait_until(lambda: "excluded for 60 s" in node.log_text(), 10, what="the exclusion in the log")
    # Excluded: refused for now, though neither banned nor discouraged.
    again = RawPeer(node.port, "127.0.3.1")
    assert again.closed_by_peer(5), "an excluded address was accepted"
    assert_equal(node.rpc("listbanned"), [])
    other = RawPeer(node.port, "127.0.3.2")
    other.handshake()
    assert other.is_open(), "another address suffered for the nuisance"
    assert not peer_from(node, other)["discouraged"]
    other.close()
    assert_equal(node.rpc("getblockcount"), 1)
    assert_equal(node.stop(), 0)


def test_eviction(h):
    # 32 connections, 8 kept for outbound: 24 inbound slots. 4 + 8 + 4 + 4 peers are
    # protected by category and half of the rest by uptime: two may be evicted.
    node = h.add_node(["--maxconnections=32"]).start()
    # A discouraged address, connected first (the oldest: uptime alone would protect it).
    bad = RawPeer(node.port, "127.0.4.250")
    bad.send(b"garbage inside the session")
    assert bad.closed_by_peer()
    assert discouraged(node, "127.0.4.250")
    marked = RawPeer(node.port, "127.0.4.250")
    marked.handshake()
    peers = []
    for i in range(1, 24):
        p = RawPeer(node.port, f"127.0.4.{i}")
        p.handshake()
        peers.append(p)
    wait_until(lambda: len(node.rpc("getpeerinfo")) == 24, 10, what="24 inbound peers")
    assert peer_from(node, marked)["discouraged"]
    # Full. A newcomer gets in, and the discouraged peer is the one that leaves.
    newcomer = RawPeer(node.port, "127.0.4.100")
    newcomer.handshake()
    assert marked.closed_by_peer(10), "the discouraged peer was not evicted first"
    assert newcomer.is_open()
    assert all(p.is_open(10) for p in peers), "an honest peer was evicted while a discouraged one was there"
    # Full again, nobody discouraged: the next newcomer still gets in, somebody unprotected leaves.
    time.sleep(1.1)  # a distinct connection second, so "youngest" is well defined
    late = RawPeer(node.port, "127.0.4.101")
    late.handshake()
    wait_until(lambda: len(node.rpc("getpeerinfo")) == 24, 10, what="one peer evicted for the newcomer")
    assert late.is_open()
    for p in peers + [newcomer, late]:
        p.close()
    assert_equal(node.stop(), 0)


def test(h):
    test_nuisance(h)
    test_eviction(h)


if __name__ == "__main__":
    main(test)
