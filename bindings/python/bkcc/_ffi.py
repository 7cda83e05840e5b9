"""Loads libbkcc and declares each C function of ``bkcc.h`` once (argtypes and restype).

Lookup order (the first that exists wins; a named library that fails to load is an error, never skipped):

1. ``$BKCC_LIBRARY`` — a path to ``libbkcc.so.0``;
2. ``libbkcc.so.0`` in this package's own folder (a wheel built after ``make`` carries it);
3. ``dist/lib/libbkcc.so.0`` of the checkout this package's source sits in (``bindings/python/bkcc``);
4. ``ctypes.util.find_library("bkcc")`` — the system loader's paths (``make install``).

Notes on ctypes (see also ``bkcc.h``):

- Every ``char *`` that the library returns is declared ``c_void_p`` (``c_char_p`` would copy and leak it),
  read with ``string_at`` and released with ``bkcc_free``.
- A ``const char *`` that the library returns is static: declared ``c_char_p``, which copies it.
- The library is a ``CDLL``: ctypes releases the GIL for the duration of every call, so threads sharing a
  client run their imports in parallel; callbacks re-acquire the GIL.
- JSON crosses as text (the ``_json`` twins of ``bkcc.h``), so the package needs no jansson type. The one
  exception is the progress callback, which receives a borrowed ``const json_t *``: ``event_text`` writes it
  with jansson's own ``json_dumps`` and frees the text with the C library's ``free`` (see there). The search's
  page callback (``PAGE_JSON_FN``) receives text that it borrows: copied with ``string_at``, never freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import POINTER, c_char, c_char_p, c_int, c_longlong, c_size_t, c_void_p
from typing import Any, List, Optional

__all__ = ["lib", "library_path", "BkccError", "PROGRESS_FN", "TRANSPORT_FN", "PAGE_JSON_FN", "LOG_FN", "take_text",
           "event_text"]

SONAME = "libbkcc.so.0"
_HERE = os.path.dirname(os.path.abspath(__file__))


class BkccError(ctypes.Structure):
    """``bkcc_error``: filled by every fallible call."""

    _fields_ = [
        ("status", c_int),
        ("api_code", c_longlong),
        ("http_status", c_int),
        ("request_id", c_char * 64),
        ("message", c_char * 512),
    ]


# typedef int (*bkcc_progress_fn)(const json_t *event, void *user);
PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)
# typedef int (*bkcc_transport_fn)(const json_t *request, json_t **response, void *user);
TRANSPORT_FN = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(c_void_p), c_void_p)
# typedef int (*bkcc_page_json_fn)(const char *instances_json, void *user);  (the text is BORROWED: c_void_p,
# read with string_at; non-zero stops the search)
PAGE_JSON_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)
# typedef void (*bkcc_log_fn)(int level, const char *text, void *user);  (the text is BORROWED: c_char_p copies it)
LOG_FN = ctypes.CFUNCTYPE(None, c_int, c_char_p, c_void_p)


def _candidates() -> List[str]:
    found: List[str] = []
    own = os.path.join(_HERE, SONAME)
    if os.path.exists(own):
        found.append(own)
    checkout = os.path.normpath(os.path.join(_HERE, "..", "..", "..", "dist", "lib", SONAME))
    if os.path.exists(checkout):
        found.append(checkout)
    system = ctypes.util.find_library("bkcc")
    if system:
        found.append(system)
    return found


def _load() -> "tuple[ctypes.CDLL, str]":
    explicit = os.environ.get("BKCC_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as error:
            raise ImportError("bkcc: cannot load BKCC_LIBRARY=%r: %s" % (explicit, error)) from error
    tried = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as error:
            tried.append("%s (%s)" % (path, error))
    raise ImportError(
        "bkcc: libbkcc.so.0 not found. Set BKCC_LIBRARY=/path/to/libbkcc.so.0, or build it with `make` "
        "in the bkcc checkout (dist/lib/libbkcc.so.0), or install it with `make install` (then "
        "ldconfig finds it). Looked in: $BKCC_LIBRARY (unset), %s, %s, the system loader%s" % (
            os.path.join(_HERE, SONAME),
            os.path.normpath(os.path.join(_HERE, "..", "..", "..", "dist", "lib", SONAME)),
            ("; could not load: " + "; ".join(tried)) if tried else ""))


lib, library_path = _load()

_ERR = POINTER(BkccError)


def _declare(name: str, restype: Any, argtypes: List[Any]) -> None:
    try:
        fn = getattr(lib, name)
    except AttributeError as error:
        raise ImportError("bkcc: %s (%s) has no symbol %s: too old a libbkcc?" % (library_path, SONAME, name)) \
            from error
    fn.restype = restype
    fn.argtypes = argtypes


_declare("bkcc_version", c_char_p, [])  # static strings: c_char_p copies them, nothing to free
_declare("bkcc_status_name", c_char_p, [c_int])
_declare("bkcc_status_text", c_char_p, [c_int])
_declare("bkcc_config_schema", c_char_p, [])
_declare("bkcc_free", None, [c_void_p])
_declare("bkcc_json_decref", None, [c_void_p])
_declare("bkcc_client_new_json", c_void_p, [c_char_p, _ERR])
_declare("bkcc_client_new", c_void_p, [c_void_p, _ERR])
_declare("bkcc_client_free", None, [c_void_p])
_declare("bkcc_client_set_progress", None, [c_void_p, PROGRESS_FN, c_void_p])
_declare("bkcc_client_set_transport", None, [c_void_p, TRANSPORT_FN, c_void_p])
_declare("bkcc_batch_create_inst_json", c_void_p, [c_void_p, c_char_p, c_char_p, c_char_p, _ERR])
_declare("bkcc_batch_create_inst", c_void_p, [c_void_p, c_char_p, c_void_p, c_void_p, _ERR])
_declare("bkcc_batch_update_inst_json", c_void_p, [c_void_p, c_char_p, c_char_p, c_char_p, _ERR])
_declare("bkcc_batch_delete_inst_json", c_void_p, [c_void_p, c_char_p, c_char_p, c_char_p, _ERR])
_declare("bkcc_search_inst_json", c_int, [c_void_p, c_char_p, c_char_p, PAGE_JSON_FN, c_void_p, _ERR])
_declare("bkcc_reconcile_json", c_void_p, [c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, _ERR])
_declare("bkcc_reconcile", c_void_p, [c_void_p, c_char_p, c_void_p, c_void_p, c_void_p, _ERR])
_declare("bkcc_validate_json", c_void_p, [c_char_p, c_char_p, _ERR])
_declare("bkcc_get_model_json", c_void_p, [c_void_p, c_char_p, _ERR])
_declare("bkcc_validate_model_json", c_void_p, [c_char_p, c_char_p, _ERR])
_declare("bkcc_sync_plan_json", c_void_p, [c_void_p, c_char_p, c_char_p, c_char_p, _ERR])
_declare("bkcc_validate", c_void_p, [c_char_p, c_void_p, _ERR])
_declare("bkcc_build_request_json", c_void_p, [c_void_p, c_char_p, c_char_p, _ERR])
_declare("bkcc_build_request", c_void_p, [c_void_p, c_char_p, c_void_p, _ERR])
_declare("bkcc_parse_response_json", c_void_p, [c_int, c_char_p, c_size_t, c_size_t, _ERR])
_declare("bkcc_parse_response", c_void_p, [c_int, c_char_p, c_size_t, c_size_t, _ERR])
_declare("bkcc_client_set_log", None, [c_void_p, c_int, LOG_FN, c_void_p])  # the request log (_log.py)

# The progress event is a borrowed json_t. jansson's json_dumps (a plain exported function, unlike the inline
# json_decref) writes it as text without this package knowing any jansson struct. It is looked up through
# libbkcc's handle, which searches libbkcc's own dependencies: the very libjansson.so.4 that libbkcc uses.
# char *json_dumps(const json_t *json, size_t flags);
try:
    _json_dumps = lib.json_dumps
except AttributeError as _error:  # pragma: no cover - libbkcc is always linked with jansson
    raise ImportError("bkcc: %s does not reach jansson's json_dumps (libjansson.so.4)" % library_path) \
        from _error
_json_dumps.restype = c_void_p  # char *, freed below: c_char_p would leak it
_json_dumps.argtypes = [c_void_p, c_size_t]
_JSON_COMPACT = 0x20      # jansson.h
_JSON_ENCODE_ANY = 0x200  # jansson.h

# json_dumps allocates its text with jansson's allocator, which is malloc/free unless someone calls
# json_set_alloc_funcs; libbkcc never does (bkcc.h: the host and libbkcc share one jansson), so the text is
# released with the C library's free. CDLL(None) is the process's global scope: the same free that jansson's
# malloc calls are bound to (also under an LD_PRELOADed allocator).
_c_free = ctypes.CDLL(None).free
_c_free.restype = None
_c_free.argtypes = [c_void_p]


def take_text(pointer: Optional[int]) -> Optional[bytes]:
    """The bytes of a ``char *`` returned by libbkcc, which is then freed (None stays None)."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer)
    finally:
        lib.bkcc_free(pointer)


def event_text(event: Optional[int]) -> Optional[bytes]:
    """The compact JSON text of a BORROWED ``const json_t *`` (a progress event); None for NULL, or when
    jansson cannot write it (out of memory). The reference is left alone."""
    if not event:
        return None
    text = _json_dumps(event, _JSON_COMPACT | _JSON_ENCODE_ANY)
    if not text:
        return None
    try:
        return ctypes.string_at(text)
    finally:
        _c_free(text)
