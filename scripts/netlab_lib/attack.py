"""The eclipse scenario: attacker nodes from one /16 poison a victim, which then restarts.

The attackers are real finchd nodes, each in its own namespace at 10.200.x.y (all one /16).
Each joins the DHT through the victim (so the victim's routing table fills with their signed
records) and dials only the victim (so the victim's inbound slots and address book see them).
Then the victim restarts, as after an upgrade, and picks its outbound peers again from what
it learned. An outbound slot to an attacker is what an eclipse needs; inbound ones it cannot
choose. The figure is how many honest outbound peers the victim keeps.

With --attacker-delay-ms D every attacker link gets D ms more one-way delay: a TCP connect to
an attacker then stays pending for seconds, which is when a node that counts only its
connected peers' netgroups would dial the same /16 again and again."""

import os
import shutil
import time

from . import lab as labmod
from .lab import LabError, log


def is_attacker(ip):
    return ip.startswith(labmod.ATTACKER_NET + ".")


def peer_ip(peer):
    return peer["addr"].rsplit(":", 1)[0].strip("[]")


def split_peers(lab, node):
    peers = lab.rpc(node, "getpeerinfo")
    out = {"honest_outbound": 0, "attacker_outbound": 0, "honest_inbound": 0, "attacker_inbound": 0}
    for p in peers:
        side = "attacker" if is_attacker(peer_ip(p)) else "honest"
        out[f"{side}_{'inbound' if p['inbound'] else 'outbound'}"] += 1
    return out


def eclipse(lab, args, rng):
    if len(lab.nodes) < 6:
        raise LabError("eclipse needs at least 6 honest nodes (the victim wants 4 honest outbound peers)")
    victim = lab.nodes[-1]
    target = f"{victim['identity']}@{victim['ip']}:{labmod.P2P_PORT}"
    attackers = []
    start = time.monotonic()
    try:
        for k in range(args.attackers):
            node = {"name": f"a{k}", "netns": lab.ns(f"a{k}"), "ip": labmod.attacker_ip(k),
                    "datadir": os.path.join(lab.dir, f"a{k}"), "pid": None,
                    "args": [f"--connect={target}", f"--dhtbootstrap={target}"]}
            lab.add_namespace(node["name"], node["ip"])
            shutil.copytree(os.path.join(lab.dir, "seed"), node["datadir"])
            lab.state.setdefault("attackers", []).append(node)
            attackers.append(node)
            lab.start_node(node)
        for node in attackers:
            lab.wait_rpc(node, timeout=args.timeout)
        if args.attacker_delay_ms:
            lab.wire(cmd="slow", ips=[a["ip"] for a in attackers], ms=args.attacker_delay_ms)
        log(f"{len(attackers)} attackers up; letting them poison {victim['name']} for 20 s")
        time.sleep(20)
        before = split_peers(lab, victim)
        dht_before = lab.rpc(victim, "getdhtinfo")["nodes"]
        lab.stop_node(victim)
        lab.start_node(victim)
        lab.wait_rpc(victim, timeout=args.timeout)
        restarted = time.monotonic()
        # The victim fills its outbound slots again: a minute to try what it knows.
        deadline = restarted + 60
        after = split_peers(lab, victim)
        while time.monotonic() < deadline:
            time.sleep(2)
            after = split_peers(lab, victim)
            if after["honest_outbound"] + after["attacker_outbound"] >= 8:
                break
        time.sleep(10)  # and hold them a while: an eclipse also works by replacing peers later
        after = split_peers(lab, victim)
        return {"attackers": len(attackers), "attacker_delay_ms": args.attacker_delay_ms, "attacker_inbound_before_restart": before["attacker_inbound"],
                "victim_dht_nodes": dht_before, "honest_outbound": after["honest_outbound"],
                "attacker_outbound": after["attacker_outbound"], "attacker_inbound": after["attacker_inbound"],
                "seconds": round(time.monotonic() - start, 1), "goal_met": after["honest_outbound"] >= 4}
    finally:
        for node in attackers:
            lab.stop_node(node, timeout=10)
            lab.wire(cmd="detach", ip=node["ip"])
            labmod.sh("ip", "netns", "del", node["netns"], check=False)
            shutil.rmtree(node["datadir"], ignore_errors=True)
        lab.state["attackers"] = []
        lab.save()
