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
        self.store.clear()
        self.faults.replace([])
        self.faults.set_random(self.start_fault_rate, seed=self.fault_seed)
        self.stats.reset()
        self.envelope = self.start_envelope
        self.bucket.set_rate(self.start_rate)
        self.save_state()

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
