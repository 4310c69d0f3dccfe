"""Where the bundled scenarios are: inside the installed package, or in the checkout.

A plain ``pip install .`` ships ``scenarios/*.toml`` as ``wargame/scenarios/`` (see
``pyproject.toml``); an editable install reads the checkout's ``scenarios/`` folder, the one
users edit.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIO = "west_hunan_1945"


def _find() -> Path:
    for folder in (_HERE / "scenarios", _HERE.parent / "scenarios"):
        if (folder / f"{DEFAULT_SCENARIO}.toml").is_file():
            return folder
    return _HERE / "scenarios"


SCENARIO_DIR = _find()
"""The folder of the bundled scenario files and ``variants.toml``."""
VARIANTS_FILE = SCENARIO_DIR / "variants.toml"
