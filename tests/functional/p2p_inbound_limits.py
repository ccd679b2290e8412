#!/usr/bin/env python3
"""Inbound limits per address: 20 sockets from one address are cut to --maxinboundperip while
an honest peer from another address still gets in; a whitelisted address is exempt. (The
per-/16 cap exempts loopback, so it is unit-tested: tests/p2p/bans_test.cpp.)"""

from framework import main, wait_until, assert_equal
from p2p_raw import RawPeer


def connections_from(node, ip):
    return sum(1 for p in node.rpc("getpeerinfo") if p["addr"].startswith(ip + ":"))


def test(h):
    node = h.add_node(["--maxinboundperip=4", "--whitelist=127.0.0.4"]).start()

    crowd = []
    for _ in range(20):
        p = RawPeer(node.port, "127.0.0.2")
        crowd.append(p)
    open_ones = [p for p in crowd if not p.closed_by_peer(0.5)]
    assert_equal(len(open_ones), 4)
    for p in open_ones:
        p.handshake()
    wait_until(lambda: connections_from(node, "127.0.0.2") == 4, 10, what="4 connections from 127.0.0.2")

    honest = RawPeer(node.port, "127.0.0.3")
    honest.handshake()
    assert honest.is_open(), "an honest peer from another address was refused"

    friends = [RawPeer(node.port, "127.0.0.4") for _ in range(6)]
    for p in friends:
        p.handshake()
    wait_until(lambda: connections_from(node, "127.0.0.4") == 6, 10, what="a whitelisted address exempt")
    assert_equal(connections_from(node, "127.0.0.2"), 4)
    assert_equal(node.stop(), 0)


if __name__ == "__main__":
    main(test)
