"""Fixtures of the reliability and security tests; helpers in security_support.py."""

from . import security_support  # noqa: F401  (puts Tests/Emulator and the Python package on sys.path)
from emulator_fixtures import reset_emulator_fixtures

# A module-wide emulator (sec_cmdb_module), reset before each test (sec_cmdb).
sec_cmdb_module, sec_cmdb = reset_emulator_fixtures("sec_cmdb_module", "sec_cmdb", scope="module")
