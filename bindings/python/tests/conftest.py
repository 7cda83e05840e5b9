"""Fixtures for the bkcc Python package's tests; the helpers live in bkcc_test_support.py."""

import pytest

from . import bkcc_test_support  # noqa: F401  (puts the package and Tests/Emulator on sys.path)
from emulator_fixtures import reset_emulator_fixtures, spawn_fixture

# The session's emulator (cmdb_session), reset (no instances, faults or counters; ids from 1001) before each test
# (cmdb); spawn_cmdb(*args) starts emulators with their own flags, all stopped at the end of the test.
cmdb_session, cmdb = reset_emulator_fixtures("cmdb_session", "cmdb")
spawn_cmdb = spawn_fixture("spawn_cmdb")


@pytest.fixture
def client(cmdb):
    with cmdb.client() as c:
        yield c
