"""bkcc batch-create-inst end to end: inputs, checks, options, exit codes (0, 1, 2, 3)."""

import json
import os
import socket

import pytest

from .cli_support import FIXTURES, report_lines, signal_mid_import, switches, write_csv


# --- exit 0: every row created ---------------------------------------------------------------------------------

def test_csv_creates_every_row_with_chinese_text_intact(bkcc, emulator, tmp_path):
    rows = switches(450)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)
    assert r.code == 0, r
    assert "bk_switch: 450 of 450 rows created" in r.out
    stored = emulator.instances("bk_switch")
    assert sorted((i["bk_inst_name"], i["bk_asset_id"]) for i in stored) == sorted(rows)
    lines = report_lines(report)
    assert sorted(l["index"] for l in lines) == list(range(450))
    by_index = {l["index"]: l for l in lines}
    ids = {i["bk_asset_id"]: i["bk_inst_id"] for i in stored}
    for index, (_, asset) in enumerate(rows):
        assert by_index[index] == {"index": index, "line": index + 2, "key": asset, "outcome": "created",
                                   "bk_inst_id": ids[asset], "request_id": by_index[index]["request_id"],
                                   "digest": by_index[index]["digest"]}
        assert len(by_index[index]["digest"]) == 16
        assert len(by_index[index]["request_id"]) == 32
    assert emulator.stats()["requests"]["batch_create_inst"] == 3  # 200 + 200 + 50


def test_typed_csv_columns_and_empty_cells(bkcc, emulator, tmp_path):
    path = tmp_path / "t.csv"
    # Offline, a suffix types a column; an empty cell is not sent, and the CMDB stores an absent text attribute as "".
    path.write_text("bk_inst_name,rack_u:int,rack_room,rack_ip\n"
                    "A,48,,10.0.0.1\nB,,\"多行\n机房, 带逗号\",\n", encoding="utf-8")
    r = bkcc("batch-create-inst", "--obj", "rack", "--offline", path)
    assert r.code == 0, r
    stored = {i["bk_inst_name"]: i for i in emulator.instances("rack")}
    assert stored["A"]["rack_u"] == 48 and stored["A"]["rack_room"] == ""
    assert stored["B"]["rack_room"] == "多行\n机房, 带逗号"
    assert stored["B"]["rack_u"] is None and stored["B"]["rack_ip"] == ""


def test_jsonl_file(bkcc, emulator, tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps({"bk_inst_name": n, "bk_asset_id": a, "bk_biz_status": "2"}, ensure_ascii=False) + "\n"
                            for n, a in switches(30)) + "\n", encoding="utf-8")
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 30


def test_json_array_file(bkcc, emulator, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps([{"bk_inst_name": n, "bk_asset_id": a} for n, a in switches(25)], ensure_ascii=False, indent=2),
                    encoding="utf-8")
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 25


@pytest.mark.parametrize("fmt,flag", [("csv", ["--format", "csv"]), ("jsonl", []), ("json", [])])
def test_stdin(bkcc, emulator, fmt, flag):
    rows = switches(210, prefix="IN")
    if fmt == "csv":
        data = "bk_inst_name,bk_asset_id\n" + "".join("%s,%s\n" % r for r in rows)
    elif fmt == "jsonl":
        data = "".join(json.dumps({"bk_inst_name": n, "bk_asset_id": a}) + "\n" for n, a in rows)
    else:
        data = json.dumps([{"bk_inst_name": n, "bk_asset_id": a} for n, a in rows])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", *flag, "-", input=data.encode())
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 210


def test_stdin_is_the_default_input(bkcc, emulator):
    r = bkcc("batch-create-inst", "--obj", "bk_switch", input=b'{"bk_inst_name": "x", "bk_asset_id": "X"}\n')
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 1


def test_api_gateway_route(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(5))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path, env={"BKCC_API": "apigw"})
    assert r.code == 0, r
    assert emulator.stats()["requests_by_api"]["apigw"] == 3  # the model (attributes, unique rules), the create


