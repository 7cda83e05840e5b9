"""Models and their attributes: the defaults of default_models.json, those of --models FILE.json, in the model JSON
shape that the library and the CLI share (/work/shared model-shape: {"bk_obj_id", "name", "attributes": [{"id",
"name", "type", "required", "editable", "option", "multiple", "default", "unit", "placeholder", "group"}],
"unique": [[attribute id, ...]]}). The checks of a value are in attribute_rules.py."""

import json
import os
import re

from .store import now_text

BUILTIN_MODELS = ("bk_biz_set_obj", "biz", "bk_project", "set", "module", "process", "host", "plat")
DEFAULT_BUSINESSES = (1, 2)  # resource pool and the "BlueKing" business of a fresh CMDB
DEFAULT_MODELS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_models.json")

# the property group every preset attribute is in, and its name (bk-cmdb admin_server/common/definitions.go:21-22)
GROUP_NAMES = {"default": "基础信息"}

# the MongoDB type of a unique index's partial filter, by attribute type (bk-cmdb src/common/index/index.go:49-59,
# 136): only a document whose value has this BSON type is in the index
INDEX_TYPES = {"singlechar": "string", "enum": "string", "date": "string", "list": "string",
               "int": "number", "float": "number"}

# the older shape the emulator accepted (CMDB's own attribute keys): new key -> old key
_OLD_KEYS = {"id": "bk_property_id", "name": "bk_property_name", "type": "bk_property_type", "required": "isrequired",
             "multiple": "ismultiple", "group": "bk_property_group"}


def spec_id(spec, kind, *keys):
    """The non-empty string spec[key] (the first of keys present) of a model or attribute spec, else ValueError."""
    if not isinstance(spec, dict):
        raise ValueError("%s %s must be an object" % ("an" if kind[0] in "aeiou" else "a", kind))
    for key in keys:
        if key in spec:
            value = spec[key]
            if isinstance(value, str) and value:
                return value
            break
    raise ValueError("%s without %s: %r" % (kind, keys[0], spec))


def _get(spec, key, default=None):
    """spec[key] in the model-shape spelling, else in the old (CMDB) spelling."""
    if key in spec:
        return spec[key]
    return spec.get(_OLD_KEYS.get(key, key), default)


def go_regex(pattern):
    """A Go (RE2) regular expression as Python compiles it: ASCII classes like RE2's \\d, \\s, \\w. None when Python
    cannot compile it (the check then fails the way CMDB's regexp.Compile error does)."""
    try:
        return re.compile(pattern, re.ASCII)
    except (re.error, TypeError):
        return None


class Attribute:
    def __init__(self, spec, obj_id, numeric_id, index):
        self.id = spec_id(spec, "attribute", "id", "bk_property_id")
        self.obj_id = obj_id
        self.numeric_id = numeric_id          # CMDB's attribute "id" (a unique rule's key_id names it)
        self.index = index                    # bk_property_index: the display order
        self.name = _get(spec, "name") or self.id
        if not isinstance(self.name, str):
            raise ValueError("attribute %s: name must be a string" % self.id)
        self.type = _get(spec, "type") or "singlechar"
        if not isinstance(self.type, str):
            raise ValueError("attribute %s: type must be a string" % self.id)
        self.required = bool(_get(spec, "required", False))
        # CMDB's attribute flag "editable" (IsEditable): an update drops a non-editable attribute silently
        self.editable = bool(spec.get("editable", True))
        self.ispre = bool(spec.get("ispre", False))
        self.option = spec.get("option", "" if self.type in ("singlechar", "longchar") else None)
        multiple = _get(spec, "multiple")
        if multiple is not None and not isinstance(multiple, bool):
            raise ValueError("attribute %s: multiple must be true, false or null" % self.id)
        self.multiple = multiple
        self.default = spec.get("default")
        self.unit = spec.get("unit") or ""
        self.placeholder = spec.get("placeholder") or ""
        self.group = _get(spec, "group") or "default"
        self.isonly = False                   # set by the model: the attribute is a single-field unique rule
        self.regex = go_regex(self.option) if isinstance(self.option, str) else None
        if self.type in ("int", "float"):
            from .attribute_rules import parse_range
            try:
                self.range = parse_range(self.type, self.option)
            except ValueError as e:
                raise ValueError("attribute %s: option: %s" % (self.id, e))
        if self.type in ("enum", "enummulti"):
            if self.option not in (None, "") and not (isinstance(self.option, list) and all(
                    isinstance(o, dict) and isinstance(o.get("id"), str) for o in self.option)):
                raise ValueError("attribute %s: an enum option is a list of {\"id\": str, \"name\": str}" % self.id)
            if self.type == "enum" and len(self.enum_defaults()) > 1:
                raise ValueError("attribute %s: an enum has at most one is_default option" % self.id)

    def enum_ids(self):
        return [o["id"] for o in self.option or ()]

    def enum_defaults(self):
        return [o["id"] for o in self.option or () if o.get("is_default")]

    def to_json(self):
        """The attribute in the model JSON shape."""
        return {"id": self.id, "name": self.name, "type": self.type, "required": self.required,
                "editable": self.editable, "option": self.option, "multiple": self.multiple, "default": self.default,
                "unit": self.unit, "placeholder": self.placeholder, "group": self.group}

    def to_cmdb(self, stamp):
        """The attribute as search_object_attribute answers it (metadata.ObjAttDes, bk-cmdb
        src/common/metadata/attribute.go:105-134, 165-168: `default` and `ismultiple` are omitempty)."""
        d = {"id": self.numeric_id, "bk_biz_id": 0, "bk_supplier_account": "0", "bk_obj_id": self.obj_id,
             "bk_property_id": self.id, "bk_property_name": self.name, "bk_property_group": self.group,
             "bk_property_group_name": GROUP_NAMES.get(self.group, self.group), "bk_property_index": self.index,
             "unit": self.unit, "placeholder": self.placeholder, "editable": self.editable, "ispre": self.ispre,
             "isrequired": self.required, "isreadonly": False, "isonly": self.isonly, "bk_issystem": False,
             "bk_isapi": False, "bk_property_type": self.type, "option": self.option, "description": "",
             "bk_template_id": 0, "creator": "cc_system" if self.ispre else "admin",
             "create_time": stamp, "last_time": stamp}
        if self.default is not None:
            d["default"] = self.default
        if self.multiple is not None:
            d["ismultiple"] = self.multiple
        return d


