#!/usr/bin/env python3
"""contrib/finchd.service: it carries the hardening of Bitcoin Core's bitcoind.service and
Type=notify, and `systemd-analyze verify` accepts it without a warning. systemd-analyze fails
when ExecStart's program is missing, so a copy whose ExecStart points at the finchd under test
is verified. Skipped, saying so, where systemd-analyze is not installed."""

import os
import shutil
import subprocess
import sys

from framework import main, assert_equal

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNIT = os.path.join(ROOT, "contrib", "finchd.service")

REQUIRED = {
    "Type": "notify",
    "NotifyAccess": "main",
    "StateDirectory": "finchd",
    "ProtectSystem": "full",
    "ProtectHome": "true",
    "PrivateTmp": "true",
    "NoNewPrivileges": "true",
    "PrivateDevices": "true",
    "MemoryDenyWriteExecute": "true",
    "SystemCallArchitectures": "native",
    "User": "finchd",
}


def service_keys(text):
    keys, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line:
            key, value = line.split("=", 1)
            keys[key] = value
    return keys


def verify(path):
    r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True, timeout=60)
    return r.returncode, (r.stdout + r.stderr).strip()


def test(h):
    with open(UNIT) as f:
        text = f.read()
    keys = service_keys(text)
    for key, value in REQUIRED.items():
        assert_equal(keys.get(key), value, f"{key} in contrib/finchd.service")
    exec_start = keys["ExecStart"].split()
    assert_equal(exec_start[0], "/usr/local/bin/finchd")
    assert "--daemon" not in exec_start, "under systemd finchd runs in the foreground"

    if not shutil.which("systemd-analyze"):
        print("SKIPPED: systemd-analyze is not installed; only the unit's keys were checked")
        return
    assert os.access(h.finchd, os.X_OK), f"{h.finchd} is not built"
    copy = os.path.join(h.tmpdir, "finchd.service")
    with open(copy, "w") as f:
        f.write(text.replace("ExecStart=/usr/local/bin/finchd", f"ExecStart={h.finchd}", 1))
    code, output = verify(copy)
    assert_equal((code, output), (0, ""), "systemd-analyze verify of contrib/finchd.service")

    # The check is not vacuous: a misspelt key and a missing program are both reported.
    with open(copy, "w") as f:
        f.write(text.replace("PrivateTmp=", "PrivateTemp=").replace(
            "ExecStart=/usr/local/bin/finchd", f"ExecStart={h.finchd}", 1))
    code, output = verify(copy)
    assert "Unknown key" in output and "PrivateTemp" in output, output
    with open(copy, "w") as f:
        f.write(text.replace("ExecStart=/usr/local/bin/finchd", "ExecStart=/nonexistent/finchd", 1))
    code, output = verify(copy)
    assert code != 0 and "/nonexistent/finchd" in output, (code, output)


if __name__ == "__main__":
    main(test)
    sys.exit(0)
