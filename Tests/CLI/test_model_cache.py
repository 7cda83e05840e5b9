"""The model read ahead (README "The model cache"): batch-create-inst keeps the model each CMDB gave, checks the next
run's rows against it while it reads the model again, and lets only that read decide. Each test plants a cache the
CMDB disagrees with, or one that is not a model at all, and checks that the outcome is what the CMDB's model says:
exit codes, messages, what the emulator stored, and the cache rewritten to the CMDB's model."""

import glob
import json
import os
import signal
import stat
import time

from .cli_support import Emulator, write_csv

RACK_HEADER = ("bk_inst_name", "rack_u", "rack_room", "rack_status", "rack_ip")


def racks(n, u="42"):
    return [("R-%03d" % i, u, "机房-1", "idle", "10.0.0.%d" % (i + 1)) for i in range(n)]


def cache_file(home, obj="rack"):
    found = glob.glob(os.path.join(home, ".cache", "bkcc", "models", "*", obj + ".json"))
    assert len(found) <= 1, found
    return found[0] if found else None


def first_import(bkcc, tmp_path, n=3):
    """One import of racks: the model is read and kept; the rows are deleted again by a reset."""
    r = bkcc("batch-create-inst", "--obj", "rack", write_csv(tmp_path / "first.csv", racks(n), header=RACK_HEADER))
    assert r.code == 0, r
    path = cache_file(bkcc.home)
    assert path, "no model kept under %s" % bkcc.home
    return path


def plant(path, change):
    """Rewrites the kept model by `change(model)`."""
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    change(model)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(model, f, ensure_ascii=False)


def attribute(model, name):
    return next(a for a in model["attributes"] if a["id"] == name)


def test_the_model_read_is_kept_for_the_next_run(bkcc, emulator, tmp_path):
    path = first_import(bkcc, tmp_path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for directory in (os.path.dirname(path), os.path.join(bkcc.home, ".cache", "bkcc")):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    with open(path, encoding="utf-8") as f:
        kept = json.load(f)
    assert kept == json.loads(bkcc("model", "--obj", "rack", "--output", "json").out)
    # The second run takes the kept model as its guess; the CMDB's model is the same, so the pass stands.
    emulator.reset()
    r = bkcc("batch-create-inst", "--obj", "rack", "--output", "json",
             write_csv(tmp_path / "second.csv", racks(5), header=RACK_HEADER))
    assert r.code == 0, r
    assert r.json()["rules"] == "checked against model rack from the CMDB: 5 attributes, unique: bk_inst_name"
    assert len(emulator.instances("rack")) == 5
    assert os.listdir(os.path.dirname(path)) == ["rack.json"]  # no temporary file left


def test_xdg_cache_home_and_turning_it_off(bkcc, emulator, tmp_path):
    rows = write_csv(tmp_path / "r.csv", racks(2), header=RACK_HEADER)
    xdg = tmp_path / "xdg"
    assert bkcc("batch-create-inst", "--obj", "rack", rows, env={"XDG_CACHE_HOME": str(xdg)}).code == 0
    assert len(glob.glob(str(xdg / "bkcc" / "models" / "*" / "rack.json"))) == 1
    emulator.reset()
    assert bkcc("batch-create-inst", "--obj", "rack", rows, env={"BKCC_MODEL_CACHE": "off"}).code == 0
    assert cache_file(bkcc.home) is None


def test_a_stricter_guess_does_not_refuse_rows_the_cmdb_takes(bkcc, emulator, tmp_path):
    """The guess types rack_u as one digit of text and makes rack_room required, neither of which the CMDB does: rows the
    CMDB's model takes are sent, typed by the CMDB's model (rack_u an integer), and the cache is corrected."""
    path = first_import(bkcc, tmp_path)

    def stricter(model):
        attribute(model, "rack_u").update({"type": "singlechar", "option": "^[0-9]$"})
        attribute(model, "rack_room")["required"] = True
    plant(path, stricter)
    emulator.reset()
    rows = racks(4, u="42") + [("R-room", "7", "", "idle", "10.0.1.1")]
    r = bkcc("batch-create-inst", "--obj", "rack", "--output", "json", write_csv(tmp_path / "r.csv", rows, header=RACK_HEADER))
    assert r.code == 0, r
    assert r.json()["created"] == 5 and r.json()["rules"].startswith("checked against model rack from the CMDB")
    stored = {s["bk_inst_name"]: s for s in emulator.instances("rack")}
    assert len(stored) == 5 and stored["R-000"]["rack_u"] == 42 and "R-room" in stored
    with open(path, encoding="utf-8") as f:
        assert json.load(f) == json.loads(bkcc("model", "--obj", "rack", "--output", "json").out)


def test_a_laxer_guess_does_not_let_rows_through_the_cmdb_refuses(bkcc, emulator, tmp_path):
    path = first_import(bkcc, tmp_path)
    plant(path, lambda model: attribute(model, "rack_u")["option"].update({"max": "100"}))
    emulator.reset()
    rows = write_csv(tmp_path / "r.csv", racks(3, u="61"), header=RACK_HEADER)
    r = bkcc("batch-create-inst", "--obj", "rack", rows)
    assert r.code == 2, r
    assert "r.csv:2: rack_u (机柜U数): 61 is above the maximum 60" in r.err
    assert "3 of 3 rows are invalid; nothing was sent" in r.err
    assert emulator.creates() == 0


def test_a_cache_that_is_not_a_model_is_passed_over(bkcc, emulator, tmp_path):
    path = first_import(bkcc, tmp_path)
    rows = write_csv(tmp_path / "r.csv", racks(2), header=RACK_HEADER)
    with open(path, encoding="utf-8") as f:
        good = f.read()

    def garbage_text():
        with open(path, "w") as f:
            f.write('{"bk_obj_id": "rack", "attributes": [')

    def another_model():
        with open(path, "w", encoding="utf-8") as f:
            f.write(good.replace('"bk_obj_id":"rack"', '"bk_obj_id":"cabinet"', 1))

    def huge():
        with open(path, "w") as f:
            f.write('{"bk_obj_id":"rack","name":"' + "x" * (5 << 20) + '"}')

    def directory():
        os.mkdir(path)

    def fifo():
        os.mkfifo(path)  # read, a FIFO with no writer would block for ever

    def symlink_to_device():
        os.symlink("/dev/zero", path)

    for planted in (garbage_text, another_model, huge, directory, fifo, symlink_to_device):
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)
        elif os.path.lexists(path):
            os.unlink(path)
        planted()
        emulator.reset()
        r = bkcc("batch-create-inst", "--obj", "rack", "--output", "json", rows, timeout=30)
        assert r.code == 0, (planted.__name__, r)
        assert r.json()["created"] == 2 and len(emulator.instances("rack")) == 2, planted.__name__
        if planted is not directory:  # a directory is not replaced; anything else is, by the model read
            with open(path, encoding="utf-8") as f:
                assert f.read() == good, planted.__name__


