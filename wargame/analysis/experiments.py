"""Paired experiments: what-if variants and one-at-a-time sensitivity sweeps.

Every arm of an experiment (the baseline, each variant, each parameter at -X % and +X %) plays
the same N seeds, run ``i`` of every arm the seed of run ``i`` of a batch with the same root
seed. The change an arm makes is then measured run by run (paired differences), which cancels
most of the dice and keeps the confidence intervals narrow (models.md §7).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wargame import __version__
from wargame.errors import UserError
from wargame.params import Params, iter_params
from wargame.scenario import Scenario

from .batch import COLUMNS, CsvStream, ProgressReport, Runner, Task, run_seeds
from .stats import TRUE, cell_number, fmt_cell, paired

BASELINE = "baseline"


@dataclass(frozen=True)
class Metric:
    """A number read from one ``runs.csv`` row: a column, or a share when ``equals`` is set."""

    key: str
    label: str
    column: str
    equals: str | None = None
    share: bool = False  # a 0/1 metric: shown as a percentage, changes in points

    def value(self, cells: Sequence[str], index: dict[str, int]) -> float:
        cell = cells[index[self.column]]
        if self.equals is not None:
            return 1.0 if cell == self.equals else 0.0 if cell else math.nan
        return cell_number(cell)


WHATIF_METRICS: tuple[Metric, ...] = (
    Metric(
        "p_zhijiang_captured",
        "P(Zhijiang airfield captured)",
        "zhijiang_captured",
        TRUE,
        share=True,
    ),
    Metric(
        "p_japanese_repulsed", "P(Japanese repulsed)", "outcome", "japanese_repulsed", share=True
    ),
    Metric("closest_approach_km", "closest approach, road km", "closest_approach_km"),
    Metric("offensive_culminated_day", "day the offensive culminated", "offensive_culminated_day"),
    Metric("counteroffensive_day", "day the counteroffensive began", "counteroffensive_day"),
    Metric("japanese_casualties", "Japanese casualties", "casualties.japanese.total"),
    Metric("japanese_killed", "Japanese killed", "casualties.japanese.killed"),
    Metric("chinese_casualties", "Chinese casualties", "casualties.chinese.total"),
    Metric("chinese_sorties", "Chinese and US sorties", "sorties.chinese"),
)
"""What a what-if reports, in this order."""

SENSITIVITY_METRICS: tuple[Metric, ...] = (
    WHATIF_METRICS[0],
    WHATIF_METRICS[2],
    WHATIF_METRICS[5],
)
"""What a sensitivity sweep ranks parameters by: P(captured), closest approach, Japanese
casualties."""

_INDEX = {c: i for i, c in enumerate(COLUMNS)}

RUN_COLUMNS: tuple[str, ...] = ("arm", *COLUMNS, "its_units_engaged", "engaged_units")
"""Columns of ``whatif_runs.csv``: the arm, the ``runs.csv`` columns, whether a unit the arm's
variant changes fought in that run (``true``/``false``; empty for the baseline and for a
variant that changes no unit) and the ids of every unit that fought, separated by spaces."""

ENGAGED_LABEL = "its units engaged"
NO_UNITS = "no units changed"


# --------------------------------------------------------------------------- running


@dataclass
class ArmRuns:
    """What :func:`run_arms` measured."""

    values: dict[str, np.ndarray]
    """Per arm an ``(n, len(metrics))`` array of the metrics, run by run."""
    engaged: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """``engaged[arm][variant][i]``: in run ``i`` of ``arm`` a unit of ``variant``'s watched
    set fought. Kept for each watched variant's own arm and for the baseline."""


