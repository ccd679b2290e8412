#!/usr/bin/env python3
"""Running finchd under systemd and across restarts: a fake NOTIFY_SOCKET (a path, then an
abstract @name) receives READY=1 only once RPC answers, a STATUS= line with the height and the
peers after a new tip, and STOPPING=1 at shutdown; a bad NOTIFY_SOCKET is logged and harmless.
The mempool survives a clean restart through mempool.dat; --persistmempool=0 neither writes
nor reads it; a corrupt, truncated or foreign mempool.dat is reported in the log and skipped."""

import os
import signal
import socket

from framework import main, wait_until, assert_equal, read_text




class FakeSystemd:
    """A unix datagram socket standing in for systemd's notification socket."""

    def __init__(self, address):
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.messages = []

    def next_message(self, timeout=30):
        self.sock.settimeout(timeout)
        message = self.sock.recv(4096).decode()
        self.messages.append(message)
        return message

    def wait_for(self, prefix, timeout=30):
        """The next message that starts with `prefix`, skipping others (STATUS lines)."""
        while True:
            message = self.next_message(timeout)
            if message.startswith(prefix):
                return message

    def close(self):
        self.sock.close()


def start_notified(node, address):
    """Starts finchd with NOTIFY_SOCKET set, without waiting for RPC: READY=1 must say when."""
    old = os.environ.get("NOTIFY_SOCKET")
    os.environ["NOTIFY_SOCKET"] = address
    try:
        node.start(wait=False)
    finally:
        if old is None:
            del os.environ["NOTIFY_SOCKET"]
        else:
            os.environ["NOTIFY_SOCKET"] = old


def test_notify(h, node, address, miner):
    systemd = FakeSystemd(address)
    try:
        start_notified(node, address)
        ready = systemd.wait_for("READY=1")
        # READY=1 came only once the RPC server answers: the very first call succeeds.
        assert_equal(node.rpc("getblockcount"), node.rpc("getblockcount"))
        assert "STATUS=height " in ready and " peers" in ready, ready
        height = node.rpc("getblockcount")
        node.rpc("generatetoaddress", 1, miner["address"])
        # The next STATUS lines lead to the new height (one sent just before the block, under
        # load, may still show the old one).
        expected = f"STATUS=height {height + 1}, 0 peers (0 in, 0 out)"
        status = systemd.wait_for("STATUS=", 10)
        for _ in range(5):
            if status == expected:
                break
            status = systemd.wait_for("STATUS=", 10)
        assert_equal(status, expected)
        assert f"sd_notify to {address}: READY=1 sent" in read_text(node.debug_log_path)
        node.process.send_signal(signal.SIGTERM)
        stopping = systemd.wait_for("STOPPING=1", 20)
        assert_equal(stopping, "STOPPING=1\nSTATUS=shutting down")
        assert_equal(node.process.wait(timeout=20), 0)
        node.process = None
    finally:
        systemd.close()


def test_sd_notify(h):
    miner = h.keygen()
    node = h.add_node()
    test_notify(h, node, os.path.join(h.tmpdir, "notify.sock"), miner)
    test_notify(h, node, f"@finch-notify-{os.getpid()}", miner)
    # Nobody listening, or an address finchd cannot use: logged, and the node runs on.
    start_notified(node, "relative/notify.sock")
    node.wait_for_rpc()  # the fault is logged just after RPC starts: wait for the line, do not race it
    fault = "sd_notify to relative/notify.sock: NOTIFY_SOCKET is neither an absolute path nor @name"
    wait_until(lambda: fault in read_text(node.debug_log_path), 30, what="the sd_notify fault in the log")
    assert_equal(node.stop(), 0)


def mempool_file(node):
    return os.path.join(node.network_dir, "mempool.dat")


def restart(node, extra=()):
    assert_equal(node.stop(), 0)
    node.start(extra)


def test_mempool_persists(h):
    miner, alice = h.keygen(), h.keygen()
    node = h.add_node().start()
    node.rpc("generatetoaddress", 2, miner["address"])
    txids = [node.cli("send", "--secret", miner["secret"], "--to", alice["address"],
                      "--amount", str(5000 + n)).stdout.strip() for n in range(3)]
    assert_equal(sorted(node.rpc("getrawmempool")), sorted(txids))

    restart(node)
    assert os.path.exists(mempool_file(node)), "no mempool.dat after a clean shutdown"
    assert "mempool.dat: saved 3 transactions" in read_text(node.debug_log_path)
    assert "mempool.dat: 3 of 3 transactions loaded, 0 no longer valid, 0 expired" in read_text(node.debug_log_path)
    assert_equal(sorted(node.rpc("getrawmempool")), sorted(txids))
    # They are still valid transfers: a block confirms them.
    node.rpc("generatetoaddress", 1, miner["address"])
    assert_equal(node.rpc("getrawmempool"), [])
    assert_equal(node.rpc("getaccount", alice["address"])["balance"], 3 * 5000 + 0 + 1 + 2)

    # --persistmempool=0 neither loads the file nor writes it at shutdown.
    txid = node.cli("send", "--secret", miner["secret"], "--to", alice["address"], "--amount", "1").stdout.strip()
    restart(node, ["--persistmempool=0"])  # the run that stops here (=1) saves the one transfer
    with open(mempool_file(node), "rb") as f:
        saved = f.read()
    assert_equal(node.rpc("getrawmempool"), [])
    restart(node)
    with open(mempool_file(node), "rb") as f:
        assert_equal(f.read(), saved, "the --persistmempool=0 run changed mempool.dat")
    assert_equal(node.rpc("getrawmempool"), [txid])
    assert_equal(node.stop(), 0)
    return node, miner


def expect_skipped(node, contents, reason):
    with open(mempool_file(node), "wb") as f:
        f.write(contents)
    node.start()
    wait_until(lambda: f"mempool.dat skipped ({reason})" in read_text(node.debug_log_path), 10,
               what=f"the log line for a {reason} mempool.dat")
    assert_equal(node.rpc("getrawmempool"), [])
    assert_equal(node.stop(), 0)


def test_bad_files(node):
    with open(mempool_file(node), "rb") as f:
        good = f.read()
    expect_skipped(node, good[:len(good) - 40], "truncated")
    expect_skipped(node, b"not a mempool at all, just some text that is long enough\n", "not a mempool file")
    flipped = bytearray(good)
    flipped[30] ^= 1
    expect_skipped(node, bytes(flipped), "bad checksum")
    foreign = bytearray(good)
    foreign[12:16] = b"\xf9\xbe\xb4\xd9"  # another network's magic
    expect_skipped(node, bytes(foreign), "another network's file")


def test(h):
    test_sd_notify(h)
    node, _ = test_mempool_persists(h)
    test_bad_files(node)


if __name__ == "__main__":
    main(test)
