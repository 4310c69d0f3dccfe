"""Statistics of a batch: run tables, quantiles, Wilson intervals and paired differences.

Everything here reads plain data (a ``runs.csv`` file or arrays) and never touches the
engine, so the same functions summarise a fresh batch, a hand-made table or a what-if.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wargame.errors import UserError

Z95 = 1.959963984540054
"""Two-sided 95 % standard-normal quantile."""

QUANTILES = (0.05, 0.5, 0.95)
MAX_RUNS_BYTES = 500_000_000
"""A runs.csv is read whole, about 8 bytes of memory per byte of file; a batch of the most
runs allowed (``batch.MAX_RUNS``) writes about 300 MB."""

TRUE, FALSE = "true", "false"


def fmt_cell(value: Any) -> str:
    """A value as a ``runs.csv`` cell: ``true``/``false``, ``repr`` of floats, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95 % by default); ``(nan, nan)`` if n=0.

    >>> tuple(round(x, 3) for x in wilson(5, 10))
    (0.237, 0.763)
    """
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes <= 0 else max(0.0, centre - half)
    hi = 1.0 if successes >= n else min(1.0, centre + half)
    return (lo, hi)


def describe(values: np.ndarray) -> dict[str, float | int | None]:
    """Mean, sd, median, 5 % and 95 % quantiles, min, max of the finite values (count in ``n``)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {
            "n": 0,
            "mean": None,
            "sd": None,
            "median": None,
            "q05": None,
            "q95": None,
            "min": None,
            "max": None,
        }
    q05, med, q95 = np.quantile(v, QUANTILES)
    return {
        "n": int(v.size),
        "mean": _r(v.mean()),
        "sd": _r(v.std(ddof=1)) if v.size > 1 else 0.0,
        "median": _r(med),
        "q05": _r(q05),
        "q95": _r(q95),
        "min": _r(v.min()),
        "max": _r(v.max()),
    }


