"""The batch_create_inst handler (README "batch_create_inst"): the whole-request checks, then each item in index
order: validated, checked for uniqueness and inserted under the store lock."""

import json

from .envelopes import fail, ok
from .messages import CMDB_HTTP_ERROR, CODES
from .attribute_rules import fill_lost, go_trim, validate
from .models import BUILTIN_MODELS

MAX_DETAILS = 200           # per write call (hard-coded in CMDB)


def batch_create_inst(emu, ctx, obj_id, body):
    """batch_create_inst: whole-request checks in CMDB's order, then each item in index order."""
    details = body.get("details")
    # 1. JSON shape: details must be an array of objects (a null element decodes as a nil map)
    if details is not None and not isinstance(details, list):
        return fail(emu, ctx, "json")
    details = details or []
    if any(d is not None and not isinstance(d, dict) for d in details):
        return fail(emu, ctx, "json")
    # 2-4. the model
    if obj_id in BUILTIN_MODELS:
        return fail(emu, ctx, "inner_model")
    model = emu.models.get(obj_id)
    if model is not None and model.mainline:
        return fail(emu, ctx, "mainline_model")
    if model is None:
        return fail(emu, ctx, "model_not_found", obj_id)
    # 5-6. the count
    if not details:
        return fail(emu, ctx, "need_data", "details")
    if len(details) > MAX_DETAILS:
        return fail(emu, ctx, "exceed_limit", "details", MAX_DETAILS)
    # 7. null elements, bk_biz_id
    for d in details:
        if d is None:
            return fail(emu, ctx, "http_failed")
        if "bk_biz_id" in d:
            biz = d["bk_biz_id"]
            if isinstance(biz, float) and biz.is_integer():
                biz = int(biz)
            if isinstance(biz, bool) or not isinstance(biz, int) or biz not in emu.businesses:
                return fail(emu, ctx, "param_invalid", "bk_biz_id")
    # per item: validate (pure), then uniqueness and insert under the store lock, in index order
    checked = [validate_item(ctx, model, d) for d in details]
    success, errors = {}, {}
    stop = ctx.fail_after   # cmdb_1199002:K: the core service's loop ends in an error after item K-1
    with emu.store.lock:
        for idx, (clean, error) in enumerate(checked):
            if stop is not None and idx >= stop:
                break
            if error is not None:
                errors[str(idx)] = error
                continue
            fields = emu.store.duplicate_fields_locked(obj_id, clean)
            if fields is not None:
                errors[str(idx)] = ctx.m("duplicated", duplicate_key_text(fields, clean))
                continue
            success[str(idx)] = emu.store.insert_locked(obj_id, clean)
    if success:
        emu.stats.add("items_created", len(success))
        emu.save_state()
    if stop is not None:
        # the topo server wraps the core service's error: 1199002 with Go's EXTRA suffix, no data
        return fail(emu, ctx, "http_failed_extra", CMDB_HTTP_ERROR, code=CODES["http_failed"])
    return ok(emu, ctx, {"success_created": success, "error_msg": errors}, created=True)


def _mongo_value(value):
    """A value as MongoDB prints it in a duplicate key error ("dup key: { f: "x" }")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "%.1f" % value if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def duplicate_key_text(fields, clean):
    """What CMDB puts in its duplicate message: MongoDB's `dup key: { f1: v1, f2: v2 }` without the braces, the spaces
    inside them kept (storage/driver/mongodb GetDuplicateKey): ' bk_asset_id: "test_001" '."""
    return " %s " % ", ".join("%s: %s" % (f, _mongo_value(clean.get(f))) for f in fields)


# keys validateCreateInstValue neither checks nor drops (instance_validate.go:46-56, 240-243); bk_supplier_account,
# bk_inst_id, create_time and last_time are then overwritten by the save (instance_crud.go:100-128)
CREATE_IGNORED_KEYS = ("default", "bk_parent_id", "bk_biz_id", "bk_data_status", "bk_process_id")
CREATE_OVERWRITTEN_KEYS = ("bk_supplier_account", "bk_inst_id", "create_time", "last_time", "bk_obj_id")


def validate_item(ctx, model, detail):
    """(clean item, None) or (None, the item's error message), as the core service's validCreateInstanceData
    (src/source_controller/coreservice/core/instances/instance_validate.go:156-229) decides:

    1. every required attribute must be a key of the item (a null value counts as present): else 1199010 naming the
       attribute's id, not wrapped (:158-164);
    2. absent attributes get FillLostFieldValue's value (:165; attribute_rules.fill_lost);
    3. each key: unknown keys are dropped (:244-248), strings trimmed (:249-252), the value checked by the attribute's
       Validate, whose complaint (naming the display name) is wrapped in 1199011 (:193-196, 263-268). CMDB visits
       the keys in Go's map order (random); the emulator in the model's attribute order."""
    for attr in model.attr_list:
        if attr.required and attr.id not in detail:
            return None, ctx.m("unassigned", attr.id)
    clean = {}
    for key in CREATE_IGNORED_KEYS:
        if key in detail:
            clean[key] = int(detail[key]) if key == "bk_biz_id" else detail[key]
    for attr in model.attr_list:
        if attr.id in CREATE_IGNORED_KEYS or attr.id in CREATE_OVERWRITTEN_KEYS:
            continue
        if attr.id not in detail:
            clean[attr.id] = fill_lost(attr)
            continue
        value = detail[attr.id]
        if isinstance(value, str):
            value = go_trim(value)
        complaint = validate(attr, value)
        if complaint is not None:
            return None, ctx.m("param_invalid", ctx.m(*complaint))
        clean[attr.id] = value
    return clean, None
