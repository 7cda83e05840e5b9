"""Fixtures for the emulator's own tests: start `emulator.py --port 0` as a subprocess, read the URL
line with a timeout, talk to it over raw HTTP (http.client), and stop it at the end."""

import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "emulator.py")

APP_CODE = "bkcc-demo"
APP_SECRET = "bkcc-demo-secret"
BODY_AUTH = {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET, "bk_username": "admin"}
HEADER_AUTH = json.dumps(BODY_AUTH)
ESB_CREATE = "/api/c/compapi/v2/cc/batch_create_inst/"
ESB_SEARCH = "/api/c/compapi/v2/cc/search_inst/"


def gw_create_path(obj_id, stage="prod"):
    return "/api/bk-cmdb/%s/api/v3/createmany/instance/object/%s" % (stage, obj_id)


def gw_search_path(obj_id, stage="prod"):
    return "/api/bk-cmdb/%s/api/v3/find/instassociation/object/%s" % (stage, obj_id)


def switches(n, prefix="sw", start=0):
    return [{"bk_inst_name": "%s-%d" % (prefix, i), "bk_asset_id": "%s-asset-%d" % (prefix, i)}
            for i in range(start, start + n)]


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name)


class Emulator:
    def __init__(self, proc, url, stderr_path, startup_seconds):
        self.proc = proc
        self.url = url
        self.stderr_path = stderr_path
        self.startup_seconds = startup_seconds
        hostport = url.split("://", 1)[1]
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)

    # ----- raw HTTP ------------------------------------------------------------------------

    def connection(self, timeout=10.0):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10.0, conn=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        own = conn is None
        conn = conn or self.connection(timeout)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, resp.headers, data, time.monotonic() - started)
        finally:
            if own:
                conn.close()

    def post(self, path, body=None, headers=None, **kw):
        return self.request("POST", path, body, headers, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    # ----- API helpers -----------------------------------------------------------------------

    def esb_create(self, obj_id, details, headers=None, auth=None, **kw):
        body = dict(BODY_AUTH if auth is None else auth)
        body.update({"bk_obj_id": obj_id, "details": details})
        return self.post(ESB_CREATE, body, headers, **kw)

    def gw_create(self, obj_id, details, headers=None, **kw):
        hdrs = {"X-Bkapi-Authorization": HEADER_AUTH}
        hdrs.update(headers or {})
        return self.post(gw_create_path(obj_id), {"details": details}, hdrs, **kw)

    def esb_search(self, obj_id, query, headers=None, **kw):
        body = dict(BODY_AUTH)
        body["bk_obj_id"] = obj_id
        body.update(query)
        return self.post(ESB_SEARCH, body, headers, **kw)

    def gw_search(self, obj_id, query, headers=None, **kw):
        hdrs = {"X-Bkapi-Authorization": HEADER_AUTH}
        hdrs.update(headers or {})
        return self.post(gw_search_path(obj_id), query, hdrs, **kw)

    # ----- control -----------------------------------------------------------------------

    def set_faults(self, faults):
        r = self.post("/_emulator/faults", faults)
        assert r.status == 200, r.body
        return r.json()

    def stats(self):
        return self.get("/_emulator/stats").json()

    def instances(self, obj_id=None):
        path = "/_emulator/instances" + ("?bk_obj_id=%s" % obj_id if obj_id else "")
        return self.get(path).json()

    def reset(self):
        r = self.post("/_emulator/reset")
        assert r.status == 200, r.body

    def wait_instances(self, n, timeout=5.0):
        """Poll until n instances are stored (bounded); return the count seen last."""
        deadline = time.monotonic() + timeout
        count = -1
        for _ in range(500):
            count = self.stats()["instances"]
            if count >= n or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return count

    # ----- lifecycle -----------------------------------------------------------------------

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for f in (self.proc.stdout,):
            try:
                f.close()
            except OSError:
                pass
        return self.proc.returncode

    def stderr_text(self):
        with open(self.stderr_path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()


def start_emulator(*args, timeout=10.0):
    stderr = tempfile.NamedTemporaryFile(prefix="emulator-stderr-", suffix=".log", delete=False)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
    stderr.close()
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        proc.kill()
        proc.wait(5)
        raise RuntimeError("the emulator printed no URL within %.0f s" % timeout)
    elapsed = time.monotonic() - started
    url = line.decode("utf-8").strip()
    if not url.startswith("http://"):
        proc.kill()
        proc.wait(5)
        with open(stderr.name, "r", encoding="utf-8", errors="replace") as f:
            raise RuntimeError("the emulator did not start: %r %s" % (url, f.read()))
    return Emulator(proc, url, stderr.name, elapsed)


@pytest.fixture(scope="session")
def shared_emulator():
    emu = start_emulator()
    yield emu
    emu.stop()
    os.unlink(emu.stderr_path)


@pytest.fixture
def emu(shared_emulator):
    """The session's emulator, reset (no instances, faults or counters) before each test."""
    shared_emulator.reset()
    yield shared_emulator
    assert shared_emulator.proc.poll() is None, shared_emulator.stderr_text()


@pytest.fixture
def spawn():
    """Start emulators with their own flags; all are stopped at the end of the test."""
    started = []

    def _spawn(*args):
        e = start_emulator(*args)
        started.append(e)
        return e

    yield _spawn
    for e in started:
        e.stop()
        os.unlink(e.stderr_path)
