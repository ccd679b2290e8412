"""The lab's scenarios. Each prints its figures as one JSON object on its last line.

Times of arrival come from each node's own log (`chain: new tip HASH ...`, millisecond
timestamps from the one clock all namespaces share), so polling never adds to them."""

import calendar
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time

from . import attack, lab as labmod
from .lab import LabError, log

TIP_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z chain: new tip ([0-9a-f]{64}) .* in ([0-9.]+) ms")
NAMES = ("propagation", "txflood", "churn", "partition", "eclipse", "wire")


def add_arguments(p):
    p.add_argument("scenario", choices=NAMES)
    p.add_argument("--transfers", type=int, default=1000, help="transfers in the block / the flood (default 1000)")
    p.add_argument("--share", type=float, default=0.2, help="churn: share of nodes restarted (default 0.2)")
    p.add_argument("--attackers", type=int, default=30, help="eclipse: attacker connections (default 30)")
    p.add_argument("--attacker-delay-ms", type=float, default=0,
                   help="eclipse: extra one-way delay on every attacker link (slow attackers)")
    p.add_argument("--miner", type=int, default=None,
                   help="propagation: the mining node's number (default: one that has not mined yet)")
    p.add_argument("--timeout", type=float, default=300, help="longest wait for any one step, seconds")
    p.add_argument("--seed", type=int, default=7)


def run(lab, args):
    lab.enter_control()
    rng = random.Random(args.seed)
    figures = {"propagation": propagation, "txflood": txflood, "churn": churn, "partition": partition,
               "eclipse": attack.eclipse, "wire": wire_check}[args.scenario](lab, args, rng)
    figures = dict({"scenario": args.scenario, "nodes": len(lab.nodes),
                    "latency_ms": lab.state["latency_ms"]}, **figures)
    print(json.dumps(figures), flush=True)


# ---- helpers ------------------------------------------------------------------------------

def wait(predicate, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, LabError, ValueError, KeyError, TypeError):
            pass
        time.sleep(interval)
    raise LabError(f"timed out after {timeout:.0f} s waiting for {what}")


