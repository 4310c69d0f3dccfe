"""Where scenarios come from: bundled names, paths, and the scenario a turn log names.

Both command lines (``wargame.cli`` and ``wargame.analysis.cli``) import this module, so
neither imports the other.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from wargame.bundled import DEFAULT_SCENARIO, SCENARIO_DIR
from wargame.errors import UserError, did_you_mean
from wargame.formats import printable

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
    if p.exists() or p.is_symlink() or p.suffix == ".toml" or "/" in name or os.sep in name:
        return p  # reading it names its problem (a loop of links, a missing target)
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


BUNDLED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def log_scenario_path(log: TurnLog) -> Path:
    """The scenario file a log was recorded with (see :func:`scenario_ref`).

    A header's ``scenario_path`` is followed only to a bundled scenario (a bare name) or to
    a regular file under the log's own folder; anything else (an absolute path, ``..``, a
    device, a URL-like string) needs the file given on the command line (``--scenario``,
    kept in ``log.scenario_file``), so a log from elsewhere cannot make the program read
    an arbitrary file.
    """
    if log.scenario_file is not None:
        return resolve_scenario(log.scenario_file)
    ref = log.header.scenario_path
    hint = "; give the scenario file with --scenario FILE"
    if "/" not in ref and "\\" not in ref and not ref.endswith(".toml"):
        if not BUNDLED_NAME.fullmatch(ref) or not (SCENARIO_DIR / f"{ref}.toml").is_file():
            raise UserError(
                f"{log.path}: its scenario {printable(ref)!r} is not a bundled scenario{hint}"
            )
        return SCENARIO_DIR / f"{ref}.toml"
    folder = Path(os.path.realpath(Path(log.path).parent))
    rel = Path(ref)
    if rel.is_absolute() or ".." in rel.parts or ":" in ref or "\\" in ref:
        raise UserError(
            f"{log.path}: its scenario_path {printable(ref)!r} is outside the log's folder"
            f" (only bundled scenarios and files beside the log are followed){hint}"
        )
    path = folder / rel
    real = Path(os.path.realpath(path))
    if folder not in real.parents:
        raise UserError(
            f"{log.path}: its scenario_path {printable(ref)!r} leads outside the log's folder{hint}"
        )
    try:
        is_file = real.is_file()
    except OSError:
        is_file = False
    if not is_file:
        what = "is not a regular file" if real.exists() else "is not found"
        raise UserError(f"{log.path}: its scenario {printable(ref)} {what}{hint}")
    return path


MAX_PROBLEMS_SHOWN = 20


def problems_error(problems: list[str]) -> UserError:
    """One UserError of the first :data:`MAX_PROBLEMS_SHOWN` problems, one a line, and a
    count of the rest."""
    shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
    more = len(problems) - len(shown)
    if more > 0:
        shown.append(f"wargame: and {more:,} more problems ({len(problems):,} in all)")
    return UserError("\n".join(shown))


def load(path: Path, overrides: list[str]) -> tuple[Scenario, str]:
    """Scenario and content digest; every problem becomes a UserError (exit 2)."""
    from wargame.scenario import ScenarioError, load_with_digest

    try:
        return load_with_digest(path, overrides)
    except ScenarioError as exc:
        raise problems_error(exc.problems) from None


def content_of(path: Path) -> tuple[str, str]:
    """(meta.name, SHA-256 of the canonical content) of a scenario file, without validating."""
    from wargame.scenario import ScenarioError, content_digest, read_toml

    try:
        data = read_toml(path)
    except ScenarioError as exc:
        raise problems_error(exc.problems) from None
    meta = data.get("meta")
    return str(meta.get("name", "")) if isinstance(meta, dict) else "", content_digest(data)
