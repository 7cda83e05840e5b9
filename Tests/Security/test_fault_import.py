"""The product promise end to end: 100,000 rows through the CLI against an emulator that gives a random fault
(reset, stall, 502 page, truncated answer, not JSON, audit failure, rate limit) to 5% of requests, then one
--resume with the faults off: exactly 100,000 instances stored, each once, and the report says so.
"""

import json
import os

from .security_support import Emulator, run_cli

ROWS = 100_000


def last_outcomes(report):
    """index -> the last outcome the report gives it (a resume appends to / rewrites the report)."""
    outcomes = {}
    with open(report, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                row = json.loads(line)
                if "outcome" in row:  # not a header or an intent line
                    outcomes[row["index"]] = row
    return outcomes


def test_100000_rows_with_5_percent_faults_end_after_one_resume_with_each_stored_once(tmp_path):
    cmdb = Emulator("--fault-rate", "0.05", "--fault-seed", "7", "--fault-mix",
                          "reset,stall:2500,http_502_html,truncate,not_json,audit_fail,rate_limit")
    try:
        source = tmp_path / "switches.csv"
        with open(source, "w", encoding="utf-8") as f:
            f.write("bk_inst_name,bk_asset_id,bk_sn\n")
            for i in range(ROWS):
                f.write("sw-%06d,FR-%06d,SN%06d\n" % (i, i, i))
        report = tmp_path / "report.jsonl"
        env = cmdb.env()
        first = run_cli("batch-create-inst", "--obj", "bk_switch", "--report", str(report), "--timeout", "1",
                        "--concurrency", "8", "--no-progress", str(source), env=env, timeout=150)
        stats = cmdb.stats()
        applied = sum(stats["faults_applied"].values())
        assert applied > 0, stats
        assert first.returncode == 1, (first.returncode, first.stderr[-2000:])
        outcomes = last_outcomes(report)
        assert len(outcomes) == ROWS
        assert any(o["outcome"] == "unknown" for o in outcomes.values())

        cmdb.config(fault_rate=0)   # the CMDB is healthy again
        second = run_cli("batch-create-inst", "--obj", "bk_switch", "--resume", str(report), "--report",
                         str(report), "--timeout", "10", "--concurrency", "8", "--no-progress", str(source),
                         env=env, timeout=150)
        assert second.returncode == 0, (second.returncode, second.stderr[-2000:])

        stored = cmdb.instances("bk_switch")
        assert len(stored) == ROWS
        assets = [inst["bk_asset_id"] for inst in stored]
        assert len(set(assets)) == ROWS and set(assets) == {"FR-%06d" % i for i in range(ROWS)}
        ids = {inst["bk_asset_id"]: inst["bk_inst_id"] for inst in stored}
        outcomes = last_outcomes(report)
        assert len(outcomes) == ROWS
        assert all(o["outcome"] == "created" for o in outcomes.values())
        assert all(o["bk_inst_id"] == ids["FR-%06d" % i] for i, o in outcomes.items())
        print("faults applied in the first run: %s" % json.dumps(stats["faults_applied"], sort_keys=True))
    finally:
        cmdb.close()
