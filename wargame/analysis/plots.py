"""Charts with matplotlib (optional extra ``plot``): the batch charts (maps: ``maps.py``).

Every chart is drawn on a fresh :class:`matplotlib.figure.Figure` with the Agg renderer (no
pyplot state, no display needed), at a fixed size and resolution, and saved as PNG without
the software-version metadata, so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from wargame.errors import UserError
from wargame.outputs import atomic_write
from wargame.scenario import Scenario

from .stats import RunTable, csv_errors, read_json_object, wilson

DPI = 100
JAPANESE, CHINESE = "#b2182b", "#2166ac"
SIDE_COLOUR = {"japanese": JAPANESE, "chinese": CHINESE}
PLOT_EXTRA = "plot: needs the optional extra 'plot' (pip install 'wargame[plot]')"


def require_matplotlib() -> None:
    """A one-line UserError naming the extra when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError(PLOT_EXTRA) from None


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")


_HELD: list[list[tuple[Path, bytes]]] = []
"""While :func:`_held_writes` is open, rendered charts wait here instead of being written."""


def save_png(fig: Any, path: Path) -> Path:
    """Render to PNG bytes (no Software/version metadata) and write them atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return _put(path, buf.getvalue())


def _put(path: Path, data: bytes) -> Path:
    if _HELD:
        _HELD[-1].append((path, data))
    else:
        atomic_write(path, data)
    return path


@contextlib.contextmanager
def _held_writes(out: Path) -> Iterator[None]:
    """Render every chart first and write them all at the end (creating ``out`` only then),
    so a bad input file found half-way leaves nothing behind."""
    _HELD.append([])
    try:
        yield
        pending = _HELD[-1]
    finally:
        _HELD.pop()
    out.mkdir(parents=True, exist_ok=True)
    for path, data in pending:
        atomic_write(path, data)


# --------------------------------------------------------------------------- batch charts


def outcome_chart(table: RunTable, path: Path, title: str) -> Path:
    """Share of runs per outcome with 95 % Wilson intervals."""
    cells = table.texts("outcome")
    names = sorted(set(cells))
    n = len(cells)
    shares = [cells.count(o) / n for o in names]
    cis = [wilson(cells.count(o), n) for o in names]
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    ypos = np.arange(len(names))
    err = np.array(
        [
            [s - lo for s, (lo, _hi) in zip(shares, cis, strict=True)],
            [hi - s for s, (_lo, hi) in zip(shares, cis, strict=True)],
        ]
    )
    ax.barh(ypos, shares, xerr=err, color="#4d4d4d", capsize=4)
    ax.set_yticks(ypos, [o.replace("_", " ") for o in names])
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share of {n} runs (95 % Wilson interval)")
    for y, s in zip(ypos, shares, strict=True):
        ax.annotate(f"{s:.0%}", (s, y), xytext=(6, 6), textcoords="offset points", fontsize=8)
    ax.set_title(f"Outcomes: {title}", fontsize=10)
    return save_png(fig, path)


def histograms(
    table: RunTable,
    panels: list[tuple[str, str, str]],
    path: Path,
    title: str,
    reference: dict[str, list[tuple[str, Any]]] | None = None,
) -> Path | None:
    """One histogram per (column, label, colour) with historical figures as vertical lines
    (ranges shaded)."""
    present = [p for p in panels if table.has(p[0]) and np.isfinite(table.numbers(p[0])).any()]
    if not present:
        return None
    fig = _figure(5 * len(present), 4)
    axes = fig.subplots(1, len(present), squeeze=False)[0]
    for ax, (col, label, colour) in zip(axes, present, strict=True):
        v = table.numbers(col)
        v = v[np.isfinite(v)]
        ax.hist(v, bins=min(40, max(5, int(math.sqrt(v.size)))), color=colour, alpha=0.8)
        q05, med, q95 = np.quantile(v, (0.05, 0.5, 0.95))
        ax.axvline(med, color="black", lw=1.2, label=f"median {med:,.0f}")
        ax.axvspan(q05, q95, color="grey", alpha=0.15, label="5–95 %")
        for k, (name, value) in enumerate((reference or {}).get(col, [])):
            style = ["--", "-.", ":", (0, (5, 1))][k % 4]
            if isinstance(value, list):
                ax.axvspan(
                    float(value[0]),
                    float(value[1]),
                    color="orange",
                    alpha=0.25,
                    label=_history_label(name),
                )
            else:
                ax.axvline(
                    float(value), color="darkorange", ls=style, lw=1.4, label=_history_label(name)
                )
        ax.set_xlabel(label)
        ax.set_ylabel("runs")
        ax.legend(fontsize=6)
    fig.suptitle(title, fontsize=10)
    return save_png(fig, path)


def _history_label(description: str) -> str:
    """A historical figure's description as a legend entry, wrapped to fit a panel."""
    import textwrap

    return textwrap.fill(f"record: {description}", 44)


