#!/usr/bin/env python3
"""The secure transport (docs/protocol.md "Transport"): nodes show each other's proven
identity over TLS 1.3; a relay on the path sees no plaintext; one flipped byte closes the
connection and the nodes reconnect, nobody banned; a pin with the wrong identity never
connects and the right one does (also through RPC addnode); --peerallow refuses everyone
else, inbound and outbound; an old plaintext peer and garbage before the handshake are
refused without a ban; two nodes that dial each other keep one connection."""

import socket
import subprocess
import time

from framework import main, wait_until, assert_equal
from p2p_raw import RawPeer, frame, version_payload
from tcp_relay import TcpRelay


def peers_by_identity(node):
    return {p["identity"]: p for p in node.rpc("getpeerinfo")}


def stays(predicate, seconds, what):
    """Asserts that predicate() holds for the whole of `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert predicate(), what
        time.sleep(0.1)


def test_identities_secrecy_and_tampering(h, a, miner):
    relay = TcpRelay(a.port)
    try:
        b = h.add_node([f"--connect={a.identity()}@127.0.0.1:{relay.port}"]).start()
        wait_until(lambda: a.rpc("getconnectioncount") == 1 and b.rpc("getconnectioncount") == 1, 30,
                   what="b connected to a through the relay")
        # Each side shows the identity the other proved, and the transport.
        for here, there in ((a, b), (b, a)):
            peer = peers_by_identity(here).get(there.identity())
            assert peer is not None, here.rpc("getpeerinfo")
            assert_equal(peer["transport"], "tls1.3")
            assert peer["cipher"].startswith("TLS_"), peer["cipher"]
        assert f"identity {b.identity()}" in a.log_text(), "the log does not name the peer's identity"

        # Traffic: a transfer made at b reaches a and is mined; b follows.
        a.rpc("generatetoaddress", 2, miner["address"])
        wait_until(lambda: b.rpc("getblockcount") == a.rpc("getblockcount"), 30, what="b to sync")
        alice = h.keygen()
        raw = b.cli("signtx", "--secret", miner["secret"], "--to", alice["address"], "--amount", "777",
                    "--fee", "1000", "--nonce", "0").stdout.strip()
        txid = b.rpc("sendrawtransaction", raw)
        wait_until(lambda: txid in a.rpc("getrawmempool"), 30, what="the transfer to cross the relay")
        a.rpc("generatetoaddress", 1, miner["address"])
        wait_until(lambda: b.rpc("getbestblockhash") == a.rpc("getbestblockhash"), 30, what="b at a's tip")
        # What the relay saw: plenty of bytes, none of them the transfer, the user agent or a
        # frame's magic.
        with relay.lock:
            seen = bytes(relay.recorded)
        assert len(seen) > 2_000, f"the relay saw only {len(seen)} bytes"
        assert bytes.fromhex(raw) not in seen, "the raw transfer crossed the relay in plaintext"
        assert bytes.fromhex(raw)[:40] not in seen, "part of the transfer crossed in plaintext"
        assert b"/finchd:" not in seen, "the user agent crossed the relay in plaintext"
        assert bytes.fromhex(txid)[::-1] not in seen and bytes.fromhex(txid) not in seen, "a txid crossed in plaintext"

        # One flipped byte: the record fails its MAC, that connection closes, the nodes
        # reconnect through the relay, and neither side bans the other.
        before = relay.connections
        relay.flip_one_byte()
        a.rpc("generatetoaddress", 1, miner["address"])  # traffic for the flip to land in
        wait_until(lambda: relay.flipped, 10, what="a byte to be flipped")
        wait_until(lambda: relay.connections > before, 30, what="b to reconnect after the tampering")
        wait_until(lambda: b.rpc("getbestblockhash") == a.rpc("getbestblockhash"), 30, what="b at a's tip again")
        assert_equal(a.rpc("listbanned"), [])
        assert_equal(b.rpc("listbanned"), [])
        tampered = a.log_text() + b.log_text()
        assert "misbehaved" not in tampered, "tampering in transit was held against a peer"
    finally:
        relay.close()
    return b


def test_pins(h, a):
    wrong = "ab" * 32
    c = h.add_node([f"--addnode={wrong}@127.0.0.1:{a.port}", "--listen=0"]).start()
    wait_until(lambda: "pin mismatch" in c.log_text(), 30, what="c to report the pin mismatch")
    stays(lambda: c.rpc("getconnectioncount") == 0, 2, "a pinned peer with the wrong identity was kept")
    # The pinned address is tried again (the impostor may be a man in the middle that leaves).
    wait_until(lambda: c.log_text().count("pin mismatch") >= 2, 30, what="c to retry the pinned address")
    assert_equal(a.rpc("listbanned"), [])
    # RPC addnode with the right pin: connected.
    c.rpc("addnode", f"{wrong}@127.0.0.1:{a.port}", "remove")
    c.rpc("addnode", f"{a.identity()}@127.0.0.1:{a.port}", "add")
    wait_until(lambda: a.identity() in peers_by_identity(c), 30, what="c to connect with the right pin")
    assert_equal(c.stop(), 0)


def test_peerallow(h, a, b):
    d = h.add_node([f"--peerallow={a.identity()}", f"--addnode=127.0.0.1:{b.port}"]).start()
    # Outbound to b (not allowed): dropped after the handshake, every retry.
    wait_until(lambda: "is not in --peerallow" in d.log_text(), 30, what="d to refuse b")
    # Inbound from b (not allowed): refused.
    b.rpc("addnode", f"127.0.0.1:{d.port}", "onetry")
    stays(lambda: d.rpc("getconnectioncount") == 0, 2, "d kept a connection outside --peerallow")
    # Inbound from a (allowed): kept.
    a.rpc("addnode", f"127.0.0.1:{d.port}", "onetry")
    wait_until(lambda: list(peers_by_identity(d)) == [a.identity()], 30, what="d to accept a")
    assert_equal(d.rpc("listbanned"), [])
    assert_equal(b.rpc("listbanned"), [])
    assert_equal(d.stop(), 0)
    # Malformed identities and peer names stop finchd at start with the flag named.
    for flag, expect in ((f"--peerallow={'z' * 64}", "--peerallow"),
                         (f"--connect={a.identity()}@", "--connect"),
                         ("--dhtbootstrap=nothost:1", "--dhtbootstrap"),
                         (f"--addnode=xyz@127.0.0.1:{a.port}", "--addnode")):
        bad = subprocess.run(d.args([flag]), capture_output=True, text=True, timeout=60)
        assert bad.returncode != 0 and expect in bad.stderr, (flag, bad.returncode, bad.stderr)


def test_plaintext_peers(a):
    before = a.rpc("getconnectioncount")
    old = RawPeer(a.port, "127.0.0.20", tls=False)  # an old node: today's frames, no TLS
    old.send(frame("version", version_payload(version=2)))
    assert old.closed_by_peer(15), "a plaintext peer was kept"
    junk = RawPeer(a.port, "127.0.0.21", tls=False)
    junk.send(b"\x16\x03\x01 this is not a client hello at all" * 8)
    assert junk.closed_by_peer(15), "garbage before the handshake was kept"
    banned = {b["address"] for b in a.rpc("listbanned")}
    assert not banned, f"transport errors led to bans: {banned}"
    # Still reachable from those addresses, over TLS.
    again = RawPeer(a.port, "127.0.0.20")
    again.handshake()
    assert again.is_open()
    assert_equal(again.peer_identity(), a.identity())
    again.close()
    wait_until(lambda: a.rpc("getconnectioncount") == before, 10, what="the raw peer to be gone")


def test_one_connection_per_identity(h):
    e = h.add_node([]).start()
    f = h.add_node([f"--addnode=127.0.0.1:{e.port}"]).start()
    e.rpc("addnode", f"127.0.0.1:{f.port}", "add")
    wait_until(lambda: f.identity() in peers_by_identity(e) and e.identity() in peers_by_identity(f), 30,
               what="e and f connected")
    # Both dial (addnode); each side holds exactly one proven connection to the other (a
    # second one may be seen while its handshake runs, never after).
    def proven(n):
        return [p for p in n.rpc("getpeerinfo") if p["identity"]]
    # While the two dials settle, the higher identity holds both until the lower closes one,
    # and a closed duplicate may still be listed for a moment; once settled, one each stays.
    wait_until(lambda: len(proven(e)) == 1 and len(proven(f)) == 1, 20, what="one connection each")
    stays(lambda: len(proven(e)) == 1 and len(proven(f)) == 1, 7, "two connections to one identity")
    wait_until(lambda: len(e.rpc("getpeerinfo")) == 1 and len(f.rpc("getpeerinfo")) == 1, 10,
               what="the duplicate to be gone")
    for n in (e, f):  # the lower closed the duplicate itself: the higher's fallback never ran
        assert "left two connections open" not in n.log_text(), n.log_text()[-2000:]
    for n in (e, f):
        assert_equal(n.stop(), 0)


def test(h):
    miner = h.keygen()
    # a learns b's listening address from b's version and would dial it directly after the
    # tampering, before b redials through the relay. --connect to a port that is bound but never
    # listens keeps a from dialling anything by itself (addnode onetry still works).
    dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    dead.bind(("127.0.0.1", 0))
    try:
        a = h.add_node([f"--connect=127.0.0.1:{dead.getsockname()[1]}"]).start()
        b = test_identities_secrecy_and_tampering(h, a, miner)
        test_pins(h, a)
        test_peerallow(h, a, b)
        test_plaintext_peers(a)
        test_one_connection_per_identity(h)
        for n in (a, b):
            assert_equal(n.stop(), 0)
    finally:
        dead.close()


if __name__ == "__main__":
    main(test)