class Model:
    def __init__(self, spec, ids):
        """ids: the emulator's counters {"attribute": n, "unique": n} (CMDB's ids are global sequences)."""
        self.obj_id = spec_id(spec, "model", "bk_obj_id")
        if self.obj_id in BUILTIN_MODELS:
            raise ValueError("model %s: built-in models cannot be defined" % self.obj_id)
        self.name = spec.get("name", spec.get("bk_obj_name", self.obj_id))
        self.mainline = bool(spec.get("mainline", False))
        attrs = spec.get("attributes", [])
        if not isinstance(attrs, list):
            raise ValueError("model %s: attributes must be a list" % self.obj_id)
        self.attr_list = []
        for index, a in enumerate(attrs):
            ids["attribute"] += 1
            self.attr_list.append(Attribute(a, self.obj_id, ids["attribute"], index))
        self.attrs = {a.id: a for a in self.attr_list}
        if len(self.attrs) != len(self.attr_list):
            raise ValueError("model %s: duplicate attribute id" % self.obj_id)
        unique = spec.get("unique", [])
        if not isinstance(unique, list):
            raise ValueError("model %s: unique must be a list of lists of attribute ids" % self.obj_id)
        self.unique = []        # tuples of attribute ids
        self.unique_ids = []    # CMDB's id of each rule
        for rule in unique:
            if isinstance(rule, str):
                rule = [rule]
            if not isinstance(rule, list) or not rule or not all(isinstance(f, str) for f in rule):
                raise ValueError("model %s: each unique rule is a non-empty list of attribute ids" % self.obj_id)
            for f in rule:
                if f not in self.attrs:
                    raise ValueError("model %s: unique field %s is not an attribute" % (self.obj_id, f))
            self.unique.append(tuple(rule))
            ids["unique"] += 1
            self.unique_ids.append(ids["unique"])
            if len(rule) == 1:
                self.attrs[rule[0]].isonly = True
        self.stamp = now_text()

    def index_type(self, field):
        """The BSON type a value of field must have to be in a unique index ("string" / "number"), or None."""
        attr = self.attrs.get(field)
        return INDEX_TYPES.get(attr.type) if attr else None

    def to_json(self):
        return {"bk_obj_id": self.obj_id, "name": self.name, "mainline": self.mainline,
                "attributes": [a.to_json() for a in self.attr_list],
                "unique": [list(r) for r in self.unique]}

    def uniques_cmdb(self):
        """The unique rules as find/objectunique answers them (metadata.ObjectUnique, bk-cmdb
        src/common/metadata/unique.go:28-36)."""
        return [{"id": uid, "bk_template_id": 0, "bk_obj_id": self.obj_id, "ispre": all(
                    self.attrs[f].ispre for f in rule),
                 "keys": [{"key_kind": "property", "key_id": self.attrs[f].numeric_id} for f in rule],
                 "bk_supplier_account": "0", "last_time": self.stamp}
                for uid, rule in zip(self.unique_ids, self.unique)]


def read_models_file(path):
    """(list of model specs, businesses or None) of a models file: a list of models or {"models": [...]}."""
    with open(path, "r", encoding="utf-8") as f:
        doc = json.load(f)
    if isinstance(doc, list):
        doc = {"models": doc}
    if not isinstance(doc, dict):
        raise ValueError("%s: expected an object {\"models\": [...]} or a list of models" % path)
    specs = doc.get("models", [])
    if not isinstance(specs, list):
        raise ValueError("%s: \"models\" must be a list" % path)
    biz = doc.get("businesses")
    if biz is not None and (not isinstance(biz, list) or not all(
            isinstance(b, int) and not isinstance(b, bool) for b in biz)):
        raise ValueError("%s: \"businesses\" must be a list of integers" % path)
    return specs, biz


def load_models(path):
    """({bk_obj_id: Model}, businesses): the defaults, then those of path (a model of the same id replaces one)."""
    ids = {"attribute": 0, "unique": 0}
    models = {}
    businesses = set(DEFAULT_BUSINESSES)
    specs, _ = read_models_file(DEFAULT_MODELS_FILE)
    extra, biz = read_models_file(path) if path else ([], None)
    for spec in specs + extra:
        try:
            m = Model(spec, ids)
        except ValueError as e:
            raise ValueError("%s: %s" % (path or DEFAULT_MODELS_FILE, e))
        models[m.obj_id] = m
    businesses |= set(biz or ())
    return models, businesses
