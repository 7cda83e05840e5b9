"""Fixtures of the reliability and security tests; helpers in security_support.py."""

import pytest

from .security_support import start_emulator


@pytest.fixture(scope="module")
def sec_cmdb_module():
    cmdb = start_emulator()
    yield cmdb
    cmdb.stop()


@pytest.fixture
def sec_cmdb(sec_cmdb_module):
    """A module-wide emulator, reset before each test."""
    sec_cmdb_module.reset()
    yield sec_cmdb_module
    assert sec_cmdb_module.proc.poll() is None, "the emulator died"
