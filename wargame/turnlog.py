"""Turn logs: JSON Lines with a header, one line per day and a footer.

The log is the campaign's move stack. Its header holds everything needed to play the
campaign again (scenario, SHA-256 of its canonical content, seed, overrides, branch point);
each day line holds that day's inputs and results and the SHA-256 of the canonical state
after the day; the footer holds the summary and the final hash.

A log is written to a fresh ``PATH.XXXXXXXX.partial`` line by line and renamed to ``PATH``
only when finished, so a killed run never leaves a corrupt ``PATH``; an interrupted or
failed run renames its partial log with a footer marked ``"complete": false``, which is
still readable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wargame import __version__
from wargame.doctrine import Decision
from wargame.errors import UserError
from wargame.formats import canonical_json, printable
from wargame.interrupts import deferred
from wargame.outputs import AtomicFile
from wargame.seeds import valid_seed

SIDES = ("japanese", "chinese")
LOG_SCHEMA = 3
"""2: the footer counts its days, incomplete logs carry no summary; 3: each day records both
sides' whole decisions (``"decisions"``), from which replay rebuilds the game."""
MAX_LOG_BYTES = 50_000_000


@dataclass
class LogHeader:
    """The first line of a log: how to play the campaign again."""

    scenario_path: str  # bundled name, or path relative to the log's folder
    scenario_name: str
    scenario_sha256: str  # canonical content of the file, before overrides
    seed: int
    overrides: list[str] = field(default_factory=list)
    branch: dict[str, Any] | None = None  # {"day": N, "date":..., "overrides": [...], ...}
    program: str = f"wargame {__version__}"
    log_schema: int = LOG_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "header",
            "log_schema": self.log_schema,
            "program": self.program,
            "scenario": self.scenario_name,
            "scenario_path": self.scenario_path,
            "scenario_sha256": self.scenario_sha256,
            "seed": self.seed,
            "overrides": self.overrides,
            "branch": self.branch,
        }


@dataclass
class TurnLog:
    """A parsed log: header, day records (in order), footer (None if missing), raw lines."""

    path: str
    header: LogHeader
    days: list[dict[str, Any]]
    footer: dict[str, Any] | None
    lines: list[str]
    scenario_file: str | None = None
    """The scenario given on the command line (``--scenario``) in place of the header's."""

    @property
    def complete(self) -> bool:
        """True if the campaign was played to its end (footer marked complete)."""
        return bool(self.footer and self.footer.get("complete"))

    def decisions(self, side: str) -> list[Decision]:
        """One side's decision of every day, as recorded (checked when the log was read)."""
        return [Decision.from_dict(d["decisions"][side]) for d in self.days]


