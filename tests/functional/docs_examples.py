#!/usr/bin/env python3
"""Docs that run: every fenced example in docs/rpc.md (the hand-written part and the generated
method reference) and in README.md is run against real regtest nodes, and what it prints is
compared by shape with what the docs show (JSON type; an object's keys; an array's elements;
scalars by type; error codes and plain text exactly).

The examples run as a user would type them: with bash, HOME pointing at a temporary home
whose ~/.finchain/finch.conf gives the node's ports (under [regtest], so an example that
forgets -regtest fails), `finch-cli` and `finchd` on PATH and `build/bin/` under the working
directory. Placeholders (<ADDRESS>, <SECRET>, <HEX>, <BLOCKHASH>, <TXID>, keyfile, $SECRET,
$RPCPASS) and the values in the generated reference (block hashes, txids, addresses, raw
hex, peer addresses) are replaced with real ones made here; the default ports 19443/19444
with the test's free ports.

Fenced blocks that are not examples (result shapes, synopses) and examples that cannot run
are listed below with the reason; a block that is neither run nor listed fails the test.
`--show` prints each example's actual output (for writing docs)."""

import base64
import json
import os
import re
import shlex
import signal
import subprocess
import sys

from framework import Node, main, wait_until

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOC_FILES = ["README.md", "docs/rpc.md"]
REFERENCE_MARK = "## Method reference"
SHOW = "--show" in sys.argv

# Examples that cannot run here: (file, start of the block's first line) -> why.
SKIPPED = {
    ("README.md", "scripts/start.sh"):
        "installs packages with apt-get, builds, and runs a mining node in the foreground until Ctrl-C; "
        "scripts/test.sh runs every test, this one included",
    ("README.md", "scripts/devnet up"):
        "starts its own nodes in a folder of its own; tests/functional/devnet.py runs it (up, a transfer, down)",
    ("docs/rpc.md", "websocat -H"):
        "needs websocat, which Debian 12 does not package; tests/functional/rpc_websocket.py speaks the "
        "same protocol with its own client",
    ("docs/rpc.md", "$ finch-cli -regtest -netinfo 2"):
        "a sample table: identities, ports and traffic differ in every run; tests/functional/cli_dashboards.py "
        "asserts every column",
}

# Fenced blocks that are not examples: (file, start of the first line) -> what they are. In the
# method reference, the block after "Result:" is the result's shape and is not listed here.
NOT_EXAMPLES = {
    ("docs/rpc.md", '{ "txid", "from" (address)'): "the shape of a transaction object",
    ("docs/rpc.md", '{ "txid", "coinbase": true'): "the shape of a coinbase object",
    ("docs/rpc.md", "finch-cli [options] METHOD"): "finch-cli's synopsis",
    ("docs/rpc.md", '{"jsonrpc":"2.0","method":"subscription"'): "the shape of a subscription notification",
}

RPC_PASSWORD = "docs-examples-password-0123456789"
TIMESTAMP_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


# ---- reading the docs -------------------------------------------------------------------

class Block:
    """One fenced block: where it is, its info string, its lines, and what came before it."""

    def __init__(self, path, line, info, lines, previous, heading, in_reference):
        self.path, self.line, self.info, self.lines = path, line, info, lines
        self.previous, self.heading, self.in_reference = previous, heading, in_reference
        self.table = []  # the reference's parameter names, in order

    def where(self):
        return f"{self.path}:{self.line} ({self.heading})"

    def first_line(self):
        return next((x for x in self.lines if x.strip()), "")

    def listed(self, table):
        for (path, start), reason in table.items():
            if path == self.path and self.first_line().startswith(start):
                return reason
        return None


def read_blocks(path):
    with open(os.path.join(ROOT, path)) as f:
        text = f.read().split("\n")
    blocks, heading, previous, in_reference, table = [], "", "", False, []
    i = 0
    while i < len(text):
        line = text[i]
        stripped = line.strip()
        if line.startswith("#") and not stripped.startswith("#!"):
            heading = stripped.lstrip("#").strip()
            in_reference = in_reference or line.startswith(REFERENCE_MARK)
            if line.startswith("#### "):
                table = []
        m = re.match(r"^(\s*)```(\S*)\s*$", line)
        if m:
            indent, info, start, body = len(m.group(1)), m.group(2), i + 1, []
            i += 1
            while i < len(text) and not text[i].strip().startswith("```"):
                body.append(text[i][indent:] if text[i][:indent].strip() == "" else text[i])
                i += 1
            block = Block(path, start, info, body, previous, heading, in_reference and path == "docs/rpc.md")
            block.table = list(table)
            blocks.append(block)
            previous = ""
        else:
            row = re.match(r"^\| (\d+) \| `([^`]+)` \|", line)
            if row:
                table.append(row.group(2))
            if stripped:
                previous = stripped
        i += 1
    return blocks