# --- CSV edge cases, end to end: what the CMDB stores is what the spreadsheet says -------------------------------

EDGE_CSV = ("\ufeff\"bk_inst_name\",bk_asset_id,bk_detail\r\n"
            "\"he said \"\"hi\"\", ok\",E1,plain\r\n"
            "\"line1\nline2\",E2,\"crlf\r\ninside\"\r\n"
            "\r\n"
            "\"核心, 交换机\",E3,  spaces kept  \r\n"
            "ab\"c,E4,\"ab\"c\r\n"
            "x,E5,")


def test_csv_edge_cases_reach_the_cmdb_intact(bkcc, emulator, tmp_path):
    path = tmp_path / "edge.csv"
    path.write_bytes(EDGE_CSV.encode("utf-8"))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", tmp_path / "r.jsonl", path)
    assert r.code == 0, r
    stored = {i["bk_asset_id"]: i for i in emulator.instances("bk_switch")}
    assert stored["E1"]["bk_inst_name"] == 'he said "hi", ok'
    assert stored["E2"]["bk_inst_name"] == "line1\nline2" and stored["E2"]["bk_detail"] == "crlf\r\ninside"
    assert stored["E3"]["bk_inst_name"] == "核心, 交换机" and stored["E3"]["bk_detail"] == "spaces kept"  # the server trims
    assert stored["E4"]["bk_inst_name"] == 'ab"c' and stored["E4"]["bk_detail"] == "abc"
    assert stored["E5"]["bk_detail"] == ""  # not sent: stored as the CMDB fills an absent text attribute
    assert sorted(l["line"] for l in report_lines(tmp_path / "r.jsonl")) == [2, 3, 7, 8, 9]  # E2 spans lines 3-5
    # What is sent keeps the spaces as written (the dry run shows the very details).
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", path)
    details = json.loads(r.out)["body"]["details"]
    assert details[2] == {"bk_inst_name": "核心, 交换机", "bk_asset_id": "E3", "bk_detail": "  spaces kept  "}


