#!/usr/bin/env python3
"""The node identity key: the first start writes <datadir>/regtest/nodekey (PKCS#8 PEM, mode
0600) and getnetworkinfo.identity is the SHA-256 of its raw Ed25519 public key, as the openssl
command line computes it; a restart keeps it; a key file with group or other permission bits,
or one that is corrupt, empty or of another algorithm, stops finchd with one clear error
naming nodekey, and the file is left as it was. Needs the openssl command."""

import hashlib
import os
import re
import subprocess

from framework import main, assert_equal


def run_finchd(h, args, timeout=30):
    return subprocess.run([h.finchd, *args], capture_output=True, text=True, timeout=timeout)


def identity_from_key_file(path):
    """The identity from the key file alone: the raw public key is the last 32 bytes of the
    DER SubjectPublicKeyInfo that openssl derives from the private key."""
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         capture_output=True, check=True, timeout=30).stdout
    assert_equal(len(der), 44, "(an Ed25519 SubjectPublicKeyInfo)")
    return hashlib.sha256(der[-32:]).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data, mode=0o600):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def assert_refused(h, node, *words):
    """finchd exits non-zero with one line on stderr naming the key file and the problem."""
    before = read(node.key_path) if os.path.exists(node.key_path) else None
    r = run_finchd(h, node.args()[1:])
    assert r.returncode != 0, f"finchd started: {r}"
    lines = r.stderr.strip().splitlines()
    assert_equal(len(lines), 1, f"stderr: {r.stderr!r}")
    assert node.key_path in lines[0], lines[0]
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    after = read(node.key_path) if os.path.exists(node.key_path) else None
    assert_equal(after, before, "(a refused key file is left as it was)")
    return lines[0]


def test_created_and_kept(h, node):
    node.start()
    identity = node.rpc("getnetworkinfo")["identity"]
    assert re.fullmatch(r"[0-9a-f]{64}", identity), identity
    assert_equal(os.stat(node.key_path).st_mode & 0o777, 0o600)
    pem = read(node.key_path)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n"), pem[:40]
    assert_equal(identity_from_key_file(node.key_path), identity)
    assert not os.path.exists(node.key_path + ".tmp")
    with open(os.path.join(node.network_dir, "debug.log")) as f:
        assert f"p2p identity {identity}" in f.read()
    assert_equal(node.stop(), 0)

    node.start()
    assert_equal(node.rpc("getnetworkinfo")["identity"], identity)
    assert_equal(read(node.key_path), pem, "(a restart does not rewrite the key)")
    assert_equal(node.stop(), 0)
    return identity, pem


def test_bad_modes(h, node, pem):
    for mode in (0o644, 0o640, 0o604):
        os.chmod(node.key_path, mode)
        line = assert_refused(h, node, f"has mode {mode:04o}", "owner only", "chmod 600")
        assert "nodekey" in line
    os.chmod(node.key_path, 0o600)


def test_bad_contents(h, node, pem):
    cases = [
        (b"garbage\n", "not PEM"),
        (b"", "empty"),
        (pem[:40], "truncated"),
        (pem + b"trailing\n", "after the PEM block"),
    ]
    ec = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                        capture_output=True, check=True, timeout=30).stdout
    cases.append((ec, "not Ed25519"))
    for data, problem in cases:
        write(node.key_path, data)
        assert_refused(h, node, "unusable", problem)


def test_own_key(h, node, old_identity):
    """An operator may bring a key made elsewhere: it is used as it is."""
    key = subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519"], capture_output=True, check=True,
                         timeout=30).stdout
    write(node.key_path, key)
    node.start()
    identity = node.rpc("getnetworkinfo")["identity"]
    assert identity != old_identity
    assert_equal(identity, identity_from_key_file(node.key_path))
    assert_equal(read(node.key_path), key)
    assert_equal(node.stop(), 0)


def test(h):
    node = h.add_node()
    node.key_path = os.path.join(node.network_dir, "nodekey")
    identity, pem = test_created_and_kept(h, node)
    test_bad_modes(h, node, pem)
    test_bad_contents(h, node, pem)
    test_own_key(h, node, identity)
    # A second node has an identity of its own.
    other = h.add_node().start()
    assert other.rpc("getnetworkinfo")["identity"] not in (identity, "")
    assert_equal(other.stop(), 0)


if __name__ == "__main__":
    main(test)
