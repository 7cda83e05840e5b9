"""The client, the result of a batch call, and the sans-IO functions, over libbkcc's C ABI."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import json
import os
import signal
import threading
import weakref
from collections import abc
from collections.abc import Mapping
from typing import Any, Callable, Dict, Iterable, Iterator, List, Literal, Optional, Sequence, Tuple, Union, cast

from . import _ffi, _log
from ._ffi import BkccError, lib, take_text
from .errors import Error, InvalidArgumentError, NoMemoryError, Status, as_status, error_class

__all__ = ["Client", "Result", "validate", "validate_model", "Problems", "Plan", "parse_response", "ProgressCallback", "Details", "Updates",
           "InstanceIds"]

#: What ``details`` may be: a sequence (or any iterable) of JSON-serializable mappings.
Details = Union[Sequence[Mapping[str, Any]], Iterable[Mapping[str, Any]]]
#: What ``updates`` may be: mappings like ``{"bk_inst_id": 1001, "bk_sn": "…"}``, in a sequence or any iterable.
Updates = Details
#: What ``ids`` may be: ``bk_inst_id`` values, in a sequence or any iterable.
InstanceIds = Union[Sequence[int], Iterable[int]]
#: ``progress(event) -> bool | None``: return False to cancel.
ProgressCallback = Callable[[Dict[str, Any]], Optional[bool]]


# ---- argument conversion ------------------------------------------------------------------------------------

def _error(err: BkccError, permission: Optional[Dict[str, Any]] = None) -> Error:
    """The exception that a filled ``bkcc_error`` describes."""
    status = err.status
    return error_class(status)(status, err.message.decode("utf-8", "replace"), err.api_code, err.http_status,
                               err.request_id.decode("utf-8", "replace"), permission=permission)


def _invalid(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(Status.EINVAL, message)


def _cstring(value: object, what: str) -> bytes:
    """A ``const char *`` argument: UTF-8, no NUL inside (ctypes would cut the string there silently)."""
    if not isinstance(value, str):
        raise _invalid("%s: must be a str, got %s" % (what, type(value).__name__))
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise _invalid("%s: not valid UTF-8 (%s)" % (what, error)) from error
    if b"\0" in data:
        raise _invalid("%s: must not contain NUL" % what)
    return data


# jansson holds an integer in a json_int_t (long long): what lies outside is refused before the library is
# called. Only a run of 19 digits can be such an integer (2**63 has 19), so only such text is walked. The run is
# found by mapping every digit to "0" and everything else to " " (bytes.translate, C speed) and searching for 19
# zeros: the regex [0-9]{19} cost ~170 instructions a byte of the text (callgrind: 19% of a 5,000-row import).
_INT_RANGE = range(-2**63, 2**63)
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_NINETEEN_DIGITS = b"0" * 19


def _check_integers(value: Any, what: str) -> None:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and item not in _INT_RANGE:
            raise _invalid("%s: the integer %d does not fit jansson's json_int_t (64 bits)" % (what, item))


def _dumps(value: Any, what: str) -> bytes:
    """JSON text (UTF-8) of a Python value, as the library reads it; bad values are InvalidArgumentError."""
    try:
        # ASCII with \u escapes (which the library reads back to UTF-8): Python's ASCII encoder is ~35% faster
        # than ensure_ascii=False followed by encode("utf-8"). A lone surrogate, which UTF-8 cannot carry, would
        # pass as an escape: where one may be ("\ud"), the text is made the careful way, which refuses it.
        ascii_text = json.dumps(value, separators=(",", ":"), allow_nan=False)
        if "\\ud" in ascii_text:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        else:
            text = ascii_text.encode("ascii")
    except (TypeError, ValueError, RecursionError) as error:  # UnicodeEncodeError is a ValueError
        raise _invalid("%s: cannot be sent as JSON: %s" % (what, error)) from error
    if _NINETEEN_DIGITS in text.translate(_DIGITS_AS_ZEROS):
        _check_integers(value, what)
    return text


def _details(details: Any) -> Any:
    """Lists and tuples as they are; other iterables (generators…) as a list; anything else is left for the
    library to reject with a message that names it."""
    if isinstance(details, (list, tuple, str, bytes, bytearray, Mapping)):
        return details
    try:
        return list(details)
    except TypeError:
        return details


def _loads(text: Optional[bytes]) -> Any:
    return None if text is None else json.loads(text)


def _event(pointer: int) -> Dict[str, Any]:
    """A progress event (a BORROWED ``const json_t *``) as a dict."""
    text = _ffi.event_text(pointer)
    if text is None:
        raise NoMemoryError(Status.ENOMEM, "jansson could not write a progress event")
    event: Dict[str, Any] = json.loads(text)
    return event


def _index_map(data: Mapping[str, Any], key: str) -> Dict[int, Any]:
    found = data.get(key)
    if not found:
        return {}
    return {int(index): value for index, value in found.items()}


# ---- progress: one trampoline for every client, dispatching to the call running on this thread ----------

class _Call:
    """The Python side of one running batch call: its progress callback and what it raised."""

    __slots__ = ("progress", "exception")

    def __init__(self, progress: Optional[ProgressCallback]) -> None:
        self.progress = progress
        self.exception: Optional[BaseException] = None


_local = threading.local()


def _calls() -> List[_Call]:
    stack = getattr(_local, "calls", None)
    if stack is None:
        stack = _local.calls = []
    return stack


def _on_progress(event: int, user: int) -> int:
    # bkcc.h: callbacks run on the thread that called the batch function, so the call running on this
    # thread is the top of this thread's stack. Nothing may escape to C: every exception (KeyboardInterrupt
    # included) is kept for the caller, and the import is cancelled.
    call = None
    try:
        stack = getattr(_local, "calls", None)
        if not stack:
            return 0
        call = stack[-1]
        if call.exception is not None:
            return 1
        if call.progress is None:
            return 0
        return 1 if call.progress(_event(event)) is False else 0
    except BaseException as error:  # noqa: B036 — a C caller must never see a Python exception
        if call is not None and call.exception is None:
            call.exception = error
        return 1


class _InterruptGuard:
    """Ctrl-C during a batch call on the main thread: cancel the import, then raise KeyboardInterrupt.

    Python runs signal handlers only between bytecodes of the main thread, here inside the progress
    trampoline, where a KeyboardInterrupt raised at the trampoline's first instruction would escape to
    ctypes, be printed as "ignored" and be lost. So while the call runs, a handler that only records the
    interrupt replaces Python's default one (never a handler the program installed itself); the trampoline
    then cancels, and the caller raises the KeyboardInterrupt once the library has returned.
    """

    __slots__ = ("call", "installed")

    def __init__(self, call: _Call) -> None:
        self.call = call
        self.installed = False

    def _record(self, signum: int, frame: object) -> None:
        if self.call.exception is None:
            self.call.exception = KeyboardInterrupt()

    def __enter__(self) -> "_InterruptGuard":
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._record)
            self.installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)


# Installed once per client for its whole life (bkcc.h: set_progress is "not while a call runs", and a
# shared client always may have a call running). Module-level, so it outlives every client.
_PROGRESS = _ffi.PROGRESS_FN(_on_progress)


# ---- search: the C search runs on a worker thread, handing each page over and waiting -------------------

#: Every wait of a search is at most this long (s) before it looks again at whether the other side is gone.
_POLL_SECONDS = 0.25
#: How long (s) closing a search waits for its worker. A worker that is still running then is inside a request
#: (a page the library is reading or retrying): it notices the stop at the next page and ends by itself.
_JOIN_SECONDS = 10.0
#: Searches whose worker may be running, stopped at interpreter exit (their threads are daemons).
_live_searches: "weakref.WeakSet[_Search]" = weakref.WeakSet()


class _Search:
    """One ``search_inst``: the hand-off between the worker thread that runs ``bkcc_search_inst_json`` (its
    page callback produces) and the iterator (consumes). The hand-off is a queue of one slot: the callback puts
    a page there and then waits until the consumer has taken it *and* asks for the next one, so the library
    reads no page ahead and at most about one page is held. ``stop()`` (the iterator closed or collected) makes
    the waiting callback, or the next one, return non-zero. Every wait is bounded (``_POLL_SECONDS``) and
    looks again at the other side, so neither side waits for one that is gone."""

    __slots__ = ("cond", "page", "has_page", "wanted", "stopped", "done", "status", "error", "exception",
                 "thread", "__weakref__")

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.page: Optional[List[Dict[str, Any]]] = None
        self.has_page = False                 # the slot holds a page the consumer has not taken yet
        self.wanted = False                   # the consumer asks for the next page
        self.stopped = False                  # the consumer is gone: no more pages
        self.done = False                     # the library returned
        self.status: int = Status.OK
        self.error: Optional[Error] = None    # the library's error (status not OK)
        self.exception: Optional[BaseException] = None   # raised in the page callback
        self.thread: Optional[threading.Thread] = None

    # -- worker side (the page callback, on the worker thread) --

    def deliver(self, text: Optional[int]) -> int:
        """The page callback: 0 to go on, 1 to stop. Never lets an exception reach C."""
        try:
            if self.stopped:
                return 1
            if not text:
                raise NoMemoryError(Status.ENOMEM, "the search passed no page text")
            page = json.loads(ctypes.string_at(text))
            if not isinstance(page, list):  # pragma: no cover - the library passes an array
                raise _invalid("the search passed a page that is not an array")
            if not page:
                return 0  # the empty page after a full last one: nothing to hand over
            with self.cond:
                self.page, self.has_page = page, True
                del page
                self.cond.notify_all()
                while not self.stopped and (self.has_page or not self.wanted):
                    self.cond.wait(_POLL_SECONDS)
                return 1 if self.stopped else 0
        except BaseException as error:  # noqa: B036 — a C caller must never see a Python exception
            if self.exception is None:
                self.exception = error
            self.stopped = True
            return 1

    def finish(self, status: int, error: Optional[Error]) -> None:
        with self.cond:
            self.status, self.error, self.done = status, error, True
            self.page, self.has_page = None, False
            self.cond.notify_all()

    # -- consumer side --

    def take(self) -> Optional[List[Dict[str, Any]]]:
        """The next page, None when the library has returned (then see ``status``)."""
        with self.cond:
            self.wanted = True
            self.cond.notify_all()
            while not self.has_page and not self.done:
                thread = self.thread
                if thread is None or not thread.is_alive():
                    if not self.done and self.exception is None:  # pragma: no cover - finish() always runs
                        self.exception = RuntimeError("bkcc: the search thread ended without a status")
                    return None
                self.cond.wait(_POLL_SECONDS)
            if not self.has_page:
                return None
            page, self.page, self.has_page, self.wanted = self.page, None, False, False
            self.cond.notify_all()
            return page

    def stop(self) -> None:
        """No more pages are wanted: the callback waiting (or the next one) returns non-zero. Then waits (at most
        ``_JOIN_SECONDS``) for the worker to end — unless this runs on the worker itself (a collection there)."""
        with self.cond:
            self.stopped = True
            self.page, self.has_page = None, False
            self.cond.notify_all()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(_JOIN_SECONDS)


def _search_worker(client: "Client", handle: int, obj: bytes, query: bytes, search: _Search) -> None:
    """The worker thread: runs the C search (the GIL is released while the library works; the page callback
    takes it again), then says how it ended. Leaves the client (``_enter`` was done by the consumer)."""
    err = BkccError()
    status: int = Status.ENOMEM
    callback = _ffi.PAGE_JSON_FN(lambda text, user: search.deliver(text))  # alive until the call returns
    stack = _calls()
    stack.append(_Call(None))  # progress events, should the library send any, reach no other call
    try:
        status = lib.bkcc_search_inst_json(handle, obj, query, callback, None, ctypes.byref(err))
    except BaseException as error:  # noqa: B036 — pragma: no cover, ctypes does not raise here
        if search.exception is None:
            search.exception = error
    finally:
        stack.pop()
        client._leave()
        search.finish(status, _error(err) if status != Status.OK else None)


@atexit.register
def _stop_searches() -> None:
    for search in list(_live_searches):
        with search.cond:
            search.stopped = True
            search.cond.notify_all()


# ---- Result ---------------------------------------------------------------------------------------------

class Result:
    """What became of every item of a batch call (create, update, delete) or of a reconcile.

    Each index of the items given (``details``, ``updates`` or ``ids``) appears in exactly one of the maps:

    - ``created``: ``{index: bk_inst_id}`` — created (``batch_create_inst``, ``reconcile``; else empty);
    - ``updated``: ``{index: bk_inst_id}`` — updated (``batch_update_inst``; else empty);
    - ``deleted``: ``{index: bk_inst_id}`` — deleted (``batch_delete_inst``; else empty);
    - ``failed``: ``{index: message}`` — not done (the server's or the validator's message);
    - ``unknown``: ``{index: message}`` — sent, but no answer tells its fate (see ``Client.reconcile`` after a
      create, ``Client.search_inst`` after a delete);
    - ``skipped``: ``{index: message}`` — never sent (cancelled, or stopped after a fatal error);
    - ``not_created``: ``{index: message}`` — after a reconcile: looked up, not on the server, safe to send
      again (empty for a batch call).

    ``requests`` is the list of requests sent (``first``, ``count``, ``request_id``, ``http_status``, ``code``,
    ``message``, ``elapsed_ms``, ``attempts``, ``status``, and ``permission`` when the server sent one);
    ``summary`` the counts (``total``, ``created`` | ``updated`` | ``deleted``, ``failed``, ``unknown``,
    ``skipped``[, ``not_created``]). ``status`` is the call's ``bkcc.Status``: ``OK`` when every item was
    done, ``EPARTIAL`` when some were, else the most telling failure; ``error`` is the exception that status
    stands for (None for OK), and ``raise_for_status()`` raises it. ``data`` is the library's result object
    as it came.
    """

    __slots__ = ("data", "created", "updated", "deleted", "failed", "unknown", "skipped", "not_created",
                 "requests", "summary", "status", "error")

    def __init__(self, data: Dict[str, Any], status: int = Status.OK, error: Optional[Error] = None) -> None:
        self.data = data
        self.created: Dict[int, int] = _index_map(data, "success_created")
        self.updated: Dict[int, int] = _index_map(data, "updated")
        self.deleted: Dict[int, int] = _index_map(data, "deleted")
        self.failed: Dict[int, str] = _index_map(data, "error_msg")
        self.unknown: Dict[int, str] = _index_map(data, "unknown")
        self.skipped: Dict[int, str] = _index_map(data, "skipped")
        self.not_created: Dict[int, str] = _index_map(data, "not_created")
        self.requests: List[Dict[str, Any]] = list(data.get("requests") or [])
        self.summary: Dict[str, int] = dict(data.get("summary") or {})
        self.status = as_status(status)
        self.error = error
        if error is not None:
            error.result = self  # as requests attaches the response: what was done is one attribute away

    @classmethod
    def _from_call(cls, data: Dict[str, Any], err: BkccError) -> "Result":
        error = None
        if err.status != Status.OK:
            error = _error(err, cls._permission(data, err))
        return cls(data, err.status, error)

    @staticmethod
    def _permission(data: Dict[str, Any], err: BkccError) -> Optional[Dict[str, Any]]:
        if err.status != Status.EAPI:
            return None
        wanted = err.request_id.decode("utf-8", "replace")
        found = [r for r in data.get("requests") or () if isinstance(r, dict) and r.get("permission")]
        for request in found:
            if wanted and request.get("request_id") == wanted:
                return cast(Dict[str, Any], request["permission"])
        return cast(Dict[str, Any], found[0]["permission"]) if found else None

    @property
    def ok(self) -> bool:
        """True when every item was done: created, updated or deleted, as the call asked."""
        return not (self.failed or self.unknown or self.skipped or self.not_created)

    def raise_for_status(self) -> "Result":
        """Raises ``error`` (the status's exception: ``PartialError``, ``TransportError``, …) when the call did not
        do every item, with this result attached as ``error.result`` (as requests attaches the response);
        returns self otherwise, so that ``client.batch_create_inst(…).raise_for_status().created`` reads on.

        >>> try:
        ...     created = client.batch_create_inst("bk_switch", details).raise_for_status().created
        ... except bkcc.Error as error:
        ...     print(error, error.result.summary)  # doctest: +SKIP
        """
        if self.error is not None:
            raise self.error
        return self

    def __repr__(self) -> str:
        status = str(self.status) if isinstance(self.status, Status) else "status %d" % self.status
        # the success map the library sent: "updated" / "deleted" for those calls, else "created"
        done = next(((key, getattr(self, key)) for key in ("updated", "deleted") if key in self.data),
                    ("created", self.created))
        return "<bkcc.Result %s %s=%d failed=%d unknown=%d skipped=%d%s>" % (
            status, done[0], len(done[1]), len(self.failed), len(self.unknown), len(self.skipped),
            " not_created=%d" % len(self.not_created) if self.not_created else "")


# ---- Client ---------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _environment() -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """``(key, (variable, …))`` for every configuration key that the library reads from the environment,
    in the schema's order: taken from ``bkcc_config_schema()`` (static JSON text), parsed on first use."""
    schema: List[Dict[str, Any]] = json.loads(lib.bkcc_config_schema())
    return tuple((entry["key"], tuple(entry.get("environment") or ())) for entry in schema
                 if entry.get("environment"))


class Client:
    """A connection to one CMDB (through the ESB or the API gateway): ``bkcc_client`` in C.

    The keyword arguments are the configuration keys of ``bkcc.h`` (``url`` required, ``app_code``,
    ``app_secret``, ``username`` | ``token`` | ``access_token``, ``concurrency``, …), one typed keyword
    argument each: ``__init__`` is generated from the library's table (``bkcc_config_schema()``), so an editor
    completes them and ``help(bkcc.Client)`` lists each with its default. A None value leaves the key out.
    Wrong types and missing keys raise ``InvalidArgumentError`` naming the key.

    Each HTTP request is logged to ``logging.getLogger("bkcc")``: one INFO record per request (method, path,
    status, request id, items, elapsed ms), and a DEBUG record with the request's and the answer's headers
    and body, every secret as ``***`` (see ``bkcc._log``).

    A client is a context manager: leaving the ``with`` block calls ``close()``. It may be shared by
    threads: the GIL is released while the library works, so their imports run in parallel. ``close()``
    while other threads are in a call marks the client closed at once and frees it when the last call
    returns; any call on a closed client raises ``InvalidArgumentError`` without touching the library.
    """

    # BEGIN configuration keys: generated from bkcc_config_schema() by scripts/gen_client_signature.py
    def __init__(
        self,
        *,
        url: Optional[str] = None,
        api: Optional[Literal["esb", "apigw"]] = None,
        stage: Optional[str] = None,
        app_code: Optional[str] = None,
        app_secret: Optional[str] = None,
        username: Optional[str] = None,
        token: Optional[str] = None,
        access_token: Optional[str] = None,
        auth: Optional[Literal["body", "header"]] = None,
        language: Optional[Literal["en", "zh-cn"]] = None,
        timeout_ms: Optional[int] = None,
        connect_timeout_ms: Optional[int] = None,
        verify_tls: Optional[bool] = None,
        ca_file: Optional[str] = None,
        proxy: Optional[str] = None,
        concurrency: Optional[int] = None,
        max_requests_per_second: Optional[float] = None,
        retries: Optional[int] = None,
        user_agent: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        **extra: Any,
    ) -> None:
        """A client configured by the library's configuration keys (``bkcc_config_schema()``). A None
        value leaves the key out (the library's default applies); a wrong type or value raises
        ``InvalidArgumentError`` naming the key.

        Args:
            url: The ESB or API gateway base URL. Required. Client.from_env reads BK_COMPONENT_API_URL.
            api: Which route: esb or apigw. Default: "esb". Client.from_env reads BKCC_API.
            stage: The API gateway stage. Default: "prod".
            app_code: The app code. Required. Client.from_env reads BK_APP_CODE, BKPAAS_APP_ID,
                APP_CODE.
            app_secret: The app secret. Required. A secret: never shown by the library. Client.from_env
                reads BK_APP_SECRET, BKPAAS_APP_SECRET.
            username: The user to act as. Client.from_env reads BK_USERNAME.
            token: A bk_token instead of a user name. A secret: never shown by the library.
                Client.from_env reads BK_TOKEN.
            access_token: An OAuth access token (API gateway only). A secret: never shown by the
                library.
            auth: Where ESB credentials go: body or header (the API gateway always takes the header).
                Default: "body".
            language: Language of the server's messages: en or zh-cn.
            timeout_ms: Milliseconds to wait for each answer. Default: 60000. 1 to 86400000.
            connect_timeout_ms: Milliseconds to wait for a connection. Default: 10000. 1 to 86400000.
            verify_tls: Verify the server's TLS certificate. Default: true.
            ca_file: CA certificates to verify the server with (PEM).
            proxy: An HTTP proxy URL.
            concurrency: Requests in flight at once. Default: 4. 1 to 64.
            max_requests_per_second: At most this many requests per second (0: no limit). Default: 0. At
                least 0.
            retries: Retries of requests the server provably did not act on. Default: 3. 0 to 10.
            user_agent: The User-Agent header. Default: "bkcc/0.1.0".
            headers: Extra headers sent with every request, an object of strings.
            extra: any other key, passed on as it is (one a newer library knows); an unknown key raises
                ``InvalidArgumentError`` naming it.
        """
        config: Dict[str, Any] = {"url": url, "api": api, "stage": stage, "app_code": app_code,
                                  "app_secret": app_secret, "username": username, "token": token,
                                  "access_token": access_token, "auth": auth, "language": language,
                                  "timeout_ms": timeout_ms, "connect_timeout_ms": connect_timeout_ms,
                                  "verify_tls": verify_tls, "ca_file": ca_file, "proxy": proxy,
                                  "concurrency": concurrency, "max_requests_per_second": max_requests_per_second,
                                  "retries": retries, "user_agent": user_agent, "headers": headers}
        config.update(extra)
        self._open(config)
    # END configuration keys

    def _open(self, config: Dict[str, Any]) -> None:
        self._handle: Optional[int] = None
        self._lock = threading.Lock()
        self._active = 0
        self._closed = False
        settings = {key: value for key, value in config.items() if value is not None}
        self._url = settings.get("url")
        self._api = settings.get("api", "esb")
        err = BkccError()
        handle = lib.bkcc_client_new_json(_dumps(settings, "config"), ctypes.byref(err))
        if not handle:
            raise _error(err)
        lib.bkcc_client_set_progress(handle, _PROGRESS, None)
        _log.install(handle)
        weakref.finalize(self, _log.forget, handle)  # its entry in the log's level table goes with it
        self._handle = handle

    @classmethod
    def from_env(cls, *, environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> "Client":
        """A client configured from the environment (``environ``, default ``os.environ``):

        ====================  ==================================================
        key                   variables, first non-empty wins
        ====================  ==================================================
        ``url``               ``BK_COMPONENT_API_URL`` (the ESB base URL)
        ``api``               ``BKCC_API``
        ``app_code``          ``BK_APP_CODE``, ``BKPAAS_APP_ID``, ``APP_CODE``
        ``app_secret``        ``BK_APP_SECRET``, ``BKPAAS_APP_SECRET``
        ``username``          ``BK_USERNAME``
        ``token``             ``BK_TOKEN``
        ====================  ==================================================

        The table is the library's: each key's ``"environment"`` in ``bkcc_config_schema()``.
        Keyword arguments override the environment (any configuration key; None removes a key).
        """
        env = os.environ if environ is None else environ
        config: Dict[str, Any] = {}
        for key, names in _environment():
            for name in names:
                value = env.get(name)
                if value:
                    config[key] = value
                    break
        config.update(overrides)
        return cls(**config)

    # -- lifetime ------------------------------------------------------------------------------------------

    def _enter(self) -> int:
        with self._lock:
            if self._closed or self._handle is None:
                raise _invalid("bkcc.Client: the client is closed")
            self._active += 1
            return self._handle

    def _leave(self) -> None:
        handle = None
        with self._lock:
            self._active -= 1
            if self._closed and self._active == 0:
                handle, self._handle = self._handle, None
        if handle:
            lib.bkcc_client_free(handle)

    @contextlib.contextmanager
    def _running(self, call: _Call) -> Iterator[int]:
        """The handle, held for one batch-runner call (batch, reconcile) whose progress events reach
        ``call`` (and no outer call's callback)."""
        handle = self._enter()
        stack = _calls()
        stack.append(call)
        try:
            yield handle
        finally:
            stack.pop()
            self._leave()

    def close(self) -> None:
        """Frees the client (at once, or when the last call still running on another thread returns).
        Closing twice is fine."""
        handle = None
        with self._lock:
            self._closed = True
            if self._active == 0:
                handle, self._handle = self._handle, None
        if handle:
            lib.bkcc_client_free(handle)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Client":
        if self._closed:
            raise _invalid("bkcc.Client: the client is closed")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle and lib is not None:
            self._handle = None
            lib.bkcc_client_free(handle)

    def __repr__(self) -> str:
        return "<bkcc.Client url=%r api=%r%s>" % (self._url, self._api, " closed" if self._closed else "")

    # -- batch calls ---------------------------------------------------------------------------------------

    def batch_create_inst(self, obj_id: str, details: Details, *, on_invalid: str = "abort",
                          progress: Optional[ProgressCallback] = None,
                          model: Optional[Mapping[str, Any]] = None) -> Result:
        """Creates every instance of ``details`` as an instance of model ``obj_id``
        (``bkcc_batch_create_inst_json``): requests of at most 200, ``concurrency`` at once, retried only
        when the server provably did nothing, merged back to the indices of ``details``.

        Args:
            obj_id: the model, e.g. ``"bk_switch"``.
            details: a list (or any iterable) of mappings; JSON-serializable.
            on_invalid: ``"abort"`` (default): if a detail fails client-side validation nothing is sent and
                ``ValidationError`` is raised. ``"skip"``: the valid ones are sent; the invalid ones are in
                ``Result.failed``.
            progress: called on this thread after each finished request with an event dict (``type``,
                ``first``, ``count``, ``done``, ``total``, ``created``, ``failed``, ``unknown``,
                ``skipped``, ``request_id``, ``status``). Returning False cancels: requests in flight
                finish, the rest are skipped. An exception raised by it also cancels, and is re-raised
                here once the library has returned, with the partial ``Result`` attached to it as
                ``bkcc_result`` (so the caller still learns what was created). Ctrl-C (SIGINT with Python's
                default handler, main thread) does the same: the import stops after the requests in
                flight and ``KeyboardInterrupt`` is raised, carrying ``bkcc_result``.
            model: the model from ``get_model`` (or that JSON, stored): the details are checked against it
                (``validate_model``'s rules) instead of the offline rules, before anything is sent.

        Returns:
            a ``Result`` whenever the library attempted the import — also when nothing could be created
            (unreachable server, authentication failure, cancelled): see ``Result.status`` /
            ``Result.error`` / ``Result.raise_for_status()``.

        Raises:
            InvalidArgumentError: bad arguments or options; the client is closed.
            ValidationError: a detail is invalid and ``on_invalid="abort"``; nothing was sent. (With
                ``on_invalid="skip"`` and every detail invalid, a ``Result`` with status ``EVALIDATION``
                is returned instead.)
            NoMemoryError: out of memory. (These are the cases where the library returns NULL.)
        """
        return self._batch(lib.bkcc_batch_create_inst_json, obj_id, details, "details", on_invalid, progress,
                           {"model": model} if model is not None else None)

    def batch_update_inst(self, obj_id: str, updates: Updates, *, on_invalid: str = "abort",
                          progress: Optional[ProgressCallback] = None) -> Result:
        """Updates instances of model ``obj_id`` by id (``bkcc_batch_update_inst_json``): each element of
        ``updates`` is ``{"bk_inst_id": id, attribute: value, …}`` (a positive integer id, at least one
        attribute, no id twice). Requests of at most 200, each one transaction on the server: an accepted
        request updated every item of it, a refused one none. Setting the same values twice changes
        nothing, so a request that got no answer is sent again (up to the client's ``retries``); an answer
        after which the server may have acted and no retry settles makes its items ``unknown``. Attributes
        the model does not let you edit are dropped by the server silently.

        Args:
            obj_id: the model, e.g. ``"bk_switch"``.
            updates: a list (or any iterable) of mappings with ``bk_inst_id``; JSON-serializable.
            on_invalid: ``"abort"`` (default): if an update fails client-side validation nothing is sent and
                ``ValidationError`` is raised. ``"skip"``: the valid ones are sent; the invalid ones are in
                ``Result.failed``.
            progress: as for ``batch_create_inst`` (the same event, after each finished request; False or
                an exception cancels what is not sent yet; Ctrl-C likewise).

        Returns:
            a ``Result`` whose ``updated`` maps each updated index to its ``bk_inst_id``; ``ok`` when every
            item was updated; ``summary["updated"]`` counts them. Returned whenever the library attempted
            the call, as for ``batch_create_inst``.

        Raises:
            InvalidArgumentError, ValidationError, NoMemoryError: as ``batch_create_inst`` (nothing was
            attempted); an exception raised by ``progress`` (or KeyboardInterrupt), with ``bkcc_result``.
        """
        return self._batch(lib.bkcc_batch_update_inst_json, obj_id, updates, "updates", on_invalid, progress)

    def batch_delete_inst(self, obj_id: str, ids: InstanceIds, *, on_invalid: str = "abort",
                          progress: Optional[ProgressCallback] = None) -> Result:
        """Deletes instances of model ``obj_id`` by id (``bkcc_batch_delete_inst_json``): ``ids`` a list (or
        any iterable, e.g. ``result.created.values()``) of positive integers, none twice. Requests of at most
        200, each one transaction. The server skips ids that name no instance and answers success, so
        ``deleted`` means "no longer exists", and a request that got no answer is sent again (up to
        ``retries``): the second delete ends as the first would have.

        Args:
            obj_id: the model.
            ids: the ``bk_inst_id`` of each instance to delete.
            on_invalid: ``"abort"`` (default) or ``"skip"``, as for ``batch_update_inst``.
            progress: as for ``batch_create_inst``.

        Returns:
            a ``Result`` whose ``deleted`` maps each deleted index (into ``ids``) to its ``bk_inst_id``;
            ``ok`` when every one was deleted; ``summary["deleted"]`` counts them.

        Raises:
            as ``batch_update_inst``.
        """
        return self._batch(lib.bkcc_batch_delete_inst_json, obj_id, ids, "inst_ids", on_invalid, progress)

    def _batch(self, function: Any, obj_id: str, items: Any, what: str, on_invalid: str,
               progress: Optional[ProgressCallback], more_options: Optional[Dict[str, Any]] = None) -> Result:
        """One batch call through ``function``, a ``bkcc_batch_*_inst_json``: the arguments as JSON text, the
        GIL released during the call, the client held (``_running``), progress events to ``progress``, Ctrl-C
        turned into a cancel; returns the ``Result``, or raises what the library or the callback raised."""
        obj = _cstring(obj_id, "bk_obj_id")
        text = _dumps(_details(items), what)
        options = _dumps(dict({"on_invalid": on_invalid}, **(more_options or {})), "options")
        err = BkccError()
        call = _Call(progress)
        with self._running(call) as handle, _InterruptGuard(call):
            pointer = function(handle, obj, text, options, ctypes.byref(err))
        data = _loads(take_text(pointer))
        result = Result._from_call(data, err) if data is not None else None
        if call.exception is not None:
            exception = call.exception
            if result is not None:
                try:
                    exception.bkcc_result = result  # type: ignore[attr-defined]
                except AttributeError:  # pragma: no cover - an exception type without __dict__
                    pass
            raise exception
        if result is None:
            raise _error(err)
        return result

    def reconcile(self, obj_id: str, details: Details, result: Union[Result, Mapping[str, Any]],
                  unique_field: str = "bk_asset_id") -> Result:
        """Looks up the ``unknown`` items of an earlier ``result`` on the server by ``unique_field``
        (``bkcc_reconcile_json``) and returns a new ``Result`` in which each has moved to ``created`` (it
        exists, with its ``bk_inst_id``) or to ``not_created`` (safe to send again). ``details`` must be the
        list the result was made from. An unknown item without a unique value stays unknown.

        When the lookup itself fails the items stay unknown and ``Result.status`` / ``Result.error`` tell
        why. Raises ``InvalidArgumentError`` for bad arguments (and on a closed client).
        """
        obj = _cstring(obj_id, "bk_obj_id")
        data = result.data if isinstance(result, Result) else result
        details_text = _dumps(_details(details), "details")
        result_text = _dumps(data, "result")
        options_text = _dumps({"unique_field": unique_field}, "options")
        err = BkccError()
        with self._running(_Call(None)) as handle:
            pointer = lib.bkcc_reconcile_json(handle, obj, details_text, result_text, options_text,
                                              ctypes.byref(err))
        reconciled = _loads(take_text(pointer))
        if reconciled is None:
            raise _error(err)
        return Result._from_call(reconciled, err)

    # -- the model -----------------------------------------------------------------------------------------

    def get_model(self, obj_id: str) -> Dict[str, Any]:
        """Model ``obj_id`` as the server defines it (``bkcc_get_model_json``): ``{"bk_obj_id", "name",
        "attributes": [{"id", "name", "type", "required", "editable", "option", "multiple", "default", "unit",
        "placeholder", "group"}, …], "unique": [["bk_asset_id"], …]}``, attributes in the server's display
        order. Read once per client and model, then served from the client's cache. Pass it to
        ``validate_model`` or to ``batch_create_inst(model=…)``.

        Raises:
            APIError: the server knows no attribute of ``obj_id`` (no such model), or refused the read.
            TransportError, HTTPError, ProtocolError: the read failed (after the client's retries).
            InvalidArgumentError: bad arguments; the client is closed.
        """
        obj = _cstring(obj_id, "bk_obj_id")
        err = BkccError()
        with self._running(_Call(None)) as handle:
            pointer = lib.bkcc_get_model_json(handle, obj, ctypes.byref(err))
        model = _loads(take_text(pointer))
        if model is None:
            raise _error(err)
        return model

    # -- sync ----------------------------------------------------------------------------------------------

    def sync(self, obj_id: str, rows: Details, *, key: Optional[str] = None, prune: bool = False,
             model: Optional[Mapping[str, Any]] = None) -> "Plan":
        """Plans what would make model ``obj_id`` say what ``rows`` says (``bkcc_sync_plan_json``), matched by
        ``key`` (default: the model's single-field unique rule), and sends nothing. Every row is checked against the
        model first; then every instance is read through the paged search.

        Returns:
            a ``Plan``: ``.create`` (rows the server lacks), ``.update`` (rows with changed attributes: each a dict
            with ``index``, ``key``, ``bk_inst_id``, ``changes``), ``.unchanged``, ``.blocked`` (only attributes that
            cannot be edited differ), ``.ambiguous`` (several instances have the key), ``.extra`` (instances no row
            names: ``{"key", "bk_inst_id"}``); ``plan.apply()`` carries it out (deleting ``.extra`` only when
            ``prune=True``).

        Raises:
            ValidationError: a row is invalid for the model, has no key, or repeats another row's key.
            InvalidArgumentError, APIError, TransportError…: as ``get_model`` and ``search_inst``.
        """
        obj = _cstring(obj_id, "bk_obj_id")
        rows = list(rows)
        text = _dumps(rows, "rows")
        options: Dict[str, Any] = {}
        if key is not None:
            options["key"] = key
        if model is not None:
            options["model"] = model
        err = BkccError()
        with self._running(_Call(None)) as handle:
            pointer = lib.bkcc_sync_plan_json(handle, obj, text, _dumps(options, "options"), ctypes.byref(err))
        data = _loads(take_text(pointer))
        if data is None:
            raise _error(err)
        return Plan(self, obj_id, rows, data, prune)

    # -- search --------------------------------------------------------------------------------------------

    def search_inst(self, obj_id: str, *, fields: Optional[Sequence[str]] = None,
                    filter: Optional[Mapping[str, Any]] = None,  # noqa: A002 — the library's own word
                    page_size: int = 500) -> Iterator[Dict[str, Any]]:
        """Every instance of model ``obj_id`` that matches, one dict at a time, in ``bk_inst_id`` order
        (``bkcc_search_inst_json``, ``search_object_instances``), fetched a page at a time as you iterate.

        Pages are read one after another, each asking for "``bk_inst_id`` greater than the last one seen", not
        by offset: **every instance that exists for the whole search is yielded exactly once**, whatever is
        created or deleted meanwhile (also by the loop itself), **and one created during it at most once**.
        A page lost to a timeout, a 5xx or a rate limit is asked again (up to the client's ``retries``).

        Args:
            obj_id: the model, e.g. ``"bk_switch"``.
            fields: the attributes to return (``bk_inst_id`` is always returned); None: every attribute.
            filter: ``{attribute: value}``: only instances with each attribute equal to its value (strings,
                numbers, booleans).
            page_size: instances per request, 1..500.

        Returns:
            an iterator (a generator) of instance dicts. Nothing is sent before the first ``next()``. The
            library runs on a worker thread (the GIL released while it works) whose page callback hands each
            page over and waits until you ask for the next one, so at most about one page is held, and no
            page is read ahead. Stopping early — ``break`` out of a ``for`` over it, ``close()``, or dropping
            it — makes the library stop at that page and ends the thread (``close()`` waits for it, at most
            10 s: a request still in flight then ends it by itself). An iterator still referenced after a
            ``break`` keeps its thread waiting (bounded waits, no CPU) until it is closed or collected: call
            ``close()``, or use ``contextlib.closing``, to stop it at once.

        Raises:
            InvalidArgumentError: at once, for arguments of the wrong type, a ``page_size`` outside 1..500 or
                a closed client; from the iterator, for what the library refuses (an unusable ``obj_id``, a
                bad ``fields`` / ``filter``).
            from the iterator, when a page cannot be read: the status's exception (``TransportError``,
                ``HTTPError``, ``ProtocolError``, ``APIError``…, with ``request_id``); the instances yielded
                before it stand.
        """
        obj = _cstring(obj_id, "bk_obj_id")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 500:
            raise _invalid("page_size: must be an int in 1..500, got %r" % (page_size,))
        query: Dict[str, Any] = {"page_size": page_size}
        if fields is not None:
            if isinstance(fields, (str, bytes)) or not isinstance(fields, abc.Iterable):
                raise _invalid("fields: must be a list of attribute names, got %s" % type(fields).__name__)
            query["fields"] = list(fields)
        if filter is not None:
            if not isinstance(filter, Mapping):
                raise _invalid("filter: must be a mapping of attribute: value, got %s" % type(filter).__name__)
            query["filter"] = dict(filter)
        text = _dumps(query, "query")
        if self._closed:
            raise _invalid("bkcc.Client: the client is closed")
        return self._search(obj, text)

    def _search(self, obj: bytes, query: bytes) -> Iterator[Dict[str, Any]]:
        search = _Search()
        handle = self._enter()  # left by the worker when the library returns
        thread = threading.Thread(target=_search_worker, args=(self, handle, obj, query, search),
                                  name="bkcc-search", daemon=True)
        search.thread = thread
        try:
            thread.start()
        except BaseException:
            search.thread = None
            self._leave()
            raise
        _live_searches.add(search)
        try:
            while True:
                page = search.take()
                if page is None:
                    break
                page.reverse()  # yielded from the end: each instance is let go once yielded
                while page:
                    yield page.pop()
            if search.exception is not None:
                raise search.exception
            if search.error is not None:
                raise search.error
        finally:
            search.stop()
            _live_searches.discard(search)

    # -- sans-IO -------------------------------------------------------------------------------------------

    def build_request(self, obj_id: str, details: Details) -> Dict[str, Any]:
        """The request for at most 200 details exactly as this client would send it
        (``bkcc_build_request_json``): ``{"method", "url", "headers", "body"}``. It holds the client's
        credentials: handle it like the configuration. Does not validate the details (see ``validate``).
        """
        obj = _cstring(obj_id, "bk_obj_id")
        text = _dumps(_details(details), "details")
        err = BkccError()
        handle = self._enter()
        try:
            pointer = lib.bkcc_build_request_json(handle, obj, text, ctypes.byref(err))
        finally:
            self._leave()
        request: Optional[Dict[str, Any]] = _loads(take_text(pointer))
        if request is None:
            raise _error(err)
        return request


def validate(obj_id: str, details: Details) -> Dict[int, str]:
    """Checks ``obj_id`` and ``details`` against the API's documented rules, without a network
    (``bkcc_validate_json``). Returns ``{index: "problem; problem"}``, ``{}`` when every detail is valid.

    Raises:
        ValidationError: ``obj_id`` is unusable (empty, built-in or mainline model) or ``details`` is empty.
        InvalidArgumentError: ``details`` is not a list.
    """
    problems = _text_call(lib.bkcc_validate_json, _cstring(obj_id, "bk_obj_id"), _dumps(_details(details), "details"))
    return _by_index(problems)


def _text_call(function: Any, *args: Any) -> Any:
    """A sans-IO ``bkcc_*_json`` call: its text answer parsed, or its error raised."""
    err = BkccError()
    data = _loads(take_text(function(*args, ctypes.byref(err))))
    if data is None:
        raise _error(err)
    return data


def _by_index(messages: Mapping[str, str]) -> Dict[int, str]:
    return {int(index): message for index, message in messages.items()}


class Plan:
    """What ``Client.sync`` would do; nothing is sent until ``apply()``. The lists hold the plan's row entries
    (``{"index", "key", "action", "bk_inst_id", "changes"}``) and ``extra`` the instances no row names."""

    def __init__(self, client: "Client", obj_id: str, rows: List[Any], data: Dict[str, Any], prune: bool) -> None:
        self._client = client
        self._rows = rows
        self.obj_id = obj_id
        self.data = data
        self.prune = prune
        self.key: str = data["key"]
        self.counts: Dict[str, int] = data["counts"]
        by_action: Dict[str, List[Dict[str, Any]]] = {}
        for entry in data["rows"]:
            by_action.setdefault(entry["action"], []).append(entry)
        self.create = by_action.get("create", [])
        self.update = by_action.get("update", [])
        self.unchanged = by_action.get("unchanged", [])
        self.blocked = by_action.get("blocked", [])
        self.ambiguous = by_action.get("ambiguous", [])
        self.extra: List[Dict[str, Any]] = data["extra"]

    @property
    def nothing_to_do(self) -> bool:
        """Nothing to create or update, and nothing to delete when pruning."""
        return not self.create and not self.update and not (self.prune and self.extra)

    def apply(self) -> Dict[int, Tuple[str, Any]]:
        """Carries the plan out: creates (``batch_create_inst``), updates of the changed editable attributes
        (``batch_update_inst``), and with ``prune`` deletes the extra instances (``batch_delete_inst``).

        Returns ``{row index: (outcome, bk_inst_id or message)}`` for every row — outcome ``created``,
        ``updated``, ``unchanged``, ``failed`` (also for a blocked row), ``unknown``, ``skipped`` (also ambiguous)
        — plus, for deletions, negative keys ``-1, -2, …`` in ``extra``'s order with ``deleted`` / ``failed`` / ….
        Running ``Client.sync`` again afterwards plans nothing to do."""
        outcomes: Dict[int, Tuple[str, Any]] = {}

        def file(result: Result, keys: List[int]) -> None:
            for position, index in enumerate(keys):
                for name, found in (("created", result.created), ("updated", result.updated), ("deleted", result.deleted),
                                    ("failed", result.failed), ("unknown", result.unknown), ("skipped", result.skipped)):
                    if position in found:
                        outcomes[index] = (name, found[position])
                        break

        if self.create:
            result = self._client.batch_create_inst(self.obj_id, [self._rows[e["index"]] for e in self.create])
            file(result, [e["index"] for e in self.create])
        if self.update:
            result = self._client.batch_update_inst(self.obj_id, [e["update"] for e in self.update])
            file(result, [e["index"] for e in self.update])
        for entry in self.unchanged:
            outcomes[entry["index"]] = ("unchanged", entry.get("bk_inst_id"))
        for entry in self.blocked:
            names = ", ".join(c["attribute"] for c in entry["changes"] if not c["editable"])
            outcomes[entry["index"]] = ("failed", "%s: the model does not let it be edited; not sent" % names)
        for entry in self.ambiguous:
            outcomes[entry["index"]] = ("skipped", "several instances have this %s: left alone" % self.key)
        if self.prune and self.extra:
            result = self._client.batch_delete_inst(self.obj_id, [e["bk_inst_id"] for e in self.extra])
            file(result, [-(i + 1) for i in range(len(self.extra))])
        return outcomes

    def __repr__(self) -> str:
        return "<bkcc.Plan %s by %s: %d to create, %d to update, %d unchanged, %d extra>" % (
            self.obj_id, self.key, len(self.create), len(self.update), len(self.unchanged), len(self.extra))


class Problems(Dict[int, str]):
    """``{index: "problem; problem"}`` of ``validate_model``, with ``.warnings``: ``{index: "…"}`` for attributes
    the model does not have (the CMDB drops them silently: not errors, but worth knowing)."""

    def __init__(self, problems: Mapping[int, str], warnings: Mapping[int, str]) -> None:
        super().__init__(problems)
        self.warnings: Dict[int, str] = dict(warnings)

    def __repr__(self) -> str:
        return "Problems(%s, warnings=%r)" % (dict.__repr__(self), self.warnings)


def validate_model(model: Mapping[str, Any], details: Details) -> Problems:
    """Checks ``details`` against ``model`` (from ``Client.get_model``, or that JSON stored) as the CMDB does when
    it creates them, without a network (``bkcc_validate_model_json``): required attributes, each value by its
    attribute's type (text limits in bytes, regexes, number ranges, enum ids, dates, …) and every unique rule
    across the details (an absent text attribute is stored as "" and collides with another "").

    Returns:
        ``Problems``: ``{index: "problem; problem"}`` (``{}`` when the model takes every detail), with
        ``.warnings`` for attributes the model does not have.

    Raises:
        InvalidArgumentError: ``model`` is not shaped as ``get_model`` returns (the message names the member),
            or ``details`` is not a list.
        ValidationError: ``details`` is empty.
    """
    found = _text_call(lib.bkcc_validate_model_json, _dumps(model, "model"), _dumps(_details(details), "details"))
    warnings = found.pop("warnings", {})
    return Problems(_by_index(found), _by_index(warnings))


def parse_response(http_status: int, body: Union[bytes, bytearray, memoryview, str],
                   detail_count: int) -> Dict[str, Any]:
    """Parses one answer to a batch_create_inst request of ``detail_count`` details
    (``bkcc_parse_response_json``), without a network.

    Any well-formed CMDB envelope (either spelling) gives ``{"result", "code", "message", "request_id",
    "permission", "success_created", "error_msg"}`` — ``result: false`` included (the dict tells; nothing is
    raised). Raises ``HTTPError`` (an HTTP error status without an envelope), ``ProtocolError`` (not JSON,
    truncated, wrong types, an index out of range…) or ``InvalidArgumentError``.
    """
    if isinstance(body, str):
        data = body.encode("utf-8")
    elif isinstance(body, bytes):
        data = body
    else:
        data = bytes(body)
    if not isinstance(http_status, int) or not isinstance(detail_count, int):
        raise _invalid("http_status and detail_count: must be int")
    if not 0 <= detail_count < 2**63:
        raise _invalid("detail_count: out of range")
    if not -2**31 <= http_status < 2**31:
        raise _invalid("http_status: out of range")
    err = BkccError()
    pointer = lib.bkcc_parse_response_json(http_status, data, len(data), detail_count, ctypes.byref(err))
    answer: Optional[Dict[str, Any]] = _loads(take_text(pointer))
    if answer is None:
        raise _error(err)
    return answer
