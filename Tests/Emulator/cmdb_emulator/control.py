"""The control endpoints under /_emulator/ (README "Control endpoints"): one table entry per method and path, one
handler each. A handler is `handler(emu, query, body) -> (HTTP status, JSON value)`; query is the parsed query
string, body the request body (bytes). Faults, credentials and --rate never apply here."""

from collections import namedtuple

from . import VERSION
from .envelopes import parse_json
from .faults import Fault
from .models import BUILTIN_MODELS


def instances(emu, query, body):
    obj_id = query.get("bk_obj_id", [None])[0]
    return 200, emu.store.list(obj_id)


def stats(emu, query, body):
    return 200, emu.stats.to_json(emu.store.count())


def reset(emu, query, body):
    emu.reset()
    return 200, {"ok": True}


def get_faults(emu, query, body):
    return 200, {"faults": emu.faults.list()}


def clear_faults(emu, query, body):
    emu.faults.replace([])
    return 200, {"faults": []}


def set_faults(emu, query, body):
    doc, ok = parse_json(body) if body.strip() else ([], True)
    if not ok or not isinstance(doc, list):
        return 400, {"error": "expected a JSON list of faults"}
    try:
        faults = [Fault.parse(spec) for spec in doc]
    except ValueError as e:
        return 400, {"error": str(e)}
    emu.faults.replace(faults)
    return 200, {"faults": emu.faults.list()}


def get_config(emu, query, body):
    return 200, {"envelope": emu.envelope, "rate": emu.bucket.rate, "fault_rate": emu.faults.random_rate,
                 "app_code": emu.app_code, "version": VERSION}


def set_config(emu, query, body):
    doc, ok = parse_json(body)
    if not ok or not isinstance(doc, dict) or set(doc) - {"envelope", "rate", "fault_rate"}:
        return 400, {"error": "expected {\"envelope\": \"esb\"|\"native\", \"rate\": N, \"fault_rate\": P}"}
    fault_rate = doc.get("fault_rate", emu.faults.random_rate)
    if isinstance(fault_rate, bool) or not isinstance(fault_rate, (int, float)) or not 0 <= fault_rate <= 1:
        return 400, {"error": "fault_rate must be a number in 0..1"}
    if "envelope" in doc and doc["envelope"] not in ("esb", "native"):
        return 400, {"error": "envelope must be \"esb\" or \"native\""}
    rate = doc.get("rate", emu.bucket.rate)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate < 0:
        return 400, {"error": "rate must be a number >= 0"}
    if "envelope" in doc:
        emu.envelope = doc["envelope"]
    if "rate" in doc:
        emu.bucket.set_rate(rate)
    if "fault_rate" in doc:
        emu.faults.set_random(fault_rate)
    return get_config(emu, query, body)


def models(emu, query, body):
    return 200, {"models": [m.to_json() for m in emu.models.values()],
                 "builtin": list(BUILTIN_MODELS), "businesses": sorted(emu.businesses)}


def health(emu, query, body):
    return 200, {"ok": True}


ControlRoute = namedtuple("ControlRoute", "method path handler")

CONTROL_ROUTES = (
    ControlRoute("GET", "/_emulator/instances", instances),
    ControlRoute("GET", "/_emulator/stats", stats),
    ControlRoute("POST", "/_emulator/reset", reset),
    ControlRoute("GET", "/_emulator/faults", get_faults),
    ControlRoute("DELETE", "/_emulator/faults", clear_faults),
    ControlRoute("POST", "/_emulator/faults", set_faults),
    ControlRoute("GET", "/_emulator/config", get_config),
    ControlRoute("POST", "/_emulator/config", set_config),
    ControlRoute("GET", "/_emulator/models", models),
    ControlRoute("GET", "/_emulator/health", health),
)

_BY_METHOD_AND_PATH = {(r.method, r.path): r.handler for r in CONTROL_ROUTES}


def is_control(path):
    return path == "/_emulator" or path.startswith("/_emulator/")


def answer(emu, method, path, query, body):
    """(status, JSON value) for a control request; a trailing slash is optional."""
    handler = _BY_METHOD_AND_PATH.get((method, path.rstrip("/")))
    if handler is None:
        return 404, {"error": "unknown control endpoint", "method": method, "path": path[:200]}
    return handler(emu, query, body)
