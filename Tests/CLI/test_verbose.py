"""`-v` / `--verbose` and `-vv` of `bkcc batch-create-inst`: one line per HTTP request on stderr (method, path,
status, request id, items, elapsed ms), and with -vv each request's and answer's headers and body; never a
secret, whatever the server echoes."""

import re

from .cli_support import Emulator, Runner, switches, write_csv

SECRET = "S3cr3t-Verbose-8821-kk"
TOKEN = "T0ken-Verbose-5512-mm"
LINE = re.compile(r"^(POST|GET) (/\S*) (?P<status>\d{3}|no-answer|not-sent) "
                  r"request_id=(?P<id>\S+) items=(?P<items>\d+) elapsed_ms=\d+( attempt=\d+)?( error=\".*\")?$")
ESB_CREATE = "/api/c/compapi/v2/cc/batch_create_inst/"


def request_lines(err, creates=True):
    """The request lines (the create's only, by default: the model is read first, a line per read)."""
    return [line for line in err.splitlines() if line.startswith(("POST ", "GET "))
            and (not creates or "batch_create_inst" in line or "createmany" in line)]


def test_v_one_line_per_request(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(450))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "-v", path)
    assert r.code == 0, r
    lines = request_lines(r.err)
    assert len(lines) == 3 == emulator.creates(), r.err
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    assert sorted(int(m.group("items")) for m in matches) == [50, 200, 200]
    assert {m.group("status") for m in matches} == {"200"} and {m.group(2) for m in matches} == {ESB_CREATE}
    assert len({m.group("id") for m in matches}) == 3  # each request its own id
    assert "> " not in r.err and "< " not in r.err  # no bodies at -v
    assert "450 of 450 rows created" in r.out + r.err
    reads = [line for line in request_lines(r.err, creates=False) if "search_object_attribute" in line]
    assert len(reads) == 1 and LINE.match(reads[0]), r.err  # the model, read once, logged like any request


def test_verbose_shows_retries_and_failures(bkcc, emulator, tmp_path):
    """Each HTTP attempt is a line: a dropped connection with its error, a rate-limited request and its retry."""
    emulator.set_faults([{"name": "reset", "count": 1, "only": "batch_create_inst"}])
    path = write_csv(tmp_path / "s.csv", switches(250))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--verbose", "--concurrency", "1", path)
    lines = request_lines(r.err)
    assert len(lines) == 2 and all(LINE.match(line) for line in lines), r.err
    lost = [line for line in lines if " no-answer " in line]
    assert len(lost) == 1 and 'error="sent, but no answer came' in lost[0], lines
    assert r.code == 1, r  # a create is not repeated after a lost answer: those rows are unknown

    emulator.reset()
    emulator.set_faults([{"name": "rate_limit", "count": 1, "only": "batch_create_inst"}])
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "-v", path)
    lines = request_lines(r.err)
    assert r.code == 0 and len(lines) == 3 == emulator.creates(), r  # the refused attempt reached it too
    # ESB answers a rate limit with HTTP 200 and code 1306201; the retry is a line of its own, "attempt=2",
    # carrying the same items
    retried = [line for line in lines if line.endswith(" attempt=2")]
    assert len(retried) == 1, lines
    items = sorted(int(LINE.match(line).group("items")) for line in lines)
    assert items in ([50, 50, 200], [50, 200, 200]) and "items=%d " % items[1] in retried[0], lines


def test_vv_headers_and_bodies_without_secrets(bkcc_path, tmp_path):
    """-vv against a server that echoes the secret back: request and answer shown, every secret as ***."""
    emu = Emulator("--app-secret", SECRET)
    try:
        runner = Runner(bkcc_path, str(tmp_path), emu.url)
        path = write_csv(tmp_path / "s.csv", switches(5))
        env = {"BK_APP_SECRET": SECRET, "BK_TOKEN": TOKEN}
        emu.set_faults([{"name": "echo_secret", "arg": "message", "count": 1, "only": "batch_create_inst"}])
        esb = runner("batch-create-inst", "--obj", "bk_switch", "-vv", "--report", tmp_path / "a.jsonl", path, env=env)
        gateway = runner("batch-create-inst", "--obj", "bk_switch", "-vv", "--report", tmp_path / "b.jsonl", path,
                         env=dict(env, BKCC_API="apigw"))
        for r in (esb, gateway):
            assert "> POST http" in r.err and "\n> X-Request-Id: " in r.err, r.err
            assert "\n< 200" in r.err or "\n< 4" in r.err or "\n< 5" in r.err, r.err
            assert request_lines(r.err), r.err
            assert '"SW-000000"' in r.err  # the request body is shown
            for secret in (SECRET, TOKEN, SECRET[:12], TOKEN[:12]):
                assert secret not in r.out + r.err, r
        # the line names the server's request_id (the answer's), not the X-Request-Id bkcc sent
        for r in (esb, gateway):
            answered = re.findall(r'^< \{.*"request_id":"([0-9a-f]+)"', r.err, re.M)
            shown = [LINE.match(line).group("id") for line in request_lines(r.err, creates=False)]
            assert answered and shown == answered, r.err
        assert '"bk_app_secret":"***"' in esb.err and '"bk_token":"***"' in esb.err, esb.err
        assert "X-Bkapi-Authorization: " in gateway.err and '"bk_app_secret":"***"' in gateway.err, gateway.err
    finally:
        emu.close()


def test_without_v_nothing_is_logged(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(3))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path)
    assert r.code == 0 and not request_lines(r.err), r
