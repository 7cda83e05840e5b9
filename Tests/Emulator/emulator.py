#!/usr/bin/env python3
"""A local BlueKing CMDB emulator for the bkcc project (Python standard library only).

It answers `batch_create_inst` and `search_inst` like a real BlueKing CMDB behind the ESB
(``/api/c/compapi/v2/cc/...``) or behind the API gateway
(``/api/bk-cmdb/{stage}/api/v3/...``), with the real credential checks, error codes, message
texts and check order, and it injects faults on demand (latency, 429, 502 pages, resets,
truncated or non-JSON bodies, stalls, audit failures after the inserts, huge bodies).

Start:  python3 Tests/Emulator/emulator.py --port 0
The first line on stdout is the base URL (http://127.0.0.1:PORT); it serves until SIGTERM/SIGINT.
See Tests/Emulator/README.md for every flag, the fault semantics and the control endpoints.
"""

import argparse
import json
import os
import random
import re
import signal
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERSION = "1.0.0"

MAX_DETAILS = 200           # per write call (hard-coded in CMDB)
MAX_SEARCH_LIMIT = 200      # search_inst page.limit
MAX_BODY = 64 * 1024 * 1024  # request bodies above this are refused with 413
SINGLECHAR_MAX = 256
LONGCHAR_MAX = 2000

BUILTIN_MODELS = ("bk_biz_set_obj", "biz", "bk_project", "set", "module", "process", "host", "plat")
DEFAULT_BUSINESSES = (1, 2)  # resource pool and the "BlueKing" business of a fresh CMDB

OPS = ("batch_create_inst", "search_inst")

# ---------------------------------------------------------------------------------------------
# Message catalogue (English texts are those of the CMDB / ESB / gateway sources; "zh" for
# Blueking-Language: zh-cn on the ESB and X-Bkcmdb-Language: zh-cn on the gateway).
# ---------------------------------------------------------------------------------------------

MESSAGES = {
    "en": {
        # CMDB, whole request
        "json": "Deserializing JSON data failed",
        "inner_model": "forbidden operate inner model instance with common instance API",
        "mainline_model": "forbidden operate mainline model instance with common instance API",
        "model_not_found": "model [map[bk_obj_id:{0}]] not found",
        "need_data": "need data {0} is null",
        "exceed_limit": " {0} exceed the limit {1}",
        "http_failed": "HTTP request failed",
        "param_invalid": "'{0}' the parameter is invalid or does not exist",
        "param_check": "'{0}' data parameter verification does not pass",
        "page_limit": "page limit is exceeded",
        "audit": "failed to save the operation audit log",
        "no_permission": "no permission",
        # CMDB, one item
        "unassigned": "'{0}' unassigned",
        "need_string": "'{0}' must be a string type",
        "need_int": "'{0}' parameters must be integral",
        "need_float": "param '{0}' should be a fload number",
        "need_bool": "'{0}' must be boolean",
        "out_of_bounds": "'{0}' data out of bounds",
        "regex": "Regular verification of Field '{0}' failed",
        "duplicated": "duplicated instances exist, fields [{0}] duplicated",
        # ESB
        "esb_app_code": "APP Code [bk_app_code] cannot be empty",
        "esb_app_secret": "APP Secret [bk_app_secret] cannot be empty",
        "esb_app_wrong": "APP authentication failed, please check that bk_app_code and bk_app_secret are correct",
        "esb_user": "User authentication failed, please provide a valid user identity, such as bk_token, bk_username",
        "esb_auth_header": "Parameters error, request header [X-Bkapi-Authorization] is not a valid JSON object",
        "esb_param_required": "Parameters error, param {0} is required",
        "esb_rate": "Request rate exceeds the limit, please try again later",
        "esb_not_found": "The component [{0}] does not exist",
        "esb_method": "Request method [{0}] is not allowed for this component",
    },
    "zh": {
        "json": "反序列化JSON数据失败",
        "inner_model": "禁止使用通用实例接口操作内置模型实例",
        "mainline_model": "禁止使用通用实例接口操作主线模型实例",
        "model_not_found": "模型 [map[bk_obj_id:{0}]] 不存在",
        "need_data": "数据 {0} 不能为空",
        "exceed_limit": " {0} 超过限制 {1}",
        "http_failed": "HTTP请求失败",
        "param_invalid": "'{0}' 参数无效或不存在",
        "param_check": "'{0}' 数据参数校验不通过",
        "page_limit": "分页查询数量超过限制的最大值",
        "audit": "保存操作审计日志失败",
        "no_permission": "没有权限",
        "unassigned": "'{0}' 未赋值",
        "need_string": "'{0}' 必须为字符串类型",
        "need_int": "'{0}' 参数必须是整型",
        "need_float": "'{0}' 参数应为浮点数字",
        "need_bool": "'{0}' 必须为布尔类型",
        "out_of_bounds": "'{0}' 数据越界",
        "regex": "字段 '{0}' 正则校验失败",
        "duplicated": "数据唯一性校验失败， [{0}] 重复",
        "esb_app_code": "应用编码 [bk_app_code] 不能为空",
        "esb_app_secret": "应用密钥 [bk_app_secret] 不能为空",
        "esb_app_wrong": "应用认证失败，请确认 bk_app_code 和 bk_app_secret 是否正确",
        "esb_user": "用户认证失败，请提供有效的用户身份，如 bk_token、bk_username",
        "esb_auth_header": "参数错误，请求头 [X-Bkapi-Authorization] 不是有效的 JSON 对象",
        "esb_param_required": "参数错误，参数 {0} 为必填项",
        "esb_rate": "请求频率超过限制，请稍后重试",
        "esb_not_found": "组件 [{0}] 不存在",
        "esb_method": "该组件不支持请求方法 [{0}]",
    },
}

CODES = {
    "json": 1199000, "http_failed": 1199002, "param_check": 1199006, "param_invalid": 1199011,
    "exceed_limit": 1199035, "need_data": 1199038, "model_not_found": 1199045,
    "page_limit": 1199059, "mainline_model": 1199075, "inner_model": 1199084,
    "audit": 1109001, "no_permission": 9900403,
}

