"""The lab itself: namespaces on the wire, finchd nodes in them, and the state file that lets
`netlab down` remove all of it even after the script that made it crashed.

Addresses: node i has 10.(i+1).0.2 (its own /16, so per-IP limits, netgroup caps and eviction
see distinct peers), attackers share 10.200.0.0/16, and the script's control namespace is
10.255.0.1. Every namespace holds one TUN device, wire0, with a /8, so all of 10/8 goes through
the wire (wire.py). Nothing is added to the machine's own network namespace."""

import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import wire

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", ".."))
P2P_PORT = 19444
RPC_PORT = 19443
RPC_USER = "netlab"
MAX_NODES = 199
ATTACKER_NET = "10.200"
MARKER = ".finch-netlab"  # in a lab's folder: the prefix that made it; down removes nothing else


class LabError(Exception):
    pass


def log(message):
    print(f"netlab: {message}", file=sys.stderr, flush=True)


def sh(*cmd, check=True, timeout=30):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise LabError(f"{' '.join(cmd)}: {r.stderr.strip() or r.stdout.strip()}")
    return r


def program(env_name, name):
    path = os.environ.get(env_name) or os.path.join(ROOT, "build", "bin", name)
    if not os.access(path, os.X_OK):
        raise LabError(f"{path} is not an executable program (build it: cmake --build build --target {name}; "
                       f"or set ${env_name})")
    return os.path.abspath(path)


def node_ip(i):
    return f"10.{i + 1}.0.2"


def attacker_ip(k):
    return f"{ATTACKER_NET}.{k // 250}.{k % 250 + 2}"


def default_dir(prefix):
    return os.path.join(tempfile.gettempdir(), f"finch-netlab-{prefix}")


def check_host():
    """Why the lab cannot run here, or None."""
    if sys.platform != "linux":
        return "netlab needs Linux network namespaces"
    if os.geteuid() != 0:
        return "netlab needs root (network namespaces and TUN devices); run it with sudo"
    if not shutil.which("ip"):
        return "netlab needs the ip command (package iproute2)"
    if not os.path.exists("/dev/net/tun"):
        return "netlab needs /dev/net/tun (the TUN driver)"
    return None


