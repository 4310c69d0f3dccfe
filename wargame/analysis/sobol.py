"""Global sensitivity: Sobol indices of the campaign's results over its scalar parameters.

Saltelli's scheme (Saltelli 2002; Saltelli et al. 2010, as SALib implements it): a Sobol
sequence of ``N`` base points over the chosen parameters' ranges, each expanded into
``k + 2`` points (A, the k points A with one column from B, and B), so ``N x (k + 2)``
campaigns. Every campaign is played on the batch runner (this process, worker processes or a
Dask cluster) and SALib's estimators give, per result, each parameter's first-order index
S1 (the share of the result's variance it explains alone) and total index ST (alone and in
every interaction), with bootstrap 95 % confidence intervals.

The campaign is random as well as a function of its parameters. The ``k + 2`` points made
from one base point share one seed (common random numbers, as the paired what-ifs do), so
the differences the estimators take between them are of parameters, not dice; base point
``j`` plays the seed of run ``j`` of ``wargame batch --seed ROOT_SEED``. What the dice alone
explain shows as indices that do not add up to 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from wargame.errors import UserError
from wargame.scenario import Point, Scenario

from .batch import COLUMNS, ProgressReport, Result, Runner, Task, run_seed
from .experiments import SweptParam

BASE = "base"
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
"""The Ishigami function's usual constants (Ishigami & Homma 1990)."""

_INDEX = {c: i for i, c in enumerate(COLUMNS)}


def require_salib() -> None:
    """One-line UserError (exit 2) when the optional extra is missing."""
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise UserError(
            "--method sobol: needs SALib, the optional extra 'sensitivity' "
            "(pip install 'wargame[sensitivity]')"
        ) from None


def salib_seed(root_seed: int, purpose: int) -> int:
    """A seed for SALib from the run's root seed, never 0 (SALib takes a falsy seed as 'use
    numpy's global random state'); ``purpose`` keeps the sampler's and the bootstrap's
    streams apart."""
    return int(np.random.default_rng([purpose, root_seed]).integers(1, 2**32))


def problem(swept: Sequence[SweptParam]) -> dict[str, Any]:
    """SALib's problem: the parameters' names and their [low, high] ranges."""
    return {
        "num_vars": len(swept),
        "names": [p.key for p in swept],
        "bounds": [[p.low, p.high] for p in swept],
    }


def check_n(n: int, k: int) -> None:
    """N must be a power of 2 (Sobol sequences keep their balance only then) and k >= 2."""
    if n < 2 or n & (n - 1):
        raise UserError(f"-n {n}: Sobol needs a power of 2 base points (4, 8, ..., 1024)")
    if k < 2:
        raise UserError("--params: Sobol indices need two or more parameters")


