"""The import pipeline's goals (issue #13), measured by bench.py beside the SDK in the same run:

- CLI CPU per additional instance *with --report*: JSON Lines and CSV, against the SDK loop's; whole-process CPU
  of the whole import against the SDK's;
- 20,000 rows into a 20 ms-per-request server at concurrency 8: bkcc's wall time against the SDK loop's and
  against `curl --parallel --parallel-max 8` sending the same pre-built bodies (from `bkcc --dry-run`) to the same
  server, with the server's model kept from an earlier run (ModelCache) and, beside it, without. The verdicts are
  for Benchmarks/latency_server.py, which spends next to no CPU a request; the same runs
  against the emulator are shown beside them: its ~4.5 ms of Python a request, under one GIL, bounds all three
  clients there. Both servers set TCP_NODELAY and a listen backlog of 128, so no comparison is Nagle's;
- peak RSS of a real import with --report, large against small;
- the Python package's CPU per additional instance against the SDK loop's.

Every run is checked: the emulator must have created every row. Loopback only; every loop bounded."""

import json
import os
import shutil
import subprocess
import tempfile


def _cli_with_report(bench, emu, path, count, concurrency, report, env=None):
    emu.reset()
    if os.path.exists(report):
        os.unlink(report)
    r = bench.run(bench.bkcc_cli(emu.url, path, concurrency, ["--report", report]), env=dict(bench.env_with_secret(), **(env or {})),
                  timeout=900)
    if r["exit"] != 0:
        raise RuntimeError("bkcc --report failed (exit %d): %s" % (r["exit"], r.get("err", "")))
    created = emu.stats()["items_created"]
    if created != count:
        raise RuntimeError("bkcc --report: the emulator created %d of %d rows" % (created, count))
    return r


def cpu_with_report(bench, py, reps, count):
    """CPU per additional instance (runs at count and count/10, interleaved with the SDK and the Python package)."""
    small = count // 10
    tmp = tempfile.mkdtemp(prefix="bkcc-pipeline-")
    report = os.path.join(tmp, "report.jsonl")
    paths = {}
    for n in (count, small):
        paths[("jsonl", n)] = bench.write_jsonl(os.path.join(tmp, "rows-%d.jsonl" % n), n)
        paths[("csv", n)] = bench.write_csv(os.path.join(tmp, "rows-%d.csv" % n), n)
    emu = bench.Emulator()
    runs = {k: {count: [], small: []} for k in ("jsonl", "csv", "SDK", "bkcc Python")}
    try:
        for rep in range(reps):
            for n in (count, small):
                for fmt in ("jsonl", "csv"):
                    runs[fmt][n].append(_cli_with_report(bench, emu, paths[(fmt, n)], n, 4, report)["cpu"])
                for client in ("SDK", "bkcc Python"):
                    runs[client][n].append(bench.client_run(client, emu, paths[("jsonl", n)], n, 4, py)["cpu"])
            bench.log("pipeline cpu rep %d/%d: %s" % (rep + 1, reps, ", ".join(
                "%s %.2fs" % (k, v[count][-1]) for k, v in runs.items())))
    finally:
        emu.close()
        shutil.rmtree(tmp, ignore_errors=True)
    out = {"count": count, "small": small}
    for k, v in runs.items():
        out[k] = {"cpu_s": bench.summary(v[count]),
                  "marginal_us": bench.summary([(a - b) / (count - small) * 1e6 for a, b in zip(v[count], v[small])])}
    for k in ("jsonl", "csv", "bkcc Python"):
        out[k]["marginal_ratio"] = bench.summary([
            (a - b) / (sa - sb) for a, b, sa, sb in zip(runs[k][count], runs[k][small], runs["SDK"][count], runs["SDK"][small])])
        out[k]["whole_ratio"] = bench.summary([a / s for a, s in zip(runs[k][count], runs["SDK"][count])])
    return out