class Lab:
    def __init__(self, prefix="fnl", directory=None):
        self.prefix = prefix
        self.dir = os.path.abspath(directory or default_dir(prefix))
        self.state_path = os.path.join(self.dir, "state.json")
        self.state = {}

    # ---- state --------------------------------------------------------------------------

    def create_dir(self):
        os.makedirs(self.dir, mode=0o700)
        with open(os.path.join(self.dir, MARKER), "w") as f:
            f.write(self.prefix + "\n")

    def owns_dir(self):
        """True when the folder was made by a lab of this prefix, as root (a folder under /tmp
        that someone else made could list any pids and paths)."""
        try:
            st = os.stat(self.dir)
            with open(os.path.join(self.dir, MARKER)) as f:
                return st.st_uid == os.geteuid() and f.read().strip() == self.prefix
        except OSError:
            return False

    def load(self):
        if not self.owns_dir():
            raise LabError(f"no lab with prefix {self.prefix} is up in {self.dir} (netlab up N first)")
        try:
            with open(self.state_path) as f:
                self.state = json.load(f)
        except (OSError, ValueError):
            raise LabError(f"no lab is up in {self.dir} (netlab up N first)")
        return self

    def save(self):
        temp = self.state_path + ".new"
        with open(temp, "w") as f:
            json.dump(self.state, f, indent=1)
        os.replace(temp, self.state_path)

    @property
    def nodes(self):
        return self.state["nodes"]

    def ns(self, name):
        return f"{self.prefix}-{name}"

    @property
    def sock(self):
        return os.path.join(self.dir, "wire.sock")

    def wire(self, **request):
        return wire.command(self.sock, request)

    def enter_control(self):
        """Moves this process into the control namespace, from which every node is reachable."""
        wire.setns(f"/run/netns/{self.ns('ctl')}")

    # ---- namespaces and the wire ---------------------------------------------------------

    def add_namespace(self, name, ip, create=True):
        ns = self.ns(name)
        if create:
            sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", check=False)
        self.wire(cmd="attach", netns=ns, ip=ip)
        sh("ip", "-n", ns, "addr", "add", f"{ip}/8", "dev", "wire0")
        # A long device queue: a burst of packets from a busy node waits for the wire instead of
        # being dropped by the kernel before the wire can see it.
        sh("ip", "-n", ns, "link", "set", "wire0", "mtu", "1500", "txqueuelen", "10000", "up")

    def start_wire(self, lo_ms, hi_ms, seed, loss, jitter_ms):
        log_file = open(os.path.join(self.dir, "wire.log"), "ab")
        proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "netlab"), "--dir", self.dir, "_wire",
                                 "--latency-ms", f"{lo_ms}-{hi_ms}", "--seed", str(seed), "--loss", str(loss),
                                 "--jitter-ms", str(jitter_ms)],
                                stdout=log_file, stderr=log_file, stdin=subprocess.DEVNULL, start_new_session=True)
        self.state["wire_pid"] = proc.pid
        self.save()
        deadline = time.monotonic() + 10
        while not os.path.exists(self.sock):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise LabError(f"the wire did not start (see {self.dir}/wire.log)")
            time.sleep(0.05)

    # ---- nodes ---------------------------------------------------------------------------

    def node_args(self, node, extra=()):
        finchd = program("FINCHD", "finchd")
        args = ["ip", "netns", "exec", node["netns"], finchd, "--regtest", f"--datadir={node['datadir']}",
                f"--bind={node['ip']}", f"--port={P2P_PORT}", f"--rpcbind={node['ip']}", f"--rpcport={RPC_PORT}",
                f"--rpcuser={RPC_USER}", f"--rpcpassword={self.state['rpcpassword']}", "--printtoconsole=0",
                "--rpcthreads=4"]
        return args + list(node.get("args", [])) + list(extra)

    def start_node(self, node):
        err = open(os.path.join(node["datadir"], "stderr.log"), "ab")
        proc = subprocess.Popen(self.node_args(node), stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        node["pid"] = proc.pid
        self.save()
        return proc

    def wait_rpc(self, node, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return self.rpc(node, "getnetworkinfo", timeout=2)
            except (OSError, http.client.HTTPException, LabError, ValueError):
                if not alive(node.get("pid")):
                    raise LabError(f"{node['name']} exited at start-up: {tail(node)}")
                time.sleep(0.1)
        raise LabError(f"{node['name']} did not answer RPC within {timeout} s: {tail(node)}")

    def stop_node(self, node, timeout=30):
        pid = node.get("pid")
        if alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        node["pid"] = None
        self.save()

    def rpc(self, node, method, *params, timeout=30):
        auth = base64.b64encode(f"{RPC_USER}:{self.state['rpcpassword']}".encode()).decode()
        conn = http.client.HTTPConnection(node["ip"], RPC_PORT, timeout=timeout)
        try:
            conn.request("POST", "/", body=json.dumps({"method": method, "params": list(params), "id": 1}),
                         headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"})
            reply = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        if reply.get("error"):
            raise LabError(f"{node['name']} {method}: {reply['error'].get('message')}")
        return reply["result"]

    def rpc_batch(self, node, calls, timeout=120):
        """[(method, params)] in one HTTP request; returns the replies in order."""
        auth = base64.b64encode(f"{RPC_USER}:{self.state['rpcpassword']}".encode()).decode()
        body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
        conn = http.client.HTTPConnection(node["ip"], RPC_PORT, timeout=timeout)
        try:
            conn.request("POST", "/", body=body,
                         headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"})
            replies = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        return sorted(replies, key=lambda r: r["id"])

    def metric_sum(self, node, name, **labels):
        """The sum of a Prometheus family's samples on a node's /metrics that carry `labels`."""
        auth = base64.b64encode(f"{RPC_USER}:{self.state['rpcpassword']}".encode()).decode()
        conn = http.client.HTTPConnection(node["ip"], RPC_PORT, timeout=30)
        try:
            conn.request("GET", "/metrics", headers={"Authorization": "Basic " + auth})
            text = conn.getresponse().read().decode()
        finally:
            conn.close()
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            head, _, value = line.rpartition(" ")
            if all(f'{k}="{v}"' in head for k, v in labels.items()):
                total += float(value)
        return total

    def log_path(self, node):
        return os.path.join(node["datadir"], "regtest", "debug.log")

    def take_transfers(self, count):
        """The next `count` signed transfers of the lab's supply (each valid after the ones
        before it: senders take turns, so a chunk holds one transfer per sender)."""
        with open(os.path.join(self.dir, "transfers.txt")) as f:
            raws = f.read().split()
        start = self.state.get("tx_cursor", 0)
        if start + count > len(raws):
            raise LabError(f"the lab's {len(raws)} transfers are used up (netlab down, then up again)")
        self.state["tx_cursor"] = start + count
        self.save()
        return raws[start:start + count]


def alive(pid):
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def tail(node, lines=5, grep=()):
    """The last lines of a node's stderr, else of its debug.log; with `grep`, only lines that
    hold one of those words."""
    for name in ("stderr.log", os.path.join("regtest", "debug.log")):
        try:
            with open(os.path.join(node["datadir"], name), errors="replace") as f:
                text = f.read().strip().splitlines()
            if grep:
                text = [line for line in text if any(word in line for word in grep)]
            if text:
                return " | ".join(text[-lines:])
        except OSError:
            pass
    return "(no log)"


def down(prefix, directory):
    """Removes every process, namespace and file of the lab with this prefix, whether or not
    its state file survived: namespaces are found by name, processes by namespace (the wire
    lives in the control namespace too). The folder is removed only when its marker names
    this prefix, so `--dir` can never point down at a folder the lab did not make."""
    lab = Lab(prefix, directory)
    removed = {"processes": 0, "namespaces": 0}
    listed = sh("ip", "netns", "list", check=False).stdout.split("\n")
    namespaces = [line.split()[0] for line in listed if line.startswith(prefix + "-")]

    def lab_pids():
        pids = set()
        for ns in namespaces:
            for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
                if pid.isdigit() and int(pid) != os.getpid():  # not this script (it may be in ctl)
                    pids.add(int(pid))
        return pids

    # SIGTERM first, so nodes shut down cleanly; SIGKILL what is left after 15 s.
    first = lab_pids()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in lab_pids():
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + (15 if sig == signal.SIGTERM else 5)
        while lab_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
    removed["processes"] = len(first)
    for ns in namespaces:
        if sh("ip", "netns", "del", ns, check=False).returncode == 0:
            removed["namespaces"] += 1
    if lab.owns_dir():
        shutil.rmtree(lab.dir, ignore_errors=True)
    elif os.path.exists(lab.dir):
        log(f"left {lab.dir} alone: it has no {MARKER} marker for prefix {prefix}")
    return removed