def sample(prob: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """The ``n x (k + 2)`` points, scrambled with ``seed`` (no global random state)."""
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(prob, n, calc_second_order=False, seed=salib_seed(seed, 1))


def tasks(points: np.ndarray, names: Sequence[str], root_seed: int) -> Iterator[Task]:
    """One task per point, the ``k + 2`` points of a base point on one seed."""
    per_base = len(names) + 2
    for i, row in enumerate(points):
        point: Point = tuple((name, float(x)) for name, x in zip(names, row, strict=True))
        yield BASE, i, run_seed(root_seed, i // per_base), point


def play(
    runner: Runner,
    points: np.ndarray,
    names: Sequence[str],
    root_seed: int,
    read: Callable[[list[str]], list[float]],
    *,
    quiet: bool = False,
) -> np.ndarray:
    """Every point played on ``runner`` (entered, built with the base scenario as ``BASE``);
    ``read`` turns a run's row into the outputs (one column each)."""
    out: list[list[float]] = []
    with ProgressReport(len(points), "sobol", quiet=quiet) as progress:
        for _key, _index, cells, _daily, _fought in runner.map(
            tasks(points, names, root_seed), len(points)
        ):
            out.append(read(cells))
            progress.advance()
    return np.asarray(out, dtype=float)


def indices(
    prob: dict[str, Any], y: np.ndarray, seed: int, conf_level: float = 0.95
) -> dict[str, list[float]]:
    """S1, S1_conf, ST, ST_conf of one output (SALib's estimators; bootstrap with ``seed``)."""
    from SALib.analyze import sobol as sobol_analyze

    r = sobol_analyze.analyze(
        prob,
        y,
        calc_second_order=False,
        num_resamples=200,
        conf_level=conf_level,
        seed=salib_seed(seed, 2),
    )
    return {k: [float(v) for v in r[k]] for k in ("S1", "S1_conf", "ST", "ST_conf")}


def _clean(x: float) -> float | None:
    return None if not math.isfinite(x) else round(x, 6)


def sobol_result(
    head: dict[str, Any],
    swept: Sequence[SweptParam],
    delta: float,
    y: np.ndarray,
    metrics: Sequence[Any],
    root_seed: int,
) -> dict[str, Any]:
    """``sobol.json``: the indices of every parameter for every result, ranked by the
    largest total index. A result undefined in some run (a day that never came) or that
    never varies has no indices (``skipped`` says why)."""
    prob = problem(swept)
    per: dict[str, dict[str, list[float]]] = {}
    skipped: dict[str, str] = {}
    for j, m in enumerate(metrics):
        col = y[:, j]
        if not np.all(np.isfinite(col)):
            skipped[m.key] = "undefined in some runs"
        elif float(col.std()) == 0.0:
            skipped[m.key] = "the same in every run"
        else:
            per[m.key] = indices(prob, col, root_seed)
    rows: list[dict[str, Any]] = []
    for i, p in enumerate(swept):
        effects = {
            key: {name: _clean(v[name][i]) for name in ("S1", "S1_conf", "ST", "ST_conf")}
            for key, v in per.items()
        }
        score = max((e["ST"] or 0.0 for e in effects.values()), default=0.0)
        rows.append({**p.row(score), "indices": effects})
    rows.sort(key=lambda r: (-r["score"], r["key"]))
    for rank, r in enumerate(rows, 1):
        r["rank"] = rank
    return {
        **head,
        "method": "sobol (Saltelli sampling, SALib; first-order and total indices)",
        "base_points": len(y) // (len(swept) + 2),
        "campaigns": len(y),
        "delta": delta,
        "ranges": f"each parameter's value ±{delta:.0%}, within its allowed range",
        "metrics": [{"key": m.key, "label": m.label} for m in metrics],
        "skipped": skipped,
        "params": rows,
    }


def sobol_table(result: dict[str, Any], top: int | None = None) -> Any:
    """A rich table: each parameter's S1 and ST (± half the 95 % interval) per result."""
    from rich.table import Table

    keys = [m for m in result["metrics"] if m["key"] not in result["skipped"]]
    t = Table(title=f"Sobol indices ({result['campaigns']:,} campaigns)")
    t.add_column("#", justify="right")
    t.add_column("parameter")
    for m in keys:
        t.add_column(f"{m['label']}\nS1", justify="right")
        t.add_column("ST", justify="right")
    for r in result["params"][: top or None]:
        cells = [str(r["rank"]), r["key"].removeprefix("params.")]
        for m in keys:
            e = r["indices"][m["key"]]
            cells += [_pm(e["S1"], e["S1_conf"]), _pm(e["ST"], e["ST_conf"])]
        t.add_row(*cells)
    return t


def _pm(x: float | None, conf: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f} ± {conf:.2f}" if conf is not None else f"{x:.2f}"


def sobol_markdown(result: dict[str, Any]) -> str:
    """``sobol.md``: the ranked table and how it was made."""
    keys = [m for m in result["metrics"] if m["key"] not in result["skipped"]]
    lines = [
        f"# Sobol indices: {result['scenario']}",
        "",
        f"{result['campaigns']:,} campaigns ({result['base_points']} base points x "
        f"(k + 2)); ranges: {result['ranges']}; root seed {result['root_seed']}.",
        "S1: the share of a result's variance a parameter explains alone; ST: alone and in "
        "every interaction (± half the bootstrap 95 % interval). Ranked by the largest ST.",
        "",
        "| # | parameter | " + " | ".join(f"{m['label']} S1 | ST" for m in keys) + " |",
        "|---|---|" + "---|---|" * len(keys),
    ]
    for r in result["params"]:
        cells = []
        for m in keys:
            e = r["indices"][m["key"]]
            cells += [_pm(e["S1"], e["S1_conf"]), _pm(e["ST"], e["ST_conf"])]
        lines.append(f"| {r['rank']} | `{r['key']}` | " + " | ".join(cells) + " |")
    for key, why in sorted(result["skipped"].items()):
        lines.append(f"\n{key}: no indices ({why}).")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- test problem


def ishigami(x: np.ndarray, a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> np.ndarray:
    """The Ishigami function of three parameters on [-pi, pi]^3, whose Sobol indices are
    known in closed form (S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244)."""
    x = np.atleast_2d(x)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def evaluate_ishigami(
    scenario: Scenario, key: str, index: int, seed: int, daily: bool, point: Point
) -> Result:
    """A runner's evaluate that computes the Ishigami function of the point instead of
    playing a campaign (to check the Sobol pipeline against a known answer)."""
    y = float(ishigami(np.array([[v for _k, v in point]]))[0])
    return key, index, [repr(y)], None, ()
