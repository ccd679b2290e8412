#!/usr/bin/env python3
"""finchd as a bitcoind operator runs it: logrotate's SIGHUP reopens debug.log; SIGPIPE, SIGUSR1
and SIGUSR2 are logged and ignored; SIGTERM, SIGINT and SIGQUIT stop it cleanly; a finch.conf
with regtest=1 and a [regtest] section; bitcoind's flag spellings; --daemon with --pid."""

import os
import signal
import socket
import subprocess

from framework import main, wait_until, assert_equal, read_text




def alive(pid):
    """True while the process exists and is not a zombie (its parent may not reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def run_finchd(h, args, timeout=30):
    return subprocess.run([h.finchd, *args], capture_output=True, text=True, timeout=timeout)


def start_with(node, args):
    """Starts finchd with exactly these arguments (no --network or port flags added)."""
    with open(node.log_path, "ab") as out:
        node.process = subprocess.Popen([node.harness.finchd, *args], stdout=out, stderr=subprocess.STDOUT)
    node.wait_for_rpc()
    return node


def stop_with(node, sig, timeout=20):
    node.process.send_signal(sig)
    try:
        code = node.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        node.kill()
        raise AssertionError(f"finchd did not stop on {sig.name} within {timeout}s")
    node.process = None
    assert_equal(code, 0, f"exit code after {sig.name}")
    assert not os.path.exists(node.cookie_path), f"cookie left behind after {sig.name}"
    assert f"received {sig.name}, shutting down" in read_text(node.debug_log_path)
    assert "shutdown: done" in read_text(node.debug_log_path)


def test_sighup_reopens_log(node):
    """Returns the path of the moved-away log; later lines must not go there."""
    log = node.debug_log_path
    rotated = log + ".1"
    os.rename(log, rotated)  # what logrotate does before it sends SIGHUP
    node.process.send_signal(signal.SIGHUP)
    wait_until(lambda: "received SIGHUP, reopened debug.log" in read_text(log), 10, what="a new debug.log")
    assert "SIGHUP" not in read_text(rotated), "the moved file got lines after SIGHUP"
    assert node.process.poll() is None
    # Later lines go to the new file too: a new tip's line.
    new_tip_lines = read_text(rotated).count("chain: new tip")
    node.rpc("generatetoaddress", 1, node.harness.keygen()["address"])
    wait_until(lambda: "chain: new tip" in read_text(log), 10, what="a new tip line in the new debug.log")
    assert_equal(read_text(rotated).count("chain: new tip"), new_tip_lines, "a new tip line went to the moved file")
    assert_equal(node.rpc("getblockchaininfo")["chain"], "regtest")
    node.process.send_signal(signal.SIGHUP)  # a second SIGHUP without a move keeps appending
    wait_until(lambda: read_text(log).count("reopened debug.log") == 2, 10, what="a second reopen")
    return rotated


def test_ignored_signals(node):
    for sig in (signal.SIGPIPE, signal.SIGUSR1, signal.SIGUSR2):
        node.process.send_signal(sig)
        wait_until(lambda: f"received {sig.name}, ignored" in read_text(node.debug_log_path), 10,
                   what=f"the log line for {sig.name}")
        assert node.process.poll() is None, f"finchd ended on {sig.name}"
        node.rpc("getblockcount")


def test_signals(h):
    node = h.add_node().start()
    pid_file = os.path.join(node.network_dir, "finchd.pid")
    assert_equal(int(read_text(pid_file)), node.process.pid)
    rotated = test_sighup_reopens_log(node)
    rotated_text = read_text(rotated)
    test_ignored_signals(node)
    stop_with(node, signal.SIGTERM)
    assert not os.path.exists(pid_file), "pid file left behind"
    assert_equal(read_text(rotated), rotated_text, "the moved-away log changed after SIGHUP")
    for line in ("received SIGUSR1, ignored", "shutdown: done"):
        assert line in read_text(node.debug_log_path), line


def test_conf_sections(h):
    node = h.add_node()
    with open(os.path.join(node.datadir, "finch.conf"), "w") as f:
        f.write("# bitcoin.conf style: the network from regtest=1, the ports from [regtest]\n"
                "regtest=1\nrpcport=1\nport=2\n"
                "[main]\nrpcport=3\n"
                "[test]\nport=4\n"
                f"[regtest]\nport={node.port}\nrpcport={node.rpcport}\nbind=127.0.0.1\n")
    start_with(node, [f"-datadir={node.datadir}"])
    assert_equal(node.rpc("getblockchaininfo")["chain"], "regtest")
    with socket.create_connection(("127.0.0.1", node.port), timeout=5):
        pass  # the p2p port from the section is listening
    stop_with(node, signal.SIGQUIT)


def test_flag_spellings(h):
    node = h.add_node()
    start_with(node, ["-regtest", f"-datadir={node.datadir}", f"-port={node.port}",
                      f"-rpcport={node.rpcport}", "-bind=127.0.0.1"])
    assert_equal(node.rpc("getblockchaininfo")["chain"], "regtest")
    stop_with(node, signal.SIGINT)
    for flag in ("-h", "-?", "--help", "-help"):
        r = run_finchd(h, [flag])
        assert r.returncode == 0 and "--datadir" in r.stdout, (flag, r)
    for flag in ("-version", "--version"):
        r = run_finchd(h, [flag])
        assert r.returncode == 0 and r.stdout.startswith("finchd "), (flag, r)
    r = run_finchd(h, ["-regtest", "--testnet"])
    assert r.returncode == 1 and "conflicting" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r
    conf = os.path.join(h.tmpdir, "bad.conf")
    with open(conf, "w") as f:
        f.write("regtest=1\n\n[regtest]\nfoo=1\n")
    r = run_finchd(h, [f"-conf={conf}"])
    assert r.returncode == 1 and f"{conf}:4: unknown key 'foo'" in r.stderr, r


def test_daemon(h, daemons):
    node = h.add_node()
    pid_file = os.path.join(h.tmpdir, "daemon.pid")
    out_path = os.path.join(node.datadir, "daemon.out")
    with open(out_path, "wb") as out:
        parent = subprocess.Popen(node.args(["--daemon", f"--pid={pid_file}", "--printtoconsole"]),
                                  stdout=out, stderr=subprocess.STDOUT)
        assert_equal(parent.wait(timeout=60), 0, read_text(out_path))
    pid = int(read_text(pid_file))
    daemons.append(pid)
    assert pid != parent.pid and alive(pid), pid
    # The parent returned only once the node was up: RPC answers at once.
    assert_equal(node.rpc("getblockchaininfo")["chain"], "regtest")
    assert_equal(read_text(out_path), "finchd starting\n")  # the log went to debug.log, not the terminal
    # A second daemon on the same data directory fails in the foreground, leaving the pid file alone.
    second = run_finchd(h, node.args(["--daemon", f"--pid={pid_file}", f"--rpcport={node.rpcport + 1}"])[1:])
    assert second.returncode == 1 and "already running" in second.stderr, second
    assert_equal(int(read_text(pid_file)), pid)
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not alive(pid), 20, what="the daemon to exit")
    assert not os.path.exists(pid_file), "pid file left behind"
    assert not os.path.exists(node.cookie_path), "cookie left behind"
    assert "shutdown: done" in read_text(node.debug_log_path)


def test(h):
    daemons = []
    try:
        test_signals(h)
        test_conf_sections(h)
        test_flag_spellings(h)
        test_daemon(h, daemons)
    finally:
        for pid in daemons:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    main(test)
