"""The failure answers of the real BlueKing servers (Tests/Emulator/README.md, "Faults of the real servers"): for
each, what a user sees through the Python package and through the CLI, what reached the emulator, what it stored,
and the next step (``Client.reconcile`` / ``bkcc batch-create-inst --resume``) ending with every row stored once.

The contract is the retry rule (README.md "Retry rule", Sources/BKCC/Engine/AnswerRule.swift):

- an answer after which the backend may have acted (gateway 5xx, ESB 1306201 / 1306000 "not JSON", CMDB 1199002)
  leaves the request's items ``unknown``: never ``failed``, never sent again;
- a rate limit (gateway 1642901-1642904, CMDB 1199997) did nothing: the request is sent again after a short
  backoff, then its items are created;
- a ``result:true`` that cannot be trusted (one ``bk_inst_id`` for two items, a non-zero code) leaves the items
  ``unknown`` with ``BKCC_EPROTOCOL``;
- every configured secret is ``***`` in whatever a server's text reaches;
- items refused one by one still give an error with the request id and the HTTP status.

Layout of every import (unless said otherwise): 450 rows, concurrency 1, so requests of rows 0-199, 200-399 and
400-449 in this order; the fault is armed with ``count: 1, only: batch_create_inst`` and so strikes the first one.
Everything runs on 127.0.0.1; every wait is bounded (timeouts of 5 s, at most 2 retries).
"""

import collections
import json
import time

import pytest

import bkcc

from .security_support import APP_CODE, Emulator, run_cli, switches

N = 450
HIT = range(0, 200)          # the items of the faulted (first) request
REST = range(200, N)         # the items of the two requests after it
ROUTES = ("esb", "apigw")
TIMEOUT_MS = 5000
RETRIES = 2


# ---- helpers ---------------------------------------------------------------------------------------------------

def rows(n=N, prefix="ra"):
    """The details (names and asset ids "<prefix>-<i>")."""
    return switches(n, prefix)


def arm(emu, name, arg=None, count=1, only="batch_create_inst"):
    fault = {"name": name, "count": count, "only": only}
    if arg is not None:
        fault["arg"] = arg
    return emu.set_faults([fault])


def python_client(emu, api, **overrides):
    config = dict(api=api, concurrency=1, retries=RETRIES, timeout_ms=TIMEOUT_MS)
    config.update(overrides)
    return emu.client(**config)


def stored(emu):
    """{bk_asset_id: bk_inst_id} of the stored switches; fails if one asset id is stored twice."""
    instances = emu.instances("bk_switch")
    counts = collections.Counter(i["bk_asset_id"] for i in instances)
    twice = sorted(a for a, k in counts.items() if k > 1)
    assert not twice, "stored more than once: %s" % twice[:10]
    ids = [i["bk_inst_id"] for i in instances]
    assert len(ids) == len(set(ids)), "one bk_inst_id for two instances in the store"
    return {i["bk_asset_id"]: i["bk_inst_id"] for i in instances}


def assets(details, indices):
    return {details[i]["bk_asset_id"] for i in indices}


def assert_maps(result, n=N, created=(), failed=(), unknown=(), skipped=(), not_created=()):
    """Each index in exactly the map named, and in no other."""
    expected = {"created": set(created), "failed": set(failed), "unknown": set(unknown), "skipped": set(skipped),
                "not_created": set(not_created)}
    actual = {k: set(getattr(result, k)) for k in expected}
    assert actual == expected, "maps: %s, expected %s; requests: %s" % (
        {k: len(v) for k, v in actual.items()}, {k: len(v) for k, v in expected.items()}, result.requests)
    seen = [i for m in (result.created, result.failed, result.unknown, result.skipped, result.not_created) for i in m]
    assert sorted(seen) == list(range(n)), "an item is lost or counted twice"


def assert_ids_are_the_stored_ones(result, details, ids):
    for i, inst_id in result.created.items():
        assert inst_id == ids[details[i]["bk_asset_id"]], (i, inst_id, ids[details[i]["bk_asset_id"]])


def api_counts(emu, api, creates, searches=None):
    """What reached the emulator: `creates` batch_create_inst requests (and `searches` search_inst, if given), all on
    the route `api`."""
    stats = emu.stats()
    assert stats["requests"]["batch_create_inst"] == creates, stats
    if searches is not None:
        assert stats["requests"]["search_inst"] == searches, stats
    # and the model's reads (the CLI checks rows against the model it reads first)
    total = sum(stats["requests"].get(op, 0) for op in ("batch_create_inst", "search_inst", "search_object_attribute",
                                                          "search_object_unique"))
    other = "apigw" if api == "esb" else "esb"
    assert stats["requests_by_api"][api] == total and stats["requests_by_api"][other] == 0, stats
    return stats


