"""Functional test harness: starts real finchd processes on 127.0.0.1 with temporary data
directories and free ports, talks JSON-RPC to them, and always cleans up. Every wait is
bounded. Standard library only."""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

REGTEST = "regtest"


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(f"RPC error {code}: {message}")
        self.code = code
        self.message = message


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=30.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (RpcError, OSError, ConnectionError, http.client.HTTPException, ValueError):
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def read_text(path):
    """A file's text ("" when it is not there)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def assert_equal(a, b, msg=""):
    if a != b:
        raise AssertionError(f"{a!r} != {b!r} {msg}")


def assert_raises_rpc(code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except RpcError as e:
        if code is not None and e.code != code:
            raise AssertionError(f"expected RPC error {code}, got {e.code}: {e.message}")
        return e
    raise AssertionError(f"expected RPC error {code}, call succeeded")


class Node:
    def __init__(self, harness, index, extra_args=()):
        self.harness = harness
        self.index = index
        self.datadir = os.path.join(harness.tmpdir, f"node{index}")
        os.makedirs(self.datadir, exist_ok=True)
        self.port = free_port()
        self.rpcport = free_port()
        self.extra_args = list(extra_args)
        self.process = None
        self.log_path = os.path.join(self.datadir, "stdout.log")
        self.host = "127.0.0.1"  # where RPC is reached (a node in a network namespace has its own)

    @property
    def network_dir(self):
        return os.path.join(self.datadir, REGTEST)

    @property
    def cookie_path(self):
        return os.path.join(self.network_dir, ".cookie")

    def args(self, extra=()):
        return [self.harness.finchd, f"--datadir={self.datadir}", f"--network={REGTEST}",
                f"--port={self.port}", f"--rpcport={self.rpcport}", "--bind=127.0.0.1",
                *self.extra_args, *extra]

    def start(self, extra=(), wait=True):
        assert self.process is None, "node already running"
        # A node killed with SIGKILL leaves its cookie behind; the new process writes a fresh
        # one, and reading the stale one meanwhile would only fail authentication.
        if os.path.exists(self.cookie_path):
            os.remove(self.cookie_path)
        for attempt in range(3):
            log = open(self.log_path, "ab")
            self.process = subprocess.Popen(self.args(extra), stdout=log, stderr=subprocess.STDOUT)
            log.close()
            if not wait:
                return self
            try:
                self.wait_for_rpc()
                return self
            except AssertionError:
                # Another process may have taken a port between free_port() and our bind:
                # pick new ones and try again.
                if self.process.poll() is None or "already in use" not in self.tail_log(2) or attempt == 2:
                    raise
                self.process = None
                self.port, self.rpcport = free_port(), free_port()
        return self

    def wait_for_rpc(self, timeout=30):
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"node{self.index} exited with {self.process.returncode}: "
                                     f"{self.tail_log()}")
            if not os.path.exists(self.cookie_path) and "--rpcuser" not in " ".join(self.extra_args):
                return False
            self.rpc("getblockcount")
            return True
        wait_until(ready, timeout, what=f"node{self.index} RPC")

    @property
    def debug_log_path(self):
        return os.path.join(self.network_dir, "debug.log")

    def log_text(self):
        """Everything the node printed (its console log, across restarts)."""
        return read_text(self.log_path)

    def identity(self):
        return self.rpc("getnetworkinfo")["identity"]

    def tail_log(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def auth_header(self):
        with open(self.cookie_path) as f:
            cookie = f.read().strip()
        return "Basic " + base64.b64encode(cookie.encode()).decode()

    def post(self, body, headers=None, timeout=60):
        conn = http.client.HTTPConnection(self.host, self.rpcport, timeout=timeout)
        try:
            h = {"Authorization": self.auth_header(), "Content-Type": "application/json"}
            h.update(headers or {})
            conn.request("POST", "/", body=body, headers=h)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def rpc(self, method, *params, timeout=60, **named):
        payload = {"method": method, "params": named if named else list(params), "id": 1}
        status, body = self.post(json.dumps(payload), timeout=timeout)
        if status == 401:
            raise RpcError(-401, "authentication failed")
        reply = json.loads(body)
        if reply.get("error"):
            raise RpcError(reply["error"].get("code"), reply["error"].get("message"))
        return reply["result"]

    def cli(self, *args, check=True, input_text=None):
        cmd = [self.harness.finch_cli, f"--datadir={self.datadir}", f"--network={REGTEST}",
               f"--rpcport={self.rpcport}", f"--rpcconnect={self.host}", *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, input=input_text)
        if check and r.returncode != 0:
            raise AssertionError(f"finch-cli {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def stop(self, timeout=60):
        if self.process is None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError(f"node{self.index} did not stop within {timeout}s")
        self.process = None
        return code

    def kill(self):
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None

    def height(self):
        return self.rpc("getblockcount")


def sanitized_build(build):
    """True for a build with ASan/UBSan or TSan (its CMakeCache says so, or the sanitizer's
    options are set): memory and speed figures mean something else there."""
    if os.environ.get("ASAN_OPTIONS") or os.environ.get("TSAN_OPTIONS"):
        return True
    try:
        cache = read_text(os.path.join(build, "CMakeCache.txt"))
    except OSError:
        return False
    return re.search(r"^FINCH_(SANITIZE|TSAN):BOOL=ON$", cache, re.M) is not None


class Harness:
    def __init__(self):
        build = os.environ.get("FINCH_BUILD_DIR") or os.path.join(
            os.path.dirname(__file__), "..", "..", "build")
        if len(sys.argv) > 2 and sys.argv[1] == "--build-dir":
            build = sys.argv[2]
        self.finchd = os.path.abspath(os.path.join(build, "bin", "finchd"))
        self.finch_cli = os.path.abspath(os.path.join(build, "bin", "finch-cli"))
        self.sanitized = sanitized_build(build)
        self.tmpdir = tempfile.mkdtemp(prefix="finch-func-")
        self.nodes = []

    def add_node(self, extra_args=()):
        node = Node(self, len(self.nodes), extra_args)
        self.nodes.append(node)
        return node

    def keygen(self):
        r = subprocess.run([self.finch_cli, "--network=regtest", "keygen"], capture_output=True,
                           text=True, timeout=30, check=True)
        return json.loads(r.stdout)

    def cleanup(self):
        for n in self.nodes:
            try:
                n.kill()
            except Exception:
                pass
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def main(test):
    """Runs test(harness) with cleanup; prints the outcome and exits 0/1."""
    harness = Harness()
    name = os.path.basename(sys.argv[0])
    start = time.monotonic()
    try:
        test(harness)
    except Exception:
        traceback.print_exc()
        for n in harness.nodes:
            print(f"--- node{n.index} log tail ---\n{n.tail_log(40)}")
        harness.cleanup()
        print(f"{name}: FAILED")
        sys.exit(1)
    harness.cleanup()
    print(f"{name}: passed in {time.monotonic() - start:.1f}s")
