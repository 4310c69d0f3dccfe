"""The historical record beside the simulated distribution: an honest table, not a target.

``wargame/data/historical_record.toml`` (package data, installed with the package) holds
``[[figure]]`` tables (id, description, value, unit, metric, source). Each figure with a
``metric`` (a ``runs.csv`` column, i.e. a dotted key of the engine summary such as
``casualties.japanese.total``) is set beside the simulated median and 5-95 % interval and
marked inside or outside that 90 % interval. Yes/no and categorical figures (did the airfield
fall? how did the campaign end?) count as inside when at least 5 % of the runs agree with
history. Dates are compared as dates and shown as day of the campaign too.

Nothing here feeds back into the model: parameters come from general tables, never from this
campaign's outcome (models.md §7).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wargame.errors import UserError

from .stats import RunTable

DEFAULT_RECORD = Path(__file__).resolve().parent.parent / "data" / "historical_record.toml"
"""The bundled record (package data, so it is there when the package is installed)."""
TAIL = 0.05
"""Each tail of the simulated 90 % interval; also the least share of runs that must agree with
a yes/no or categorical figure for it to count as inside."""


@dataclass(frozen=True)
class Figure:
    """One reference figure from the historical record."""

    id: str
    description: str
    value: Any
    unit: str = ""
    metric: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Comparison:
    """A figure beside the simulated distribution of its metric."""

    figure: Figure
    historical: str
    median: str
    interval: str
    inside: bool | None  # None: not simulated, or no run produced a value
    note: str = ""

    @property
    def mark(self) -> str:
        return {True: "inside", False: "OUTSIDE", None: "—"}[self.inside]


# --------------------------------------------------------------------------- the record


def load_record(path: str | Path = DEFAULT_RECORD) -> list[Figure]:
    """Read the record's ``[[figure]]`` tables; every problem is a one-line UserError."""
    from wargame.scenario import ScenarioError, read_toml

    p = Path(path)
    name = _rel(p)
    try:
        data = read_toml(p, kind="historical record", name=name)
    except ScenarioError as exc:
        raise UserError(exc.problems[0]) from None
    raw = data.get("figure")
    if not isinstance(raw, list) or not raw:
        raise UserError(f"{name}: no [[figure]] tables")
    figures = []
    seen: set[str] = set()
    for i, rec in enumerate(raw):
        where = f"{name}: figure {i + 1}"
        if not isinstance(rec, dict):
            raise UserError(f"{where}: not a table")
        fid = rec.get("id")
        if not isinstance(fid, str) or not fid:
            raise UserError(f"{where}: needs an id")
        where = f"{name}: figure {fid!r}"
        if fid in seen:
            raise UserError(f"{where}: duplicate id")
        seen.add(fid)
        if "value" not in rec:
            raise UserError(f"{where}: needs a value")
        values = rec["value"] if isinstance(rec["value"], list) else [rec["value"]]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            raise UserError(f"{where}: value {rec['value']!r} is not a finite number")
        metric = rec.get("metric")
        if metric is not None and (not isinstance(metric, str) or not metric):
            raise UserError(f"{where}: metric must be a dotted key like casualties.japanese.total")
        figures.append(
            Figure(
                id=fid,
                description=str(rec.get("description", fid)),
                value=rec["value"],
                unit=str(rec.get("unit", "")),
                metric=metric or None,
                source=str(rec.get("source", "")),
            )
        )
    return figures


def load_record_or_none(path: str | Path = DEFAULT_RECORD) -> list[Figure] | None:
    """The record, or None if it is missing or broken (a report still gets written)."""
    try:
        return load_record(path)
    except UserError:
        return None


