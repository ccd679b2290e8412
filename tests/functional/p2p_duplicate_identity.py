#!/usr/bin/env python3
"""One connection per identity, decided by the lower identity (docs/protocol.md "Transport",
node/net/duplicate_connection.h), against a real finchd with raw peers that reuse a key:
  1. the node's identity is the lower: a second connection proving the same identity is
     closed at once, and the first stays;
  2. the node's identity is the higher: it keeps a second connection (the other node decides),
     refuses a third, after 30 s closes the newer of the two the other side left open, and
     then closes that identity's later connections at once;
  3. with inbound full, a second connection to an identity the node holds is refused and
     evicts nobody.
Every raw peer has its own loopback address, so per-address limits do not interfere."""

import os
import shutil

from framework import main, wait_until, assert_equal
from p2p_raw import RawPeer, make_identity

DUPLICATE_WAIT_S = 30  # kDuplicateWait


def four_keys():
    """Four fresh keys sorted by identity: (name, (cert, key, identity)) of each. The node
    takes the third, so two raw identities are below it and one above, every run."""
    named = [(f"dup-{i}", make_identity(f"dup-{i}")) for i in range(4)]
    named.sort(key=lambda n: n[1][2])
    return named


def held(node, identity):
    return [p for p in node.rpc("getpeerinfo") if p["identity"] == identity]


def closed_with(node, ip, name, line, what):
    """A raw peer from `ip` with key `name` is closed within 9 s (before the 10 s handshake
    deadline, which would close it anyway), and `line` (the reason) is logged once more."""
    before = node.log_text().count(line)
    raw = RawPeer(node.port, ip, name=name)
    assert raw.refused or raw.closed_by_peer(9), what
    wait_until(lambda: node.log_text().count(line) > before, 5, what=f"'{line}' in the log")


def closed_as_duplicate(node, ip, name, identity):
    closed_with(node, ip, name, f"two connections to {identity}: closing the newer",
                "a duplicate connection was kept")


def test(h):
    keys = four_keys()
    (low_name, (_, _, lower)), (low2_name, (_, _, lower2)) = keys[0], keys[1]
    (_, (_, node_key, node_id)), (high_name, (_, _, higher)) = keys[2], keys[3]
    # 10 connections leave two inbound slots (8 are kept for outbound).
    node = h.add_node(["--maxconnections=10", "--debug=net"])
    os.makedirs(node.network_dir, exist_ok=True)
    shutil.copyfile(node_key, os.path.join(node.network_dir, "nodekey"))
    os.chmod(os.path.join(node.network_dir, "nodekey"), 0o600)
    node.start()
    assert_equal(node.identity(), node_id)

    # 1. The node is the lower: it decides, and closes the newcomer.
    first = RawPeer(node.port, "127.0.5.1", name=high_name)
    first.handshake()
    closed_as_duplicate(node, "127.0.5.2", high_name, higher)
    assert first.is_open(10), "the first connection was closed for a newcomer"
    assert_equal(len(held(node, higher)), 1)
    first.close()
    wait_until(lambda: not held(node, higher), 10, what="the inbound slot to be free again")

    # 2. The node is the higher: it holds two and waits for the other side to close one.
    old = RawPeer(node.port, "127.0.5.3", name=low_name)
    old.handshake()
    new = RawPeer(node.port, "127.0.5.4", name=low_name)
    new.handshake()
    assert old.is_open(10) and new.is_open(10), "the higher end closed a connection itself"
    assert_equal(len(held(node, lower)), 2)
    closed_as_duplicate(node, "127.0.5.5", low_name, lower)  # a third
    assert_equal(len(held(node, lower)), 2)
    # The other side never closes one: after kDuplicateWait the node closes the newer itself.
    assert new.closed_by_peer(DUPLICATE_WAIT_S + 15), "the newer duplicate was left open"
    assert old.is_open(10), "the older connection was closed instead of the newer"
    wait_until(lambda: "left two connections open" in node.log_text(), 10, what="the close in the log")
    wait_until(lambda: len(held(node, lower)) == 1, 10, what="one connection to the lower identity")
    # It did not follow the rule: for 10 minutes its later connections are closed at once, as
    # the lower node would.
    assert "closing its later ones at once" in node.log_text()
    closed_as_duplicate(node, "127.0.5.6", low_name, lower)
    assert old.is_open(10)

    # 3. Inbound full (old and another lower identity): that identity's second connection is
    # refused, by the duplicate's branch (its logged reason), and both peers stay. (With two
    # inbound peers eviction would protect both anyway; the reason shows which branch ran.)
    other = RawPeer(node.port, "127.0.5.7", name=low2_name)
    other.handshake()
    closed_with(node, "127.0.5.8", low2_name, "a second connection to one identity does not evict",
                "a duplicate was let in with inbound full")
    assert old.is_open(10) and other.is_open(10), "a duplicate evicted somebody"
    assert_equal(len(held(node, lower2)), 1)
    old.close()
    other.close()


if __name__ == "__main__":
    main(test)
