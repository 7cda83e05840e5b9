"""Build hook: a wheel (or `pip install`) built after `make` carries libbkcc.so.0 inside the package.

The library copied into the built package is, in this order: $BKCC_LIBRARY (when set), else
../../dist/lib/libbkcc.so.0 (the `make` output of the checkout this folder belongs to). When neither exists, the
build stops with the command to run (`make`), unless the system loader already finds a libbkcc (`make install`)
or BKCC_NO_LIBRARY=1 says the library will be provided at run time: then the package is built without it and
finds the library when imported (see bkcc/_ffi.py). A package installed with no library anywhere would only fail
at `import bkcc`, far from the cause. A wheel that carries the
library is tagged for this platform (py3-none-linux_x86_64), since it holds native code; one without it is
pure (py3-none-any). The copy goes into the build folder only: the source tree is never changed.
"""

import ctypes.util
import os
import shutil

from setuptools import Distribution, setup
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


def check_a_library_exists():
    """Stops the build, naming the command to run, when no library would be found at run time either."""
    if os.environ.get("BKCC_NO_LIBRARY") == "1" or ctypes.util.find_library("bkcc"):
        return
    checkout = os.path.normpath(os.path.join(HERE, "..", ".."))
    raise SystemExit(
        "bkcc: libbkcc.so.0 is not built, and the package would not work without it.\n"
        "  Build it first:   make -C %s        (dist/lib/libbkcc.so.0; needs a Swift 6 toolchain, see README.md)\n"
        "  then install:     pip install %s\n"
        "  or name a built library:  BKCC_LIBRARY=/path/to/libbkcc.so.0 pip install ...\n"
        "  or, when it will be provided at run time (BKCC_LIBRARY, make install):  BKCC_NO_LIBRARY=1 pip install ..."
        % (checkout, HERE))


class BuildPyWithLibrary(build_py):
    """build_py, then a copy of libbkcc.so.0 into the built package."""

    def run(self):
        super().run()
        library = library_to_bundle()
        target = os.path.join(self.build_lib, "bkcc", SONAME)
        if library:
            self.announce("copying %s -> %s" % (library, target), level=2)
            shutil.copyfile(library, target)
            os.chmod(target, 0o755)
        else:
            check_a_library_exists()
            if os.path.exists(target):
                os.remove(target)  # a copy left in build/ by an earlier build must not ship in a pure wheel


class BinaryDistribution(Distribution):
    """Says "has native code" when the library is bundled: the wheel then gets a platform tag and installs its
    files at the platlib root (not under .data/purelib)."""

    def has_ext_modules(self):
        return library_to_bundle() is not None


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
        """py3-none-<platform> for a wheel with the library: ctypes needs no particular Python version or ABI."""

        def get_tag(self):
            python, abi, plat = super().get_tag()
            if not self.root_is_pure:
                return "py3", "none", plat
            return python, abi, plat

    commands["bdist_wheel"] = BdistWheel

setup(cmdclass=commands, distclass=BinaryDistribution)
