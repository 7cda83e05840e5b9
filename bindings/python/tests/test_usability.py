"""Python as Python users expect it: typed keyword arguments for every configuration key (generated from the
library's table), ``Result.raise_for_status()`` raising the status's exception with the Result attached, the
README's example failing clearly against an unreachable server, and the request log on ``logging``."""

import inspect
import json
import logging
import os
import re
import subprocess
import sys
import typing

import pytest

from . import bkcc_test_support
from .bkcc_test_support import APP_CODE, APP_SECRET, bkcc, free_port, switches

SECRET = "S3cr3t-Python-Log-7731"
GENERATOR = os.path.join(bkcc_test_support.PACKAGE_ROOT, "scripts", "gen_client_signature.py")
LINE = re.compile(r"^POST (/\S*) (\d{3}|no-answer|not-sent) request_id=\S+ items=(\d+) elapsed_ms=\d+")
TYPES = {"string": str, "integer": int, "number": float, "boolean": bool}


def schema():
    return json.loads(bkcc._ffi.lib.bkcc_config_schema())


# MARK: keyword arguments

def test_client_takes_one_typed_keyword_argument_per_configuration_key():
    parameters = inspect.signature(bkcc.Client).parameters
    keys = [entry["key"] for entry in schema()]
    named = [name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert named == keys
    hints = typing.get_type_hints(bkcc.Client.__init__)
    for entry in schema():
        allowed = typing.get_args(hints[entry["key"]])  # Optional[X]: (X, NoneType)
        assert type(None) in allowed and parameters[entry["key"]].default is None
        if entry["choices"]:
            assert typing.get_args(allowed[0]) == tuple(entry["choices"]), entry  # Literal["esb", "apigw"]
        elif entry["type"] in TYPES:
            assert allowed[0] is TYPES[entry["type"]], entry
    assert "concurrency: Requests in flight at once. Default: 4. 1 to 64." in bkcc.Client.__init__.__doc__


def test_the_generated_signature_is_up_to_date():
    r = subprocess.run([sys.executable, GENERATOR, "--check"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, BKCC_LIBRARY=bkcc.library_path))
    assert r.returncode == 0, r.stderr


def test_keyword_arguments_are_checked_by_the_library():
    with pytest.raises(bkcc.InvalidArgumentError, match="concurrency"):
        bkcc.Client(url="http://127.0.0.1:1", app_code="a", app_secret="s", username="u", concurrency=0)
    with pytest.raises(bkcc.InvalidArgumentError, match="concurency"):  # an unknown key, named
        bkcc.Client(url="http://127.0.0.1:1", app_code="a", app_secret="s", username="u", concurency=2)
    with pytest.raises(TypeError):
        bkcc.Client("http://127.0.0.1:1")  # keywords only
    with bkcc.Client(url="http://127.0.0.1:1", app_code="a", app_secret="s", username="u", api=None,
                     retries=0) as client:
        assert repr(client) == "<bkcc.Client url='http://127.0.0.1:1' api='esb'>"


# MARK: raise_for_status

def unreachable_client():
    return bkcc.Client(url="http://127.0.0.1:%d" % free_port(), app_code=APP_CODE, app_secret=APP_SECRET,
                       username="admin", retries=0, connect_timeout_ms=2000)


def test_raise_for_status_attaches_the_result():
    details = switches(5)
    with unreachable_client() as client:
        result = client.batch_create_inst("bk_switch", details)
    assert not result.ok and result.created == {} and sorted(result.skipped) == [0, 1, 2, 3, 4]
    with pytest.raises(bkcc.TransportError) as info:
        result.raise_for_status()
    assert info.value.result is result and info.value.result.summary["skipped"] == 5
    assert isinstance(info.value, OSError)


def test_raise_for_status_on_a_partial_import_and_on_success(cmdb, client):
    first = client.batch_create_inst("bk_switch", switches(3))
    assert first.raise_for_status() is first and first.error is None
    again = client.batch_create_inst("bk_switch", switches(5), on_invalid="skip")  # 0..2 exist already
    with pytest.raises(bkcc.PartialError) as info:
        again.raise_for_status()
    assert info.value.result is again and sorted(again.failed) == [0, 1, 2] and sorted(again.created) == [3, 4]
    assert "duplicated" in info.value.result.failed[0]


def test_the_readme_example_against_an_unreachable_server_ends_in_transport_error(tmp_path):
    with open(os.path.join(bkcc_test_support.REPO, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    python = readme[readme.index("\n## Python\n"):]
    code = python[python.index("```python\n") + 10:python.index("\n```", python.index("```python\n"))]
    assert "raise_for_status()" in code and 'url="http://127.0.0.1:8000"' in code
    script = tmp_path / "example.py"
    script.write_text(code.replace("http://127.0.0.1:8000", "http://127.0.0.1:%d" % free_port()), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=bkcc_test_support.PACKAGE_ROOT, BKCC_LIBRARY=bkcc.library_path)
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 1 and last.startswith("bkcc.errors.TransportError: "), r.stderr
    assert "KeyError" not in r.stderr and "BKCC_ETRANSPORT" in last


# MARK: logging

@pytest.fixture
def secret_cmdb(spawn_cmdb):
    return spawn_cmdb("--app-secret", SECRET)


def secret_client(cmdb):
    return cmdb.client(app_secret=SECRET, concurrency=2)


def test_each_request_is_an_info_record_on_the_bkcc_logger(secret_cmdb, caplog):
    caplog.set_level(logging.INFO, logger="bkcc")
    with secret_client(secret_cmdb) as client:
        client.batch_create_inst("bk_switch", switches(450)).raise_for_status()
    records = [r for r in caplog.records if r.name == "bkcc"]
    assert len(records) == 3 == secret_cmdb.creates()
    assert all(r.levelno == logging.INFO and LINE.match(r.getMessage()) for r in records), caplog.text
    assert sorted(int(LINE.match(r.getMessage()).group(3)) for r in records) == [50, 200, 200]


def test_debug_records_hold_the_request_and_the_answer_without_a_secret(secret_cmdb, caplog):
    caplog.set_level(logging.DEBUG, logger="bkcc")
    secret_cmdb.set_faults([{"name": "echo_secret", "arg": "message", "count": 1}])
    with secret_client(secret_cmdb) as client:
        client.batch_create_inst("bk_switch", switches(3)).raise_for_status()
        with secret_cmdb.client(app_secret=SECRET, api="apigw") as gateway:
            gateway.batch_create_inst("bk_switch", switches(3, prefix="gw")).raise_for_status()
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(debug) == 4, caplog.text  # a request and an answer, twice
    assert debug[0].startswith("> POST http") and '"bk_app_secret":"***"' in debug[0]
    assert debug[1].startswith("< 200") and "***" in debug[1]  # the echoed secret, masked
    assert "X-Bkapi-Authorization: " in debug[2]
    assert SECRET not in caplog.text and SECRET[:10] not in caplog.text


def test_nothing_is_printed_without_logging_configuration(cmdb):
    code = ("import bkcc, sys\n"
            "with bkcc.Client(url=sys.argv[1], app_code=%r, app_secret=%r, username='admin') as c:\n"
            "    c.batch_create_inst('bk_switch', [{'bk_inst_name': 'a', 'bk_asset_id': 'A'}]).raise_for_status()\n"
            % (APP_CODE, APP_SECRET))
    env = dict(os.environ, PYTHONPATH=bkcc_test_support.PACKAGE_ROOT, BKCC_LIBRARY=bkcc.library_path)
    r = subprocess.run([sys.executable, "-c", code, cmdb.url], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r


def test_a_level_set_after_the_client_was_made_applies_from_the_next_call(cmdb, caplog):
    caplog.set_level(logging.INFO, logger="bkcc")
    with cmdb.client() as client:
        caplog.set_level(logging.DEBUG, logger="bkcc")
        client.batch_create_inst("bk_switch", switches(1))
        assert [r.levelno for r in caplog.records] == [logging.INFO]
        client.batch_create_inst("bk_switch", switches(1, start=1))
        assert [r.levelno for r in caplog.records] == [logging.INFO, logging.DEBUG, logging.DEBUG, logging.INFO]


# MARK: installing without a library

def test_pip_install_without_a_built_library_fails_naming_make(tmp_path):
    """`pip install ./bindings/python` before `make`: the build stops with the command to run, instead of
    installing a package that fails at `import bkcc`."""
    import ctypes.util
    import shutil
    if ctypes.util.find_library("bkcc"):
        pytest.skip("a libbkcc is installed system-wide: a build without one is allowed")
    source = tmp_path / "checkout" / "bindings" / "python"  # a checkout with no dist/
    shutil.copytree(bkcc_test_support.PACKAGE_ROOT, source, ignore=shutil.ignore_patterns("build", "*.egg-info",
                                                                                         "__pycache__", "*.so*"))
    env = {k: v for k, v in os.environ.items() if k not in ("BKCC_LIBRARY", "BKCC_NO_LIBRARY", "PYTHONPATH")}
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                        str(tmp_path / "wheels"), str(source)], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode != 0 and not list(tmp_path.glob("wheels/*.whl")), r
    assert "libbkcc.so.0 is not built" in r.stdout + r.stderr, r.stdout + r.stderr
    assert "make -C %s" % (tmp_path / "checkout") in r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
                        str(tmp_path / "wheels"), str(source)], capture_output=True, text=True, timeout=300,
                       env=dict(env, BKCC_NO_LIBRARY="1"))
    assert r.returncode == 0 and list((tmp_path / "wheels").glob("bkcc-*-py3-none-any.whl")), r