def _rel(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


# --------------------------------------------------------------------------- comparing


def compare(
    figures: list[Figure], table: RunTable, start_date: dt.date | None = None
) -> list[Comparison]:
    """Each figure beside the simulated distribution of its metric in ``table``."""
    if start_date is None:
        start_date = infer_start_date(table)
    return [_compare_one(f, table, start_date) for f in figures]


def infer_start_date(table: RunTable) -> dt.date | None:
    """The campaign's day 0, from any row holding both a ``*_date`` and its ``*_day``."""
    for name in table.columns:
        if name.endswith("_date") and table.has(name[:-5] + "_day"):
            for d, k in zip(table.texts(name), table.texts(name[:-5] + "_day"), strict=True):
                if d and k:
                    try:
                        return dt.date.fromisoformat(d) - dt.timedelta(days=int(float(k)))
                    except ValueError:
                        continue
    return None


def _compare_one(f: Figure, table: RunTable, start: dt.date | None) -> Comparison:
    hist = fmt_value(f.value, f.unit, start)
    if f.metric is None:
        return Comparison(f, hist, "", "", None, "not simulated")
    col = _column_for(f.metric, table)
    if col is None:
        return Comparison(f, hist, "", "", None, f"no column {f.metric!r} in the runs")
    kind = table.kind(col)
    n = table.n
    if kind in ("bool", "text") or (isinstance(f.value, bool | str) and not _is_iso(f.value)):
        return _compare_share(f, table, col, kind, hist)
    if kind == "empty":
        return Comparison(f, hist, "", "", None, f"no run produced a value ({n} runs)")
    values = table.numbers(col)
    defined = values[np.isfinite(values)]
    target = _as_number(f.value, kind)
    if target is None:
        return Comparison(f, hist, "", "", None, f"cannot compare a {kind} metric with {f.value!r}")
    q05, med, q95 = np.quantile(defined, (TAIL, 0.5, 1 - TAIL))
    lo, hi = target
    inside = bool(hi >= q05 and lo <= q95)
    note = "" if defined.size == n else f"in {defined.size} of {n} runs"
    if kind == "date":
        median = _fmt_ordinal(med, start)
        interval = f"{_fmt_ordinal(q05, start)} – {_fmt_ordinal(q95, start)}"
    else:
        median = _fmt_num(med, f.unit)
        interval = f"{_fmt_num(q05, f.unit)} – {_fmt_num(q95, f.unit)}"
    return Comparison(f, hist, median, interval, inside, note)


def _compare_share(f: Figure, table: RunTable, col: str, kind: str, hist: str) -> Comparison:
    """Yes/no or categorical figure: the share of runs that agree with history."""
    cells = table.texts(col)
    defined = [c for c in cells if c != ""]
    if not defined:
        return Comparison(f, hist, "", "", None, "no run produced a value")
    want = ("true" if f.value else "false") if isinstance(f.value, bool) else str(f.value)
    agree = sum(1 for c in defined if c == want)
    share = agree / len(defined)
    from .stats import wilson

    lo, hi = wilson(agree, len(defined))
    if kind == "bool":
        yes = sum(1 for c in defined if c == "true") / len(defined)
        median = f"yes in {yes:.0%} of runs"
    else:
        common = max(sorted(set(defined)), key=defined.count)
        median = f"most often {common}"
    interval = f"{share:.0%} of runs agree (95 % CI {lo:.0%}–{hi:.0%})"
    return Comparison(f, hist, median, interval, share >= TAIL)


def _column_for(metric: str, table: RunTable) -> str | None:
    for cand in (metric, metric.removeprefix("summary."), metric.replace("_date", "_day")):
        if table.has(cand):
            return cand
    return None


def _is_iso(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _as_number(v: Any, kind: str) -> tuple[float, float] | None:
    """A historical value (or [low, high] range) on the metric's numeric scale."""
    if isinstance(v, list) and len(v) == 2:
        a, b = (_as_number(x, kind) for x in v)
        if a is None or b is None:
            return None
        return (min(a[0], b[0]), max(a[1], b[1]))
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, str) and _is_iso(v):
        v = dt.date.fromisoformat(v)
    if isinstance(v, dt.date):
        return (float(v.toordinal()),) * 2 if kind == "date" else None
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return (float(v),) * 2 if kind == "numeric" else None
    return None


# --------------------------------------------------------------------------- formatting


def fmt_value(v: Any, unit: str = "", start: dt.date | None = None) -> str:
    """A historical value for people: thousands separators, dates with their campaign day."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return " – ".join(fmt_value(x, "", start) for x in v) + (f" {unit}" if unit else "")
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, str) and _is_iso(v):
        v = dt.date.fromisoformat(v)
    if isinstance(v, dt.date):
        return _fmt_ordinal(v.toordinal(), start)
    if isinstance(v, int | float):
        return _fmt_num(v, unit)
    return str(v)


def _fmt_num(x: float, unit: str = "") -> str:
    x = float(x)
    text = f"{x:,.0f}" if abs(x) >= 100 or x == int(x) else f"{x:,.1f}"
    return f"{text} {unit}".strip() if unit and unit not in ("men", "count") else text


def _fmt_ordinal(x: float, start: dt.date | None) -> str:
    d = dt.date.fromordinal(round(float(x)))
    if start is None:
        return d.isoformat()
    return f"{d.isoformat()} (day {(d - start).days})"


# --------------------------------------------------------------------------- rendering


HEADERS = ("figure", "historical", "simulated median", "simulated 5–95 %", "", "source")


def rich_table(rows: list[Comparison], title: str) -> Any:
    """The comparison as a rich Table."""
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=escape(title), show_lines=False)
    t.add_column("figure", overflow="fold", ratio=3)
    t.add_column("historical", justify="right")
    t.add_column("simulated median", justify="right")
    t.add_column("simulated 5–95 %", justify="right", overflow="fold")
    t.add_column("", no_wrap=True)
    t.add_column("source", overflow="fold", ratio=2, style="dim")
    for c in rows:
        style = {True: "green", False: "bold red", None: "dim"}[c.inside]
        mark = c.mark if not c.note else f"{c.mark}\n[dim]{escape(c.note)}[/]"
        t.add_row(
            escape(c.figure.description),
            escape(c.historical),
            escape(c.median),
            escape(c.interval),
            f"[{style}]{mark}[/]",
            escape(c.figure.source),
        )
    return t


def markdown_table(rows: list[Comparison]) -> str:
    """The comparison as a Markdown table with the sources listed under it."""

    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| figure | historical | simulated median | simulated 5–95 % | | note |",
        "|---|---:|---:|---:|---|---|",
    ]
    for c in rows:
        lines.append(
            f"| {esc(c.figure.description)} [{esc(c.figure.id)}] | {esc(c.historical)} "
            f"| {esc(c.median)} | {esc(c.interval)} | {c.mark} | {esc(c.note)} |"
        )
    sources = [c for c in rows if c.figure.source]
    if sources:
        lines.append("")
        lines.append("Sources:")
        lines.append("")
        lines.extend(f"- {esc(c.figure.id)}: {esc(c.figure.source)}" for c in sources)
    return "\n".join(lines) + "\n"


def tally(rows: list[Comparison]) -> str:
    """'k of m simulated figures inside the simulated 90 % interval'."""
    judged = [c for c in rows if c.inside is not None]
    inside = sum(1 for c in judged if c.inside)
    return (
        f"{inside} of {len(judged)} compared figures lie inside the simulated 90 % interval "
        f"({len(rows) - len(judged)} not compared)"
    )