ESB_AUTH_FAILED = 1306000
ESB_PARAM_ERROR = 1306406
ESB_RATE_LIMITED = 1306429
ESB_NOT_FOUND = 1306404
ESB_METHOD = 1306405
GW_INVALID_ARGS = 1640001
GW_NOT_FOUND = 1640401
GW_RATE_LIMITED = 1642902


def msg(lang, key, *args):
    table = MESSAGES.get(lang) or MESSAGES["en"]
    return table[key].format(*args)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------

ATTR_TYPES = ("singlechar", "longchar", "int", "float", "bool")


class Attribute:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("an attribute must be an object")
        self.id = spec.get("bk_property_id")
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("attribute without bk_property_id: %r" % (spec,))
        self.type = spec.get("bk_property_type", "singlechar")
        if self.type not in ATTR_TYPES:
            raise ValueError("attribute %s: bk_property_type must be one of %s" % (self.id, ", ".join(ATTR_TYPES)))
        self.required = bool(spec.get("isrequired", False))
        option = spec.get("option")
        self.regex = None
        self.min = None
        self.max = None
        if self.type in ("singlechar", "longchar") and isinstance(option, str) and option:
            self.regex = re.compile(option)
        if self.type in ("int", "float") and isinstance(option, dict):
            self.min = option.get("min")
            self.max = option.get("max")

    def check(self, value, lang):
        """Return the inner error message for a present, non-null value, or None."""
        if self.type in ("singlechar", "longchar"):
            if not isinstance(value, str):
                return msg(lang, "need_string", self.id)
            limit = SINGLECHAR_MAX if self.type == "singlechar" else LONGCHAR_MAX
            if len(value) > limit:
                return msg(lang, "out_of_bounds", self.id)
            if self.regex is not None and value != "" and not self.regex.search(value):
                return msg(lang, "regex", self.id)
            return None
        if self.type == "int":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return msg(lang, "need_int", self.id)
            if isinstance(value, float) and not value.is_integer():
                return msg(lang, "need_int", self.id)
        elif self.type == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return msg(lang, "need_float", self.id)
        elif self.type == "bool":
            if not isinstance(value, bool):
                return msg(lang, "need_bool", self.id)
            return None
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            return msg(lang, "out_of_bounds", self.id)
        return None

    def to_json(self):
        d = {"bk_property_id": self.id, "bk_property_type": self.type, "isrequired": self.required}
        if self.regex is not None:
            d["option"] = self.regex.pattern
        if self.min is not None or self.max is not None:
            d["option"] = {"min": self.min, "max": self.max}
        return d


class Model:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a model must be an object")
        self.obj_id = spec.get("bk_obj_id")
        if not isinstance(self.obj_id, str) or not self.obj_id:
            raise ValueError("model without bk_obj_id: %r" % (spec,))
        if self.obj_id in BUILTIN_MODELS:
            raise ValueError("model %s: built-in models cannot be defined" % self.obj_id)
        self.name = spec.get("bk_obj_name", self.obj_id)
        self.mainline = bool(spec.get("mainline", False))
        attrs = spec.get("attributes", [])
        if not isinstance(attrs, list):
            raise ValueError("model %s: attributes must be a list" % self.obj_id)
        self.attr_list = [Attribute(a) for a in attrs]
        self.attrs = {a.id: a for a in self.attr_list}
        if len(self.attrs) != len(self.attr_list):
            raise ValueError("model %s: duplicate bk_property_id" % self.obj_id)
        unique = spec.get("unique", [])
        if not isinstance(unique, list):
            raise ValueError("model %s: unique must be a list of lists of attribute ids" % self.obj_id)
        self.unique = []
        for rule in unique:
            if isinstance(rule, str):
                rule = [rule]
            if not isinstance(rule, list) or not rule or not all(isinstance(f, str) for f in rule):
                raise ValueError("model %s: each unique rule is a non-empty list of attribute ids" % self.obj_id)
            for f in rule:
                if f not in self.attrs:
                    raise ValueError("model %s: unique field %s is not an attribute" % (self.obj_id, f))
            self.unique.append(tuple(rule))

    def to_json(self):
        return {"bk_obj_id": self.obj_id, "bk_obj_name": self.name, "mainline": self.mainline,
                "attributes": [a.to_json() for a in self.attr_list],
                "unique": [list(r) for r in self.unique]}


def _device_model(obj_id, name):
    return {
        "bk_obj_id": obj_id, "bk_obj_name": name,
        "attributes": [
            {"bk_property_id": "bk_inst_name", "bk_property_type": "singlechar", "isrequired": True},
            {"bk_property_id": "bk_asset_id", "bk_property_type": "singlechar", "isrequired": True},
            {"bk_property_id": "bk_sn", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_operator", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_vendor", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_model", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_port_count", "bk_property_type": "int"},
            {"bk_property_id": "bk_remark", "bk_property_type": "longchar"},
        ],
        "unique": [["bk_asset_id"]],
    }


DEFAULT_MODELS = [
    _device_model("bk_switch", "Switch"),
    _device_model("bk_router", "Router"),
    _device_model("bk_firewall", "Firewall"),
    _device_model("bk_load_balance", "Load balance"),
    {
        "bk_obj_id": "cabinet", "bk_obj_name": "Cabinet",
        "attributes": [
            {"bk_property_id": "bk_inst_name", "bk_property_type": "singlechar", "isrequired": True},
            {"bk_property_id": "bk_asset_id", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_sn", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_operator", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_room", "bk_property_type": "singlechar"},
            {"bk_property_id": "bk_u_count", "bk_property_type": "int", "option": {"min": 1, "max": 100}},
            {"bk_property_id": "bk_power_kw", "bk_property_type": "float"},
            {"bk_property_id": "bk_in_use", "bk_property_type": "bool"},
            {"bk_property_id": "bk_remark", "bk_property_type": "longchar"},
        ],
        "unique": [["bk_inst_name"]],
    },
    {
        "bk_obj_id": "bk_zone", "bk_obj_name": "Zone", "mainline": True,
        "attributes": [
            {"bk_property_id": "bk_inst_name", "bk_property_type": "singlechar", "isrequired": True},
        ],
        "unique": [["bk_inst_name"]],
    },
]


def load_models(path):
    models = {}
    businesses = set(DEFAULT_BUSINESSES)
    for spec in DEFAULT_MODELS:
        m = Model(spec)
        models[m.obj_id] = m
    if path:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
        if isinstance(doc, list):
            doc = {"models": doc}
        if not isinstance(doc, dict):
            raise ValueError("%s: expected an object {\"models\": [...]} or a list of models" % path)
        extra = doc.get("models", [])
        if not isinstance(extra, list):
            raise ValueError("%s: \"models\" must be a list" % path)
        for spec in extra:
            m = Model(spec)
            models[m.obj_id] = m
        biz = doc.get("businesses")
        if biz is not None:
            if not isinstance(biz, list) or not all(isinstance(b, int) and not isinstance(b, bool) for b in biz):
                raise ValueError("%s: \"businesses\" must be a list of integers" % path)
            businesses |= set(biz)
    return models, businesses


# ---------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------

def vkey(v):
    """A hashable key for a JSON value, so that 1, 1.0 match but True and "1" do not."""
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        return ("n", v)
    if isinstance(v, str):
        return ("s", v)
    if v is None:
        return ("z", None)
    return ("j", json.dumps(v, sort_keys=True))


def now_text():
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="milliseconds")


