"""Settings (flags > environment > config file), `bkcc config show`, and secrets: distinctive secret values must
never appear in anything bkcc prints or writes, whatever the command and however it ends."""

import json
import os

from .cli_support import Emulator, Runner, switches, write_csv

SECRET = "S3cr3t-Zebra-4417-qq"
TOKEN = "T0ken-Quokka-9931-zz"


def test_config_show_precedence_and_masking(bkcc, tmp_path):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"url": "http://file:1", "app_code": "file-code", "app_secret": SECRET,
                                  "username": "file-user", "concurrency": 7, "token": TOKEN}))
    r = bkcc("config", "show", "--config", config, "--url", "http://flag:2",
             replace_env={"PATH": os.environ["PATH"], "HOME": bkcc.home, "BK_APP_CODE": "env-code"})
    assert r.code == 0, r
    rows = {line.split()[0]: line for line in r.out.splitlines() if line and not line.startswith("config file")}
    assert '"http://flag:2"' in rows["url"] and "(flag --url)" in rows["url"]
    assert '"env-code"' in rows["app_code"] and "(env BK_APP_CODE)" in rows["app_code"]
    assert '"***"' in rows["app_secret"] and "(config %s)" % config in rows["app_secret"]
    assert '"***"' in rows["token"]
    assert "7" in rows["concurrency"] and "(config" in rows["concurrency"]
    assert "(default)" in rows["timeout_ms"]
    assert SECRET not in r.out + r.err and TOKEN not in r.out + r.err


def test_config_show_json(bkcc):
    r = bkcc("config", "show", "--output", "json")
    assert r.code == 0, r
    shown = json.loads(r.out)
    assert shown["settings"]["app_secret"] == "***" and shown["sources"]["url"] == "env BK_COMPONENT_API_URL"
    assert shown["usable"] is True


def test_default_config_file_is_read(bkcc, emulator, tmp_path):
    folder = os.path.join(bkcc.home, ".config", "bkcc")
    os.makedirs(folder)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"url": emulator.url, "app_code": "bkcc-demo", "app_secret": "bkcc-demo-secret", "username": "u"}, f)
    path = write_csv(tmp_path / "s.csv", switches(3))
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path, replace_env={"PATH": os.environ["PATH"], "HOME": bkcc.home})
    assert r.code == 0, r
    assert len(emulator.instances("bk_switch")) == 3


def test_alternative_environment_names(bkcc, emulator, tmp_path):
    path = write_csv(tmp_path / "s.csv", switches(2))
    env = {"PATH": os.environ["PATH"], "HOME": bkcc.home, "BK_COMPONENT_API_URL": emulator.url,
           "BKPAAS_APP_ID": "bkcc-demo", "BKPAAS_APP_SECRET": "bkcc-demo-secret", "BK_TOKEN": "any-token"}
    r = bkcc("batch-create-inst", "--obj", "bk_switch", path, replace_env=env)
    assert r.code == 0, r


def test_config_errors_are_exit_2(bkcc, tmp_path):
    r = bkcc("config", "show", "--config", tmp_path / "missing.json")
    assert r.code == 2 and "cannot open" in r.err, r
    bad = tmp_path / "bad.json"
    bad.write_text('{"url": "http://x", "timout_ms": 5}')
    r = bkcc("config", "show", "--config", bad)
    assert r.code == 2 and 'unknown key "timout_ms"' in r.err, r
    bad.write_text('{"url": ')
    r = bkcc("config", "show", "--config", bad)
    assert r.code == 2 and "not valid JSON" in r.err, r
    r = bkcc("config", "show", replace_env={"PATH": os.environ["PATH"], "HOME": bkcc.home})
    assert r.code == 2 and "not usable: no url set" in r.err, r


def test_secrets_are_never_printed_or_written(bkcc_path, tmp_path):
    emu = Emulator("--app-secret", SECRET)
    try:
        runner = Runner(bkcc_path, str(tmp_path), emu.url)
        good = {"BK_APP_SECRET": SECRET, "BK_TOKEN": TOKEN, "BK_USERNAME": ""}
        wrong = {"BK_APP_SECRET": SECRET + "-wrong", "BK_TOKEN": TOKEN}
        rows = switches(450)
        rows[7] = ("", "SW-000007")
        path = write_csv(tmp_path / "s.csv", rows)
        report = tmp_path / "r.jsonl"
        runs = [
            runner("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", report, path, env=good),
            runner("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--resume", report, "--report", report,
                   "--output", "json", path, env=good),
            runner("batch-create-inst", "--obj", "bk_switch", "--dry-run", "--skip-invalid", path, env=good),
            runner("batch-create-inst", "--obj", "bk_switch", "--dry-run", "--pretty", "--skip-invalid", path,
                   env=dict(good, BKCC_API="apigw")),
            runner("batch-create-inst", "--obj", "bk_switch", "--progress", path, env=good),  # invalid: refused
            runner("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", tmp_path / "w.jsonl", path, env=wrong),
            runner("batch-create-inst", "--obj", "bk_switch", "--skip-invalid", "--report", tmp_path / "g.jsonl", path,
                   env=dict(wrong, BKCC_API="apigw")),
            runner("config", "show", env=good),
            runner("config", "show", "--output", "json", env=good),
            runner("validate", "--obj", "bk_switch", path, env=good),
            runner("batch-create-inst", "--obj", "bk_switch", "--url", "http://127.0.0.1:1", "--retries", "0", path, env=good),
        ]
        # runs[2]: a dry run with an invalid row left out is exit 2 (#13: 0 means every row valid)
        assert runs[0].code == 1 and runs[1].code == 1 and runs[2].code == 2 and runs[5].code == 3, runs
        assert '"bk_app_secret": "***"' in runs[3].out or '\\"bk_app_secret\\":\\"***\\"' in runs[3].out
        written = "".join(open(p, encoding="utf-8").read() for p in (report, tmp_path / "w.jsonl", tmp_path / "g.jsonl"))
        everything = "".join(runner.outputs) + written
        for secret in (SECRET, TOKEN):
            assert secret not in everything
            assert secret[:12] not in everything  # not even a piece of it
    finally:
        emu.close()
