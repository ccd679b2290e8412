#!/usr/bin/env python3
"""One connection per identity, decided by the lower identity (docs/protocol.md "Transport",
node/net/duplicate_connection.h), against a real finchd with raw peers that reuse a key:
  1. the node's identity is the lower: a second connection proving the same identity is
     closed at once, and the first stays;
  2. the node's identity is the higher: it keeps a second connection (the other node decides)
     even with inbound full and without evicting anyone, refuses a third, and after 30 s
     closes the newer of the two the other side left open, and then closes that identity's
     later connections at once.
Every raw peer has its own loopback address, so per-address limits do not interfere."""

import os
import shutil

from framework import main, wait_until, assert_equal
from p2p_raw import RawPeer, make_identity

DUPLICATE_WAIT_S = 30  # kDuplicateWait


def three_keys():
    """Three fresh keys sorted by identity: (name, (cert, key, identity)) of each. The node takes the middle
    one, so the raw peers have one identity below it and one above, every run."""
    named = [(f"dup-{i}", make_identity(f"dup-{i}")) for i in range(3)]
    named.sort(key=lambda n: n[1][2])
    return named


def held(node, identity):
    return [p for p in node.rpc("getpeerinfo") if p["identity"] == identity]


def closed_as_duplicate(node, ip, name, identity):
    """A raw peer from `ip` with key `name` is closed as a duplicate of `identity`: within 5 s
    (half the 10 s handshake deadline, which would close it anyway), with the reason in the net
    debug log."""
    line = f"two connections to {identity}: closing the newer"
    before = node.log_text().count(line)
    raw = RawPeer(node.port, ip, name=name)
    assert raw.refused or raw.closed_by_peer(5), "a duplicate connection was kept"
    wait_until(lambda: node.log_text().count(line) > before, 5, what="the duplicate's close in the log")


def test(h):
    # 9 connections leave one inbound slot (8 are kept for outbound): a duplicate must not
    # need one.
    (low_name, (_, _, lower)), (_, (_, mid_key, mid)), (high_name, (_, _, higher)) = three_keys()
    node = h.add_node(["--maxconnections=9", "--debug=net"])
    os.makedirs(node.network_dir, exist_ok=True)
    shutil.copyfile(mid_key, os.path.join(node.network_dir, "nodekey"))
    os.chmod(os.path.join(node.network_dir, "nodekey"), 0o600)
    node.start()
    assert_equal(node.identity(), mid)

    # 1. The node is the lower: it decides, and closes the newcomer.
    name = high_name
    first = RawPeer(node.port, "127.0.5.1", name=name)
    first.handshake()
    closed_as_duplicate(node, "127.0.5.2", name, higher)
    assert first.is_open(10), "the first connection was closed for a newcomer"
    assert_equal(len(held(node, higher)), 1)
    first.close()
    wait_until(lambda: not held(node, higher), 10, what="the inbound slot to be free again")

    # 2. The node is the higher: it holds two and waits for the other side to close one. The
    # second is let in over the inbound limit and evicts nobody.
    name = low_name
    old = RawPeer(node.port, "127.0.5.3", name=name)
    old.handshake()
    new = RawPeer(node.port, "127.0.5.4", name=name)
    new.handshake()
    assert old.is_open(10) and new.is_open(10), "the higher end closed a connection itself"
    assert_equal(len(held(node, lower)), 2)
    closed_as_duplicate(node, "127.0.5.5", name, lower)
    assert_equal(len(held(node, lower)), 2)
    # The other side never closes one: after kDuplicateWait the node closes the newer itself.
    assert new.closed_by_peer(DUPLICATE_WAIT_S + 15), "the newer duplicate was left open"
    assert old.is_open(10), "the older connection was closed instead of the newer"
    wait_until(lambda: "left two connections open" in node.log_text(), 10, what="the close in the log")
    wait_until(lambda: len(held(node, lower)) == 1, 10, what="one connection to the lower identity")
    # It did not follow the rule: for 10 minutes its later connections are closed at once, as
    # the lower node would.
    assert "closing its later ones at once" in node.log_text()
    closed_as_duplicate(node, "127.0.5.6", name, lower)
    assert old.is_open(10)
    old.close()


if __name__ == "__main__":
    main(test)
