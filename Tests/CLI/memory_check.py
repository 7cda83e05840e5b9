#!/usr/bin/env python3
"""Peak memory of `bkcc batch-create-inst` does not grow with the input: a 100,000-row CSV import against the
emulator must finish with exit 0 and a peak RSS (/usr/bin/time -v, "Maximum resident set size") within 2x of a
1,000-row import's.

    python3 Tests/CLI/memory_check.py [--bkcc dist/bin/bkcc] [--rows 100000] [--base 1000]

Prints one line per run and the ratio; exits 1 when the ratio is over --limit (2.0) or an import fails.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cli_support import APP_CODE, APP_SECRET, Emulator, GENERATOR, ROOT  # noqa: E402


def peak_rss_kib(command, env):
    """Runs command under /usr/bin/time -v (else polls /proc); returns (exit code, peak KiB, seconds, process)."""
    started = time.monotonic()
    if os.access("/usr/bin/time", os.X_OK) and not os.environ.get("BKCC_MEMCHECK_NO_TIME"):
        proc = subprocess.run(["/usr/bin/time", "-v", *command], env=env, capture_output=True, timeout=1800)
        match = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        if not match:
            raise RuntimeError("no RSS in /usr/bin/time's output: %r" % proc.stderr[-2000:])
        return proc.returncode, int(match.group(1)), time.monotonic() - started, proc
    # No /usr/bin/time (a minimal machine): poll the child's own high-water mark, VmHWM in /proc (it starts anew
    # at exec, unlike wait4's ru_maxrss, which keeps the forking Python's size).
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        peak = 0
        deadline = time.monotonic() + 1800
        while child.poll() is None and time.monotonic() < deadline:
            try:
                with open("/proc/%d/status" % child.pid) as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.01)
        child.wait(60)
        out.seek(0)
        err.seek(0)
        child.stdout, child.stderr = out.read(), err.read()
    return child.returncode, peak, time.monotonic() - started, child


def measure(bkcc, rows, folder):
    path = os.path.join(folder, "switches-%d.csv" % rows)
    with open(path, "w", encoding="utf-8") as f:
        subprocess.run([sys.executable, GENERATOR, str(rows)], stdout=f, check=True, timeout=600)
    emu = Emulator()
    try:
        env = dict(os.environ, BK_COMPONENT_API_URL=emu.url, BK_APP_CODE=APP_CODE, BK_APP_SECRET=APP_SECRET,
                   BK_USERNAME="admin", HOME=folder)
        report = os.path.join(folder, "report-%d.jsonl" % rows)
        code, kib, seconds, proc = peak_rss_kib(
            [bkcc, "batch-create-inst", "--obj", "bk_switch", "--concurrency", "4", "--report", report, path], env)
        stored = emu.stats()["instances"]
    finally:
        emu.stop()
    print("%8d rows: exit %d, peak RSS %6.1f MiB, %5.1f s, %d stored, %s" % (
        rows, code, kib / 1024, seconds, stored, proc.stdout.decode().splitlines()[0] if proc.stdout else ""))
    if code != 0 or stored != rows:
        print(proc.stdout.decode() + proc.stderr.decode()[-2000:], file=sys.stderr)
    return code, kib, stored


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bkcc", default=os.environ.get("BKCC") or os.path.join(ROOT, "dist", "bin", "bkcc"))
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--base", type=int, default=1000)
    parser.add_argument("--limit", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bkcc-memory-") as folder:
        base_code, base_kib, base_stored = measure(args.bkcc, args.base, folder)
        big_code, big_kib, big_stored = measure(args.bkcc, args.rows, folder)
    ratio = big_kib / base_kib
    ok = base_code == 0 and big_code == 0 and base_stored == args.base and big_stored == args.rows and ratio <= args.limit
    how = "/usr/bin/time -v" if os.access("/usr/bin/time", os.X_OK) and not os.environ.get("BKCC_MEMCHECK_NO_TIME") else "/proc VmHWM"
    print("peak RSS ratio %d / %d rows: %.2f (limit %.1f, measured with %s): %s" % (
        args.rows, args.base, ratio, args.limit, how, "ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
