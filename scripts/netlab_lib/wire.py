"""The lab's wire: one user-space IPv4 switch that every namespace reaches through a TUN device.

The kernel here has no `netem`, so delay cannot be set on a link with `tc`. Instead each
namespace gets a TUN device (`wire0`); this process holds all of them, reads every IP packet a
namespace sends, and writes it into the destination namespace's device once the link's delay
has passed. Each side keeps its own kernel TCP (congestion control, retransmission, real
source addresses), and the DHT's UDP is delayed too, which a TCP stream relay could not do.

Per link (unordered pair of addresses) the one-way delay is drawn once, uniformly from the
configured range, from a seeded generator: a fixed geography, not per-packet noise. Optional
per-packet jitter never reorders a link (a packet is never written before its link's previous
one). Loss drops a packet with a fixed probability. A partition drops every packet between
two groups. The control namespace (the script's own, address CONTROL_IP) has no delay, no
loss and no partition, so measuring never waits on the lab.

Commands arrive on a Unix socket, one JSON object per line, answered with one JSON line:
  {"cmd":"attach","netns":NAME,"ip":A}     create wire0 in NAME and route A to it
  {"cmd":"detach","ip":A}                  forget A (its device closes)
  {"cmd":"partition","groups":[[A...],[B...]]}   drop packets between the groups (an
                                           address in none of them is a group of its own)
  {"cmd":"slow","ips":[A...],"ms":D}       D ms more one-way delay on every link of A...
  {"cmd":"heal"}                           no more partition
  {"cmd":"set","loss":P,"jitter_ms":J}     change loss / jitter
  {"cmd":"stats"}                          counters, CPU time, lateness percentiles
  {"cmd":"reset_stats"}
  {"cmd":"quit"}
"""

import ctypes
import errno
import fcntl
import hashlib
import heapq
import json
import os
import random
import resource
import selectors
import socket
import struct
import time

CONTROL_IP = "10.255.0.1"
CONTROL_PACKED = socket.inet_aton(CONTROL_IP)
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
MAX_QUEUED = 200_000        # packets waiting for their delay; past it, new packets are dropped
LATENESS_SAMPLES = 100_000  # most recent write delays kept for percentiles

_libc = ctypes.CDLL(None, use_errno=True)


def setns(path_or_fd):
    """Moves the calling thread into a network namespace (a /run/netns path or an fd)."""
    fd = os.open(path_or_fd, os.O_RDONLY) if isinstance(path_or_fd, str) else path_or_fd
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns: {os.strerror(err)}")
    finally:
        if isinstance(path_or_fd, str):
            os.close(fd)