class Example:
    """A command (already joined across `\\` continuations) and the output the docs show
    (None: the docs show none and only the exit status is checked)."""

    def __init__(self, block, command, output):
        self.block, self.command, self.output = block, command, output


def join_continuations(lines):
    """Joins `\\`-continued lines; returns (command, number of lines used)."""
    command, used = lines[0], 1
    while command.endswith("\\") and used < len(lines):
        command = command[:-1].rstrip() + " " + lines[used].strip()
        used += 1
    return command, used


def prompt_examples(block):
    """`$ command` lines, each followed by its output."""
    out, lines, i = [], block.lines, 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            raise AssertionError(f"{block.where()}: output before any `$ ` command: {lines[i]!r}")
        command, used = join_continuations([lines[i][2:]] + lines[i + 1:])
        i += used
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        while output and not output[-1].strip():
            output.pop()
        out.append(Example(block, command, output))
    return out


def script_examples(block):
    """README style: commands without a prompt; a `# {...}` comment right after a command is
    its documented JSON output."""
    out, lines, i = [], block.lines, 0
    while i < len(lines):
        line = lines[i].strip()
        if not line or line.startswith("#"):
            if out and out[-1].output is None and re.match(r"^# [\[{]", line):
                out[-1].output = [line[2:]]
            i += 1
            continue
        command, used = join_continuations([line] + [x.strip() for x in lines[i + 1:]])
        i += used
        out.append(Example(block, command, None))
    return out


def classify(block):
    """('run', kind) for blocks to run; ('skip'|'not-example', reason) otherwise."""
    if block.in_reference:
        if block.previous == "Result:":
            return "not-example", "a result shape in the method reference"
        if block.previous == "Example:":
            return "run", "prompt"
        return "unknown", "a block in the method reference that is neither Result nor Example"
    for table, verdict in ((SKIPPED, "skip"), (NOT_EXAMPLES, "not-example")):
        reason = block.listed(table)
        if reason:
            return verdict, reason
    lines = [x for x in block.lines if x.strip()]
    if lines and lines[0].startswith("$ "):
        return "run", "prompt"
    if block.info == "json" and len(lines) % 2 == 0:
        return "run", "json-pairs"
    if lines and all(TIMESTAMP_LINE.match(x) for x in lines):
        return "run", "log"
    if block.info == "ini" and lines and lines[0].startswith("# ~/.finchain/finch.conf"):
        return "run", "conf"
    if block.info == "sh" and any(re.search(r"(^|/)finch(-cli|d) ", x) for x in lines):
        return "run", "script"
    return "unknown", "not run and not listed"


# ---- comparing outputs ------------------------------------------------------------------

def parse_documented_json(text):
    """The docs' JSON, tolerating what shortening leaves: `...` lines (the value then is a
    sample: more keys and elements may follow), a value cut with `..."` that lost its comma,
    and unclosed brackets. Returns (value, truncated); raises ValueError if it is not JSON."""
    truncated, lines = False, []
    for line in text.split("\n"):
        if line.strip() in ("...", "…"):
            truncated = True
        elif line.strip():
            lines.append(line.rstrip())
    for k in range(len(lines) - 1):
        if (lines[k][-1] in '"0123456789el}]' and lines[k + 1].lstrip()[:1] in ('"', "{", "[")):
            lines[k] += ","
    joined = "\n".join(lines)
    stack, in_string, escaped = [], False, False
    for ch in joined:
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append("]" if ch == "[" else "}")
        elif ch in "]}" and stack:
            stack.pop()
    if stack:
        truncated = True
        joined += "".join(reversed(stack))
    joined = re.sub(r",(\s*[}\]])", r"\1", joined)
    return json.loads(joined), truncated


def kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


PROTOCOL_KEYS = {"code", "jsonrpc", "id"}  # compared by value in the JSON-RPC request/reply pairs