def on_all(lab, nodes, fn):
    """fn(node) for every node at once (one thread each); returns the results in order."""
    out = [None] * len(nodes)

    def one(i):
        try:
            out[i] = fn(nodes[i])
        except Exception as e:  # noqa: BLE001 -- an RPC that failed is that node's answer
            out[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(nodes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def percentile(values, q):
    """Nearest rank: the time by which a share q of the nodes had it."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, -(-int(q * 100) * len(s) // 100) - 1))]


def peer_counts(lab, node):
    peers = lab.rpc(node, "getpeerinfo", timeout=10)
    return sum(1 for p in peers if not p["inbound"]), len(peers)


def wait_formed(lab, timeout, nodes=None):
    """Until every node has min(8, N-1) peers, at least one of them outbound unless it already
    holds a connection to every other node: two nodes share one connection, so in a small full
    mesh the last node to start may have been dialled by all the others before it dialled
    anyone, and has no one left to dial. Returns the figures of `up`."""
    nodes = nodes or lab.nodes
    want_out, want, everyone = 1, min(8, len(lab.nodes) - 1), len(lab.nodes) - 1
    start = time.monotonic()
    counts = []

    def formed():
        nonlocal counts
        counts = on_all(lab, nodes, lambda n: peer_counts(lab, n))
        return all(not isinstance(c, Exception) and c[1] >= want and (c[0] >= want_out or c[1] >= everyone)
                   for c in counts)

    try:
        wait(formed, timeout, f"every node to have {want} peers, {want_out} of them outbound", interval=1.0)
    except LabError as e:
        # Which nodes fell short, and what the one with the fewest peers logged about peers.
        shown = [f"{n['name']} " + (f"{c[0]} out/{c[1]}" if isinstance(c, tuple) else f"error {c}")
                 for n, c in zip(nodes, counts)]
        worst = min(zip(nodes, counts), key=lambda nc: nc[1][1] if isinstance(nc[1], tuple) else -1, default=None)
        log_part = (f"; {worst[0]['name']}'s log: {labmod.tail(worst[0], lines=40, grep=('p2p', 'dht', 'peer'))}"
                    if worst else "")
        raise LabError(f"{e}; outbound/peers: {', '.join(shown) or 'never read'}{log_part}") from None
    rss = [labmod.rss_mb(n.get("pid")) for n in nodes]
    rss = [r for r in rss if r]
    return {"seconds": round(time.monotonic() - start, 1),
            "outbound_min": min(c[0] for c in counts), "peers_min": min(c[1] for c in counts),
            # nodes short of the rule (always 0 here: the figures of a network that formed)
            "short": sum(1 for c in counts if c[1] < want or (c[0] < want_out and c[1] < everyone)),
            "peers_avg": round(statistics.mean(c[1] for c in counts), 1),
            "rss_mb_avg": round(statistics.mean(rss), 1) if rss else None}


def submit(lab, node, raws, batch=250):
    """Sends transfers in JSON-RPC batches; returns the txids accepted."""
    accepted = []
    for i in range(0, len(raws), batch):
        for reply in lab.rpc_batch(node, [("sendrawtransaction", [r]) for r in raws[i:i + batch]]):
            if reply.get("error") is None:
                accepted.append(reply["result"])
    return accepted


def mempool_sizes(lab, nodes):
    return on_all(lab, nodes, lambda n: lab.rpc(n, "getmempoolinfo")["size"])


def tip_times(lab, node, hashes, connect_ms=None):
    """{hash: unix time in seconds} of the log lines that made each hash this node's tip; with
    a dict `connect_ms`, also each one's connection time as the line gives it."""
    found = {}
    try:
        with open(lab.log_path(node), errors="replace") as f:
            for line in f:
                m = TIP_LINE.match(line)
                if m and m.group(3) in hashes and m.group(3) not in found:
                    t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
                    found[m.group(3)] = t + int(m.group(2)) / 1000
                    if connect_ms is not None:
                        connect_ms[m.group(3)] = float(m.group(4))
    except OSError:
        pass
    return found


def net_totals(lab, nodes):
    return on_all(lab, nodes, lambda n: lab.rpc(n, "getnettotals"))


def compact_totals(lab, nodes):
    keys = ("received", "rebuilt_without_round_trip", "rebuilt_after_getblocktxn", "fell_back_to_full_block")
    out = dict.fromkeys(keys, 0)
    for info in on_all(lab, nodes, lambda n: lab.rpc(n, "getnetworkinfo")):
        if isinstance(info, dict):
            for k in keys:
                out[k] += info.get("compactblocks", {}).get(k, 0)
    return out


def same_tip(lab, nodes):
    tips = on_all(lab, nodes, lambda n: lab.rpc(n, "getbestblockhash"))
    return len(set(t for t in tips if isinstance(t, str))) == 1 and not any(isinstance(t, Exception) for t in tips)


def spread(lab, miner, nodes, block_hash, timeout, connect_ms=None):
    """Waits until every node has block_hash as its tip; returns each receiver's delay (s)
    after the miner connected it, from the logs (and appends each receiver's connection time,
    in ms, to the list `connect_ms` when given)."""
    wait(lambda: all(t == block_hash for t in on_all(lab, nodes, lambda n: lab.rpc(n, "getbestblockhash"))),
         timeout, f"every node to connect block {block_hash[:16]}", interval=0.5)
    t0 = tip_times(lab, miner, {block_hash}).get(block_hash)
    delays = []
    for n in nodes:
        if n is miner:
            continue
        took = {}
        t = tip_times(lab, n, {block_hash}, took).get(block_hash)
        if connect_ms is not None and block_hash in took:
            connect_ms.append(took[block_hash])
        if t is None or t0 is None:
            raise LabError(f"no 'new tip {block_hash[:16]}' line in {n['name']}'s log")
        delays.append(max(0.0, t - t0))
    return delays


# ---- scenarios ----------------------------------------------------------------------------

def flood(lab, node, count, timeout):
    """Sends `count` fresh transfers to `node`; waits until every mempool holds them. Returns
    (accepted txids, seconds until all mempools held them)."""
    base = mempool_sizes(lab, lab.nodes)
    raws = lab.take_transfers(count)
    start = time.monotonic()
    accepted = submit(lab, node, raws)
    if len(accepted) < count:
        raise LabError(f"{node['name']} accepted {len(accepted)} of {count} transfers")
    wait(lambda: all(not isinstance(s, Exception) and s >= b + count
                     for s, b in zip(mempool_sizes(lab, lab.nodes), base)),
         timeout, f"every mempool to hold the {count} transfers", interval=0.25)
    return accepted, time.monotonic() - start


def pick_miner(lab, args):
    """--miner N, else a node that has not mined in this lab yet (or the one that mined
    longest ago). Peers choose as high-bandwidth compact-block peers those that delivered a
    new block first, so a node that mined the last block is soon everyone's: mining on it
    again would measure the best case, not a block from anywhere in the network."""
    nodes = lab.nodes
    if args.miner is not None:
        if not 0 <= args.miner < len(nodes):
            raise LabError(f"--miner must be 0 to {len(nodes) - 1}")
        return nodes[args.miner]
    mined = lab.state.get("mined_by", [])
    fresh = [n for n in nodes if n["name"] not in mined]
    if fresh:
        return fresh[random.Random(f"{args.seed}/{len(mined)}").randrange(len(fresh))]
    return next(n for n in nodes if n["name"] == mined[0])


def note_miner(lab, node):
    mined = [m for m in lab.state.get("mined_by", []) if m != node["name"]]
    lab.state["mined_by"] = mined + [node["name"]]
    lab.save()


def high_bandwidth_from(lab, node):
    """(peers that chose `node` to send them compact blocks unasked, all its peers)."""
    peers = lab.rpc(node, "getpeerinfo")
    return sum(1 for p in peers if p.get("bip152_hb_from")), len(peers)


def propagation(lab, args, rng):
    nodes = lab.nodes
    miner = pick_miner(lab, args)
    chose_it, peers = high_bandwidth_from(lab, miner)
    _, flood_s = flood(lab, miner, args.transfers, args.timeout)
    time.sleep(1)  # the last announcements settle
    before = net_totals(lab, nodes)
    compact_before = compact_totals(lab, nodes)
    lab.wire(cmd="reset_stats")
    block = lab.rpc(miner, "generatetoaddress", 1, lab.state["miner_address"])[0]
    note_miner(lab, miner)
    connect_ms = []
    delays = spread(lab, miner, nodes, block, args.timeout, connect_ms)
    time.sleep(1)  # bytes still in flight (getblocktxn answers, late announcements)
    wire_stats = lab.wire(cmd="stats")
    after = net_totals(lab, nodes)
    compact = compact_totals(lab, nodes)
    received = [a["totalbytesrecv"] - b["totalbytesrecv"] for n, a, b in zip(nodes, after, before) if n is not miner]
    links = sum(c[1] for c in on_all(lab, nodes, lambda n: peer_counts(lab, n)) if not isinstance(c, Exception)) // 2
    info = lab.rpc(miner, "getblock", block, 1)
    return {"miner": miner["name"], "miner_chosen_by": chose_it, "miner_peers": peers,
            "transfers": len(info["tx"]) - 1, "block_bytes": info["size"],
            "p50_s": round(percentile(delays, 0.50), 3), "p95_s": round(percentile(delays, 0.95), 3),
            "p100_s": round(max(delays), 3), "bytes_per_node": round(statistics.mean(received)),
            "compact_received": compact["received"] - compact_before["received"],
            "rebuilt_without_round_trip": compact["rebuilt_without_round_trip"] -
            compact_before["rebuilt_without_round_trip"],
            "full_blocks": compact["fell_back_to_full_block"] - compact_before["fell_back_to_full_block"],
            "connect_ms_p50": round(percentile(connect_ms, 0.5), 1), "connect_ms_max": round(max(connect_ms), 1),
            "links": links, "wire_cpu_s": wire_stats["cpu_s"], "wire_packets": wire_stats["packets"],
            "wire_late_p99_ms": wire_stats["late_p99_ms"], "mempools_filled_s": round(flood_s, 2),
            "goal_met": percentile(delays, 0.5) <= 0.5 and percentile(delays, 0.95) <= 1.0 and max(delays) <= 2.0}


def received_bytes(lab, nodes, msg):
    """Protocol bytes of message `msg` each node received from every peer since it started
    (its /metrics, so peers that left in the meantime still count)."""
    return on_all(lab, nodes, lambda n: lab.metric_sum(n, "finch_p2p_bytes_total", direction="received", msg=msg))


def delta(after, before):
    return sum(a - b for a, b in zip(after, before) if not isinstance(a, Exception) and not isinstance(b, Exception))


def txflood(lab, args, rng):
    nodes = lab.nodes
    entry = nodes[rng.randrange(len(nodes))]
    inv_before, tx_before = received_bytes(lab, nodes, "inv"), received_bytes(lab, nodes, "tx")
    lab.wire(cmd="reset_stats")
    accepted, seconds = flood(lab, entry, args.transfers, args.timeout)
    time.sleep(1)
    wire_stats = lab.wire(cmd="stats")
    # An inv entry is 33 bytes (type, txid); each inv frame adds 13 bytes of header and 1-3 of
    # count, so bytes / 33 counts every entry plus less than half a one per frame: an upper
    # bound on the announcements.
    entries = delta(received_bytes(lab, nodes, "inv"), inv_before) // 33
    tx_bytes = delta(received_bytes(lab, nodes, "tx"), tx_before)
    needed = args.transfers * (len(nodes) - 1)
    return {"transfers": len(accepted), "entry": entry["name"], "all_mempools_s": round(seconds, 3),
            "tx_per_s": round(len(accepted) / seconds), "announcements_per_transfer_per_node": round(entries / needed, 2),
            "tx_bytes_per_transfer_per_node": round(tx_bytes / needed, 1), "wire_cpu_s": wire_stats["cpu_s"],
            "wire_packets": wire_stats["packets"]}


def churn(lab, args, rng):
    nodes = lab.nodes
    k = max(1, round(len(nodes) * args.share))
    victims = rng.sample(nodes[1:], min(k, len(nodes) - 1))  # the DHT seed stays up
    for n in victims:
        lab.stop_node(n)
    log(f"stopped {len(victims)} nodes; starting them again")
    start = time.monotonic()
    for n in victims:
        lab.start_node(n)
    for n in victims:
        lab.wait_rpc(n, timeout=args.timeout)
    formed = wait_formed(lab, args.timeout)
    reformed = time.monotonic() - start
    stayed = [n for n in nodes if n not in victims]
    miner = stayed[rng.randrange(len(stayed))]
    block = lab.rpc(miner, "generatetoaddress", 1, lab.state["miner_address"])[0]
    note_miner(lab, miner)
    delays = spread(lab, miner, nodes, block, args.timeout)
    late = [d for n, d in zip([n for n in nodes if n is not miner], delays) if n in victims]
    return {"restarted": len(victims), "reformed_s": round(reformed, 1), "outbound_min": formed["outbound_min"],
            "peers_avg": formed["peers_avg"], "next_block_p100_s": round(max(delays), 3),
            "next_block_restarted_p100_s": round(max(late), 3) if late else None}


def confirmed_counts(lab, node, from_height):
    counts = {}
    tip = lab.rpc(node, "getblockcount")
    for h in range(from_height + 1, tip + 1):
        block = lab.rpc(node, "getblock", lab.rpc(node, "getblockhash", h), 1)
        for txid in block["tx"][1:]:
            counts[txid] = counts.get(txid, 0) + 1
    return counts


def partition(lab, args, rng):
    nodes = lab.nodes
    if len(nodes) < 4:
        raise LabError("partition needs at least 4 nodes")
    half = len(nodes) // 2
    left, right = nodes[:half], nodes[half:]
    base_height = lab.rpc(nodes[0], "getblockcount")
    per_side = max(1, args.transfers // 10)
    # One transfer per sender in the chunk: each side gets senders of its own.
    raws = lab.take_transfers(2 * per_side)
    lab.wire(cmd="partition", groups=[[n["ip"] for n in left], [n["ip"] for n in right]])
    try:
        # Each side's miner takes its side's transfers itself, so both branches hold some:
        # the left side's must go back to the mempools when its branch loses.
        accepted = submit(lab, left[0], raws[:per_side]) + submit(lab, right[0], raws[per_side:])
        if len(accepted) != 2 * per_side:
            raise LabError(f"only {len(accepted)} of {2 * per_side} transfers were accepted")
        # The right side (at least as many nodes) mines one block more.
        left_blocks = lab.rpc(left[0], "generatetoaddress", 2, lab.state["miner_address"])
        lab.rpc(right[0], "generatetoaddress", 3, lab.state["miner_address"])
        note_miner(lab, left[0])
        note_miner(lab, right[0])
        wait(lambda: same_tip(lab, left) and same_tip(lab, right), args.timeout, "each side to agree with itself")
        target = lab.rpc(right[0], "getbestblockhash")
        if lab.rpc(left[0], "getbestblockhash") == target:
            raise LabError("the partition leaked: both sides have the same tip")
        on_left = sum(len(lab.rpc(left[0], "getblock", h, 1)["tx"]) - 1 for h in left_blocks)
        if on_left == 0:
            raise LabError("the left branch holds none of its transfers: nothing would return to the mempools")
    finally:
        healed = time.monotonic()
        lab.wire(cmd="heal")
    # No new block after the heal: the left side must fetch the right's branch by itself.
    wait(lambda: all(t == target for t in on_all(lab, nodes, lambda n: lab.rpc(n, "getbestblockhash"))),
         args.timeout, "every node on the most-work branch after the heal", interval=0.5)
    converge = time.monotonic() - healed
    # Then mine until no mempool holds any of them, and count each accepted transfer in the chain.
    for _ in range(10):
        time.sleep(2)  # transfers returned to the left side's mempools reach the miner
        pending = set()
        for pool in on_all(lab, nodes, lambda n: lab.rpc(n, "getrawmempool")):
            if isinstance(pool, list):
                pending |= set(pool) & set(accepted)
        if not pending:
            break
        block = lab.rpc(right[0], "generatetoaddress", 1, lab.state["miner_address"])[0]
        spread(lab, right[0], nodes, block, args.timeout)
    counts = confirmed_counts(lab, right[0], base_height)
    lost = [t for t in accepted if counts.get(t, 0) == 0]
    twice = [t for t in accepted if counts.get(t, 0) > 1]
    return {"accepted": len(accepted), "on_losing_branch": on_left, "converge_s": round(converge, 2),
            "lost": len(lost), "mined_twice": len(twice), "one_chain": same_tip(lab, nodes)}


def wire_check(lab, args, rng):
    """What the wire adds to a link: UDP round trips between two namespaces (20 ms links'
    worth of pings at the configured delay) against twice that link's configured delay, and
    round trips to a namespace from the control namespace, whose links have no delay."""
    lab.wire(cmd="reset_stats")
    if len(lab.nodes) < 2:
        raise LabError("wire needs at least 2 nodes")
    a, b = lab.nodes[0], lab.nodes[1]
    from . import wire
    lo, hi = lab.state["latency_ms"]
    expected = 2 * wire.link_delay(lab.state["seed"], a["ip"], b["ip"], lo, hi)
    echo = ("import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind((sys.argv[1],7999))\n"
            "while True:\n d,a=s.recvfrom(2048)\n s.sendto(d,a)\n")
    server = subprocess.Popen(["ip", "netns", "exec", b["netns"], sys.executable, "-c", echo, b["ip"]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Each ping gets 2 s; a lost one (with --loss) is left out, not waited for. The first
        # answered ping also tells that the echo server is up.
        probe = ("import socket,sys,time,json\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.settimeout(2)\n"
                 "r=[]\nend=time.monotonic()+60\nwhile len(r)<int(sys.argv[2]) and time.monotonic()<end:\n"
                 " t=time.monotonic()\n s.sendto(b'x'*100,(sys.argv[1],7999))\n try:\n  s.recvfrom(2048)\n"
                 " except OSError:\n  continue\n r.append(time.monotonic()-t)\n time.sleep(0.01)\n"
                 "print(json.dumps(sorted(r)))\n")
        pings = 50
        out = subprocess.run(["ip", "netns", "exec", a["netns"], sys.executable, "-c", probe, b["ip"], str(pings)],
                             capture_output=True, text=True, timeout=120, check=True)
        between = json.loads(out.stdout)
        out = subprocess.run([sys.executable, "-c", probe, b["ip"], str(pings)],
                             capture_output=True, text=True, timeout=120, check=True)
        direct = json.loads(out.stdout)
        if not between or not direct:
            raise LabError("no ping was answered")
    finally:
        os.killpg(server.pid, 9)
    stats = lab.wire(cmd="stats")
    ms = lambda v: round(v * 1000, 2)  # noqa: E731
    return {"jitter_ms": lab.state.get("jitter_ms", 0), "link_rtt_configured_ms": ms(expected), "link_rtt_p50_ms": ms(percentile(between, 0.5)),
            "link_rtt_p99_ms": ms(percentile(between, 0.99)),
            "added_p50_ms": ms(percentile(between, 0.5) - expected),
            "control_rtt_p50_ms": ms(percentile(direct, 0.5)), "control_rtt_p99_ms": ms(percentile(direct, 0.99)),
            "wire_cpu_s": stats["cpu_s"], "wire_elapsed_s": stats["elapsed_s"], "wire_packets": stats["packets"],
            "wire_late_p50_ms": stats["late_p50_ms"], "wire_late_p99_ms": stats["late_p99_ms"]}
