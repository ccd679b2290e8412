"""A minimal raw p2p peer for tests: frames, the version handshake and hand-built blocks,
following docs/protocol.md. Standard library only."""

import atexit
import hashlib
import os
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import time

REGTEST_MAGIC = bytes([0xF1, 0x9C, 0xA1, 0x03])
REGTEST_GENESIS = "59f63fcda1bb31c1cf6ba73a0328e44a88cd2067deed6b0b99dbd9c219abf772"
MAIN_GENESIS = "00000c8c8e3e92958bc4ec63b5ad73b674cb6e822830119f4435336918e5fb7a"
REGTEST_GENESIS_TIME = 1795478400
CMD = {"version": 1, "verack": 2, "ping": 3, "pong": 4, "inv": 5, "getdata": 6, "notfound": 7,
       "tx": 8, "block": 9, "getheaders": 10, "headers": 11, "getaddr": 12, "addr": 13,
       "sendcmpct": 14, "cmpctblock": 15, "getblocktxn": 16, "blocktxn": 17}
CMD_NAME = {code: name for name, code in CMD.items()}
INV_TX, INV_BLOCK, INV_CMPCT = 1, 2, 3
REGTEST_BITS = 0x207FFFFF
TX_SIZE = 140


def sha256(b):
    return hashlib.sha256(b).digest()