def request_of(result, first):
    found = [r for r in result.requests if r["first"] == first]
    assert len(found) == 1, result.requests
    return found[0]


class CLI:
    """bkcc with a clean environment (HOME in tmp_path, settings from BK_* for the emulator) and bounded timeouts."""

    def __init__(self, emu, tmp_path, api="esb", env=None, config=None):
        self.emu, self.dir, self.api, self.config = emu, tmp_path, api, config
        self.env = dict(emu.env(), HOME=str(tmp_path)) if env is None else dict(env, HOME=str(tmp_path))
        self.outputs = []   # (stdout, stderr) of every run, for the secrets check

    def csv(self, details, name="rows.csv"):
        path = self.dir / name
        path.write_text("bk_inst_name,bk_asset_id\n" + "".join(
            "%s,%s\n" % (d["bk_inst_name"], d["bk_asset_id"]) for d in details))
        return path

    def __call__(self, *args, progress=False, timeout=60):
        argv = ["batch-create-inst", "--obj", "bk_switch", "--concurrency", "1", "--retries", str(RETRIES),
                "--timeout", str(TIMEOUT_MS // 1000), "--progress" if progress else "--no-progress"]
        argv += ["--config", str(self.config)] if self.config else ["--api", self.api]
        started = time.monotonic()
        done = run_cli(*argv, *map(str, args), env=self.env, timeout=timeout)
        done.seconds = time.monotonic() - started
        self.outputs.append((done.stdout, done.stderr))
        return done

    def json(self, *args, **kw):
        """A run with --output json: (CompletedProcess, the summary object)."""
        done = self(*args, "--output", "json", **kw)
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        assert lines, "no JSON summary: exit %d, stderr %s" % (done.returncode, done.stderr[-2000:])
        return done, json.loads(lines[-1])


def report(path):
    with open(path, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    lines = [line for line in lines if "outcome" in line]  # row lines, not the header or intent lines
    indices = [line["index"] for line in lines]
    assert len(indices) == len(set(indices)), "a row is in the report twice"
    return {line["index"]: line for line in lines}


def assert_report(lines, n, created=(), failed=(), unknown=(), skipped=()):
    outcomes = {"created": set(created), "failed": set(failed), "unknown": set(unknown), "skipped": set(skipped)}
    assert sorted(lines) == list(range(n)), "the report does not list every row once"
    actual = {k: {i for i, line in lines.items() if line["outcome"] == k} for k in outcomes}
    assert actual == outcomes, ({k: len(v) for k, v in actual.items()}, {k: len(v) for k, v in outcomes.items()})
    for line in lines.values():
        assert line["line"] == line["index"] + 2, line


def assert_report_ids_are_the_stored_ones(lines, details, ids):
    for i, line in lines.items():
        if line["outcome"] == "created":
            assert line["bk_inst_id"] == ids[details[i]["bk_asset_id"]], line


def assert_summary(summary, status, exit_code, **counts):
    assert summary["status"] == status and summary["exit_code"] == exit_code, summary
    for key, value in counts.items():
        assert summary[key] == value, (key, summary)


def resume_and_check_all_stored_once(cli, emu, path, details, first_report, **counts):
    """The CLI's next step: --resume; it ends with exit 0 and every row stored once, with its real id."""
    again = cli.dir / "again.jsonl"
    done, summary = cli.json("--resume", first_report, "--report", again, path)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert_summary(summary, "BKCC_OK", 0, total=len(details), created=len(details), failed=0, unknown=0, skipped=0,
                   **counts)
    ids = stored(emu)
    assert set(ids) == assets(details, range(len(details)))
    lines = report(again)
    assert_report(lines, len(details), created=range(len(details)))
    assert_report_ids_are_the_stored_ones(lines, details, ids)
    return summary


# ---- after the backend may have acted: unknown, never sent again ---------------------------------------------

# (fault, code, HTTP status, routes): every one is processed (its items stored), then the error replaces the answer.
MAY_HAVE_ACTED = [
    ("gw_504", 1650401, 504, ROUTES),
    ("gw_502_requesting", 1650201, 502, ROUTES),
    ("gw_502_bad_gateway", 1650200, 502, ROUTES),
    ("gw_500", 1650000, 500, ROUTES),
    ("gw_500_1650001", 1650001, 500, ROUTES),
    ("gw_503", 1650300, 503, ROUTES),
    ("esb_1306201", 1306201, 200, ("esb",)),            # esb_* apply to the ESB route only
    ("esb_1306000_not_json", 1306000, 200, ("esb",)),
]
ACTED_CASES = [pytest.param(api, fault, code, http, id="%s-%s" % (api, fault))
               for fault, code, http, routes in MAY_HAVE_ACTED for api in routes]


@pytest.mark.parametrize("api,fault,code,http", ACTED_CASES)
def test_may_have_acted_python(sec_cmdb, api, fault, code, http):
    details = rows()
    arm(sec_cmdb, fault)
    events = []
    with python_client(sec_cmdb, api) as client:
        result = client.batch_create_inst("bk_switch", details, progress=events.append)
        # what the user sees: the faulted request's items unknown (never failed), the others created
        assert_maps(result, unknown=HIT, created=REST)
        assert result.status == bkcc.Status.EPARTIAL and isinstance(result.error, bkcc.PartialError), result
        with pytest.raises(bkcc.PartialError):
            result.raise_for_status()
        assert all(("[%d]" % code) in message for message in result.unknown.values()), result.unknown[0]
        first = request_of(result, 0)
        assert (first["status"], first["code"], first["http_status"], first["attempts"]) == (
            "BKCC_EAPI", code, http, 1), first
        # progress events count up: the first request's 200 unknown, then the others created
        assert [(e["first"], e["unknown"], e["created"]) for e in events] == [(0, 200, 0), (200, 200, 200),
                                                                              (400, 200, 250)], events
        assert [e["status"] for e in events] == ["BKCC_EAPI", "BKCC_OK", "BKCC_OK"], events
        # what reached the server: 3 requests, not one sent again; the faulted one was processed: all stored once
        stats = api_counts(sec_cmdb, api, creates=3, searches=0)
        assert stats["items_received"] == N and stats["faults_applied"] == {fault: 1}, stats
        ids = stored(sec_cmdb)
        assert set(ids) == assets(details, range(N))
        assert_ids_are_the_stored_ones(result, details, ids)
        # the next step: reconcile finds every unknown item, with its real id; nothing is sent again
        settled = client.reconcile("bk_switch", details, result)
    assert_maps(settled, created=range(N))
    assert settled.status == bkcc.Status.OK and settled.ok, settled
    assert_ids_are_the_stored_ones(settled, details, ids)
    stats = api_counts(sec_cmdb, api, creates=3)
    assert stats["requests"]["search_inst"] >= 1 and stats["items_received"] == N, stats
    assert stored(sec_cmdb) == ids


def import_with_fault(cmdb, tmp_path, api, details, *fault):
    """The CLI imports `details` (as CSV, with a report) with `fault` armed for its first request."""
    cli = CLI(cmdb, tmp_path, api)
    path, first_report = cli.csv(details), tmp_path / "report.jsonl"
    arm(cmdb, *fault)
    done, summary = cli.json("--report", first_report, path)
    return cli, path, first_report, done, summary


@pytest.mark.parametrize("api,fault,code,http", ACTED_CASES)
def test_may_have_acted_cli(sec_cmdb, tmp_path, api, fault, code, http):
    details = rows()
    cli, path, first_report, done, summary = import_with_fault(sec_cmdb, tmp_path, api, details, fault)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert_summary(summary, "BKCC_EPARTIAL", 1, total=N, created=len(REST), unknown=len(HIT), failed=0, skipped=0,
                   requests=3)
    assert ("[%d]" % code) in summary["message"], summary
    lines = report(first_report)
    assert_report(lines, N, unknown=HIT, created=REST)
    assert all(("[%d]" % code) in lines[i]["message"] and lines[i]["request_id"] for i in HIT), lines[0]
    stats = api_counts(sec_cmdb, api, creates=3, searches=0)
    assert stats["items_received"] == N and stats["faults_applied"] == {fault: 1}, stats
    ids = stored(sec_cmdb)
    assert set(ids) == assets(details, range(N))
    assert_report_ids_are_the_stored_ones(lines, details, ids)
    # --resume looks the 200 up, finds them all, sends nothing
    resume_and_check_all_stored_once(cli, sec_cmdb, path, details, first_report, already_created=len(REST),
                                     found=len(HIT), sent=0)
    stats = api_counts(sec_cmdb, api, creates=3)
    assert stats["requests"]["search_inst"] >= 1 and stats["items_received"] == N, stats


# ---- CMDB 1199002: the first K items saved, then the error ---------------------------------------------------

K = 50


@pytest.mark.parametrize("api", ROUTES)
def test_cmdb_1199002_partial_save_python(sec_cmdb, api):
    details = rows()
    arm(sec_cmdb, "cmdb_1199002", K)
    with python_client(sec_cmdb, api) as client:
        result = client.batch_create_inst("bk_switch", details)
        assert_maps(result, unknown=HIT, created=REST)
        assert result.status == bkcc.Status.EPARTIAL and isinstance(result.error, bkcc.PartialError), result
        first = request_of(result, 0)
        assert (first["status"], first["code"], first["http_status"], first["attempts"]) == (
            "BKCC_EAPI", 1199002, 200, 1), first
        assert all("[1199002]" in m for m in result.unknown.values()), result.unknown[0]
        stats = api_counts(sec_cmdb, api, creates=3, searches=0)
        assert stats["items_received"] == N and stats["faults_applied"] == {"cmdb_1199002": 1}, stats
        ids = stored(sec_cmdb)
        assert set(ids) == assets(details, range(K)) | assets(details, REST)      # K of the 200 were saved
        # reconcile: the K saved ones created (their real ids), the rest of that request not created
        settled = client.reconcile("bk_switch", details, result)
        assert_maps(settled, created=list(range(K)) + list(REST), not_created=range(K, 200))
        assert settled.status == bkcc.Status.EPARTIAL, settled
        assert_ids_are_the_stored_ones(settled, details, ids)
        assert api_counts(sec_cmdb, api, creates=3)["items_received"] == N
        # send the not_created ones again: all created, every row stored once
        missing = sorted(settled.not_created)
        again = client.batch_create_inst("bk_switch", [details[i] for i in missing])
    assert again.ok and again.status == bkcc.Status.OK and len(again.created) == len(missing), again
    stats = api_counts(sec_cmdb, api, creates=4)
    assert stats["items_received"] == N + (200 - K), stats
    ids = stored(sec_cmdb)
    assert set(ids) == assets(details, range(N)) and len(ids) == N


@pytest.mark.parametrize("api", ROUTES)
def test_cmdb_1199002_partial_save_cli(sec_cmdb, tmp_path, api):
    details = rows()
    cli, path, first_report, done, summary = import_with_fault(sec_cmdb, tmp_path, api, details, "cmdb_1199002", K)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert_summary(summary, "BKCC_EPARTIAL", 1, total=N, created=len(REST), unknown=len(HIT), failed=0, skipped=0)
    assert "[1199002]" in summary["message"], summary
    assert_report(report(first_report), N, unknown=HIT, created=REST)
    assert api_counts(sec_cmdb, api, creates=3, searches=0)["items_received"] == N
    assert set(stored(sec_cmdb)) == assets(details, range(K)) | assets(details, REST)
    # --resume: K found, the other 200 - K sent now
    resume_and_check_all_stored_once(cli, sec_cmdb, path, details, first_report, already_created=len(REST),
                                     found=K, sent=200 - K)
    stats = api_counts(sec_cmdb, api, creates=4)
    assert stats["items_received"] == N + (200 - K), stats


# ---- rate limited once: retried after a short backoff, then created ------------------------------------------

RATE_LIMITS = ["cmdb_1199997", "gw_429_1642901", "gw_429_1642902", "gw_429_1642903", "gw_429_1642904"]
RATE_CASES = [pytest.param(api, fault, id="%s-%s" % (api, fault)) for fault in RATE_LIMITS for api in ROUTES]
# None of these answers carries Retry-After: the first retry waits 100-200 ms (Backoff: 200 ms, upper half).
MIN_WAIT, MAX_WAIT = 0.09, 3.0


@pytest.mark.parametrize("api,fault", RATE_CASES)
def test_rate_limited_once_is_retried_python(sec_cmdb, api, fault):
    details = rows()
    arm(sec_cmdb, fault)
    with python_client(sec_cmdb, api) as client:
        started = time.monotonic()
        result = client.batch_create_inst("bk_switch", details)
        elapsed = time.monotonic() - started
    assert_maps(result, created=range(N))
    assert result.ok and result.status == bkcc.Status.OK and result.error is None, result
    assert request_of(result, 0)["attempts"] == 2 and request_of(result, 200)["attempts"] == 1, result.requests
    assert MIN_WAIT <= elapsed < MAX_WAIT, "waited %.3f s before the retry" % elapsed
    # 2 requests for the first batch (the refused one changed nothing), 1 for each other
    stats = api_counts(sec_cmdb, api, creates=4, searches=0)
    assert stats["rate_limited"] == 1 and stats["faults_applied"] == {fault: 1}, stats
    ids = stored(sec_cmdb)
    assert set(ids) == assets(details, range(N)) and len(ids) == N
    assert_ids_are_the_stored_ones(result, details, ids)


@pytest.mark.parametrize("api,fault", RATE_CASES)
def test_rate_limited_once_is_retried_cli(sec_cmdb, tmp_path, api, fault):
    details = rows()
    cli, path, first_report, done, summary = import_with_fault(sec_cmdb, tmp_path, api, details, fault)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert_summary(summary, "BKCC_OK", 0, total=N, created=N, failed=0, unknown=0, skipped=0, sent=N)
    assert MIN_WAIT * 1000 <= summary["elapsed_ms"] < MAX_WAIT * 1000 and done.seconds < MAX_WAIT + 5, summary
    stats = api_counts(sec_cmdb, api, creates=4, searches=0)
    assert stats["rate_limited"] == 1 and stats["faults_applied"] == {fault: 1}, stats
    ids = stored(sec_cmdb)
    assert set(ids) == assets(details, range(N)) and len(ids) == N
    lines = report(first_report)
    assert_report(lines, N, created=range(N))
    assert_report_ids_are_the_stored_ones(lines, details, ids)


@pytest.mark.parametrize("api,fault", [pytest.param(a, f, id="%s-%s" % (a, f)) for f in ("cmdb_1199997",
                                                                                         "gw_429_1642904")
                                       for a in ROUTES])
def test_rate_limited_past_the_retries_is_skipped_python(sec_cmdb, api, fault):
    """Still limited after `retries`: skipped (with the requests after it), nothing sent twice, nothing stored."""
    details = rows()
    arm(sec_cmdb, fault, count=10)
    with python_client(sec_cmdb, api, retries=1) as client:
        started = time.monotonic()
        result = client.batch_create_inst("bk_switch", details)
        elapsed = time.monotonic() - started
    assert_maps(result, skipped=range(N))
    assert result.status == bkcc.Status.EAPI and isinstance(result.error, bkcc.APIError), result
    assert request_of(result, 0)["attempts"] == 2, result.requests
    assert elapsed < MAX_WAIT
    stats = api_counts(sec_cmdb, api, creates=2, searches=0)     # 1 + 1 retry; the later requests never sent
    assert stats["rate_limited"] == 2 and stats["items_created"] == 0 and not stored(sec_cmdb), stats


# ---- result:true that cannot be trusted: unknown, BKCC_EPROTOCOL ---------------------------------------------

UNTRUSTED = [("dup_inst_id", "is given for two items", 0), ("result_true_nonzero_code", "with code 1199002", 1199002)]
# 150 rows: the faulted request is the whole call (its status is the call's); 450: the first of three
UNTRUSTED_CASES = [pytest.param(api, fault, text, code, n, id="%s-%s-%d" % (api, fault, n))
                   for fault, text, code in UNTRUSTED for api in ROUTES for n in (150, N)]


@pytest.mark.parametrize("api,fault,text,code,n", UNTRUSTED_CASES)
def test_untrusted_result_true_python(sec_cmdb, api, fault, text, code, n):
    details = rows(n)
    hit, rest = range(0, min(n, 200)), range(min(n, 200), n)
    arm(sec_cmdb, fault)
    with python_client(sec_cmdb, api) as client:
        result = client.batch_create_inst("bk_switch", details)
        assert_maps(result, n, unknown=hit, created=rest)
        first = request_of(result, 0)
        assert (first["status"], first["code"], first["http_status"], first["attempts"]) == (
            "BKCC_EPROTOCOL", code, 200, 1), first
        assert all("cannot be trusted" in m and text in m for m in result.unknown.values()), result.unknown[0]
        if rest:
            assert result.status == bkcc.Status.EPARTIAL and isinstance(result.error, bkcc.PartialError), result
        else:
            assert result.status == bkcc.Status.EPROTOCOL and isinstance(result.error, bkcc.ProtocolError), result
            with pytest.raises(bkcc.ProtocolError) as raised:
                result.raise_for_status()
            assert raised.value.status == bkcc.Status.EPROTOCOL and "cannot be trusted" in raised.value.message
        creates = 1 if not rest else 3
        stats = api_counts(sec_cmdb, api, creates=creates, searches=0)
        assert stats["items_received"] == n and stats["faults_applied"] == {fault: 1}, stats
        ids = stored(sec_cmdb)                       # every item stored once, with distinct ids
        assert set(ids) == assets(details, range(n))
        assert_ids_are_the_stored_ones(result, details, ids)
        settled = client.reconcile("bk_switch", details, result)
    # reconcile finds each one, with its real (distinct) id, not the one the answer gave
    assert_maps(settled, n, created=range(n))
    assert settled.status == bkcc.Status.OK, settled
    assert_ids_are_the_stored_ones(settled, details, ids)
    assert len(set(settled.created.values())) == n
    assert api_counts(sec_cmdb, api, creates=creates)["items_received"] == n
    assert stored(sec_cmdb) == ids


@pytest.mark.parametrize("api,fault,text,code,n", UNTRUSTED_CASES)
def test_untrusted_result_true_cli(sec_cmdb, tmp_path, api, fault, text, code, n):
    details = rows(n)
    hit, rest = range(0, min(n, 200)), range(min(n, 200), n)
    cli, path, first_report, done, summary = import_with_fault(sec_cmdb, tmp_path, api, details, fault)
    status, exit_code = ("BKCC_EPARTIAL", 1) if rest else ("BKCC_EPROTOCOL", 3)
    assert done.returncode == exit_code, (done.stdout, done.stderr)
    assert_summary(summary, status, exit_code, total=n, created=len(rest), unknown=len(hit), failed=0, skipped=0)
    lines = report(first_report)
    assert_report(lines, n, unknown=hit, created=rest)
    assert all("cannot be trusted" in lines[i]["message"] and text in lines[i]["message"] for i in hit), lines[0]
    creates = 1 if not rest else 3
    assert api_counts(sec_cmdb, api, creates=creates, searches=0)["items_received"] == n
    ids = stored(sec_cmdb)
    assert set(ids) == assets(details, range(n))
    assert_report_ids_are_the_stored_ones(lines, details, ids)
    resume_and_check_all_stored_once(cli, sec_cmdb, path, details, first_report, already_created=len(rest),
                                     found=len(hit), sent=0)
    assert api_counts(sec_cmdb, api, creates=creates)["items_received"] == n


# ---- a server that quotes the secrets: never one byte of them reaches the user -------------------------------

APP_SECRET = "RA-app-secret-Zq81vXk"       # the secret emulator's --app-secret: a valid, distinctive secret
TOKEN = "RA-bk-token-Pw52nLm"
ACCESS_TOKEN = "RA-access-token-Hd37qRt"
SECRETS = (APP_SECRET, TOKEN, ACCESS_TOKEN)
# the credentials a client sends on each route (echo_secret quotes those the request carries)
CREDENTIALS = {
    "esb": {"api": "esb", "app_code": APP_CODE, "app_secret": APP_SECRET, "token": TOKEN},
    "esb_header": {"api": "esb", "app_code": APP_CODE, "app_secret": APP_SECRET, "token": TOKEN, "auth": "header"},
    "apigw": {"api": "apigw", "app_code": APP_CODE, "app_secret": APP_SECRET, "access_token": ACCESS_TOKEN},
}
QUOTED = {"esb": ('bk_app_secret="***"', 'bk_token="***"'), "esb_header": ('bk_app_secret="***"', 'bk_token="***"'),
          "apigw": ('bk_app_secret="***"', 'access_token="***"')}
PRESTORED = 10     # echo_secret (message): rows 0-9 stored first, so that their duplicate messages quote the secrets
ECHO_CASES = [pytest.param(route, variant, id="%s-%s" % (route, variant))
              for variant in ("message", "html", "auth_failure") for route in CREDENTIALS
              if not (variant == "auth_failure" and route == "apigw")]   # an access_token alone is valid there


@pytest.fixture(scope="module")
def secret_cmdb():
    with Emulator("--app-secret", APP_SECRET) as cmdb:
        yield cmdb


@pytest.fixture
def echo_cmdb(secret_cmdb):
    yield from secret_cmdb.fresh()


def assert_clean(*texts, where=""):
    for text in texts:
        if not isinstance(text, (bytes, str)):
            text = json.dumps(text, ensure_ascii=False)
        if isinstance(text, str):
            text = text.encode("utf-8")
        for secret in SECRETS:
            assert secret.encode() not in text and secret.lower().encode() not in text.lower(), (
                "secret %s leaked %s: %s" % (secret, where, text[:3000]))


def arm_echo(emu, variant):
    if variant == "html":         # one create answered by a 502 page whose title quotes the secrets; the searches of
        emu.set_faults([{"name": "echo_secret", "arg": "html", "count": 1, "only": "batch_create_inst"},   # reconcile:
                        {"name": "echo_secret", "only": "search_inst"}])                                   # quoted too
    else:                         # every create and search answer quotes them (message, error_msg items, header)
        emu.set_faults(["echo_secret"])


def echo_config(emu, route, variant):
    config = dict(CREDENTIALS[route], url=emu.url, concurrency=1, retries=RETRIES, timeout_ms=TIMEOUT_MS)
    if variant == "auth_failure":          # the configured secret is wrong: the credential failure quotes it
        config["app_secret"] = APP_SECRET + "-wrong"
    return config


def expect_echo(result, details, variant, route, n=N):
    """The outcomes of the echo import, asserted (they must not change because the answer quoted a secret)."""
    if variant == "message":
        assert_maps(result, n, failed=range(PRESTORED), created=range(PRESTORED, n))
        assert result.status == bkcc.Status.EPARTIAL
        assert all("duplicated" in m or "重复" in m for m in result.failed.values()), result.failed
        shown = list(result.failed.values()) + [r["message"] for r in result.requests]
    elif variant == "html":
        assert_maps(result, n, unknown=HIT, created=REST)
        assert result.status == bkcc.Status.EPARTIAL
        assert request_of(result, 0)["status"] == "BKCC_EHTTP" and request_of(result, 0)["http_status"] == 502
        shown = list(result.unknown.values())
    else:
        assert_maps(result, n, failed=HIT, skipped=REST)          # refused: the same for every request, not sent
        assert result.status == bkcc.Status.EAPI and result.error.api_code == 1306000, result
        shown = list(result.failed.values()) + list(result.skipped.values()) + [str(result.error)]
    # the server did quote them (so the check means something), and the library replaced each by ***
    for message in shown:
        assert all(q in message for q in QUOTED[route]), message


@pytest.mark.parametrize("route,variant", ECHO_CASES)
def test_echo_secret_never_reaches_the_user_python(echo_cmdb, route, variant):
    details = rows()
    config = echo_config(echo_cmdb, route, variant)
    events = []
    with bkcc.Client(**config) as client:
        if variant == "message":
            assert client.batch_create_inst("bk_switch", details[:PRESTORED]).ok
        arm_echo(echo_cmdb, variant)
        result = client.batch_create_inst("bk_switch", details, progress=events.append)
        expect_echo(result, details, variant, route)
        assert len(events) == 3
        errors = [result.error]
        try:
            result.raise_for_status()
        except bkcc.Error as raised:
            errors.append(raised)
        assert_clean(result.data, events, where="in the result or a progress event")
        for error in errors:
            assert_clean(str(error), repr(error), error.message, error.request_id, where="in an exception")
        if variant == "html":            # the next step: reconcile (its searches quote the secrets too), send again
            settled = client.reconcile("bk_switch", details, result)
            assert_maps(settled, created=REST, not_created=HIT)
            assert_clean(settled.data, str(settled.error), repr(settled.error), where="in a reconcile result")
            again = client.batch_create_inst("bk_switch", [details[i] for i in sorted(settled.not_created)],
                                             progress=events.append)
            assert again.ok, again
            assert_clean(again.data, events, where="in the result of sending again")
    ids = stored(echo_cmdb)
    if variant == "auth_failure":
        assert not ids and echo_cmdb.creates() == 1
    else:
        assert set(ids) == assets(details, range(N))
        assert echo_cmdb.stats()["items_received"] == N + (len(HIT) if variant == "html" else PRESTORED)


@pytest.mark.parametrize("route,variant", ECHO_CASES)
def test_echo_secret_never_reaches_the_user_cli(echo_cmdb, tmp_path, route, variant):
    details = rows()
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(echo_config(echo_cmdb, route, variant)))
    cli = CLI(echo_cmdb, tmp_path, env={}, config=config_path)
    path, first_report = cli.csv(details), tmp_path / "report.jsonl"
    runs = []
    for output in ("text", "json"):           # the same import twice, once for each kind of output
        echo_cmdb.reset()
        if variant == "message":
            head = cli(cli.csv(details[:PRESTORED], "head.csv"))
            assert head.returncode == 0, (head.stdout, head.stderr)
        arm_echo(echo_cmdb, variant)
        done = cli("--output", output, "--report", first_report, path, progress=True)
        runs.append(done)
        lines = report(first_report)
        with open(first_report, "rb") as f:
            assert_clean(f.read(), where="in the report (--output %s)" % output)
        assert_clean(done.stdout, done.stderr, where="in the output (--output %s)" % output)
        if variant == "message":
            assert done.returncode == 1
            assert_report(lines, N, failed=range(PRESTORED), created=range(PRESTORED, N))
            shown = [lines[i]["message"] for i in range(PRESTORED)]
        elif variant == "html":
            assert done.returncode == 1
            assert_report(lines, N, unknown=HIT, created=REST)
            shown = [lines[i]["message"] for i in HIT]
        else:
            assert done.returncode == 3
            assert_report(lines, N, failed=HIT, skipped=REST)
            shown = [lines[i]["message"] for i in range(N)]
        for message in shown:             # quoted by the server, replaced by *** on the way
            assert all(q in message for q in QUOTED[route]), message
        if output == "text":
            assert QUOTED[route][0].encode() in done.stdout, done.stdout
    summary = json.loads(runs[1].stdout.decode().strip().splitlines()[-1])
    status = {"message": "BKCC_EPARTIAL", "html": "BKCC_EPARTIAL", "auth_failure": "BKCC_EAPI"}[variant]
    assert summary["status"] == status, summary
    assert_clean(json.dumps(summary), where="in --output json")
    if variant == "html":                 # --resume: 200 looked up (searches quote the secrets), not found, sent again
        again = tmp_path / "again.jsonl"
        done, summary = cli.json("--resume", first_report, "--report", again, path, progress=True)
        assert done.returncode == 0 and summary["found"] == 0 and summary["sent"] == len(HIT), summary
        with open(again, "rb") as f:
            assert_clean(done.stdout, done.stderr, f.read(), where="in the --resume run")
        assert_report(report(again), N, created=range(N))
        ids = stored(echo_cmdb)
        assert set(ids) == assets(details, range(N))
    for out, err in cli.outputs:
        assert_clean(out, err, where="in a CLI run")


# ---- every item refused one by one: the error still names the request ------------------------------------------

@pytest.mark.parametrize("api", ROUTES)
def test_all_refused_as_duplicates_python(sec_cmdb, api):
    details = rows()
    with python_client(sec_cmdb, api) as client:
        assert client.batch_create_inst("bk_switch", details).ok
        ids = stored(sec_cmdb)
        result = client.batch_create_inst("bk_switch", details)
    assert_maps(result, failed=range(N))
    assert all("duplicated" in m or "重复" in m for m in result.failed.values()), result.failed[0]
    assert result.status == bkcc.Status.EAPI and isinstance(result.error, bkcc.APIError), result
    error = result.error
    assert error.request_id and error.http_status == 200, repr(error)
    assert error.request_id in {r["request_id"] for r in result.requests}, (error.request_id, result.requests)
    with pytest.raises(bkcc.APIError) as raised:
        result.raise_for_status()
    assert raised.value.request_id == error.request_id and raised.value.http_status == 200
    assert "request_id %s" % error.request_id in str(raised.value) and "HTTP 200" in str(raised.value)
    assert api_counts(sec_cmdb, api, creates=6, searches=0)["items_created"] == N
    assert stored(sec_cmdb) == ids


@pytest.mark.parametrize("api", ROUTES)
def test_all_refused_as_duplicates_cli(sec_cmdb, tmp_path, api):
    details = rows()
    cli = CLI(sec_cmdb, tmp_path, api)
    path, first_report = cli.csv(details), tmp_path / "report.jsonl"
    assert cli(path).returncode == 0
    ids = stored(sec_cmdb)
    done, summary = cli.json("--report", first_report, path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert_summary(summary, "BKCC_EAPI", 1, total=N, created=0, failed=N, unknown=0, skipped=0)
    lines = report(first_report)
    assert_report(lines, N, failed=range(N))
    assert all(line["request_id"] for line in lines.values()), lines[0]
    assert len({line["request_id"] for line in lines.values()}) == 3     # one per request
    assert api_counts(sec_cmdb, api, creates=6, searches=0)["items_created"] == N
    assert stored(sec_cmdb) == ids
