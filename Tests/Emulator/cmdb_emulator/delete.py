"""The batch_delete_inst handler (README "batch_delete_inst"): the same OpCondition body and model checks as the update,
then one transaction that deletes the model's instances among the ids. Ids that name no instance of the model are
skipped silently: CMDB looks the instances up with `bk_inst_id $in ids` and deletes what it found, and with nothing found
it answers success (bk-cmdb src/scene_server/topo_server/logics/inst/inst.go:625-639, 712-726)."""

from .envelopes import fail, ok
from .update import model_checks


def batch_delete_inst(emu, ctx, obj_id, body):
    denied, _, ids = model_checks(emu, ctx, obj_id, body)
    if denied is not None:
        return denied
    with emu.store.lock:
        found, seen = [], set()
        for inst_id in ids:
            inst = emu.store.get_locked(obj_id, inst_id)
            if inst is not None and inst_id not in seen:
                seen.add(inst_id)
                found.append(inst)
        if not found:
            return ok(emu, ctx, None)       # nothing found: no delete, no audit log, success
        if ctx.audit_fail:
            # the audit log is saved after the delete, inside the transaction: nothing is deleted
            return fail(emu, ctx, "audit")
        for inst in found:
            emu.store.delete_locked(inst)
    emu.stats.add("items_deleted", len(found))
    emu.save_state()
    return ok(emu, ctx, None)
