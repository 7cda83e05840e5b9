"""Helpers shared by the bkcc Python package's tests (imported by conftest.py and the tests).

The package is imported from this checkout (bindings/python), whatever is installed elsewhere. The library is
the one ``bkcc`` finds (``BKCC_LIBRARY``, made absolute here so that subprocesses find it too; else the
checkout's ``dist/lib``). The CMDB emulator (Tests/Emulator/emulator.py) runs as a subprocess on a free
loopback port: one for the session, reset before each test, and fresh ones for tests that need their own.
"""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)                      # bindings/python
REPO = os.path.dirname(os.path.dirname(PACKAGE_ROOT))     # the checkout
EMULATOR = os.path.join(REPO, "Tests", "Emulator", "emulator.py")

if os.environ.get("BKCC_LIBRARY"):
    os.environ["BKCC_LIBRARY"] = os.path.abspath(os.environ["BKCC_LIBRARY"])
sys.path.insert(0, PACKAGE_ROOT)

import bkcc  # noqa: E402  (after the path set-up above)

APP_CODE = "bkcc-demo"
APP_SECRET = "bkcc-demo-secret"


def switches(n, prefix="sw", start=0):
    """n valid bk_switch details with asset ids unique per prefix."""
    return [{"bk_inst_name": "%s-%d" % (prefix, i), "bk_asset_id": "%s-asset-%d" % (prefix, i)}
            for i in range(start, start + n)]


def free_port():
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, proc, url):
        self.proc = proc
        self.url = url

    def _call(self, method, path, body=None, timeout=10.0):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))

    def reset(self):
        self._call("POST", "/_emulator/reset")

    def set_faults(self, faults):
        return self._call("POST", "/_emulator/faults", faults)

    def instances(self, obj_id="bk_switch"):
        return self._call("GET", "/_emulator/instances?bk_obj_id=%s" % obj_id)

    def stats(self):
        return self._call("GET", "/_emulator/stats")

    def config(self, **settings):
        return self._call("POST", "/_emulator/config", settings)

    def client(self, **overrides):
        config = {"url": self.url, "app_code": APP_CODE, "app_secret": APP_SECRET, "username": "admin",
                  "timeout_ms": 10000}
        config.update(overrides)
        return bkcc.Client(**config)

    def env(self):
        """The environment that Client.from_env reads, pointing at this emulator."""
        return {"BK_COMPONENT_API_URL": self.url, "BK_APP_CODE": APP_CODE, "BK_APP_SECRET": APP_SECRET,
                "BK_USERNAME": "admin"}

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self.proc.stdout.close()


def start_emulator(*args, timeout=10.0):
    proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        proc.kill()
        proc.wait(5)
        raise RuntimeError("the emulator printed no URL within %.0f s" % timeout)
    url = line.decode("utf-8").strip()
    if not url.startswith("http://"):
        proc.kill()
        proc.wait(5)
        raise RuntimeError("the emulator did not start: %r" % url)
    return Emulator(proc, url)


def wait_until(predicate, timeout=5.0, step=0.02):
    """Polls predicate (bounded in time and count); returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    for _ in range(int(timeout / step) + 1):
        if value or time.monotonic() > deadline:
            break
        time.sleep(step)
        value = predicate()
    return value
