"""The exception classes: one per status, in one table, also the matching builtins; their detail."""

import pickle

import pytest

from .bkcc_test_support import bkcc

TABLE = [
    (bkcc.Status.EINVAL, bkcc.InvalidArgumentError, ValueError),
    (bkcc.Status.EVALIDATION, bkcc.ValidationError, ValueError),
    (bkcc.Status.ETRANSPORT, bkcc.TransportError, OSError),
    (bkcc.Status.EHTTP, bkcc.HTTPError, None),
    (bkcc.Status.EPROTOCOL, bkcc.ProtocolError, None),
    (bkcc.Status.EAPI, bkcc.APIError, None),
    (bkcc.Status.EPARTIAL, bkcc.PartialError, None),
    (bkcc.Status.ECANCELLED, bkcc.CancelledError, None),
    (bkcc.Status.ENOMEM, bkcc.NoMemoryError, MemoryError),
]


def test_status_values_are_the_c_abi():
    assert [int(s) for s in bkcc.Status] == list(range(10))
    assert str(bkcc.Status.EAPI) == "BKCC_EAPI"


@pytest.mark.parametrize("status, cls, builtin", TABLE)
def test_each_status_has_its_class(status, cls, builtin):
    assert bkcc.error_class(status) is cls
    assert bkcc.error_class(int(status)) is cls
    error = cls(status, "boom", 1306000, 200, "req-1")
    assert isinstance(error, bkcc.Error)
    if builtin is not None:
        assert isinstance(error, builtin)
    assert error.status == status and error.status_name == str(status)
    assert (error.message, error.api_code, error.http_status, error.request_id) == ("boom", 1306000, 200, "req-1")
    assert str(error) == "boom (%s, code 1306000, HTTP 200, request_id req-1)" % status


def test_a_status_outside_the_table_is_a_plain_error():
    assert bkcc.error_class(42) is bkcc.Error
    error = bkcc.Error(42, "from the future")
    assert error.status == 42 and error.status_name == "BKCC_UNKNOWN"
    assert str(error) == "from the future (BKCC_UNKNOWN)"


def test_transport_error_is_an_oserror_without_an_errno():
    error = bkcc.TransportError(3, "connection refused")
    assert error.errno is None
    assert error.args == ("connection refused",)


@pytest.mark.parametrize("status, cls, builtin", TABLE)
def test_errors_pickle(status, cls, builtin):
    error = cls(status, "boom", 5, 502, "r", permission={"system_id": "bk_cmdb"} if cls is bkcc.APIError else None)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert (back.status, back.message, back.api_code, back.http_status, back.request_id, back.permission) == \
        (error.status, error.message, error.api_code, error.http_status, error.request_id, error.permission)


def test_api_error_carries_permission():
    permission = {"system_id": "bk_cmdb", "actions": [{"id": "create_sys_instance"}]}
    error = bkcc.APIError(6, "no permission", 9900403, 200, "r", permission=permission)
    assert error.permission == permission
    assert bkcc.APIError(6, "x").permission is None