def test_unterminated_quote_names_the_record_and_sends_nothing(bkcc, emulator, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text('bk_inst_name,bk_asset_id\nok,A\n"broken,B\nc,C\n')
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 2, r
    assert "u.csv:3:" in r.err and "unterminated quoted field" in r.err and "nothing was sent" in r.err
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


def test_invalid_utf8_is_refused_naming_line_and_column(bkcc, emulator, tmp_path):
    # GBK is read by --encoding auto (Tests/CLI/test_encodings.py); bytes no encoding reads are refused by cell.
    path = tmp_path / "bad.csv"
    path.write_bytes(b"bk_inst_name,bk_asset_id\nok,A\n\xff\xfe,B\n")
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 2, r
    assert "bad.csv:3: column 1 (bk_inst_name): not valid UTF-8" in r.err
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


@pytest.mark.parametrize("name", ["92_bom_only.csv", "93_empty.csv"])
def test_empty_inputs_have_nothing_to_send(bkcc, emulator, name):
    r = bkcc("batch-create-inst", "--obj", "bk_switch", os.path.join(FIXTURES, name))
    assert r.code == 2, r
    assert "no rows to import" in r.err


def test_header_only_has_nothing_to_send(bkcc, tmp_path):
    path = write_csv(tmp_path / "h.csv", [])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 2 and "no rows to import" in r.err, r


# --- exit 2: invalid input, nothing sent --------------------------------------------------------------------------

def test_invalid_rows_send_nothing_and_are_listed_with_their_lines(bkcc, emulator, tmp_path):
    rows = switches(20)
    rows[3] = ("", "SW-000003")
    rows[9] = ("dup", "SW-000001")
    path = write_csv(tmp_path / "s.csv", rows)
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 2, r
    assert "s.csv:5: bk_inst_name (名称): required" in r.err  # checked against the CMDB's model: its display name
    assert 's.csv:11: bk_asset_id "SW-000001" repeats line 3' in r.err
    assert "2 of 20 rows are invalid; nothing was sent" in r.err
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


def test_malformed_jsonl_names_line_and_column(bkcc, emulator, tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"bk_inst_name": "a", "bk_asset_id": "A"}\n\n{"bk_inst_name": "b", "bk_asset_id": }\n')
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 2, r
    assert "s.jsonl:3: column 38: not valid JSON" in r.err
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


def test_a_row_that_is_not_an_object(bkcc, tmp_path):
    path = tmp_path / "s.json"
    path.write_text('[{"bk_inst_name": "a", "bk_asset_id": "A"},\n "text"]')
    r = bkcc("validate", "--obj", "bk_switch", path)
    assert r.code == 2 and "s.json:2: must be an object, got string" in r.out, r


def test_max_problems_limits_the_list(bkcc, tmp_path):
    path = write_csv(tmp_path / "s.csv", [("", "A%d" % i) for i in range(30)])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--max-problems", "3", path)
    assert r.code == 2, r
    assert r.err.count("bk_inst_name (名称): required") == 3 and "27 more invalid rows" in r.err


# --- --skip-invalid: exit 1 -------------------------------------------------------------------------------------

def test_skip_invalid_sends_the_valid_rows_and_reports_the_others(bkcc, emulator, tmp_path):
    rows = switches(10)
    rows[2] = ("x", "")
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", report, path)
    assert r.code == 1, r
    assert "9 of 10 rows created, 1 failed" in r.out
    assert len(emulator.instances("bk_switch")) == 9
    failed = [l for l in report_lines(report) if l["outcome"] != "created"]
    assert [{k: v for k, v in l.items() if k != "digest"} for l in failed] == [
        {"index": 2, "line": 4, "key": "", "outcome": "failed", "request_id": "",
         "message": "invalid: bk_asset_id (固资编号): required"}]


def test_every_row_invalid_even_with_skip_invalid_is_exit_2(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", [("", "A"), ("", "B")])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", path)
    assert r.code == 2, r
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


# --- exit 1: some rows not created by the server -----------------------------------------------------------------

def test_rows_the_server_rejects_are_exit_1_with_its_message(bkcc, emulator, tmp_path):
    first = write_csv(tmp_path / "a.csv", switches(5))
    assert bkcc("batch-create-inst", "--obj", "bk_switch", first).code == 0
    path = write_csv(tmp_path / "b.csv", switches(10))  # the first 5 exist already
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--report", report, path)
    assert r.code == 1, r
    assert "5 of 10 rows created, 5 failed" in r.out
    assert "duplicated instances exist" in r.out and "(and 4 more like it)" in r.out
    failed = [l for l in report_lines(report) if l["outcome"] == "failed"]
    assert len(failed) == 5 and all("duplicated" in l["message"] and l["request_id"] for l in failed)


def test_output_json_summary(bkcc, emulator, tmp_path):
    rows = switches(7)
    rows[1] = ("", "SW-000001")
    path = write_csv(tmp_path / "s.csv", rows)
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--output", "json", path)
    assert r.code == 1, r
    summary = json.loads(r.out)
    assert {k: summary[k] for k in ("total", "created", "failed", "invalid", "unknown", "skipped", "sent", "exit_code")} == \
        {"total": 7, "created": 6, "failed": 1, "invalid": 1, "unknown": 0, "skipped": 0, "sent": 6, "exit_code": 1}
    assert summary["status"] == "BKCC_EPARTIAL" and summary["object"] == "bk_switch"


# --- exit 3: nothing could be created ---------------------------------------------------------------------------

def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_is_exit_3(bkcc, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(3))
    report = tmp_path / "r.jsonl"
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--retries", "0", "--report", report, path,
             url="http://127.0.0.1:%d" % closed_port())
    assert r.code == 3, r
    assert "0 of 3 rows created, 3 skipped" in r.out
    assert {l["outcome"] for l in report_lines(report)} == {"skipped"}


