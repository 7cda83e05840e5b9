"""Config profiles through the binary: the profile's URL is where rows go, `--profile` beats `BKCC_PROFILE`
beats `default_profile`, and `config show` names the profile without showing its secrets."""

import json

from .cli_support import APP_CODE, APP_SECRET, switches, write_csv


def config(tmp_path, emulator_url):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "app_code": APP_CODE, "username": "admin",
        "profiles": {"test": {"url": emulator_url, "app_secret": APP_SECRET},
                     "prod": {"url": "http://127.0.0.1:1", "app_secret": "Pr0d-Secret-Otter-55"}},
        "default_profile": "prod"}))
    return str(path)


def test_the_chosen_profile_is_where_rows_go(bkcc, emulator, tmp_path):
    path, rows = config(tmp_path, emulator.url), write_csv(tmp_path / "s.csv", switches(3))
    bare = {"BK_COMPONENT_API_URL": "", "BK_APP_CODE": "", "BK_APP_SECRET": "", "BK_USERNAME": ""}
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--config", path, "--profile", "test", rows, env=bare)
    assert r.code == 0 and emulator.stats()["instances"] == 3, r
    r = bkcc("batch-create-inst", "--obj", "bk_switch", "--config", path, "--retries", "0", rows,
             env=dict(bare, BKCC_PROFILE="prod"))
    assert r.code == 3 and "127.0.0.1 port 1" in r.out, r  # prod: unreachable
    r = bkcc("config", "show", "--config", path, env=dict(bare, BKCC_PROFILE="test"), url=None)
    assert r.code == 0 and "profile: test (BKCC_PROFILE; profiles: test, prod)" in r.out, r
    assert ("(config %s profile test)" % path) in r.out and "Pr0d-Secret" not in r.out + r.err
    r = bkcc("config", "show", "--config", path, "--profile", "staging", env=bare)
    assert r.code == 2 and 'no profile "staging" (--profile); profiles: test, prod' in r.err, r
