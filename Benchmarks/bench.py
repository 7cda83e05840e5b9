#!/usr/bin/env python3
"""bkcc's benchmark harness: measures bkcc side by side with the clients people use today and rewrites
BENCHMARKS.md. Run from the repository root after `make dist` (or just `make bench`).

    python3 Benchmarks/bench.py [--reps 5] [--out BENCHMARKS.md] [--quick]

Loopback only (the emulator on 127.0.0.1), every loop bounded in count and time; about 5 minutes on 2 cores.
Each client runs as a child process of Benchmarks/runstat.c, which reads its rusage (user+sys CPU, peak RSS) from
the kernel; the emulator runs as a separate process and is reset between runs (POST /_emulator/reset).
"""
import argparse
import csv
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "Benchmarks")
WORK = os.path.join(ROOT, "build", "bench")
DIST = os.path.join(ROOT, "dist")
BKCC = os.path.join(DIST, "bin", "bkcc")
LIBRARY = os.path.join(DIST, "lib", "libbkcc.so.0")
CLIENTS = os.path.join(HERE, "clients.py")
NOTES = os.path.join(HERE, "NOTES.md")
APP_CODE, APP_SECRET, USERNAME = "bkcc-demo", "bkcc-demo-secret", "bench"
SYSTEM_PYTHON = sys.executable
STARTED = time.monotonic()
sys.path.insert(0, os.path.join(ROOT, "Tests", "Emulator"))
import emulator_control  # noqa: E402  (after the path set-up above)
sys.path.insert(0, HERE)
import pipeline_goals  # noqa: E402  (the import pipeline's goals, issue #13)
import sync_bench  # noqa: E402  (bkcc sync against the SDK's search-then-update loop)


def log(*args):
    print("[bench %5.0fs]" % (time.monotonic() - STARTED), *args, file=sys.stderr, flush=True)


# ---- measuring -----------------------------------------------------------------------------------------------

def run(command, env=None, timeout=300, stdout=None):
    """Runs command under runstat; returns {wall, user, sys, cpu, rss_kib, exit, out}."""
    stat_file = os.path.join(WORK, "runstat.out")
    out_file = stdout or os.path.join(WORK, "child.stdout")
    with open(out_file, "wb") as out, open(os.path.join(WORK, "child.stderr"), "wb") as err:
        subprocess.run([os.path.join(WORK, "runstat"), stat_file, str(timeout), *command], env=env, stdout=out,
                       stderr=err, check=True, timeout=timeout + 30)
    with open(stat_file) as f:
        wall, user, sys_, rss, code = f.read().split()
    text = ""
    if stdout is None:
        with open(out_file, encoding="utf-8", errors="replace") as f:
            text = f.read()
    result = {"wall": float(wall), "user": float(user), "sys": float(sys_), "cpu": float(user) + float(sys_),
              "rss_kib": int(rss), "exit": int(code), "out": text}
    if result["exit"] != 0:
        with open(os.path.join(WORK, "child.stderr"), encoding="utf-8", errors="replace") as f:
            result["err"] = f.read()[-2000:]
    return result


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in %r" % text[-500:])


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt(s, scale=1.0, digits=1):
    f = "%%.%df" % digits
    return "%s (%s–%s)" % (f % (s["median"] * scale), f % (s["min"] * scale), f % (s["max"] * scale))


# ---- the emulator ------------------------------------------------------------------------------------------

class Emulator(emulator_control.Emulator):
    """The emulator (Tests/Emulator/emulator_control.py) with faults that stay: set again after every reset."""

    def __init__(self, *faults):
        """faults: e.g. "latency:20", "per_item:0.1"; set again after every reset (a reset clears them)."""
        self.standing_faults = list(faults)
        super().__init__(timeout=15.0)
        self.reset()

    def reset(self):
        super().reset()
        if self.standing_faults:
            got = self.set_faults(self.standing_faults)["faults"]
            if len(got) != len(self.standing_faults):
                raise RuntimeError("the emulator took faults %r for %r" % (got, self.standing_faults))

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        return super().stop(sig, timeout)


class LatencyServer(emulator_control.Emulator):
    """Benchmarks/latency_server.py: 20 ms an answer and next to no CPU (why: its docstring); the emulator's
    control calls that the benchmarks use (reset, stats()["items_created"])."""

    def __init__(self, latency_ms=20):
        super().__init__("--latency", latency_ms, timeout=15.0, program=os.path.join(HERE, "latency_server.py"))


# ---- data -------------------------------------------------------------------------------------------------

SITES = [("北京", "亦庄"), ("上海", "外高桥"), ("深圳", "南山"), ("广州", "科学城"), ("Singapore", "Jurong")]
MODELS = [("华为", "CE6881-48S6CQ", 54), ("新华三", "S5130S-52S-EI", 52), ("Cisco", "C9300-48T", 52),
          ("Arista", "7280SR3-48YC8", 56), ("锐捷", "RG-S5750-48GT4XS-E", 52)]
OPERATORS = ["zhangwei", "liuyang", "wangfang", "chenjie", "admin"]
FIELDS = ["bk_inst_name", "bk_asset_id", "bk_sn", "bk_operator", "bk_vendor", "bk_model", "bk_port_count"]


def rows(count, seed=7):
    """Realistic switches (as Tests/CLI/gen_switches.py makes them), deterministic."""
    rng = random.Random(seed)
    for i in range(count):
        city, campus = SITES[i % len(SITES)]
        vendor, model, ports = MODELS[rng.randrange(len(MODELS))]
        yield {"bk_inst_name": "%s-%s-接入交换机-%s%02d-%06d" % (city, campus, "ABCDEFGH"[i % 8], i % 40, i + 1),
               "bk_asset_id": "ZC-SW-%d-%07d" % (2020 + i % 5, i + 1),
               "bk_sn": "CTD%010d" % rng.randrange(10 ** 10), "bk_operator": OPERATORS[i % 5],
               "bk_vendor": vendor, "bk_model": model, "bk_port_count": ports}


