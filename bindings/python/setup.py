"""Build hook: a wheel (or `pip install`) built after `make` carries libbkcc.so.0 inside the package.

The library copied into the built package is, in this order: $BKCC_LIBRARY (when set), else
../../dist/lib/libbkcc.so.0 (the `make` output of the checkout this folder belongs to). When neither exists the
package is built without it and finds the library at run time (see bkcc/_ffi.py). A wheel that carries the
library is tagged for this platform (py3-none-linux_x86_64), since it holds native code; one without it is
pure (py3-none-any). The copy goes into the build folder only: the source tree is never changed.
"""

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
SONAME = "libbkcc.so.0"


def library_to_bundle():
    explicit = os.environ.get("BKCC_LIBRARY")
    if explicit:
        if not os.path.isfile(explicit):
            raise SystemExit("setup.py: BKCC_LIBRARY=%r is not a file" % explicit)
        return explicit
    checkout = os.path.normpath(os.path.join(HERE, "..", "..", "dist", "lib", SONAME))
    return checkout if os.path.isfile(checkout) else None


class BuildPyWithLibrary(build_py):
    """build_py, then a copy of libbkcc.so.0 into the built package."""

    def run(self):
        super().run()
        library = library_to_bundle()
        if library:
            target = os.path.join(self.build_lib, "bkcc", SONAME)
            self.announce("copying %s -> %s" % (library, target), level=2)
            shutil.copyfile(library, target)
            os.chmod(target, 0o755)


commands = {"build_py": BuildPyWithLibrary}

try:  # setuptools >= 70.1 has its own bdist_wheel; older ones use the `wheel` package's
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:
    try:
        from wheel.bdist_wheel import bdist_wheel
    except ImportError:
        bdist_wheel = None

if bdist_wheel is not None:
    class BdistWheel(bdist_wheel):
        """Platform tag when the wheel carries the native library; the Python ABI does not matter (ctypes)."""

        def finalize_options(self):
            super().finalize_options()
            if library_to_bundle():
                self.root_is_pure = False

        def get_tag(self):
            python, abi, plat = super().get_tag()
            if not self.root_is_pure:
                return "py3", "none", plat
            return python, abi, plat

    commands["bdist_wheel"] = BdistWheel

setup(cmdclass=commands)
