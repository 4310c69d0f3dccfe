"""Turn logs: JSON Lines with a header, one line per day and a footer.

The log is the campaign's move stack. Its header holds everything needed to play the
campaign again (scenario path and SHA-256 of its canonical content, seed, overrides, branch
point); each day line holds that day's inputs and results and the SHA-256 of the canonical
state after the day; the footer holds the summary and the final hash.

A log is written to ``PATH.partial`` line by line and renamed to ``PATH`` only when finished,
so a killed run never leaves a corrupt ``PATH``; an interrupted run renames its partial log
with a footer marked ``"complete": false`` that is still readable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from wargame import __version__
from wargame.errors import UserError
from wargame.scenario import canonical_json

LOG_SCHEMA = 1
MAX_LOG_BYTES = 50_000_000


@dataclass
class LogHeader:
    scenario_path: str
    scenario_name: str
    scenario_sha256: str            # canonical content of the file, before overrides
    seed: int
    overrides: list[str] = field(default_factory=list)
    branch: dict[str, Any] | None = None   # {"day": N, "overrides": [...], "from_log": ...}
    program: str = f"wargame {__version__}"
    log_schema: int = LOG_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return {"type": "header", "log_schema": self.log_schema, "program": self.program,
                "scenario": self.scenario_name, "scenario_path": self.scenario_path,
                "scenario_sha256": self.scenario_sha256, "seed": self.seed,
                "overrides": self.overrides, "branch": self.branch}


@dataclass
class TurnLog:
    """A parsed log: header, day records (in order) and footer (None if missing)."""

    path: str
    header: LogHeader
    days: list[dict[str, Any]]
    footer: dict[str, Any] | None
    lines: list[str]

    @property
    def complete(self) -> bool:
        return bool(self.footer and self.footer.get("complete"))


def line_of(record: dict[str, Any]) -> str:
    """One canonical JSON line (no trailing newline)."""
    return canonical_json(record)


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that it is either complete or absent (temp file + rename)."""
    tmp = path.with_name(path.name + ".partial")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def check_output_path(path: str | Path) -> Path:
    """Fail early (exit 2) if an output file cannot be created; never creates it."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise UserError(f"{p}: is a directory, not a file")
    if not parent.exists():
        raise UserError(f"{p}: directory {parent} does not exist")
    if not parent.is_dir():
        raise UserError(f"{p}: {parent} is not a directory")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UserError(f"{p}: not writable")
    return p


class LogWriter:
    """Writes a log line by line to ``PATH.partial`` and renames it when closed."""

    def __init__(self, path: str | Path, header: LogHeader) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".partial")
        self._fh: IO[str] | None = open(self.tmp, "w", encoding="utf-8")  # noqa: SIM115
        self._write(header.to_dict())

    def _write(self, record: dict[str, Any]) -> None:
        assert self._fh is not None
        self._fh.write(line_of(record) + "\n")
        self._fh.flush()

    def day(self, record: dict[str, Any]) -> None:
        self._write({"type": "day", **record})

    def finish(self, summary: dict[str, Any], *, complete: bool = True,
               reason: str | None = None) -> None:
        footer = {"type": "footer", "complete": complete, "summary": summary,
                  "final_hash": summary.get("final_hash")}
        if reason:
            footer["reason"] = reason
        self._write(footer)
        self._close(keep=True)

    def abort(self) -> None:
        """Drop the partial file (the run failed before anything worth keeping)."""
        self._close(keep=False)

    def _close(self, keep: bool) -> None:
        if self._fh is None:
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        if keep:
            os.replace(self.tmp, self.path)
        else:
            with contextlib.suppress(OSError):
                self.tmp.unlink()


def _fail(path: str, msg: str) -> UserError:
    return UserError(f"{path}: {msg}")


def read_log(path: str | Path) -> TurnLog:
    """Read and check the structure of a log; every problem is a one-line UserError."""
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise _fail(name, "log file not found")
    if p.is_dir():
        raise _fail(name, "is a directory, not a log file")
    try:
        if p.stat().st_size > MAX_LOG_BYTES:
            raise _fail(name, f"log larger than {MAX_LOG_BYTES} bytes")
        raw = p.read_bytes()
    except OSError as exc:
        raise _fail(name, f"cannot read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise _fail(name, "log file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(name, f"not UTF-8 text (byte {exc.start})") from None
    if not text.endswith("\n"):
        raise _fail(name, "truncated: the last line is incomplete")
    lines = text.split("\n")[:-1]
    records = []
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise _fail(name, f"line {i}: not valid JSON") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
            raise _fail(name, f"line {i}: not a log record (no 'type')")
        records.append(rec)
    head = records[0]
    if head.get("type") != "header":
        raise _fail(name, "line 1: the first line is not a log header")
    if head.get("log_schema") != LOG_SCHEMA:
        raise _fail(name, f"line 1: unknown log schema version {head.get('log_schema')!r} "
                    f"(this program reads version {LOG_SCHEMA})")
    try:
        header = LogHeader(
            scenario_path=_typed(head, "scenario_path", str), scenario_name=_typed(
                head, "scenario", str), scenario_sha256=_typed(head, "scenario_sha256", str),
            seed=_typed(head, "seed", int), overrides=_typed(head, "overrides", list),
            branch=head.get("branch"), program=str(head.get("program", "")))
    except (KeyError, TypeError) as exc:
        raise _fail(name, f"line 1: header field {exc.args[0]}") from None
    days: list[dict[str, Any]] = []
    footer = None
    for i, rec in enumerate(records[1:], 2):
        if rec["type"] == "day":
            if footer is not None:
                raise _fail(name, f"line {i}: day record after the footer")
            if rec.get("day") != len(days):
                raise _fail(name, f"line {i}: expected day {len(days)}, found {rec.get('day')!r}")
            days.append(rec)
        elif rec["type"] == "footer":
            footer = rec
        else:
            raise _fail(name, f"line {i}: unknown record type {rec['type']!r}")
    return TurnLog(name, header, days, footer, lines)


def _typed(d: dict[str, Any], key: str, typ: type) -> Any:
    if key not in d:
        raise KeyError(f"{key!r} is missing")
    v = d[key]
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        raise TypeError(f"{key!r} must be {typ.__name__}")
    return v


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def iter_lines(header: LogHeader, days: list[dict[str, Any]],
               footer: dict[str, Any] | None) -> Iterator[str]:
    yield line_of(header.to_dict())
    for d in days:
        yield line_of({"type": "day", **d})
    if footer is not None:
        yield line_of(footer)


def first_difference(a: dict[str, Any], b: dict[str, Any]) -> str:
    """Name the top-level fields in which two records differ."""
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return ", ".join(keys) if keys else "nothing"
