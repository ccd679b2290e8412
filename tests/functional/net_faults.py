#!/usr/bin/env python3
"""Network faults in network namespaces (Linux, root): each finchd runs in a namespace of its
own with its own address on a bridge, so faults are real packet drops, not stopped processes.
  partition: iptables DROP between two halves while both mine and take transfers, then heal
             with no new block: every node ends on the most-work branch (the one the lagging
             half never saw being extended) and every accepted transfer is mined exactly once;
  loss:      5% random packet loss on every node (iptables statistic) while blocks and
             transfers flow; once it stops, one chain and every transfer mined exactly once.
Prints the figures (accepted vs mined, time to converge after heal) as one JSON line.
Skips with a clear message when namespaces or iptables are not available (not root)."""

import json
import os
import random
import shutil
import subprocess
import sys
import time

from framework import main, wait_until, assert_equal, Node

SUBNET = "10.77.{}.{}"


def run(*cmd, check=True):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=30, check=check)


def skip_reason():
    if sys.platform != "linux":
        return "needs Linux network namespaces"
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for tool in ("ip", "iptables"):
        if not shutil.which(tool):
            return f"needs {tool} (scripts/install-deps.sh installs it)"
    probe = f"finchprobe{os.getpid()}"
    if run("ip", "netns", "add", probe, check=False).returncode != 0:
        return "cannot create a network namespace here"
    try:
        r = run("ip", "netns", "exec", probe, "iptables", "-A", "INPUT", "-m", "statistic", "--mode", "random",
                "--probability", "0.05", "-j", "DROP", check=False)
        if r.returncode != 0:
            return "iptables cannot filter in a namespace here: " + r.stderr.strip()
    finally:
        run("ip", "netns", "del", probe, check=False)
    return None


class Lab:
    """A bridge in a hub namespace; per node a namespace and a veth into the bridge; the test's
    own namespace joins the bridge too (address .254) to reach every node's RPC."""

    def __init__(self, tag):
        self.tag = tag
        self.octet = 100 + os.getpid() % 100
        self.hub = f"fhub{tag}"
        self.namespaces = []
        self.host_link = f"fh{tag}"
        run("ip", "netns", "add", self.hub)
        run("ip", "netns", "exec", self.hub, "ip", "link", "add", "br0", "type", "bridge")
        run("ip", "netns", "exec", self.hub, "ip", "link", "set", "br0", "up")
        run("ip", "link", "add", self.host_link, "type", "veth", "peer", "name", "up0", "netns", self.hub)
        self.attach("up0")
        run("ip", "addr", "add", f"{self.address(254)}/24", "dev", self.host_link)
        run("ip", "link", "set", self.host_link, "up")

    def address(self, i):
        return SUBNET.format(self.octet, i)

    def attach(self, link):
        run("ip", "netns", "exec", self.hub, "ip", "link", "set", link, "master", "br0")
        run("ip", "netns", "exec", self.hub, "ip", "link", "set", link, "up")

    def add_namespace(self, i):
        ns = f"fn{self.tag}x{i}"
        run("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", f"p{i}", "netns", self.hub)
        self.attach(f"p{i}")
        run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{self.address(i + 1)}/24", "dev", "eth0")
        run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up")
        run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        return ns

    def iptables(self, ns, *rule):
        run("ip", "netns", "exec", ns, "iptables", *rule)

    def cleanup(self):
        run("ip", "link", "del", self.host_link, check=False)
        for ns in self.namespaces + [self.hub]:
            run("ip", "netns", "del", ns, check=False)


class NsNode(Node):
    def __init__(self, harness, index, lab, extra_args=()):
        super().__init__(harness, index, extra_args)
        self.ns = lab.add_namespace(index)
        self.host = lab.address(index + 1)
        self.port, self.rpcport = 19444, 19443  # a namespace of its own: no other user of the ports

    def args(self, extra=()):
        return ["ip", "netns", "exec", self.ns, self.harness.finchd, f"--datadir={self.datadir}", "--network=regtest",
                f"--port={self.port}", f"--rpcport={self.rpcport}", f"--bind={self.host}", f"--rpcbind={self.host}",
                "--printtoconsole=0", *self.extra_args, *extra]

    def endpoint(self):
        return f"{self.host}:{self.port}"


def start_mesh(h, lab, count):
    nodes = []
    for _ in range(count):
        nodes.append(NsNode(h, len(h.nodes), lab))
        h.nodes.append(nodes[-1])
    for i, n in enumerate(nodes):
        n.extra_args = [f"--addnode={m.endpoint()}" for m in nodes[:i]]
        n.start()
    for n in nodes:
        wait_until(lambda: n.rpc("getconnectioncount") >= count - 1, 60, what=f"node{n.index} connected to all")
    return nodes


def same_tip(nodes):
    tips = {n.rpc("getbestblockhash") for n in nodes}
    return len(tips) == 1


def send(node, payer, to, nonce):
    raw = node.cli("signtx", "--secret", payer["secret"], "--to", to, "--amount", "1", "--fee", "1000",
                   "--nonce", str(nonce)).stdout.strip()
    return node.rpc("sendrawtransaction", raw)


