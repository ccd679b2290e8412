#!/usr/bin/env python3
"""Crash loops (Bitcoin Core's feature_dbcrash in spirit): a node mining with --mine while a
client pours transfers in over RPC is SIGKILLed at random 50 times; after each restart every
block that RPC reported before the kill is still on the chain, and at the end the state digest
equals that of a node that imported the same blocks cleanly. Then SIGKILL during a reorg and
during --reindex: each restart comes back with a state that matches its own chain, and the
node still reaches the right tip. Prints the figures as one JSON line (kills, restart time
p50/p99, blocks lost). FINCH_CRASH_KILLS sets the number of kills (default 50)."""

import json
import os
import random
import threading
import time

from framework import main, wait_until, assert_equal, RpcError

KILLS = int(os.environ.get("FINCH_CRASH_KILLS", "50"))


class Pourer(threading.Thread):
    """Sends transfers from `payer` with its next nonce until stopped; a dead node just
    makes a call fail, and the loop goes on."""

    def __init__(self, node, payer, to):
        super().__init__(daemon=True)
        self.node, self.payer, self.to = node, payer, to
        self.stop_event = threading.Event()
        self.accepted = 0

    def run(self):
        while not self.stop_event.is_set():
            try:
                r = self.node.cli("send", "--secret", self.payer["secret"], "--to", self.to, "--amount", "1",
                                  check=False)
                if r.returncode == 0:
                    self.accepted += 1
            except Exception:
                pass
            self.stop_event.wait(0.02)


def chain_of(node):
    height = node.height()
    return [node.rpc("getblockhash", hgt) for hgt in range(height + 1)]


def import_and_compare(h, node):
    """A fresh node imports node's active chain block by block: same state digest."""
    digest = node.rpc("getstatehash")
    fresh = h.add_node(["--listen=0"]).start()
    for hgt in range(1, digest["height"] + 1):
        block_hex = node.rpc("getblock", node.rpc("getblockhash", hgt), 0)
        assert_equal(fresh.rpc("submitblock", block_hex), None)
    assert_equal(fresh.rpc("getstatehash"), digest)
    fresh.stop()
    return digest


def timed_restart(node, extra=()):
    started = time.monotonic()
    node.start(extra)
    return time.monotonic() - started


def test_mining_under_load(h, rng):
    miner, sink = h.keygen(), h.keygen()
    mining = ["--mine", f"--miner-address={miner['address']}", "--listen=0"]
    node = h.add_node(mining).start()
    node.rpc("generatetoaddress", 5, miner["address"])  # funds for the pourer
    reported = {}  # height -> hash, as RPC answered before some kill
    restarts, lost, poured = [], 0, 0
    for kill in range(KILLS):
        pourer = Pourer(node, miner, sink["address"])
        pourer.start()
        if kill == 0:
            # Counted, not timed: on a slow machine (the sanitizer pass makes 5 kills) every
            # window could otherwise close before a finch-cli call gets through.
            wait_until(lambda: pourer.accepted > 0, 60, what="a first transfer in before the first kill")
        time.sleep(rng.uniform(0.2, 1.5))
        # What RPC says now must survive the kill that follows.
        try:
            tip = node.rpc("getblockcount", timeout=5)
            for hgt in range(max(0, tip - 3), tip + 1):
                reported[hgt] = node.rpc("getblockhash", hgt, timeout=5)
        except (RpcError, OSError):
            pass
        time.sleep(rng.uniform(0, 0.3))
        node.kill()
        pourer.stop_event.set()
        pourer.join(30)
        poured += pourer.accepted
        restarts.append(timed_restart(node))
        for hgt, hsh in reported.items():
            try:
                now = node.rpc("getblockhash", hgt)
            except RpcError:
                now = None
            if now != hsh:
                lost += 1
                raise AssertionError(f"kill {kill + 1}: block {hsh} at height {hgt} reported before the kill "
                                     f"is gone (now {now})")
    node.stop()
    node.extra_args = ["--listen=0"]  # hold still for the comparison
    node.start()
    digest = import_and_compare(h, node)
    assert poured > 0, "the client never got a transfer in"
    node.stop()
    restarts.sort()
    return {"kills": KILLS, "blocks": digest["height"], "blocks_checked": len(reported), "transfers_accepted": poured,
            "restart_p50_s": round(restarts[len(restarts) // 2], 3),
            "restart_p99_s": round(restarts[min(len(restarts) - 1, len(restarts) * 99 // 100)], 3),
            "blocks_lost": lost}


def test_kill_during_reorg(h, rng):
    """a holds a 40-block branch, b a longer one with transfers; a dials b and is killed while
    it switches, several times. Each restart must be a consistent state on some chain; at the
    end a follows b."""
    a_key, b_key, user = h.keygen(), h.keygen(), h.keygen()
    a = h.add_node(["--listen=0"]).start()
    b = h.add_node().start()
    a.rpc("generatetoaddress", 40, a_key["address"])
    b.rpc("generatetoaddress", 5, b_key["address"])
    for n in range(60):
        b.rpc("sendrawtransaction", b.cli("signtx", "--secret", b_key["secret"], "--to", user["address"],
                                          "--amount", "5", "--fee", "1000", "--nonce", str(n)).stdout.strip())
        if n % 20 == 19:
            b.rpc("generatetoaddress", 1, b_key["address"])
    b.rpc("generatetoaddress", 120, b_key["address"])
    target = b.rpc("getbestblockhash")
    kills = 0
    for attempt in range(4):
        a.stop()
        a.start([f"--connect=127.0.0.1:{b.port}"])
        time.sleep(rng.uniform(0.05, 0.4))
        a.kill()
        kills += 1
        a.start()  # alone: its state must match its own chain
        import_and_compare(h, a)
    a.stop()
    a.start([f"--connect=127.0.0.1:{b.port}"])
    wait_until(lambda: a.rpc("getbestblockhash") == target, 60, what="a to follow b after the kills")
    assert_equal(a.rpc("getstatehash"), b.rpc("getstatehash"))
    a.stop()
    b.stop()
    return kills


def test_kill_during_reindex(h, rng):
    key, user = h.keygen(), h.keygen()
    node = h.add_node(["--listen=0"]).start()
    node.rpc("generatetoaddress", 5, key["address"])
    for n in range(100):
        node.rpc("sendrawtransaction", node.cli("signtx", "--secret", key["secret"], "--to", user["address"],
                                                "--amount", "3", "--fee", "1000", "--nonce", str(n)).stdout.strip())
        if n % 25 == 24:
            node.rpc("generatetoaddress", 1, key["address"])
    node.rpc("generatetoaddress", 300, key["address"])
    before = node.rpc("getstatehash")
    node.stop()
    kills = 0
    for attempt in range(3):
        node.start(["--reindex"], wait=False)
        time.sleep(rng.uniform(0.05, 0.5))
        node.kill()
        kills += 1
    node.start()  # an interrupted reindex resumes (or was done): the same state as before
    wait_until(lambda: node.rpc("getstatehash") == before, 60, what="the state after interrupted reindexes")
    node.stop()
    return kills


def test(h):
    seed = int(os.environ.get("FINCH_CRASH_SEED", str(int(time.time()))))
    print(f"crash_loop: seed {seed}")
    rng = random.Random(seed)
    figures = test_mining_under_load(h, rng)
    figures["reorg_kills"] = test_kill_during_reorg(h, rng)
    figures["reindex_kills"] = test_kill_during_reindex(h, rng)
    print(json.dumps({"scenario": "crash_loop", **figures}))


if __name__ == "__main__":
    main(test)
