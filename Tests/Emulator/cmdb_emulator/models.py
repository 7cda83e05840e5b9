"""Models and their attributes: the built-in ones, those of --models FILE.json, and the per-attribute checks."""

import json
import re

from .messages import msg

SINGLECHAR_MAX = 256
LONGCHAR_MAX = 2000

BUILTIN_MODELS = ("bk_biz_set_obj", "biz", "bk_project", "set", "module", "process", "host", "plat")
DEFAULT_BUSINESSES = (1, 2)  # resource pool and the "BlueKing" business of a fresh CMDB

ATTR_TYPES = ("singlechar", "longchar", "int", "float", "bool")


def spec_id(spec, kind, key):
    """The non-empty string spec[key] of a model or attribute spec (a JSON object), else ValueError."""
    if not isinstance(spec, dict):
        raise ValueError("%s %s must be an object" % ("an" if kind[0] in "aeiou" else "a", kind))
    value = spec.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError("%s without %s: %r" % (kind, key, spec))
    return value


class Attribute:
    def __init__(self, spec):
        self.id = spec_id(spec, "attribute", "bk_property_id")
        self.type = spec.get("bk_property_type", "singlechar")
        if self.type not in ATTR_TYPES:
            raise ValueError("attribute %s: bk_property_type must be one of %s" % (self.id, ", ".join(ATTR_TYPES)))
        self.required = bool(spec.get("isrequired", False))
        # CMDB's attribute flag "editable" (IsEditable): an update drops a non-editable attribute silently
        self.editable = bool(spec.get("editable", True))
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
        d = {"bk_property_id": self.id, "bk_property_type": self.type, "isrequired": self.required,
             "editable": self.editable}
        if self.regex is not None:
            d["option"] = self.regex.pattern
        if self.min is not None or self.max is not None:
            d["option"] = {"min": self.min, "max": self.max}
        return d


class Model:
    def __init__(self, spec):
        self.obj_id = spec_id(spec, "model", "bk_obj_id")
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
            # preset in CMDB as required, unique and not editable (bk-cmdb upgrader v3.0.8 objAttDescData.go:337-339)
            {"bk_property_id": "bk_asset_id", "bk_property_type": "singlechar", "isrequired": True, "editable": False},
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

