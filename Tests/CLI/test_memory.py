"""The memory check of the issue: a 100,000-row CSV import ends with exit 0 and a peak RSS within 2x of a
1,000-row import's (Tests/CLI/memory_check.py, which prints the numbers)."""

import subprocess
import sys

from .cli_support import HERE


def test_peak_memory_does_not_grow_with_the_input(bkcc_path):
    proc = subprocess.run([sys.executable, HERE + "/memory_check.py", "--bkcc", bkcc_path, "--rows", "100000"],
                          capture_output=True, timeout=900)
    print(proc.stdout.decode())
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