def footer_record(
    days: list[dict[str, Any]],
    summary: dict[str, Any] | None,
    *,
    complete: bool,
    reason: str | None = None,
    play: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The last line of a log; an incomplete log's footer has no summary. A game saved by
    ``wargame play`` keeps in ``play`` who the people are, the side to move and the day's
    decisions already made (see :mod:`wargame.play`)."""
    footer: dict[str, Any] = {
        "type": "footer",
        "complete": complete,
        "days": len(days),
        "final_hash": days[-1]["hash"] if days else None,
    }
    if complete and summary is not None:
        footer["summary"] = summary
        footer["final_hash"] = summary.get("final_hash", footer["final_hash"])
    if reason:
        footer["reason"] = reason
    if play is not None:
        footer["play"] = play
    return footer


def line_of(record: dict[str, Any]) -> str:
    """One canonical JSON line (no trailing newline)."""
    return canonical_json(record)


# --------------------------------------------------------------------------- writing


class LogWriter:
    """Writes a log line by line to a fresh ``PATH.XXXXXXXX.partial`` (see
    :class:`wargame.outputs.AtomicFile`) and renames it to ``PATH`` when finished."""

    def __init__(self, path: str | Path, header: LogHeader) -> None:
        self.path = Path(path)
        self.days: list[dict[str, Any]] = []
        self._file: AtomicFile | None = AtomicFile(self.path)
        self.tmp = self._file.tmp
        self._write(header.to_dict())

    def _write(self, record: dict[str, Any]) -> None:
        assert self._file is not None
        # one write per line: an interrupt lands between lines, never inside one
        self._file.write(line_of(record) + "\n")
        self._file.flush()

    def day(self, record: dict[str, Any]) -> None:
        """Append one day (the engine's record; ``"type": "day"`` is added)."""
        line = {"type": "day", **record}
        with deferred():  # the line and the count of days written stay together
            self._write(line)
            self.days.append(line)

    def finish(
        self,
        summary: dict[str, Any] | None,
        *,
        complete: bool = True,
        reason: str | None = None,
        play: dict[str, Any] | None = None,
    ) -> None:
        """Write the footer and rename the log into place."""
        if self._file is None:
            return
        f = self._file
        with deferred():
            self._write(
                footer_record(self.days, summary, complete=complete, reason=reason, play=play)
            )
            self._file = None
            f.commit()

    def abort(self) -> None:
        """Drop the partial file (nothing worth keeping was written)."""
        f, self._file = self._file, None
        if f is not None:
            f.discard()


# --------------------------------------------------------------------------- reading


def _fail(path: str, msg: str) -> UserError:
    return UserError(f"{path}: {msg}")


def _what_it_is(text: str) -> str:
    """What a file that is not a turn log seems to be, as the end of an error message."""
    expected = "; a turn log is the JSON Lines file written by 'wargame run --log'"
    try:
        whole = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        if text.lstrip().startswith("[") or "\n[" in text[:4000]:
            return f" (it looks like a TOML file, perhaps a scenario){expected}"
        return expected
    if isinstance(whole, dict) and "outcome" in whole and "casualties" in whole:
        return f" (it is a campaign summary, as written by 'wargame run --summary'){expected}"
    return f" (it is one JSON document, not JSON Lines){expected}"


def read_log(path: str | Path) -> TurnLog:
    """Read and check the structure of a log; every problem is a one-line UserError."""
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise _fail(name, "log file not found")
    if p.is_dir():
        raise _fail(name, "is a directory, not a log file")
    if not p.is_file():
        raise _fail(name, "not a regular file")
    try:
        if p.stat().st_size > MAX_LOG_BYTES:
            raise _fail(name, f"log larger than {MAX_LOG_BYTES} bytes")
        with p.open("rb") as fh:
            raw = fh.read(MAX_LOG_BYTES + 1)
        if len(raw) > MAX_LOG_BYTES:
            raise _fail(name, f"log larger than {MAX_LOG_BYTES} bytes")
    except OSError as exc:
        raise _fail(name, f"cannot read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise _fail(name, "log file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(name, f"not UTF-8 text (byte {exc.start})") from None
    lines = text.split("\n")
    if lines[-1] != "":
        raise _fail(name, f"line {len(lines)}: truncated (the last line is incomplete)")
    lines.pop()
    records = []
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise _fail(name, f"line {i}: not valid JSON{_what_it_is(text)}") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
            raise _fail(name, f"line {i}: not a log record (no 'type')")
        records.append(rec)
    header = _header(name, records[0])
    days: list[dict[str, Any]] = []
    footer = None
    for i, rec in enumerate(records[1:], 2):
        if footer is not None:
            raise _fail(name, f"line {i}: a {rec['type']} record after the footer")
        if rec["type"] == "day":
            if rec.get("day") != len(days):
                raise _fail(name, f"line {i}: expected day {len(days)}, found {rec.get('day')!r}")
            for key in ("date", "hash"):
                if not isinstance(rec.get(key), str):
                    raise _fail(name, f"line {i}: day record without {key!r}")
            decisions = rec.get("decisions")
            for side in SIDES:
                try:
                    Decision.from_dict(decisions.get(side) if isinstance(decisions, dict) else None)
                except ValueError as exc:
                    raise _fail(name, f"line {i}: the {side} decision: {exc}") from None
            days.append(rec)
        elif rec["type"] == "footer":
            footer = rec
        else:
            raise _fail(name, f"line {i}: unknown record type {rec['type']!r}")
    return TurnLog(name, header, days, footer, lines)


def _header(name: str, head: dict[str, Any]) -> LogHeader:
    if head.get("type") != "header":
        raise _fail(name, "line 1: the first line is not a log header")
    if head.get("log_schema") != LOG_SCHEMA:
        raise _fail(
            name,
            f"line 1: unknown log schema version {head.get('log_schema')!r} "
            f"(this program reads version {LOG_SCHEMA})",
        )
    try:
        branch = head.get("branch")
        if branch is not None and not (
            isinstance(branch, dict)
            and isinstance(branch.get("day"), int)
            and not isinstance(branch.get("day"), bool)
        ):
            raise TypeError("'branch' must be null or a record with a 'day'")
        if branch is not None and branch["day"] < 0:
            raise TypeError(f"'branch' day {branch['day']} is before the first day")
        overrides = _typed(head, "overrides", list)
        if not all(isinstance(o, str) for o in overrides):
            raise TypeError("'overrides' must be a list of strings")
        return LogHeader(
            scenario_path=_typed(head, "scenario_path", str),
            scenario_name=_typed(head, "scenario", str),
            scenario_sha256=_typed(head, "scenario_sha256", str),
            seed=_seed(head),
            overrides=overrides,
            branch=branch,
            program=str(head.get("program", "")),
        )
    except (KeyError, TypeError) as exc:
        raise _fail(name, f"line 1: header field {exc.args[0]}") from None


def _seed(head: dict[str, Any]) -> int:
    seed = _typed(head, "seed", int)
    if not valid_seed(seed):
        raise TypeError(f"'seed' {seed} must be between 0 and 2**63 - 1")
    return seed


def _typed(d: dict[str, Any], key: str, typ: type) -> Any:
    if key not in d:
        raise KeyError(f"{key!r} is missing")
    v = d[key]
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        raise TypeError(f"{key!r} must be {typ.__name__}")
    return v


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def iter_lines(
    header: LogHeader, days: list[dict[str, Any]], footer: dict[str, Any] | None
) -> Iterator[str]:
    """The canonical lines of a log made of these records."""
    yield line_of(header.to_dict())
    for d in days:
        yield line_of({"type": "day", **d})
    if footer is not None:
        yield line_of(footer)


# --------------------------------------------------------------------------- differences


def differences(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Leaf paths where two JSON values differ, in key order: ``(path, a_value, b_value)``."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            sub = f"{path}.{k}" if path else str(k)
            if k not in a or k not in b:
                yield sub, a.get(k, "(absent)"), b.get(k, "(absent)")
            elif a[k] != b[k]:
                yield from differences(a[k], b[k], sub)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b


def _short(v: Any, limit: int = 40) -> str:
    text = printable(v) if isinstance(v, str) else canonical_json(v)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_difference(
    a: dict[str, Any], b: dict[str, Any], *, labels: tuple[str, str] = ("", ""), limit: int = 3
) -> str:
    """Name where two records differ, with both values: ``"men.chinese: 20976 vs 20977"``.

    The ``hash`` field is named last (it differs whenever anything else does).
    """
    diffs = sorted(differences(a, b), key=lambda d: d[0] == "hash")
    if not diffs:
        return "nothing (only the layout of the line)"
    la, lb = labels
    parts = [
        f"{printable(p) or '(record)'}: {la}{_short(x)} vs {lb}{_short(y)}"
        for p, x, y in diffs[:limit]
    ]
    more = len(diffs) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
