"""A TCP relay for tests: listens on a free loopback port, forwards each connection to a
target, records every byte it forwards and can flip one byte in transit. Standard library
only; every socket and thread it makes ends with close()."""

import socket
import threading


class TcpRelay:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)  # so the accept loop sees close()
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.recorded = bytearray()  # both directions, in arrival order
        self.connections = 0
        self.flip_at = None  # set by flip_one_byte(): offset into the next chunk forwarded
        self.flipped = False
        self.closing = False
        self.sockets = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def flip_one_byte(self, offset=10):
        """The next chunk forwarded (either direction) that is longer than `offset` has the
        byte at `offset` inverted, once."""
        with self.lock:
            self.flip_at = offset
            self.flipped = False

    def _accept(self):
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.connections += 1
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=self._pipe, args=(a, b), daemon=True)
                t.start()
                self.threads.append(t)

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                with self.lock:
                    self.recorded += data
                    if self.flip_at is not None and not self.flipped and len(data) > self.flip_at:
                        data = bytearray(data)
                        data[self.flip_at] ^= 0xFF
                        data = bytes(data)
                        self.flipped = True
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closing = True
        self.listener.close()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)  # wakes the pipe threads blocked in recv
                except OSError:
                    pass
                s.close()
        for t in self.threads:
            t.join(timeout=5)
