"""Status codes and exceptions of bkcc.

Every failure that libbkcc reports carries a status (``bkcc_status`` in ``bkcc.h``). ``bkcc.Error`` is
the root of the exceptions; each status has one subclass, and the subclasses also inherit the builtin
exception that matches them, so ``except ValueError`` / ``except OSError`` / ``except MemoryError``
catch what a Python programmer expects:

=======================  ===================  ===============================================
status                   class                also a
=======================  ===================  ===============================================
``BKCC_EINVAL``          InvalidArgumentError ``ValueError`` (bad argument or configuration)
``BKCC_EVALIDATION``     ValidationError      ``ValueError`` (details failed client checks)
``BKCC_ETRANSPORT``      TransportError       ``OSError`` (connect, DNS, TLS, timeout, reset)
``BKCC_EHTTP``           HTTPError            —  (HTTP error status without a CMDB envelope)
``BKCC_EPROTOCOL``       ProtocolError        —  (answer is not a well-formed CMDB envelope)
``BKCC_EAPI``            APIError             —  (``result: false``; ``.permission`` when sent)
``BKCC_EPARTIAL``        PartialError         —  (some items were not created)
``BKCC_ECANCELLED``      CancelledError       —  (the progress callback asked to stop)
``BKCC_ENOMEM``          NoMemoryError        ``MemoryError``
=======================  ===================  ===============================================

A status outside this table (a newer library) gives a plain ``bkcc.Error``.

The words for a status come from the library: ``status_name(s)`` (``bkcc_status_name``: ``"BKCC_EAPI"``) and
``status_text(s)`` (``bkcc_status_text``: one sentence, ``"The CMDB, the ESB or the API gateway answered
result:false."``), also as ``Status.EAPI.text``; both answer for unknown values too.
"""

from __future__ import annotations

import enum
from typing import Any, Dict, Optional, Type, Union

from ._ffi import lib

__all__ = [
    "status_name",
    "status_text",
    "Status",
    "Error",
    "InvalidArgumentError",
    "ValidationError",
    "TransportError",
    "HTTPError",
    "ProtocolError",
    "APIError",
    "PartialError",
    "CancelledError",
    "NoMemoryError",
    "error_class",
]


class Status(enum.IntEnum):
    """``bkcc_status`` from ``bkcc.h``. Values are fixed by the C ABI; ``str(Status.EAPI)`` is the C name."""

    OK = 0
    EINVAL = 1
    EVALIDATION = 2
    ETRANSPORT = 3
    EHTTP = 4
    EPROTOCOL = 5
    EAPI = 6
    EPARTIAL = 7
    ECANCELLED = 8
    ENOMEM = 9

    def __str__(self) -> str:
        return "BKCC_" + self.name

    @property
    def text(self) -> str:
        """What the status means, in one sentence (``bkcc_status_text``)."""
        return status_text(self)


def _c_status(status: Union[int, Status]) -> int:
    """A status as the C ``int`` the library takes; a value no C int holds is no status either (-1: the
    enum starts at 0 and only grows), so the library answers for it as for any unknown value."""
    value = int(status)
    return value if -2**31 <= value < 2**31 else -1


def status_name(status: Union[int, Status]) -> str:
    """The C name of a status (``"BKCC_EAPI"``), or ``"BKCC_UNKNOWN"`` (``bkcc_status_name``)."""
    name: bytes = lib.bkcc_status_name(_c_status(status))
    return name.decode("utf-8")


def status_text(status: Union[int, Status]) -> str:
    """What a status means, in one sentence (``bkcc_status_text``, like ``curl_easy_strerror``); the library
    has a sentence for an unknown value too."""
    text: bytes = lib.bkcc_status_text(_c_status(status))
    return text.decode("utf-8")


def as_status(value: int) -> Union[Status, int]:
    """``Status(value)``, or the plain int for a status this package does not know (a newer library)."""
    try:
        return Status(value)
    except ValueError:
        return int(value)


