#!/usr/bin/env python3
"""finch-cli's bitcoin-cli parity against real regtest finchd nodes: --rpcwait (waiting for a
starting node, and a timeout against a closed port that says so), secrets read from stdin
(--stdinsecret for send, -stdinrpcpass against a node with --rpcuser/--rpcpassword) and never
printed, --rpcconnect HOST:PORT, help with finch-cli's local commands, --named mixing
positional and name=value arguments, and bitcoin-cli's short option forms."""

import base64
import json
import subprocess
import time

from framework import main, free_port, assert_equal

RPC_USER, RPC_PASSWORD = "parity", "correct-horse-battery-staple-1234"


def run_cli(h, args, input_text=None, timeout=60):
    """finch-cli with exactly these arguments (no defaults added), bounded by `timeout`."""
    return subprocess.run([h.finch_cli, *args], capture_output=True, text=True, timeout=timeout,
                          input=input_text)


def base_args(node, port=True):
    return [f"--datadir={node.datadir}", "--network=regtest"] + ([f"--rpcport={node.rpcport}"] if port else [])


def assert_ok(r, what):
    if r.returncode != 0:
        raise AssertionError(f"{what} failed ({r.returncode}): {r.stderr}")
    return r


def assert_fails_without(r, secret, what):
    """A non-zero exit whose stdout and stderr do not contain `secret` (nor most of it)."""
    if r.returncode == 0:
        raise AssertionError(f"{what} succeeded: {r.stdout}")
    text = r.stdout + r.stderr
    for part in (secret, secret[:40], secret[-40:]):
        if part in text:
            raise AssertionError(f"{what}: the secret appears in the output: {text!r}")
    return r


def check_rpcwait_for_a_starting_node(h, node):
    node.start(wait=False)
    r = run_cli(h, base_args(node) + ["--rpcwait", "--rpcwaittimeout=60", "getblockcount"], timeout=90)
    assert_equal(assert_ok(r, "--rpcwait getblockcount").stdout.strip(), "0")
    node.wait_for_rpc()


def check_rpcwait_timeout(h, node):
    closed = free_port()
    args = [f"--datadir={node.datadir}", "-regtest", f"--rpcport={closed}", "--rpcwait",
            "--rpcwaittimeout", "2", "getblockcount"]
    for datadir_args in (args, ["--datadir=" + h.tmpdir + "/empty"] + args[1:]):  # with and without a cookie
        start = time.monotonic()
        r = run_cli(h, datadir_args, timeout=30)
        took = time.monotonic() - start
        assert r.returncode != 0, r.stdout
        assert f"could not connect to the server 127.0.0.1:{closed} within 2 s" in r.stderr, r.stderr
        assert "credentials" not in r.stderr, r.stderr
        assert 1.5 <= took < 15, took


def check_stdinsecret_send(h, node, alice, bob):
    # Options before the command, and --stdinsecret among send's own flags.
    r = run_cli(h, base_args(node) + ["--stdinsecret", "send", "--to", bob["address"], "--amount", "7000"],
                input_text=alice["secret"] + "\n")
    txid = assert_ok(r, "--stdinsecret send").stdout.strip()
    assert_equal(len(txid), 64)
    assert alice["secret"] not in r.stdout + r.stderr
    r = run_cli(h, base_args(node) + ["send", "--to", bob["address"], "--stdinsecret", "--amount", "300",
                                      "--fee", "2000"], input_text=alice["secret"] + "\r\n")
    txid2 = assert_ok(r, "send --stdinsecret").stdout.strip()
    mempool = node.rpc("getrawmempool")
    assert txid in mempool and txid2 in mempool, mempool
    node.rpc("generatetoaddress", 1, alice["address"])
    assert_equal(node.rpc("getbalance", bob["address"]), 7300)

    # signtx reads it too.
    nonce = node.rpc("getaccount", alice["address"])["pending_nonce"]
    r = run_cli(h, ["--network=regtest", "--stdinsecret", "signtx", "--to", bob["address"], "--amount", "5",
                    "--fee", "1000", "--nonce", str(nonce)], input_text=alice["secret"] + "\n")
    raw = assert_ok(r, "--stdinsecret signtx").stdout.strip()
    assert_equal(len(node.rpc("sendrawtransaction", raw)), 64)