def shape_diff(doc, actual, truncated, path="$", exact=frozenset()):
    """Where `actual` differs in shape from `doc`. An empty object or array in the docs stands
    for one whose keys or elements the example happened not to have."""
    if kind(doc) != kind(actual):
        return [f"{path}: the docs show {kind(doc)} {json.dumps(doc)[:60]}, got {kind(actual)} "
                f"{json.dumps(actual)[:60]}"]
    if isinstance(doc, dict):
        problems = []
        missing = [k for k in doc if k not in actual]
        extra = [k for k in actual if k not in doc]
        if missing:
            problems.append(f"{path}: keys the docs show but the output lacks: {missing}")
        if extra and doc and not truncated:
            problems.append(f"{path}: keys the output has but the docs do not show: {extra}")
        for k in doc:
            if k in actual:
                if k in exact and doc[k] != actual[k]:
                    problems.append(f"{path}.{k}: the docs show {doc[k]!r}, got {actual[k]!r}")
                problems += shape_diff(doc[k], actual[k], truncated, f"{path}.{k}", exact)
        return problems
    if isinstance(doc, list):
        problems = []
        for n, element in enumerate(actual):
            if not doc or (truncated and n >= len(doc)):
                break
            problems += shape_diff(doc[min(n, len(doc) - 1)], element, truncated, f"{path}[{n}]", exact)
        return problems
    return []


def text_kind(text):
    """Data-like text is compared by kind, other text exactly."""
    text = re.sub(r'\.\.\."?$', "", text.strip())
    if re.fullmatch(r"[0-9a-f]{64}", text):
        return "hash (64 hex)"
    if re.fullmatch(r"(?:[0-9a-f]{2})+", text) or re.fullmatch(r"[0-9a-f]{20,}", text):
        return "hex"
    if re.fullmatch(r"(fc|tfc|fcrt)1[02-9ac-hj-np-z]+", text):
        return "address"
    return None


def compare_text(doc_lines, actual):
    actual_lines = actual.rstrip("\n").split("\n")
    if len(doc_lines) == 1 and text_kind(doc_lines[0]):
        want, got = text_kind(doc_lines[0]), text_kind(actual_lines[0]) if len(actual_lines) == 1 else None
        return [] if want == got else [f"the docs show a {want}, got {actual.strip()[:80]!r}"]
    for n, line in enumerate(doc_lines):
        if line.strip() in ("...", "…"):
            return []
        if n >= len(actual_lines) or actual_lines[n] != line:
            got = actual_lines[n] if n < len(actual_lines) else "(nothing)"
            return [f"line {n + 1}: the docs show {line!r}, got {got!r}"]
    if len(actual_lines) > len(doc_lines):
        return [f"the output goes on after what the docs show: {actual_lines[len(doc_lines)]!r}"]
    return []


def compare_output(doc_lines, actual):
    doc = "\n".join(doc_lines)
    if not doc.strip():
        return [] if not actual.strip() else [f"the docs show no output, got {actual.strip()[:80]!r}"]
    if not actual.strip():
        return [f"no output; the docs show {doc.strip()[:80]!r}"]
    try:
        doc_value, truncated = parse_documented_json(doc)
    except ValueError:
        return compare_text(doc_lines, actual)
    try:
        actual_value = json.loads(actual)
    except ValueError:
        return [f"the docs show {kind(doc_value)} {doc.strip()[:60]!r}, got text {actual.strip()[:60]!r}"]
    return shape_diff(doc_value, actual_value, truncated)


# ---- nodes and contexts -----------------------------------------------------------------

