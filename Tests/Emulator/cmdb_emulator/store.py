"""The store: every instance under one lock, unique values in per-model indexes (no scans on create), and the
snapshots that --state writes and loads."""

import json
import threading
from datetime import datetime, timezone

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
        """[(fields, BSON types, {key: bk_inst_id})] of the model's unique rules."""
        rules = self.uniq.get(obj_id)
        if rules is None:
            model = self.models.get(obj_id)
            rules = [(fields, tuple(model.index_type(f) for f in fields), {})
                     for fields in (model.unique if model else ())]
            self.uniq[obj_id] = rules
        return rules

    @staticmethod
    def _ukey(fields, types, data):
        """The index key of data for a unique rule, or None when data is not in the index. CMDB's unique index has
        a partial filter {field: {$type: "string" | "number"}} on each field (bk-cmdb src/common/index/index.go:
        116-136), so a value of another type (null, an absent one) is not indexed, while "" is a string like any
        other: the "" an absent text attribute is stored as (FillLostFieldValue) collides with another ""."""
        key = []
        for f, t in zip(fields, types):
            v = data.get(f)
            if not (isinstance(v, str) if t == "string" else
                    t == "number" and isinstance(v, (int, float)) and not isinstance(v, bool)):
                return None
            key.append(vkey(v))
        return tuple(key)

    def _index(self, inst):
        for fields, types, index in self._rules(inst["bk_obj_id"]):
            key = self._ukey(fields, types, inst)
            if key is not None:
                index.setdefault(key, inst["bk_inst_id"])

    def duplicate_fields_locked(self, obj_id, data):
        for fields, types, index in self._rules(obj_id):
            key = self._ukey(fields, types, data)
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

    def _unindex(self, inst):
        for fields, types, index in self._rules(inst["bk_obj_id"]):
            key = self._ukey(fields, types, inst)
            if key is not None and index.get(key) == inst["bk_inst_id"]:
                del index[key]

    def get_locked(self, obj_id, inst_id):
        """The stored instance inst_id of model obj_id, or None (another model's instance is not found either)."""
        return self.by_obj.get(obj_id, {}).get(inst_id)

    def changed_duplicate_locked(self, old, new):
        """The fields of the first unique rule whose value the change from old to new sets to one another instance has,
        or None. A rule whose value did not change is not checked (MongoDB checks the index keys an update writes)."""
        for fields, types, index in self._rules(old["bk_obj_id"]):
            key = self._ukey(fields, types, new)
            if key is None or key == self._ukey(fields, types, old):
                continue
            other = index.get(key)
            if other is not None and other != old["bk_inst_id"]:
                return fields
        return None

    def replace_locked(self, old, new):
        """Put new in the place of the stored instance old (same bk_inst_id and model), indexes included."""
        self._unindex(old)
        inst_id = old["bk_inst_id"]
        self.by_id[inst_id] = new
        self.by_obj[old["bk_obj_id"]][inst_id] = new   # keeps its place: by_obj stays in id order
        self._index(new)
        self.version += 1

    def delete_locked(self, inst):
        self._unindex(inst)
        self.by_id.pop(inst["bk_inst_id"], None)
        self.by_obj.get(inst["bk_obj_id"], {}).pop(inst["bk_inst_id"], None)
        self.version += 1

    def ids_locked(self, obj_id):
        """The model's instance ids in increasing order."""
        return list(self.by_obj.get(obj_id, {}))

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
        rules = {fields[0]: (types[0], index) for fields, types, index in self._rules(obj_id) if len(fields) == 1}
        for c in conds:
            if c.op not in ("$eq", "$in"):
                continue
            values = [c.value] if c.op == "$eq" else c.value
            if c.field == "bk_inst_id":
                ids = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
            elif c.field in rules:
                kind, index = rules[c.field]
                # a value the index cannot hold (null, another type) may match unindexed instances: scan
                if not all(self._ukey((c.field,), (kind,), {c.field: v}) for v in values):
                    continue
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