def test_wrong_secret_is_exit_3(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(600))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--concurrency", "1", path, env={"BK_APP_SECRET": "wrong"})
    assert r.code == 3, r
    assert "APP authentication failed" in r.out
    assert emulator.stats()["requests"]["batch_create_inst"] == 1  # the second request is not sent
    assert emulator.instances("bk_switch") == []
    assert "0 of 600 rows created, 200 failed, 400 skipped" in r.out


def test_no_permission_is_exit_3(bkcc, emulator, tmp_path):
    emulator.set_faults(["no_permission"])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", write_csv(tmp_path / "s.csv", switches(3)))
    assert r.code == 3 and "no permission" in r.out, r


def test_unknown_model_is_exit_3(bkcc, emulator, tmp_path):
    r = bkcc("batch-create-inst", "--obj", "bk_nosuch", write_csv(tmp_path / "s.csv", switches(3)))
    assert r.code == 3, r


# --- --timeout, --concurrency ------------------------------------------------------------------------------------

def test_timeout_makes_rows_unknown_then_resume_finds_them(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(5))
    report = tmp_path / "r.jsonl"
    emulator.set_faults([{"name": "stall", "arg": 3000, "count": 1, "only": "batch_create_inst"}])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--timeout", "0.5", "--report", report, path)
    assert r.code == 3, r  # nothing known to be created
    assert "5 unknown" in r.out
    assert {l["outcome"] for l in report_lines(report)} == {"unknown"}
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 0, r
    assert "5 found on the server by lookup" in r.out
    assert emulator.stats()["items_received"] == 5  # sent once only


@pytest.mark.parametrize("n", [1, 8])
def test_concurrency(bkcc, emulator, tmp_path, n):
    path = write_csv(tmp_path / "s.csv", switches(1000))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--concurrency", n, path)
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 1000


# --- --dry-run -------------------------------------------------------------------------------------------------

def test_dry_run_prints_the_requests_and_sends_nothing(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(250))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", path)
    assert r.code == 0, r
    requests = [json.loads(line) for line in r.out.splitlines()]
    assert [len(q["body"]["details"]) for q in requests] == [200, 50]
    assert requests[0]["url"] == emulator.url + "/api/c/compapi/v2/cc/batch_create_inst/"
    assert requests[0]["body"]["bk_app_secret"] == "***" and requests[0]["body"]["bk_obj_id"] == "bk_switch"
    assert requests[1]["body"]["details"][-1] == {"bk_inst_name": "交换机-SW-00249", "bk_asset_id": "SW-000249"}
    assert "dry run: 250 rows in 2 requests" in r.err
    assert emulator.stats()["requests"]["batch_create_inst"] == 0


def test_dry_run_json_summary_names_the_rules_like_an_import(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(3))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", "--output", "json", path)
    assert r.code == 0, r
    summary = json.loads(r.out.splitlines()[-1])
    assert summary["dry_run"] is True and summary["rows"] == 3 and summary["requests"] == 1
    assert summary["rules"].startswith("checked against model bk_switch from the CMDB"), summary


def test_dry_run_pretty_and_gateway_header_masked(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(2))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", "--pretty", path, env={"BKCC_API": "apigw"})
    assert r.code == 0, r
    assert r.out.startswith("{\n  ")
    request = json.loads(r.out)
    assert json.loads(request["headers"]["X-Bkapi-Authorization"])["bk_app_secret"] == "***"


def test_dry_run_refuses_invalid_rows(bkcc, tmp_path):
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--dry-run", write_csv(tmp_path / "s.csv", [("", "A")]))
    assert r.code == 2 and r.out == "", r


# --- progress ----------------------------------------------------------------------------------------------------

def test_progress_on_request_and_quiet_otherwise(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(600))
    emulator.set_faults(["per_item:1"])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--progress", "--concurrency", "1", path)
    assert r.code == 0, r
    assert "\r[" in r.err and "rows" in r.err and "\x1b[K" in r.err
    assert "/600 rows" in r.err
    emulator.reset()
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)  # stderr is a pipe: no bar
    assert r.code == 0 and r.err == "", r
    emulator.reset()
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--no-progress", path)
    assert r.code == 0 and r.err == "", r