def check_secrets_never_printed(h, node, bob):
    poor = h.keygen()  # a valid key whose account has nothing: the node refuses the transfer
    malformed = poor["secret"][:63]
    invalid = "f" * 64  # above the curve order
    send = ["send", "--to", bob["address"], "--amount", "7000"]
    for secret in (poor["secret"], malformed, invalid):
        r = run_cli(h, base_args(node) + ["--stdinsecret"] + send, input_text=secret + "\n")
        assert_fails_without(r, secret, "--stdinsecret send with a bad secret")
    r = run_cli(h, base_args(node) + ["--stdinsecret"] + send, input_text=poor["secret"] + "\n")
    assert "error code: -2" in r.stderr, r.stderr  # the node's rejection (-25/-26) is shown, not the key
    # The original report: the secret piped in with --stdin became a stray argument, and the
    # error repeated it.
    for secret in (poor["secret"], malformed):
        r = run_cli(h, base_args(node) + ["--stdin"] + send, input_text=secret + "\n")
        assert_fails_without(r, secret, "--stdin send")
        assert "--stdinsecret" in r.stderr, r.stderr
        r = run_cli(h, ["--network=regtest", "--stdin", "signtx", "--to", bob["address"], "--amount", "1",
                        "--fee", "1", "--nonce", "0"], input_text=secret + "\n")
        assert_fails_without(r, secret, "--stdin signtx")
    # --stdinsecret with a command that does not sign is refused: the key is not sent to the node.
    r = run_cli(h, base_args(node) + ["--stdinsecret", "getblockcount"], input_text=poor["secret"] + "\n")
    assert_fails_without(r, poor["secret"], "--stdinsecret getblockcount")
    assert "only for send and signtx" in r.stderr, r.stderr
    # No line to read.
    r = run_cli(h, base_args(node) + ["--stdinsecret"] + send, input_text="")
    assert r.returncode != 0 and "--stdinsecret" in r.stderr, r.stderr


def check_stdinrpcpass(h, node, bob):
    args = base_args(node) + ["--rpcuser", RPC_USER, "-stdinrpcpass"]
    r = run_cli(h, args + ["getblockcount"], input_text=RPC_PASSWORD + "\n")
    assert_equal(assert_ok(r, "-stdinrpcpass getblockcount").stdout.strip(), str(node.height()))
    # --stdin arguments follow the password line.
    r = run_cli(h, args + ["--stdin", "getblockhash"], input_text=RPC_PASSWORD + "\n0\n")
    assert_equal(assert_ok(r, "-stdinrpcpass --stdin").stdout.strip(), node.rpc("getblockhash", 0))
    wrong = "not-the-password-5f1e3c0a9b8d7e6f"
    r = run_cli(h, args + ["getblockcount"], input_text=wrong + "\n")
    assert_fails_without(r, wrong, "-stdinrpcpass with a wrong password")
    assert "Authorization failed" in r.stderr, r.stderr
    # Password line, then the secret line; neither is printed when the transfer fails.
    poor = h.keygen()
    r = run_cli(h, args + ["--stdinsecret", "send", "--to", bob["address"], "--amount", "1"],
                input_text=f"{RPC_PASSWORD}\n{poor['secret']}\n")
    assert_fails_without(r, poor["secret"], "-stdinrpcpass --stdinsecret send")
    assert RPC_PASSWORD not in r.stdout + r.stderr
    assert "error code:" in r.stderr, r.stderr  # it reached the node: the password line was used
    # Without the password line there is nothing to authenticate with.
    r = run_cli(h, args + ["getblockcount"], input_text="")
    assert r.returncode != 0 and "-stdinrpcpass" in r.stderr, r.stderr


