"""The batch_update_inst handler (README "batch_update_inst"): CMDB's OpCondition body, its checks in CMDB's order, then
every item in index order inside one transaction: the first failing item fails the request and nothing changes.

bk-cmdb (111e7ac6): the topo server's UpdateInsts (src/scene_server/topo_server/service/inst.go:277-338) runs each item
through UpdateInst (logics/inst/inst.go:921-956) in one AutoRunTxn; the core service's UpdateModelInstance
(src/source_controller/coreservice/core/instances/instance.go:247-316) finds the instance, drops unknown and
non-editable attributes (instance_validate.go:392-454), validates the rest and updates it (instance_crud.go:195-223)."""

from .attribute_rules import go_trim, validate
from .create import duplicate_key_text
from .envelopes import fail, ok
from .models import BUILTIN_MODELS
from .store import now_text

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1

# the topo server removes these from an update's datas before anything else (logics/inst/inst.go:922-926)
REMOVED_BY_TOPO = ("bk_parent_id", "bk_biz_id", "bk_inst_id")
# inner models the common update API allows (the topo server's whiteList, service/inst.go:33-35)
UPDATE_WHITELIST = ("host",)


class BadShape(ValueError):
    """The body does not decode into CMDB's struct: 1199000."""


def go_int64(value):
    """A JSON value that Go decodes into an int64 (jsoniter refuses floats, strings, booleans), else BadShape."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not INT64_MIN <= value <= INT64_MAX:
        raise BadShape()
    return value


def decode_op_condition(body):
    """CMDB's metadata.OpCondition (src/common/metadata/inst.go:306-323): {"update": [{"inst_id", "datas"}],
    "delete": {"inst_ids": [...]}}. Both keys are decoded by both operations. Returns (update items as
    [(inst_id, datas or None)], delete ids); BadShape when Go's decoder would fail."""
    update = body.get("update")
    if update is not None and not isinstance(update, list):
        raise BadShape()
    items = []
    for item in update or ():
        if item is None:
            items.append((0, None))
            continue
        if not isinstance(item, dict):
            raise BadShape()
        datas = item.get("datas")
        if datas is not None and not isinstance(datas, dict):
            raise BadShape()
        items.append((go_int64(item.get("inst_id")), datas))
    delete = body.get("delete")
    if delete is not None and not isinstance(delete, dict):
        raise BadShape()
    ids = (delete or {}).get("inst_ids")
    if ids is not None and not isinstance(ids, list):
        raise BadShape()
    return items, [go_int64(i) for i in ids or ()]


def model_checks(emu, ctx, obj_id, body, inner_allowed=()):
    """The checks before the transaction, in CMDB's order: the API server's auth parser looks the model up (1199045),
    the topo server decodes the body (1199000), refuses inner models (1199084). Returns (answer or None, items, ids)."""
    if obj_id not in BUILTIN_MODELS and obj_id not in emu.models:
        return fail(emu, ctx, "model_not_found", obj_id), None, None
    try:
        items, ids = decode_op_condition(body)
    except BadShape:
        return fail(emu, ctx, "json"), None, None
    if obj_id in BUILTIN_MODELS and obj_id not in inner_allowed:
        return fail(emu, ctx, "inner_model"), None, None
    return None, items, ids


def batch_update_inst(emu, ctx, obj_id, body):
    denied, items, delete_ids = model_checks(emu, ctx, obj_id, body, UPDATE_WHITELIST)
    if denied is not None:
        return denied
    # an empty inst_id would update every instance: refused before anything (service/inst.go:292-306)
    if any(inst_id == 0 for inst_id, _ in items):
        return fail(emu, ctx, "param_check", "inst_id")
    if any(inst_id == 0 for inst_id in delete_ids):
        return fail(emu, ctx, "param_check", "inst_ids")
    model = emu.models.get(obj_id)
    done = []   # (old, new): undone in reverse order when an item fails
    with emu.store.lock:
        for inst_id, datas in items:
            old = emu.store.get_locked(obj_id, inst_id) if model is not None else None
            if old is None:
                error = fail(emu, ctx, "not_found")
            else:
                clean, error = validate_update(emu, ctx, model, datas or {})
                if error is None:
                    new = dict(old)
                    new.update(clean)
                    new["last_time"] = now_text()
                    fields = emu.store.changed_duplicate_locked(old, new)
                    if fields is not None:
                        error = fail(emu, ctx, "duplicated", duplicate_key_text(fields, new))
                    elif ctx.audit_fail:
                        # the audit log is saved after each item's update, inside the transaction
                        error = fail(emu, ctx, "audit")
                    else:
                        emu.store.replace_locked(old, new)
                        done.append((old, new))
            if error is not None:
                for old, new in reversed(done):
                    emu.store.replace_locked(new, old)
                return error
    if done:
        emu.stats.add("items_updated", len(done))
        emu.save_state()
    return ok(emu, ctx, None)


def validate_update(emu, ctx, model, datas):
    """(the attributes to set, None) or (None, the failure answer): each key in the request's order (Go iterates its
    map in no fixed order: with several bad keys the real server may name another one). Unknown and non-editable keys
    are dropped, strings trimmed, the value checked by its attribute's Validate (validOneUpdateInstKeyVal,
    instance_validate.go:392-454: null or blank on a required attribute is 'X' unassigned, X the display name)."""
    clean = {}
    for key, value in datas.items():
        if key in REMOVED_BY_TOPO:
            continue
        attr = model.attrs.get(key)
        if attr is None or not attr.editable:
            continue    # unknown or not editable: dropped silently
        if isinstance(value, str):
            value = go_trim(value)
        complaint = validate(attr, value)
        if complaint is not None:
            return None, fail(emu, ctx, "param_invalid", ctx.m(*complaint))
        clean[key] = value
    return clean, None
