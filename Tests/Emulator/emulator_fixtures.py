"""The pytest fixtures every suite declares around the emulator, made once (emulator_control.py stays free of
pytest). In a conftest.py, after putting Tests/Emulator on sys.path::

    from emulator_fixtures import reset_emulator_fixtures, spawn_fixture
    cmdb_session, cmdb = reset_emulator_fixtures("cmdb_session", "cmdb")    # one emulator, reset for each test
    spawn_cmdb = spawn_fixture("spawn_cmdb")                                # emulators with their own flags

The names given are the fixtures' names (pytest registers them under these, whatever the variables are called).
"""

import pytest

from emulator_control import Emulator, Emulators


def reset_emulator_fixtures(shared, fresh, scope="session", factory=Emulator):
    """Two fixtures: `shared`, one emulator (factory()) for the whole scope, stopped at its end; and `fresh`, that
    emulator reset before each test and checked to be still running after it."""

    def shared_fixture():
        with factory() as emu:
            yield emu

    def fresh_fixture(request):
        yield from request.getfixturevalue(shared).fresh()

    shared_fixture.__doc__ = "One emulator for the %s, stopped at its end." % scope
    fresh_fixture.__doc__ = ("The %s's emulator (%s), reset (no instances, faults or counters; ids from 1001) before "
                             "each test and checked to be still running after it." % (scope, shared))
    return pytest.fixture(scope=scope, name=shared)(shared_fixture), pytest.fixture(name=fresh)(fresh_fixture)


def spawn_fixture(name, factory=Emulator):
    """A fixture that starts emulators with their own flags (`spawn(*args)`); all are stopped at the test's end."""

    def spawn_emulators():
        """Start emulators with their own flags; all are stopped at the end of the test."""
        with Emulators(factory=factory) as started:
            yield started

    return pytest.fixture(name=name)(spawn_emulators)