def test_a_guess_for_a_model_the_cmdb_does_not_know_ends_as_without_one(bkcc, emulator, tmp_path):
    path = first_import(bkcc, tmp_path)
    plant(path, lambda model: model.update({"bk_obj_id": "bk_nosuch"}))
    os.rename(path, os.path.join(os.path.dirname(path), "bk_nosuch.json"))
    rows = write_csv(tmp_path / "s.csv", [("a", "1", "x", "idle", "10.0.0.1")], header=RACK_HEADER)
    emulator.reset()
    guessed = bkcc("batch-create-inst", "--obj", "bk_nosuch", "--output", "json", rows)
    plain = bkcc("batch-create-inst", "--obj", "bk_nosuch", "--output", "json", rows, env={"BKCC_MODEL_CACHE": "off"})
    assert guessed.code == plain.code == 3, guessed
    assert guessed.err == plain.err and guessed.out == plain.out
    assert 'model "bk_nosuch" not found: the CMDB knows no attributes of it' in guessed.err
    assert emulator.creates() == 0


def test_a_guess_when_the_cmdb_cannot_be_read_ends_as_without_one(bkcc, tmp_path):
    """The CMDB went away after the model was kept: the rows are checked by the offline rules, said as a warning,
    and the import fails as it does without a cache."""
    with Emulator() as emu:
        r = bkcc("batch-create-inst", "--obj", "rack", write_csv(tmp_path / "first.csv", racks(1), header=RACK_HEADER),
                 url=emu.url)
        assert r.code == 0, r
        url = emu.url
    assert cache_file(bkcc.home)
    # 61 is over the kept model's maximum, and nothing offline: trusting the guess would end with exit 2.
    rows = write_csv(tmp_path / "r.csv", [("R-1", "61"), ("R-2", "3")], header=("bk_inst_name", "rack_u"))
    args = ("batch-create-inst", "--obj", "rack", "--timeout", "2", "--retries", "0", "--output", "json", rows)
    guessed = bkcc(*args, url=url)
    plain = bkcc(*args, url=url, env={"BKCC_MODEL_CACHE": "off"})
    assert guessed.code == plain.code == 3, guessed
    assert "bkcc: warning: cannot read model rack from the CMDB (" in guessed.err
    assert guessed.json()["rules"] == plain.json()["rules"] and "checked by the offline rules instead" in guessed.json()["rules"]
    assert guessed.json()["created"] == 0 and guessed.json()["invalid"] == 0


def test_an_interrupt_while_the_read_is_awaited_stops_at_once(bkcc, emulator, tmp_path):
    """The rows are checked (two rows: at once); the model read stalls 5 s; SIGINT ends the wait, nothing is sent."""
    first_import(bkcc, tmp_path)
    emulator.reset()
    emulator.set_faults([{"name": "stall", "arg": 5000, "count": 1, "only": "search_object_attribute"}])
    proc = bkcc.start("batch-create-inst", "--obj", "rack", write_csv(tmp_path / "r.csv", racks(2), header=RACK_HEADER))
    time.sleep(0.5)
    signalled = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, (out, err)
    assert time.monotonic() - signalled < 2
    assert "interrupted (SIGINT) while reading the model; nothing was sent" in err.decode()
    assert emulator.creates() == 0


