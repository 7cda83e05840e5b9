"""The emulator's state, built from the command line's flags, and the steps every API request goes through before
its route's handler: credentials, the --rate bucket, a JSON object body, the model (bk_obj_id)."""

import json
import os
import tempfile
import threading

from .auth import check as check_credentials
from .counters import Stats, TokenBucket
from .envelopes import dump_json, esb_fail, fail, rate_limited
from .faults import DEFAULT_FAULT_MIX, Fault, Faults
from .messages import ESB_PARAM_ERROR
from .models import load_models
from .routes import obj_in_path
from .server import tls_context
from .store import Store

# How long a reset waits for requests being processed, and a request for a reset under way (neither sleeps).
RESET_WAIT_S = 10.0


class Emulator:
    """The emulator's state (models, store, faults, counters, runtime configuration) and the steps of an API
    request between the wire (server.Handler) and its route's handler."""

    def __init__(self, args):
        self.models, self.businesses = load_models(args.models)
        self.app_code = args.app_code
        self.app_secret = args.app_secret
        self.start_envelope = args.envelope
        self.start_rate = args.rate
        self.envelope = args.envelope
        self.verbose = args.verbose
        self.state_path = args.state
        self.store = Store(self.models, args.first_id)
        self.faults = Faults()
        self.faults.replace([Fault.parse(s) for s in (args.fault or [])])
        if not 0 <= args.fault_rate <= 1:
            raise ValueError("--fault-rate must be between 0 and 1")
        self.start_fault_rate, self.fault_seed = args.fault_rate, args.fault_seed
        mix = [m for m in (args.fault_mix or ",".join(DEFAULT_FAULT_MIX)).split(",") if m.strip()]
        self.faults.set_random(args.fault_rate, [Fault.parse(m) for m in mix], args.fault_seed)
        self.tls = tls_context(args.tls_cert, args.tls_key)
        self.stats = Stats()
        self.bucket = TokenBucket(args.rate)
        self.stop = threading.Event()
        # A reset starts a new generation. An API request that arrived before it is not processed after it: a
        # killed client's request still waiting out its latency would otherwise store its items in the next
        # test's empty CMDB (seen in CI: a killed import's last request landed after the next test's reset).
        self.generation = 0
        self.gate = threading.Condition()
        self.processing = 0   # API requests inside handle_api
        self.resetting = 0    # resets under way
        self.save_lock = threading.Lock()
        self.saved_version = -1
        if self.state_path and os.path.exists(self.state_path):
            with open(self.state_path, "r", encoding="utf-8") as f:
                self.store.load(json.load(f))
            self.saved_version = self.store.version

    # ----- helpers -----------------------------------------------------------------------------

    def sleep_ms(self, ms):
        if ms > 0:
            self.stop.wait(ms / 1000.0)

    def save_state(self):
        """Write the state file atomically; concurrent saves coalesce, but each returns only once
        a version at least as new as its own changes is on disk."""
        if not self.state_path:
            return
        with self.save_lock:
            version, doc = self.store.snapshot()
            if version <= self.saved_version:
                return
            directory = os.path.dirname(os.path.abspath(self.state_path))
            fd, tmp = tempfile.mkstemp(prefix=".emulator-state-", dir=directory)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(dump_json(doc))
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.state_path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            self.saved_version = version

    def reset(self):
        """Back to the state at start. Requests of the generation before are let finish processing first (bounded:
        processing has no sleeps in it); those still waiting to be processed are never processed (`begin`)."""
        with self.gate:
            self.generation += 1
            self.resetting += 1
            self.gate.wait_for(lambda: self.processing == 0, timeout=RESET_WAIT_S)
        try:
            self.store.clear()
            self.faults.replace([])
            self.faults.set_random(self.start_fault_rate, seed=self.fault_seed)
            self.stats.reset()
            self.envelope = self.start_envelope
            self.bucket.set_rate(self.start_rate)
            self.save_state()
        finally:
            with self.gate:
                self.resetting -= 1
                self.gate.notify_all()

    def begin(self, generation):
        """Before an API request of `generation` (the one it arrived in) is processed: False when a reset came since
        (the caller drops the connection, unprocessed); else True, and `end()` must follow."""
        with self.gate:
            self.gate.wait_for(lambda: self.resetting == 0, timeout=RESET_WAIT_S)
            if generation != self.generation or self.resetting:
                return False
            self.processing += 1
            return True

    def end(self):
        with self.gate:
            self.processing -= 1
            self.gate.notify_all()

    # ----- the API -----------------------------------------------------------------------------

    def handle_api(self, ctx):
        denied = check_credentials(self, ctx)
        if denied is not None:
            return denied
        if not self.bucket.take():
            return rate_limited(self, ctx, 1)
        if ctx.api == "esb" and obj_in_path(ctx.route) and ctx.json_ok and isinstance(ctx.json, dict):
            obj_id = ctx.json.get("bk_obj_id")
            if not isinstance(obj_id, str) or not obj_id.strip():
                return esb_fail(self, ctx, ESB_PARAM_ERROR, "esb_param_required", "bk_obj_id")
        # from here on CMDB answers: the ESB / the gateway forwarded the request (faults of the layers in front of
        # CMDB that answer after CMDB acted replace only such answers)
        ctx.reached_cmdb = True
        if not ctx.route.reads_body:
            return ctx.route.handler(self, ctx, ctx.path_obj_id, {})
        if not ctx.json_ok or not isinstance(ctx.json, dict):
            return fail(self, ctx, "json")
        obj_id = ctx.json.get("bk_obj_id") if ctx.api == "esb" else ctx.path_obj_id
        return ctx.route.handler(self, ctx, obj_id, ctx.json)