class HomeNode(Node):
    """finchd started as a user starts it: HOME set, ports and other options from
    ~/.finchain/finch.conf."""

    def __init__(self, harness, name, conf_lines, credentials=None):
        super().__init__(harness, len(harness.nodes))
        harness.nodes.append(self)
        self.home = os.path.join(harness.tmpdir, name)
        self.datadir = os.path.join(self.home, ".finchain")
        os.makedirs(self.datadir, exist_ok=True)
        self.log_path = os.path.join(self.datadir, "stdout.log")
        self.credentials = credentials
        self.conf_path = os.path.join(self.datadir, "finch.conf")
        self.write_conf("\n".join(conf_lines).format(port=self.port, rpcport=self.rpcport) + "\n")

    def write_conf(self, text):
        with open(self.conf_path, "w") as f:
            f.write(text)

    def launch(self, argv, env, cwd):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        log.close()

    def wait_for_rpc(self, timeout=30):
        def ready():
            if self.process is not None and self.process.poll() not in (None, 0):
                raise AssertionError(f"{self.home}: finchd exited with {self.process.returncode}: "
                                     f"{self.tail_log()}")
            if not self.credentials and not os.path.exists(self.cookie_path):
                return False
            self.rpc("getblockcount")
            return True
        wait_until(ready, timeout, what=f"finchd in {self.home}")

    def auth_header(self):
        if self.credentials:
            return "Basic " + base64.b64encode(self.credentials.encode()).decode()
        return super().auth_header()

    def tail_log(self, lines=20):
        text = super().tail_log(lines)
        try:
            with open(os.path.join(self.network_dir, "debug.log"), "rb") as f:
                text += "\n(debug.log)\n" + b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except OSError:
            pass
        return text

    def daemon_pid(self):
        """The pid of a running finchd -daemon of this home, on any network."""
        for network in ("main", "test", "regtest"):
            try:
                with open(os.path.join(self.datadir, network, "finchd.pid")) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                pass
        return None

    def kill(self):
        super().kill()
        pid = self.daemon_pid()  # a --daemon child this test started
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


class Context:
    """Where examples run: a home (node), a working directory, the sender's key, values for
    the placeholders."""

    def __init__(self, h, name, node, sender, recipient):
        self.node, self.sender, self.recipient = node, sender, recipient
        self.workdir = os.path.join(h.tmpdir, "work-" + name)
        os.makedirs(self.workdir, exist_ok=True)
        build = os.path.dirname(os.path.dirname(h.finch_cli))
        os.makedirs(os.path.join(self.workdir, "build"), exist_ok=True)
        link = os.path.join(self.workdir, "build", "bin")
        if not os.path.exists(link):
            os.symlink(os.path.join(build, "bin"), link)
        with open(os.path.join(self.workdir, "keyfile"), "w") as f:
            f.write(sender["secret"] + "\n")
        self.env = dict(os.environ, HOME=node.home, PATH=os.path.dirname(h.finch_cli) + ":" + os.environ["PATH"],
                        SECRET=sender["secret"], RPCPASS=RPC_PASSWORD, LC_ALL="C")
        self.confirmed_txid = None

    def cli(self, *args, check=True):
        r = subprocess.run(["finch-cli", "-regtest", *args], capture_output=True, text=True, timeout=60,
                           env=self.env, cwd=self.workdir)
        if check and r.returncode != 0:
            raise AssertionError(f"finch-cli {' '.join(args)}: {r.stderr}")
        return r.stdout.strip()

    def fresh_raw_tx(self):
        nonce = self.node.rpc("getaccount", self.sender["address"])["pending_nonce"]
        return self.cli("signtx", "--secret", self.sender["secret"], "--to", self.recipient["address"],
                        "--amount", "1000", "--fee", "1000", "--nonce", str(nonce))

    def mempool_txid(self):
        pool = self.node.rpc("getrawmempool")
        if not pool:
            self.node.rpc("sendrawtransaction", self.fresh_raw_tx())
            pool = self.node.rpc("getrawmempool")
        return pool[0]

    def placeholder(self, name, signed):
        name = name.upper()
        if name == "<ADDRESS>":
            return self.recipient["address"]
        if name == "<SECRET>":
            return self.sender["secret"]
        if name in ("<BLOCKHASH>", "<HASH>"):
            return self.node.rpc("getbestblockhash")
        if name == "<TXID>":
            return self.confirmed_txid
        if name == "<HEX>":  # what signtx printed earlier in the block, else a fresh transfer
            return signed.get("signtx") or self.fresh_raw_tx()
        raise AssertionError(f"unknown placeholder {name}")

    def substitute(self, command, signed):
        command = re.sub(r"<[A-Za-z_-]+>", lambda m: self.placeholder(m.group(0), signed), command)
        command = re.sub(r"\b19443\b", str(self.node.rpcport), command)
        return re.sub(r"\b19444\b", str(self.node.port), command)

    def reference_argument(self, method, param, value, peer):
        """A real value for one of the generated reference's example arguments."""
        if re.fullmatch(r"[0-9a-f]{64}", value):
            if param == "blockhash":
                return self.node.rpc("getbestblockhash")
            if param == "txid":
                return self.mempool_txid() if method == "getmempoolentry" else self.confirmed_txid
            if param == "identity":  # a node the DHT can find: the home node's peer
                return peer.rpc("getnetworkinfo")["identity"]
        if value.endswith("..."):
            if param == "hexstring":
                return self.fresh_raw_tx()
            if param == "hexdata":
                return self.node.rpc("getblock", self.node.rpc("getbestblockhash"), 0)
        if re.fullmatch(r"(fc|tfc|fcrt)1[0-9a-z]+", value):
            return self.sender["address"]
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+:\d+", value):
            return f"127.0.0.1:{peer.port}"
        if "..." in value or value.startswith("<"):
            raise AssertionError(f"no real value for {method}'s {param} example {value!r}")
        return value