class Store:
    """All instances, one lock. Unique values are kept in per-model dicts (no scans on create)."""

    def __init__(self, models, first_id):
        self.lock = threading.Lock()
        self.models = models
        self.first_id = first_id
        self.version = 0
        self._clear()

    def _clear(self):
        self.next_id = self.first_id
        self.by_id = {}    # bk_inst_id -> instance
        self.by_obj = {}   # bk_obj_id -> {bk_inst_id: instance} (insertion = id order)
        self.uniq = {}     # bk_obj_id -> [(fields, {key: bk_inst_id})]
        self.version += 1

    def clear(self):
        with self.lock:
            self._clear()

    def _rules(self, obj_id):
        rules = self.uniq.get(obj_id)
        if rules is None:
            model = self.models.get(obj_id)
            rules = [(fields, {}) for fields in (model.unique if model else ())]
            self.uniq[obj_id] = rules
        return rules

    @staticmethod
    def _ukey(fields, data):
        key = []
        for f in fields:
            v = data.get(f)
            if v is None or v == "":
                return None  # an absent value is not checked for uniqueness
            key.append(vkey(v))
        return tuple(key)

    def _index(self, inst):
        for fields, index in self._rules(inst["bk_obj_id"]):
            key = self._ukey(fields, inst)
            if key is not None:
                index.setdefault(key, inst["bk_inst_id"])

    def duplicate_fields_locked(self, obj_id, data):
        for fields, index in self._rules(obj_id):
            key = self._ukey(fields, data)
            if key is not None and key in index:
                return fields
        return None

    def insert_locked(self, obj_id, data):
        inst_id = self.next_id
        self.next_id += 1
        stamp = now_text()
        inst = {"bk_inst_id": inst_id, "bk_obj_id": obj_id}
        inst.update(data)
        inst["bk_supplier_account"] = "0"
        inst["create_time"] = stamp
        inst["last_time"] = stamp
        self.by_id[inst_id] = inst
        self.by_obj.setdefault(obj_id, {})[inst_id] = inst
        self._index(inst)
        self.version += 1
        return inst_id

    def list(self, obj_id=None):
        with self.lock:
            if obj_id is None:
                return list(self.by_id.values())
            return list(self.by_obj.get(obj_id, {}).values())

    def count(self):
        with self.lock:
            return len(self.by_id)

    def snapshot(self):
        with self.lock:
            return self.version, {"version": 1, "next_id": self.next_id, "instances": list(self.by_id.values())}

    def load(self, doc):
        if not isinstance(doc, dict) or not isinstance(doc.get("instances"), list):
            raise ValueError("not an emulator state file")
        with self.lock:
            self._clear()
            top = self.first_id - 1
            for inst in doc["instances"]:
                if not isinstance(inst, dict) or not isinstance(inst.get("bk_inst_id"), int) \
                        or not isinstance(inst.get("bk_obj_id"), str):
                    raise ValueError("bad instance in state file: %r" % (inst,))
                self.by_id[inst["bk_inst_id"]] = inst
                self.by_obj.setdefault(inst["bk_obj_id"], {})[inst["bk_inst_id"]] = inst
                self._index(inst)
                top = max(top, inst["bk_inst_id"])
            nxt = doc.get("next_id")
            self.next_id = max(top + 1, nxt if isinstance(nxt, int) else 0)
            for obj_id in self.by_obj:
                self.by_obj[obj_id] = dict(sorted(self.by_obj[obj_id].items()))

    def candidates_locked(self, obj_id, conds):
        """Instances of obj_id that may match: an index lookup when a condition allows one."""
        rules = {fields[0]: index for fields, index in self._rules(obj_id) if len(fields) == 1}
        for c in conds:
            if c.op not in ("$eq", "$in"):
                continue
            values = [c.value] if c.op == "$eq" else c.value
            if c.field == "bk_inst_id":
                ids = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
            elif c.field in rules:
                index = rules[c.field]
                ids = set()
                for v in values:
                    i = index.get((vkey(v),))
                    if i is not None:
                        ids.add(i)
            else:
                continue
            objs = self.by_obj.get(obj_id, {})
            return [objs[i] for i in sorted(ids) if i in objs]
        return list(self.by_obj.get(obj_id, {}).values())


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------

# name -> kind of argument: None (ignored), "ms" (required float >= 0), "mb" (required float > 0),
# "retry" (optional int seconds, default 1)
FAULT_ARGS = {
    "latency": "ms", "per_item": "ms", "http_502_html": None, "reset": None, "drop": None,
    "truncate": None, "not_json": None, "stall": "ms", "audit_fail": None, "rate_limit": "retry",
    "big_body": "mb", "no_permission": None,
}
# --fault-rate: the faults drawn from, by default (each equally likely)
DEFAULT_FAULT_MIX = ("reset", "stall:3000", "http_502_html", "truncate", "not_json", "audit_fail", "rate_limit")
# faults that answer without processing the request, in the order they are listed
NO_PROCESS = ("drop", "http_502_html", "not_json", "rate_limit", "no_permission", "big_body")


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
        self.name, self.arg, self.count, self.only = name, arg, count, only

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

    def take(self, op):
        """The faults that apply to this API request (consuming one of each counted fault)."""
        taken = []
        with self.lock:
            for f in self.items:
                if f.only is not None and f.only != op:
                    continue
                if f.count is not None:
                    f.count -= 1
                taken.append((f.name, f.arg))
            self.items = [f for f in self.items if f.count is None or f.count > 0]
            if self.random_rate > 0 and self.random_mix and self.rng.random() < self.random_rate:
                f = self.rng.choice(self.random_mix)
                taken.append((f.name, f.arg))
        return taken


