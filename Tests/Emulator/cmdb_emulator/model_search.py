"""The model routes (README "Model routes"): search_object_attribute (ESB and gateway: POST /api/v3/find/objectattr)
and the gateway's find/objectunique/object/{bk_obj_id}. Both answer the models of models.py in CMDB's shape.

bk-cmdb (111e7ac6): the topo server's SearchObjectAttribute (src/scene_server/topo_server/service/
object_attribute.go:236-322) takes the whole body as a MongoDB condition on the attributes (bk_biz_id and page taken
out, bk_issystem / bk_isapi false added), so an unknown bk_obj_id matches nothing and answers data [];
SearchObjectUnique (service/unique.go:260-283) answers the model's rules, [] for an unknown model (the model auth
check, src/ac/extensions/model.go:299-346, lets an id that names no model through)."""

import re

from .envelopes import fail, ok
from .store import vkey

# what the ESB removes from a component's parameters (blueking-apigateway src/esb/esb/esb/component/base.py:247-264,
# 283, 309-312, 336-345; components/component.py:108-110) before it sends them to CMDB; bk_supplier_account comes
# back, "0" when absent, because search_object_attribute names it in extra_param_fields (bk-cmdb
# docs/apidoc/cc/cc.yaml:236-245; component.py:117-121; cc_component.py:34)
ESB_REMOVED = ("app_secret", "signature", "bk_nonce", "bk_timestamp", "bk_app_secret", "bk_signature", "app_code",
               "username", "bk_token", "bk_app_code", "bk_username", "__esb_skip_signature__",
               "__esb_skip_comp_perm__")
# taken out of the condition by combinationSearchObjectAttrCond (object_attribute.go:236-266): every attribute here is
# global (bk_biz_id 0), so a bk_biz_id matches all of them
NOT_CONDITIONS = ("bk_biz_id", "page")
OPERATORS = ("$eq", "$ne", "$in", "$nin", "$regex")


class BadCondition(ValueError):
    pass


def _same(a, b):
    return vkey(a) == vkey(b)


def _matches(value, cond):
    """MongoDB's test of one attribute field against a condition value (a value or {"$op": ...})."""
    if isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
        for op, arg in cond.items():
            if op not in OPERATORS:
                raise BadCondition(op)
            if op in ("$in", "$nin"):
                if not isinstance(arg, list):
                    raise BadCondition(op)
                hit = any(_same(value, v) for v in arg)
                if hit != (op == "$in"):
                    return False
            elif op == "$regex":
                if not isinstance(arg, str):
                    raise BadCondition(op)
                try:
                    if not (isinstance(value, str) and re.search(arg, value)):
                        return False
                except re.error:
                    raise BadCondition(op)
            elif _same(value, arg) != (op == "$eq"):
                return False
        return True
    return _same(value, cond)


def search_object_attribute(emu, ctx, obj_id, body):
    condition = {k: v for k, v in body.items() if k not in NOT_CONDITIONS}
    if ctx.api == "esb":
        for key in ESB_REMOVED:
            condition.pop(key, None)
        condition.setdefault("bk_supplier_account", "0")
    found = []
    try:
        for model in emu.models.values():
            for attr in model.attr_list:
                doc = attr.to_cmdb(model.stamp)
                doc.pop("bk_property_group_name")   # not stored: the topo server adds it (object_attribute.go:295-302)
                if all(_matches(doc.get(k), v) for k, v in condition.items()):
                    found.append(attr.to_cmdb(model.stamp))
    except BadCondition as e:
        # the emulator's own: MongoDB would take other operators, the emulator knows these five
        return fail(emu, ctx, "param_check", str(e))
    return ok(emu, ctx, found)


def search_object_unique(emu, ctx, obj_id, body):
    model = emu.models.get(obj_id)
    return ok(emu, ctx, model.uniques_cmdb() if model is not None else [])
