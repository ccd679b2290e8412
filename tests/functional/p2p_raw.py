"""A minimal raw p2p peer for tests: frames, the version handshake and hand-built blocks,
following docs/protocol.md. Standard library only."""

import hashlib
import socket
import struct
import time

REGTEST_MAGIC = bytes([0xF1, 0x9C, 0xA1, 0x03])
REGTEST_GENESIS = "59f63fcda1bb31c1cf6ba73a0328e44a88cd2067deed6b0b99dbd9c219abf772"
MAIN_GENESIS = "00000c8c8e3e92958bc4ec63b5ad73b674cb6e822830119f4435336918e5fb7a"
REGTEST_GENESIS_TIME = 1795478400
CMD = {"version": 1, "verack": 2, "ping": 3, "pong": 4, "inv": 5, "getdata": 6, "notfound": 7,
       "tx": 8, "block": 9, "getheaders": 10, "headers": 11, "getaddr": 12, "addr": 13}


def sha256(b):
    return hashlib.sha256(b).digest()


def compact_size(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    return b"\xfe" + struct.pack("<I", n)


def frame(command, payload, magic=REGTEST_MAGIC, length=None):
    length = len(payload) if length is None else length
    return magic + bytes([CMD[command]]) + struct.pack("<I", length) + sha256(payload)[:4] + payload


def version_payload(genesis_hex=REGTEST_GENESIS, nonce=12345, height=0):
    genesis = bytes.fromhex(genesis_hex)[::-1]
    ua = b"/raw-test/"
    return (struct.pack("<I", 1) + genesis + struct.pack("<Q", height) + bytes(32) +
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


class RawPeer:
    def __init__(self, port, source_ip="127.0.0.1", timeout=10):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.bind((source_ip, 0))
        self.sock.connect(("127.0.0.1", port))

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

    def handshake(self):
        self.send_msg("version", version_payload())
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

    def closed_by_peer(self, timeout=10):
        """True when the node closes the connection within the timeout."""
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        return False

    def close(self):
        self.sock.close()