# --- usage: exit 2 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["batch-create-inst"], "Missing expected argument '--obj <id>'"),
    (["batch-create-inst", "--obj", "bk_switch", "--bogus"], "Unknown option '--bogus'"),
    (["batch-create-inst", "--obj", "bk_switch", "--format", "xml"], "xml"),
    (["batch-create-inst", "--obj", "bk_switch", "--concurrency", "0"], "--concurrency must be 1 to 64"),
    (["batch-create-inst", "--obj", "host", "x.csv"], "built-in or mainline model"),
    (["batch-create-inst", "--obj", "bk_switch", "/nonexistent/x.csv"], "/nonexistent/x.csv: cannot open"),
    (["batch-create-inst", "--obj", "bk_switch", "--dry-run", "--report", "r", "x.csv"], "--dry-run sends nothing"),
    (["nosuchcommand"], "Unexpected argument 'nosuchcommand'"),
])
def test_usage_errors_are_exit_2(bkcc, args, needle):
    r = bkcc(*args)
    assert r.code == 2, r
    assert needle in r.err, r


def test_missing_settings_are_exit_2_and_say_how_to_set_them(bkcc, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(1))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path, replace_env={"HOME": bkcc.home, "PATH": os.environ["PATH"]})
    assert r.code == 2, r
    assert "no url set: use --url URL, BK_COMPONENT_API_URL" in r.err


# --- other commands ---------------------------------------------------------------------------------------------

def test_version_and_help(bkcc):
    r = bkcc("version")
    assert r.code == 0 and r.out.startswith("bkcc 0.") and "jansson" in r.out, r
    assert bkcc("--version").out.strip() == r.out.splitlines()[0].split()[1]
    r = bkcc("--help")
    assert r.code == 0 and "Exit codes" in r.out and "batch-create-inst" in r.out
    r = bkcc("batch-create-inst", "--help")
    assert r.code == 0 and "--resume" in r.out and "Examples:" in r.out
    for shell in ("bash", "zsh", "fish"):
        r = bkcc("--generate-completion-script", shell)
        assert r.code == 0 and "batch-create-inst" in r.out, shell


def test_validate(bkcc, tmp_path):
    good = write_csv(tmp_path / "g.csv", switches(3))
    r = bkcc("validate", "--obj", "bk_switch", good)
    assert r.code == 0 and "3 rows (csv), all valid" in r.out, r
    bad = write_csv(tmp_path / "b.csv", [("a", "A"), ("b", "A")])
    r = bkcc("validate", "--obj", "bk_switch", "--output", "json", bad)
    assert r.code == 2, r
    assert json.loads(r.out) == {"input": str(bad), "format": "csv", "rows": 2, "invalid": 1, "exit_code": 2,
                                 "problems": [{"index": 1, "line": 3, "message":
                                               'bk_asset_id "A" repeats line 2; the server would reject it as duplicated'}],
                                 "warnings": [], "checked_against": "model",
                                 "rules": "checked against model bk_switch from the CMDB: 11 attributes, unique: bk_asset_id"}


# --- the connection flags --------------------------------------------------------------------------------------

def test_connection_flags_reach_the_request(bkcc, emulator, tmp_path):
    rows = switches(3)
    first = write_csv(tmp_path / "a.csv", rows)
    assert bkcc("batch-create-inst", "--obj", "bk_switch", first).code == 0
    report = tmp_path / "r.jsonl"
    env = {"BK_COMPONENT_API_URL": "http://127.0.0.1:1", "BK_APP_CODE": "wrong", "BK_USERNAME": "nobody"}
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--url", emulator.url, "--app-code", "bkcc-demo",
             "--username", "admin", "--api", "apigw", "--stage", "test", "--language", "zh-cn", "--max-rps", "50",
             "--retries", "2", "--timeout", "30", "--report", report, first, env=env)
    assert r.code == 1, r
    assert emulator.stats()["requests_by_api"]["apigw"] == 3  # the model (attributes, unique rules), the create
    # CMDB's Chinese duplicate message, with the value (bk-cmdb resources/errors/common/default/common.json)
    assert sorted(l["message"] for l in report_lines(report)) == sorted(
        '数据唯一性校验失败，  bk_asset_id: "%s"  重复' % asset for _, asset in rows)


