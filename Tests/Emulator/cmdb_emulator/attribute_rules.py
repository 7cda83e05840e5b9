"""CMDB's check of one attribute value, ported from bk-cmdb (111e7ac6) src/common/metadata/attribute.go: Validate
(:177-239) and its valid* functions (:241-979), with the helpers of src/common/util/struti.go and conv.go, and the
values FillLostFieldValue gives an absent attribute (src/source_controller/coreservice/core/instances/
validator_util.go:36-368).

Values are as Python's json decodes them. CMDB decodes numbers as json.Number (src/common/json/json.go:26-31,
UseNumber), so an "int" attribute accepts any JSON number (util.IsNumeric) and converts it with
json.Number.Int64 = strconv.ParseInt: a literal with a fraction or exponent (3.0, 3.5, 1e2) becomes 0 (the error is
ignored, attribute.go:553), an integer beyond int64 is clamped. Python's json gives an int exactly for the literals
ParseInt reads, so the type of the decoded value says which case it is."""

import calendar
import math
import re

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1

SINGLECHAR_MAX = 256    # bytes, common.FieldTypeSingleLenChar (src/common/definitions.go:1057-1058)
LONGCHAR_MAX = 2000     # common.FieldTypeLongLenChar (definitions.go:1060-1061)
USER_MAX = 2000         # common.FieldTypeUserLenChar (definitions.go:1063-1064)

# the attribute types with a check; others (table, innertable, object, idrule, foreignkey, ...) are passed through
CHECKED_TYPES = ("singlechar", "longchar", "int", "float", "enum", "enummulti", "enumquote", "date", "time",
                 "timezone", "bool", "objuser", "list", "organization")

# Go's strings.TrimSpace removes unicode.IsSpace runes: ASCII \t \n \v \f \r and space, U+0085, U+00A0 and the
# other White_Space runes (Python's str.strip also removes U+001C..U+001F, which Go keeps)
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"

# util/struti.go:32-37 (Go's \s is [\t\n\f\r ])
_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[\t\n\f\r ][0-9]{2}:[0-9]{2}:[0-9]{2}\Z")
_DATETIME_ZONE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+\-][0-9]{2}:[0-9]{2})\Z")
_TIMEZONE = re.compile("^[a-zA-Z0-9\\-\u2212_/+]+\\Z")
_USER = re.compile(r"^([0-9]|[a-zA-Z])([a-zA-Z0-9@.,_-])*\Z")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
# strconv.ParseFloat's decimal syntax (hexadecimal floats and underscores are not accepted here)
_GO_FLOAT = re.compile(r"^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?|"
                       r"[nN][aA][nN])\Z")


def go_trim(text):
    return text.strip(_GO_SPACE)


def byte_len(text):
    """len() of a Go string: bytes of UTF-8 (a lone surrogate counts 3, as the U+FFFD Go's decoder makes of it)."""
    return len(text.encode("utf-8", "surrogatepass"))


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def go_int64(value):
    """util.GetInt64ByInterface of a json.Number: ParseInt's value, 0 for a literal it cannot read."""
    if isinstance(value, int):
        return min(max(value, INT64_MIN), INT64_MAX)
    return 0


def go_float(value):
    """util.GetFloat64ByInterface (conv.go:135-168) of a json.Number or a string, else None (an error)."""
    if is_number(value):
        f = float(value)
        return None if math.isinf(f) else f       # ParseFloat of a literal beyond float64: ErrRange
    if isinstance(value, str) and _GO_FLOAT.match(value):
        f = float(value)
        if math.isinf(f) and not value.lstrip("+-")[:1] in "iI":
            return None
        return f
    return None


def is_date(value):
    """util.IsDate: time.Parse("2006-01-02", value) (struti.go:70-83): a real calendar day."""
    if not isinstance(value, str):
        return False
    m = _DATE.match(value)
    if not m:
        return False
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return False
    return 1 <= day <= (29 if month == 2 and calendar.isleap(year) else calendar.monthrange(year or 2000, month)[1])


def parse_range(kind, option):
    """(min, max) of an int / float option (ParseIntOption, ParseFloatOption: attribute.go:1231-1354): null or ""
    is the whole int64 range; {"min", "max"} each a number, a numeric string, "" or absent. ValueError otherwise."""
    lo, hi = (INT64_MIN, INT64_MAX) if kind == "int" else (float(INT64_MIN), float(INT64_MAX))
    if option is None or option == "":
        return lo, hi
    if not isinstance(option, dict):
        raise ValueError("an %s option is {\"min\": .., \"max\": ..}" % kind)

    def one(value, default):
        if value is None or value == "" or value == '""':
            return default
        if isinstance(value, str):
            if kind == "int":
                if not re.match(r"^[+-]?[0-9]+\Z", value):
                    raise ValueError("not an integer: %r" % value)
                return int(value)
            number = go_float(value)
            if number is None:
                raise ValueError("not a number: %r" % value)
            return number
        if not is_number(value):
            raise ValueError("not a number: %r" % (value,))
        return go_int64(value) if kind == "int" else float(value)

    return one(option.get("min"), lo), one(option.get("max"), hi)