def reference_command(ctx, example, peer):
    """The reference's `finch-cli [options] METHOD ARGS` with real argument values."""
    words = shlex.split(example.command)
    assert words[0] == "finch-cli", example.command
    n = 1
    while n < len(words) and words[n].startswith("-"):
        n += 1
    method, args = words[n], words[n + 1:]
    if method != example.block.heading:
        raise AssertionError(f"{example.block.where()}: the example calls {method}")
    named = any(w in ("-named", "--named") for w in words[1:n])
    out = []
    for i, arg in enumerate(args):
        if named and "=" in arg:
            name, value = arg.split("=", 1)
            out.append(name + "=" + ctx.reference_argument(method, name, value, peer))
        else:
            param = example.block.table[i] if i < len(example.block.table) else ""
            out.append(ctx.reference_argument(method, param, arg, peer))
    return " ".join(shlex.quote(w) for w in words[:n + 1] + out)


# ---- running ----------------------------------------------------------------------------

FINCHD_COMMAND = re.compile(r"^(build/bin/)?finchd\b")


def block_examples(block, how):
    return prompt_examples(block) if how == "prompt" else script_examples(block) if how == "script" else []


def starts_foreground_node(block, how):
    return any(FINCHD_COMMAND.match(e.command) and "-daemon" not in e.command for e in block_examples(block, how))