def write_jsonl(path, count):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows(count):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def write_csv(path, count):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FIELDS[:-1] + ["bk_port_count:int"])
        for row in rows(count):
            w.writerow([row[k] for k in FIELDS])
    return path


# ---- setup ------------------------------------------------------------------------------------------------

def build_tools():
    os.makedirs(WORK, exist_ok=True)
    shutil.rmtree(os.path.join(WORK, "cache"), ignore_errors=True)  # no model kept from an earlier bench
    subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-o", os.path.join(WORK, "runstat"),
                    os.path.join(HERE, "runstat.c")], check=True)
    subprocess.run(["gcc", "-O2", "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra",
                    "-I" + os.path.join(DIST, "include"), "-o", os.path.join(WORK, "sansio"),
                    os.path.join(HERE, "sansio.c"), "-L" + os.path.join(DIST, "lib"), "-lbkcc", "-ljansson"],
                   check=True)


def venv_python():
    """A virtual environment with the BlueKing SDK (bkapi-component-open) and requests, from PyPI."""
    venv = os.path.join(WORK, "venv")
    python = os.path.join(venv, "bin", "python")
    check = [python, "-c", "import bkapi_component.open.client, requests, bkapi_client_core"]
    if os.path.exists(python) and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    log("creating", venv, "and installing bkapi-component-open, requests from PyPI")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", venv], check=True, timeout=120)
    subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "bkapi-component-open",
                    "requests"], check=True, timeout=300)
    subprocess.run(check, check=True)
    return python


def package_versions(python):
    code = ("import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "['bkapi-component-open', 'bkapi-client-core', 'requests', 'urllib3']}))")
    return json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)


def machine_facts():
    facts = {}
    with open("/proc/cpuinfo") as f:
        models = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
    facts["cpu"] = "%d × %s" % (os.cpu_count(), models[0] if models else platform.processor())
    with open("/proc/meminfo") as f:
        facts["memory"] = "%.1f GiB" % (int(f.readline().split()[1]) / 1048576)
    facts["kernel"] = platform.release()
    try:
        with open("/etc/os-release") as f:
            facts["os"] = dict(l.rstrip().split("=", 1) for l in f if "=" in l).get("PRETTY_NAME", "").strip('"')
    except OSError:
        facts["os"] = "?"
    facts["python"] = platform.python_version()
    facts["gcc"] = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    facts["bkcc"] = " / ".join(subprocess.run([BKCC, "version"], capture_output=True, text=True).stdout.split("\n")[:3])
    return facts


def busy_processes():
    """The processes using CPU right now (sampled over 1 s), other than this harness."""
    out = subprocess.run(["ps", "-eo", "pid,pcpu,etimes,comm", "--sort=-pcpu", "--no-headers"], capture_output=True,
                         text=True).stdout.splitlines()
    busy = []
    for line in out[:8]:
        pid, pcpu, etimes, comm = line.split(None, 3)
        if float(pcpu) >= 5 and int(pid) != os.getpid():
            busy.append("%s (%s%% of a core since it started)" % (comm, pcpu))
    return busy


# ---- the benchmarks ---------------------------------------------------------------------------------------

def bkcc_cli(url, path, concurrency, extra=()):
    return [BKCC, "batch-create-inst", "--obj", "bk_switch", "--url", url, "--app-code", APP_CODE, "--username",
            USERNAME, "--no-progress", "--output", "json", "--concurrency", str(concurrency), *extra, path]


def env_with_secret():
    # The models bkcc keeps between runs (ModelCache) go under build/bench, not the user's ~/.cache.
    return dict(os.environ, BK_APP_SECRET=APP_SECRET, XDG_CACHE_HOME=os.path.join(WORK, "cache"))


def python_env():
    return dict(os.environ, BKCC_LIBRARY=LIBRARY, PYTHONPATH=os.path.join(ROOT, "bindings", "python"))


def client_run(name, emu, path, count, concurrency, py):
    """One import of `count` rows by one client; checks that the emulator created every row."""
    emu.reset()
    if name == "bkcc CLI":
        r = run(bkcc_cli(emu.url, path, concurrency), env=env_with_secret())
    elif name == "bkcc CLI (CSV)":
        r = run(bkcc_cli(emu.url, path[:-len(".jsonl")] + ".csv", concurrency), env=env_with_secret())
    else:
        mode = {"bkcc Python": "bkcc", "SDK": "sdk", "requests": "requests", "trivial": "trivial"}[name]
        r = run([py, CLIENTS, mode, emu.url, path, str(concurrency)], env=python_env())
    if r["exit"] != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (name, r["exit"], r.get("err", "")))
    created = emu.stats()["items_created"]
    if created != count:
        raise RuntimeError("%s: the emulator created %d of %d rows" % (name, created, count))
    r["json"] = last_json(r["out"])
    return r