# ---------------------------------------------------------------------------------------------
# Rate limit, stats
# ---------------------------------------------------------------------------------------------

class TokenBucket:
    """--rate N: a bucket of N tokens refilled at N per second; a request without a token is limited."""

    def __init__(self, rate):
        self.lock = threading.Lock()
        self.set_rate(rate)

    def set_rate(self, rate):
        with getattr(self, "lock", threading.Lock()):
            self.rate = float(rate or 0)
            self.tokens = max(self.rate, 1.0)
            self.stamp = time.monotonic()

    def take(self):
        with self.lock:
            if self.rate <= 0:
                return True
            now = time.monotonic()
            self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.requests = {op: 0 for op in OPS}
            self.not_found = 0
            self.by_api = {"esb": 0, "apigw": 0}
            self.items_received = 0
            self.items_created = 0
            self.rate_limited = 0
            self.faults_applied = {}

    def arrived(self, op, api, items):
        with self.lock:
            self.requests[op] += 1
            self.by_api[api] += 1
            if op == "batch_create_inst":
                self.items_received += items

    def add(self, field, n=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)

    def fault(self, name):
        with self.lock:
            self.faults_applied[name] = self.faults_applied.get(name, 0) + 1

    def to_json(self, instances):
        with self.lock:
            return {"requests": dict(self.requests), "requests_by_api": dict(self.by_api),
                    "not_found": self.not_found, "items_received": self.items_received,
                    "items_created": self.items_created, "rate_limited": self.rate_limited,
                    "faults_applied": dict(self.faults_applied), "instances": instances}


# ---------------------------------------------------------------------------------------------
# Requests and answers
# ---------------------------------------------------------------------------------------------

ESB_CREATE = re.compile(r"^/api/c/compapi/v2/cc/batch_create_inst/?$")
ESB_SEARCH = re.compile(r"^/api/c/compapi/v2/cc/search_inst/?$")
GW_CREATE = re.compile(r"^/api/bk-cmdb/([^/]+)/api/v3/createmany/instance/object/([^/]+)/?$")
GW_SEARCH = re.compile(r"^/api/bk-cmdb/([^/]+)/api/v3/find/instassociation/object/([^/]+)/?$")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def match_route(path):
    if ESB_CREATE.match(path):
        return "esb", "batch_create_inst", None
    if ESB_SEARCH.match(path):
        return "esb", "search_inst", None
    m = GW_CREATE.match(path)
    if m:
        return "apigw", "batch_create_inst", unquote(m.group(2))
    m = GW_SEARCH.match(path)
    if m:
        return "apigw", "search_inst", unquote(m.group(2))
    return None


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


class Ctx:
    """One API request."""

    def __init__(self, api, op, obj_id, headers, body):
        self.api = api
        self.op = op
        self.path_obj_id = obj_id
        self.headers = headers
        self.body = body
        self.json, self.json_ok = parse_json(body)
        lang_header = "Blueking-Language" if api == "esb" else "X-Bkcmdb-Language"
        self.lang = "zh" if (headers.get(lang_header) or "").strip().lower().startswith("zh") else "en"
        client_id = (headers.get("X-Request-Id") or "").strip()
        self.client_request_id = client_id if SAFE_REQUEST_ID.match(client_id) else None
        if api == "apigw" and self.client_request_id:
            self.rid = self.client_request_id
        else:
            self.rid = uuid.uuid4().hex
        details = self.json.get("details") if isinstance(self.json, dict) else None
        self.n_details = len(details) if isinstance(details, list) else 0

    def m(self, key, *args):
        return msg(self.lang, key, *args)


class Answer:
    def __init__(self, status, obj, headers=None, created=False):
        self.status = status
        self.obj = obj
        self.headers = headers or {}
        self.created = created  # a batch create that reached the inserts and answered result:true