class Run:
    def __init__(self, peer):
        self.peer, self.problems, self.ran, self.skipped, self.deferred = peer, [], 0, [], []

    def fail(self, example_or_block, message):
        block = example_or_block if isinstance(example_or_block, Block) else example_or_block.block
        self.problems.append(f"{block.where()}: {message}")

    def shell(self, ctx, command, timeout=60):
        return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=timeout,
                              env=ctx.env, cwd=ctx.workdir)

    def check(self, example, command, r):
        """The exit status (non-zero exactly when the docs show an error) and the output."""
        self.ran += 1
        if SHOW:
            print(f"$ {command}\n{r.stdout}{r.stderr}(exit {r.returncode})\n")
        expects_error = bool(example.output) and example.output[0].startswith("error")
        if expects_error != (r.returncode != 0):
            hint = "" if re.search(r"-regtest|--network[= ]regtest", command) else \
                " (the example names no network: does it need -regtest?)"
            self.fail(example, f"`{example.command}` exited with {r.returncode}{hint}: "
                               f"{(r.stderr or r.stdout).strip()[:300]}")
        elif example.output is not None:
            for p in compare_output(example.output, r.stderr if expects_error else r.stdout):
                self.fail(example, f"`{example.command}`: {p}")

    def run_examples(self, ctx, block, examples):
        signed = {}  # what signtx printed, for a later <HEX> in the block
        for example in examples:
            if block.in_reference and block.heading == "stop":
                self.deferred.append((ctx, example))  # run last: the node then shuts down
                continue
            if FINCHD_COMMAND.match(example.command):
                self.start_node(ctx, example)
                continue
            if block.in_reference:
                command = reference_command(ctx, example, self.peer)
            else:
                command = ctx.substitute(example.command, signed)
            r = self.shell(ctx, command)
            for _ in range(2):  # a DHT lookup that missed an answer within its 1 s wait says -5: ask again
                if not (re.search(r"\bdhtfind\b", command) and "error code: -5" in r.stderr):
                    break
                r = self.shell(ctx, command)
            self.check(example, command, r)
            if re.search(r"\bsigntx\b", example.command):
                signed["signtx"] = r.stdout.strip()
        pid = ctx.node.daemon_pid()
        if pid and ctx.node.process is None:  # a --daemon node the block started must be stopped by it
            try:
                wait_until(lambda: ctx.node.daemon_pid() is None, 30, what="the daemon to stop")
            except AssertionError:
                self.fail(block, f"the finchd -daemon started here (pid {pid}) is still running after the block")

    def start_node(self, ctx, example):
        """A documented finchd command (<ADDRESS> is the miner's: the context's sender). With
        -daemon it must return once the node answers; otherwise it keeps running in the
        foreground until the end of the test."""
        self.ran += 1
        command = ctx.substitute(example.command.replace("<ADDRESS>", ctx.sender["address"]), {})
        argv = shlex.split(command)
        if "-daemon" in argv or "--daemon" in argv:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=ctx.env, cwd=ctx.workdir)
            if r.returncode != 0:
                self.fail(example, f"`{example.command}` exited with {r.returncode}: {r.stderr.strip()}")
                return
            for p in compare_output(example.output, r.stdout) if example.output is not None else []:
                self.fail(example, f"`{example.command}`: {p}")
            ctx.node.rpc("getblockcount")  # up when the command returns
            return
        ctx.node.launch(argv, ctx.env, ctx.workdir)
        ctx.node.wait_for_rpc()
        if "--mine" in argv:
            wait_until(lambda: ctx.node.rpc("getblockcount") >= 1, 30, what="the first mined block")
        if "--printtoconsole" in argv:
            wait_until(lambda: os.path.getsize(ctx.node.log_path) > 0, 10, what="the log on stdout")

    def run_json_pairs(self, ctx, block):
        """Request and reply lines: the request is POSTed to the node."""
        lines = [x for x in block.lines if x.strip()]
        for request, reply in zip(lines[0::2], lines[1::2]):
            self.ran += 1
            status, body = ctx.node.post(request)
            if SHOW:
                print(f"POST {request}\n{status} {body.decode()}\n")
            try:
                actual = json.loads(body)
            except ValueError:
                self.fail(block, f"POST {request}: HTTP {status}, not JSON: {body[:200]!r}")
                continue
            for p in shape_diff(json.loads(reply), actual, False, exact=PROTOCOL_KEYS):
                self.fail(block, f"POST {request}: {p}")

    def check_log_sample(self, node, block):
        """Each documented debug.log line has a line of the same form in the node's log."""
        with open(os.path.join(node.network_dir, "debug.log"), errors="replace") as f:
            log = f.read().split("\n")
        for line in (x for x in block.lines if x.strip()):
            self.ran += 1
            pattern = re.compile("^" + " ".join(log_word_pattern(w) for w in line.split(" ")) + "$")
            if not any(pattern.match(x) for x in log):
                self.fail(block, f"no debug.log line looks like {line!r}")


def log_word_pattern(word):
    """A word of a documented log line: the time stamp, the client's port and the duration
    vary; the rest must be as shown."""
    if TIMESTAMP_LINE.match(word):
        return r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    if word.startswith("peer="):
        return re.escape(word.rsplit(":", 1)[0]) + r":\d+"
    if word.startswith("duration="):
        return r"duration=\d+(\.\d+)?ms"
    return re.escape(word)


def conf_block_context(h, block, sender, recipient):
    """An ini block `# ~/.finchain/finch.conf`: a new home with that file (its ports replaced
    by free ones), where the next block runs."""
    node = HomeNode(h, f"home-conf-{block.line}", [])
    text = "\n".join(block.lines) + "\n"
    text = re.sub(r"^(\s*)rpcport\s*=\s*\d+", rf"\g<1>rpcport={node.rpcport}", text, flags=re.M)
    text = re.sub(r"^(\s*)port\s*=\s*\d+", rf"\g<1>port={node.port}", text, flags=re.M)
    node.write_conf(text)
    return Context(h, f"conf-{block.line}", node, sender, recipient)


def setup_chain(ctx, alice, bob, readme_key):
    """Funds alice and readme_key, and confirms one transfer from alice to bob."""
    node = ctx.node
    node.rpc("generatetoaddress", 2, alice["address"])
    node.rpc("generatetoaddress", 1, readme_key["address"])
    ctx.confirmed_txid = ctx.cli("send", "--secret", alice["secret"], "--to", bob["address"], "--amount", "250000")
    node.rpc("generatetoaddress", 1, alice["address"])
    assert node.rpc("gettransaction", ctx.confirmed_txid)["confirmations"] == 1