def run_arms(
    arms: dict[str, Scenario],
    n: int,
    root_seed: int,
    runner: Runner,
    metrics: Sequence[Metric],
    *,
    label: str,
    quiet: bool = False,
    rows: CsvStream | None = None,
    watch: Mapping[str, frozenset[str]] | None = None,
) -> ArmRuns:
    """Play every arm on the same ``n`` seeds and read ``metrics`` from every run.

    ``runner`` must have been built with ``arms`` as its scenarios (and entered). ``watch``
    maps a variant (an arm) to the units it changes: whether one of them fought is recorded
    for that arm and for the baseline. With ``rows`` every run's ``runs.csv`` row is also
    written (the columns of :data:`RUN_COLUMNS`).
    """
    keys = list(arms)
    watch = dict(watch or {})
    values = {k: np.full((n, len(metrics)), np.nan) for k in keys}
    engaged: dict[str, dict[str, np.ndarray]] = {}
    for name in watch:
        for arm in (name, BASELINE):
            if arm in arms:
                engaged.setdefault(arm, {})[name] = np.zeros(n, dtype=bool)

    def tasks() -> Iterator[Task]:
        for key in keys:  # arm by arm: long chunks of one scenario for the Dask back end
            for i, seed in run_seeds(root_seed, n):
                yield key, i, seed

    with ProgressReport(n * len(keys), label, quiet=quiet) as progress:
        for key, index, cells, _daily, fought in runner.map(tasks(), n * len(keys)):
            values[key][index] = [m.value(cells, _INDEX) for m in metrics]
            for name, flags in engaged.get(key, {}).items():
                flags[index] = not watch[name].isdisjoint(fought)
            if rows is not None:
                own = engaged.get(key, {}).get(key) if key != BASELINE else None
                rows.write(
                    [
                        key,
                        *cells,
                        "" if own is None else fmt_cell(bool(own[index])),
                        " ".join(fought),
                    ]
                )
            progress.advance()
    return ArmRuns(values, engaged)


def effects(
    base: np.ndarray, arm: np.ndarray, metrics: Sequence[Metric]
) -> dict[str, dict[str, Any]]:
    """Per metric: the arm's and the baseline's means and the paired change with its 95 % CI."""
    out: dict[str, dict[str, Any]] = {}
    for j, m in enumerate(metrics):
        b, a = base[:, j], arm[:, j]
        d = paired(a - b)
        out[m.key] = {"baseline_mean": _mean(b), "arm_mean": _mean(a), **d}
    return out


def _mean(v: np.ndarray) -> float | None:
    v = v[np.isfinite(v)]
    return round(float(v.mean()), 6) if v.size else None


def metric_info(metrics: Sequence[Metric]) -> list[dict[str, Any]]:
    return [{"key": m.key, "label": m.label, "column": m.column, "share": m.share} for m in metrics]


def header(
    scenario: Scenario, path: str, overrides: list[str], n: int, root_seed: int
) -> dict[str, Any]:
    """What every experiment file records about how it was made."""
    return {
        "program": f"wargame {__version__}",
        "scenario": scenario.meta.name,
        "scenario_path": path,
        "overrides": list(overrides),
        "runs": n,
        "root_seed": root_seed,
        "pairing": "every arm plays the seeds of 'wargame batch --seed ROOT_SEED' run by run",
    }


# --------------------------------------------------------------------------- what-if