def test_tls_and_proxy_flags_show_in_the_settings(bkcc, tmp_path):
    r = bkcc("config", "show", "--insecure", "--ca-file", "/etc/ssl/ca.pem", "--max-rps", "2.5", "--output", "json")
    assert r.code == 0, r
    shown = json.loads(r.out)
    assert shown["settings"]["verify_tls"] is False and shown["sources"]["verify_tls"] == "flag --insecure"
    assert shown["settings"]["ca_file"] == "/etc/ssl/ca.pem" and shown["settings"]["max_requests_per_second"] == 2.5


def test_interrupt_finishes_requests_in_flight_and_reports_every_row(bkcc, emulator, tmp_path):
    import signal
    rows = switches(2000)
    path = write_csv(tmp_path / "s.csv", rows)
    report = tmp_path / "r.jsonl"
    emulator.set_faults(["per_item:1"])
    proc, out, err = signal_mid_import(bkcc, path, report, 2, 200, signal.SIGINT)
    assert proc.returncode == 130, (out, err)
    assert b"interrupted" in err
    lines = report_lines(report)
    assert sorted(l["index"] for l in lines) == list(range(2000))
    created = [l for l in lines if l["outcome"] == "created"]
    assert 200 <= len(created) < 2000 and {l["outcome"] for l in lines} == {"created", "skipped"}
    assert len(emulator.instances("bk_switch")) == len(created)  # in-flight requests finished and were reported
    emulator.set_faults([])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--resume", report, "--report", report, path)
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 2000 and emulator.stats()["items_received"] == 2000


def test_resume_lookups_against_an_unreachable_cmdb_are_exit_3(bkcc, emulator, tmp_path):
    report = tmp_path / "r.jsonl"
    report.write_text('{"bkcc_report":3,"obj":"bk_switch","unique":"bk_asset_id","timeout_ms":1000,"pid":1,"at":0}\n'
                      '{"index":0,"line":2,"key":"SW-000000","digest":"0000000000000000","outcome":"unknown",'
                      '"message":"timeout","request_id":""}\n')
    path = write_csv(tmp_path / "s.csv", switches(2))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--retries", "0", "--resume", report, path,
             url="http://127.0.0.1:%d" % closed_port())
    assert r.code == 3, r
    assert "looking up rows of unknown fate by bk_asset_id failed" in r.err and "nothing was sent" in r.err


@pytest.mark.parametrize("name", sorted(n[:-len(".csv")] for n in os.listdir(FIXTURES) if n.endswith(".csv")))
def test_every_csv_edge_case_through_the_binary(bkcc, name):
    """The binary reads every case of shared/testdata/csv as Python's csv module does (row counts and lines),
    and refuses the broken ones naming the place."""
    r = bkcc("validate", "--obj", "bk_switch", "--output", "json", "--max-problems", "0", os.path.join(FIXTURES, name + ".csv"))
    expected_path = os.path.join(FIXTURES, name + ".expected")
    if name.startswith("90"):
        assert r.code == 2 and "unterminated quoted field" in r.err and ".csv:2:" in r.err, r
        return
    summary = json.loads(r.out)
    if name.startswith("91"):
        assert r.code == 2 and summary["problems"][0]["line"] == 2, r
        assert summary["problems"][0]["message"].startswith("column 2 (b): not valid UTF-8"), r
        return
    if not os.path.exists(expected_path):  # 92, 93: nothing in them
        assert r.code == 2 and summary["rows"] == 0, r
        return
    with open(expected_path, encoding="utf-8") as f:
        records = [line.rstrip("\n")[1:-1].split("|") for line in f]
    data = [rec for rec in records[1:] if any(field for field in rec)]
    assert summary["rows"] == len(data), r  # every row counted (none has bk_inst_name: all invalid, exit 2)
    assert r.code == 2 and len(summary["problems"]) == len(data), r
