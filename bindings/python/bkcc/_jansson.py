"""The few jansson calls the binding needs for the ``json_t`` entry points of libbkcc.

libbkcc and the host share one jansson (``bkcc.h``): libbkcc is linked against ``libjansson.so.4``, so by
the time this module runs that library is already mapped into the process and ``CDLL("libjansson.so.4")``
returns the same copy. Values cross as JSON text: Python objects are serialized with ``json.dumps`` and
parsed by ``json_loadb``; ``json_t`` values coming back are written by ``json_dumps`` and read by
``json.loads``. ``json_decref`` is an inline function in ``jansson.h``, so references are released with
``bkcc_json_decref``. Text from ``json_dumps`` is freed with the free function jansson itself uses
(``json_get_alloc_funcs``), not with ``bkcc_free``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
from ctypes import POINTER, byref, c_char, c_char_p, c_int, c_size_t, c_void_p
from typing import Any

from ._ffi import lib
from .errors import InvalidArgumentError, NoMemoryError, Status

JSON_COMPACT = 0x20
JSON_ENCODE_ANY = 0x200
JSON_ALLOW_NUL = 0x10


class JsonError(ctypes.Structure):
    """``json_error_t``."""

    _fields_ = [
        ("line", c_int),
        ("column", c_int),
        ("position", c_int),
        ("source", c_char * 80),
        ("text", c_char * 160),
    ]


def _load() -> ctypes.CDLL:
    names = ["libjansson.so.4"]
    found = ctypes.util.find_library("jansson")
    if found:
        names.append(found)
    errors = []
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError as error:
            errors.append(str(error))
    raise ImportError("bkcc: cannot load jansson (libjansson.so.4), which libbkcc needs: %s" % "; ".join(errors))


jansson = _load()
jansson.json_loadb.restype = c_void_p
jansson.json_loadb.argtypes = [c_char_p, c_size_t, c_size_t, POINTER(JsonError)]
jansson.json_dumps.restype = c_void_p
jansson.json_dumps.argtypes = [c_void_p, c_size_t]
jansson.json_get_alloc_funcs.restype = None
jansson.json_get_alloc_funcs.argtypes = [POINTER(c_void_p), POINTER(c_void_p)]

_FREE_FN = ctypes.CFUNCTYPE(None, c_void_p)


def _jansson_free() -> Any:
    malloc_fn, free_fn = c_void_p(), c_void_p()
    jansson.json_get_alloc_funcs(byref(malloc_fn), byref(free_fn))
    if not free_fn.value:
        raise ImportError("bkcc: jansson reports no free function")
    return _FREE_FN(free_fn.value)


_free = _jansson_free()


class JSONRef:
    """A new ``json_t *`` reference parsed from JSON text; released by ``close()`` or ``with``."""

    __slots__ = ("pointer",)

    def __init__(self, text: bytes) -> None:
        error = JsonError()
        self.pointer = jansson.json_loadb(text, len(text), 0, byref(error))
        if not self.pointer:
            raise InvalidArgumentError(Status.EINVAL, "jansson cannot read the value: %s" % (
                error.text.decode("utf-8", "replace")))

    def close(self) -> None:
        pointer, self.pointer = self.pointer, None
        if pointer:
            lib.bkcc_json_decref(pointer)

    def __enter__(self) -> "JSONRef":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def to_python(pointer: int) -> Any:
    """The Python value of a ``json_t *`` (borrowed: its reference is left alone)."""
    text = jansson.json_dumps(pointer, JSON_COMPACT | JSON_ENCODE_ANY)
    if not text:
        raise NoMemoryError(Status.ENOMEM, "jansson could not serialize a value")
    try:
        return json.loads(ctypes.string_at(text))
    finally:
        _free(text)


def take(pointer: int) -> Any:
    """The Python value of a NEW ``json_t *`` reference, which is then released."""
    try:
        return to_python(pointer)
    finally:
        lib.bkcc_json_decref(pointer)
