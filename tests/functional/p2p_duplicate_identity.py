#!/usr/bin/env python3
"""One connection per identity, decided by the lower identity (docs/protocol.md "Transport",
node/net/duplicate_connection.h), against a real finchd with raw peers that reuse a key:
  1. the node's identity is the lower: a second connection proving the same identity is
     closed at once, and the first stays;
  2. the node's identity is the higher: it keeps a second connection (the other node decides),
     refuses a third, and after 30 s closes the newer of the two the other side left open.
Every raw peer has its own loopback address, so per-address limits do not interfere."""

from framework import main, wait_until, assert_equal
from p2p_raw import RawPeer, make_identity

DUPLICATE_WAIT_S = 30  # kDuplicateWait


def identity_beside(node_identity, lower):
    """A raw identity below (lower=True) or above the node's: fresh keys until one fits."""
    for i in range(64):  # each fits with probability 1/2
        _, _, identity = make_identity(f"{'low' if lower else 'high'}-{i}")
        if (identity < node_identity) == lower:
            return f"{'low' if lower else 'high'}-{i}", identity
    raise AssertionError("64 fresh keys all on one side of the node's identity")


def held(node, identity):
    return [p for p in node.rpc("getpeerinfo") if p["identity"] == identity]


def test(h):
    node = h.add_node([]).start()
    me = node.identity()

    # 1. The node is the lower: it decides, and closes the newcomer.
    name, higher = identity_beside(me, lower=False)
    first = RawPeer(node.port, "127.0.5.1", name=name)
    first.handshake()
    second = RawPeer(node.port, "127.0.5.2", name=name)
    assert second.refused or second.closed_by_peer(10), "the lower end kept a second connection"
    assert first.is_open(10), "the first connection was closed for a newcomer"
    wait_until(lambda: len(held(node, higher)) == 1, 10, what="one connection to the higher identity")
    first.close()

    # 2. The node is the higher: it holds two and waits for the other side to close one.
    name, lower = identity_beside(me, lower=True)
    old = RawPeer(node.port, "127.0.5.3", name=name)
    old.handshake()
    new = RawPeer(node.port, "127.0.5.4", name=name)
    new.handshake()
    assert old.is_open(10) and new.is_open(10), "the higher end closed a connection itself"
    assert_equal(len(held(node, lower)), 2)
    third = RawPeer(node.port, "127.0.5.5", name=name)
    assert third.refused or third.closed_by_peer(10), "a third connection to one identity was kept"
    # The other side never closes one: after kDuplicateWait the node closes the newer itself.
    assert new.closed_by_peer(DUPLICATE_WAIT_S + 15), "the newer duplicate was left open"
    assert old.is_open(10), "the older connection was closed instead of the newer"
    wait_until(lambda: "left two connections open" in node.log_text(), 10, what="the close in the log")
    assert_equal(len(held(node, lower)), 1)
    old.close()


if __name__ == "__main__":
    main(test)
