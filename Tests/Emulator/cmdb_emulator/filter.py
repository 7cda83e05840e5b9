"""CMDB's query filter, the `conditions` of search_object_instances / count_object_instances (bk-cmdb pkg/filter at
111e7ac6): how a rule is decoded (a decoding failure is CMDB's 1199000), validated (a failure is 1199006 naming the whole
expression) and matched against a stored instance the way MongoDB matches the query CMDB builds from it.

    {"condition": "AND" | "OR", "rules": [rule, ...]}          a combined rule (expression.go:160-182, rule.go:446-594)
    {"field": "bk_inst_id", "operator": "greater", "value": 5}  an atomic rule (rule.go:72-375, operator.go)
"""

import json
import math
import re
from decimal import Decimal

MAX_IN = 500            # NewDefaultExprOpt: MaxInLimit / MaxNotInLimit (expression.go:55-64)
MAX_RULES = 50          # MaxRulesLimit: rules of one combined rule
MAX_DEPTH = 3           # MaxRulesDepth: a combined rule at depth 1 is refused (rule.go:475-478)

# operator.go:148-262; the ones the emulator does not evaluate are refused with 1199006 (README)
COMPARE = {"less": lambda a, b: a < b, "less_or_equal": lambda a, b: a <= b,
           "greater": lambda a, b: a > b, "greater_or_equal": lambda a, b: a >= b}
# string operators: (regex template of MongoDB's $regex, case-insensitive, negated) (operator.go:870-1360)
STRING_OPS = {
    "begins_with": ("^%s", False, False), "begins_with_i": ("^%s", True, False),
    "not_begins_with": ("^%s", False, True), "not_begins_with_i": ("^%s", True, True),
    "contains": ("%s", True, False), "contains_s": ("%s", False, False),
    "not_contains": ("%s", False, True), "not_contains_i": ("%s", True, True),
    "ends_with": ("%s$", False, False), "ends_with_i": ("%s$", True, False),
    "not_ends_with": ("%s$", False, True), "not_ends_with_i": ("%s$", True, True),
}
NO_VALUE_OPS = ("is_empty", "is_not_empty", "is_null", "is_not_null", "exist", "not_exist")
NOT_EMULATED = ("datetime_less", "datetime_less_or_equal", "datetime_greater", "datetime_greater_or_equal",
                "filter_object", "filter_array")
OPERATORS = (("equal", "not_equal", "in", "not_in", "size") + tuple(COMPARE) + tuple(STRING_OPS) + NO_VALUE_OPS
             + NOT_EMULATED)


class BadShape(ValueError):
    """Go's decoder refuses the conditions: CMDB answers 1199000."""


class Invalid(ValueError):
    """The expression does not validate: CMDB answers 1199006 with the expression's JSON."""


# ----- decoding (expression.go:160-182) ---------------------------------------------------------------------------

def parse(raw):
    """A rule from a JSON value: a combined rule when it has the key "condition", an atomic one when it has
    "operator"; anything else is BadShape ("no rule is found")."""
    if isinstance(raw, dict) and "condition" in raw:
        return Combined(raw)
    if isinstance(raw, dict) and "operator" in raw:
        return Atom(raw)
    raise BadShape("no rule is found")


