"""Helpers for the end-to-end tests of the bkcc binary (fixtures in conftest.py): the CMDB emulator on a loopback
port, and a runner that calls the binary with a clean environment (HOME in a temporary folder, settings from the
BK_* variables) and bounded timeouts. No relative imports: memory_check.py imports it as a script's neighbour."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EMULATOR = os.path.join(ROOT, "Tests", "Emulator", "emulator.py")
FIXTURES = os.path.join(ROOT, "Tests", "BKCCCLITests", "Fixtures", "csv")
GENERATOR = os.path.join(HERE, "gen_switches.py")

APP_CODE = "bkcc-demo"
APP_SECRET = "bkcc-demo-secret"


def find_bkcc():
    """$BKCC (set by `make test-cli`), else dist/bin/bkcc, else a debug build."""
    for path in (os.environ.get("BKCC"), os.path.join(ROOT, "dist", "bin", "bkcc"),
                 os.path.join(ROOT, ".build-cli", "debug", "bkcc-cli")):
        if path and os.access(path, os.X_OK):
            return path
    pytest.exit("no bkcc binary: run `make cli` (or set BKCC)", returncode=2)


class Emulator:
    def __init__(self, args=(), timeout=10.0):
        self.args = list(args)
        self.proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", *self.args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            self.url = lines.get(timeout=timeout).decode().strip()
        except queue.Empty:
            self.proc.kill()
            raise RuntimeError("the emulator printed no URL")
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode())

    def faults(self, faults):
        return self.call("POST", "/_emulator/faults", faults)

    def reset(self):
        self.call("POST", "/_emulator/reset")

    def stats(self):
        return self.call("GET", "/_emulator/stats")

    def instances(self, obj="bk_switch"):
        return self.call("GET", "/_emulator/instances?bk_obj_id=" + obj)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()


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
               if not k.startswith(("BK_", "BKPAAS_", "BKCC_")) and k not in ("APP_CODE", "XDG_CONFIG_HOME")}
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
    return [("交换机-%s-%05d" % (prefix, i), "%s-%06d" % (prefix, i)) for i in range(start, start + n)]


def report_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_until(predicate, timeout=20.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
