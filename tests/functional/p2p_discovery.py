#!/usr/bin/env python3
"""Discovery and connection management: a node that only knows one peer learns the others
through getaddr/addr and dials them; an addnode peer that drops is dialed again; the
address book survives a restart; --maxconnections limits inbound connections (8 of them
are kept for outbound)."""

import time

from framework import main, wait_until, assert_equal


def peer_ports(node):
    return {int(p["addr"].rsplit(":", 1)[1]) for p in node.rpc("getpeerinfo")}


def test(h):
    a = h.add_node().start()
    b = h.add_node([f"--addnode=127.0.0.1:{a.port}"]).start()
    wait_until(lambda: a.rpc("getconnectioncount") == 1, 30, what="b connected to a")

    # c knows only b; b has learned a's listening address from a's... b dialed a, so b's book
    # holds a. c asks b for addresses and dials a by itself.
    # (Or a finds c through the DHT and dials it first: either way they end up connected.)
    c = h.add_node([f"--addnode=127.0.0.1:{b.port}"]).start()
    a_id = a.rpc("getnetworkinfo")["identity"]
    wait_until(lambda: a_id in {p["identity"] for p in c.rpc("getpeerinfo")}, 60, what="c and a to find each other")

    # An addnode peer that goes away is dialed again when it comes back (b itself now only
    # dials a, so the connection must come from c).
    assert_equal(b.stop(), 0)
    wait_until(lambda: b.port not in peer_ports(c), 30, what="c to notice b is gone")
    b.extra_args = [f"--connect=127.0.0.1:{a.port}"]
    b.start()
    wait_until(lambda: b.port in peer_ports(c), 60, what="c to redial b")

    # The address book is persisted: restart c without --addnode, it still finds peers.
    assert_equal(c.stop(), 0)
    c.extra_args = []
    c.start()
    wait_until(lambda: c.rpc("getconnectioncount") >= 1, 60, what="c to reconnect from its address book")

    # --maxconnections caps connections, with 8 slots kept for outbound: d (10) accepts 2 inbound.
    d = h.add_node(["--maxconnections=10"]).start()
    dialers = [h.add_node([f"--connect=127.0.0.1:{d.port}"]).start() for _ in range(3)]
    wait_until(lambda: d.rpc("getconnectioncount") == 2, 30, what="d's first two peers")
    time.sleep(2)
    assert_equal(d.rpc("getconnectioncount"), 2)
    assert_equal(sum(x.rpc("getconnectioncount") for x in dialers), 2)
    for n in h.nodes:
        assert_equal(n.stop(), 0)


if __name__ == "__main__":
    main(test)
