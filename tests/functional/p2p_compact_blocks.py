#!/usr/bin/env python3
"""Compact block relay (BIP152-style, docs/protocol.md "Compact blocks") between real nodes and
from raw peers:
  1. warm mempools: a 1,000-transfer block reaches a peer holding all its transfers for under
     10% of the block's bytes, rebuilt without a round trip;
  2. missing transfers: a peer lacking 50 of a block's transfers fetches exactly those with
     getblocktxn/blocktxn;
  3. malformed compact messages from raw peers (one loopback address each) are disconnected
     and discouraged for the documented reason, and the node keeps working;
  4. a compact block whose coinbase does not match the header's merkle root is not punished:
     the node asks the same peer for the whole block and connects it;
  5. a node's own new block goes as an unasked cmpctblock to a low-bandwidth peer (version 4)
     that holds its parent, other blocks to such a peer as headers, and inv to a peer not known
     to hold the parent; a receiver takes such a push of news on its tip without counting it
     as unrequested, and fetches a header announced on its tip at once as a compact block.

Transfers come from bench's make_chain (a chain funding many accounts plus signed transfers
valid on top of it): signing 1,000 transfers with finch-cli takes ~11 s, make_chain ~0.5 s.

Node A and node B each have --connect pointing at a port that is bound but never listens,
so neither ever dials on its own (no address-book connections, no redial of a dropped link):
the only link is the one made with `addnode onetry`, and disconnectnode removes it for good."""

import json
import os
import random
import shutil
import socket
import subprocess
import time

from framework import main, wait_until, assert_equal
from p2p_raw import (CMD_NAME, RawPeer, Reader, compact_size, discouraged, INV_BLOCK, INV_CMPCT, INV_TX, sha256, hash_hex, make_block_txs, coinbase_bytes,
                     cmpctblock_payload, getblocktxn_payload, blocktxn_payload, sendcmpct_payload,
                     getdata_payload, parse_inv, parse_cmpctblock, parse_getblocktxn, parse_blocktxn,
                     parse_block, short_id_key, short_id, block_hash)

COMPACT_MSGS = ("cmpctblock", "getblocktxn", "blocktxn", "block")


# ---- helpers -------------------------------------------------------------------------------

def make_chain(h, datadir, accounts, txcount):
    """Funds `accounts` accounts and writes `txcount` signed transfers (one per sender, nonce 0)."""
    txfile = os.path.join(h.tmpdir, "tx.txt")
    tool = os.path.join(os.path.dirname(h.finchd), "make_chain")
    subprocess.run([tool, "--datadir", datadir, "--accounts", str(accounts), "--txfile", txfile,
                    "--txcount", str(txcount)], capture_output=True, text=True, check=True, timeout=60)
    with open(txfile) as f:
        return f.read().split()


def submit(node, raws):
    """sendrawtransaction for each, in one JSON-RPC batch; every one must be accepted."""
    body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": "sendrawtransaction", "params": [r]}
                       for i, r in enumerate(raws)])
    status, reply = node.post(body, timeout=60)
    assert_equal(status, 200)
    errors = [r["error"] for r in json.loads(reply) if r.get("error")]
    assert not errors, f"{len(errors)} transfers refused, first: {errors[0]}"


def txid_hex(raw_hex):
    return hash_hex(sha256(bytes.fromhex(raw_hex)))


def recv_per_msg(node):
    """bytesrecv_per_msg summed over all peers."""
    out = {}
    for p in node.rpc("getpeerinfo"):
        for k, v in p.get("bytesrecv_per_msg", {}).items():
            out[k] = out.get(k, 0) + v
    return out


def delta(after, before, keys):
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys}


def compact_stats(node):
    return node.rpc("getnetworkinfo")["compactblocks"]


def banned_ips(node):
    return {b["address"].split("/")[0] for b in node.rpc("listbanned")}


