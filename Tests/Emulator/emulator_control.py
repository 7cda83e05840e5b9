"""One way to start and drive the CMDB emulator (emulator.py) from every Python suite and the benchmarks.

Python standard library only. A suite puts this folder (Tests/Emulator) on sys.path and imports it::

    sys.path.insert(0, os.path.join(REPO, "Tests", "Emulator"))
    from emulator_control import Emulator

    with Emulator("--fault", "latency:20") as emu:        # emulator.py --port 0 --fault latency:20
        emu.set_faults([{"name": "reset", "count": 1}])
        ...
        emu.instances("bk_switch"), emu.stats(), emu.creates()

`Emulator(*args)` starts `emulator.py --port 0 *args` (or `program`, a server that speaks the same control endpoints
it uses) as a child process (stdin from /dev/null, stdout a pipe
for the URL line, stderr into an anonymous temporary file that `stderr_text()` reads), waits a bounded time for
the URL line and checks that it is a loopback address. Control calls go to the `/_emulator/*` endpoints over
http.client (no proxy, loopback only; HTTPS verified against `cafile`). Every wait is bounded in time and count.
"""

import http.client
import ipaddress
import json
import os
import queue
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "emulator.py")

APP_CODE = "bkcc-demo"              # the emulator's default valid credentials (--app-code / --app-secret)
APP_SECRET = "bkcc-demo-secret"


class EmulatorError(RuntimeError):
    """The emulator did not start, or a control endpoint did not answer 2xx."""