def bench_cpu(py, reps, count):
    """1. Client CPU per instance, importing `count` rows into an emulator without faults; and the same with a
    tenth of the rows, to split each client's CPU into a fixed part (start-up) and a part per instance."""
    small = count // 10
    path = write_jsonl(os.path.join(WORK, "rows-%d.jsonl" % count), count)
    write_csv(os.path.join(WORK, "rows-%d.csv" % count), count)
    small_path = write_jsonl(os.path.join(WORK, "rows-%d.jsonl" % small), small)
    write_csv(os.path.join(WORK, "rows-%d.csv" % small), small)
    emu = Emulator()
    clients = ["bkcc CLI", "bkcc CLI (CSV)", "bkcc Python", "SDK", "requests"]
    runs = {c: [] for c in clients}
    small_runs = {c: [] for c in clients}
    try:
        for rep in range(reps):
            for c in clients:  # interleaved: a change in the machine's load touches every client alike
                runs[c].append(client_run(c, emu, path, count, 4, py))
                small_runs[c].append(client_run(c, emu, small_path, small, 4, py))
            log("cpu rep %d/%d: %s" % (rep + 1, reps, ", ".join(
                "%s %.2fs" % (c, runs[c][-1]["cpu"]) for c in clients)))
    finally:
        emu.close()
    out = {}
    for c in clients:
        out[c] = {"cpu_us": summary([r["cpu"] / count * 1e6 for r in runs[c]]),
                  "user_us": summary([r["user"] / count * 1e6 for r in runs[c]]),
                  "sys_us": summary([r["sys"] / count * 1e6 for r in runs[c]]),
                  "wall": summary([r["wall"] for r in runs[c]]),
                  "rss_mib": summary([r["rss_kib"] / 1024 for r in runs[c]])}
        # per-repetition ratio to the SDK run of the same repetition
        out[c]["ratio"] = summary([a["cpu"] / b["cpu"] for a, b in zip(runs[c], runs["SDK"])])
        # marginal: (CPU at count - CPU at count/10) / (count - count/10), per repetition
        out[c]["marginal_us"] = summary([(a["cpu"] - b["cpu"]) / (count - small) * 1e6
                                         for a, b in zip(runs[c], small_runs[c])])
        out[c]["fixed_ms"] = summary([(b["cpu"] - (a["cpu"] - b["cpu"]) / (count - small) * small) * 1e3
                                      for a, b in zip(runs[c], small_runs[c])])
    for c in clients:
        out[c]["marginal_ratio"] = summary([
            ((a["cpu"] - b["cpu"]) / (sa["cpu"] - sb["cpu"]))
            for a, b, sa, sb in zip(runs[c], small_runs[c], runs["SDK"], small_runs["SDK"])])
    out["small"] = small
    return out


def bench_throughput(py, reps, count, levels):
    """2. Instances/s at each concurrency, emulator at 20 ms per request + 0.1 ms per item."""
    path = write_jsonl(os.path.join(WORK, "rows-%d.jsonl" % count), count)
    emu = Emulator("latency:20", "per_item:0.1")
    res = {"levels": {}, "count": count}
    try:
        for c in levels:
            bk, tr, import_only = [], [], []
            for _ in range(reps):
                r = client_run("bkcc CLI", emu, path, count, c, py)
                bk.append(count / r["wall"])
                import_only.append(count / (r["json"]["elapsed_ms"] / 1000.0))
                t = client_run("trivial", emu, path, count, c, py)
                tr.append(t["json"]["per_second"])
            res["levels"][c] = {"bkcc": summary(bk), "bkcc_import_only": summary(import_only), "trivial": summary(tr),
                                "ideal": c * 200 / 0.040}
            log("throughput c=%d: bkcc %.0f/s (import only %.0f/s), trivial %.0f/s, ideal %.0f/s" % (
                c, res["levels"][c]["bkcc"]["median"], res["levels"][c]["bkcc_import_only"]["median"],
                res["levels"][c]["trivial"]["median"], c * 5000))
        sdk = [count / client_run("SDK", emu, path, count, 1, py)["wall"] for _ in range(reps)]
        res["sdk"] = summary(sdk)
        # the emulator's own ceiling: the trivial client at concurrency 32, far past what 2 cores can serve
        ceiling = [client_run("trivial", emu, path, count, 32, py)["json"]["per_second"] for _ in range(reps)]
        res["ceiling"] = summary(ceiling)
        log("throughput: SDK loop %.0f/s, emulator ceiling (trivial, c=32) %.0f/s" % (
            res["sdk"]["median"], res["ceiling"]["median"]))
    finally:
        emu.close()
    return res


def bench_speedup(py, reps, count):
    """2b. Concurrency 8 against concurrency 1 on `count` rows, emulator at 20 ms per request."""
    path = write_jsonl(os.path.join(WORK, "rows-%d.jsonl" % count), count)
    emu = Emulator("latency:20")
    walls = {1: [], 8: []}
    elapsed = {1: [], 8: []}
    trivial = {1: [], 8: []}
    try:
        for _ in range(reps):
            for c in (1, 8):
                r = client_run("bkcc CLI", emu, path, count, c, py)
                walls[c].append(r["wall"])
                elapsed[c].append(r["json"]["elapsed_ms"] / 1000.0)
                trivial[c].append(client_run("trivial", emu, path, count, c, py)["json"]["seconds"])
    finally:
        emu.close()
    return {"count": count, "wall": {c: summary(v) for c, v in walls.items()},
            "trivial": {c: summary(v) for c, v in trivial.items()},
            "ratio_trivial": summary([a / b for a, b in zip(trivial[1], trivial[8])]),
            "elapsed": {c: summary(v) for c, v in elapsed.items()},
            "ratio": summary([a / b for a, b in zip(walls[1], walls[8])]),
            "ratio_import_only": summary([a / b for a, b in zip(elapsed[1], elapsed[8])])}


def bench_sansio(py, reps):
    """3. validate + build + serialize + parse of one 200-item batch: bkcc's C API against Python's json."""
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(DIST, "lib"))
    c_runs, py_runs = [], []
    for _ in range(reps):
        r = run([os.path.join(WORK, "sansio"), "5000", "5"], env=env, timeout=60)
        if r["exit"] != 0:
            raise RuntimeError("sansio failed: %s" % r.get("err"))
        c_runs.append(last_json(r["out"]))
        r = run([py, CLIENTS, "jsonbase", "5000", "5"], timeout=60)
        py_runs.append(last_json(r["out"]))
    keys = ["validate_ns", "build_ns", "dump_ns", "parse_ns", "total_ns"]
    return {"bkcc": {k: summary([x[k] for x in c_runs]) for k in keys},
            "python": {k: summary([x[k] for x in py_runs]) for k in ["dump_ns", "parse_ns", "total_ns"]},
            "iterations": c_runs[0]["iterations"], "py_iterations": py_runs[0]["iterations"],
            "body_bytes": c_runs[0]["body_bytes"], "response_bytes": c_runs[0]["response_bytes"],
            "ratio": summary([a["total_ns"] / b["total_ns"] for a, b in zip(c_runs, py_runs)]),
            "ratio_serialize_parse": summary([(a["dump_ns"] + a["parse_ns"]) / b["total_ns"]
                                              for a, b in zip(c_runs, py_runs)])}