def mined_exactly_once(nodes, miner_node, miner, accepted):
    """Mines until every mempool is empty, then counts each accepted txid in the chain. Each
    round mines on a node that still holds transfers: an announcement lost with a connection is
    never repeated, so a transfer need not reach any one miner."""
    for _ in range(20):
        waiting = [n for n in nodes if n.rpc("getrawmempool")]
        if not waiting:
            break
        waiting[0].rpc("generatetoaddress", 1, miner["address"])
        wait_until(lambda: same_tip(nodes), 60, what="the nodes to agree after mining")
        time.sleep(0.5)  # transfers still relaying reach the miner
    counts = {}
    for hgt in range(1, miner_node.height() + 1):
        block = miner_node.rpc("getblock", miner_node.rpc("getblockhash", hgt), 1)
        for txid in block["tx"][1:]:
            counts[txid] = counts.get(txid, 0) + 1
    missing = [t for t in accepted if counts.get(t, 0) == 0]
    twice = [t for t, c in counts.items() if c > 1]
    if missing:
        where = {n.index: [t[:8] for t in missing if t in set(n.rpc("getrawmempool"))] for n in nodes}
        raise AssertionError(f"{len(missing)} accepted transfers never mined: {missing[:3]}; in mempools: {where}")
    assert not twice, f"mined twice: {twice[:3]}"
    return len([t for t in accepted if counts.get(t) == 1])


def partition_and_heal(h, lab, nodes, rng):
    left, right = nodes[:2], nodes[2:]
    keys = [h.keygen() for _ in range(3)]
    miner, payer_left, payer_right = keys
    # Fund both payers before the split.
    nodes[0].rpc("generatetoaddress", 1, payer_left["address"])
    nodes[0].rpc("generatetoaddress", 1, payer_right["address"])
    wait_until(lambda: same_tip(nodes), 60, what="funding blocks everywhere")

    for a in left:
        for b in right:
            for ns, other in ((a.ns, b.host), (b.ns, a.host)):
                lab.iptables(ns, "-A", "INPUT", "-s", other, "-j", "DROP")
                lab.iptables(ns, "-A", "OUTPUT", "-d", other, "-j", "DROP")
    accepted = []
    for nonce in range(10):
        for half, payer in ((left, payer_left), (right, payer_right)):
            node = half[nonce % 2]
            if nonce:  # the previous nonce went to the other node of this half: let it arrive (a gap is refused)
                previous = accepted[-2]
                wait_until(lambda: previous in node.rpc("getrawmempool"), 30,
                           what=f"node{node.index} to hear of nonce {nonce - 1}")
            accepted.append(send(node, payer, h.keygen()["address"], nonce))
    time.sleep(1)
    left[0].rpc("generatetoaddress", 2, miner["address"])
    right[0].rpc("generatetoaddress", 4, h.keygen()["address"])
    wait_until(lambda: same_tip(left) and same_tip(right), 60, what="each half to agree with itself")
    assert left[0].rpc("getbestblockhash") != right[0].rpc("getbestblockhash"), "the partition leaked"
    target = right[0].rpc("getbestblockhash")

    healed = time.monotonic()
    for ns in lab.namespaces:
        lab.iptables(ns, "-F")
    # No new block after the heal: the left half must fetch the right's branch by itself.
    wait_until(lambda: all(n.rpc("getbestblockhash") == target for n in nodes), 120,
               what="every node on the most-work branch after the heal")
    converge = time.monotonic() - healed
    mined = mined_exactly_once(nodes, right[0], miner, accepted)
    assert_equal(mined, len(accepted))
    return {"partition_accepted": len(accepted), "partition_mined": mined,
            "partition_converge_s": round(converge, 2)}


def packet_loss(h, lab, nodes, rng):
    payers, miner = [h.keygen() for _ in nodes], h.keygen()  # one sender per node: no nonce races
    for payer in payers:
        nodes[0].rpc("generatetoaddress", 1, payer["address"])
    wait_until(lambda: same_tip(nodes), 60, what="the funding blocks everywhere")
    for ns in lab.namespaces:
        lab.iptables(ns, "-A", "INPUT", "-m", "statistic", "--mode", "random", "--probability", "0.05", "-j", "DROP")
    accepted = []
    for n in range(40):
        i = n % len(nodes)
        accepted.append(send(nodes[i], payers[i], h.keygen()["address"], n // len(nodes)))
        if n % 10 == 9:
            nodes[rng.randrange(len(nodes))].rpc("generatetoaddress", 1, miner["address"])
    time.sleep(2)
    for ns in lab.namespaces:
        lab.iptables(ns, "-F")
    stopped = time.monotonic()
    wait_until(lambda: same_tip(nodes), 120, what="one chain after the loss stopped")
    converge = time.monotonic() - stopped
    mined = mined_exactly_once(nodes, nodes[0], miner, accepted)
    assert_equal(mined, len(accepted))
    return {"loss_accepted": len(accepted), "loss_mined": mined, "loss_converge_s": round(converge, 2)}


def test(h):
    reason = skip_reason()
    if reason:
        print(f"net_faults.py: skipped: {reason}")
        return
    rng = random.Random(int(os.environ.get("FINCH_FAULT_SEED", str(int(time.time())))))
    lab = Lab(str(os.getpid() % 100000))
    try:
        nodes = start_mesh(h, lab, 4)
        figures = partition_and_heal(h, lab, nodes, rng)
        figures.update(packet_loss(h, lab, nodes, rng))
        print(json.dumps({"scenario": "net_faults", "nodes": len(nodes), **figures}))
        for n in nodes:
            n.stop()
    finally:
        for n in h.nodes:
            n.kill()
        lab.cleanup()


if __name__ == "__main__":
    main(test)