def paired(diff: np.ndarray, z: float = Z95) -> dict[str, float | int | None]:
    """Mean of paired differences with a normal 95 % interval: mean ± z·sd/√n.

    Pairs where either side is undefined (NaN) are dropped; ``n`` counts the pairs used.
    """
    d = np.asarray(diff, dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return {"n": 0, "mean": None, "lo": None, "hi": None, "sd": None}
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if d.size > 1 else 0.0
    half = z * sd / math.sqrt(d.size)
    return {
        "n": int(d.size),
        "mean": _r(mean),
        "lo": _r(mean - half),
        "hi": _r(mean + half),
        "sd": _r(sd),
    }


def _r(x: float, digits: int = 6) -> float:
    """Round for JSON: keeps files readable and stable across platforms."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, max(0, digits - 1 - math.floor(math.log10(abs(x)))))


# --------------------------------------------------------------------------- run tables


@dataclass
class RunTable:
    """The columns of a ``runs.csv`` as strings; typed views on demand."""

    path: str
    columns: dict[str, list[str]]

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def has(self, name: str) -> bool:
        return name in self.columns

    def kind(self, name: str) -> str:
        """``numeric``, ``bool``, ``date`` or ``text`` — inferred from the non-empty cells."""
        cells = [c for c in self.columns[name] if c != ""]
        if not cells:
            return "empty"
        if all(c in (TRUE, FALSE) for c in cells):
            return "bool"
        if all(_is_float(c) for c in cells):
            return "numeric"
        if all(_is_date(c) for c in cells):
            return "date"
        return "text"

    def numbers(self, name: str) -> np.ndarray:
        """Numeric view: floats, booleans as 1/0, dates as proleptic ordinals; NaN if empty."""
        kind = self.kind(name)
        out = np.full(self.n, np.nan)
        for i, c in enumerate(self.columns[name]):
            if c == "":
                continue
            if kind == "bool":
                out[i] = 1.0 if c == TRUE else 0.0
            elif kind == "numeric":
                out[i] = float(c)
            elif kind == "date":
                out[i] = dt.date.fromisoformat(c).toordinal()
        return out

    def texts(self, name: str) -> list[str]:
        return self.columns[name]


def _is_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def csv_errors(path: Path) -> Iterator[None]:
    """Turn what can go wrong reading a CSV file into a one-line UserError naming it."""
    try:
        yield
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise UserError(f"{path}: not a CSV table: {exc}") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_runs(path: str | Path) -> RunTable:
    """Read a ``runs.csv`` (ours or hand-made) into columns; one-line UserError if unreadable."""
    p = Path(path)
    if p.is_dir():
        p = p / "runs.csv"
    if not p.exists():
        raise UserError(f"{p}: file not found (write one with 'wargame batch ... --out DIR')")
    if not p.is_file():
        raise UserError(f"{p}: not a regular file")  # a device never ends, a FIFO blocks
    with csv_errors(p):
        if p.stat().st_size > MAX_RUNS_BYTES:
            raise UserError(f"{p}: file larger than {MAX_RUNS_BYTES} bytes")
        with open(p, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if not header or not all(h.strip() for h in header):
                raise UserError(f"{p}: no header row")
            if len(set(header)) != len(header):
                raise UserError(f"{p}: duplicate column names in the header")
            cols: dict[str, list[str]] = {h: [] for h in header}
            for lineno, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(header):
                    raise UserError(
                        f"{p}: line {lineno}: {len(row)} cells, the header has {len(header)}"
                    )
                for h, c in zip(header, row, strict=True):
                    cols[h].append(c.strip())
    return RunTable(str(p), cols)


MAX_JSON_BYTES = 50_000_000


def read_json_object(path: str | Path) -> dict[str, Any]:
    """A JSON object from a file the analysis wrote (summary.json, whatif.json, ...); every
    problem (missing, not a regular file, too large, not UTF-8, not JSON, nested too deeply,
    not an object) is a one-line UserError naming the file."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: {'not a regular file' if p.exists() else 'file not found'}")
    try:
        if p.stat().st_size > MAX_JSON_BYTES:
            raise UserError(f"{p}: file larger than {MAX_JSON_BYTES} bytes")
        data = json.loads(p.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"{p}: not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise UserError(f"{p}: not readable JSON: {why}") from None
    except OSError as exc:
        raise UserError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{p}: not a JSON object")
    return data


# --------------------------------------------------------------------------- batch summary


NOT_METRICS = frozenset({"run", "seed"})


def summarise(table: RunTable, *, outcomes: Sequence[str] = ()) -> dict[str, Any]:
    """Per numeric metric mean/median/5-95 %; per outcome and yes/no column a probability with
    its 95 % Wilson interval. Dates are summarised as dates (ISO) and as ordinals."""
    n = table.n
    metrics: dict[str, Any] = {}
    events: dict[str, Any] = {}
    dates: dict[str, Any] = {}
    for name in table.columns:
        if name in NOT_METRICS:
            continue
        kind = table.kind(name)
        if kind == "numeric":
            metrics[name] = describe(table.numbers(name))
        elif kind == "bool":
            v = table.numbers(name)
            k = int(np.nansum(v))
            m = int(np.isfinite(v).sum())
            events[name] = proportion(k, m)
        elif kind == "date":
            d = describe(table.numbers(name))
            dates[name] = {
                "n": d["n"],
                **{key: ordinal_to_iso(d[key]) for key in ("median", "q05", "q95", "min", "max")},
            }
    result: dict[str, Any] = {"runs": n}
    if table.has("outcome"):
        seen = table.texts("outcome")
        names = list(dict.fromkeys([*outcomes, *sorted(set(seen))]))
        result["outcomes"] = {o: proportion(sum(1 for s in seen if s == o), n) for o in names}
    result["events"] = events
    result["metrics"] = metrics
    result["dates"] = dates
    return result


def proportion(k: int, n: int) -> dict[str, Any]:
    """``{"count", "n", "p", "ci95": [lo, hi]}`` with a Wilson interval."""
    lo, hi = wilson(k, n)
    return {
        "count": k,
        "n": n,
        "p": _r(k / n) if n else None,
        "ci95": [_r(lo), _r(hi)] if n else [None, None],
    }


def ordinal_to_iso(x: float | int | None) -> str | None:
    """A (possibly fractional) proleptic ordinal as an ISO date, rounded to the nearest day."""
    if x is None or not math.isfinite(float(x)):
        return None
    return dt.date.fromordinal(round(float(x))).isoformat()


def column_values(rows: Iterable[Sequence[str]], index: int) -> np.ndarray:
    """One column of formatted rows as floats (bools 1/0, empty NaN)."""
    out = []
    for row in rows:
        c = row[index]
        out.append(1.0 if c == TRUE else 0.0 if c == FALSE else float(c) if c else math.nan)
    return np.asarray(out, dtype=float)


def cell_number(cell: str) -> float:
    """A formatted cell as a float: bools 1/0, dates as ordinals, empty/unparsable NaN."""
    if cell == TRUE:
        return 1.0
    if cell == FALSE or cell == "":
        return 0.0 if cell == FALSE else math.nan
    try:
        return float(cell)
    except ValueError:
        pass
    try:
        return float(dt.date.fromisoformat(cell).toordinal())
    except ValueError:
        return math.nan
