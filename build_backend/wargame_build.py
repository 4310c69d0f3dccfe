"""The build backend: setuptools' own, plus the opt-in mypyc build (``WARGAME_COMPILE=1``).

By default this is ``setuptools.build_meta`` unchanged: a pure-Python wheel, no compiler and no
mypy. With ``WARGAME_COMPILE=1`` in the environment a wheel build also asks for mypy (mypyc ships
with it) and the package's runtime dependencies (mypyc type-checks the modules it compiles, as
``mypy wargame`` does), and ``setup.py`` compiles the engine's hot modules. An editable install
with ``WARGAME_COMPILE=1`` is refused: compiled extensions next to the sources would shadow later
edits of the ``.py`` files.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the rest of the PEP 517/660 hooks)

MYPY = "mypy>=2.4,<3"  # the dev extra's range
HINT = "install without WARGAME_COMPILE for the pure-Python package"


def compile_requested() -> bool:
    """True when ``WARGAME_COMPILE`` is set to anything but empty or ``0``."""
    return os.environ.get("WARGAME_COMPILE", "").strip() not in ("", "0")


def _runtime_dependencies() -> list[str]:
    with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def refuse_editable() -> None:
    """Stop an editable install that asks for the compiled build (setup.py checks it too)."""
    if compile_requested():
        raise SystemExit(
            "wargame: WARGAME_COMPILE=1 builds wheels only; an editable install would leave "
            "compiled modules in the source tree that shadow later .py edits. Use "
            "`WARGAME_COMPILE=1 pip install .` (not -e), or unset WARGAME_COMPILE for an "
            "editable pure-Python install."
        )


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    requires = list(_setuptools.get_requires_for_build_wheel(config_settings))
    if compile_requested():
        requires += [MYPY, *_runtime_dependencies()]
    return requires


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    refuse_editable()
    return list(_setuptools.get_requires_for_build_editable(config_settings))


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    refuse_editable()
    return _setuptools.prepare_metadata_for_build_editable(metadata_directory, config_settings)


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    refuse_editable()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