def open_tun_in(netns, name="wire0"):
    """Creates TUN device `name` inside namespace `netns` and returns its non-blocking fd."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns(f"/run/netns/{netns}")
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI))
        except OSError:
            os.close(fd)
            raise
        return fd
    finally:
        setns(home)
        os.close(home)


def link_delay(seed, a, b, lo_ms, hi_ms):
    """The fixed one-way delay of the link between addresses a and b, in seconds."""
    if CONTROL_IP in (a, b):
        return 0.0
    x, y = sorted((a, b))
    digest = hashlib.sha256(f"{seed}|{x}|{y}".encode()).digest()
    unit = int.from_bytes(digest[:8], "big") / 2**64
    return (lo_ms + (hi_ms - lo_ms) * unit) / 1000.0


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


class Wire:
    def __init__(self, sock_path, lo_ms, hi_ms, seed, loss=0.0, jitter_ms=0.0):
        self.lo_ms, self.hi_ms, self.seed = lo_ms, hi_ms, seed
        self.loss, self.jitter = loss, jitter_ms / 1000.0
        self.rng = random.Random(seed)
        self.sel = selectors.DefaultSelector()
        self.by_ip = {}        # packed IPv4 address -> tun fd
        self.ip_of_fd = {}     # tun fd -> packed address
        self.group = {}        # packed address -> partition group index (empty: no partition)
        self.extra = {}        # packed address -> extra one-way delay (s) on every link it has
        self.delays = {}       # (packed a, packed b) -> seconds
        self.last_due = {}     # (src, dst) -> due time of the link's last queued packet
        self.queue = []        # (due, seq, dst packed, packet)
        self.seq = 0
        self.running = True
        self.reset_stats()
        try:
            os.unlink(sock_path)
        except FileNotFoundError:
            pass
        self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control.bind(sock_path)
        os.chmod(sock_path, 0o600)
        self.control.listen(16)
        self.sel.register(self.control, selectors.EVENT_READ, None)

    def reset_stats(self):
        self.stats = {"packets": 0, "bytes": 0, "dropped_loss": 0, "dropped_partition": 0,
                      "dropped_queue": 0, "dropped_unroutable": 0, "dropped_device": 0, "dropped_spoofed": 0}
        self.lateness = []
        self.started = time.monotonic()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu_start = usage.ru_utime + usage.ru_stime

    # ---- control ----------------------------------------------------------------------

    def handle(self, request):
        cmd = request.get("cmd")
        if cmd == "attach":
            packed = socket.inet_aton(request["ip"])
            if packed in self.by_ip:
                self.detach(packed)
            fd = open_tun_in(request["netns"])
            self.by_ip[packed] = fd
            self.ip_of_fd[fd] = packed
            self.sel.register(fd, selectors.EVENT_READ, packed)
            return {"ok": True}
        if cmd == "detach":
            self.detach(socket.inet_aton(request["ip"]))
            self.extra.pop(socket.inet_aton(request["ip"]), None)
            return {"ok": True}
        if cmd == "partition":
            self.group = {socket.inet_aton(ip): i for i, g in enumerate(request["groups"]) for ip in g}
            return {"ok": True}
        if cmd == "slow":
            for ip in request["ips"]:
                self.extra[socket.inet_aton(ip)] = float(request["ms"]) / 1000.0
            return {"ok": True}
        if cmd == "heal":
            self.group = {}
            return {"ok": True}
        if cmd == "set":
            self.loss = float(request.get("loss", self.loss))
            self.jitter = float(request.get("jitter_ms", self.jitter * 1000)) / 1000.0
            return {"ok": True}
        if cmd == "stats":
            return self.report()
        if cmd == "reset_stats":
            self.reset_stats()
            return {"ok": True}
        if cmd == "quit":
            self.running = False
            return {"ok": True}
        return {"ok": False, "error": f"unknown command {cmd!r}"}

    def detach(self, packed):
        fd = self.by_ip.pop(packed, None)
        if fd is not None:
            self.sel.unregister(fd)
            self.ip_of_fd.pop(fd, None)
            os.close(fd)

    def report(self):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        elapsed = time.monotonic() - self.started
        late = sorted(self.lateness)
        ms = lambda v: None if v is None else round(v * 1000, 3)  # noqa: E731
        return dict(self.stats, ok=True, elapsed_s=round(elapsed, 3),
                    cpu_s=round(usage.ru_utime + usage.ru_stime - self.cpu_start, 3),
                    queued=len(self.queue), devices=len(self.by_ip),
                    late_p50_ms=ms(percentile(late, 0.5)), late_p99_ms=ms(percentile(late, 0.99)),
                    late_max_ms=ms(late[-1] if late else None))

    def serve_control(self):
        """One command per connection. A client that stalls holds the wire up for at most
        0.5 s; any failure is the client's answer (or lost with it), never the wire's end."""
        try:
            conn, _ = self.control.accept()
        except OSError:
            return
        with conn:
            try:
                conn.settimeout(0.5)
                data = b""
                while not data.endswith(b"\n") and len(data) < 1 << 20:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                try:
                    reply = self.handle(json.loads(data))
                except (OSError, ValueError, KeyError, TypeError) as e:
                    reply = {"ok": False, "error": str(e)}
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass

    # ---- packets ------------------------------------------------------------------------

    def delay(self, src, dst):
        key = (src, dst) if src < dst else (dst, src)
        d = self.delays.get(key)
        if d is None:
            d = link_delay(self.seed, socket.inet_ntoa(src), socket.inet_ntoa(dst), self.lo_ms, self.hi_ms)
            self.delays[key] = d
        return d

    def receive(self, fd):
        for _ in range(64):  # at most 64 packets per device per turn, so no device starves others
            try:
                packet = os.read(fd, 65535)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.EIO:
                    return  # the device is down (being set up): nothing to read yet
                # The device is gone (its namespace was deleted): forget it, or epoll would
                # report it forever.
                self.stats["dropped_device"] += 1
                packed = self.ip_of_fd.get(fd)
                if packed is not None:
                    self.detach(packed)
                return
            if len(packet) < 20 or packet[0] >> 4 != 4:
                continue  # IPv4 only (IPv6 is off in the namespaces)
            src, dst = packet[12:16], packet[16:20]
            if self.ip_of_fd.get(fd) != src:
                self.stats["dropped_spoofed"] += 1  # only a device's own address may send from it
                continue
            if dst not in self.by_ip:
                self.stats["dropped_unroutable"] += 1
                continue
            if src != CONTROL_PACKED and dst != CONTROL_PACKED:
                # During a partition an address in no group is an island of its own.
                if self.group and self.group.get(src, -1) != self.group.get(dst, -1):
                    self.stats["dropped_partition"] += 1
                    continue
                if self.loss and self.rng.random() < self.loss:
                    self.stats["dropped_loss"] += 1
                    continue
            if len(self.queue) >= MAX_QUEUED:
                self.stats["dropped_queue"] += 1
                continue
            now = time.monotonic()
            due = now + self.delay(src, dst)
            if self.extra and src != CONTROL_PACKED and dst != CONTROL_PACKED:
                due += self.extra.get(src, 0.0) + self.extra.get(dst, 0.0)
            if self.jitter:
                due += self.rng.random() * self.jitter
            link = (src, dst)
            due = max(due, self.last_due.get(link, 0.0))
            self.last_due[link] = due
            self.seq += 1
            heapq.heappush(self.queue, (due, self.seq, dst, packet))

    def deliver_due(self):
        now = time.monotonic()
        while self.queue and self.queue[0][0] <= now:
            due, _, dst, packet = heapq.heappop(self.queue)
            fd = self.by_ip.get(dst)
            if fd is None:
                self.stats["dropped_unroutable"] += 1
                continue
            try:
                os.write(fd, packet)
            except OSError as e:
                self.stats["dropped_device"] += 1
                # EIO: the device is not up yet. A namespace made again for an address that
                # still has packets queued (the eclipse scenario's attackers, run twice) gets
                # them in the moment between attach and "link up"; closing it there would
                # remove the device under the script's feet.
                if e.errno not in (errno.EAGAIN, errno.ENOBUFS, errno.EIO):
                    self.detach(dst)  # the device is gone
                continue
            written = time.monotonic()
            self.stats["packets"] += 1
            self.stats["bytes"] += len(packet)
            if len(self.lateness) >= LATENESS_SAMPLES:
                self.lateness = self.lateness[LATENESS_SAMPLES // 2:]
            self.lateness.append(written - due)
            now = written

    def run(self):
        while self.running:
            timeout = None
            if self.queue:
                timeout = max(0.0, self.queue[0][0] - time.monotonic())
            for key, _ in self.sel.select(timeout):
                if key.data is None:
                    self.serve_control()
                else:
                    self.receive(key.fd)
            self.deliver_due()


def command(sock_path, request, timeout=30):
    """Sends one command to a running wire and returns its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall(json.dumps(request).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data)
    if not reply.get("ok"):
        raise RuntimeError(f"wire: {reply.get('error')}")
    return reply
