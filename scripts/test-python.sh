#!/usr/bin/env bash
# test-python.sh PYTHON: makes sure PYTHON can run the test suites (requirements-test.txt), then prints nothing
# and exits 0. pytest is required: when it is missing it is installed with pip (or, as root on Debian, with
# apt-get when pip may not install into this Python); when neither works, the exact commands to run are printed
# and the exit status is 1. bkapi-component-open is optional (one emulator test compares against the BlueKing
# SDK): it is installed with pip when it can be, and otherwise that test is skipped and `make test` says so.
set -uo pipefail
python=${1:-python3}
cd "$(dirname "$0")/.."
has() { "$python" -c "import $1" >/dev/null 2>&1; }
pip_install() { "$python" -m pip install -q --disable-pip-version-check "$@" >build/pip-install.log 2>&1; }
mkdir -p build
# pytest, and the modules the .xlsx tests write workbooks with: a Python with pytest alone failed to collect them.
if ! has pytest || ! has openpyxl || ! has xlsxwriter; then
  echo "make: installing the test requirements (requirements-test.txt) with $python -m pip" >&2
  if ! pip_install -r requirements-test.txt && ! has pytest; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null && [ "$python" = python3 ]; then
      echo "make: pip could not (build/pip-install.log); installing python3-pytest with apt-get" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pytest >/dev/null 2>&1 || true
    fi
  fi
  if ! has pytest; then
    echo "make: pytest is missing and could not be installed (build/pip-install.log). Run one of:" >&2
    echo "    $python -m pip install -r requirements-test.txt" >&2
    echo "    sudo apt-get install python3-pytest" >&2
    echo "  or use another Python: make test PYTHON=/path/to/python3" >&2
    exit 1
  fi
fi
if ! has bkapi_component.open; then
  pip_install bkapi-component-open || true  # optional: without it, its test is skipped (and reported)
fi
exit 0
