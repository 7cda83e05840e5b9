#!/usr/bin/env python3
"""A local BlueKing CMDB emulator for the bkcc project (Python standard library only).

It answers `batch_create_inst` and `search_inst` like a real BlueKing CMDB behind the ESB
(``/api/c/compapi/v2/cc/...``) or behind the API gateway
(``/api/bk-cmdb/{stage}/api/v3/...``), with the real credential checks, error codes, message
texts and check order, and it injects faults on demand (latency, 429, 502 pages, resets,
truncated or non-JSON bodies, stalls, audit failures after the inserts, huge bodies).

Start:  python3 Tests/Emulator/emulator.py --port 0
The first line on stdout is the base URL (http://127.0.0.1:PORT); it serves until SIGTERM/SIGINT.
See Tests/Emulator/README.md for every flag, the fault semantics and the control endpoints.

This file is the entry point; the emulator itself is the package cmdb_emulator/ beside it (its route table:
cmdb_emulator/routes.py).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cmdb_emulator import VERSION  # noqa: E402,F401  (after the path set-up above)
from cmdb_emulator.cli import build_parser, main  # noqa: E402,F401

if __name__ == "__main__":
    sys.exit(main())