def check_rpcconnect(h, node):
    tip = str(node.height())
    r = run_cli(h, base_args(node, port=False) + ["--rpcconnect", f"127.0.0.1:{node.rpcport}", "getblockcount"])
    assert_equal(assert_ok(r, "--rpcconnect HOST:PORT").stdout.strip(), tip)
    r = run_cli(h, base_args(node, port=False) + [f"-rpcconnect=localhost:{node.rpcport}", "getblockcount"])
    assert_equal(assert_ok(r, "-rpcconnect=localhost:PORT").stdout.strip(), tip)
    # As bitcoin-cli: an explicit --rpcport wins, with a warning.
    r = run_cli(h, base_args(node) + ["--rpcconnect", "127.0.0.1:1", "getblockcount"])
    assert_equal(assert_ok(r, "--rpcconnect with --rpcport").stdout.strip(), tip)
    assert "Using --rpcport" in r.stderr, r.stderr
    for bad in ("127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:", "[::1]:x"):
        r = run_cli(h, base_args(node, port=False) + ["--rpcconnect", bad, "getblockcount"], timeout=30)
        assert r.returncode != 0, bad
        assert f"Invalid --rpcconnect '{bad}'" in r.stderr, r.stderr


def check_help(node):
    overview = node.cli("help").stdout
    local = overview.find("== finch-cli local commands ==")
    assert local > overview.find("getblockcount") > 0, overview
    for command in ("keygen", "signtx", "send"):
        assert f"\n{command}" in overview[local:], overview[local:]
        text = node.cli("help", command).stdout
        assert text.startswith(command), text
        assert "finch-cli" in text and "unknown command" not in text, text
    assert "--stdinsecret" in node.cli("help", "send").stdout
    assert node.cli("help", "getblock").stdout.startswith('getblock "blockhash"')
    assert "unknown command" in node.cli("help", "nosuch").stdout
    for flag in ("-?", "-h", "--help"):
        usage = node.cli(flag).stdout
        assert "keygen" in usage and "--stdinsecret" in usage and "--rpcwaittimeout" in usage, usage


def check_named_mixing(node, alice):
    tip = node.rpc("getbestblockhash")
    block = node.cli("--named", "getblock", tip, "verbosity=2").stdout
    parsed = json.loads(block)
    assert_equal(parsed["hash"], tip)
    assert isinstance(parsed["tx"][0], dict), parsed["tx"]
    assert_equal(node.cli("-named", "getblock", tip, "verbosity=0").stdout.strip(), node.rpc("getblock", tip, 0))
    height = node.height()
    node.cli("-named", "generatetoaddress", "1", f"address={alice['address']}")
    assert_equal(node.height(), height + 1)
    r = node.cli("--named", "getblock", tip, f"blockhash={tip}", check=False)
    assert r.returncode != 0 and "specified twice" in r.stderr, r.stderr


def check_short_forms(h, node):
    assert_equal(node.cli("-regtest", "-chain=regtest", "getblockcount").stdout.strip(), str(node.height()))
    r = node.cli("-testnet", "getblockcount", check=False)  # disagrees with --network=regtest
    assert r.returncode != 0 and "conflicting network options" in r.stderr, r.stderr
    assert run_cli(h, ["-version"]).stdout.startswith("finch-cli ")
    r = run_cli(h, ["--rpcpasswrd=" + RPC_PASSWORD, "getblockcount"])
    assert_fails_without(r, RPC_PASSWORD, "a misspelt option")
    assert "--rpcpasswrd" in r.stderr, r.stderr


def test(h):
    node = h.add_node(["--listen=0"])
    check_rpcwait_for_a_starting_node(h, node)
    check_rpcwait_timeout(h, node)

    alice, bob = h.keygen(), h.keygen()
    node.rpc("generatetoaddress", 2, alice["address"])
    check_stdinsecret_send(h, node, alice, bob)
    check_secrets_never_printed(h, node, bob)
    check_rpcconnect(h, node)
    check_help(node)
    check_named_mixing(node, alice)
    check_short_forms(h, node)

    # A node with fixed credentials (no cookie) for -stdinrpcpass.
    locked = h.add_node(["--listen=0", f"--rpcuser={RPC_USER}", f"--rpcpassword={RPC_PASSWORD}"])
    credentials = base64.b64encode(f"{RPC_USER}:{RPC_PASSWORD}".encode()).decode()
    locked.auth_header = lambda: "Basic " + credentials
    locked.start()
    check_stdinrpcpass(h, locked, bob)

    assert_equal(node.stop(), 0)
    assert_equal(locked.stop(), 0)


if __name__ == "__main__":
    main(test)