def compact_size(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def frame(command, payload, magic=REGTEST_MAGIC, length=None):
    length = len(payload) if length is None else length
    return magic + bytes([CMD[command]]) + struct.pack("<I", length) + sha256(payload)[:4] + payload


def version_payload(genesis_hex=REGTEST_GENESIS, nonce=12345, height=0, version=3):
    genesis = bytes.fromhex(genesis_hex)[::-1]
    ua = b"/raw-test/"
    return (struct.pack("<I", version) + genesis + struct.pack("<Q", height) + bytes(32) +
            struct.pack("<Q", 1) + struct.pack("<H", 0) + compact_size(len(ua)) + ua +
            struct.pack("<QQ", nonce, int(time.time())))


def coinbase_bytes(height, amount, extra=b"raw"):
    return struct.pack("<Q", height) + bytes(20) + struct.pack("<Q", amount) + compact_size(len(extra)) + extra


def make_block(prev_hex, height, time_, coinbase_amount, bits=0x207FFFFF):
    """A regtest block with only a coinbase whose proof of work is valid."""
    cb = coinbase_bytes(height, coinbase_amount)
    merkle = sha256(cb)  # a single leaf is the root
    prev = bytes.fromhex(prev_hex)[::-1]
    for nonce in range(1_000_000):
        header = struct.pack("<I", 1) + prev + merkle + struct.pack("<QIQ", time_, bits, nonce)
        h = sha256(sha256(header))
        if h[31] <= 0x7F:  # regtest target: the top bit of the little-endian number is clear
            return header + cb + compact_size(0)
    raise AssertionError("no nonce found")



# ---- blocks with transfers, and compact block relay (docs/protocol.md "Compact blocks") ----

def sha256d(b):
    return sha256(sha256(b))


def hash_hex(h):
    """A hash in display order (reversed), as RPC shows it."""
    return h[::-1].hex()


def merkle_root(leaves):
    """Interior nodes SHA256(0x01 || left || right); an odd level carries its last node up."""
    level = list(leaves)
    assert level, "a block has at least its coinbase"
    while len(level) > 1:
        nxt = [sha256(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def bits_to_target(bits):
    exponent, mantissa = bits >> 24, bits & 0x007FFFFF
    return mantissa >> (8 * (3 - exponent)) if exponent <= 3 else mantissa << (8 * (exponent - 3))


def mine_header(prev_hex, merkle, time_, bits=REGTEST_BITS, valid_pow=True, version=1):
    """An 88-byte header whose hash meets (valid_pow) or misses (not valid_pow) the target of `bits`."""
    target = bits_to_target(bits)
    prefix = struct.pack("<I", version) + bytes.fromhex(prev_hex)[::-1] + merkle + struct.pack("<QI", time_, bits)
    for nonce in range(10_000_000):
        header = prefix + struct.pack("<Q", nonce)
        if (int.from_bytes(sha256d(header), "little") <= target) == valid_pow:
            return header
    raise AssertionError("no nonce found")


def make_block_txs(prev_hex, height, time_, coinbase_amount, txs=(), extra=b"raw", bits=REGTEST_BITS,
                   valid_pow=True):
    """A block with a coinbase and the given transfers (140-byte serializations).
    Returns (block bytes, header, coinbase bytes)."""
    cb = coinbase_bytes(height, coinbase_amount, extra)
    header = mine_header(prev_hex, merkle_root([sha256(cb)] + [sha256(t) for t in txs]), time_, bits, valid_pow)
    return header + cb + compact_size(len(txs)) + b"".join(txs), header, cb


def block_hash(header):
    return sha256d(header[:88])


def siphash24(k0, k1, data):
    """SipHash-2-4 with a 64-bit output (Aumasson & Bernstein)."""
    mask = 0xFFFFFFFFFFFFFFFF

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & mask

    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rounds(n):
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & mask; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
            v2 = (v2 + v3) & mask; v3 = rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & mask; v3 = rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & mask; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)

    whole = len(data) // 8 * 8
    words = [int.from_bytes(data[i:i + 8], "little") for i in range(0, whole, 8)]
    words.append(int.from_bytes(data[whole:], "little") | ((len(data) & 0xFF) << 56))
    for m in words:
        v3 ^= m
        rounds(2)
        v0 ^= m
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


def short_id_key(header, nonce):
    """k0, k1: the first 16 bytes of SHA256(header (88) || nonce u64), as two little-endian u64."""
    h = sha256(header[:88] + struct.pack("<Q", nonce))
    return int.from_bytes(h[:8], "little"), int.from_bytes(h[8:16], "little")


def short_id(key, txid):
    return siphash24(key[0], key[1], txid) & 0xFFFFFFFFFFFF


def diff_indexes(indexes):
    """BIP152 differential encoding of strictly increasing indexes (list of ints)."""
    out, prev = [], None
    for i in indexes:
        out.append(i if prev is None else i - prev - 1)
        prev = i
    return out


def cmpctblock_payload(header, nonce, coinbase, short_ids, prefilled=(), raw_prefilled_gaps=None,
                       short_id_count=None):
    """header (88) · nonce u64 · coinbase · compact size × short id (6 bytes LE) · compact size ×
    (differential index · transfer 140). `prefilled`: (absolute index, transfer bytes) pairs;
    raw_prefilled_gaps overrides the differential values sent (to send malformed ones);
    short_id_count overrides the count field."""
    out = header[:88] + struct.pack("<Q", nonce) + coinbase
    out += compact_size(len(short_ids) if short_id_count is None else short_id_count)
    out += b"".join((sid & 0xFFFFFFFFFFFF).to_bytes(6, "little") for sid in short_ids)
    gaps = diff_indexes([i for i, _ in prefilled]) if raw_prefilled_gaps is None else raw_prefilled_gaps
    out += compact_size(len(prefilled))
    for gap, (_, tx) in zip(gaps, prefilled):
        out += compact_size(gap) + tx
    return out


def getblocktxn_payload(block_hash_bytes, indexes):
    return block_hash_bytes + compact_size(len(indexes)) + b"".join(compact_size(g) for g in diff_indexes(indexes))


def blocktxn_payload(block_hash_bytes, txs):
    return block_hash_bytes + compact_size(len(txs)) + b"".join(txs)


def sendcmpct_payload(high_bandwidth=False, version=1):
    return bytes([1 if high_bandwidth else 0]) + struct.pack("<Q", version)


def getdata_payload(items):
    """items: (type, hash bytes in hash order) pairs."""
    return compact_size(len(items)) + b"".join(bytes([t]) + h for t, h in items)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        assert self.pos + n <= len(self.data), "truncated"
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def compact_size(self):
        first = self.take(1)[0]
        if first < 0xFD:
            return first
        return int.from_bytes(self.take({0xFD: 2, 0xFE: 4, 0xFF: 8}[first]), "little")

    def end(self):
        return self.pos == len(self.data)


def parse_inv(payload):
    """inv / getdata / notfound: [(type, hash bytes)]."""
    r = Reader(payload)
    return [(r.take(1)[0], r.take(32)) for _ in range(r.compact_size())]


def parse_coinbase(r):
    start = r.pos
    r.take(8 + 20 + 8)
    r.take(r.compact_size())
    return r.data[start:r.pos]


def parse_cmpctblock(payload):
    """-> dict(header, nonce, coinbase, short_ids [int], prefilled [(absolute index, tx bytes)])."""
    r = Reader(payload)
    header, nonce = r.take(88), r.u64()
    coinbase = parse_coinbase(r)
    short_ids = [int.from_bytes(r.take(6), "little") for _ in range(r.compact_size())]
    prefilled, prev = [], None
    for _ in range(r.compact_size()):
        gap = r.compact_size()
        index = gap if prev is None else prev + 1 + gap
        prefilled.append((index, r.take(TX_SIZE)))
        prev = index
    assert r.end(), "trailing bytes in cmpctblock"
    return {"header": header, "nonce": nonce, "coinbase": coinbase, "short_ids": short_ids, "prefilled": prefilled}


def parse_getblocktxn(payload):
    """-> (block hash bytes, [absolute indexes])."""
    r = Reader(payload)
    h = r.take(32)
    indexes, prev = [], None
    for _ in range(r.compact_size()):
        gap = r.compact_size()
        prev = gap if prev is None else prev + 1 + gap
        indexes.append(prev)
    assert r.end()
    return h, indexes


def parse_blocktxn(payload):
    """-> (block hash bytes, [tx bytes])."""
    r = Reader(payload)
    h = r.take(32)
    txs = [r.take(TX_SIZE) for _ in range(r.compact_size())]
    assert r.end()
    return h, txs


def parse_block(raw):
    """-> (header, coinbase bytes, [tx bytes])."""
    r = Reader(raw)
    header = r.take(88)
    coinbase = parse_coinbase(r)
    txs = [r.take(TX_SIZE) for _ in range(r.compact_size())]
    assert r.end()
    return header, coinbase, txs

# ---- TLS (docs/protocol.md "Transport"): a self-signed Ed25519 certificate per identity ----

_IDENTITIES = {}
_FRESH = [0]


def make_identity(name=None):
    """(cert_path, key_path, identity) of a fresh Ed25519 key and self-signed certificate made
    by the openssl command, cached per name for the life of the test process (name None: a
    new identity each call, as a node allows one connection per identity)."""
    if name is None:
        _FRESH[0] += 1
        name = f"fresh-{_FRESH[0]}"
    if name in _IDENTITIES:
        return _IDENTITIES[name]
    folder = tempfile.mkdtemp(prefix="finch-raw-tls-")
    atexit.register(shutil.rmtree, folder, True)  # the key and certificate go with the test process
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=raw-test"], check=True, capture_output=True, timeout=30)
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], check=True,
                         capture_output=True, timeout=30).stdout
    _IDENTITIES[name] = (cert, key, hashlib.sha256(der[-32:]).hexdigest())
    return _IDENTITIES[name]