def _curl_bodies(bench, emu, path, tmp):
    """The requests bkcc would send, as files for curl: the --dry-run output with the secret put back."""
    r = subprocess.run(bench.bkcc_cli(emu.url, path, 8, ["--dry-run"])[:-1] + [path], env=bench.env_with_secret(),
                       capture_output=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("bkcc --dry-run failed: %s" % r.stderr.decode()[-400:])
    files = []
    for number, line in enumerate(r.stdout.decode().splitlines()):
        request = json.loads(line)
        if "body" not in request:
            continue  # the summary line
        request["body"]["bk_app_secret"] = bench.APP_SECRET
        name = os.path.join(tmp, "body-%05d.json" % number)
        with open(name, "w", encoding="utf-8") as f:
            json.dump(request["body"], f, ensure_ascii=False, separators=(",", ":"))
        files.append((request["url"], name))
    return files


def wall_at_concurrency_8(bench, py, reps, count, server):
    """bkcc (--report) at concurrency 8, the SDK loop, and curl --parallel-max 8 with the same bodies, 20 ms a
    request; server() starts the server (bench.LatencyServer or bench.Emulator)."""
    tmp = tempfile.mkdtemp(prefix="bkcc-pipeline-")
    path = bench.write_jsonl(os.path.join(tmp, "rows-%d.jsonl" % count), count)
    report = os.path.join(tmp, "report.jsonl")
    emu = server()
    # "bkcc": the model this server gave is kept (ModelCache: the --dry-run below keeps it), so the rows are
    # checked while it is read again, as in every import after a CMDB's first; "bkcc, no model kept": the first.
    walls = {"bkcc": [], "bkcc, no model kept": [], "SDK": [], "curl": []}
    try:
        bodies = _curl_bodies(bench, emu, path, tmp)
        config = os.path.join(tmp, "curl.cfg")
        with open(config, "w") as f:
            # `next` between transfers: without it curl joins every body into one and sends it to every URL.
            f.write("\nnext\n".join('url = "%s"\ndata-binary = "@%s"\nheader = "Content-Type: application/json"\n'
                                     'output = "/dev/null"' % (url, name) for url, name in bodies) + "\n")
        for _ in range(reps):
            walls["bkcc"].append(_cli_with_report(bench, emu, path, count, 8, report)["wall"])
            walls["bkcc, no model kept"].append(
                _cli_with_report(bench, emu, path, count, 8, report, env={"BKCC_MODEL_CACHE": "off"})["wall"])
            walls["SDK"].append(bench.client_run("SDK", emu, path, count, 1, py)["wall"])
            emu.reset()
            r = bench.run(["curl", "-sS", "--fail", "--parallel", "--parallel-max", "8", "--config", config], timeout=300)
            if r["exit"] != 0 or emu.stats()["items_created"] != count:
                raise RuntimeError("curl --parallel: exit %d, %d of %d created" % (r["exit"], emu.stats()["items_created"], count))
            walls["curl"].append(r["wall"])
            bench.log("pipeline wall c=8 (%s): bkcc %.3fs (no model kept %.3fs), SDK %.2fs, curl %.3fs" % (
                type(emu).__name__, walls["bkcc"][-1], walls["bkcc, no model kept"][-1], walls["SDK"][-1], walls["curl"][-1]))
    finally:
        emu.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return {"count": count, "wall": {k: bench.summary(v) for k, v in walls.items()},
            "vs_sdk": bench.summary([s / b for b, s in zip(walls["bkcc"], walls["SDK"])]),
            "vs_curl": bench.summary([c / b for b, c in zip(walls["bkcc"], walls["curl"])]),
            "cold_vs_sdk": bench.summary([s / b for b, s in zip(walls["bkcc, no model kept"], walls["SDK"])]),
            "cold_vs_curl": bench.summary([c / b for b, c in zip(walls["bkcc, no model kept"], walls["curl"])])}


def memory_with_report(bench, small, large):
    """Peak RSS of real imports with --report, `large` rows against `small`."""
    tmp = tempfile.mkdtemp(prefix="bkcc-pipeline-")
    report = os.path.join(tmp, "report.jsonl")
    emu = bench.Emulator()
    out = {"small": small, "large": large}
    try:
        for n, key in ((small, "small_mib"), (large, "large_mib")):
            path = bench.write_csv(os.path.join(tmp, "rows-%d.csv" % n), n)
            out[key] = _cli_with_report(bench, emu, path, n, 4, report)["rss_kib"] / 1024
            bench.log("pipeline memory: %d rows with --report: %.1f MiB" % (n, out[key]))
    finally:
        emu.close()
        shutil.rmtree(tmp, ignore_errors=True)
    out["ratio"] = out["large_mib"] / out["small_mib"]
    return out


def measure(bench, py, reps, quick):
    count = 2000 if quick else 20000
    wall_reps, wall_count = max(2, reps - 2), 4000 if quick else 20000
    return {"cpu": cpu_with_report(bench, py, reps, count),
            "wall": wall_at_concurrency_8(bench, py, wall_reps, wall_count, lambda: bench.LatencyServer(20)),
            "wall_emulator": wall_at_concurrency_8(bench, py, wall_reps, wall_count, lambda: bench.Emulator("latency:20")),
            "memory": memory_with_report(bench, *((1000, 20000) if quick else (10000, 1000000)))}


def verdicts(p):
    cpu, wall, mem, emu = p["cpu"], p["wall"], p["memory"], p["wall_emulator"]
    v = []
    for fmt, limit in (("jsonl", 2.5), ("csv", 2.0)):
        us, ratio = cpu[fmt]["marginal_us"]["median"], cpu[fmt]["marginal_ratio"]["median"]
        v.append(("#13 CLI CPU per additional instance with --report (%s) ≤ %.1f µs and ≤ 1/4 of the SDK's" % (fmt, limit),
                  "%.2f µs, %.3f× the SDK's %.2f µs" % (us, ratio, cpu["SDK"]["marginal_us"]["median"]),
                  us <= limit and ratio <= 0.25))
        whole = cpu[fmt]["whole_ratio"]["median"]
        v.append(("#13 CLI whole-process CPU, %s rows with --report (%s) ≤ 1/5 of the SDK's" % ("{:,}".format(cpu["count"]), fmt),
                  "%.3f×" % whole, whole <= 0.2))
    v.append(("#13 %s rows, 20 ms a request (latency_server.py), concurrency 8: ≥ 8× faster than the SDK loop"
              % "{:,}".format(wall["count"]),
              "%.1f× (bkcc %.3f s, SDK %.2f s); with no model kept from an earlier run %.1f× (%.3f s); against the emulator %.1f×, curl %.1f×" % (
                  wall["vs_sdk"]["median"], wall["wall"]["bkcc"]["median"], wall["wall"]["SDK"]["median"],
                  wall["cold_vs_sdk"]["median"], wall["wall"]["bkcc, no model kept"]["median"],
                  emu["vs_sdk"]["median"], emu["wall"]["SDK"]["median"] / emu["wall"]["curl"]["median"]),
              wall["vs_sdk"]["median"] >= 8))
    v.append(("#13 same: ≥ 90% of curl --parallel --parallel-max 8 with the same bodies",
              "%.0f%% (curl %.3f s); with no model kept %.0f%%; against the emulator %.0f%%" % (
                  100 * wall["vs_curl"]["median"], wall["wall"]["curl"]["median"], 100 * wall["cold_vs_curl"]["median"],
                  100 * emu["vs_curl"]["median"]),
              wall["vs_curl"]["median"] >= 0.9))
    v.append(("#13 peak RSS with --report, %s rows ≤ 2× %s rows" % ("{:,}".format(mem["large"]), "{:,}".format(mem["small"])),
              "%.2f× (%.1f MiB vs %.1f MiB)" % (mem["ratio"], mem["large_mib"], mem["small_mib"]), mem["ratio"] <= 2))
    py = cpu["bkcc Python"]
    v.append(("#13 Python package CPU per additional instance ≤ the SDK loop's",
              "%.2f µs, %.2f× the SDK's" % (py["marginal_us"]["median"], py["marginal_ratio"]["median"]),
              py["marginal_ratio"]["median"] <= 1))
    return v