def fill_lost(attr):
    """The value FillLostFieldValue stores for an absent attribute: text "" (or its default), bool false (or its
    default), enum its is_default option, enummulti the list of them, others the default or null."""
    if attr.type in ("singlechar", "longchar"):
        return attr.default if isinstance(attr.default, str) else ""
    if attr.type == "bool":
        return attr.default if isinstance(attr.default, bool) else False
    if attr.type == "enum":
        defaults = attr.enum_defaults()
        return defaults[0] if defaults else None
    if attr.type == "enummulti":
        return attr.enum_defaults() or None
    return attr.default


def validate(attr, value):
    """None, or (message key, display name) of CMDB's first complaint about value (already trimmed if a string).
    Validate replaces the complaint's argument with the attribute's display name (attribute.go:232-237)."""
    check = _CHECKS.get(attr.type)
    if check is None:
        return None
    key = check(attr, value)
    return None if key is None else (key, attr.name)


def _need(attr):
    return "unassigned" if attr.required else None


def _char(attr, value, limit, skip_blank_first):
    if value is None or (skip_blank_first and value == ""):
        return _need(attr)
    if not isinstance(value, str):
        return "need_string"
    text = go_trim(value)
    if byte_len(text) > limit:
        return "over_limit"
    if text == "":
        return _need(attr)
    if not isinstance(attr.option, str):
        return None
    if attr.regex is None:
        return "param_invalid"     # regexp.Compile failed: CCErrCommParamsIsInvalid
    return None if attr.regex.search(text) else "regex"


def _singlechar(attr, value):
    return _char(attr, value, SINGLECHAR_MAX, False)


def _longchar(attr, value):
    return _char(attr, value, LONGCHAR_MAX, True)


def _int(attr, value):
    if value is None:
        return _need(attr)
    if not is_number(value):
        return "need_int"
    lo, hi = attr.range
    return None if lo <= go_int64(value) <= hi else "param_check"


def _float(attr, value):
    if value is None:
        return _need(attr)
    number = go_float(value)
    if number is None:
        return "param_invalid"
    lo, hi = attr.range
    return "param_check" if number > hi or number < lo else None


def _enum(attr, value):
    if value is None:
        return _need(attr)
    if not isinstance(value, str) or value not in attr.enum_ids():
        return "param_check"
    return None


def _enummulti(attr, value):
    if value is None:
        return _need(attr)
    if not isinstance(value, list):
        return "param_check"
    if not value:
        return "param_check" if attr.required else None
    if attr.multiple is None:
        return "unassigned"
    if not attr.multiple and len(value) != 1:
        return "single_choice"
    ids = attr.enum_ids()
    return None if all(isinstance(v, str) and v in ids for v in value) else "param_check"


def _enumquote(attr, value):
    if value is None:
        return _need(attr)
    return None if isinstance(value, list) else "param_check"


def _date(attr, value):
    if value is None or value == "":
        return _need(attr)
    return None if is_date(value) else "param_check"


def _time(attr, value):
    if value is None or value == "":
        return _need(attr)
    ok = isinstance(value, str) and (_DATETIME.match(value) or _DATETIME_ZONE.match(value))
    return None if ok else "param_check"


def _timezone(attr, value):
    if value is None:
        return _need(attr)
    return None if isinstance(value, str) and value and _TIMEZONE.match(value) else "need_timezone"


def _bool(attr, value):
    if value is None:
        return _need(attr)
    return None if isinstance(value, bool) else "need_bool"


def _objuser(attr, value):
    if value is None or value == "":
        return _need(attr)
    if not isinstance(value, str):
        return "need_string"
    text = go_trim(value)
    if byte_len(text) > USER_MAX:
        return "over_limit"
    if text == "":
        return _need(attr)
    if attr.multiple is None:
        return "unassigned"
    if not attr.multiple and len(text.split(",")) != 1:
        return "param_check"
    return None if _USER.match(text) else "regex"


def _list(attr, value):
    if value is None:
        return _need(attr)
    if not isinstance(value, str) or not isinstance(attr.option, list):
        return "param_check"
    for item in attr.option:
        if not isinstance(item, str):
            return "list_option"
        if item == value:
            return None
    return "param_check"


def _organization(attr, value):
    if value is None:
        return _need(attr)
    if not isinstance(value, list):
        return "param_check"
    if not value:
        return "param_check" if attr.required else None
    if attr.multiple is None:
        return "unassigned"
    if not attr.multiple and len(value) != 1:
        return "param_check"
    # util.IsInteger of a json.Number is true for any JSON number
    return None if all(is_number(v) for v in value) else "param_invalid"


_CHECKS = {"singlechar": _singlechar, "longchar": _longchar, "int": _int, "float": _float, "enum": _enum,
           "enummulti": _enummulti, "enumquote": _enumquote, "date": _date, "time": _time, "timezone": _timezone,
           "bool": _bool, "objuser": _objuser, "list": _list, "organization": _organization}
