"""A user's install: a fresh virtual environment, `pip install ./bindings/python`, then the README's example
against a fresh emulator, run outside the checkout with no BKCC_LIBRARY (the package must carry the library).

Takes ~5-15 s (pip fetches setuptools for the isolated build unless it is cached); bounded by timeouts.
"""

import os
import re
import subprocess
import sys

import pytest

from .bkcc_test_support import PACKAGE_ROOT, REPO

CHECKOUT_LIBRARY = os.path.join(REPO, "dist", "lib", "libbkcc.so.0")


def readme_example():
    """The README's example: its first ```python block and the ```text block of its output."""
    with open(os.path.join(PACKAGE_ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    output = re.search(r"```text\n(.*?)```", readme, re.S).group(1)
    return code, output


def run(args, timeout, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    assert r.returncode == 0, "%s failed (%d):\n%s\n%s" % (args, r.returncode, r.stdout[-3000:], r.stderr[-3000:])
    return r


def test_fresh_venv_pip_install_then_the_readme_example(tmp_path, spawn_cmdb):
    if not (os.environ.get("BKCC_LIBRARY") or os.path.exists(CHECKOUT_LIBRARY)):
        pytest.fail("no library to install with the package: run `make` (dist/lib/libbkcc.so.0) or set BKCC_LIBRARY")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    python = str(venv / "bin" / "python")
    build_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    run([python, "-m", "pip", "install", "-q", "./bindings/python"], timeout=180, cwd=REPO, env=build_env)

    cmdb = spawn_cmdb()
    code, expected = readme_example()
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BKCC_LIBRARY", "LD_LIBRARY_PATH")}
    for key in ("BK_TOKEN", "BKCC_API", "BKPAAS_APP_ID", "APP_CODE", "BKPAAS_APP_SECRET"):
        env.pop(key, None)
    env.update(cmdb.env())
    r = run([python, str(script)], timeout=60, cwd=str(tmp_path), env=env)
    assert r.stdout == expected
    assert "500/500 done" in r.stderr
    assert len(cmdb.instances("bk_switch")) == 500

    where = run([python, "-c", "import bkcc; print(bkcc.library_path)"], timeout=30, cwd=str(tmp_path), env=env)
    assert where.stdout.strip().startswith(str(venv)), "the installed package did not use its own library"