def test_an_import_that_stops_before_the_read_is_in_ends_cleanly(bkcc, emulator, tmp_path):
    """The report cannot be had (a directory), so the import stops before it waits for the model read, which is
    still inside libcurl: exit's handlers ran under it, a SIGSEGV in 2 of 30 runs. 40 runs, each a clean exit 2."""
    first_import(bkcc, tmp_path)
    emulator.reset()
    emulator.set_faults(["latency:300"])
    rows = write_csv(tmp_path / "r.csv", racks(2), header=RACK_HEADER)
    (tmp_path / "dir").mkdir()
    codes = [bkcc("batch-create-inst", "--obj", "rack", "--report", tmp_path / "dir", rows, timeout=30).code for _ in range(40)]
    assert codes == [2] * 40, codes
    assert emulator.creates() == 0


def validate_both_ways(bkcc, rows, *extra):
    """`validate` with the kept model as its guess, and without it: (guessed, plain), text and --output json alike."""
    out = []
    for output in ("text", "json"):
        args = ("validate", "--obj", "rack", "--output", output, *extra, rows)
        out.append((bkcc(*args), bkcc(*args, env={"BKCC_MODEL_CACHE": "off"})))
    return out


def test_validate_checks_against_the_kept_model_and_says_what_the_cmdbs_says(bkcc, emulator, tmp_path):
    """validate reads ahead too: its rows are checked against the kept model while the CMDB is asked, and its output —
    the rules line first, the problems, the count — is what the CMDB's model makes it, whatever was kept."""
    path = first_import(bkcc, tmp_path)
    emulator.reset()
    bad = write_csv(tmp_path / "bad.csv", racks(3, u="61") + [("R-ok", "7", "机房-1", "idle", "10.0.9.9")], header=RACK_HEADER)
    good = write_csv(tmp_path / "good.csv", racks(4, u="42"), header=RACK_HEADER)
    with open(path, encoding="utf-8") as f:
        kept = f.read()

    def laxer(model):
        attribute(model, "rack_u")["option"].update({"max": "100"})

    def stricter(model):
        attribute(model, "rack_u").update({"type": "singlechar", "option": "^[0-9]$"})
    for guess in (None, laxer, stricter):
        for rows, code in ((bad, 2), (good, 0)):
            with open(path, "w", encoding="utf-8") as f:
                f.write(kept)
            if guess:
                plant(path, guess)
            for guessed, plain in validate_both_ways(bkcc, rows):
                assert guessed.code == plain.code == code, guessed
                assert (guessed.out, guessed.err) == (plain.out, plain.err), (guessed, plain)
    text = bkcc("validate", "--obj", "rack", bad)
    assert text.out.splitlines()[0] == "checked against model rack from the CMDB: 5 attributes, unique: bk_inst_name"
    assert "bad.csv:2: rack_u (机柜U数): 61 is above the maximum 60" in text.out
    assert text.out.splitlines()[-1].endswith("bad.csv: 4 rows (csv), 3 invalid")
    with open(path, encoding="utf-8") as f:
        assert json.load(f) == json.loads(kept)  # corrected to the CMDB's model
    assert emulator.creates() == 0


def test_validate_with_a_guess_over_standard_input_reads_the_rows_again(bkcc, emulator, tmp_path):
    """The guess differs, so the rows are checked twice: standard input is spooled once and read again."""
    path = first_import(bkcc, tmp_path)
    plant(path, lambda model: attribute(model, "rack_u")["option"].update({"max": "100"}))
    csv_text = (tmp_path / "x.csv")
    write_csv(csv_text, racks(2, u="61"), header=RACK_HEADER)
    r = bkcc("validate", "--obj", "rack", "--format", "csv", "-", input=csv_text.read_bytes())
    assert r.code == 2, r
    assert r.out.count("is above the maximum 60") == 2 and r.out.splitlines()[-1] == "<stdin>: 2 rows (csv), 2 invalid"


def test_validate_without_a_limit_lists_every_problem_as_without_a_cache(bkcc, emulator, tmp_path):
    """--max-problems 0 prints every problem as it is found, so nothing is held back (the model is read first, as
    without a cache): the output is the same."""
    path = first_import(bkcc, tmp_path)
    plant(path, lambda model: attribute(model, "rack_u")["option"].update({"max": "100"}))
    rows = write_csv(tmp_path / "r.csv", racks(30, u="61"), header=RACK_HEADER)
    for guessed, plain in validate_both_ways(bkcc, rows, "--max-problems", "0"):
        assert guessed.code == plain.code == 2 and (guessed.out, guessed.err) == (plain.out, plain.err)
        assert guessed.out.count("is above the maximum 60") == 30
