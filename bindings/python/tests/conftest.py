"""Fixtures for the bkcc Python package's tests; the helpers live in bkcc_test_support.py."""

import pytest

from bkcc_test_support import start_emulator


@pytest.fixture(scope="session")
def shared_emulator():
    emu = start_emulator()
    yield emu
    emu.stop()


@pytest.fixture
def emu(shared_emulator):
    """The session's emulator, reset (no instances, faults or counters; ids from 1001) before each test."""
    shared_emulator.reset()
    yield shared_emulator
    assert shared_emulator.proc.poll() is None, "the emulator died"


@pytest.fixture
def spawn():
    """Start emulators with their own flags; all are stopped at the end of the test."""
    started = []

    def _spawn(*args):
        emu = start_emulator(*args)
        started.append(emu)
        return emu

    yield _spawn
    for emu in started:
        emu.stop()


@pytest.fixture
def client(emu):
    with emu.client() as c:
        yield c
