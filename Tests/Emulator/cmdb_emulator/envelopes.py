"""One API request (Ctx) and one answer (Answer); JSON in and out; the envelopes every answer is built in, and the
error answers of CMDB, the ESB and the gateway.

The functions take `emu` (app.Emulator) for what they read of its state: the envelope mode
(--envelope / POST /_emulator/config), the models (permission objects) and the stats (rate limits)."""

import json
import re
import uuid

from .messages import CODES, ESB_RATE_LIMITED, GW_429, GW_RATE_LIMITED, msg


def route_items(route, body):
    """How many items the request carries, where its route says they are (routes.Route.items)."""
    value = body
    for key in getattr(route, "items", None) or ():
        if not isinstance(value, dict):
            return 0
        value = value.get(key)
    return len(value) if getattr(route, "items", None) and isinstance(value, list) else 0

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def _reject_constant(name):
    raise ValueError("not JSON: %s" % name)


def parse_json(body):
    """(value, True) for a JSON text in UTF-8 (as Go's decoder would accept it), else (None, False)."""
    try:
        text = body.decode("utf-8")
        if not text.strip():
            return None, False
        return json.loads(text, parse_constant=_reject_constant), True
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, False


def dump_json(obj):
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape: fall back to ASCII escapes
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def language(api, headers):
    """"en" or "zh". CMDB looks its texts up by the language it is given and falls back to Chinese for any language
    but "en"; the ESB forwards Blueking-Language, "en" when absent; the gateway forwards X-Bkcmdb-Language."""
    if api == "esb":
        value = (headers.get("Blueking-Language") or "").strip() or "en"
    else:
        value = (headers.get("X-Bkcmdb-Language") or "").strip()
    return "en" if value == "en" else "zh"


class Ctx:
    """One API request: its route (routes.Route), "esb" or "apigw", the bk_obj_id of a gateway path."""

    def __init__(self, route, api, obj_id, headers, body):
        self.route = route
        self.api = api
        self.op = route.op
        self.path_obj_id = obj_id
        self.headers = headers
        self.body = body
        self.json, self.json_ok = parse_json(body)
        self.lang = language(api, headers)
        self.reached_cmdb = False   # set by app.Emulator.handle_api once the ESB / gateway would forward it
        self.fail_after = None      # cmdb_1199002:K -- the create handler stops after item K-1
        self.stage = None           # the gateway path's {stage}
        client_id = (headers.get("X-Request-Id") or "").strip()
        self.client_request_id = client_id if SAFE_REQUEST_ID.match(client_id) else None
        if api == "apigw" and self.client_request_id:
            self.rid = self.client_request_id
        else:
            self.rid = uuid.uuid4().hex
        self.audit_fail = False     # audit_fail -- an update / delete fails at its audit log, inside its transaction
        # the number of items (details, update, delete.inst_ids) for per_item and the stats
        self.n_details = route_items(route, self.json) if isinstance(self.json, dict) else 0

    def m(self, key, *args):
        return msg(self.lang, key, *args)


class Answer:
    def __init__(self, status, obj, headers=None, created=False):
        self.status = status
        self.obj = obj
        self.headers = headers or {}
        self.created = created  # a batch create that reached the inserts and answered result:true


# ----- envelopes -------------------------------------------------------------------------------------

def envelope_obj(emu, ctx, ok, code, message, data, permission=None):
    out = {"result": ok}
    if emu.envelope == "native":
        out["bk_error_code"] = code
        out["bk_error_msg"] = message
    else:
        out["code"] = code
        out["message"] = message
    out["permission"] = permission
    out["request_id"] = ctx.rid
    out["data"] = data
    return out


def fail(emu, ctx, key, *args, code=None, status=200, permission=None):
    return Answer(status, envelope_obj(emu, ctx, False, code or CODES[key], ctx.m(key, *args), None, permission))


def ok(emu, ctx, data, created=False):
    # CMDB says "success" (CCSuccessStr); the ESB passes CMDB's message on, the gateway passes the whole body
    return Answer(200, envelope_obj(emu, ctx, True, 0, "success", data), created=created)


def esb_fail(emu, ctx, code, key, *args):
    return Answer(200, envelope_obj(emu, ctx, False, code, ctx.m(key, *args), None))


def gw_fail(ctx, status, code, code_name, message, extra_headers=None):
    headers = {"X-Bkapi-Error-Code": str(code), "X-Bkapi-Error-Message": message}
    if extra_headers:
        headers.update(extra_headers)
    return Answer(status, {"code_name": code_name, "code": code, "message": message,
                           "result": False, "data": None}, headers)


def rate_limited(emu, ctx, retry_after):
    emu.stats.add("rate_limited")
    if ctx.api == "esb":
        return esb_fail(emu, ctx, ESB_RATE_LIMITED, "esb_rate")
    # the text of 1642902 (errorx.lua); the Retry-After header is the emulator's own (no BlueKing source sends one)
    return gw_fail(ctx, 429, GW_RATE_LIMITED, "RATE_LIMIT_RESTRICTION", GW_429["gw_429_1642902"][2],
                   {"Retry-After": str(retry_after)})


# the IAM action a no_permission answer names, by operation (the emulator's own, after bk-cmdb's action types)
PERMISSION_ACTIONS = {
    "batch_create_inst": ("create_sys_instance", "创建实例"),
    "batch_update_inst": ("edit_sys_instance", "编辑实例"),
    "batch_delete_inst": ("delete_sys_instance", "删除实例"),
}


def permission_obj(emu, ctx, obj_id):
    model = emu.models.get(obj_id)
    name = model.name if model else obj_id
    action_id, action_name = PERMISSION_ACTIONS.get(ctx.op, ("find_sys_instance", "查询实例"))
    return {
        "system_id": "bk_cmdb", "system_name": "配置平台",
        "actions": [{
            "id": action_id,
            "name": action_name,
            "related_resource_types": [{
                "system_id": "bk_cmdb", "system_name": "配置平台", "type": "sys_instance_model",
                "type_name": "实例模型",
                "instances": [[{"type": "sys_instance_model", "type_name": "实例模型",
                                "id": obj_id, "name": name}]],
            }],
        }],
    }

