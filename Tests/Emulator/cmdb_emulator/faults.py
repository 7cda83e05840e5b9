"""Faults: their specs (--fault NAME[:ARG], POST /_emulator/faults, --fault-rate/--fault-mix), the faults each API
request takes, and the canned bodies some of them answer with. The server applies them (server.Handler.api)."""

import random
import threading

from .messages import GW_429, GW_5XX
from .routes import OPS

# name -> kind of argument: None (ignored), "ms" (required float >= 0), "mb" (required float > 0),
# "retry" (optional int seconds, default 1), "items" (required int >= 0), "echo" (optional: "message" or "html")
FAULT_ARGS = {
    "latency": "ms", "per_item": "ms", "http_502_html": None, "reset": None, "drop": None,
    "truncate": None, "not_json": None, "stall": "ms", "audit_fail": None, "rate_limit": "retry",
    "big_body": "mb", "no_permission": None,
    # the failure answers of the real servers (README "Faults of the real servers")
    "esb_1306201": None, "esb_1306000_not_json": None, "cmdb_1199002": "items", "cmdb_1199997": None,
    "echo_secret": "echo", "dup_inst_id": None, "result_true_nonzero_code": None,
}
FAULT_ARGS.update({name: None for name in GW_5XX})
FAULT_ARGS.update({name: None for name in GW_429})

# where a fault applies: name -> (the APIs, the operations); a fault is taken (and its count used) only by requests
# it applies to. Not listed: every API and operation.
CREATE_ONLY = (None, ("batch_create_inst",))
FAULT_SCOPE = {
    "esb_1306201": (("esb",), None), "esb_1306000_not_json": (("esb",), None),
    "cmdb_1199002": CREATE_ONLY, "dup_inst_id": CREATE_ONLY, "result_true_nonzero_code": CREATE_ONLY,
}

# --fault-rate: the faults drawn from, by default (each equally likely)
DEFAULT_FAULT_MIX = ("reset", "stall:3000", "http_502_html", "truncate", "not_json", "audit_fail", "rate_limit")
# faults that answer without processing the request (the first of them in the fault list answers)
NO_PROCESS = ("drop", "http_502_html", "not_json", "rate_limit", "no_permission", "big_body",
              "cmdb_1199997") + tuple(GW_429)
# faults of the layers in front of CMDB that answer after CMDB acted (the first of them in the list answers)
AFTER_CMDB = tuple(GW_5XX) + ("esb_1306201", "esb_1306000_not_json")


def answers_unprocessed(name, arg):
    """Whether this fault answers without processing the request."""
    return name in NO_PROCESS or (name == "echo_secret" and arg == "html")


class Fault:
    def __init__(self, name, arg=None, count=None, only=None):
        if name not in FAULT_ARGS:
            raise ValueError("unknown fault %r (known: %s)" % (name, ", ".join(sorted(FAULT_ARGS))))
        kind = FAULT_ARGS[name]
        if kind in ("ms", "mb"):
            if arg is None or arg == "":
                raise ValueError("fault %s needs an argument" % name)
            try:
                arg = float(arg)
            except (TypeError, ValueError):
                raise ValueError("fault %s: argument %r is not a number" % (name, arg))
            if arg != arg or arg < 0 or arg == float("inf") or (kind == "mb" and arg <= 0):
                raise ValueError("fault %s: argument out of range" % name)
            if kind == "mb" and arg > 4096:
                raise ValueError("fault big_body: at most 4096 MB")
        elif kind == "items":
            if arg is None or arg == "":
                raise ValueError("fault %s needs an argument (the number of items stored first)" % name)
            try:
                arg = int(arg)
            except (TypeError, ValueError):
                raise ValueError("fault %s: argument %r is not an integer" % (name, arg))
            if arg < 0 or arg > 100000:
                raise ValueError("fault %s: argument out of range" % name)
        elif kind == "echo":
            arg = arg or "message"
            if arg not in ("message", "html"):
                raise ValueError("fault echo_secret: argument must be \"message\" or \"html\"")
        elif kind == "retry":
            if arg is None or arg == "":
                arg = 1
            try:
                arg = int(arg)
            except (TypeError, ValueError):
                raise ValueError("fault rate_limit: argument %r is not an integer" % (arg,))
            if arg < 0:
                raise ValueError("fault rate_limit: argument out of range")
        else:
            arg = None
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError("fault %s: count must be a positive integer" % name)
        if only is not None and only not in OPS:
            raise ValueError("fault %s: only must be one of %s" % (name, ", ".join(OPS)))
        ops = FAULT_SCOPE.get(name, (None, None))[1]
        if only is not None and ops is not None and only not in ops:
            raise ValueError("fault %s applies to %s only" % (name, ", ".join(ops)))
        self.name, self.arg, self.count, self.only = name, arg, count, only

    def applies(self, op, api):
        if self.only is not None and self.only != op:
            return False
        apis, ops = FAULT_SCOPE.get(self.name, (None, None))
        return (apis is None or api in apis) and (ops is None or op in ops)

    @classmethod
    def parse(cls, spec):
        if isinstance(spec, str):
            name, _, arg = spec.strip().partition(":")
            return cls(name.strip(), arg.strip() or None)
        if isinstance(spec, dict):
            unknown = set(spec) - {"name", "arg", "count", "only"}
            if unknown:
                raise ValueError("unknown fault key(s): %s" % ", ".join(sorted(unknown)))
            name = spec.get("name")
            if not isinstance(name, str):
                raise ValueError("a fault object needs a string \"name\"")
            return cls(name, spec.get("arg"), spec.get("count"), spec.get("only"))
        raise ValueError("a fault is a string \"name[:arg]\" or an object {\"name\", \"arg\", \"count\", \"only\"}")

    def to_json(self):
        return {"name": self.name, "arg": self.arg, "count": self.count, "only": self.only}


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        # --fault-rate P: each API request draws one fault of `mix` with probability P (seeded: reproducible)
        self.random_rate = 0.0
        self.random_mix = []
        self.rng = random.Random(0)

    def set_random(self, rate, mix=None, seed=None):
        with self.lock:
            self.random_rate = float(rate)
            if mix is not None:
                self.random_mix = list(mix)
            if seed is not None:
                self.rng = random.Random(seed)

    def replace(self, faults):
        with self.lock:
            self.items = list(faults)

    def list(self):
        with self.lock:
            return [f.to_json() for f in self.items]

    def take(self, op, api):
        """The faults that apply to this API request (consuming one of each counted fault)."""
        taken = []
        with self.lock:
            for f in self.items:
                if not f.applies(op, api):
                    continue
                if f.count is not None:
                    f.count -= 1
                taken.append((f.name, f.arg))
            self.items = [f for f in self.items if f.count is None or f.count > 0]
            if self.random_rate > 0 and self.random_mix and self.rng.random() < self.random_rate:
                f = self.rng.choice(self.random_mix)
                if f.applies(op, api):
                    taken.append((f.name, f.arg))
        return taken


# the bodies of http_502_html and not_json
NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
             b"</body>\r\n</html>\r\n")
NOT_JSON = (b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>BlueKing - Login</title></head>\n"
            b"<body><form action=\"/login/\" method=\"post\"><p>Please log in.</p></form></body></html>\n")