MAX_DAILY_BYTES = 200_000_000


def read_daily(path: Path) -> dict[str, list[tuple[dt.date, float, float, float]]]:
    """``daily.csv`` as series -> [(date, q05, median, q95)]; rows it cannot read are skipped,
    a file it cannot read at all is a one-line UserError."""
    out: dict[str, list[tuple[dt.date, float, float, float]]] = {}
    if path.stat().st_size > MAX_DAILY_BYTES:
        raise UserError(f"{path}: file larger than {MAX_DAILY_BYTES} bytes")
    with csv_errors(path), open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                point = (
                    dt.date.fromisoformat(row["date"]),
                    float(row["q05"]),
                    float(row["median"]),
                    float(row["q95"]),
                )
                series = row["series"]
            except (KeyError, ValueError, TypeError):
                continue
            out.setdefault(series, []).append(point)
    return out


def strength_chart(
    daily: dict[str, list[tuple[dt.date, float, float, float]]], path: Path, title: str
) -> Path | None:
    """Men present and cumulative casualties per side over time: median and 5–95 % band."""
    if not daily:
        return None
    from matplotlib.dates import DateFormatter, DayLocator

    fig = _figure(11, 4.2)
    axes = fig.subplots(1, 2)
    for ax, what, label in (
        (axes[0], "men", "men present"),
        (axes[1], "casualties", "cumulative casualties"),
    ):
        for side, colour in SIDE_COLOUR.items():
            pts = daily.get(f"{what}.{side}")
            if not pts:
                continue
            d = [p[0] for p in pts]
            ax.fill_between(
                d, [p[1] for p in pts], [p[3] for p in pts], color=colour, alpha=0.2, lw=0
            )
            ax.plot(d, [p[2] for p in pts], color=colour, lw=1.6, label=f"{side} (median, 5–95 %)")
        ax.set_ylabel(label)
        ax.xaxis.set_major_locator(DayLocator(bymonthday=(1, 15)))
        ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.legend(fontsize=7)
    fig.suptitle(f"Strength and casualties over time: {title}", fontsize=10)
    return save_png(fig, path)


WHATIF_PANELS = (
    "p_zhijiang_captured",
    "closest_approach_km",
    "japanese_casualties",
    "chinese_casualties",
)


def _variant_label(v: dict[str, Any]) -> str:
    """A variant's name, and the share of runs in which the units it changes fought."""
    pct = v.get("its_units_engaged_pct")
    return v["name"] if pct is None else f"{v['name']}\n(its units engaged: {pct:.0f} %)"


def _all_zero(values: list[float]) -> bool:
    return all(v == 0.0 or not math.isfinite(v) for v in values)


