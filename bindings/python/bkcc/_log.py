"""The library's request log (``bkcc_client_set_log``) as Python ``logging`` records on ``logging.getLogger("bkcc")``.

- INFO, one record per HTTP request (each attempt, retries included)::

      POST /api/c/compapi/v2/cc/batch_create_inst/ 200 request_id=7c1e… items=200 elapsed_ms=412

- DEBUG, before it, the request (``> `` lines: method, URL, headers, body) and the answer (``< `` lines: status,
  headers, body).

Every secret (app_secret, token, access_token, bk_app_secret, the X-Bkapi-Authorization values) is ``***``:
the library masks them before the text reaches Python.

The library builds the DEBUG text only when asked (it serializes each request body once more), so each client
tells it what the logger wants: DEBUG when ``logging.getLogger("bkcc").isEnabledFor(logging.DEBUG)`` when the
client is made; a change of the logger's level reaches the library at the next INFO record, and applies from
the next call. Without any logging configuration (Python's default: WARNING) nothing is printed, and each
request costs one callback into Python.
"""

from __future__ import annotations

import ctypes
import logging
from typing import Optional

from ._ffi import LOG_FN, lib

__all__ = ["logger", "install", "forget"]

logger = logging.getLogger("bkcc")

_REQUESTS = 1  # BKCC_LOG_REQUESTS
_BODIES = 2    # BKCC_LOG_BODIES


def _wanted() -> int:
    return _BODIES if logger.isEnabledFor(logging.DEBUG) else _REQUESTS


def _on_log(level: int, text: Optional[bytes], user: Optional[int]) -> None:
    # Called on the thread that runs the call (bkcc.h); nothing may escape to C.
    try:
        message = (text or b"").decode("utf-8", "replace")
        if level >= _BODIES:
            logger.debug(message)
            return
        logger.info(message)
        wanted = _wanted()
        if user and wanted != _installed.get(user):
            _installed[user] = wanted
            lib.bkcc_client_set_log(user, wanted, _LOG, user)  # from the next call on
    except BaseException:  # noqa: B036 — a C caller must never see a Python exception; a log line is not worth one
        pass


# Module-level: outlives every client. The user pointer is the client's handle (to change its level).
_LOG = LOG_FN(_on_log)
#: The level installed on each live client's handle (by its address; a client's entry goes when it is collected).
_installed: "dict[int, int]" = {}


def install(handle: int) -> None:
    """Connects a new client's request log to ``logging.getLogger("bkcc")``."""
    level = _wanted()
    _installed[handle] = level
    lib.bkcc_client_set_log(handle, level, _LOG, handle)


def forget(handle: int) -> None:
    """The client is gone. (Should a new client have the same address already, its next INFO record installs
    its level again: nothing is lost.)"""
    _installed.pop(handle, None)
