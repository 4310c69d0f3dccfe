"""Where scenarios come from: bundled names, paths, and the scenario a turn log names.

Both command lines (``wargame.cli`` and ``wargame.analysis.cli``) import this module, so
neither imports the other.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from wargame.bundled import DEFAULT_SCENARIO, SCENARIO_DIR
from wargame.errors import UserError, did_you_mean

if TYPE_CHECKING:
    from wargame.scenario import Scenario
    from wargame.turnlog import TurnLog

__all__ = [
    "DEFAULT_SCENARIO",
    "bundled_scenarios",
    "content_of",
    "load",
    "log_scenario_path",
    "program_files",
    "resolve_scenario",
    "scenario_ref",
]


def program_files() -> list[tuple[str, Path]]:
    """The files shipped with the program (scenarios, variants, the historical record):
    inputs of every command, so no output may overwrite them."""
    data = Path(__file__).resolve().parent / "data"
    files = sorted(SCENARIO_DIR.glob("*.toml")) + sorted(data.glob("*.toml"))
    return [("bundled file", p) for p in files]


def bundled_scenarios() -> list[Path]:
    """The scenario files shipped in ``scenarios/``."""
    return sorted(p for p in SCENARIO_DIR.glob("*.toml") if p.name != "variants.toml")


def resolve_scenario(name: str | None) -> Path:
    """A path as given, or the name of a bundled scenario (``tutorial``)."""
    if name is None:
        name = DEFAULT_SCENARIO
    p = Path(name)
    if p.exists() or p.suffix == ".toml" or "/" in name or os.sep in name:
        return p
    bundled = SCENARIO_DIR / f"{name}.toml"
    if bundled.exists():
        return bundled
    names = [b.stem for b in bundled_scenarios()]
    raise UserError(
        f"{name}: no such file, and no bundled scenario of that name"
        f"{did_you_mean(name, names) or ' (bundled: ' + ', '.join(names) + ')'}"
    )


def scenario_ref(path: Path, log_path: str | Path) -> str:
    """How a log names its scenario: a bundled scenario by name, any other file by its path
    relative to the log's folder (absolute if it lies elsewhere), so logs can be shared."""
    real = path.resolve()
    if real.parent == SCENARIO_DIR and real.suffix == ".toml":
        return real.stem
    rel = os.path.relpath(real, Path(log_path).resolve().parent)
    return str(real) if rel.startswith("..") else Path(rel).as_posix()


def log_scenario_path(log: TurnLog) -> Path:
    """The scenario file a log was recorded with (see :func:`scenario_ref`)."""
    ref = log.header.scenario_path
    if "/" not in ref and "\\" not in ref and not ref.endswith(".toml"):
        path = SCENARIO_DIR / f"{ref}.toml"
    elif Path(ref).is_absolute():
        path = Path(ref)
    else:
        path = Path(log.path).parent / ref
        if not path.exists() and Path(ref).exists():
            path = Path(ref)
    if not path.exists():
        raise UserError(f"{log.path}: its scenario {ref} is not found")
    return path


def load(path: Path, overrides: list[str]) -> tuple[Scenario, str]:
    """Scenario and content digest; every problem becomes a UserError (exit 2)."""
    from wargame.scenario import ScenarioError, load_with_digest

    try:
        return load_with_digest(path, overrides)
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None


def content_of(path: Path) -> tuple[str, str]:
    """(meta.name, SHA-256 of the canonical content) of a scenario file, without validating."""
    from wargame.scenario import ScenarioError, content_digest, read_toml

    try:
        data = read_toml(path)
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None
    meta = data.get("meta")
    return str(meta.get("name", "")) if isinstance(meta, dict) else "", content_digest(data)
