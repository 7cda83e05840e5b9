"""bkcc — create BlueKing CMDB model instances in batches (Python binding of libbkcc).

A tour. It runs as it stands (``python3 -m doctest`` style) against the CMDB emulator of the bkcc
repository, freshly started::

    python3 Tests/Emulator/emulator.py --port 0      # prints http://127.0.0.1:PORT
    export BK_COMPONENT_API_URL=http://127.0.0.1:PORT BK_APP_CODE=bkcc-demo \\
           BK_APP_SECRET=bkcc-demo-secret BK_USERNAME=admin

>>> import bkcc
>>> bkcc.__version__
'0.1.0'

Check details without a network: each problem under the index of its detail.

>>> bkcc.validate("bk_switch", [{"bk_inst_name": "sw-0", "bk_asset_id": "A-0"}, {"bk_inst_name": "sw-1"}])
{1: 'details[1].bk_asset_id: required, must be a non-empty string'}

Create instances: a client configured from the environment, freed when the ``with`` block ends. Any
number of details; the library sends them 200 at a time, several requests at once.

>>> switches = [{"bk_inst_name": "sw-%d" % i, "bk_asset_id": "A-%d" % i} for i in range(3)]
>>> with bkcc.Client.from_env() as client:
...     result = client.batch_create_inst("bk_switch", switches)
>>> result.ok, result.created
(True, {0: 1001, 1: 1002, 2: 1003})
>>> result.summary["created"], result.status
(3, <Status.OK: 0>)

Nothing is created twice: sent again, every item fails, and the call still returns its ``Result`` (a
batch call raises only when it attempted nothing); ``result.error`` is the exception its status stands for.

>>> with bkcc.Client.from_env() as client:
...     again = client.batch_create_inst("bk_switch", switches)
>>> again.ok, sorted(again.failed), again.failed[0]
(False, [0, 1, 2], 'duplicated instances exist, fields [ bk_asset_id: "A-0" ] duplicated')

Progress: called after each request; returning False cancels what is not sent yet.

>>> more = [{"bk_inst_name": "sw-%d" % i, "bk_asset_id": "A-%d" % i} for i in range(3, 503)]
>>> with bkcc.Client.from_env(concurrency=1) as client:
...     done = client.batch_create_inst("bk_switch", more, progress=lambda e: print(e["done"], "of", e["total"]))
200 of 500
400 of 500
500 of 500
>>> len(done.created)
500

Update and delete by ``bk_inst_id`` (200 per request, each one transaction: ``Result.updated`` /
``Result.deleted`` in place of ``created``); search with an iterator that reads a page at a time as you
go, in ``bk_inst_id`` order, each instance that exists throughout exactly once.

>>> with bkcc.Client.from_env() as client:
...     updated = client.batch_update_inst("bk_switch", [{"bk_inst_id": 1001, "bk_sn": "SN-1"},
...                                                      {"bk_inst_id": 1002, "bk_sn": "SN-2"}])
...     found = list(client.search_inst("bk_switch", fields=["bk_sn"], filter={"bk_asset_id": "A-1"}))
...     deleted = client.batch_delete_inst("bk_switch", [1003])
...     count = sum(1 for instance in client.search_inst("bk_switch", page_size=100))
>>> updated.ok, updated.updated, found == [{"bk_inst_id": 1002, "bk_sn": "SN-2"}]
(True, {0: 1001, 1: 1002}, True)
>>> deleted.deleted, deleted.summary["deleted"], count
({0: 1003}, 1, 502)

Failures the library reports are ``bkcc.Error`` subclasses carrying its status and detail; the library
also words every status:

>>> bkcc.status_text(bkcc.Status.EAPI)
'The CMDB, the ESB or the API gateway answered result:false.'

>>> try:
...     bkcc.Client(url="http://127.0.0.1:1", app_code="bkcc-demo", app_secret="s", usernme="admin")
... except bkcc.InvalidArgumentError as error:
...     print(error.status_name, "-", error.message)
BKCC_EINVAL - config: unknown key "usernme" (did you mean "username"?)
>>> try:
...     bkcc.validate("host", switches)
... except bkcc.ValidationError as error:
...     print(error.message)
bk_obj_id: "host" is a built-in or mainline model; the common instance API does not serve its instances

The library is found through ``$BKCC_LIBRARY``, then the package's own folder, then ``dist/lib`` of the
checkout the package sits in, then the system loader (``bkcc.library_path`` tells which one was used).
"""

from __future__ import annotations

from . import client as _client
from . import errors as _errors
from ._ffi import lib as _lib
from ._ffi import library_path
from .client import (Client, Details, InstanceIds, Plan, Problems, ProgressCallback, Result, Updates, parse_response,
                     validate, validate_model)
from .errors import (APIError, CancelledError, Error, HTTPError, InvalidArgumentError, NoMemoryError,
                     PartialError, ProtocolError, Status, TransportError, ValidationError, error_class,
                     status_name, status_text)

# Client, Result, validate… (bkcc.client); Status, status_name, status_text, Error and its subclasses,
# error_class (bkcc.errors).
__all__ = ["__version__", "MAX_BATCH", "library_path"]
__all__ += _client.__all__
__all__ += _errors.__all__

#: The version of the loaded libbkcc (``bkcc_version()``), e.g. ``"0.1.0"``.
__version__: str = _lib.bkcc_version().decode("utf-8")

#: The most instances the CMDB accepts in one request (``BKCC_MAX_BATCH``); batch calls split for you.
MAX_BATCH = 200
