#!/usr/bin/env python3
"""Handshake deadlines (docs/protocol.md "Limits per connection"), checked by the reason the
node logs, not by a clock:
  - a TCP connection that never starts TLS is closed by the 10 s TLS handshake deadline;
  - a TLS peer that sends its version late and never its verack is closed by the version
    handshake's deadline, counted from when it proved its identity (the read deadline alone
    restarts at every frame, so it would have waited 10 s more after the version);
  - neither is held against the address: a transport or timing fault is not misbehaviour."""

import socket
import time

from framework import main, wait_until
from p2p_raw import RawPeer, discouraged, frame, version_payload


def test(h):
    node = h.add_node(["--debug=net"]).start()

    silent = socket.create_connection(("127.0.0.1", node.port), timeout=30, source_address=("127.0.0.11", 0))
    late = RawPeer(node.port, "127.0.0.12", timeout=30)
    assert not late.refused
    time.sleep(6)  # pacing: the version comes 6 s after the identity was proven
    late.send(frame("version", version_payload()))

    def closed(sock):
        sock.settimeout(30)
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass
        return True

    assert closed(silent)
    assert late.closed_by_peer(30), "a peer that never sent verack was kept"
    # The reason is logged just after the socket closes.
    for reason in ("TLS handshake deadline passed", "version handshake deadline passed"):
        wait_until(lambda: reason in node.log_text(), 10, what=f"'{reason}' in the log")
    assert "read deadline passed" not in node.log_text(), "the version handshake waited for the per-frame deadline"
    for ip in ("127.0.0.11", "127.0.0.12"):
        assert not discouraged(node, ip), f"{ip} was discouraged for a deadline"
    assert node.rpc("listbanned") == []
    wait_until(lambda: node.rpc("getconnectioncount") == 0, 10, what="the probes to be gone")
    silent.close()


if __name__ == "__main__":
    main(test)