class Emulator:
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
        self.tls = None
        if args.tls_cert or args.tls_key:
            if not (args.tls_cert and args.tls_key):
                raise ValueError("--tls-cert and --tls-key go together")
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(args.tls_cert, args.tls_key)
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

    def envelope_obj(self, ctx, ok, code, message, data, permission=None):
        out = {"result": ok}
        if self.envelope == "native":
            out["bk_error_code"] = code
            out["bk_error_msg"] = message
        else:
            out["code"] = code
            out["message"] = message
        out["permission"] = permission
        out["request_id"] = ctx.rid
        out["data"] = data
        return out

    def fail(self, ctx, key, *args, code=None, status=200, permission=None):
        return Answer(status, self.envelope_obj(ctx, False, code or CODES[key], ctx.m(key, *args), None, permission))

    def ok(self, ctx, data, created=False):
        message = "" if (ctx.api == "esb" and self.envelope != "native") else "success"
        return Answer(200, self.envelope_obj(ctx, True, 0, message, data), created=created)

    def esb_fail(self, ctx, code, key, *args):
        return Answer(200, self.envelope_obj(ctx, False, code, ctx.m(key, *args), None))

    @staticmethod
    def gw_fail(ctx, status, code, code_name, message, extra_headers=None):
        headers = {"X-Bkapi-Error-Code": str(code), "X-Bkapi-Error-Message": message}
        if extra_headers:
            headers.update(extra_headers)
        return Answer(status, {"code_name": code_name, "code": code, "message": message,
                               "result": False, "data": None}, headers)

    def rate_limited(self, ctx, retry_after):
        self.stats.add("rate_limited")
        if ctx.api == "esb":
            return self.esb_fail(ctx, ESB_RATE_LIMITED, "esb_rate")
        return self.gw_fail(ctx, 429, GW_RATE_LIMITED, "RATE_LIMIT_RESTRICTION",
                            "API rate limit exceeded by the resource strategy, please try again later",
                            {"Retry-After": str(retry_after)})

    def permission_obj(self, ctx, obj_id):
        model = self.models.get(obj_id)
        name = model.name if model else obj_id
        return {
            "system_id": "bk_cmdb", "system_name": "配置平台",
            "actions": [{
                "id": "create_sys_instance" if ctx.op == "batch_create_inst" else "find_sys_instance",
                "name": "创建实例" if ctx.op == "batch_create_inst" else "查询实例",
                "related_resource_types": [{
                    "system_id": "bk_cmdb", "system_name": "配置平台", "type": "sys_instance_model",
                    "type_name": "实例模型",
                    "instances": [[{"type": "sys_instance_model", "type_name": "实例模型",
                                    "id": obj_id, "name": name}]],
                }],
            }],
        }

    # ----- credentials -----------------------------------------------------------------------

    @staticmethod
    def _text(v):
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
        return ""

    def esb_auth(self, ctx):
        auth = {}
        header = ctx.headers.get("X-Bkapi-Authorization")
        if header is not None and header.strip():
            try:
                auth = json.loads(header)
            except ValueError:
                auth = None
            if not isinstance(auth, dict):
                return self.esb_fail(ctx, ESB_PARAM_ERROR, "esb_auth_header")
        body = ctx.json if isinstance(ctx.json, dict) else {}

        def get(key):
            return self._text(auth.get(key)) or self._text(body.get(key))

        app_code, app_secret = get("bk_app_code"), get("bk_app_secret")
        if not app_code:
            return self.esb_fail(ctx, ESB_AUTH_FAILED, "esb_app_code")
        if not app_secret:
            return self.esb_fail(ctx, ESB_AUTH_FAILED, "esb_app_secret")
        if app_code != self.app_code or app_secret != self.app_secret:
            return self.esb_fail(ctx, ESB_AUTH_FAILED, "esb_app_wrong")
        if not (get("bk_username") or get("bk_token")):
            return self.esb_fail(ctx, ESB_AUTH_FAILED, "esb_user")
        return None

    def gw_auth(self, ctx):
        def bad(reason):
            return self.gw_fail(ctx, 400, GW_INVALID_ARGS, "INVALID_ARGS", 'Parameters error [reason="%s"]' % reason)

        header = ctx.headers.get("X-Bkapi-Authorization")
        auth = {}
        if header is not None and header.strip():
            try:
                auth = json.loads(header)
            except ValueError:
                auth = None
            if not isinstance(auth, dict):
                return bad("request header X-Bkapi-Authorization is not a valid JSON object")
        if self._text(auth.get("access_token")):
            return None  # an access token stands for both the app and the user
        app_code, app_secret = self._text(auth.get("bk_app_code")), self._text(auth.get("bk_app_secret"))
        if not app_code:
            return bad("app code cannot be empty")
        if not app_secret:
            return bad("app secret cannot be empty")
        if app_code != self.app_code or app_secret != self.app_secret:
            return bad("bk_app_code or bk_app_secret is incorrect")
        if not (self._text(auth.get("bk_username")) or self._text(auth.get("bk_token"))):
            return bad("user authentication failed, please provide a valid user identity, "
                       "such as bk_username, bk_token, access_token")
        return None

    # ----- the API -----------------------------------------------------------------------------

    def handle_api(self, ctx):
        denied = self.esb_auth(ctx) if ctx.api == "esb" else self.gw_auth(ctx)
        if denied is not None:
            return denied
        if not self.bucket.take():
            return self.rate_limited(ctx, 1)
        if not ctx.json_ok or not isinstance(ctx.json, dict):
            return self.fail(ctx, "json")
        if ctx.api == "esb":
            obj_id = ctx.json.get("bk_obj_id")
            if not isinstance(obj_id, str) or not obj_id.strip():
                return self.esb_fail(ctx, ESB_PARAM_ERROR, "esb_param_required", "bk_obj_id")
        else:
            obj_id = ctx.path_obj_id
        if ctx.op == "batch_create_inst":
            return self.create(ctx, obj_id, ctx.json)
        return self.search(ctx, obj_id, ctx.json)

    def create(self, ctx, obj_id, body):
        details = body.get("details")
        # 1. JSON shape: details must be an array of objects (a null element decodes as a nil map)
        if details is not None and not isinstance(details, list):
            return self.fail(ctx, "json")
        details = details or []
        if any(d is not None and not isinstance(d, dict) for d in details):
            return self.fail(ctx, "json")
        # 2-4. the model
        if obj_id in BUILTIN_MODELS:
            return self.fail(ctx, "inner_model")
        model = self.models.get(obj_id)
        if model is not None and model.mainline:
            return self.fail(ctx, "mainline_model")
        if model is None:
            return self.fail(ctx, "model_not_found", obj_id)
        # 5-6. the count
        if not details:
            return self.fail(ctx, "need_data", "details")
        if len(details) > MAX_DETAILS:
            return self.fail(ctx, "exceed_limit", "details", MAX_DETAILS)
        # 7. null elements, bk_biz_id
        for d in details:
            if d is None:
                return self.fail(ctx, "http_failed")
            if "bk_biz_id" in d:
                biz = d["bk_biz_id"]
                if isinstance(biz, float) and biz.is_integer():
                    biz = int(biz)
                if isinstance(biz, bool) or not isinstance(biz, int) or biz not in self.businesses:
                    return self.fail(ctx, "param_invalid", "bk_biz_id")
        # per item: validate (pure), then uniqueness and insert under the store lock, in index order
        checked = [self.validate_item(ctx, model, d) for d in details]
        success, errors = {}, {}
        with self.store.lock:
            for idx, (clean, error) in enumerate(checked):
                if error is not None:
                    errors[str(idx)] = error
                    continue
                fields = self.store.duplicate_fields_locked(obj_id, clean)
                if fields is not None:
                    errors[str(idx)] = ctx.m("duplicated", ",".join(fields))
                    continue
                success[str(idx)] = self.store.insert_locked(obj_id, clean)
        if success:
            self.stats.add("items_created", len(success))
            self.save_state()
        return self.ok(ctx, {"success_created": success, "error_msg": errors}, created=True)

    def validate_item(self, ctx, model, detail):
        clean = {}
        for key, value in detail.items():
            if key == "bk_biz_id":
                clean[key] = int(value)
                continue
            if key not in model.attrs:
                continue  # unknown attributes (bk_obj_id, bk_inst_id, ...) are dropped
            if isinstance(value, str):
                value = value.strip()
            if value is None:
                continue
            clean[key] = value
        for attr in model.attr_list:
            if attr.required and clean.get(attr.id) in (None, ""):
                return None, ctx.m("param_invalid", ctx.m("unassigned", attr.id))
        for attr in model.attr_list:
            if attr.id in clean:
                error = attr.check(clean[attr.id], ctx.lang)
                if error is not None:
                    return None, ctx.m("param_invalid", error)
        return clean, None

    def search(self, ctx, obj_id, body):
        model = self.models.get(obj_id)
        if model is None and obj_id not in BUILTIN_MODELS:
            return self.fail(ctx, "model_not_found", obj_id)
        condition = body.get("condition")
        conds = []
        if condition is not None:
            if not isinstance(condition, dict):
                return self.fail(ctx, "param_check", "condition")
            for key, items in condition.items():
                if key != obj_id:
                    return self.fail(ctx, "param_check", "condition.%s" % key)
                if not isinstance(items, list):
                    return self.fail(ctx, "param_check", "condition.%s" % key)
                for i, item in enumerate(items):
                    try:
                        conds.append(Cond(item))
                    except ValueError:
                        return self.fail(ctx, "param_check", "condition.%s[%d]" % (key, i))
        fields = body.get("fields")
        if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
            return self.fail(ctx, "param_check", "fields")
        page = body.get("page")
        if page is None:
            page = {}
        if not isinstance(page, dict):
            return self.fail(ctx, "param_check", "page")
        start, limit, sort = page.get("start", 0), page.get("limit", 0), page.get("sort", "")
        for name, v in (("page.start", start), ("page.limit", limit)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                return self.fail(ctx, "param_check", name)
        if limit > MAX_SEARCH_LIMIT:
            return self.fail(ctx, "page_limit")
        if limit == 0:
            limit = MAX_SEARCH_LIMIT
        if not isinstance(sort, str):
            return self.fail(ctx, "param_check", "page.sort")
        with self.store.lock:
            pool = self.store.candidates_locked(obj_id, conds)
        matched = [inst for inst in pool if all(c.match(inst) for c in conds)]
        if sort:
            field, reverse = (sort[1:], True) if sort.startswith("-") else (sort, False)
            matched.sort(key=lambda inst: (inst.get(field) is None, sort_key(inst.get(field))), reverse=reverse)
        info = matched[start:start + limit]
        if fields:
            wanted = ["bk_inst_id"] + [f for f in fields if f != "bk_inst_id"]
            info = [{f: inst[f] for f in wanted if f in inst} for inst in info]
        else:
            info = [dict(inst) for inst in info]
        return self.ok(ctx, {"count": len(matched), "info": info})


def sort_key(v):
    if isinstance(v, bool):
        return (1, int(v), "")
    if isinstance(v, (int, float)):
        return (1, v, "")
    if isinstance(v, str):
        return (2, 0, v)
    return (3, 0, json.dumps(v, sort_keys=True))


class Cond:
    OPS = ("$eq", "$ne", "$in", "$nin", "$regex")

    def __init__(self, item):
        if not isinstance(item, dict):
            raise ValueError("condition")
        self.field, self.op, self.value = item.get("field"), item.get("operator"), item.get("value")
        if not isinstance(self.field, str) or not self.field or self.op not in self.OPS:
            raise ValueError("condition")
        if self.op in ("$in", "$nin"):
            if not isinstance(self.value, list):
                raise ValueError("condition")
            self.keys = {vkey(v) for v in self.value}
        elif self.op == "$regex":
            if not isinstance(self.value, str):
                raise ValueError("condition")
            try:
                self.regex = re.compile(self.value)
            except re.error:
                raise ValueError("condition")
        else:
            self.key = vkey(self.value)

    def match(self, inst):
        present = self.field in inst
        v = inst.get(self.field)
        if self.op == "$eq":
            return present and vkey(v) == self.key
        if self.op == "$ne":
            return not (present and vkey(v) == self.key)
        if self.op == "$in":
            return present and vkey(v) in self.keys
        if self.op == "$nin":
            return not (present and vkey(v) in self.keys)
        return isinstance(v, str) and self.regex.search(v) is not None


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
             b"</body>\r\n</html>\r\n")