def plan_blocks(run):
    """The blocks to run, a foreground node's first (README's stdin examples need it)."""
    plan = []
    for b in [b for path in DOC_FILES for b in read_blocks(path)]:
        verdict, how = classify(b)
        if verdict == "unknown":
            run.fail(b, f"fenced block {how}: make it runnable or list it in SKIPPED / NOT_EXAMPLES "
                        f"(first line {b.first_line()!r})")
        elif verdict == "skip":
            run.skipped.append((b, how))
        elif verdict == "run":
            plan.append((b, how))
    return sorted(plan, key=lambda p: not starts_foreground_node(*p))


def test(h):
    alice, bob, readme_key, miner = h.keygen(), h.keygen(), h.keygen(), h.keygen()
    # node1: `finchd -regtest` with ~/.finchain/finch.conf giving its ports under [regtest].
    node1 = HomeNode(h, "home1", ["[regtest]", "port={port}", "rpcport={rpcport}", "bind=127.0.0.1", "debug=rpc"])
    rpc_ctx = Context(h, "rpc", node1, alice, bob)
    node1.launch(["finchd", "-regtest"], rpc_ctx.env, rpc_ctx.workdir)
    node1.wait_for_rpc()
    setup_chain(rpc_ctx, alice, bob, readme_key)
    readme_ctx = Context(h, "readme", node1, readme_key, bob)  # README's signtx wants nonce 0
    readme_ctx.confirmed_txid = rpc_ctx.confirmed_txid
    # A peer of node1 (getpeerinfo, addnode, disconnectnode).
    peer = h.add_node(["--listen=1"])
    peer.start()
    node1.rpc("addnode", f"127.0.0.1:{peer.port}", "onetry")
    wait_until(lambda: node1.rpc("getconnectioncount") >= 1, 30, what="node1 connected to its peer")
    wait_until(lambda: node1.rpc("getdhtinfo")["nodes"] >= 1, 30, what="node1's DHT to learn its peer")
    # node2: fixed credentials (README's -stdinrpcpass example), started by README's finchd
    # command, mining to the miner key whose secret the examples there spend.
    node2 = HomeNode(h, "home2", ["[regtest]", "port={port}", "rpcport={rpcport}", "bind=127.0.0.1",
                                  "rpcuser=alice", "rpcpassword=" + RPC_PASSWORD],
                     credentials=f"alice:{RPC_PASSWORD}")
    node2_ctx = Context(h, "node2", node2, miner, bob)

    def context_for(block, how):
        if block.path != "README.md":
            return rpc_ctx
        text = "\n".join(block.lines)
        return node2_ctx if "--rpcuser alice" in text or starts_foreground_node(block, how) else readme_ctx

    run = Run(peer)
    log_blocks, conf_ctx = [], None
    for b, how in plan_blocks(run):
        ctx, conf_ctx = conf_ctx or context_for(b, how), None
        if how == "conf":
            conf_ctx = conf_block_context(h, b, alice, bob)
        elif how in ("prompt", "script"):
            run.run_examples(ctx, b, block_examples(b, how))
        elif how == "json-pairs":
            run.run_json_pairs(ctx, b)
        elif how == "log":
            log_blocks.append(b)

    # A refused login, for the debug.log sample's http=401 line.
    status, _ = node1.post('{"method":"getblockcount"}', headers={"Authorization": "Basic eDp5"})
    assert status == 401, status
    for b in log_blocks:
        run.check_log_sample(node1, b)

    for ctx, example in run.deferred:  # `stop`: the node then exits cleanly
        r = run.shell(ctx, reference_command(ctx, example, peer))
        run.check(example, example.command, r)
        if r.returncode == 0:
            wait_until(lambda: ctx.node.process.poll() is not None, 30, what="finchd to stop")
            if ctx.node.process.returncode != 0:
                run.fail(example, f"finchd exited with {ctx.node.process.returncode} after stop")
            ctx.node.process = None

    assert node2.stop() == 0
    peer.stop()
    print(f"ran {run.ran} examples from {' and '.join(DOC_FILES)}; skipped:")
    for b, reason in run.skipped:
        print(f"  {b.where()}: {b.first_line()[:40]!r}: {reason}")
    if run.problems:
        raise AssertionError("examples that do not match the docs:\n" + "\n".join(run.problems))


if __name__ == "__main__":
    if SHOW:
        sys.argv.remove("--show")
    main(test)
