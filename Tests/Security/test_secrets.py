"""Secrets never leak: every CLI command and error path, run with distinctive secret values (app_secret, token,
access_token), must not show any of them on stdout, stderr, in a report or in an error message; nor may the
library's error messages (through the Python package) for a configuration holding them.
"""

import json
import os

import pytest

import bkcc

from .security_support import Emulator, run_cli, switches

APP_SECRET = "S3CRET-app-q7Zx91"
TOKEN = "S3CRET-token-Kp4m22"
ACCESS_TOKEN = "S3CRET-access-Wd8n33"
SECRETS = (APP_SECRET, TOKEN, ACCESS_TOKEN)


def assert_clean(*texts, where=""):
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        for secret in SECRETS:
            assert secret not in text, "secret %s leaked %s: %s" % (secret, where, text[:3000])
            assert secret.lower() not in text.lower()


@pytest.fixture(scope="module")
def emu():
    with Emulator("--app-secret", APP_SECRET) as cmdb:   # this emulator's valid secret is the distinctive one
        yield cmdb


@pytest.fixture
def world(emu, tmp_path):
    emu.reset()
    rows = tmp_path / "rows.csv"
    rows.write_text("bk_inst_name,bk_asset_id\n" + "".join("s%d,SEC-%d\n" % (i, i) for i in range(450)))
    bad = tmp_path / "bad.csv"
    bad.write_text("bk_inst_name,bk_asset_id\ns1,\ns2,X\ns3,X\n")
    configs = {}
    for name, doc in {
        "esb": {"url": emu.url, "app_code": "bkcc-demo", "app_secret": APP_SECRET, "token": TOKEN},
        "esb_header": {"url": emu.url, "app_code": "bkcc-demo", "app_secret": APP_SECRET, "username": "admin",
                       "auth": "header"},
        "apigw": {"url": emu.url, "api": "apigw", "app_code": "bkcc-demo", "app_secret": APP_SECRET,
                  "access_token": ACCESS_TOKEN, "token": TOKEN},
        "wrong": {"url": emu.url, "app_code": "bkcc-demo", "app_secret": APP_SECRET + "-wrong", "token": TOKEN},
        "unreachable": {"url": "http://127.0.0.1:9", "app_code": "bkcc-demo", "app_secret": APP_SECRET,
                        "token": TOKEN, "retries": 0},
        "unknown_key": {"url": emu.url, "app_code": "bkcc-demo", "app_secret": APP_SECRET, "token": TOKEN,
                        "tokn": TOKEN},
        "bad_type": {"url": emu.url, "app_code": "bkcc-demo", "app_secret": APP_SECRET, "token": TOKEN,
                     "timeout_ms": "sixty"},
        "esb_access": {"url": emu.url, "app_code": "bkcc-demo", "app_secret": APP_SECRET, "token": TOKEN,
                       "access_token": ACCESS_TOKEN},
    }.items():
        path = tmp_path / ("%s.json" % name)
        path.write_text(json.dumps(doc))
        configs[name] = str(path)
    broken = tmp_path / "broken.json"   # not JSON: a parser that quotes the text would show the secret
    broken.write_text('{"url": "%s", "app_secret": "%s", "token": "%s" "access_token": "%s"' % (
        emu.url, APP_SECRET, TOKEN, ACCESS_TOKEN))
    configs["broken"] = str(broken)
    return {"dir": tmp_path, "rows": str(rows), "bad": str(bad), "configs": configs, "emu": emu}


def env_for(emu, secret=APP_SECRET):
    return {"BK_COMPONENT_API_URL": emu.url, "BK_APP_CODE": "bkcc-demo", "BK_APP_SECRET": secret,
            "BK_TOKEN": TOKEN}


def all_files_clean(directory):
    for root, _, files in os.walk(directory):
        for name in files:
            if name.endswith(".json") or name.endswith(".csv"):
                continue   # our own inputs hold the secrets on purpose
            with open(os.path.join(root, name), "rb") as f:
                assert_clean(f.read(), where="in %s" % name)


