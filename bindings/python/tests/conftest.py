"""Fixtures for the bkcc Python package's tests; the helpers live in bkcc_test_support.py."""

import pytest

from .bkcc_test_support import start_emulator


@pytest.fixture(scope="session")
def cmdb_session():
    cmdb = start_emulator()
    yield cmdb
    cmdb.stop()


@pytest.fixture
def cmdb(cmdb_session):
    """The session's emulator, reset (no instances, faults or counters; ids from 1001) before each test."""
    cmdb_session.reset()
    yield cmdb_session
    assert cmdb_session.proc.poll() is None, "the emulator died"


@pytest.fixture
def spawn_cmdb():
    """Start emulators with their own flags; all are stopped at the end of the test."""
    started = []

    def _spawn_cmdb(*args):
        cmdb = start_emulator(*args)
        started.append(cmdb)
        return cmdb

    yield _spawn_cmdb
    for cmdb in started:
        cmdb.stop()


@pytest.fixture
def client(cmdb):
    with cmdb.client() as c:
        yield c
