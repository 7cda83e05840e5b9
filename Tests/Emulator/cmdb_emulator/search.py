"""The search_inst handler (README "search_inst"): conditions, fields, paging and sorting, for reconciliation."""

import json
import re

from .envelopes import fail, ok
from .models import BUILTIN_MODELS
from .store import vkey

MAX_SEARCH_LIMIT = 200      # search_inst page.limit


def search_inst(emu, ctx, obj_id, body):
    """search_inst: condition (AND), fields, page; index lookups where a condition allows one."""
    model = emu.models.get(obj_id)
    if model is None and obj_id not in BUILTIN_MODELS:
        return fail(emu, ctx, "model_not_found", obj_id)
    condition = body.get("condition")
    conds = []
    if condition is not None:
        if not isinstance(condition, dict):
            return fail(emu, ctx, "param_check", "condition")
        for key, items in condition.items():
            if key != obj_id:
                return fail(emu, ctx, "param_check", "condition.%s" % key)
            if not isinstance(items, list):
                return fail(emu, ctx, "param_check", "condition.%s" % key)
            for i, item in enumerate(items):
                try:
                    conds.append(Cond(item))
                except ValueError:
                    return fail(emu, ctx, "param_check", "condition.%s[%d]" % (key, i))
    fields = body.get("fields")
    real_fields = isinstance(fields, dict)
    if real_fields:
        # CMDB's shape: {"<bk_obj_id>": [field, ...]}, only the searched model's entry is used, and bk_inst_id is
        # returned only when asked for (topo_server/logics/inst/inst.go:110-116, 914-916)
        if not all(v is None or (isinstance(v, list) and all(f is None or isinstance(f, str) for f in v))
                   for v in fields.values()):
            return fail(emu, ctx, "json")
        fields = [f for f in fields.get(obj_id) or () if f]
    elif fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
        return fail(emu, ctx, "param_check", "fields")
    page = body.get("page")
    if page is None:
        page = {}
    if not isinstance(page, dict):
        return fail(emu, ctx, "param_check", "page")
    start, limit, sort = page.get("start", 0), page.get("limit", 0), page.get("sort", "")
    for name, v in (("page.start", start), ("page.limit", limit)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            return fail(emu, ctx, "param_check", name)
    if limit > MAX_SEARCH_LIMIT:
        return fail(emu, ctx, "page_limit")
    if limit == 0:
        limit = MAX_SEARCH_LIMIT
    if not isinstance(sort, str):
        return fail(emu, ctx, "param_check", "page.sort")
    with emu.store.lock:
        pool = emu.store.candidates_locked(obj_id, conds)
    matched = [inst for inst in pool if all(c.match(inst) for c in conds)]
    if sort:
        field, reverse = (sort[1:], True) if sort.startswith("-") else (sort, False)
        matched.sort(key=lambda inst: (inst.get(field) is None, sort_key(inst.get(field))), reverse=reverse)
    info = matched[start:start + limit]
    if fields:
        wanted = fields if real_fields else ["bk_inst_id"] + [f for f in fields if f != "bk_inst_id"]
        info = [{f: inst[f] for f in wanted if f in inst} for inst in info]
    else:
        info = [dict(inst) for inst in info]
    return ok(emu, ctx, {"count": len(matched), "info": info})


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