def _value_axis(ax: Any) -> None:
    """At most five ticks with thousands separators, so the numbers never run together."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _tick(x)))
    ax.tick_params(axis="x", labelsize=7)


def _tick(x: float) -> str:
    """A tick value: thousands separated, a true minus sign, no exponent."""
    text = f"{x:,.0f}" if abs(x) >= 100 or x == int(x) else f"{x:,.2g}"
    return text.replace("-", "−")


def _zero_note(labels: list[str], rows: str) -> str:
    """A second title line naming the metrics left out because no row changes them."""
    if not labels:
        return ""
    return f"\nnot drawn: Δ {', Δ '.join(labels)}, 0 for every {rows}"


def whatif_chart(result: dict[str, Any], path: Path) -> Path:
    """Each variant's change in the key metrics with 95 % intervals; a metric no variant
    changes (all zero, intervals too) is named under the chart instead of an empty panel."""
    variants = result["variants"]
    drawn: list[tuple[dict[str, Any], list[float], list[float], list[float]]] = []
    zero: list[str] = []
    for m in (m for m in result["metrics"] if m["key"] in WHATIF_PANELS):
        k = 100.0 if m["share"] else 1.0
        means, lo, hi = [], [], []
        for v in variants:
            e = v["effects"][m["key"]]
            mean = e["mean"] if e["mean"] is not None else math.nan
            means.append(mean * k)
            lo.append((mean - (e["lo"] if e["lo"] is not None else mean)) * k)
            hi.append(((e["hi"] if e["hi"] is not None else mean) - mean) * k)
        if _all_zero(means + lo + hi):
            zero.append(m["label"])
        else:
            drawn.append((m, means, lo, hi))
    if not drawn:  # nothing changes at all: one panel says so
        m = next(m for m in result["metrics"] if m["key"] in WHATIF_PANELS)
        drawn, zero = [(m, [0.0] * len(variants), [0.0] * len(variants), [0.0] * len(variants))], []
    fig = _figure(4 * len(drawn), 0.5 * len(variants) + 2.0)
    axes = fig.subplots(1, len(drawn), squeeze=False, sharey=True)[0]
    ypos = np.arange(len(variants))
    for ax, (m, means, lo, hi) in zip(axes, drawn, strict=True):
        colours = [JAPANESE if x > 0 else CHINESE for x in means]
        ax.barh(ypos, means, xerr=[lo, hi], color=colours, alpha=0.8, capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"Δ {m['label']}" + (" (pp)" if m["share"] else ""), fontsize=8)
        ax.grid(True, axis="x", lw=0.3, alpha=0.5)
        _value_axis(ax)
    axes[0].set_yticks(ypos, [_variant_label(v) for v in variants])
    axes[0].invert_yaxis()
    fig.suptitle(
        f"What if: change from the baseline, {result['runs']} paired runs (95 % CI)"
        + _zero_note(zero, "variant"),
        fontsize=10,
    )
    return save_png(fig, path)


TORNADO_ROWS = 20
"""Rows of the tornado chart: the same as the sensitivity table's (``--top``, default 20)."""


def tornado_chart(result: dict[str, Any], path: Path, top: int | None = TORNADO_ROWS) -> Path:
    """Tornado chart: the top parameters' change in each metric at −X % and +X % (``top``
    rows, as many as the table shows; None: all); a metric no parameter changes is named
    under the chart instead of an empty panel."""
    rows = result["params"][:top] if top else result["params"]
    pct = f"{result['delta']:.0%}"
    drawn: list[tuple[dict[str, Any], list[float], list[float]]] = []
    zero: list[str] = []
    for m in result["metrics"]:
        k = 100.0 if m["share"] else 1.0
        minus = [(r["effects"][m["key"]]["minus"]["mean"] or 0.0) * k for r in rows]
        plus = [(r["effects"][m["key"]]["plus"]["mean"] or 0.0) * k for r in rows]
        if _all_zero(minus + plus) and rows:
            zero.append(m["label"])
        else:
            drawn.append((m, minus, plus))
    if not drawn:
        m = result["metrics"][0]
        drawn, zero = [(m, [0.0] * len(rows), [0.0] * len(rows))], []
    fig = _figure(3.8 * len(drawn) + 2.6, 0.26 * len(rows) + 2.0)
    axes = fig.subplots(1, len(drawn), squeeze=False, sharey=True)[0]
    ypos = np.arange(len(rows))
    for ax, (m, minus, plus) in zip(axes, drawn, strict=True):
        ax.barh(ypos, minus, color=CHINESE, alpha=0.8, label=f"−{pct}")
        ax.barh(ypos, plus, color=JAPANESE, alpha=0.6, label=f"+{pct}")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"Δ {m['label']}" + (" (pp)" if m["share"] else ""), fontsize=8)
        ax.grid(True, axis="x", lw=0.3, alpha=0.5)
        _value_axis(ax)
    axes[0].set_yticks(ypos, [r["key"].removeprefix("params.") for r in rows], fontsize=7)
    axes[0].invert_yaxis()
    axes[-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"Sensitivity of {result['scenario']}: one parameter at a time ±{pct}, "
        f"{result['runs']} paired runs; the {len(rows)} with the largest effect"
        + _zero_note(zero, "parameter shown"),
        fontsize=10,
    )
    return save_png(fig, path)