def whatif_result(
    head: dict[str, Any],
    variants: Sequence[Any],
    runs: ArmRuns,
    metrics: Sequence[Metric],
    units: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """``whatif.json``: the baseline and each variant's paired changes.

    ``units`` maps a variant to the units it changes (:func:`~.variants.changed_units`). Per
    variant ``its_units_engaged_pct`` is the share of its runs (0-100) in which one of them,
    or a unit under one of them, fought; ``its_units_engaged_baseline_pct`` the same units in
    the baseline's runs. Both are None for a variant that changes no unit.
    """
    values = runs.values
    base = values[BASELINE]
    units = units or {}
    out = []
    for v in variants:
        own = runs.engaged.get(v.name, {}).get(v.name)
        in_base = runs.engaged.get(BASELINE, {}).get(v.name)
        out.append(
            {
                "name": v.name,
                "description": v.description,
                "source": v.source,
                "overrides": list(v.overrides),
                "units_changed": list(units.get(v.name, ())),
                "its_units_engaged_pct": _pct(own),
                "its_units_engaged_baseline_pct": _pct(in_base),
                "effects": effects(base, values[v.name], metrics),
            }
        )
    return {
        **head,
        "metrics": metric_info(metrics),
        "baseline": {m.key: _mean(base[:, j]) for j, m in enumerate(metrics)},
        "variants": out,
    }


def _pct(flags: np.ndarray | None) -> float | None:
    """The share of true flags in per cent, or None without flags."""
    if flags is None or not flags.size:
        return None
    return round(100.0 * float(flags.mean()), 6)


# --------------------------------------------------------------------------- sensitivity


@dataclass(frozen=True)
class SweptParam:
    """A scalar parameter swept to ``low`` and ``high`` (clamped to its allowed range)."""

    key: str
    value: float
    low: float
    high: float
    source: str

    def override(self, x: float) -> str:
        return f"{self.key}={x!r}"

    def row(self, score: float) -> dict[str, Any]:
        """The parameter's entry in a ranking (``sensitivity.json``, ``sobol.json``)."""
        return {
            "key": self.key,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "source": self.source,
            "score": round(score, 6),
        }


def scalar_params(params: Params) -> dict[str, tuple[float, str]]:
    """Every scalar float parameter: dotted key -> (value, source)."""
    return {
        k: (v, s)
        for k, v, s in iter_params(params)
        if isinstance(v, float) and not isinstance(v, bool)
    }


def choose_params(params: Params, names: str | None, delta: float) -> list[SweptParam]:
    """The parameters to sweep (all scalar float ones for None); UserError for a bad name."""
    if not 0 < delta < 1:
        raise UserError(f"--delta {delta:g}: must be between 0 and 1 (0.2 sweeps ±20 %)")
    scalars = scalar_params(params)
    if names is None:
        keys = list(scalars)
    else:
        keys = []
        every = {k for k, _v, _s in iter_params(params)}
        for raw in (n.strip() for n in names.split(",")):
            if not raw:
                continue
            key = raw if raw.startswith("params.") else f"params.{raw}"
            if key not in every:
                raise UserError(f"--params {raw}: unknown parameter (see 'wargame params')")
            if key not in scalars:
                raise UserError(
                    f"--params {raw}: not a scalar number parameter; sensitivity "
                    f"sweeps scalar float parameters"
                )
            if key not in keys:
                keys.append(key)
        if not keys:
            raise UserError("--params: give one or more parameter names separated by commas")
    out = []
    for key in keys:
        value, source = scalars[key]
        lo_bound, hi_bound = _bounds(params, key)
        low = float(f"{max(lo_bound, value * (1 - delta)):.10g}")
        high = float(f"{min(hi_bound, value * (1 + delta)):.10g}")
        out.append(SweptParam(key, value, low, high, source))
    return out


def _bounds(params: Params, key: str) -> tuple[float, float]:
    """The allowed range of a parameter from its field's ge/gt/le/lt constraints."""
    _, section, name = key.split(".")
    field = type(getattr(params, section)).model_fields[name]
    lo, hi = -math.inf, math.inf
    for c in field.metadata:
        for attr in ("ge", "gt"):
            if getattr(c, attr, None) is not None:
                lo = max(lo, float(getattr(c, attr)))
        for attr in ("le", "lt"):
            if getattr(c, attr, None) is not None:
                hi = min(hi, float(getattr(c, attr)))
    return lo, hi


def sensitivity_result(
    head: dict[str, Any],
    swept: Sequence[SweptParam],
    delta: float,
    values: dict[str, np.ndarray],
    metrics: Sequence[Metric],
) -> dict[str, Any]:
    """``sensitivity.json``: per parameter the paired change at -X % and +X %, ranked.

    Score: the largest change it makes in any metric, in units of that metric's standard
    deviation over all runs of the sweep (so metrics in men, km and probabilities compare).
    """
    base = values[BASELINE]
    stacked = np.vstack(list(values.values()))
    scale = []
    for j in range(len(metrics)):
        col = stacked[:, j]
        col = col[np.isfinite(col)]
        scale.append(float(col.std()) if col.size > 1 else 0.0)
    rows: list[dict[str, Any]] = []
    for p in swept:
        minus = effects(base, values[f"{p.key}-"], metrics)
        plus = effects(base, values[f"{p.key}+"], metrics)
        score = 0.0
        for j, m in enumerate(metrics):
            for e in (minus[m.key], plus[m.key]):
                if e["mean"] is not None and scale[j] > 0:
                    score = max(score, abs(e["mean"]) / scale[j])
        rows.append(
            {
                **p.row(score),
                "effects": {m.key: {"minus": minus[m.key], "plus": plus[m.key]} for m in metrics},
            }
        )
    rows.sort(key=lambda r: (-r["score"], r["key"]))
    for rank, r in enumerate(rows, 1):
        r["rank"] = rank
    return {
        **head,
        "delta": delta,
        "metrics": metric_info(metrics),
        "baseline": {m.key: _mean(base[:, j]) for j, m in enumerate(metrics)},
        "scale": {m.key: round(s, 6) for m, s in zip(metrics, scale, strict=True)},
        "params": rows,
    }


# --------------------------------------------------------------------------- formatting


def fmt_level(x: float | None, share: bool) -> str:
    """A mean for people: a percentage for shares, else a number."""
    if x is None:
        return "—"
    if share:
        return f"{x:.1%}"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def fmt_change(e: dict[str, Any], share: bool, *, ci: bool = True) -> str:
    """'+3.2 (−0.5 to +6.9)'; shares in percentage points."""
    if e.get("mean") is None:
        return "—"
    k = 100.0 if share else 1.0
    unit = " pp" if share else ""

    def f(x: float) -> str:
        x *= k
        return f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+,.1f}"

    text = f"{f(e['mean'])}{unit}"
    if ci and e.get("lo") is not None:
        text += f" ({f(e['lo'])} to {f(e['hi'])})"
    return text


