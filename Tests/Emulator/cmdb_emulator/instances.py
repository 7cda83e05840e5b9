"""The search_object_instances and count_object_instances handlers (README "search_object_instances"): CMDB's filter
expression (filter.py), a page of at most 500 in the order asked for, a projection on `fields`.

bk-cmdb (111e7ac6): the topo server's SearchObjectInstances / CountObjectInstances
(src/scene_server/topo_server/service/inst.go:439-525) with metadata.SearchInstanceFilter / CountInstanceFilter
(src/common/metadata/inst.go:363-470), logics/inst/inst.go:958-1013, and the core service's search
(src/source_controller/coreservice/core/instances/instance.go:476-547, 682-749)."""

import bisect

from . import filter as cond_filter
from .envelopes import Answer, envelope_obj, fail, ok
from .messages import CMDB_MODEL_NOT_FOUND_FOR_AUTH, CODES
from .models import BUILTIN_MODELS
from .update import BadShape, go_int64

MAX_INSTANCE_LIMIT = 500        # common.BKMaxInstanceLimit (src/common/definitions.go:55-57)


def _decode_common(body):
    """conditions (a rule or None) and time_condition of both filters; BadShape when Go's decoder fails."""
    obj_id = body.get("bk_obj_id")
    if obj_id is not None and not isinstance(obj_id, str):
        raise BadShape()
    raw = body.get("conditions")
    try:
        rule = None if raw is None else cond_filter.parse(raw)
    except cond_filter.BadShape:
        raise BadShape()
    time_condition = body.get("time_condition")
    if time_condition is not None and not isinstance(time_condition, dict):
        raise BadShape()
    return rule, time_condition


def _validate_rule(emu, ctx, rule):
    """None, or the 1199006 answer naming the expression as CMDB prints it ('conditions: {...}')."""
    if rule is None:
        return None
    try:
        rule.validate(cond_filter.MAX_DEPTH)
        rule.prepare()
    except cond_filter.Invalid:
        return fail(emu, ctx, "param_check", "conditions: " + rule.go_json())
    return None


def search_object_instances(emu, ctx, obj_id, body):
    # 1. inner models are refused before the body is read
    if obj_id in BUILTIN_MODELS:
        return fail(emu, ctx, "inner_model")
    # 2. decode SearchInstanceFilter
    try:
        rule, time_condition = _decode_common(body)
        fields = body.get("fields")
        if fields is not None and (not isinstance(fields, list) or
                                   not all(f is None or isinstance(f, str) for f in fields)):
            raise BadShape()
        page = body.get("page")
        if page is not None and not isinstance(page, dict):
            raise BadShape()
        page = page or {}
        start, limit = go_int64(page.get("start")), go_int64(page.get("limit"))
        sort = page.get("sort")
        if sort is not None and not isinstance(sort, str):
            raise BadShape()
        if page.get("enable_count") is not None and not isinstance(page.get("enable_count"), bool):
            raise BadShape()
    except BadShape:
        return fail(emu, ctx, "json")
    # 3. validate: page.limit 1..500, then the conditions
    if limit <= 0 or limit > MAX_INSTANCE_LIMIT:
        return fail(emu, ctx, "param_check", "page.limit")
    denied = _validate_rule(emu, ctx, rule)
    if denied is not None:
        return denied
    if time_condition is not None:
        return fail(emu, ctx, "param_check", "time_condition")     # not emulated (README)
    # 4. the read permission check looks the model up: a plain Go error, 1199998, English
    if obj_id not in emu.models:
        return Answer(200, envelope_obj(emu, ctx, False, CODES["unknown_error"],
                                        CMDB_MODEL_NOT_FOUND_FOR_AUTH.format(obj_id), None))
    if start < 0:
        return fail(emu, ctx, "param_check", "page.start")         # the emulator's own (MongoDB refuses it)
    order = parse_sort(sort or "")
    with emu.store.lock:
        page_items = find(emu.store, obj_id, rule, order, start, limit)
    wanted = [f for f in fields or () if f]
    info = [project(inst, wanted) for inst in page_items]
    # CommonSearchResult.Info is appended to, so an empty page is "info": null (logics/inst/inst.go:983-988)
    return ok(emu, ctx, {"info": info or None})


def count_object_instances(emu, ctx, obj_id, body):
    # the API server's auth parser looks the model up first (src/ac/parser/topolatest.go:1300-1317)
    if obj_id not in BUILTIN_MODELS and obj_id not in emu.models:
        return fail(emu, ctx, "model_not_found", obj_id)
    if obj_id in BUILTIN_MODELS:
        return fail(emu, ctx, "inner_model")
    try:
        rule, time_condition = _decode_common(body)
    except BadShape:
        return fail(emu, ctx, "json")
    denied = _validate_rule(emu, ctx, rule)
    if denied is not None:
        return denied
    if time_condition is not None:
        return fail(emu, ctx, "param_check", "time_condition")     # not emulated (README)
    with emu.store.lock:
        objs = emu.store.by_obj.get(obj_id, {})
        count = len(objs) if rule is None else sum(1 for inst in objs.values() if rule.match(inst))
    return ok(emu, ctx, {"count": count})


def parse_sort(sort):
    """page.sort as CMDB's storage layer reads it (src/storage/dal/mongo/local/mongo.go:395-423): keys separated by
    ',', each "key", "-key" (descending), "+key", "key:1" or "key:-1"; [(key, descending)]."""
    order = []
    for item in sort.split(","):
        parts = item.strip().split(":")
        key = parts[0].lstrip("+-")
        if not key:
            continue
        if len(parts) == 2:
            order.append((key, parts[1].strip() == "-1"))
        else:
            order.append((key, parts[0].startswith("-")))
    return order


def find(store, obj_id, rule, order, start, limit):
    """The page: matches in `order` (id order when none is given), from `start`, at most `limit`. In id order the scan
    starts at a `bk_inst_id greater` bound and stops once the page is full."""
    objs = store.by_obj.get(obj_id, {})
    if not order or order == [("bk_inst_id", False)]:
        ids = store.ids_locked(obj_id)
        at = 0
        bound = cond_filter.id_lower_bound(rule) if rule is not None else None
        if bound is not None:
            value, inclusive = bound
            at = (bisect.bisect_left if inclusive else bisect.bisect_right)(ids, value)
        out, skipped = [], 0
        for inst_id in ids[at:]:
            inst = objs[inst_id]
            if rule is not None and not rule.match(inst):
                continue
            if skipped < start:
                skipped += 1
                continue
            out.append(inst)
            if len(out) >= limit:
                break
        return out
    matched = [inst for inst in objs.values() if rule is None or rule.match(inst)]
    for key, descending in reversed(order):
        matched.sort(key=lambda inst: cond_filter.sort_key(inst.get(key)), reverse=descending)
    return matched[start:start + limit]


def project(inst, fields):
    """What CMDB's FindInst returns of an instance (core/instances/instance.go:682-749): only `fields` when given
    (bk_inst_id too only when asked for), else the whole instance; bk_created_at / bk_updated_at (asked for, or whole
    instances) fall back to create_time / last_time."""
    if not fields:
        out = dict(inst)
        out.setdefault("bk_created_at", inst.get("create_time"))
        out.setdefault("bk_updated_at", inst.get("last_time"))
        return out
    out = {f: inst[f] for f in fields if f in inst}
    if "bk_created_at" in fields and out.get("bk_created_at") is None:
        out["bk_created_at"] = inst.get("create_time")
    if "bk_updated_at" in fields and out.get("bk_updated_at") is None:
        out["bk_updated_at"] = inst.get("last_time")
    return out