def sobol_chart(result: dict[str, Any], path: Path, top: int | None = TORNADO_ROWS) -> Path:
    """Sobol indices: each parameter's first-order (S1) and total (ST) index per result, with
    their 95 % intervals (``top`` rows by the largest ST; None: all)."""
    rows = result["params"][:top] if top else result["params"]
    drawn = [m for m in result["metrics"] if m["key"] not in result["skipped"]]
    fig = _figure(3.8 * max(1, len(drawn)) + 2.6, 0.3 * len(rows) + 2.0)
    axes = fig.subplots(1, max(1, len(drawn)), squeeze=False, sharey=True)[0]
    ypos = np.arange(len(rows))
    for ax, m in zip(axes, drawn, strict=False):
        e = [r["indices"][m["key"]] for r in rows]
        for name, shift, color, alpha, label in (
            ("S1", -0.2, CHINESE, 0.8, "S1 (alone)"),
            ("ST", 0.2, JAPANESE, 0.6, "ST (total)"),
        ):
            ax.barh(
                ypos + shift,
                [x[name] or 0.0 for x in e],
                0.4,
                xerr=[x[f"{name}_conf"] or 0.0 for x in e],
                color=color,
                alpha=alpha,
                label=label,
            )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"Sobol index: {m['label']}", fontsize=8)
        ax.grid(True, axis="x", lw=0.3, alpha=0.5)
    axes[0].set_yticks(ypos, [r["key"].removeprefix("params.") for r in rows], fontsize=7)
    axes[0].invert_yaxis()
    axes[-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"Sobol indices of {result['scenario']}: {result['campaigns']:,} campaigns, "
        f"each parameter ±{result['delta']:.0%}",
        fontsize=10,
    )
    return save_png(fig, path)


# --------------------------------------------------------------------------- a directory


def plot_directory(
    src: Path, out: Path, record: list[Any] | None, scenario: Scenario | None = None
) -> list[Path]:
    """Every chart the files in ``src`` allow, written to ``out``; the paths written. With
    the batch's ``scenario``, also the map of where the offensive stopped (``stopped.png``)."""
    with _held_writes(out):
        return _plot_directory(src, out, record, scenario)


def _chart(path: Path, what: str, draw: Any, result: dict[str, Any], out: Path) -> Path:
    """Draw a chart from a JSON result; a result of the wrong shape is a one-line UserError."""
    try:
        return draw(result, out)  # type: ignore[no-any-return]
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise UserError(f"{path}: not {what} result ({type(exc).__name__}: {exc})") from None