def bench_memory(small, large, budget_s):
    """4. Peak RSS of the CLI, dry run and real import, small against large CSV."""
    tmp = tempfile.mkdtemp(prefix="bkcc-bench-")
    out = {"small": small, "dry": {}, "real": {}}
    emu = Emulator()
    try:
        for n in (small, large):
            path = write_csv(os.path.join(tmp, "rows-%d.csv" % n), n)
            r = run(bkcc_cli(emu.url, path, 4, ["--dry-run"]), env=env_with_secret(), stdout=os.devnull, timeout=600)
            if r["exit"] != 0:
                raise RuntimeError("dry run of %d rows failed: %s" % (n, r.get("err")))
            out["dry"][n] = r
            log("memory: dry run %d rows: %.1f MiB, %.1f s" % (n, r["rss_kib"] / 1024, r["wall"]))
        emu.reset()
        r = run(bkcc_cli(emu.url, os.path.join(tmp, "rows-%d.csv" % small), 4), env=env_with_secret())
        out["real"][small] = r
        # The largest real import that fits the budget at the rate the small one reached (rounded down).
        rate = small / r["wall"]
        fits = int(rate * budget_s * 0.8) // 100000 * 100000
        big = large if fits >= large else max(fits, 100000)
        out["large_real"] = big
        out["rate_small"] = rate
        if big != large:
            path = write_csv(os.path.join(tmp, "rows-%d.csv" % big), big)
        else:
            path = os.path.join(tmp, "rows-%d.csv" % large)
        emu.reset()
        cpu0 = emu.cpu_seconds()
        r = run(bkcc_cli(emu.url, path, 4), env=env_with_secret(), timeout=int(budget_s * 2))
        out["emulator_cpu_large"] = emu.cpu_seconds() - cpu0
        if r["exit"] != 0:
            raise RuntimeError("real import of %d rows failed: %s" % (big, r.get("err")))
        created = emu.stats()["items_created"]
        if created != big:
            raise RuntimeError("real import: %d of %d created" % (created, big))
        out["real"][big] = r
        log("memory: real import %d rows: %.1f MiB, %.1f s; %d rows: %.1f MiB, %.1f s" % (
            small, out["real"][small]["rss_kib"] / 1024, out["real"][small]["wall"], big, r["rss_kib"] / 1024,
            r["wall"]))
    finally:
        emu.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def bench_xlsx(count, reps):
    """7. Reading a workbook against the same rows as CSV (Benchmarks/xlsx_bench.py)."""
    import xlsx_bench
    result = xlsx_bench.measure(BKCC, count, max(1, min(reps, 3)), WORK)
    log(xlsx_bench.result_line(result))
    return result


def bench_startup(py, reps):
    """5. Start-up wall time."""
    cmds = {"bkcc version": [BKCC, "version"], 'python -c "import bkcc"': [py, "-c", "import bkcc"],
            'python -c "import json"': [py, "-c", "import json"]}
    walls = {k: [] for k in cmds}
    for _ in range(reps):
        for k, cmd in cmds.items():
            r = run(cmd, env=python_env(), timeout=30)
            if r["exit"] != 0:
                raise RuntimeError("%s failed: %s" % (k, r.get("err")))
            walls[k].append(r["wall"])
    return {k: summary(v) for k, v in walls.items()}