def significant(e: dict[str, Any]) -> bool:
    """The 95 % interval of a change excludes zero."""
    return e.get("lo") is not None and (e["lo"] > 0 or e["hi"] < 0)


def engaged_cells(v: dict[str, Any]) -> tuple[str, str, str]:
    """Baseline, variant and change cells of a variant's "its units engaged" row."""
    pct, base = v.get("its_units_engaged_pct"), v.get("its_units_engaged_baseline_pct")
    if pct is None:
        return "—", NO_UNITS, "—"
    change = "—" if base is None else f"{pct - base:+.1f} pp"
    return "—" if base is None else f"{base:.1f}%", f"{pct:.1f}%", change


def engaged_note() -> str:
    return (
        f"{ENGAGED_LABEL}: share of runs in which a unit the variant changes (or one under "
        f"it) fought at least once; at 0 % they never fought"
    )


def whatif_tables(result: dict[str, Any]) -> list[Any]:
    """One rich table per variant: baseline, variant, change with 95 % CI."""
    from rich.markup import escape
    from rich.table import Table

    tables = []
    metrics = result["metrics"]
    for v in result["variants"]:
        t = Table(title=escape(f"{v['name']}: {v['description']}"), title_justify="left")
        t.add_column("metric")
        t.add_column("baseline", justify="right")
        t.add_column(v["name"], justify="right")
        t.add_column("change (95 % CI)", justify="right")
        base_cell, arm_cell, change_cell = engaged_cells(v)
        if v.get("its_units_engaged_pct") is None:
            arm_cell = f"[dim]{arm_cell}[/]"
        t.add_row(ENGAGED_LABEL, base_cell, arm_cell, change_cell, end_section=True)
        for m in metrics:
            e = v["effects"][m["key"]]
            change = fmt_change(e, m["share"])
            if significant(e):
                change = f"[bold]{change}[/]"
            note = "" if e["n"] == result["runs"] else f" [dim](n={e['n']})[/]"
            t.add_row(
                m["label"] + note,
                fmt_level(e["baseline_mean"], m["share"]),
                fmt_level(e["arm_mean"], m["share"]),
                change,
            )
        tables.append(t)
    return tables


