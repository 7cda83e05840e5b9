"""Helpers for the reliability and security tests (Tests/Security): the emulator over HTTP or HTTPS
(Tests/Emulator/emulator_control.py, which also makes a throw-away CA and server certificate with openssl), the
Python package over dist/, and the CLI.

Everything runs on 127.0.0.1; every wait is bounded in time.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BKCC_CLI = os.path.abspath(os.environ.get("BKCC", os.path.join(REPO, "dist", "bin", "bkcc")))
LIBRARY = os.path.abspath(os.environ.get("BKCC_LIBRARY", os.path.join(REPO, "dist", "lib", "libbkcc.so.0")))
os.environ["BKCC_LIBRARY"] = LIBRARY
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
if os.path.join(REPO, "Tests", "Emulator") not in sys.path:
    sys.path.insert(0, os.path.join(REPO, "Tests", "Emulator"))

import emulator_control  # noqa: E402  (after the path set-up above)
from emulator_control import APP_CODE, APP_SECRET, Emulator, free_port, make_certificates  # noqa: E402,F401


def switches(n, prefix="sw", start=0):
    """n bk_switch details; this suite's asset ids are "<prefix>-<i>" like the names."""
    return emulator_control.switches(n, prefix, start, asset="{prefix}-{i}")


def run_cli(*args, env=None, timeout=120, input=None):
    """Runs dist/bin/bkcc with only the given environment (plus PATH/HOME), returns CompletedProcess."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    base.update(env or {})
    return subprocess.run([BKCC_CLI, *args], env=base, capture_output=True, timeout=timeout, input=input)
