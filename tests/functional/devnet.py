#!/usr/bin/env python3
"""scripts/devnet: `up 3` starts three connected regtest nodes and writes devnet.json in the
design's shape; the funded key pays a transfer that every node sees confirmed; `down` stops
exactly those processes and frees their ports and data. Ctrl-C (SIGINT) during `up` leaves
no process and no data behind; a second `up` on a running devnet is refused, and neither `up`
nor `down` removes a folder that is not a devnet's."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

from framework import main, wait_until, assert_equal

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEVNET = os.path.join(ROOT, "scripts", "devnet")


def env(h):
    return dict(os.environ, FINCHD=h.finchd, FINCH_CLI=h.finch_cli)


def devnet(h, *args, check=True, timeout=180):
    r = subprocess.run([sys.executable, DEVNET, *args], capture_output=True, text=True, timeout=timeout, env=env(h))
    if check and r.returncode != 0:
        raise AssertionError(f"devnet {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def port_free(port):
    """Nothing holds the port: a server could bind it again. SO_REUSEADDR, as servers use it,
    so that closed connections waiting in TIME_WAIT do not count."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def cli(h, node, *args):
    cmd = [h.finch_cli, "--network=regtest", f"--rpcport={node['rpcport']}", f"--rpcuser={node['rpcuser']}",
           f"--rpcpassword={node['rpcpassword']}", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"finch-cli {' '.join(args)}: {r.stderr}"
    return r.stdout.strip()


def rpc_json(h, node, *args):
    return json.loads(cli(h, node, *args))


def test_up_transfer_down(h):
    directory = os.path.join(h.tmpdir, "devnet")
    r = devnet(h, "up", "3", "--dir", directory)
    with open(os.path.join(directory, "devnet.json")) as f:
        net = json.load(f)
    assert_equal(sorted(net), ["funded", "nodes"])
    assert_equal(sorted(net["funded"]), ["address", "secret"])
    assert_equal(len(net["nodes"]), 3)
    for i, node in enumerate(net["nodes"]):
        assert_equal(sorted(node), ["datadir", "identity", "port", "rpcpassword", "rpcport", "rpcuser"])
        assert f"http://127.0.0.1:{node['rpcport']}/" in r.stdout, r.stdout  # the endpoints are printed
        assert f"{node['identity']}@127.0.0.1:{node['port']}" in r.stdout, r.stdout
        assert_equal(node["datadir"], os.path.join(directory, f"node{i}"))
        # connected to both others when `up` returned
        peers = {p["identity"] for p in rpc_json(h, node, "getpeerinfo")}
        assert {n["identity"] for n in net["nodes"] if n is not node} <= peers, (i, peers)
    pids = [e["pid"] for e in json.load(open(os.path.join(directory, "devnet.pids")))]
    assert_equal(len(pids), 3)
    assert all(alive(p) for p in pids)

    again = devnet(h, "up", "2", "--dir", directory, check=False)
    assert again.returncode != 0 and "already running" in again.stderr, again.stderr
    assert all(alive(p) for p in pids), "a refused `up` touched the running devnet"

    # The funded key pays a fresh key through node 1; node 2 mines; node 0 sees it confirmed.
    key = h.keygen()
    funded = net["funded"]
    txid = cli(h, net["nodes"][1], "send", "--secret", funded["secret"], "--to", key["address"], "--amount", "123456")
    wait_until(lambda: txid in rpc_json(h, net["nodes"][2], "getrawmempool"), 30, what="the transfer relayed")
    cli(h, net["nodes"][2], "generatetoaddress", "1", key["address"])
    wait_until(lambda: rpc_json(h, net["nodes"][0], "gettransaction", txid).get("confirmations", 0) >= 1, 30,
               what="the transfer confirmed on node 0")
    assert rpc_json(h, net["nodes"][0], "getaccount", key["address"])["balance"] >= 123456

    ports = [p for n in net["nodes"] for p in (n["port"], n["rpcport"])]
    r = devnet(h, "down", "--dir", directory)
    assert "stopped 3 nodes" in r.stderr, r.stderr
    assert not any(alive(p) for p in pids), "a node survived `devnet down`"
    assert not os.path.exists(directory), "devnet down left its data"
    wait_until(lambda: all(port_free(p) for p in ports), 10, what="the devnet's ports to be free")


def test_ctrl_c_cleans_up(h):
    directory = os.path.join(h.tmpdir, "interrupted")
    pids_file = os.path.join(directory, "devnet.pids")
    proc = subprocess.Popen([sys.executable, DEVNET, "up", "3", "--dir", directory], env=env(h),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = []

    def some_node_started():
        with open(pids_file) as f:
            started[:] = [e["pid"] for e in json.load(f)]
        return len(started) >= 1

    wait_until(some_node_started, 60, what="`devnet up` to start a node")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, out
    assert "interrupted" in err, err
    assert started and not any(alive(p) for p in started), "Ctrl-C during `up` left a node running"
    assert not os.path.exists(directory), "Ctrl-C during `up` left its data"


def test_down_of_nothing(h):
    r = devnet(h, "down", "--dir", os.path.join(h.tmpdir, "never-up"))
    assert "stopped 0 nodes" in r.stderr, r.stderr
    plain = os.path.join(h.tmpdir, "not-a-devnet")
    os.makedirs(plain)
    with open(os.path.join(plain, "keep.txt"), "w") as f:
        f.write("not a devnet's\n")
    r = devnet(h, "down", "--dir", plain, check=False)
    assert r.returncode != 0 and os.path.isdir(plain), "devnet down removed a folder it did not create"
    r = devnet(h, "up", "1", "--dir", plain, check=False)
    assert r.returncode != 0 and "is not a devnet directory" in r.stderr, r.stderr
    assert os.path.exists(os.path.join(plain, "keep.txt")), "devnet up replaced a folder it did not create"


def test(h):
    test_up_transfer_down(h)
    test_ctrl_c_cleans_up(h)
    test_down_of_nothing(h)


if __name__ == "__main__":
    main(test)
