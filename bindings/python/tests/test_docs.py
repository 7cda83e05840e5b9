"""The documentation runs: the module docstring's tour is a doctest against a freshly reset emulator."""

import doctest

from . import bkcc_test_support
from .bkcc_test_support import bkcc


def test_the_module_docstring_tour_runs(cmdb, monkeypatch, capsys):
    for key, value in cmdb.env().items():
        monkeypatch.setenv(key, value)
    for key in ("BK_TOKEN", "BKCC_API", "BKPAAS_APP_ID", "APP_CODE", "BKPAAS_APP_SECRET"):
        monkeypatch.delenv(key, raising=False)
    [test] = doctest.DocTestFinder(recurse=False).find(bkcc, "bkcc")
    assert len(test.examples) > 10
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0, capsys.readouterr().out


def test_the_readme_documents_the_test_command():
    with open(bkcc_test_support.os.path.join(bkcc_test_support.PACKAGE_ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    assert "BKCC_LIBRARY=dist/lib/libbkcc.so.0 python3 -m pytest -q bindings/python/tests" in readme
