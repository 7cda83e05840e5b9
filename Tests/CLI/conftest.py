"""Fixtures for the end-to-end tests of the bkcc binary; the helpers live in cli_support.py."""

import pytest

from .cli_support import Runner, find_bkcc
from emulator_fixtures import reset_emulator_fixtures  # Tests/Emulator, put on sys.path by cli_support

shared_emulator, emulator = reset_emulator_fixtures("shared_emulator", "emulator")


@pytest.fixture(scope="session")
def bkcc_path():
    return find_bkcc()


@pytest.fixture
def bkcc(bkcc_path, emulator, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return Runner(bkcc_path, str(home), emulator.url)