def bench_profile(py, count):
    """callgrind: instructions of the CLI importing `count` rows (valgrind counts instructions repeatably)."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return None
    path = write_jsonl(os.path.join(WORK, "rows-%d.jsonl" % count), count)
    emu = Emulator()
    prof = {}
    try:
        for label, extra in (("import", []), ("dry-run", ["--dry-run"])):
            emu.reset()
            cg = os.path.join(WORK, "callgrind.cli-%s.out" % label)
            cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg] + bkcc_cli(emu.url, path, 4, extra)
            subprocess.run(cmd, env=env_with_secret(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=300, check=True)
            prof[label] = annotate(cg, count)
        cg = os.path.join(WORK, "callgrind.sansio.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg, os.path.join(WORK, "sansio"),
                        "20", "60"], env=dict(os.environ, LD_LIBRARY_PATH=os.path.join(DIST, "lib")),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=True)
        prof["sansio"] = annotate(cg, 20 * 200)
    finally:
        emu.close()
    return prof


def demangle(names):
    swift = shutil.which("swift-demangle") or shutil.which("swift")
    if not swift:
        return names
    cmd = [swift, "--simplified", "--compact"] if swift.endswith("swift-demangle") else \
        [swift, "demangle", "--simplified", "--compact"]
    try:
        out = subprocess.run(cmd, input="\n".join(names), capture_output=True, text=True, timeout=60).stdout
        lines = out.split("\n")
        return lines[:len(names)] if len(lines) >= len(names) else names
    except (OSError, subprocess.SubprocessError):
        return names


def annotate(cg, items):
    """Total instructions, per item, and the top functions (inclusive and self) of one callgrind file."""
    def table(inclusive):
        out = subprocess.run(["callgrind_annotate", "--inclusive=%s" % ("yes" if inclusive else "no"), cg],
                             capture_output=True, text=True, timeout=120).stdout
        total = int(re.search(r"([\d,]+) \([^)]*\)\s+PROGRAM TOTALS", out).group(1).replace(",", ""))
        found = []
        for line in out.splitlines():
            m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S.*)$", line)
            if m and "PROGRAM TOTALS" not in line:
                found.append((int(m.group(1).replace(",", "")), float(m.group(2)), m.group(3)))
        return total, found

    total, inclusive = table(True)
    _, exclusive = table(False)

    def pick(rows, n, skip):
        chosen = []
        for count, pct, where in rows:
            fn = where.split(":", 1)[1] if ":" in where else where
            lib = re.search(r"\[([^\]]+)\]\s*$", fn)
            fn = re.sub(r"\s*\[[^\]]+\]\s*$", "", fn)
            if any(s in fn for s in skip) or fn.startswith("0x"):
                continue
            chosen.append([count, pct, fn, os.path.basename(lib.group(1)) if lib else ""])
            if len(chosen) >= n:
                break
        names = demangle([c[2] for c in chosen])
        for c, name in zip(chosen, names):
            c[2] = name[:140]
        return chosen

    skip = ["(below main)", "__libc_start", "libc_start_call_main", "_start"]
    return {"total": total, "per_item": total / items, "inclusive": pick(inclusive, 18, skip),
            "self": pick(exclusive, 15, skip)}


# ---- the report -------------------------------------------------------------------------------------------

def write_report(path, ctx):
    f = ctx["facts"]
    L = []
    a = L.append
    a("# bkcc benchmarks")
    a("")
    a("Written by `make bench` (`python3 Benchmarks/bench.py`) on %s; the whole run took %.0f s. Every figure "
      "below was measured in that one run, each against its baseline measured in the same run, over %d "
      "repetitions: **median (min–max)**. Do not edit by hand: edit `Benchmarks/bench.py` or "
      "`Benchmarks/NOTES.md` and run `make bench` again." % (ctx["date"], ctx["seconds"], ctx["reps"]))
    a("")
    a("## Summary")
    a("")
    a("| goal | measured | verdict |")
    a("|---|---|---|")
    for goal, got, ok in ctx["verdicts"]:
        a("| %s | %s | %s |" % (goal, got, "met" if ok else "**missed**"))
    a("")
    a("## The machine")
    a("")
    a("| | |")
    a("|---|---|")
    for k in ("cpu", "memory", "os", "kernel", "python", "gcc", "bkcc"):
        a("| %s | %s |" % (k, f[k]))
    a("| SDK and baselines | %s (in a virtual environment under build/bench/venv, from PyPI) |" % ", ".join(
        "%s %s" % kv for kv in ctx["versions"].items()))
    a("| load average (1/5/15 min) | at the start %s; at the end %s |" % (ctx["load_start"], ctx["load_end"]))
    a("| other busy processes | at the start: %s; at the end: %s |" % (
        "; ".join(ctx["busy_start"]) or "none over 5% of a core", "; ".join(ctx["busy_end"]) or "none over 5% of a core"))
    a("")
    a("Other processes busy (over 5% of a core) when each part started or ended, and the 1-minute load average at "
      "its end (this harness itself adds about 1: a client and the emulator):")
    a("")
    a("| part | load at its end | other busy processes |")
    a("|---|---|---|")
    for name, load, busy in ctx["sections"]:
        a("| %s | %s | %s |" % (name, load, busy))
    a("")
    a("The emulator (`Tests/Emulator/emulator.py`, CPython with its GIL) runs on the same 2 cores as the client under "
      "test, so every client competes with it for CPU. Each client is a child process of `Benchmarks/runstat.c`, "
      "which reads its user+sys CPU time and peak RSS from `wait4`'s rusage (forked from that small C process, so "
      "the peak RSS is the command's own); the emulator is reset (`POST /_emulator/reset`) before every run and "
      "checked after it to hold every row exactly once.")
    a("")

    cpu = ctx["cpu"]
    n = ctx["cpu_count"]
    a("## 1. Client CPU per instance (importing %s instances)" % "{:,}".format(n))
    a("")
    a("CPU time (user+sys) of the client process to import %s switches (7 attributes, Chinese names; the same "
      "JSON Lines file for every client) into the emulator without faults, divided by %s. Baseline: (c) the "
      "BlueKing Python SDK sending the same 200-item requests in a loop. The ratio is taken per repetition (client "
      "and SDK run back to back), then summarised." % ("{:,}".format(n), "{:,}".format(n)))
    a("")
    a("| client | CPU µs per instance | user µs | sys µs | wall s | peak RSS MiB | CPU ÷ SDK's |")
    a("|---|---|---|---|---|---|---|")
    rows_marginal = []
    names = {"bkcc CLI": "(a) `bkcc batch-create-inst` (concurrency 4)",
             "bkcc CLI (CSV)": "(a′) the same, the same rows as CSV",
             "bkcc Python": "(b) Python package `bkcc` (concurrency 4)",
             "SDK": "(c) `bkapi-component-open` loop (baseline)", "requests": "(d) plain `requests` loop"}
    for c, label in names.items():
        x = cpu[c]
        a("| %s | %s | %s | %s | %s | %s | %s |" % (label, fmt(x["cpu_us"]), fmt(x["user_us"]), fmt(x["sys_us"]),
                                                fmt(x["wall"], digits=2), fmt(x["rss_mib"]), fmt(x["ratio"], digits=3)))
        rows_marginal.append("| %s | %s | %s | %s |" % (label, fmt(x["fixed_ms"]), fmt(x["marginal_us"], digits=2),
                                                        fmt(x["marginal_ratio"], digits=2)))
    a("")
    a("The same CPU split in two by also importing %s rows (same clients, same repetitions): a fixed part "
      "(start-up, imports, connection) and a part per instance, (CPU at %s − CPU at %s) ÷ %s:" % (
          "{:,}".format(cpu["small"]), "{:,}".format(n), "{:,}".format(cpu["small"]), "{:,}".format(n - cpu["small"])))
    a("")
    a("| client | fixed CPU ms | CPU µs per additional instance | per-instance part ÷ SDK's |")
    a("|---|---|---|---|")
    L.extend(rows_marginal)
    a("")
    a("Reproduce: `python3 Benchmarks/bench.py --only cpu` (each run is `bkcc batch-create-inst --obj bk_switch "
      "--url URL --app-code bkcc-demo --username bench --concurrency 4 rows-%d.jsonl` with BK_APP_SECRET set, or "
      "`python Benchmarks/clients.py bkcc|sdk|requests URL rows-%d.jsonl`). Each client reads and parses the file, "
      "sends 200 items a request, and counts the answers' created items. The SDK and `requests` loops send one "
      "request at a time (as such loops are written); bkcc keeps 4 in flight (its default)." % (n, n))
    a("")

    tp = ctx["throughput"]
    a("## 2. Import throughput (emulator at 20 ms per request + 0.1 ms per item)")
    a("")
    a("`bkcc batch-create-inst --concurrency C` importing %s instances into `emulator.py --fault latency:20 "
      "--fault per_item:0.1` (40 ms a 200-item request). Ideal = C × 200 / 0.040 s. *bkcc* is instances ÷ the "
      "process's wall time (start-up, reading and checking the file included); *import only* uses the CLI's own "
      "`elapsed_ms` (the sending phase). *Trivial client* is the emulator's ceiling at that concurrency: threads of "
      "`http.client` with the request bodies encoded before the clock starts (`clients.py trivial`)."
      % "{:,}".format(tp["count"]))
    a("")
    a("| concurrency | ideal /s | bkcc /s | bkcc import only /s | bkcc ÷ ideal | trivial client /s (emulator ceiling) | bkcc ÷ trivial |")
    a("|---|---|---|---|---|---|---|")
    for c, x in tp["levels"].items():
        a("| %d | %s | %s | %s | %.0f%% | %s | %.0f%% |" % (
            c, "{:,.0f}".format(x["ideal"]), fmt(x["bkcc"], digits=0), fmt(x["bkcc_import_only"], digits=0),
            100 * x["bkcc"]["median"] / x["ideal"], fmt(x["trivial"], digits=0),
            100 * x["bkcc"]["median"] / x["trivial"]["median"]))
    a("")
    a("- The emulator's own ceiling (trivial client, concurrency 32): **%s instances/s**; " % fmt(tp["ceiling"], digits=0)
      + "above that no client can go, and the columns where *ideal* exceeds it measure the emulator, not bkcc.")
    c8 = tp["levels"].get(8)
    if c8:
        a("- bkcc at concurrency 8 ÷ the SDK loop (baseline, one request at a time, same emulator): %s /s ÷ %s /s "
          "= **%.1f×**." % (fmt(c8["bkcc"], digits=0), fmt(tp["sdk"], digits=0),
                            c8["bkcc"]["median"] / tp["sdk"]["median"]))
    a("")
    sp = ctx["speedup"]
    a("### Concurrency 8 against concurrency 1 (%s instances, emulator at 20 ms per request)" % "{:,}".format(sp["count"]))
    a("")
    a("| | concurrency 1 | concurrency 8 | speed-up (c1 ÷ c8, per repetition) |")
    a("|---|---|---|---|")
    a("| process wall s | %s | %s | %s× |" % (fmt(sp["wall"][1], digits=3), fmt(sp["wall"][8], digits=3),
                                           fmt(sp["ratio"], digits=2)))
    a("| import only (`elapsed_ms`) s | %s | %s | %s× |" % (fmt(sp["elapsed"][1], digits=3),
                                                       fmt(sp["elapsed"][8], digits=3),
                                                       fmt(sp["ratio_import_only"], digits=2)))
    a("| trivial client (what the emulator allows) s | %s | %s | %s× |" % (
        fmt(sp["trivial"][1], digits=3), fmt(sp["trivial"][8], digits=3), fmt(sp["ratio_trivial"], digits=2)))
    a("")
    a("Reproduce: `python3 Benchmarks/bench.py --only throughput` (`emulator.py --port 0 --fault latency:20 "
      "[--fault per_item:0.1]`, then `bkcc batch-create-inst --obj bk_switch --concurrency C …`).")
    a("")

    s = ctx["sansio"]
    a("## 3. Sans-IO cost of one 200-item batch")
    a("")
    a("`Benchmarks/sansio.c` (gcc -O2 against dist/) runs bkcc_validate + bkcc_build_request + json_dumps of the "
      "body (%s bytes on the wire) + bkcc_parse_response of a 200-item success answer (%s bytes), %d times; "
      "baseline: Python's `json.dumps` of the same body + `json.loads` of the same answer (`clients.py jsonbase`, "
      "%d times). Nanoseconds per instance:" % ("{:,}".format(s["body_bytes"]), "{:,}".format(s["response_bytes"]),
                                                s["iterations"], s["py_iterations"]))
    a("")
    a("| step | bkcc (C API) ns/instance | Python `json` ns/instance |")
    a("|---|---|---|")
    a("| validate | %s | — (Python does not check) |" % fmt(s["bkcc"]["validate_ns"]))
    a("| build the request | %s | — (a dict literal) |" % fmt(s["bkcc"]["build_ns"]))
    a("| serialize the body | %s (jansson `json_dumps`) | %s |" % (fmt(s["bkcc"]["dump_ns"]), fmt(s["python"]["dump_ns"])))
    a("| parse the answer | %s | %s |" % (fmt(s["bkcc"]["parse_ns"]), fmt(s["python"]["parse_ns"])))
    a("| **total** | **%s** | **%s** |" % (fmt(s["bkcc"]["total_ns"]), fmt(s["python"]["total_ns"])))
    a("")
    a("Ratio bkcc ÷ Python json: all of bkcc's steps **%s×**; serialize + parse alone %s×." % (
        fmt(s["ratio"], digits=2), fmt(s["ratio_serialize_parse"], digits=2)))
    a("")
    a("Reproduce: `make dist && gcc -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -Idist/include Benchmarks/sansio.c "
      "-Ldist/lib -lbkcc -ljansson -o sansio && LD_LIBRARY_PATH=dist/lib ./sansio 5000 5` and "
      "`python3 Benchmarks/clients.py jsonbase 5000 5`.")
    a("")

    m = ctx["memory"]
    small, large, big = m["small"], ctx["memory_large"], m["large_real"]
    a("## 4. Peak RSS of the CLI")
    a("")
    a("`bkcc batch-create-inst --obj bk_switch FILE.csv` (CSV generated in a temporary folder; peak RSS from "
      "rusage). Dry run (`--dry-run`, requests printed to /dev/null) and a real import into the emulator without "
      "faults.")
    a("")
    a("| run | rows | peak RSS MiB | wall s | ratio to %s rows |" % "{:,}".format(small))
    a("|---|---|---|---|---|")
    for kind, sizes in (("dry run", (small, large)), ("real import", (small, big))):
        d = m["dry" if kind == "dry run" else "real"]
        for rowsn in sizes:
            r = d[rowsn]
            a("| %s | %s | %.1f | %.1f | %.2f× |" % (kind, "{:,}".format(rowsn), r["rss_kib"] / 1024, r["wall"],
                                                   r["rss_kib"] / d[small]["rss_kib"]))
    a("")
    if big != large:
        a("The real import used %s rows, not %s: at the %.0f rows/s that the %s-row import reached, %s rows would "
          "not fit the harness's time budget." % ("{:,}".format(big), "{:,}".format(large), m["rate_small"],
                                                 "{:,}".format(small), "{:,}".format(large)))
    else:
        a("The %s-row real import took %.1f s; the emulator used %.1f s of CPU meanwhile (it is the slower party)."
          % ("{:,}".format(big), m["real"][big]["wall"], m["emulator_cpu_large"]))
    a("")
    a("Reproduce: `python3 Benchmarks/bench.py --only memory`.")
    a("")

    st = ctx["startup"]
    base = st['python -c "import json"']["median"]
    if "xlsx" in ctx:  # Benchmarks/xlsx_bench.py
        import xlsx_bench
        a("## 4b. Reading an .xlsx against the same rows as CSV (`bkcc validate`, medians)\n\n" + xlsx_bench.result_line(ctx["xlsx"]) + "\n")
    if "sync" in ctx:  # Benchmarks/sync_bench.py
        sy = ctx["sync"]
        a("## 4c. Sync: %s switches, %s changed, %d ms a request" % ("{:,}".format(sy["count"]), "{:,}".format(sy["changed"]), sy["latency_ms"]))
        a("")
        a("`bkcc sync --apply` against the obvious SDK loop (read every instance a page at a time, compare, update each "
          "changed one with its own request), from the same server state; each run's requests as the emulator counted them.")
        a("")
        a("| client | requests | wall s | server right after |")
        a("|---|---|---|---|")
        for name, label in (("bkcc", "`bkcc sync --apply`"), ("sdk", "SDK loop")):
            a("| %s | %d | %.2f | %s |" % (label, sy[name]["requests"], sy[name]["wall_s"], "yes" if sy[name]["correct"] else "NO"))
        a("")
        a("Reproduce: `python3 Benchmarks/sync_bench.py`.")
        a("")
    a("## 5. Start-up")
    a("")
    a("Wall time of the whole process, %d runs each (interleaved). Baseline: `python -c \"import json\"` "
      "(the interpreter's own start-up)." % st['python -c "import json"']["n"])
    a("")
    a("| command | wall ms | ÷ `python -c \"import json\"` |")
    a("|---|---|---|")
    for k, x in st.items():
        a("| `%s` | %s | %.2f× |" % (k, fmt(x, 1000, 1), x["median"] / base))
    a("")
    a("Reproduce: `python3 Benchmarks/bench.py --only startup` (python is the venv's interpreter, "
      "with PYTHONPATH=bindings/python and BKCC_LIBRARY=dist/lib/libbkcc.so.0).")
    a("")

    prof = ctx.get("profile")
    a("## Profile (callgrind)")
    a("")
    if not prof:
        a("valgrind was not available: no profile.")
    else:
        a("Instructions counted by `valgrind --tool=callgrind` (repeatable, unlike time). Files: "
          "`build/bench/callgrind.*.out` (open with `callgrind_annotate` or kcachegrind).")
        a("")
        a("| program | instructions | per instance |")
        a("|---|---|---|")
        a("| `bkcc batch-create-inst` importing %s rows | %s | %s |" % (
            "{:,}".format(ctx["profile_count"]), "{:,}".format(prof["import"]["total"]),
            "{:,.0f}".format(prof["import"]["per_item"])))
        a("| the same with `--dry-run` (no network) | %s | %s |" % (
            "{:,}".format(prof["dry-run"]["total"]), "{:,.0f}".format(prof["dry-run"]["per_item"])))
        a("| `sansio 20` (20 × 200 items, plus start-up) | %s | %s |" % (
            "{:,}".format(prof["sansio"]["total"]), "{:,.0f}".format(prof["sansio"]["per_item"])))
        for label in ("import", "sansio"):
            a("")
            a("Top functions of *%s*, inclusive (share of all instructions) and self:" % label)
            a("")
            a("| inclusive % | function | library |")
            a("|---|---|---|")
            for count, pct, fn, lib in prof[label]["inclusive"]:
                a("| %.1f | `%s` | %s |" % (pct, fn.replace("|", "\\|"), lib))
            a("")
            a("| self % | function | library |")
            a("|---|---|---|")
            for count, pct, fn, lib in prof[label]["self"]:
                a("| %.1f | `%s` | %s |" % (pct, fn.replace("|", "\\|"), lib))
    a("")
    if os.path.exists(NOTES):
        with open(NOTES, encoding="utf-8") as fn:
            a(fn.read().rstrip())
        a("")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(L))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repetitions: a smoke test")
    parser.add_argument("--only", choices=["cpu", "throughput", "sansio", "memory", "startup", "profile", "xlsx", "pipeline", "sync"],
                        help="run one part and print its numbers as JSON (BENCHMARKS.md is not touched)")
    args = parser.parse_args()
    for p in (BKCC, LIBRARY):
        if not os.path.exists(p):
            sys.exit("bench: %s is missing: run `make dist` first" % p)
    reps = 2 if args.quick else args.reps
    cpu_count = 2000 if args.quick else 20000
    tp_count = 4000 if args.quick else 20000
    sp_count = 2000 if args.quick else 10000
    mem_small, mem_large = (1000, 20000) if args.quick else (10000, 1000000)
    prof_count = 400 if args.quick else 2000

    build_tools()
    py = venv_python()
    ctx = {"reps": reps, "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
           "load_start": "%.2f / %.2f / %.2f" % os.getloadavg(), "busy_start": busy_processes(),
           "facts": machine_facts(), "versions": package_versions(py), "cpu_count": cpu_count,
           "memory_large": mem_large, "profile_count": prof_count}
    log("machine:", ctx["facts"]["cpu"], "load", ctx["load_start"])
    parts = {
        "profile": lambda: bench_profile(py, prof_count),
        "sansio": lambda: bench_sansio(py, reps),
        "startup": lambda: bench_startup(py, max(10, reps * 4)),
        "cpu": lambda: bench_cpu(py, reps, cpu_count),
        "throughput": lambda: bench_throughput(py, max(2, reps - 2), tp_count, [1, 2, 4, 8, 16]),
        "speedup": lambda: bench_speedup(py, reps, sp_count),
        "memory": lambda: bench_memory(mem_small, mem_large, 150),
        "xlsx": lambda: bench_xlsx(2000 if args.quick else 100000, reps),
        "pipeline": lambda: pipeline_goals.measure(sys.modules[__name__], py, reps, args.quick),
        "sync": lambda: sync_bench.run(py, 2000 if args.quick else 20000, 0.01, 20),
    }
    if args.only:
        names = [args.only] + (["speedup"] if args.only == "throughput" else [])
        for name in names:
            value = parts[name]()
            print(json.dumps(value, indent=1, default=lambda o: str(o)))
        return 0
    ctx["sections"] = []
    for name, fn in parts.items():
        log("running", name)
        before = busy_processes()
        ctx[name] = fn()
        ctx["sections"].append((name, "%.2f" % os.getloadavg()[0], "; ".join(sorted(set(before + busy_processes())))
                                or "none"))
    ctx["load_end"] = "%.2f / %.2f / %.2f" % os.getloadavg()
    ctx["busy_end"] = busy_processes()
    ctx["seconds"] = time.monotonic() - STARTED
    ctx["verdicts"] = verdicts(ctx)
    write_report(args.out, ctx)
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump({k: v for k, v in ctx.items() if k != "verdicts"}, f, indent=1, default=str)
    log("wrote", args.out)
    for goal, got, ok in ctx["verdicts"]:
        log("%-60s %s  %s" % (goal, got, "met" if ok else "MISSED"))
    return 0


def verdicts(ctx):
    v = []
    cpu = ctx["cpu"]
    r = cpu["bkcc CLI"]["ratio"]["median"]
    v.append(("1. bkcc CLI CPU per instance ≤ 1/5 of the SDK loop's",
              "%.1f µs vs %.1f µs: %.3f× (1/%.1f)" % (cpu["bkcc CLI"]["cpu_us"]["median"], cpu["SDK"]["cpu_us"]["median"],
                                                   r, 1 / r), r <= 0.2))
    tp = ctx["throughput"]
    for c in (1, 2, 4, 8):
        x = tp["levels"][c]
        share = x["bkcc"]["median"] / x["ideal"]
        limit = min(x["ideal"], tp["ceiling"]["median"])
        note = "" if share >= 0.9 else "; the emulator serves a trivial client %.0f/s = %.0f%% of ideal at c=%d, bkcc gets %.0f%% of that" % (
            x["trivial"]["median"], 100 * x["trivial"]["median"] / x["ideal"], c,
            100 * x["bkcc"]["median"] / x["trivial"]["median"])
        v.append(("2. throughput at concurrency %d ≥ 90%% of ideal (%.0f/s)" % (c, x["ideal"]),
                  "%.0f/s = %.0f%% of ideal%s" % (x["bkcc"]["median"], 100 * share, note), share >= 0.9))
    sp = ctx["speedup"]
    v.append(("2. concurrency 8 ≥ 5× concurrency 1 (%s rows, 20 ms)" % "{:,}".format(sp["count"]),
              "%.2f× (process wall), %.2f× (import only); the trivial client gets %.2f× from this emulator" % (
                  sp["ratio"]["median"], sp["ratio_import_only"]["median"], sp["ratio_trivial"]["median"]),
              sp["ratio"]["median"] >= 5))
    m = ctx["memory"]
    dry = m["dry"][ctx["memory_large"]]["rss_kib"] / m["dry"][m["small"]]["rss_kib"]
    real = m["real"][m["large_real"]]["rss_kib"] / m["real"][m["small"]]["rss_kib"]
    v.append(("4. peak RSS flat (large ÷ small ≤ 2×)",
              "dry run %.2f× (%s rows), real import %.2f× (%s rows)" % (dry, "{:,}".format(ctx["memory_large"]), real,
                                                                      "{:,}".format(m["large_real"])),
              dry <= 2 and real <= 2))
    v.extend(pipeline_goals.verdicts(ctx["pipeline"]))
    sy = ctx.get("sync")
    if sy:
        v.append(("17. sync of %s rows with 1%% changed: fewer requests and less wall than the SDK loop" % "{:,}".format(sy["count"]),
                  "%d vs %d requests, %.2f s vs %.2f s (%.1f×)" % (sy["bkcc"]["requests"], sy["sdk"]["requests"],
                                                                   sy["bkcc"]["wall_s"], sy["sdk"]["wall_s"], sy["speedup"]),
                  sy["bkcc"]["correct"] and sy["sdk"]["correct"] and sy["bkcc"]["requests"] < sy["sdk"]["requests"]
                  and sy["speedup"] > 1))
    return v


if __name__ == "__main__":
    sys.exit(main())
