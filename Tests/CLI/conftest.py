"""Fixtures for the end-to-end tests of the bkcc binary; the helpers live in cli_support.py."""

import pytest

from .cli_support import Emulator, Runner, find_bkcc


@pytest.fixture(scope="session")
def bkcc_path():
    return find_bkcc()


@pytest.fixture(scope="session")
def shared_emulator():
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(shared_emulator):
    shared_emulator.reset()
    return shared_emulator


@pytest.fixture
def bkcc(bkcc_path, emulator, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return Runner(bkcc_path, str(home), emulator.url)
