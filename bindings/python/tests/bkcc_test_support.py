"""Helpers shared by the bkcc Python package's tests (imported by conftest.py and the tests).

The package is imported from this checkout (bindings/python), whatever is installed elsewhere. The library is
the one ``bkcc`` finds (``BKCC_LIBRARY``, made absolute here so that subprocesses find it too; else the
checkout's ``dist/lib``). The CMDB emulator (Tests/Emulator/emulator.py, started by
Tests/Emulator/emulator_control.py) runs as a subprocess on a free loopback port: one for the session, reset before
each test, and fresh ones for tests that need their own.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)                      # bindings/python
REPO = os.path.dirname(os.path.dirname(PACKAGE_ROOT))     # the checkout

if os.environ.get("BKCC_LIBRARY"):
    os.environ["BKCC_LIBRARY"] = os.path.abspath(os.environ["BKCC_LIBRARY"])
sys.path.insert(0, PACKAGE_ROOT)
if os.path.join(REPO, "Tests", "Emulator") not in sys.path:
    sys.path.insert(0, os.path.join(REPO, "Tests", "Emulator"))

import bkcc  # noqa: E402,F401  (after the path set-up above)
from emulator_control import (APP_CODE, APP_SECRET, Emulator, Emulators, free_port, switches,  # noqa: E402,F401
                              wait_until)