def whatif_markdown(result: dict[str, Any]) -> str:
    """``whatif.md``: what was run and one table per variant."""
    lines = [
        f"# What if: {result['scenario']}",
        "",
        f"{result['runs']} runs per arm on paired seeds (root seed {result['root_seed']}); "
        "changes are variant minus baseline, run by run, with a normal 95 % interval. "
        "Shares change in percentage points (pp).",
        "",
    ]
    for v in result["variants"]:
        lines += [
            f"## {v['name']}",
            "",
            v["description"],
            "",
            f"Overrides: {', '.join(f'`{o}`' for o in v['overrides'])}",
            "",
            f"Source: {v['source']}",
            "",
            f"Units changed: {', '.join(f'`{u}`' for u in v['units_changed']) or 'none'}",
            "",
            "| metric | baseline | variant | change (95 % CI) |",
            "|---|---:|---:|---:|",
            f"| {ENGAGED_LABEL} | " + " | ".join(engaged_cells(v)) + " |",
        ]
        for m in result["metrics"]:
            e = v["effects"][m["key"]]
            mark = " *" if significant(e) else ""
            lines.append(
                f"| {m['label']} | {fmt_level(e['baseline_mean'], m['share'])} | "
                f"{fmt_level(e['arm_mean'], m['share'])} | "
                f"{fmt_change(e, m['share'])}{mark} |"
            )
        lines.append("")
    lines.append("\\* the 95 % interval of the change excludes zero.")
    lines += ["", f"{engaged_note()}."]
    return "\n".join(lines) + "\n"


def sensitivity_table(result: dict[str, Any], top: int | None = None) -> Any:
    """The ranked parameters as a rich table (change at -X % / +X % for each metric)."""
    from rich.markup import escape
    from rich.table import Table

    pct = f"{result['delta']:.0%}"
    t = Table(
        title=escape(
            f"Sensitivity of {result['scenario']}: each parameter −/+{pct}, "
            f"{result['runs']} paired runs"
        ),
        title_justify="left",
    )
    t.add_column("#", justify="right")
    t.add_column("parameter", overflow="fold")
    t.add_column("value", justify="right")
    for m in result["metrics"]:
        t.add_column(f"Δ {m['label']}\n−{pct} / +{pct}", justify="right")
    t.add_column("score", justify="right")
    rows = result["params"][:top] if top else result["params"]
    for r in rows:
        cells = []
        for m in result["metrics"]:
            e = r["effects"][m["key"]]
            cells.append(
                f"{fmt_change(e['minus'], m['share'], ci=False)} / "
                f"{fmt_change(e['plus'], m['share'], ci=False)}"
            )
        t.add_row(
            str(r["rank"]),
            r["key"].removeprefix("params."),
            f"{r['value']:g}",
            *cells,
            f"{r['score']:.2f}",
        )
    return t


def sensitivity_markdown(result: dict[str, Any]) -> str:
    """``sensitivity.md``: the ranked table with 95 % intervals."""
    pct = f"{result['delta']:.0%}"
    lines = [
        f"# Sensitivity: {result['scenario']}",
        "",
        f"One parameter at a time at −{pct} and +{pct} (clamped to its allowed range), "
        f"{result['runs']} paired runs per arm (root seed {result['root_seed']}). Score: "
        "the largest change in any metric in units of that metric's standard deviation.",
        "",
        "| # | parameter | value | "
        + " | ".join(f"Δ {m['label']} at −{pct} | at +{pct}" for m in result["metrics"])
        + " | score |",
        "|---:|---|---:|" + "---:|---:|" * len(result["metrics"]) + "---:|",
    ]
    for r in result["params"]:
        cells = []
        for m in result["metrics"]:
            e = r["effects"][m["key"]]
            cells += [fmt_change(e["minus"], m["share"]), fmt_change(e["plus"], m["share"])]
        lines.append(
            f"| {r['rank']} | `{r['key']}` | {r['value']:g} | "
            + " | ".join(cells)
            + f" | {r['score']:.2f} |"
        )
    return "\n".join(lines) + "\n"
