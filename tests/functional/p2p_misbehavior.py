#!/usr/bin/env python3
"""Raw TLS peers that send garbage frames, an oversize message, a wrong-network version, or an
invalid block are disconnected (and their address discouraged where the rule says so, never
banned: bans are the operator's) while an honest peer stays connected and the node keeps
working. Each raw peer uses its own loopback address (127.0.0.x), so one's mark does not
touch the honest peer on 127.0.0.1. Then setban/listbanned/clearbanned with subnets, and a
whitelisted peer that misbehaves is dropped but not discouraged."""

import struct
import subprocess

from framework import assert_raises_rpc, main, wait_until, assert_equal
from p2p_raw import (RawPeer, discouraged, frame, version_payload, make_block, MAIN_GENESIS, REGTEST_GENESIS,
                     REGTEST_GENESIS_TIME)


def banned_ips(node):
    return {b["address"].split("/")[0] for b in node.rpc("listbanned")}


def test(h):
    miner = h.keygen()
    node = h.add_node().start()
    honest = h.add_node([f"--connect=127.0.0.1:{node.port}"]).start()
    wait_until(lambda: node.rpc("getconnectioncount") == 1, 30, what="the honest peer")

    def assert_discouraged(ip):
        assert ip not in banned_ips(node), f"{ip}: misbehaviour is discouraged, never banned"
        assert discouraged(node, ip), f"{ip} not discouraged"

    # 1. Garbage inside the TLS session: bad magic -> disconnected and discouraged.
    p = RawPeer(node.port, "127.0.0.2")
    p.send(b"\x00garbage that is not a frame at all" * 4)
    assert p.closed_by_peer(), "garbage peer not disconnected"
    assert_discouraged("127.0.0.2")

    # 2. An oversize message header -> disconnected and discouraged, before any body is read.
    p = RawPeer(node.port, "127.0.0.3")
    p.send(frame("version", b"", length=50_000_000)[:13])
    assert p.closed_by_peer()
    assert_discouraged("127.0.0.3")

    # 3. A version for another network -> disconnected with a logged reason, not discouraged.
    p = RawPeer(node.port, "127.0.0.4")
    p.send_msg("version", version_payload(genesis_hex=MAIN_GENESIS))
    assert p.closed_by_peer()
    assert not discouraged(node, "127.0.0.4")

    # 4. A message before the handshake -> discouraged.
    p = RawPeer(node.port, "127.0.0.6")
    p.send_msg("ping", struct.pack("<Q", 1))
    assert p.closed_by_peer()
    assert_discouraged("127.0.0.6")

    # 5. An invalid block (coinbase pays one unit too much) after a proper handshake -> discouraged.
    p = RawPeer(node.port, "127.0.0.5")
    p.handshake()
    tip = node.rpc("getblockcount")
    assert_equal(tip, 0)
    bad = make_block(REGTEST_GENESIS, 1, REGTEST_GENESIS_TIME + 1, 50 * 100_000_000 + 1)
    p.send_msg("block", bad)
    assert p.closed_by_peer()
    assert_discouraged("127.0.0.5")
    assert_equal(node.rpc("getblockcount"), 0)
    assert_equal(node.rpc("listbanned"), [])

    # A banned address (setban) cannot come back.
    node.rpc("setban", "127.0.0.5", "add", 3600)
    p = RawPeer(node.port, "127.0.0.5")
    assert p.closed_by_peer(5), "banned address was accepted again"
    node.rpc("setban", "127.0.0.5", "remove")

    # The honest peer is still connected and the network still works.
    assert_equal(node.rpc("getconnectioncount"), 1)
    node.rpc("generatetoaddress", 2, miner["address"])
    tip = node.rpc("getbestblockhash")
    wait_until(lambda: honest.rpc("getbestblockhash") == tip, 30, what="honest peer to follow")

    # setban / listbanned / clearbanned.
    node.rpc("setban", "127.0.0.9", "add", 3600)
    assert "127.0.0.9" in banned_ips(node)
    node.rpc("setban", "127.0.0.9", "remove")
    assert "127.0.0.9" not in banned_ips(node)
    node.rpc("clearbanned")
    assert_equal(node.rpc("listbanned"), [])
    # Subnet bans: a member address is refused, others are not; clearbanned lifts it.
    node.rpc("setban", "127.0.0.10/31", "add", 3600)
    assert_equal([b["address"] for b in node.rpc("listbanned")], ["127.0.0.10/31"])
    assert_raises_rpc(-23, node.rpc, "setban", "127.0.0.11/31", "add")  # the same subnet, written otherwise
    assert_raises_rpc(-30, node.rpc, "setban", "127.0.0.0/33", "add")
    assert_raises_rpc(-30, node.rpc, "setban", "nohost", "add")
    p = RawPeer(node.port, "127.0.0.11")
    assert p.closed_by_peer(5), "a member of a banned subnet was accepted"
    p = RawPeer(node.port, "127.0.0.12")
    p.handshake()
    assert p.is_open(), "an address outside the banned subnet was refused"
    node.rpc("clearbanned")
    p = RawPeer(node.port, "127.0.0.11")
    p.handshake()
    assert p.is_open(), "clearbanned did not lift the subnet ban"
    # Bans are persisted: add one, restart, still there.
    node.rpc("setban", "127.0.0.7", "add", 3600)
    assert_equal(node.stop(), 0)
    node.start()
    assert "127.0.0.7" in banned_ips(node)
    assert_equal(node.stop(), 0)

    # --whitelist takes CIDR: a whitelisted peer that misbehaves is dropped, never discouraged.
    node.extra_args = ["--whitelist=127.0.0.16/30"]
    node.start()
    p = RawPeer(node.port, "127.0.0.17")
    p.handshake()
    assert any(i["whitelisted"] for i in node.rpc("getpeerinfo")), node.rpc("getpeerinfo")
    p.send(b"garbage that is not a frame")
    assert p.closed_by_peer()
    assert "127.0.0.17" not in banned_ips(node)
    assert not discouraged(node, "127.0.0.17")
    assert_equal(node.stop(), 0)
    bad = subprocess.run(node.args(["--whitelist=127.0.0.0/40"]), capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "--whitelist '127.0.0.0/40'" in bad.stderr, bad.stderr
    assert_equal(honest.stop(), 0)


if __name__ == "__main__":
    main(test)