class Error(Exception):
    """Root of bkcc's exceptions: a failure reported by libbkcc (a ``bkcc_error``).

    Attributes:
        status: the ``bkcc.Status`` (an int; ``bkcc_status`` in C).
        status_name: its C name, e.g. ``"BKCC_EAPI"``.
        status_text: what the status means, in one sentence (``bkcc.status_text``).
        message: the library's message (never holds a secret); ``str(error)`` shows ``status_text`` in
            its place when it is empty.
        api_code: the CMDB / ESB / gateway code, 0 if none.
        http_status: the HTTP status, 0 if no HTTP answer.
        request_id: the server's request id of the failing call, ``""`` if none.
        permission: the server's IAM ``permission`` object (an ``APIError`` of a permission failure),
            else None.
        result: the ``bkcc.Result`` of the call that failed (``Result.raise_for_status``, ``Result.error``),
            else None (nothing was attempted).
    """

    status: Union[Status, int]
    message: str
    api_code: int
    http_status: int
    request_id: str
    permission: Optional[Dict[str, Any]]
    result: Optional[Any]  # a bkcc.Result (client.py imports this module, not the other way round)

    def __init__(self, status: int, message: str, api_code: int = 0, http_status: int = 0,
                 request_id: str = "", *, permission: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = as_status(status)
        self.message = message
        self.api_code = api_code
        self.http_status = http_status
        self.request_id = request_id
        self.result = None
        self.permission = permission

    @property
    def status_name(self) -> str:
        return status_name(self.status)

    @property
    def status_text(self) -> str:
        return status_text(self.status)

    def __str__(self) -> str:
        extra = [self.status_name]
        if self.api_code:
            extra.append("code %d" % self.api_code)
        if self.http_status:
            extra.append("HTTP %d" % self.http_status)
        if self.request_id:
            extra.append("request_id %s" % self.request_id)
        return "%s (%s)" % (self.message or self.status_text, ", ".join(extra))

    def __repr__(self) -> str:
        return "%s(%s, %r, api_code=%d, http_status=%d, request_id=%r)" % (
            type(self).__name__, self.status_name, self.message, self.api_code, self.http_status,
            self.request_id)

    def __reduce__(self) -> Any:
        return (type(self), (int(self.status), self.message, self.api_code, self.http_status,
                             self.request_id), {"permission": self.permission})


class InvalidArgumentError(Error, ValueError):
    """``BKCC_EINVAL``: a bad argument or configuration (also raised for a closed client)."""


class ValidationError(Error, ValueError):
    """``BKCC_EVALIDATION``: details failed client-side checks; nothing was sent."""


class TransportError(Error, OSError):
    """``BKCC_ETRANSPORT``: no HTTP answer (connect, DNS, TLS, timeout, reset)."""


class HTTPError(Error):
    """``BKCC_EHTTP``: an HTTP error status with no CMDB envelope (e.g. a proxy's 502 page)."""


class ProtocolError(Error):
    """``BKCC_EPROTOCOL``: the answer is not a well-formed CMDB envelope."""


class APIError(Error):
    """``BKCC_EAPI``: the CMDB, ESB or gateway answered ``result: false``.

    ``api_code`` holds its code; ``permission`` the IAM permission object when the server sent one.
    """


class PartialError(Error):
    """``BKCC_EPARTIAL``: a batch call finished but not every item was created."""


class CancelledError(Error):
    """``BKCC_ECANCELLED``: the progress callback asked to stop (or raised)."""


class NoMemoryError(Error, MemoryError):
    """``BKCC_ENOMEM``: out of memory."""


# The one table from status to class.
_CLASSES: Dict[int, Type[Error]] = {
    Status.EINVAL: InvalidArgumentError,
    Status.EVALIDATION: ValidationError,
    Status.ETRANSPORT: TransportError,
    Status.EHTTP: HTTPError,
    Status.EPROTOCOL: ProtocolError,
    Status.EAPI: APIError,
    Status.EPARTIAL: PartialError,
    Status.ECANCELLED: CancelledError,
    Status.ENOMEM: NoMemoryError,
}


def error_class(status: int) -> Type[Error]:
    """The exception class for a status (``bkcc.Error`` for one outside the table)."""
    return _CLASSES.get(status, Error)