NOT_JSON = (b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>BlueKing - Login</title></head>\n"
            b"<body><form action=\"/login/\" method=\"post\"><p>Please log in.</p></form></body></html>\n")


class HTTPError(Exception):
    def __init__(self, status, message, close=True):
        super().__init__(message)
        self.status, self.message, self.close = status, message, close


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bkcc-cmdb-emulator/" + VERSION
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this many seconds

    server_override = None

    @property
    def emu(self):
        return self.server.emu

    def version_string(self):
        return self.server_override or self.server_version

    def setup(self):
        super().setup()
        try:  # answers go out in two writes (head, body): no Nagle delay on keep-alive connections
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if self.emu.verbose:
            sys.stderr.write("%s - - [%s] %s\n" % (self.address_string(), self.log_date_time_string(), fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    # ----- plumbing --------------------------------------------------------------------------

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            for _ in range(1 << 20):
                line = self.rfile.readline(1024)
                if not line:
                    raise HTTPError(400, "truncated chunked body")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise HTTPError(400, "bad chunk size")
                if size == 0:
                    for _ in range(1024):  # trailers
                        trailer = self.rfile.readline(8192)
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise HTTPError(413, "request body too large")
                data = self.rfile.read(size)
                if len(data) < size:
                    raise HTTPError(400, "truncated chunked body")
                chunks.append(data)
                self.rfile.readline(1024)
            raise HTTPError(400, "too many chunks")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise HTTPError(400, "bad Content-Length")
        if n < 0:
            raise HTTPError(400, "bad Content-Length")
        if n > MAX_BODY:
            raise HTTPError(413, "request body too large")
        data = self.rfile.read(n)
        if len(data) < n:
            raise HTTPError(400, "truncated body")
        return data

    def send_bytes(self, status, body, content_type="application/json; charset=utf-8", headers=None,
                   close=False, body_limit=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body if body_limit is None else body[:body_limit])
        except OSError:
            self.close_connection = True
        if close:
            self.close_connection = True

    def send_json(self, status, obj, headers=None, close=False):
        self.send_bytes(status, dump_json(obj), headers=headers, close=close)

    def hard_close(self, rst):
        """Close this connection without an answer: with RST (SO_LINGER 0) or an orderly FIN."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                fd = self.connection.detach()
                os.close(fd)
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def dispatch(self, method):
        try:
            try:
                body = self.read_body()
            except HTTPError as e:
                self.send_json(e.status, {"error": e.message}, close=True)
                return
            path = urlsplit(self.path).path
            if path == "/_emulator" or path.startswith("/_emulator/"):
                self.control(method, path, body)
            else:
                self.api(method, path, body)
        except Exception:  # never kill the thread silently: answer 500 and log
            traceback.print_exc(file=sys.stderr)
            self.send_json(500, {"error": "emulator internal error"}, close=True)

    # ----- API requests ----------------------------------------------------------------------

    def api(self, method, path, body):
        emu = self.emu
        route = match_route(path)
        if route is None or method != "POST":
            return self.not_found(method, path, route)
        api, op, obj_id = route
        ctx = Ctx(api, op, obj_id, self.headers, body)
        emu.stats.arrived(op, api, ctx.n_details)
        faults = emu.faults.take(op)
        names = [name for name, _ in faults]
        args = dict(reversed(faults))  # the first of a name wins
        for name in names:
            emu.stats.fault(name)

        headers = {}
        if ctx.client_request_id:
            headers["X-Request-Id"] = ctx.client_request_id
        if api == "apigw":
            headers["X-Bkapi-Request-Id"] = ctx.rid

        # 1. sleeps before processing
        delay = sum(arg for name, arg in faults if name == "latency")
        delay += sum(arg for name, arg in faults if name == "per_item") * ctx.n_details
        emu.sleep_ms(delay)

        # 2. faults that answer without processing
        pre = next((n for n in names if n in NO_PROCESS), None)
        if pre == "drop":
            return self.hard_close(rst=False)
        if pre == "http_502_html":
            self.server_override = "nginx"
            return self.send_bytes(502, NGINX_502, "text/html", close=True)
        if pre == "not_json":
            return self.send_bytes(200, NOT_JSON, "text/html; charset=utf-8", headers)
        if pre == "rate_limit":
            answer = emu.rate_limited(ctx, args["rate_limit"])
            headers.update(answer.headers)
            return self.send_json(answer.status, answer.obj, headers)
        if pre == "no_permission":
            answer = emu.fail(ctx, "no_permission", permission=emu.permission_obj(ctx, self.target_obj(ctx)))
            return self.send_json(answer.status, answer.obj, headers)
        if pre == "big_body":
            return self.send_big_body(ctx, args["big_body"], headers)

        # 3. process
        answer = emu.handle_api(ctx)
        headers.update(answer.headers)
        obj = answer.obj

        # 4. audit failure after the inserts
        if "audit_fail" in names and answer.created:
            obj = emu.envelope_obj(ctx, False, CODES["audit"], ctx.m("audit"), None)

        # 5. stall
        if "stall" in names:
            emu.sleep_ms(args["stall"])
            if emu.stop.is_set():
                return self.hard_close(rst=False)

        # 6. delivery
        if "reset" in names:
            return self.hard_close(rst=True)
        if "truncate" in names:
            data = dump_json(obj)
            self.send_bytes(answer.status, data, headers=headers, close=True, body_limit=len(data) // 2)
            return self.hard_close(rst=False)
        self.send_json(answer.status, obj, headers)

    @staticmethod
    def target_obj(ctx):
        if ctx.api == "apigw":
            return ctx.path_obj_id
        obj = ctx.json.get("bk_obj_id") if isinstance(ctx.json, dict) else None
        return obj if isinstance(obj, str) else ""

    def not_found(self, method, path, route):
        emu = self.emu
        emu.stats.add("not_found")
        if path.startswith("/api/bk-cmdb/"):
            message = 'API not found [method="%s" path="%s"]' % (method, path[:200])
            ctx_rid = uuid.uuid4().hex
            return self.send_json(404, {"code_name": "API_NOT_FOUND", "code": GW_NOT_FOUND, "message": message,
                                        "result": False, "data": None},
                                  {"X-Bkapi-Error-Code": str(GW_NOT_FOUND), "X-Bkapi-Error-Message": message,
                                   "X-Bkapi-Request-Id": ctx_rid})
        if path.startswith("/api/c/compapi/"):
            lang = "zh" if (self.headers.get("Blueking-Language") or "").lower().startswith("zh") else "en"
            if route is not None:
                code, text, status = ESB_METHOD, msg(lang, "esb_method", method), 405
            else:
                code, text, status = ESB_NOT_FOUND, msg(lang, "esb_not_found", path[:200]), 404
            out = {"result": False}
            if emu.envelope == "native":
                out.update({"bk_error_code": code, "bk_error_msg": text})
            else:
                out.update({"code": code, "message": text})
            out.update({"permission": None, "request_id": uuid.uuid4().hex, "data": None})
            return self.send_json(status, out)
        return self.send_json(404, {"error": "not found", "path": path[:200]})

    def send_big_body(self, ctx, mb, headers):
        total = int(mb * 1024 * 1024)
        head = dump_json({"result": True, "code": 0, "message": "", "permission": None, "request_id": ctx.rid})
        head = head[:-1] + b',"data":{"success_created":{},"error_msg":{},"padding":"'
        tail = b'"}}'
        pad = max(0, total - len(head) - len(tail))
        total = len(head) + pad + len(tail)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(total))
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(head)
            block = b"x" * 65536
            left = pad
            while left > 0 and not self.emu.stop.is_set():
                n = min(left, len(block))
                self.wfile.write(block[:n])
                left -= n
            self.wfile.write(tail)
        except OSError:
            pass
        self.close_connection = True

    # ----- control endpoints -------------------------------------------------------------------

    def control(self, method, path, body):
        emu = self.emu
        query = parse_qs(urlsplit(self.path).query)
        route = path.rstrip("/")
        if route == "/_emulator/instances" and method == "GET":
            obj_id = query.get("bk_obj_id", [None])[0]
            return self.send_json(200, emu.store.list(obj_id))
        if route == "/_emulator/stats" and method == "GET":
            return self.send_json(200, emu.stats.to_json(emu.store.count()))
        if route == "/_emulator/reset" and method == "POST":
            emu.reset()
            return self.send_json(200, {"ok": True})
        if route == "/_emulator/faults":
            if method == "GET":
                return self.send_json(200, {"faults": emu.faults.list()})
            if method == "DELETE":
                emu.faults.replace([])
                return self.send_json(200, {"faults": []})
            if method == "POST":
                doc, ok = parse_json(body) if body.strip() else ([], True)
                if not ok or not isinstance(doc, list):
                    return self.send_json(400, {"error": "expected a JSON list of faults"})
                try:
                    faults = [Fault.parse(spec) for spec in doc]
                except ValueError as e:
                    return self.send_json(400, {"error": str(e)})
                emu.faults.replace(faults)
                return self.send_json(200, {"faults": emu.faults.list()})
        if route == "/_emulator/config":
            if method == "POST":
                doc, ok = parse_json(body)
                if not ok or not isinstance(doc, dict) or set(doc) - {"envelope", "rate", "fault_rate"}:
                    return self.send_json(400, {"error": "expected {\"envelope\": \"esb\"|\"native\", \"rate\": N, \"fault_rate\": P}"})
                fault_rate = doc.get("fault_rate", emu.faults.random_rate)
                if isinstance(fault_rate, bool) or not isinstance(fault_rate, (int, float)) or not 0 <= fault_rate <= 1:
                    return self.send_json(400, {"error": "fault_rate must be a number in 0..1"})
                if "envelope" in doc and doc["envelope"] not in ("esb", "native"):
                    return self.send_json(400, {"error": "envelope must be \"esb\" or \"native\""})
                rate = doc.get("rate", emu.bucket.rate)
                if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate < 0:
                    return self.send_json(400, {"error": "rate must be a number >= 0"})
                if "envelope" in doc:
                    emu.envelope = doc["envelope"]
                if "rate" in doc:
                    emu.bucket.set_rate(rate)
                if "fault_rate" in doc:
                    emu.faults.set_random(fault_rate)
            if method in ("GET", "POST"):
                return self.send_json(200, {"envelope": emu.envelope, "rate": emu.bucket.rate,
                                            "fault_rate": emu.faults.random_rate,
                                            "app_code": emu.app_code, "version": VERSION})
        if route == "/_emulator/models" and method == "GET":
            return self.send_json(200, {"models": [m.to_json() for m in emu.models.values()],
                                        "builtin": list(BUILTIN_MODELS), "businesses": sorted(emu.businesses)})
        if route == "/_emulator/health" and method == "GET":
            return self.send_json(200, {"ok": True})
        return self.send_json(404, {"error": "unknown control endpoint", "method": method, "path": path[:200]})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, emu):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emu = emu
        super().__init__(address, Handler)

    def get_request(self):
        sock, address = super().get_request()
        if self.emu.tls is not None:  # the handshake happens in the handler's thread, on its first read
            sock = self.emu.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        if self.emu.verbose:
            super().handle_error(request, client_address)


def build_parser():
    p = argparse.ArgumentParser(description="A local BlueKing CMDB emulator (ESB and API gateway routes).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: a free port)")
    p.add_argument("--app-code", default="bkcc-demo", help="the valid bk_app_code (default bkcc-demo)")
    p.add_argument("--app-secret", default="bkcc-demo-secret", help="the valid bk_app_secret (default bkcc-demo-secret)")
    p.add_argument("--models", metavar="FILE.json", help="extra models (see README.md for the format)")
    p.add_argument("--state", metavar="FILE", help="keep instances in FILE across restarts")
    p.add_argument("--envelope", choices=("esb", "native"), default="esb",
                   help="esb: code/message (default); native: bk_error_code/bk_error_msg")
    p.add_argument("--rate", type=float, default=0, metavar="N", help="allow N API requests per second (0: no limit)")
    p.add_argument("--fault", action="append", metavar="NAME[:ARG]", help="a fault for every API request (repeatable)")
    p.add_argument("--fault-rate", type=float, default=0, metavar="P",
                   help="give a random fault of --fault-mix to each API request with probability P (0..1)")
    p.add_argument("--fault-mix", metavar="NAME[:ARG],...",
                   help="the faults --fault-rate draws from (default %s)" % ",".join(DEFAULT_FAULT_MIX))
    p.add_argument("--fault-seed", type=int, default=1, help="seed of --fault-rate's draws (default 1)")
    p.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (chain) ...")
    p.add_argument("--tls-key", metavar="PEM", help="... and this private key")
    p.add_argument("--first-id", type=int, default=1001, help="the first bk_inst_id (default 1001)")
    p.add_argument("--quiet", action="store_true", help="no access log (the default)")
    p.add_argument("--verbose", action="store_true", help="access log on stderr")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.quiet:
        args.verbose = False
    if args.rate < 0:
        print("emulator: --rate must be >= 0", file=sys.stderr)
        return 2
    try:
        emu = Emulator(args)
    except (OSError, ValueError) as e:
        print("emulator: %s" % e, file=sys.stderr)
        return 2
    try:
        server = Server((args.host, args.port), emu)
    except OSError as e:
        print("emulator: cannot listen on %s:%s: %s" % (args.host, args.port, e), file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    shown = "[%s]" % host if ":" in host else host

    def on_signal(signum, frame):
        emu.stop.set()

    # installed before the URL is printed: a parent may signal as soon as it has read the line
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        print("%s://%s:%d" % ("https" if emu.tls else "http", shown, port), flush=True)
    except OSError:
        pass
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    while not emu.stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