def commands(w):
    """(name, argv, env) for every command and error path."""
    emu, c, rows, bad = w["emu"], w["configs"], w["rows"], w["bad"]
    d = w["dir"]
    env = env_for(emu)
    create = ["batch-create-inst", "--obj", "bk_switch", "--no-progress"]
    yield "help", ["--help"], env
    yield "help batch-create-inst", ["help", "batch-create-inst"], env
    yield "version", ["version"], env
    yield "--version", ["--version"], env
    yield "validate", ["validate", "--obj", "bk_switch", rows], env
    yield "validate invalid", ["validate", "--obj", "bk_switch", bad], env
    for name in c:
        yield "config show " + name, ["config", "show", "--config", c[name]], {}
        yield "config show json " + name, ["config", "show", "--output", "json", "--config", c[name]], {}
    yield "config show env", ["config", "show"], env
    yield "config show env json", ["config", "show", "--output", "json"], env
    for name in c:
        yield "dry-run " + name, create + ["--dry-run", "--config", c[name], rows], {}
        yield "dry-run pretty " + name, create + ["--dry-run", "--pretty", "--config", c[name], rows], {}
    yield "dry-run env", create + ["--dry-run", rows], env
    yield "create esb", create + ["--config", c["esb"], "--report", str(d / "r1.jsonl"), rows], {}
    yield "create esb_header", create + ["--config", c["esb_header"], "--report", str(d / "r2.jsonl"), bad,
                                         "--skip-invalid"], {}
    yield "create json output", create + ["--output", "json", "--config", c["esb"], rows], {}
    yield "wrong secret", create + ["--config", c["wrong"], "--report", str(d / "r3.jsonl"), rows], {}
    yield "wrong secret env", create + ["--report", str(d / "r4.jsonl"), rows], env_for(emu, APP_SECRET + "x")
    yield "unreachable", create + ["--config", c["unreachable"], "--report", str(d / "r5.jsonl"), rows], {}
    yield "unknown key", create + ["--config", c["unknown_key"], rows], {}
    yield "bad type", create + ["--config", c["bad_type"], rows], {}
    yield "access token on esb", create + ["--config", c["esb_access"], rows], {}
    yield "broken config", create + ["--config", c["broken"], rows], {}
    yield "invalid input", create + ["--config", c["esb"], bad], {}
    yield "resume", create + ["--config", c["esb"], "--resume", str(d / "r3.jsonl"), "--report",
                              str(d / "r3.jsonl"), rows], {}
    yield "resume unreachable", create + ["--config", c["unreachable"], "--resume", str(d / "r5.jsonl"), rows], {}
    yield "apigw", create + ["--config", c["apigw"], "--report", str(d / "r6.jsonl"), rows], {}
    yield "bad flag", create + ["--config", c["esb"], "--concurrency", "0", rows], {}


def test_no_cli_command_or_error_path_shows_a_secret(world):
    ran = 0
    codes = set()
    for name, argv, env in commands(world):
        done = run_cli(*argv, env=env, timeout=60)
        assert_clean(done.stdout, done.stderr, where="in the output of `bkcc %s` (%s)" % (" ".join(argv), name))
        codes.add(done.returncode)
        ran += 1
    assert ran > 40 and {0, 1, 2, 3} <= codes, codes
    all_files_clean(world["dir"])


def test_the_secret_did_reach_the_server_so_the_check_means_something(world):
    done = run_cli("batch-create-inst", "--obj", "bk_switch", "--no-progress", "--config",
                   world["configs"]["esb"], world["rows"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(world["emu"].instances("bk_switch")) == 450


BAD_CONFIGS = [
    dict(url="ftp://x", app_code="a", app_secret=APP_SECRET, token=TOKEN),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, access_token=ACCESS_TOKEN),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, tokn=TOKEN),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, headers={"Host": ACCESS_TOKEN}),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, headers={"X-A": "\n" + TOKEN}),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, timeout_ms=APP_SECRET),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, api="apigw", auth="body"),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, language=TOKEN),
    dict(url="http://127.0.0.1:1", app_code="a", app_secret=APP_SECRET, token=TOKEN, stage=TOKEN + "!"),
    dict(url="http://127.0.0.1:1" + TOKEN + " x", app_code="a", app_secret=APP_SECRET, token=TOKEN),
]


@pytest.mark.parametrize("config", BAD_CONFIGS)
def test_library_configuration_errors_hold_no_secret(config):
    with pytest.raises(bkcc.Error) as raised:
        bkcc.Client(**config)
    error = raised.value
    assert_clean(str(error), repr(error), getattr(error, "message", "") or "", where="in a configuration error")


@pytest.mark.parametrize("case", ["wrong", "unreachable", "apigw"])
def test_library_batch_errors_and_results_hold_no_secret(emu, case):
    emu.reset()
    config = {"url": emu.url, "app_code": "bkcc-demo", "app_secret": APP_SECRET + "-no", "token": TOKEN,
              "retries": 0, "timeout_ms": 5000}
    if case == "unreachable":
        config["url"] = "http://127.0.0.1:9"
    if case == "apigw":   # an access_token alone is valid on the gateway: a success path
        config.update(api="apigw", access_token=ACCESS_TOKEN)
    with bkcc.Client(**config) as client:
        result = client.batch_create_inst("bk_switch", switches(250, "sec"))
        assert bool(result.created) == (case == "apigw")
        assert_clean(json.dumps(result.data), where="in a batch result")
        settled = client.reconcile("bk_switch", switches(250, "sec"), result)
        assert_clean(json.dumps(settled.data), where="in a reconcile result")
        request = client.build_request("bk_switch", switches(2, "sec")) if hasattr(client, "build_request") else None
    del request   # build_request returns the request as sent: credentials included, on purpose (documented)
