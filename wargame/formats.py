"""Tables for people and for other programs: one list of rows written as a terminal table,
CSV, JSON or Markdown (``--format`` of ``params`` and ``oob``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

FORMATS = ("table", "csv", "json", "markdown")


def stdout_console(**kwargs: Any) -> Console:
    """A rich Console on standard output that treats a closed pipe (``wargame oob | head
    -1``) as the end of the output: ``BrokenPipeError``, which the command line turns into
    a quiet exit 0 as other command-line tools do (rich itself exits with status 1)."""
    from rich.console import Console

    class _StdoutConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _StdoutConsole(**kwargs)


def canonical_json(obj: Any) -> str:
    """Deterministic compact JSON (sorted keys, no spaces, finite floats only): what state
    hashes, scenario digests and turn-log lines are made of."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def printable(text: str) -> str:
    """``text`` with control characters (escape, carriage return, newline...) written as
    Python escapes, so a name cannot move the cursor, clear the screen or fake a line."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return printable(value) if isinstance(value, str) else json.dumps(value)


def _value(value: Any) -> Any:
    return printable(value) if isinstance(value, str) else value


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """RFC 4180 CSV with a header row; non-text values as JSON (``0.5``, ``[1, 2]``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


def to_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A JSON list of objects, one per row, values keeping their types."""
    return (
        json.dumps(
            [{c: _value(v) for c, v in zip(columns, row, strict=True)} for row in rows],
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def to_markdown(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
) -> str:
    """A GitHub-flavoured Markdown table (``|`` in cells escaped, newlines as spaces)."""

    def md(v: Any) -> str:
        return _cell(v).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = [f"## {title}", ""] if title else []
    lines.append("| " + " | ".join(md(c) for c in columns) + " |")
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    lines.extend("| " + " | ".join(md(v) for v in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def write(
    con: Console,
    fmt: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
) -> None:
    """Print ``rows`` in ``fmt`` (one of :data:`FORMATS`); ``table`` is a rich table."""
    if fmt == "csv":
        con.file.write(to_csv(columns, rows))
    elif fmt == "json":
        con.file.write(to_json(columns, rows))
    elif fmt == "markdown":
        con.file.write(to_markdown(columns, rows, title))
    else:
        from rich.table import Table
        from rich.text import Text

        t = Table(
            title=Text(printable(title), style="italic") if title else None, title_justify="left"
        )
        for c in columns:
            t.add_column(c, no_wrap=c != columns[-1] or not con.is_terminal)
        for row in rows:
            t.add_row(*(_cell(v) for v in row))
        con.print(t)