def _go_string(value):
    """A JSON value decoded into a Go string: null is "", anything but a string fails."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadShape("not a string")
    return value


class Combined:
    def __init__(self, raw):
        self.condition = _go_string(raw.get("condition"))
        rules = raw.get("rules")
        if rules is not None and not isinstance(rules, list):
            raise BadShape("rules is not an array")
        self.rules = [parse(r) for r in rules or ()]

    def validate(self, depth):
        if self.condition not in ("AND", "OR"):
            raise Invalid("unsupported expression's logic operator: %s" % self.condition)
        if not self.rules:
            raise Invalid("combined rules shouldn't be empty")
        if len(self.rules) > MAX_RULES:
            raise Invalid("rules elements number exceeds limit: %d" % MAX_RULES)
        if depth <= 1:
            raise Invalid("expression rules depth exceeds maximum")
        for rule in self.rules:
            rule.validate(depth - 1)

    def prepare(self):
        for rule in self.rules:
            rule.prepare()

    def match(self, inst):
        if self.condition == "AND":
            return all(rule.match(inst) for rule in self.rules)
        return any(rule.match(inst) for rule in self.rules)

    def go_json(self):
        return '{"condition":%s,"rules":[%s]}' % (go_json(self.condition), ",".join(r.go_json() for r in self.rules))


class Atom:
    def __init__(self, raw):
        self.field = _go_string(raw.get("field"))
        self.op = _go_string(raw.get("operator"))
        self.value = raw.get("value")
        if self.op in ("in", "not_in") and self.value is not None and not isinstance(self.value, list):
            raise BadShape("in / not_in take an array")
        if self.op in ("filter_object", "filter_array") and "value" in raw:
            self.value = parse(self.value)
        self.regex = None

    def validate(self, depth):
        if not self.field:
            raise Invalid("field is empty")
        if self.op not in OPERATORS:
            raise Invalid("unsupported operator: %s" % self.op)
        v = self.value
        if self.op in ("equal", "not_equal"):
            if not is_basic(v):
                raise Invalid("invalid eq value")
        elif self.op in ("in", "not_in"):
            if not v:
                raise Invalid("value is empty")
            if len(v) > MAX_IN:
                raise Invalid("elements length %d exceeds maximum %d" % (len(v), MAX_IN))
            kinds = {basic_kind(e) for e in v}
            if None in kinds or len(kinds) != 1:
                raise Invalid("array elements are not of one basic type")
        elif self.op in COMPARE:
            if not is_number(v):
                raise Invalid("should be a numeric value")
        elif self.op in STRING_OPS:
            if not isinstance(v, str) or not v:
                raise Invalid("value is not a non-empty string")
        elif self.op == "size":
            if not is_number(v) or v < 0 or (isinstance(v, float) and not v.is_integer()):
                raise Invalid("invalid size operator's value")
        elif self.op in NOT_EMULATED:
            raise Invalid("operator %s is not emulated" % self.op)

    def prepare(self):
        """Compile what MongoDB would evaluate: a string operator's $regex (the value is not escaped by CMDB)."""
        if self.op in STRING_OPS:
            template, insensitive, _ = STRING_OPS[self.op]
            try:
                self.regex = re.compile(template % self.value, re.IGNORECASE if insensitive else 0)
            except re.error:
                raise Invalid("bad regular expression")

    def match(self, inst):
        present = self.field in inst
        v = inst.get(self.field)
        op = self.op
        if op == "equal":
            return present and same(v, self.value)
        if op == "not_equal":
            return not (present and same(v, self.value))
        if op == "in":
            return present and any(same(v, e) for e in self.value)
        if op == "not_in":
            return not (present and any(same(v, e) for e in self.value))
        if op in COMPARE:
            return present and is_number(v) and COMPARE[op](v, self.value)
        if op in STRING_OPS:
            hit = isinstance(v, str) and self.regex.search(v) is not None
            return not hit if STRING_OPS[op][2] else hit
        if op == "exist":
            return present
        if op == "not_exist":
            return not present
        if op == "is_null":
            return v is None
        if op == "is_not_null":
            return v is not None
        if op == "is_empty":
            return isinstance(v, list) and not v
        if op == "is_not_empty":
            return isinstance(v, list) and len(v) > 0
        if op == "size":
            return isinstance(v, list) and len(v) == self.value
        return False

    def go_json(self):
        value = self.value.go_json() if isinstance(self.value, (Atom, Combined)) else go_json(self.value)
        return '{"field":%s,"operator":%s,"value":%s}' % (go_json(self.field), go_json(self.op), value)


def id_lower_bound(rule):
    """(value, inclusive) of a `bk_inst_id greater / greater_or_equal` rule that every match must satisfy (the rule
    itself, or one of the rules of a top-level AND), else None: where a search in id order may start."""
    rules = [rule] if isinstance(rule, Atom) else (rule.rules if rule.condition == "AND" else [])
    bounds = [(r.value, r.op == "greater_or_equal") for r in rules
              if isinstance(r, Atom) and r.field == "bk_inst_id" and r.op in ("greater", "greater_or_equal")]
    return max(bounds, key=lambda b: (b[0], not b[1])) if bounds else None


# ----- values as Go and MongoDB see them ---------------------------------------------------------------------------

def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def basic_kind(v):
    if isinstance(v, bool):
        return "bool"
    if is_number(v):
        return "numeric"
    if isinstance(v, str):
        return "string"
    return None


def is_basic(v):
    return basic_kind(v) is not None


def same(stored, wanted):
    """MongoDB's equality of a stored value and a query value: numbers by value (1 == 1.0), otherwise same type."""
    if is_number(stored) and is_number(wanted):
        return stored == wanted
    return type(stored) is type(wanted) and stored == wanted


def sort_key(v):
    """MongoDB's order of values of different types: null (and absent) < numbers < strings < objects < arrays <
    booleans."""
    if v is None:
        return (1, 0, "")
    if isinstance(v, bool):
        return (8, int(v), "")
    if is_number(v):
        return (2, v, "")
    if isinstance(v, str):
        return (3, 0, v)
    if isinstance(v, dict):
        return (4, 0, json.dumps(v, sort_keys=True))
    return (5, 0, json.dumps(v, sort_keys=True))


def go_float(f):
    """A float64 as Go's encoding/json writes it: shortest digits, plain notation unless the exponent is < -6 or
    >= 21, then 'e' notation with "e-07" written "e-7"."""
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        return re.sub(r"e-0(\d)$", r"e-\1", repr(f))
    text = format(Decimal(repr(f)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def go_json(v):
    """A JSON value decoded by Go's encoding/json (numbers are float64) and encoded again (map keys sorted, <, >, &,
    U+2028 and U+2029 escaped)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if is_number(v):
        try:
            return go_float(float(v))
        except OverflowError:
            return str(v)
    if isinstance(v, str):
        text = json.dumps(v, ensure_ascii=False)
        for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                        ("\u2029", "\\u2029")):
            text = text.replace(ch, esc)
        return text
    if isinstance(v, list):
        return "[%s]" % ",".join(go_json(e) for e in v)
    if isinstance(v, dict):
        return "{%s}" % ",".join("%s:%s" % (go_json(k), go_json(v[k])) for k in sorted(v))
    return go_json(str(v))
