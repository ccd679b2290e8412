#!/usr/bin/env python3
"""scripts/netlab at CI size (docs/network.md): 10 nodes in network namespaces on the wire with
20-60 ms links, bootstrapped through the DHT from one seed.
  up:          every node has outbound peers and the lab's 10 namespaces + control exist;
  propagation: a 1,000-transfer block the others hold reaches all 9 as a compact block rebuilt
               without a round trip, its figures printed (times are printed, never asserted);
  partition:   two halves mine apart, heal with no new block: one chain, no transfer lost;
  down:        after `up` is killed with SIGKILL half-way, `down` still removes every
               namespace, process and file it made; a folder without the lab's marker is
               left alone.
Skips with a clear message when it cannot make namespaces and TUN devices (not root)."""

import json
import os
import signal
import subprocess
import sys
import time

from framework import main, assert_equal

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NETLAB = os.path.join(ROOT, "scripts", "netlab")


def skip_reason():
    if sys.platform != "linux":
        return "needs Linux network namespaces"
    if os.geteuid() != 0:
        return "needs root to create network namespaces and TUN devices"
    if not os.path.exists("/dev/net/tun"):
        return "needs /dev/net/tun"
    probe = f"finchtunprobe{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return "cannot create a network namespace here"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def namespaces(prefix):
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix + "-")]


def netlab(env, prefix, directory, *args, timeout=240):
    r = subprocess.run([sys.executable, NETLAB, "--prefix", prefix, "--dir", directory, *args], env=env,
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"netlab {' '.join(args)} failed ({r.returncode}): {r.stderr[-12000:]}")
    print(r.stderr.strip())
    last = r.stdout.strip().splitlines()[-1]
    print(last)
    return json.loads(last)


def test(h):
    reason = skip_reason()
    if reason:
        print(f"netlab.py: skipped: {reason}")
        return
    bindir = os.path.dirname(h.finchd)
    env = dict(os.environ, FINCHD=h.finchd, FINCH_CLI=h.finch_cli, MAKE_CHAIN=os.path.join(bindir, "make_chain"))
    prefix = f"fnlci{os.getpid() % 100000}"
    directory = os.path.join(h.tmpdir, "lab")
    try:
        up = netlab(env, prefix, directory, "up", "10", "--latency-ms", "20-60")
        assert_equal(up["up"], 10)
        # Eight peers each, one of them outbound, except that a node holding all nine needs no
        # outbound peer (the last to start can be dialled by everyone first).
        assert up["peers_min"] >= 8, up
        assert_equal(up["short"], 0)
        assert_equal(len(namespaces(prefix)), 11)  # ten nodes and the control namespace

        prop = netlab(env, prefix, directory, "run", "propagation")
        assert_equal(prop["transfers"], 1000)
        assert_equal(prop["compact_received"], 9)
        assert_equal(prop["rebuilt_without_round_trip"], 9)
        assert_equal(prop["full_blocks"], 0)
        assert prop["bytes_per_node"] < prop["block_bytes"] / 4, prop  # short ids, not the block

        part = netlab(env, prefix, directory, "run", "partition")
        assert_equal(part["lost"], 0)
        assert_equal(part["mined_twice"], 0)
        assert part["one_chain"], part
        assert part["accepted"] >= 100, part
        assert part["on_losing_branch"] > 0, part  # some transfers had to come back from a lost branch

        gone = netlab(env, prefix, directory, "down")
        assert_equal(gone["namespaces"], 11)
        assert_equal(namespaces(prefix), [])
        assert not os.path.exists(directory), "down left its directory"
    finally:
        subprocess.run([sys.executable, NETLAB, "--prefix", prefix, "--dir", directory, "down"], env=env,
                       capture_output=True, timeout=120)

    # `down` removes only a folder a lab made: one without the lab's marker stays.
    stranger = os.path.join(h.tmpdir, "not-a-lab")
    os.makedirs(stranger)
    open(os.path.join(stranger, "keep.txt"), "w").close()
    netlab(env, prefix, stranger, "down")
    assert os.path.exists(os.path.join(stranger, "keep.txt")), "down removed a folder that is not a lab"

    # A crash in the middle of `up`: SIGKILL once some nodes run, then `down` cleans up anyway.
    crashed = subprocess.Popen([sys.executable, NETLAB, "--prefix", prefix, "--dir", directory, "up", "6"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(namespaces(prefix)) < 4 and time.monotonic() < deadline and crashed.poll() is None:
        time.sleep(0.1)
    os.killpg(crashed.pid, signal.SIGKILL)
    crashed.wait()
    assert len(namespaces(prefix)) >= 4, "up never got as far as the namespaces"
    with open(os.path.join(directory, "state.json")) as f:
        pids = [n["pid"] for n in json.load(f)["nodes"] if n.get("pid")]
    gone = netlab(env, prefix, directory, "down")
    assert_equal(namespaces(prefix), [])
    assert not os.path.exists(directory), "down left its directory after a crash"
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z", \
            f"finchd {pid} survived down"
    print(f"netlab.py: down after a crash removed {gone['namespaces']} namespaces, {gone['processes']} processes")


if __name__ == "__main__":
    main(test)
