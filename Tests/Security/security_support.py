"""Helpers for the reliability and security tests (Tests/Security): the emulator over HTTP or HTTPS, a
throw-away CA and server certificate made with openssl, the Python package over dist/, and the CLI.

Everything runs on 127.0.0.1; every wait is bounded in time.
"""

import json
import os
import queue
import signal
import ssl
import subprocess
import sys
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EMULATOR = os.path.join(REPO, "Tests", "Emulator", "emulator.py")
BKCC_CLI = os.path.abspath(os.environ.get("BKCC", os.path.join(REPO, "dist", "bin", "bkcc")))
LIBRARY = os.path.abspath(os.environ.get("BKCC_LIBRARY", os.path.join(REPO, "dist", "lib", "libbkcc.so.0")))
os.environ["BKCC_LIBRARY"] = LIBRARY
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))

APP_CODE = "bkcc-demo"
APP_SECRET = "bkcc-demo-secret"


def switches(n, prefix="sw", start=0):
    return [{"bk_inst_name": "%s-%d" % (prefix, i), "bk_asset_id": "%s-%d" % (prefix, i)}
            for i in range(start, start + n)]


class Emulator:
    def __init__(self, proc, url, cafile=None):
        self.proc, self.url, self.cafile = proc, url, cafile

    def _call(self, method, path, body=None, timeout=30.0):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        context = ssl.create_default_context(cafile=self.cafile) if self.url.startswith("https") else None
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return json.loads(response.read().decode("utf-8"))

    def reset(self):
        self._call("POST", "/_emulator/reset")

    def set_faults(self, faults):
        return self._call("POST", "/_emulator/faults", faults)

    def config(self, **settings):
        return self._call("POST", "/_emulator/config", settings)

    def instances(self, obj_id="bk_switch"):
        return self._call("GET", "/_emulator/instances?bk_obj_id=%s" % obj_id)

    def stats(self):
        return self._call("GET", "/_emulator/stats")

    def creates(self):
        return self.stats()["requests"]["batch_create_inst"]

    def client(self, **overrides):
        import bkcc
        config = {"url": self.url, "app_code": APP_CODE, "app_secret": APP_SECRET, "username": "admin",
                  "timeout_ms": 10000}
        config.update(overrides)
        return bkcc.Client(**config)

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self.proc.stdout.close()


def start_emulator(*args, cafile=None, timeout=10.0):
    proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        line = b""
    url = line.decode("utf-8").strip()
    if not url.startswith(("http://", "https://")):
        proc.kill()
        proc.wait(5)
        raise RuntimeError("the emulator did not start: %r" % url)
    return Emulator(proc, url, cafile)


def make_certificates(directory):
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl, 1 day). Returns (ca, cert, key)."""
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr, cert = (os.path.join(directory, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(directory, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")

    def run(*argv):
        subprocess.run(["openssl", *argv], check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "1",
        "-subj", "/CN=bkcc test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "1",
        "-extfile", ext)
    return ca, cert, key


def run_cli(*args, env=None, timeout=120, input=None):
    """Runs dist/bin/bkcc with only the given environment (plus PATH/HOME), returns CompletedProcess."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    base.update(env or {})
    return subprocess.run([BKCC_CLI, *args], env=base, capture_output=True, timeout=timeout, input=input)