def _plot_directory(
    src: Path, out: Path, record: list[Any] | None, scenario: Scenario | None
) -> list[Path]:
    from .batch import parse_furthest
    from .stats import read_runs

    written: list[Path] = []
    meta: dict[str, Any] = {}
    if (src / "summary.json").is_file():
        meta = _read_json(src / "summary.json")
    title = str(meta.get("scenario", src.name))
    if (src / "runs.csv").is_file():
        table = read_runs(src / "runs.csv")
        if table.n:
            reference: dict[str, list[tuple[str, Any]]] = {}
            for f in record or []:
                if (
                    f.metric
                    and isinstance(f.value, int | float | list)
                    and not isinstance(f.value, bool)
                    and not (
                        isinstance(f.value, list)
                        and not all(isinstance(x, int | float) for x in f.value)
                    )
                ):
                    reference.setdefault(f.metric, []).append((f.description, f.value))
            if table.has("outcome"):
                written.append(outcome_chart(table, out / "outcomes.png", title))
            for p in (
                histograms(
                    table,
                    [
                        ("casualties.japanese.total", "Japanese casualties", JAPANESE),
                        ("casualties.chinese.total", "Chinese casualties", CHINESE),
                    ],
                    out / "casualties.png",
                    f"Casualties per campaign: {title}",
                    reference,
                ),
                histograms(
                    table,
                    [
                        (
                            "closest_approach_km",
                            "closest approach to the objective, road km",
                            "#555555",
                        )
                    ],
                    out / "closest_approach.png",
                    title,
                    reference,
                ),
            ):
                if p is not None:
                    written.append(p)
            if scenario is not None and table.has("columns_furthest"):
                stops = [parse_furthest(c) for c in table.texts("columns_furthest")]
                if any(stops):
                    from .maps import figure_bytes, stopped_figure

                    fig = stopped_figure(scenario, [s for s in stops if s], title=title)
                    written.append(_put(out / "stopped.png", figure_bytes(fig, "png")))
    if (src / "daily.csv").is_file():
        p = strength_chart(read_daily(src / "daily.csv"), out / "strength.png", title)
        if p is not None:
            written.append(p)
    for name, what, draw, png in (
        ("whatif.json", "a what-if", whatif_chart, "whatif.png"),
        ("sensitivity.json", "a sensitivity", tornado_chart, "tornado.png"),
        ("sobol.json", "a Sobol", sobol_chart, "sobol.png"),
    ):
        if (src / name).is_file():
            written.append(_chart(src / name, what, draw, _read_json(src / name), out / png))
    return written


def _read_json(path: Path) -> dict[str, Any]:
    return read_json_object(path)


# --------------------------------------------------------------------------- engagements


def engagement_charts(bt: Any, paths: list[Path]) -> list[Path]:
    """The backtest's two charts: a reliability diagram of the cross-validated win
    probabilities (model and numbers only, ten bins, the share won in each), and each side's
    predicted against actual daily casualty rates on log axes."""
    import numpy as np

    reliability, rates = paths
    fig = _figure(6.0, 5.0)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, label="perfectly reliable")
    edges = np.linspace(0.0, 1.0, 11)
    for arm, colour in ((bt.model, "tab:red"), (bt.numbers, "tab:grey")):
        prob = arm.prob_cv
        xs, ys, ns = [], [], []
        for lo, hi in itertools.pairwise(edges):
            inside = (prob >= lo) & ((prob < hi) | (hi == 1.0))
            if inside.any():
                xs.append(float(prob[inside].mean()))
                ys.append(float(bt.won[inside].mean()))
                ns.append(int(inside.sum()))
        ax.plot(xs, ys, marker="o", color=colour, label=f"{arm.name} (cross-validated)")
        for x, y, n in zip(xs, ys, ns, strict=True):
            ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted P(attacker wins)")
    ax.set_ylabel("share of engagements the attacker won")
    ax.set_title(f"Reliability of the win predictions, {bt.n} engagements (CDB90)")
    ax.legend(loc="upper left", fontsize=8)
    fig.text(0.01, 0.005, "numbers beside the points: engagements in the bin", fontsize=7)
    out = [save_png(fig, reliability)]

    fig = _figure(10.0, 5.0)
    for i, (side, actual) in enumerate(
        (("attacker", bt.actual_attacker_rates), ("defender", bt.actual_defender_rates))
    ):
        ax = fig.add_subplot(1, 2, i + 1)
        for arm, colour, marker in ((bt.model, "tab:red", "o"), (bt.numbers, "tab:grey", "x")):
            pred = arm.attacker_rates if side == "attacker" else arm.defender_rates
            ok = (actual > 0) & (pred > 0)
            ax.scatter(
                pred[ok] * 100,
                actual[ok] * 100,
                s=10,
                color=colour,
                marker=marker,
                alpha=0.6,
                label=arm.name,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        lims = (0.01, 100.0)
        ax.plot(lims, lims, color="0.6", linestyle="--", linewidth=1, label="predicted = actual")
        ax.set_xlim(*lims)
        ax.set_ylim(*lims)
        ax.set_xlabel(f"predicted {side} casualties, % of strength per day")
        ax.set_ylabel(f"actual {side} casualties, % of strength per day")
        ax.set_title(f"{side.capitalize()} daily casualty rate")
        ax.legend(loc="upper left", fontsize=8)
    out.append(save_png(fig, rates))
    return out
