#!/usr/bin/env python3
"""Regenerates the method reference at the end of docs/rpc.md from the method table: runs
rpc_fake_server, asks `help` and `help METHOD`, and runs each method's help example against
the fake regtest chain. Usage: tests/rpc/gen_rpc_docs.py --build-dir build"""

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys

BUILD = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--build-dir" else "build"
DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "rpc.md")
MARK = "## Method reference\n"
MAX_LINES = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeServer:
    def __init__(self):
        self.port = free_port()
        binary = os.path.join(BUILD, "bin", "rpc_fake_server")
        self.process = subprocess.Popen([binary, "--port", str(self.port)], stdout=subprocess.PIPE, text=True)
        self.process.stdout.readline()  # "listening on ..."

    def call(self, method, params):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1})
        conn.request("POST", "/", body, {"Authorization": "Basic " + base64.b64encode(b"user:pass").decode()})
        reply = json.loads(conn.getresponse().read())
        conn.close()
        return reply

    def result(self, method, params=()):
        return self.call(method, list(params))["result"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def example_values(server):
    """Concrete values for the placeholders in the table's help examples."""
    tip = server.result("getbestblockhash")
    block = server.result("getblock", [tip, 2])
    pending = server.result("getrawmempool")[0]
    return {
        "<blockhash>": tip,
        "<txid>": block["tx"][1]["txid"],
        "<address>": block["tx"][2]["to"],
        "<hex>": {"sendrawtransaction": server.result("gettransaction", [pending])["hex"],
                  "submitblock": server.result("getblock", [tip, 0])},
        "<mempool-txid>": pending,
        "<identity>": server.result("getpeerinfo")[0]["identity"],
    }


def concrete_args(name, words, values):
    out = []
    for w in words:
        if w == "<hex>":
            w = values["<hex>"][name]
        elif w == "<txid>" and name == "getmempoolentry":
            w = values["<mempool-txid>"]
        else:
            w = values.get(w, w)
        out.append(w)
    return out


def as_param(word):
    try:
        return json.loads(word)
    except ValueError:
        return word


def shown_output(name, reply):
    """What finch-cli prints: a string as it is, null as nothing, the rest as indented JSON."""
    value = reply.get("result", reply.get("error"))
    if value is None:
        return []
    lines = (value if isinstance(value, str) else json.dumps(value, indent=2)).splitlines()
    if name == "help":
        lines = lines[:6] + ["..."]
    elif len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES - 2] + ["  ..."]
    return [x if len(x) < 110 else x[:100] + '..."' for x in lines]


def arguments_table(help_text):
    found = re.search(r"Arguments:\n(.*?)\n\n", help_text, re.S)
    if not found:
        return []
    rows = ["| # | name | type | required / default | description |", "|---|---|---|---|---|"]
    for line in found.group(1).splitlines():
        m = re.match(r"(\d+)\. (\S+)\s+\((.*?)\) (.*)", line)
        attrs = m.group(3).split(", ")
        presence = [a for a in attrs if a.startswith(("required", "optional", "default"))]
        kind = ", ".join(a for a in attrs if a not in presence)
        rows.append(f"| {m.group(1)} | `{m.group(2)}` | {kind} | {', '.join(presence)} | {m.group(4)} |")
    return rows + [""]


def method_section(server, name, values):
    text = server.result("help", [name])
    usage, rest = text.split("\n\n", 1)
    description = rest.split("\n", 1)[0]
    result = re.search(r"Result:\n(.*?)\n\nExamples:", text, re.S).group(1)
    words = concrete_args(name, re.search(r"> finch-cli (.*)", text).group(1).split()[1:], values)
    reply = {"result": "finchd stopping"} if name == "stop" else server.call(name, [as_param(w) for w in words])
    if reply.get("error"):  # an example must work: its output is what finch-cli prints on success
        sys.exit(f"gen_rpc_docs.py: the example `{name} {' '.join(words)}` failed: {reply['error']}")
    shown_args = " ".join(w if len(w) < 80 else w[:20] + "..." for w in words)
    command = "$ finch-cli -regtest " + name + (" " + shown_args if shown_args else "")
    return ([f"#### {name}", "", f"`{usage}`", "", description, ""] + arguments_table(text) +
            ["Result:", "", "```", result, "```", "", "Example:", "", "```", command] +
            shown_output(name, reply) + ["```", ""])


def main():
    server = FakeServer()
    try:
        values = example_values(server)
        out = []
        for line in server.result("help").splitlines():
            if line.startswith("== "):
                out += ["", "### " + line.strip("= "), ""]
            elif line.strip():
                out += method_section(server, line.split()[0], values)
    finally:
        server.stop()
    head = open(DOC).read().split(MARK)[0]
    with open(DOC, "w") as f:
        f.write(head + MARK + "\nGenerated from the method table with `finch-cli help METHOD` and example calls "
                "against a\nsmall regtest chain (tests/rpc/gen_rpc_docs.py). tests/functional/docs_examples.py runs "
                "every\nexample against a real regtest node and compares the shape of its output.\n" +
                "\n".join(out) + "\n")


if __name__ == "__main__":
    main()
