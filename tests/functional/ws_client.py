#!/usr/bin/env python3
"""A minimal RFC 6455 WebSocket client over plain TCP (no TLS, no extensions), standard
library only, for the functional tests. Run this file to self-test it against a tiny
threaded echo server."""

import base64
import collections
import hashlib
import json
import os
import socket
import struct
import sys
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def accept_key(key):
    """The Sec-WebSocket-Accept value for a Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def apply_mask(key, data):
    """XOR data with the 4-byte key repeated (done on big integers: fast for large payloads)."""
    n = len(data)
    if n == 0:
        return b""
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


class WsError(Exception):
    """A protocol violation by the server (bad frame, bad handshake header, ...)."""


class WsHandshakeError(WsError):
    """The server answered the upgrade request with a status other than 101."""
    def __init__(self, status, body):
        super().__init__(f"WebSocket handshake refused: HTTP {status}: {body[:200]}")
        self.status, self.body = status, body


class WsClosed(WsError):
    """The server sent a close frame (code/reason), or the connection ended without one (code None)."""
    def __init__(self, code, reason=""):
        super().__init__(f"WebSocket closed: code={code} reason={reason!r}")
        self.code, self.reason = code, reason


class WsClient:
    def __init__(self, host, port, path="/", headers=None, timeout=10.0, rcvbuf=None):
        self.timeout = timeout
        self.pings_received = 0           # pings seen (each answered with a pong) ...
        self.ping_payloads = []           # ... and their payloads
        self.pending = collections.deque()  # messages read by call() that were not its answer
        self.close_code, self.close_reason = None, ""
        self._buf, self._pos = b"", 0     # bytes received; _buf[_pos:] not yet consumed as frames
        self._frag = None                 # (opcode, [parts]) of a fragmented message in progress
        self._close_sent = self._closed = False
        self._next_id = 0
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        self.sock = socket.socket(family, kind, proto)
        if rcvbuf is not None:  # must precede connect() so the advertised TCP window is small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(addr)
            self._handshake(host, port, path, headers or {})
        except BaseException:
            self.sock.close()
            raise

    def _handshake(self, host, port, path, headers):
        key = base64.b64encode(os.urandom(16)).decode()
        hostport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        lines = [f"GET {path} HTTP/1.1", f"Host: {hostport}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode())
        deadline = time.monotonic() + self.timeout
        while b"\r\n\r\n" not in self._buf:
            self._recv_more(deadline)
        head, self._buf = self._buf.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise WsError(f"bad HTTP status line {status_line!r}")
        status = int(parts[1])
        hdrs = {}
        for line in header_lines:
            name, _, val = line.partition(":")
            hdrs[name.strip().lower()] = val.strip()
        if status != 101:
            # Read the body: Content-Length bytes, else whatever arrives until EOF or timeout.
            want = int(hdrs.get("content-length", "-1"))
            deadline = time.monotonic() + min(self.timeout, 2.0)
            try:
                while want < 0 or len(self._buf) < want:
                    self._recv_more(deadline)
            except (WsClosed, socket.timeout, OSError):
                pass
            body = self._buf if want < 0 else self._buf[:want]
            raise WsHandshakeError(status, body.decode("utf-8", "replace"))
        if hdrs.get("upgrade", "").lower() != "websocket":
            raise WsError(f"101 without 'Upgrade: websocket': {hdrs}")
        if hdrs.get("sec-websocket-accept") != accept_key(key):
            raise WsError(f"wrong Sec-WebSocket-Accept {hdrs.get('sec-websocket-accept')!r}")

    # --- sending ---------------------------------------------------------------------------
    def send_raw(self, data):
        self.sock.sendall(data)

    def send_frame(self, opcode, payload, fin=True, mask=True, rsv=0):
        """One raw frame; rsv is the 3-bit RSV1..RSV3 value. Any opcode/flags may be sent."""
        if isinstance(payload, str):
            payload = payload.encode()
        head = bytes([(0x80 if fin else 0) | (rsv & 7) << 4 | (opcode & 0xF)])
        n, m = len(payload), 0x80 if mask else 0
        if n < 126:
            head += bytes([m | n])
        elif n < 65536:
            head += bytes([m | 126]) + struct.pack("!H", n)
        else:
            head += bytes([m | 127]) + struct.pack("!Q", n)
        if mask:
            key = os.urandom(4)
            head, payload = head + key, apply_mask(key, payload)
        self.send_raw(head + payload)

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode())

    def send_binary(self, data):
        self.send_frame(OP_BINARY, bytes(data))

    def _send_close(self, code):
        if not self._close_sent:
            self._close_sent = True
            self.send_frame(OP_CLOSE, b"" if code is None else struct.pack("!H", code))

    # --- receiving -------------------------------------------------------------------------
    def _recv_more(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self._closed = True
            raise WsClosed(None, "connection ended without a close frame")
        self._buf, self._pos = self._buf[self._pos:] + chunk, 0  # drop consumed bytes

    def _read_frame(self, deadline):
        """(fin, opcode, payload) of the next frame. Bytes are consumed only once the whole
        frame is buffered, so a timeout leaves the stream intact for the next call."""
        while True:
            b, p = self._buf, self._pos  # parse at offset p: no copy of the rest per frame
            if len(b) - p >= 2:
                need, n = 2, b[p + 1] & 0x7F
                if n == 126:
                    need = 4
                    n = struct.unpack("!H", b[p + 2:p + 4])[0] if len(b) - p >= 4 else None
                elif n == 127:
                    need = 10
                    n = struct.unpack("!Q", b[p + 2:p + 10])[0] if len(b) - p >= 10 else None
                start = p + need + (4 if b[p + 1] & 0x80 else 0)
                if n is not None and len(b) >= start + n:
                    payload = b[start:start + n]
                    if b[p + 1] & 0x80:  # servers must not mask, but decode it anyway
                        payload = apply_mask(b[p + need:start], payload)
                    self._pos = start + n
                    return bool(b[p] & 0x80), b[p] & 0x0F, payload
            self._recv_more(deadline)

    def recv_message(self, timeout=None):
        """(opcode, payload) of the next complete data message; answers pings; raises WsClosed
        on a close frame or EOF and socket.timeout when nothing complete arrives in time."""
        if self._closed:
            raise WsClosed(self.close_code, self.close_reason)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            fin, op, payload = self._read_frame(deadline)
            if op == OP_PING:
                self.pings_received += 1
                self.ping_payloads.append(payload)
                self.send_frame(OP_PONG, payload)
            elif op == OP_PONG:
                pass
            elif op == OP_CLOSE:
                self._closed = True
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                self.close_reason = payload[2:].decode("utf-8", "replace")
                try:
                    self._send_close(self.close_code)
                except OSError:
                    pass
                raise WsClosed(self.close_code, self.close_reason)
            elif op in (OP_TEXT, OP_BINARY) and self._frag is None:
                if fin:
                    return op, payload
                self._frag = (op, [payload])
            elif op == OP_CONT and self._frag is not None:
                self._frag[1].append(payload)
                if fin:
                    (first, parts), self._frag = self._frag, None
                    return first, b"".join(parts)
            else:
                raise WsError(f"unexpected frame opcode {op:#x} (fragment in progress: {self._frag is not None})")

    def recv_json(self, timeout=None):
        op, payload = self.recv_message(timeout)
        if op != OP_TEXT:
            raise WsError(f"expected a text message, got opcode {op:#x}")
        return json.loads(payload)

    def call(self, method, params=None, id=None, timeout=None):
        """Send a JSON-RPC 2.0 request and return the response object with the same id; other
        messages read meanwhile (notifications) are queued in self.pending."""
        if id is None:
            self._next_id += 1
            id = self._next_id
        self.send_text(json.dumps({"jsonrpc": "2.0", "id": id, "method": method,
                                   "params": [] if params is None else params}))
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            msg = self.recv_json(max(0.0, deadline - time.monotonic()))
            if isinstance(msg, dict) and "id" in msg and msg["id"] == id:
                return msg
            self.pending.append(msg)

    def next_notification(self, timeout=None):
        """The oldest queued message from call(), else the next JSON message read."""
        return self.pending.popleft() if self.pending else self.recv_json(timeout)

    def close(self, code=1000):
        try:
            if not self._closed:
                self._send_close(code)
        except OSError:
            pass
        self._closed = True
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- self-test -----------------------------------------------------------------------------
def _selftest():
    import socketserver
    import threading

    got_close_reply = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def frame(self, op, payload=b""):  # server frames are unmasked
            n = len(payload)
            ln = bytes([n]) if n < 126 else (bytes([126]) + struct.pack("!H", n) if n < 65536
                                             else bytes([127]) + struct.pack("!Q", n))
            self.request.sendall(bytes([0x80 | op]) + ln + payload)

        def read(self):
            f = self.request.makefile("rb")
            self.read_frame = lambda: _server_read(f)
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += f.read(1)
            return head.decode()

        def handle(self):
            head = self.read()
            path = head.split(" ")[1]
            key = [l.split(":", 1)[1].strip() for l in head.split("\r\n") if l.lower().startswith("sec-websocket-key")][0]
            if path == "/auth" and "Authorization: Basic dTpw" not in head:
                self.request.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 7\r\n\r\nno auth")
                return
            self.request.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                  f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept_key(key)}\r\n\r\n").encode())
            if path == "/ping":
                self.frame(OP_PING, b"hi")
                op, payload = self.read_frame()
                self.frame(OP_TEXT, b"pong-ok" if (op, payload) == (OP_PONG, b"hi") else b"bad")
            if path == "/close":
                self.frame(OP_CLOSE, struct.pack("!H", 1008) + b"policy")
                if self.read_frame() == (OP_CLOSE, struct.pack("!H", 1008)):
                    got_close_reply.set()
                return
            while True:
                op, payload = self.read_frame()
                if op == OP_CLOSE:
                    return self.frame(OP_CLOSE, payload)
                if path == "/auth":  # JSON-RPC: a notification, then the answer split into two fragments
                    req = json.loads(payload)
                    self.frame(OP_TEXT, b'{"method":"note"}')
                    ans = json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": req["method"]}).encode()
                    self.request.sendall(bytes([OP_TEXT, len(ans[:5])]) + ans[:5])
                    self.frame(OP_CONT, ans[5:])
                else:
                    self.frame(op, payload)

    def _server_read(f):
        b0, b1 = f.read(2)
        n = b1 & 0x7F
        n = struct.unpack("!H", f.read(2))[0] if n == 126 else struct.unpack("!Q", f.read(8))[0] if n == 127 else n
        key = f.read(4) if b1 & 0x80 else None
        assert key is not None, "client frames must be masked"
        return b0 & 0x0F, apply_mask(key, f.read(n))

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        with WsClient("127.0.0.1", port, rcvbuf=8192, timeout=3) as ws:
            for text in ("hello", "é" * 150, "x" * 70_000):  # 7-bit, 16-bit, 64-bit lengths
                ws.send_text(text)
                assert ws.recv_message() == (OP_TEXT, text.encode()), len(text)
            ws.send_binary(b"\x00\xff" * 40_000)
            assert ws.recv_message() == (OP_BINARY, b"\x00\xff" * 40_000)
            try:
                ws.recv_message(timeout=0.2)
                raise AssertionError("expected a timeout")
            except socket.timeout:
                pass
        with WsClient("127.0.0.1", port, "/ping", timeout=3) as ws:
            assert ws.recv_message() == (OP_TEXT, b"pong-ok") and (ws.pings_received, ws.ping_payloads) == (1, [b"hi"])
        ws = WsClient("127.0.0.1", port, "/close", timeout=3)
        try:
            ws.recv_message()
            raise AssertionError("expected WsClosed")
        except WsClosed as e:
            assert (e.code, e.reason, ws.close_code, ws.close_reason) == (1008, "policy", 1008, "policy")
        assert got_close_reply.wait(2), "the client did not answer the close frame"
        ws.close()
        try:
            WsClient("127.0.0.1", port, "/auth", timeout=3)
            raise AssertionError("expected WsHandshakeError")
        except WsHandshakeError as e:
            assert (e.status, e.body) == (401, "no auth"), (e.status, e.body)
        with WsClient("127.0.0.1", port, "/auth", headers={"Authorization": "Basic dTpw"}, timeout=3) as ws:
            assert ws.call("getblockcount", id=7) == {"jsonrpc": "2.0", "id": 7, "result": "getblockcount"}
            assert ws.call("ping")["id"] == 1 and len(ws.pending) == 2
            assert ws.next_notification() == {"method": "note"} and len(ws.pending) == 1
    finally:
        server.shutdown()
        server.server_close()
    print("ws_client self-test: OK")


if __name__ == "__main__":
    try:
        _selftest()
    except Exception:  # any failure is a non-zero exit
        import traceback
        traceback.print_exc()
        sys.exit(1)
