"""Finding and loading libbkcc: the lookup order, the ImportError that says what to set, the version."""

import ctypes.util
import os
import re
import shutil
import subprocess
import sys

import pytest

from .bkcc_test_support import PACKAGE_ROOT, REPO, bkcc

CHECKOUT_LIBRARY = os.path.join(REPO, "dist", "lib", "libbkcc.so.0")


def the_library():
    """The library the tests use (what bkcc loaded)."""
    return os.path.realpath(bkcc.library_path)


def run_python(code, cwd, env_changes, path=None):
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    if path is not None:
        env["PYTHONPATH"] = path
    else:
        env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def copy_package(tmp_path, with_library):
    target = tmp_path / "site"
    shutil.copytree(os.path.join(PACKAGE_ROOT, "bkcc"), target / "bkcc",
                    ignore=shutil.ignore_patterns("__pycache__", "libbkcc.so.0"))
    if with_library:
        shutil.copyfile(the_library(), target / "bkcc" / "libbkcc.so.0")
    return str(target)


def test_version_comes_from_the_library():
    lib = ctypes.CDLL(bkcc.library_path)
    lib.bkcc_version.restype = ctypes.c_char_p
    assert bkcc.__version__ == lib.bkcc_version().decode()
    assert re.fullmatch(r"\d+\.\d+\.\d+", bkcc.__version__)


def test_package_version_matches_the_library_and_the_header():
    with open(os.path.join(PACKAGE_ROOT, "pyproject.toml"), encoding="utf-8") as f:
        declared = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    assert declared == bkcc.__version__
    header = os.path.join(REPO, "include", "bkcc.h")
    with open(header, encoding="utf-8") as f:
        assert '#define BKCC_VERSION_STRING "%s"' % declared in f.read()


def test_status_names_come_from_the_library():
    for status in bkcc.Status:
        assert bkcc.status_name(status) == str(status) == "BKCC_" + status.name
    assert bkcc.status_name(99) == "BKCC_UNKNOWN"
    assert bkcc.status_name(2**40) == "BKCC_UNKNOWN"
    assert bkcc.MAX_BATCH == 200


def test_bkcc_library_wins(tmp_path):
    site = copy_package(tmp_path, with_library=False)
    r = run_python("import bkcc; print(bkcc.library_path)", str(tmp_path), {"BKCC_LIBRARY": the_library()}, site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == the_library()


def test_a_bad_bkcc_library_is_an_import_error_naming_it(tmp_path):
    missing = str(tmp_path / "nowhere" / "libbkcc.so.0")
    r = run_python("import bkcc", str(tmp_path), {"BKCC_LIBRARY": missing}, PACKAGE_ROOT)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "BKCC_LIBRARY" in r.stderr and missing in r.stderr


def test_the_package_folder_comes_before_the_checkout(tmp_path):
    site = copy_package(tmp_path, with_library=True)
    r = run_python("import bkcc; print(bkcc.library_path)", str(tmp_path), {"BKCC_LIBRARY": None}, site)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(site, "bkcc", "libbkcc.so.0")


def test_a_checkout_finds_dist_lib():
    if not os.path.exists(CHECKOUT_LIBRARY):
        pytest.skip("no dist/lib/libbkcc.so.0 in this checkout (run `make`)")
    if os.path.exists(os.path.join(PACKAGE_ROOT, "bkcc", "libbkcc.so.0")):
        pytest.skip("bindings/python/bkcc holds its own copy of the library, which comes first")
    r = run_python("import bkcc; print(bkcc.library_path)", "/", {"BKCC_LIBRARY": None}, PACKAGE_ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == CHECKOUT_LIBRARY


def test_no_library_anywhere_is_an_import_error_that_says_what_to_set(tmp_path):
    if ctypes.util.find_library("bkcc"):
        pytest.skip("libbkcc is installed system-wide (found by the loader): cannot make it missing")
    site = copy_package(tmp_path, with_library=False)
    r = run_python("import bkcc", str(tmp_path), {"BKCC_LIBRARY": None, "LD_LIBRARY_PATH": None}, site)
    assert r.returncode != 0
    assert "ImportError: bkcc: libbkcc.so.0 not found. Set BKCC_LIBRARY=" in r.stderr, r.stderr
