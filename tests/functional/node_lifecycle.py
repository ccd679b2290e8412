#!/usr/bin/env python3
"""finchd as an operator runs it: SIGTERM exits 0 and removes the cookie; a second finchd on
the same data dir is refused; bad options and a busy port are one clear error and a non-zero
exit; a node killed with SIGKILL while mining and receiving transactions restarts at a block
boundary with the state digest of a fresh node that imports the same blocks."""

import os
import socket
import subprocess
import time

from framework import main, wait_until, assert_equal


def run_finchd(h, args, timeout=20):
    return subprocess.run([h.finchd, *args], capture_output=True, text=True, timeout=timeout)


def test_bad_options(h):
    r = run_finchd(h, ["--no-such-option"])
    assert r.returncode != 0 and "no-such-option" in r.stderr, r
    assert_equal(len(r.stderr.strip().splitlines()), 1)
    r = run_finchd(h, ["--network=moon"])
    assert r.returncode != 0 and "moon" in r.stderr, r
    r = run_finchd(h, ["--rpcport=99999"])
    assert r.returncode != 0 and "rpcport" in r.stderr, r
    r = run_finchd(h, ["--mine"])
    assert r.returncode != 0 and "miner-address" in r.stderr, r
    r = run_finchd(h, ["--help"])
    assert r.returncode == 0 and "--datadir" in r.stdout
    r = run_finchd(h, ["--version"])
    assert r.returncode == 0 and "finchd" in r.stdout


def test_busy_port(h):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        busy = s.getsockname()[1]
        d = os.path.join(h.tmpdir, "busy")
        r = run_finchd(h, [f"--datadir={d}", "--network=regtest", f"--rpcport={busy}"])
        assert r.returncode != 0, r
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_config_file(h):
    node = h.add_node()
    os.makedirs(node.datadir, exist_ok=True)
    with open(os.path.join(node.datadir, "finch.conf"), "w") as f:
        f.write("# comment\nnetwork=regtest\nrpcport=1\n")
    # The flag wins over the file's rpcport.
    node.start()
    assert_equal(node.rpc("getblockchaininfo")["chain"], "regtest")
    assert_equal(node.stop(), 0)


def test_sigterm_and_lock(h):
    node = h.add_node().start()
    assert os.path.exists(node.cookie_path)
    mode = os.stat(node.cookie_path).st_mode & 0o777
    assert_equal(mode, 0o600)
    second = run_finchd(h, node.args([f"--rpcport={node.rpcport + 1}"])[1:])
    assert second.returncode != 0 and "already running" in second.stderr, second
    start = time.monotonic()
    assert_equal(node.stop(), 0)
    assert time.monotonic() - start < 30  # a clean stop, not the harness's SIGKILL at 60 s
    assert not os.path.exists(node.cookie_path), "cookie left behind"


def test_sigkill_restart(h):
    miner, user = h.keygen(), h.keygen()
    node = h.add_node(["--mine", f"--miner-address={miner['address']}"]).start()
    wait_until(lambda: node.height() >= 2, 60, what="mined blocks")
    for nonce in range(3):
        raw = node.cli("signtx", "--secret", miner["secret"], "--to", user["address"], "--amount",
                       str(10 + nonce), "--fee", "1000", "--nonce", str(nonce)).stdout.strip()
        node.rpc("sendrawtransaction", raw)
    time.sleep(1.5)
    node.kill()
    node.extra_args = []  # restart without mining so the state holds still for the comparison
    node.start()
    tip = node.rpc("getstatehash")
    height = tip["height"]
    assert_equal(node.rpc("getbestblockhash"), tip["bestblockhash"])

    fresh = h.add_node().start()
    for hgt in range(1, height + 1):
        block_hex = node.rpc("getblock", node.rpc("getblockhash", hgt), 0)
        assert_equal(fresh.rpc("submitblock", block_hex), None)
    assert_equal(fresh.rpc("getstatehash"), tip)
    assert_equal(node.stop(), 0)
    assert_equal(fresh.stop(), 0)


def test_corrupt_ledger(h):
    node = h.add_node().start()
    assert_equal(node.stop(), 0)
    ledger = os.path.join(node.network_dir, "ledger")
    with open(os.path.join(ledger, "CURRENT"), "w") as f:
        f.write("garbage\n")
    r = run_finchd(h, node.args()[1:])
    assert r.returncode == 1, r
    assert "ledger" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    # Another network's ledger in this folder is refused by name.
    other = h.add_node().start()
    assert_equal(other.stop(), 0)
    os.rename(os.path.join(other.datadir, "regtest"), os.path.join(other.datadir, "test"))
    r = run_finchd(h, [f"--datadir={other.datadir}", "--network=test", f"--rpcport={other.rpcport}",
                       "--listen=0"])
    assert r.returncode == 1 and "regtest" in r.stderr, r


def test(h):
    test_bad_options(h)
    test_corrupt_ledger(h)
    test_busy_port(h)
    test_config_file(h)
    test_sigterm_and_lock(h)
    test_sigkill_restart(h)


if __name__ == "__main__":
    main(test)
