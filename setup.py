"""Builds the optional mypyc extensions and the draws kernel when ``WARGAME_COMPILE=1`` (see
build_backend/).

Everything else about the package is in pyproject.toml; without ``WARGAME_COMPILE`` this adds
nothing and the wheel is pure Python.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# the build backend's own checks (pip puts build_backend/ on the path; a direct
# ``python setup.py`` does not)
sys.path.insert(0, str(Path(__file__).resolve().parent / "build_backend"))
from wargame_build import HINT as PURE_HINT
from wargame_build import compile_requested, refuse_editable

# The modules compiled: the engine's daily loop and what it calls every day, chosen by
# measurement (callgrind, instructions per West Hunan campaign as a batch worker; pure Python
# 357 M): these 16 take 221 M; each saves 2-18 M (measured one at a time), while compiling ambush.py
# as well costs 3 M more (it gains nothing); scenario.py and params.py (pydantic models) and the
# command line, reports and analysis stay Python.
COMPILED = [
    "wargame/state.py",
    "wargame/engine.py",
    "wargame/supply.py",
    "wargame/movement.py",
    "wargame/combat.py",
    "wargame/attrition.py",
    "wargame/world.py",
    "wargame/terrain.py",
    "wargame/commanders.py",
    "wargame/rules.py",
    "wargame/air.py",
    "wargame/guerrilla.py",
    "wargame/weather.py",
    "wargame/doctrine/__init__.py",
    "wargame/doctrine/chinese.py",
    "wargame/doctrine/japanese.py",
]
BUILDS = ("bdist_wheel", "build", "build_ext", "install", "develop", "editable_wheel")
"""The setup.py commands that build the extensions."""
HINT = f"wargame: the mypyc build failed; {PURE_HINT}"


class LoudBuildExt(build_ext):
    """build_ext that says, when compiling fails, how to install without compiling."""

    def run(self) -> None:
        try:
            super().run()
        except BaseException:
            print(HINT, file=sys.stderr)
            raise


def _ext_modules() -> list[Any]:
    if not compile_requested():
        return []
    if not any(cmd in sys.argv for cmd in BUILDS):
        return []  # metadata only (egg_info, dist_info: the backend asks before mypy is there)
    if any(cmd in sys.argv for cmd in ("develop", "editable_wheel")):
        refuse_editable()
    try:
        from mypyc.build import mypycify
    except ImportError:
        sys.exit(f"wargame: WARGAME_COMPILE=1 needs mypy (mypyc) to build; {PURE_HINT}")
    try:
        extensions = [*mypycify(COMPILED, opt_level="3", group_name="wargame"), _draws_extension()]
    except BaseException:
        print(HINT, file=sys.stderr)
        raise
    if sys.platform != "win32":
        # the same floating-point results as the pure package: no fused multiply-add (gcc and
        # clang contract a * b + c by default where the processor has it, as on arm64)
        for ext in extensions:
            ext.extra_compile_args = [*ext.extra_compile_args, "-ffp-contract=off"]
    return extensions


def _draws_extension() -> Extension:
    """wargame._draws (see wargame/draws.py): numpy's binomial and multinomial C functions from
    numpy's static library for extensions (numpy/random/lib/libnpyrandom.a) and its headers."""
    import numpy as np

    random_lib = Path(np.__file__).resolve().parent / "random" / "lib"
    return Extension(
        "wargame._draws",
        ["wargame/_draws.c"],
        include_dirs=[np.get_include()],
        library_dirs=[str(random_lib)],
        libraries=["npyrandom"],
    )


setup(ext_modules=_ext_modules(), cmdclass={"build_ext": LoudBuildExt})