def tls_client_context(cert, key):
    """TLS 1.3 only, presenting our certificate; the node's certificate is not checked here
    (a test that cares compares the identity it reports)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(cert, key)
    return ctx


def certificate_identity(der_cert):
    """The identity a DER certificate proves: SHA-256 of its raw Ed25519 key (the key is the
    last 32 bytes of the SubjectPublicKeyInfo, which openssl extracts)."""
    spki = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-pubkey"], input=der_cert,
                          check=True, capture_output=True, timeout=30).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=spki, check=True,
                         capture_output=True, timeout=30).stdout
    return hashlib.sha256(der[-32:]).hexdigest()


class RawPeer:
    """One connection to a node from `source_ip`. With tls=True (the default) it completes a
    TLS 1.3 handshake first, as every peer must; tls=False speaks to the bare socket, as an
    old plaintext peer or an attacker would."""

    def __init__(self, port, source_ip="127.0.0.1", timeout=10, tls=True, name=None, rcvbuf=None):
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:  # before connect, so the advertised window stays small
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        raw.settimeout(timeout)
        raw.bind((source_ip, 0))
        raw.connect(("127.0.0.1", port))
        self.sock = raw
        self.identity = None
        self.refused = False  # the node closed the connection during the TLS handshake
        if tls:
            cert, key, identity = make_identity(name)
            try:
                self.sock = tls_client_context(cert, key).wrap_socket(raw)
            except (ssl.SSLError, ConnectionResetError, BrokenPipeError, socket.timeout):
                self.refused = True
                return
            self.identity = identity

    def send(self, data):
        self.sock.sendall(data)

    def send_msg(self, command, payload=b""):
        self.send(frame(command, payload))

    def recv_msg(self):
        header = self._recv_exact(13)
        if header is None:
            return None
        command, length = header[4], struct.unpack("<I", header[5:9])[0]
        payload = self._recv_exact(length) if length else b""
        return command, payload

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def handshake(self, version=3):
        self.send_msg("version", version_payload(version=version))
        got_version = got_verack = False
        deadline = time.monotonic() + 10
        while not (got_version and got_verack) and time.monotonic() < deadline:
            msg = self.recv_msg()
            if msg is None:
                raise AssertionError("closed during handshake")
            if msg[0] == CMD["version"]:
                got_version = True
                self.send_msg("verack")
            elif msg[0] == CMD["verack"]:
                got_verack = True
        assert got_version and got_verack, "handshake did not complete"

    def wait_for_msg(self, command, match=None, timeout=10):
        """Reads messages (answering pings) until one of `command` (a name) for which
        match(payload) holds; returns its payload. Fails on close or after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {command} within {timeout}s (saw {seen})")
            self.sock.settimeout(left)
            try:
                msg = self.recv_msg()
            except socket.timeout:
                raise AssertionError(f"no {command} within {timeout}s (saw {seen})")
            if msg is None:
                raise AssertionError(f"connection closed while waiting for {command} (saw {seen})")
            code, payload = msg
            name = CMD_NAME.get(code, str(code))
            seen.append(name)
            if name == "ping":
                self.send_msg("pong", payload)
            if name == command and (match is None or match(payload)):
                return payload

    def is_open(self, timeout=5):
        """True when a ping is answered with its pong (the connection is still up)."""
        nonce = struct.pack("<Q", int(time.monotonic() * 1000) & 0xFFFFFFFF)
        try:
            self.send_msg("ping", nonce)
            self.wait_for_msg("pong", lambda p: p == nonce, timeout)
            return True
        except (AssertionError, OSError):
            return False

    def closed_by_peer(self, timeout=10):
        """True when the node closes the connection within the timeout."""
        if self.refused:
            return True
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True
        except socket.timeout:
            return False
        return False

    def close(self):
        self.sock.close()

    def peer_identity(self):
        """The identity the node proved in the TLS handshake."""
        return certificate_identity(self.sock.getpeercert(binary_form=True))


def discouraged(node, ip):
    """Whether `node` holds address `ip` discouraged (misbehaviour's mark, listed nowhere): a
    fresh TLS peer from that address completes the handshake and getpeerinfo shows its flag."""
    p = RawPeer(node.port, ip)
    try:
        p.handshake()
        for entry in node.rpc("getpeerinfo"):
            if entry["identity"] == p.identity:
                return entry["discouraged"]
        raise AssertionError(f"the probe from {ip} is not in getpeerinfo")
    finally:
        p.close()