class Emulator:
    """A running emulator: `.url`, `.host`, `.port`, `.proc`, `.cafile`, `.args`, `.startup_seconds`."""

    def __init__(self, *args, tls_cert=None, tls_key=None, cafile=None, timeout=10.0, http_timeout=30.0,
                 program=EMULATOR):
        self.args = [str(a) for a in args]
        if tls_cert or tls_key:
            self.args += ["--tls-cert", str(tls_cert), "--tls-key", str(tls_key)]
        self.cafile = cafile
        self.http_timeout = http_timeout
        self._stderr = tempfile.TemporaryFile(prefix="emulator-stderr-")
        started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, program, "--port", "0", *self.args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._stderr)
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            self._abort("the emulator printed no URL within %.0f s" % timeout)
        self.startup_seconds = time.monotonic() - started
        self.url = line.decode("utf-8", "replace").strip()
        scheme, _, hostport = self.url.partition("://")
        host, _, port = hostport.rpartition(":")
        if scheme not in ("http", "https") or not port.isdigit():
            self._abort("the emulator did not start: %r" % self.url)
        self.scheme, self.host, self.port = scheme, host.strip("[]"), int(port)
        try:
            loopback = ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            self._abort("the emulator listens on %s, not on a loopback address" % self.url)

    def _abort(self, message):
        self.stop(signal.SIGKILL)
        raise EmulatorError("%s\n--- emulator stderr\n%s" % (message, self.stderr_text()))

    # ----- lifecycle ----------------------------------------------------------------------------------

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Sends sig (if it still runs), waits up to timeout, kills it if need be; returns its exit status.
        stderr_text() still works afterwards (until close())."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        try:
            self.proc.stdout.close()
        except OSError:
            pass
        return self.proc.returncode

    def close(self, sig=signal.SIGTERM):
        """stop(sig), then drop the stderr file."""
        code = self.stop(sig)
        self._stderr.close()
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def stderr_text(self):
        """Everything the emulator wrote on stderr so far (its access log with --verbose, a traceback)."""
        if self._stderr.closed:
            return ""
        fd = self._stderr.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def alive(self):
        return self.proc.poll() is None

    def check_alive(self):
        assert self.alive(), "the emulator died (exit %s): %s" % (self.proc.returncode, self.stderr_text()[-3000:])

    def fresh(self):
        """For a per-test fixture (`yield from emu.fresh()`): reset before the test, check it still runs after."""
        self.reset()
        yield self
        self.check_alive()

    # ----- control endpoints ---------------------------------------------------------------------------

    def connection(self, timeout=None):
        """A new http.client connection to the emulator (HTTPS verified against cafile when it serves HTTPS)."""
        timeout = self.http_timeout if timeout is None else timeout
        if self.scheme == "https":
            context = ssl.create_default_context(cafile=self.cafile)
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def call(self, method, path, body=None, timeout=None):
        """One control request on a new connection; the decoded JSON answer, or EmulatorError unless 2xx."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            answer = conn.getresponse()
            text = answer.read()
        finally:
            conn.close()
        if not 200 <= answer.status < 300:
            raise EmulatorError("%s %s: HTTP %d %s" % (method, path, answer.status, text[:500]))
        return json.loads(text.decode("utf-8"))

    def reset(self):
        """No instances (ids from --first-id again), no faults, counters at 0, the start configuration."""
        return self.call("POST", "/_emulator/reset")

    def set_faults(self, faults):
        """Replaces the faults (a list of "name[:arg]" or {"name", "arg", "count", "only"}); returns {"faults": [...]}."""
        return self.call("POST", "/_emulator/faults", faults)

    def faults(self):
        return self.call("GET", "/_emulator/faults")["faults"]

    def config(self, **settings):
        """POST /_emulator/config with settings (envelope, rate, fault_rate); without any, GET. Returns the config."""
        if settings:
            return self.call("POST", "/_emulator/config", settings)
        return self.call("GET", "/_emulator/config")

    def stats(self):
        return self.call("GET", "/_emulator/stats")

    def creates(self):
        """batch_create_inst requests that reached the emulator since the last reset."""
        return self.stats()["requests"]["batch_create_inst"]

    def instances(self, obj_id=None):
        """The stored instances (of model obj_id, or all), in bk_inst_id order."""
        return self.call("GET", "/_emulator/instances" + ("?bk_obj_id=%s" % obj_id if obj_id else ""))

    def wait_instances(self, n, timeout=5.0):
        """Polls until n instances are stored (bounded); returns the count seen last."""
        seen = [-1]

        def enough():
            seen[0] = self.stats()["instances"]
            return seen[0] >= n
        wait_until(enough, timeout=timeout)
        return seen[0]

    # ----- clients of it -------------------------------------------------------------------------------

    def env(self):
        """The BK_* environment a client (Client.from_env, the CLI) reads, pointing at this emulator."""
        return {"BK_COMPONENT_API_URL": self.url, "BK_APP_CODE": APP_CODE, "BK_APP_SECRET": APP_SECRET,
                "BK_USERNAME": "admin"}

    def client(self, **overrides):
        """A bkcc.Client for this emulator. Imports the bkcc Python package only here: the caller puts it on
        sys.path (and BKCC_LIBRARY in the environment)."""
        import bkcc
        config = {"url": self.url, "app_code": APP_CODE, "app_secret": APP_SECRET, "username": "admin",
                  "timeout_ms": 10000}
        config.update(overrides)
        return bkcc.Client(**config)


class Emulators:
    """Starts emulators with their own flags (`spawn(*args)`); all are closed together at the end (with
    stop_signal), e.g. in a fixture: `with Emulators() as spawn: yield spawn`."""

    def __init__(self, *base_args, factory=Emulator, stop_signal=signal.SIGTERM):
        self.base_args, self.factory, self.stop_signal = base_args, factory, stop_signal
        self.started = []

    def __call__(self, *args, **kw):
        emu = self.factory(*self.base_args, *args, **kw)
        self.started.append(emu)
        return emu

    def close(self):
        for emu in self.started:
            emu.close(self.stop_signal)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ----- helpers ------------------------------------------------------------------------------------------

def switches(n, prefix="sw", start=0, name="{prefix}-{i}", asset="{prefix}-asset-{i}", rows=False):
    """n valid bk_switch details, asset ids unique per prefix: dicts, or (name, asset) tuples with rows=True.
    name and asset are str.format templates of prefix and i."""
    made = [(name.format(prefix=prefix, i=i), asset.format(prefix=prefix, i=i)) for i in range(start, start + n)]
    if rows:
        return made
    return [{"bk_inst_name": a, "bk_asset_id": b} for a, b in made]


def wait_until(predicate, timeout=5.0, step=0.02):
    """Polls predicate until it is true, at most timeout seconds (and timeout/step + 1 calls); returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    for _ in range(int(timeout / step) + 1):
        if value or time.monotonic() > deadline:
            break
        time.sleep(step)
        value = predicate()
    return value


def free_port():
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
