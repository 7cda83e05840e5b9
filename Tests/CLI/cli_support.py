"""Helpers for the end-to-end tests of the bkcc binary (fixtures in conftest.py): the CMDB emulator on a loopback
port (Tests/Emulator/emulator_control.py), and a runner that calls the binary with a clean environment (HOME in a
temporary folder, settings from the BK_* variables) and bounded timeouts. No relative imports: memory_check.py
imports it as a script's neighbour."""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "Tests", "BKCCCLITests", "Fixtures", "csv")
GENERATOR = os.path.join(HERE, "gen_switches.py")
if os.path.join(ROOT, "Tests", "Emulator") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "Tests", "Emulator"))

import emulator_control  # noqa: E402  (after the path set-up above)
from emulator_control import APP_CODE, APP_SECRET, Emulator, Emulators, wait_until  # noqa: E402,F401


def find_bkcc():
    """$BKCC (set by `make test-cli`), else dist/bin/bkcc, else a debug build."""
    for path in (os.environ.get("BKCC"), os.path.join(ROOT, "dist", "bin", "bkcc"),
                 os.path.join(ROOT, ".build-cli", "debug", "bkcc-cli")):
        if path and os.access(path, os.X_OK):
            return path
    pytest.exit("no bkcc binary: run `make cli` (or set BKCC)", returncode=2)


class Result:
    def __init__(self, proc, out, err):
        self.code = proc.returncode
        self.out = out
        self.err = err

    def json(self):
        return json.loads(self.out.strip().splitlines()[-1])

    def __repr__(self):
        return "exit %s\n--- stdout\n%s--- stderr\n%s" % (self.code, self.out, self.err)


class Runner:
    """Runs bkcc with settings for `url` from the environment; every call has a timeout."""

    def __init__(self, path, home, url=None):
        self.path = path
        self.home = home
        self.url = url
        self.outputs = []  # everything printed, for the secrets check

    def env(self, extra=None, url=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("BK_", "BKPAAS_", "BKCC_")) and k not in ("APP_CODE", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
        env["HOME"] = self.home
        target = url or self.url
        if target:
            env.update({"BK_COMPONENT_API_URL": target, "BK_APP_CODE": APP_CODE, "BK_APP_SECRET": APP_SECRET,
                        "BK_USERNAME": "admin"})
        env.update(extra or {})
        return env

    def __call__(self, *args, input=None, env=None, url=None, timeout=120, replace_env=None):
        proc = subprocess.run([self.path, *map(str, args)], input=input, capture_output=True,
                              env=replace_env if replace_env is not None else self.env(env, url), timeout=timeout)
        result = Result(proc, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))
        self.outputs.append(result.out + result.err)
        return result

    def start(self, *args, env=None, url=None):
        """In the background (for kill tests)."""
        return subprocess.Popen([self.path, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.env(env, url))


def write_csv(path, rows, header=("bk_inst_name", "bk_asset_id")):
    import csv
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
    return str(path)


def switches(n, prefix="SW", start=0):
    """CSV rows (name, asset id) of n switches: ("交换机-SW-00000", "SW-000000"), ..."""
    return emulator_control.switches(n, prefix, start, name="交换机-{prefix}-{i:05d}", asset="{prefix}-{i:06d}",
                                     rows=True)


def report_entries(path):
    """Every line of a report: headers, intent lines ("sending") and row lines."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def report_lines(path):
    """The row lines of a report (those with an "outcome"), in file order."""
    return [line for line in report_entries(path) if "outcome" in line]


def entries_so_far(path):
    """The lines of a report bkcc may be writing at this moment: every complete line (a read can overlap a write
    and end in part of one). For waiting on a run; what a test asserts after it ends is `report_entries`'."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return [json.loads(line) for line in text[:text.rfind("\n") + 1].splitlines() if line.strip()]


def lines_so_far(path):
    """The row lines of `entries_so_far`."""
    return [line for line in entries_so_far(path) if "outcome" in line]


def final_outcomes(path):
    """Each row's fate as a resume reads it: its created line if any, else its last line; by index."""
    fates = {}
    for line in report_lines(path):
        if fates.get(line["index"], {}).get("outcome") != "created":
            fates[line["index"]] = line
    return fates


def signal_mid_import(bkcc, path, report, concurrency, reported, sig):
    """Starts `bkcc batch-create-inst --report report path` in the background, waits (at most 60 s) until `reported`
    rows are in the report, sends sig; returns (proc, stdout, stderr) once it has exited (killed after 60 s)."""
    # --timeout 2: a resume after a kill waits out the killed run's in-flight window, its request timeout.
    proc = bkcc.start("batch-create-inst", "--obj", "bk_switch", "--concurrency", str(concurrency), "--timeout", "2",
                      "--report", report, path)
    try:
        assert wait_until(lambda: os.path.exists(report) and len(lines_so_far(report)) >= reported, timeout=60)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return proc, out, err