def debug_log(node):
    try:
        with open(os.path.join(node.network_dir, "debug.log"), errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def connect(b, a):
    """b dials a once (no redial)."""
    b.rpc("addnode", f"127.0.0.1:{a.port}", "onetry")
    wait_until(lambda: b.rpc("getconnectioncount") == 1 and a.rpc("getconnectioncount") == 1, 30,
               what=f"node{b.index} connected to node{a.index}")


def tip_info(node):
    best = node.rpc("getbestblockhash")
    blk = node.rpc("getblock", best)
    return best, blk["height"], blk["time"]


def next_block_time(node):
    _, _, t = tip_info(node)
    return max(t + 1, int(time.time()))


# ---- 1. warm mempools ----------------------------------------------------------------------

def case_warm(a, b, raws, miner):
    t0 = time.monotonic()
    submit(a, raws)
    wait_until(lambda: b.rpc("getmempoolinfo")["size"] == len(raws), 60, interval=0.1,
               what="node B's mempool to hold the 1,000 transfers")
    gossip = time.monotonic() - t0
    # B chose A as a high-bandwidth peer after the warm-up block: A pushes cmpctblock unasked.
    # (Bitcoin Core's meaning: bip152_hb_to on B = B chose A; bip152_hb_from on A = A was chosen.)
    assert b.rpc("getpeerinfo")[0]["bip152_hb_to"], b.rpc("getpeerinfo")
    assert a.rpc("getpeerinfo")[0]["bip152_hb_from"], a.rpc("getpeerinfo")

    before, stats_before = recv_per_msg(b), compact_stats(b)
    t1 = time.monotonic()
    tip = a.rpc("generatetoaddress", 1, miner)[0]
    wait_until(lambda: b.rpc("getbestblockhash") == tip, 30, interval=0.01, what="node B to reach the block")
    relay_ms = (time.monotonic() - t1) * 1000
    after, stats_after = recv_per_msg(b), compact_stats(b)

    info = a.rpc("getblock", tip)
    assert_equal(info["nTx"], len(raws) + 1, "(coinbase + every transfer)")
    size = len(a.rpc("getblock", tip, 0)) // 2
    d = delta(after, before, COMPACT_MSGS)
    received = sum(d.values())
    print(f"  case 1: 1,000 transfers gossiped to B in {gossip:.2f} s; block {size:,} bytes "
          f"({info['nTx'] - 1} transfers) reached B in {relay_ms:.0f} ms for {received:,} bytes received "
          f"({100 * received / size:.2f}% of the block): {d}")
    assert received < size / 10, f"{received} bytes received for a {size}-byte block"
    assert d["cmpctblock"] > 0 and d["block"] == 0 and d["blocktxn"] == 0, d
    assert_equal(stats_after["rebuilt_without_round_trip"], stats_before["rebuilt_without_round_trip"] + 1)
    assert_equal(stats_after["rebuilt_after_getblocktxn"], stats_before["rebuilt_after_getblocktxn"])
    assert_equal(stats_after["fell_back_to_full_block"], stats_before["fell_back_to_full_block"])
    wait_until(lambda: b.rpc("getmempoolinfo")["size"] == 0, 10, what="node B's mempool emptied by the block")
    return tip


# ---- 2. missing transfers ------------------------------------------------------------------

def case_missing(a, b, only_a, shared, miner):
    b.rpc("disconnectnode", f"127.0.0.1:{a.port}")
    wait_until(lambda: a.rpc("getconnectioncount") == 0 and b.rpc("getconnectioncount") == 0, 10,
               what="A and B disconnected")
    # A raw peer stands in for B while the transfers are announced: once it has seen all 50,
    # A's announcement turn for them is over, however late A's network thread ran (a fixed
    # sleep could end before that turn on a slow machine, and B would then be told of them).
    watcher = raw_peer(a, "127.0.0.1")
    submit(a, only_a)
    assert_equal(a.rpc("getmempoolinfo")["size"], len(only_a))
    announced, wanted = set(), {txid_hex(r) for r in only_a}
    deadline = time.monotonic() + 30
    while not wanted <= announced:
        assert time.monotonic() < deadline, f"A announced {len(announced & wanted)} of the 50 within 30 s"
        inv = parse_inv(watcher.wait_for_msg("inv", timeout=30))
        announced |= {hash_hex(h) for kind, h in inv if kind == INV_TX}
    watcher.close()
    wait_until(lambda: a.rpc("getconnectioncount") == 0, 10, what="A to drop the raw peer")
    assert_equal(b.rpc("getconnectioncount"), 0, "(B must not have redialled A)")
    connect(b, a)
    submit(a, shared)
    wait_until(lambda: b.rpc("getmempoolinfo")["size"] == len(shared), 30, interval=0.1,
               what="node B's mempool to hold the shared transfers")
    missing = {txid_hex(r) for r in only_a}
    assert not missing & set(b.rpc("getrawmempool")), "B got transfers sent while it was disconnected"
    assert_equal(a.rpc("getmempoolinfo")["size"], len(only_a) + len(shared))

    b_before, a_before, stats_before = recv_per_msg(b), recv_per_msg(a), compact_stats(b)
    tip = a.rpc("generatetoaddress", 1, miner)[0]
    wait_until(lambda: b.rpc("getbestblockhash") == tip, 30, interval=0.01, what="node B to reach the block")
    b_after, a_after, stats_after = recv_per_msg(b), recv_per_msg(a), compact_stats(b)

    info = a.rpc("getblock", tip)
    assert_equal(info["nTx"], len(only_a) + len(shared) + 1)
    assert missing <= set(info["tx"])
    size = len(a.rpc("getblock", tip, 0)) // 2
    db = delta(b_after, b_before, COMPACT_MSGS)
    da = delta(a_after, a_before, COMPACT_MSGS)
    print(f"  case 2: block {size:,} bytes ({info['nTx'] - 1} transfers, {len(only_a)} unknown to B); "
          f"B received {db}, A received {da}")
    assert_equal(stats_after["rebuilt_after_getblocktxn"], stats_before["rebuilt_after_getblocktxn"] + 1)
    assert_equal(stats_after["fell_back_to_full_block"], stats_before["fell_back_to_full_block"])
    assert "blocktxn" in b_after and db["blocktxn"] > 0, b_after
    assert "getblocktxn" in a_after and da["getblocktxn"] > 0, a_after
    # Exactly the 50 missing transfers came back: frame header 13 + block hash 32 + count 1 + 50 x 140.
    assert_equal(db["blocktxn"], 13 + 32 + 1 + 140 * len(only_a), "(blocktxn frame bytes)")
    assert_equal(db["block"], 0, "(no whole block)")
    return tip


# ---- 3. malformed compact messages from raw peers -------------------------------------------

def raw_peer(node, ip):
    p = RawPeer(node.port, ip)
    p.handshake()
    p.send_msg("sendcmpct", sendcmpct_payload(False, 1))
    return p


def assert_discouraged(node, p, ip, reasons, what):
    assert p.closed_by_peer(10), f"{what}: {ip} was not disconnected"
    p.close()
    assert ip not in banned_ips(node), f"{what}: misbehaviour is discouraged, not banned"
    assert discouraged(node, ip), f"{what}: {ip} not discouraged"
    lines = [line for line in debug_log(node).splitlines() if f"({ip}) misbehaved" in line]
    assert lines, f"{what}: no misbehaviour logged for {ip}"
    assert any(r in line for r in reasons for line in lines), f"{what}: expected one of {reasons}, logged {lines}"
    assert node.rpc("getblockcount") >= 0  # still answering
    print(f"    {what}: {ip} discouraged ({lines[-1].split('misbehaved: ', 1)[-1][:110]})")


def new_block(node, txs=(), extra=b"raw", amount=1, **kw):
    best, height, _ = tip_info(node)
    return make_block_txs(best, height + 1, next_block_time(node), amount, txs, extra, **kw)


def case_malformed(a, b, raws, big_block_hash):
    print("  case 3: malformed compact messages")
    tx = bytes.fromhex(raws[0])  # any well-formed transfer: these messages fail before it matters

    # (a) a prefilled index equal to the block's transfer count (2 short ids + 1 prefilled = 3).
    _, header, cb = new_block(a, extra=b"case-3a")
    p = raw_peer(a, "127.0.0.2")
    p.send_msg("cmpctblock", cmpctblock_payload(header, 1, cb, [11, 22], [(3, tx)]))
    assert_discouraged(a, p, "127.0.0.2", ["bad-cmpct-index"], "(a) prefilled index out of range")

    # (a') a second prefilled gap of 2^64-1: past the end, and 0 if it wrapped (not increasing).
    _, header, cb = new_block(a, extra=b"case-3a2")
    p = raw_peer(a, "127.0.0.3")
    p.send_msg("cmpctblock", cmpctblock_payload(header, 1, cb, [11], [(0, tx), (1, tx)],
                                                raw_prefilled_gaps=[0, 2 ** 64 - 1]))
    assert_discouraged(a, p, "127.0.0.3", ["bad-cmpct-index"], "(a') prefilled gap that would wrap")

    # (b) two equal short ids, in a cmpctblock whose header is a valid next block.
    _, header, cb = new_block(a, extra=b"case-3b")
    p = raw_peer(a, "127.0.0.4")
    p.send_msg("cmpctblock", cmpctblock_payload(header, 1, cb, [0x123456789ABC, 0x0000DEADBEEF, 0x123456789ABC]))
    assert_discouraged(a, p, "127.0.0.4", ["bad-cmpct-duplicate-ids"], "(b) duplicate short ids")

    # (c) 10,001 short ids (all present, all distinct): over the 10,000-transfer limit.
    _, header, cb = new_block(a, extra=b"case-3c")
    p = raw_peer(a, "127.0.0.5")
    p.send_msg("cmpctblock", cmpctblock_payload(header, 1, cb, list(range(1, 10_002))))
    assert_discouraged(a, p, "127.0.0.5", ["size-too-large", "bad-cmpct-oversize"], "(c) 10,001 short ids")

    # (c') 5,001 short ids + 5,000 prefilled transfers: each list within the limit, together over it.
    _, header, cb = new_block(a, extra=b"case-3c2")
    p = raw_peer(a, "127.0.0.6")
    p.send_msg("cmpctblock", cmpctblock_payload(header, 1, cb, list(range(1, 5_002)),
                                                [(i, tx) for i in range(5_000)]))
    assert_discouraged(a, p, "127.0.0.6", ["size-too-large", "bad-cmpct-oversize"],
                  "(c') 5,001 short ids + 5,000 prefilled")

    # (d) getblocktxn for the 1,000-transfer block. First honest requests: the block as
    # cmpctblock (its short ids must be the documented SipHash of each txid), then transfers
    # 0 and 999; then index 1,000, past the block's transfers.
    raw_block = bytes.fromhex(a.rpc("getblock", big_block_hash, 0))
    header, coinbase, txs = parse_block(raw_block)
    hash_bytes = bytes.fromhex(big_block_hash)[::-1]
    assert_equal(block_hash(header), hash_bytes)
    p = raw_peer(a, "127.0.0.7")
    p.send_msg("getdata", getdata_payload([(INV_CMPCT, hash_bytes)]))
    payload = p.wait_for_msg("cmpctblock", lambda m: block_hash(m[:88]) == hash_bytes, 10)
    m = parse_cmpctblock(payload)
    key = short_id_key(m["header"], m["nonce"])
    expected = [short_id(key, sha256(t)) for t in txs]
    assert_equal(m["coinbase"], coinbase)
    assert_equal(m["prefilled"], [], "(nothing prefilled)")
    assert m["short_ids"] == expected, "short ids differ from SipHash-2-4(SHA256(header || nonce), txid)"
    print(f"    (d) the 1,000-transfer block as cmpctblock: {len(payload):,} payload bytes "
          f"(block {len(raw_block):,}); its short ids match the documented SipHash")
    p.send_msg("getblocktxn", getblocktxn_payload(hash_bytes, [0, 999]))
    got_hash, got = parse_blocktxn(p.wait_for_msg("blocktxn", None, 10))
    assert_equal(got_hash, hash_bytes)
    assert got == [txs[0], txs[999]], "blocktxn does not hold transfers 0 and 999"
    assert not discouraged(a, "127.0.0.7")
    p.send_msg("getblocktxn", getblocktxn_payload(hash_bytes, [998, 1000]))
    assert_discouraged(a, p, "127.0.0.7", ["bad-getblocktxn-index"], "(d) getblocktxn index 1,000 of 1,000")

    # (e) blocktxn with the wrong count, in answer to the node's own getblocktxn: a valid next
    # block with two transfers, one in A's mempool (matched by its short id) and one A lacks.
    in_pool, unknown = raws[1], raws[2]
    submit(a, [in_pool])
    block, header, cb = new_block(a, [bytes.fromhex(in_pool), bytes.fromhex(unknown)], extra=b"case-3e")
    bh = block_hash(header)
    nonce = random.getrandbits(64)
    key = short_id_key(header, nonce)
    ids = [short_id(key, sha256(bytes.fromhex(t))) for t in (in_pool, unknown)]
    p = raw_peer(a, "127.0.0.8")
    p.send_msg("cmpctblock", cmpctblock_payload(header, nonce, cb, ids))
    req_hash, indexes = parse_getblocktxn(p.wait_for_msg("getblocktxn", lambda m: m[:32] == bh, 10))
    assert_equal(indexes, [1], "(A asks only for the transfer it lacks)")
    p.send_msg("blocktxn", blocktxn_payload(bh, [bytes.fromhex(unknown)] * 2))
    assert_discouraged(a, p, "127.0.0.8", ["bad-blocktxn-count"], "(e) blocktxn with 2 transfers for 1 missing")
    assert hash_hex(bh) != a.rpc("getbestblockhash")

    # (f) headers that fail their proof of work, or carry bits other than the rule's.
    _, header, cb = new_block(a, extra=b"case-3f", valid_pow=False)
    p = raw_peer(a, "127.0.0.9")
    p.send_msg("cmpctblock", cmpctblock_payload(header, 1, cb, []))
    assert_discouraged(a, p, "127.0.0.9", ["high-hash"], "(f) header with bad proof of work")

    _, header, cb = new_block(a, extra=b"case-3f2", bits=0x1F00FFFF)  # harder than regtest's, and met
    p = raw_peer(a, "127.0.0.10")
    p.send_msg("cmpctblock", cmpctblock_payload(header, 1, cb, []))
    assert_discouraged(a, p, "127.0.0.10", ["bad-diffbits"], "(f') header with the wrong bits")

    # The node is up, B (on 127.0.0.1) still connected, no compact block was counted as rebuilt.
    assert_equal(b.rpc("getconnectioncount"), 1)
    assert not discouraged(a, "127.0.0.1")


# ---- 4. mutated compact block ----------------------------------------------------------------

def case_mutated(a, b):
    ip = "127.0.0.20"
    block, header, cb = new_block(a, extra=b"case-4 real")
    bh = block_hash(header)
    mutated_cb = coinbase_bytes(tip_info(a)[1] + 1, 1, b"case-4 mutated")
    assert_equal(len(mutated_cb), len(cb) + 3)
    stats_before = compact_stats(a)

    def not_invalid():
        for t in a.rpc("getchaintips"):
            assert not (t["hash"] == hash_hex(bh) and "invalid" in t["status"]), t
        return True

    p = raw_peer(a, ip)
    p.send_msg("cmpctblock", cmpctblock_payload(header, random.getrandbits(64), mutated_cb, []))
    p.wait_for_msg("getdata", lambda m: (INV_BLOCK, bh) in parse_inv(m), 10)
    stats_after = compact_stats(a)
    assert_equal(stats_after["fell_back_to_full_block"], stats_before["fell_back_to_full_block"] + 1)
    assert_equal(stats_after["received"], stats_before["received"] + 1)
    assert not discouraged(a, ip), "a mutated compact block was punished"
    assert p.is_open(), "the node dropped the peer of a mutated compact block"
    not_invalid()

    p.send_msg("block", block)
    wait_until(lambda: not_invalid() and a.rpc("getbestblockhash") == hash_hex(bh), 10,
               what="node A to connect the real block")
    wait_until(lambda: b.rpc("getbestblockhash") == hash_hex(bh), 10, what="node B to follow")
    not_invalid()
    assert not discouraged(a, ip)
    assert p.is_open()
    p.close()
    print(f"  case 4: mutated coinbase -> getdata(block) from the same peer, no ban; "
          f"the real block {hash_hex(bh)[:16]}... became the tip of A and B")


# ---- 5. a node's own blocks go compact to every peer at its tip -----------------------------

def block_news(p, block_hex, timeout=10):
    """How raw peer p first hears of block `block_hex`: "inv", "headers" or "cmpctblock"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p.sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            msg = p.recv_msg()
        except socket.timeout:
            break
        assert msg is not None, "the node closed the connection"
        name = CMD_NAME.get(msg[0])
        if name == "ping":
            p.send_msg("pong", msg[1])
        elif name == "inv" and any(t == INV_BLOCK and hash_hex(h) == block_hex for t, h in parse_inv(msg[1])):
            return "inv"
        elif name == "cmpctblock" and hash_hex(block_hash(parse_cmpctblock(msg[1])["header"])) == block_hex:
            return "cmpctblock"
        elif name == "headers":
            r = Reader(msg[1])
            if any(hash_hex(block_hash(r.take(88))) == block_hex for _ in range(r.compact_size())):
                return "headers"
    raise AssertionError(f"no news of block {block_hex[:16]}... within {timeout}s")


def low_bandwidth_peer(node, ip, version):
    """A raw peer of protocol `version` that speaks compact blocks without asking for pushes;
    returns once the node has handled its sendcmpct (a ping behind it was answered)."""
    p = RawPeer(node.port, ip)
    p.handshake(version)
    p.send_msg("sendcmpct", sendcmpct_payload(False, 1))
    assert p.is_open()
    return p


def tell_tip(node, p):
    """p announces the node's tip to it (so the node knows p holds it)."""
    p.send_msg("inv", compact_size(1) + bytes([INV_BLOCK]) + bytes.fromhex(node.rpc("getbestblockhash"))[::-1])
    assert p.is_open()


def peer_score(node, p):
    return next(e["score"] for e in node.rpc("getpeerinfo") if e["identity"] == p.identity)


def case_own_blocks(a, b, miner):
    # (a) Sender. P (version 4) speaks compact blocks in low-bandwidth mode: it never asked A to
    # push. A pushes its own block to P only once P is known to hold the parent.
    p = low_bandwidth_peer(a, "127.0.0.30", 4)
    first = a.rpc("generatetoaddress", 1, miner)[0]
    assert_equal(block_news(p, first), "inv", "(P never said it holds the parent: an announcement)")
    tell_tip(a, p)
    own = a.rpc("generatetoaddress", 1, miner)[0]
    assert_equal(block_news(p, own), "cmpctblock", "(A's own block, P told A of its parent: pushed)")
    own2 = a.rpc("generatetoaddress", 1, miner)[0]
    assert_equal(block_news(p, own2), "cmpctblock", "(the parent is the block A pushed to P last)")
    wait_until(lambda: b.rpc("getbestblockhash") == own2, 10, what="node B at A's blocks")
    relayed = b.rpc("generatetoaddress", 1, miner)[0]
    assert_equal(block_news(p, relayed), "headers", "(a block A got from B is not A's own: its header)")
    wait_until(lambda: a.rpc("getbestblockhash") == relayed, 10, what="node A at B's block")

    # A peer that never told A its tip gets inv only, also in a burst (a push or header whose
    # parent it lacks would count against A there); so does a version-3 peer at the tip (it
    # may count refused-but-connecting headers against us).
    behind = low_bandwidth_peer(a, "127.0.0.31", 4)
    old = low_bandwidth_peer(a, "127.0.0.32", 3)
    tell_tip(a, old)
    burst = a.rpc("generatetoaddress", 3, miner)
    assert_equal([block_news(behind, h) for h in burst], ["inv"] * 3, "(a peer not known at the tip)")
    assert_equal(block_news(old, burst[0]), "inv", "(a version-3 peer gets no pushes, no headers)")
    for peer in (p, behind, old):
        peer.close()

    # (b) Receiver: an unasked compact block of a block nobody had, on the tip, costs its sender
    # nothing; the same message again, from another peer not chosen for it, counts as unrequested.
    q, r = low_bandwidth_peer(a, "127.0.0.33", 4), low_bandwidth_peer(a, "127.0.0.34", 4)
    _, header, cb = new_block(a, extra=b"case-5 news")
    message = cmpctblock_payload(header, random.getrandbits(64), cb, [])
    q.send_msg("cmpctblock", message)
    wait_until(lambda: a.rpc("getbestblockhash") == hash_hex(block_hash(header)), 10,
               what="node A to connect the pushed block")
    assert_equal(peer_score(a, q), 0.0, "(news on the tip is not a nuisance)")
    r.send_msg("cmpctblock", message)
    wait_until(lambda: peer_score(a, r) > 0, 10, what="the repeated unasked compact block to count")
    repeat_score = peer_score(a, r)

    # A header announced on the tip is fetched at once as a compact block (getdata type 3).
    h = low_bandwidth_peer(a, "127.0.0.35", 4)
    _, header, cb = new_block(a, extra=b"case-5 header")
    bh = block_hash(header)
    h.send_msg("headers", compact_size(1) + header)
    h.wait_for_msg("getdata", lambda m: (INV_CMPCT, bh) in parse_inv(m), 10)
    h.send_msg("cmpctblock", cmpctblock_payload(header, random.getrandbits(64), cb, []))
    wait_until(lambda: a.rpc("getbestblockhash") == hash_hex(bh), 10, what="node A to connect the announced block")
    assert_equal(peer_score(a, h), 0.0, "(a header announcement and the block asked for cost nothing)")
    assert q.is_open() and r.is_open() and h.is_open()
    for peer in (q, r, h):
        peer.close()
    print("  case 5: A's own blocks went as cmpctblock to a low-bandwidth peer holding the parent, B's block "
          "as headers, a peer not known at the tip and a version-3 peer got inv; unasked news on the tip cost 0, "
          f"the same block again scored {repeat_score}; a header on the tip was fetched as a compact block")


# ---- the test ------------------------------------------------------------------------------

def test(h):
    start = time.monotonic()
    miner = h.keygen()["address"]
    # A port that is bound but never listens: --connect to it keeps both nodes from dialling
    # anything by themselves (connection refused, retried every 5 s).
    dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    dead.bind(("127.0.0.1", 0))
    try:
        no_auto = [f"--connect=127.0.0.1:{dead.getsockname()[1]}", "--debug=net"]
        a, b = h.add_node(no_auto), h.add_node(no_auto)
        raws = make_chain(h, a.datadir, accounts=1200, txcount=1200)
        shutil.copytree(a.datadir, b.datadir, dirs_exist_ok=True)
        a.start()
        b.start()
        connect(b, a)
        # A fresh block ends initial block download (the made chain is old) and makes A the
        # peer B asks for high-bandwidth compact blocks.
        warm = a.rpc("generatetoaddress", 1, miner)[0]
        wait_until(lambda: b.rpc("getbestblockhash") == warm, 30, what="node B at the warm-up block")
        wait_until(lambda: b.rpc("getpeerinfo")[0]["bip152_hb_to"] and a.rpc("getpeerinfo")[0]["bip152_hb_from"],
                   10, what="B to choose A as a high-bandwidth peer")
        print(f"  setup: {time.monotonic() - start:.1f} s")

        big = case_warm(a, b, raws[:1000], miner)
        case_missing(a, b, raws[1000:1050], raws[1050:1150], miner)
        case_malformed(a, b, raws[1150:], big)
        case_mutated(a, b)
        case_own_blocks(a, b, miner)

        assert_equal(len({n.rpc("getbestblockhash") for n in (a, b)}), 1)
        assert_equal(a.stop(), 0)
        assert_equal(b.stop(), 0)
    finally:
        dead.close()


if __name__ == "__main__":
    main(test)
