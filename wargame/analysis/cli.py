"""The analysis commands of ``wargame``: batch, compare, whatif, sensitivity, plot and export.

:func:`register` adds them to the subparsers of :func:`wargame.cli.build_parser`. Each command
checks all its input (scenario, variants, parameters, output directory, scheduler address)
before it writes anything; errors are one-line :class:`~wargame.errors.UserError` (exit 2) and
Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wargame.errors import EXIT_INTERRUPTED, EXIT_OK, UserError
from wargame.seeds import fresh_seed, seed_arg
from wargame.session import DEFAULT_SCENARIO, load, log_scenario_path

if TYPE_CHECKING:
    from wargame.scenario import Scenario
from wargame.session import resolve_scenario as scenario_path

# Heavy modules (numpy, pydantic, the engine) are imported inside the commands, so that
# 'wargame --help' stays quick.


EXAMPLES = {
    "batch": """examples:
  wargame batch -n 1000 --seed 1 --out runs/base          # the West Hunan campaign, 1,000 times
  wargame batch tutorial -n 200 --seed 7 --workers 2 --out runs/tutorial
  wargame batch -n 1000 --seed 1 --set params.ambush.surprise_factor=1.0 --out runs/no_ambush
  wargame batch -n 10000 --seed 1 --scheduler tcp://10.0.0.5:8786 --out runs/big

Writes DIR/runs.csv (one row per run, in run order), DIR/summary.json (mean, median, 5-95 %
of every metric; each outcome's probability with a 95 % Wilson interval), DIR/daily.csv
(men and casualties per side per day: median and 5-95 %) and DIR/report.md. Run i plays
the seed in its row: 'wargame run SCENARIO --seed SEED' replays it. Ctrl-C keeps the
finished runs and marks the summary partial.""",
    "compare": """examples:
  wargame compare runs/base
  wargame compare runs/base --markdown > history.md

Sets each figure of the historical record (wargame/data/historical_record.toml) beside the
simulated median and 5-95 % interval and marks it inside or OUTSIDE. An honest table, not
a target: nothing in the model is tuned to it.""",
    "whatif": """examples:
  wargame whatif -n 500 --seed 1              # every variant in scenarios/variants.toml
  wargame whatif -n 500 --seed 1 --variants no_air,no_airlift --out runs/whatif
  wargame whatif tutorial -n 200 --seed 1 --variants no_ambush,dry_season

The baseline and every variant play the same seeds (paired), so the change each variant
makes is measured run by run; the 95 % interval is mean ± 1.96 sd/√n of the paired changes.
'its units engaged' is the share of runs in which a unit the variant changes (or one under
it) fought: at 0 % those units never fought ('no units changed' for air and parameter
variants). With --out: whatif_runs.csv, whatif.json and whatif.md.""",
    "sensitivity": """examples:
  wargame sensitivity -n 200 --seed 1 --out runs/sens       # every scalar parameter ±20 %
  wargame sensitivity tutorial -n 100 --params combat.attacker_base_rate,ambush.surprise_factor
  wargame sensitivity -n 200 --delta 0.1 --top 10

  wargame sensitivity --method sobol -n 64 --params combat.attacker_base_rate,\
      ambush.surprise_factor,air.cas_per_sortie --out runs/sobol   # 64 x 5 = 320 campaigns

Ranks parameters by the largest paired change they make in P(objective captured), the
closest approach or Japanese casualties (in standard deviations of that metric); with --out
also draws a tornado chart (needs the extra 'plot'). With --method sobol: -n is the number of
base points N (a power of 2), each parameter ranges over its value ±X (--delta, within its
allowed range), and the table gives each parameter's first-order (S1) and total (ST) Sobol
index per result; --out writes sobol.json, sobol.md and sobol.png.""",
    "export": """examples:
  wargame export west.jsonl --html game.html     # open game.html in any browser

The page needs no server and no network: the map is inline SVG, one layer per day, with a
day slider, play/pause/step/first/last buttons and the arrow keys; beside it the day's
weather, air balance, both sides' strength, engagements and events. game.html#day=12 or
game.html#1945-05-01 opens a day. Needs the optional extra 'plot'.""",
    "plot": """examples:
  wargame plot west.jsonl --out map.png          # the campaign map on the log's last day
  wargame plot west.jsonl --date 1945-05-04 --out map.svg       # ... on a day, as SVG
  wargame plot west.jsonl --dates 1945-04-15,1945-05-01,1945-05-20 --out fronts.png
  wargame plot west.jsonl --animate campaign.gif # one frame per day
  wargame plot runs/base --out runs/base/charts  # outcome, casualty and strength charts
  wargame plot runs/whatif                       # what-if chart next to whatif.json

Needs the optional extra 'plot' (pip install 'wargame[plot]'). The same input always gives
the same PNG bytes.""",
    "engagements": """examples:
  wargame engagements                          # the 325 shipped CDB90 engagements
  wargame engagements --since 1900 --json backtest.json --plot charts
  wargame engagements my_battles.csv           # a file with exactly the shipped columns
  wargame engagements --set params.combat.ratio_exponent=0.6

Plays each engagement through the campaign's own combat functions (the scenario's
parameters: West Hunan's by default) and through numbers only (every factor but strength
set to 1), and scores both: Brier score, ROC AUC and accuracy of P(attacker wins), and the
median absolute log error of the daily casualty rates, in sample and five-fold
cross-validated. --json writes the cross-validated figures. Data: CDB90, US Army Concepts
Analysis Agency (1990); tidy version by J. B. Arnold, github.com/jrnold/CDB90, ODC-BY 1.0.""",
}


# --------------------------------------------------------------------------- arguments


MAX_RUNS = 1_000_000
MAX_WORKERS = 512
"""The same limits as :mod:`wargame.analysis.batch` (checked there too)."""


def runs_arg(text: str) -> int:
    """``-n``: a whole number of runs, at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of runs") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n}: needs at least 1 run")
    if n > MAX_RUNS:
        raise argparse.ArgumentTypeError(f"{n}: at most {MAX_RUNS:,} runs")
    return n


def workers_arg(text: str) -> int:
    """``--workers``: local worker processes, 1 to MAX_WORKERS."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= k <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{k}: must be between 1 and {MAX_WORKERS}")
    return k


def default_workers() -> int:
    """The CPUs this process may use (local worker processes by default)."""
    try:
        return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def root_seed(args: argparse.Namespace) -> int:
    """The given --seed, or a fresh one (recorded in the outputs; see :func:`announce`)."""
    return int(args.seed) if args.seed is not None else fresh_seed()


def timeout(args: argparse.Namespace) -> float:
    """``--connect-timeout`` in seconds, checked."""
    t = float(args.connect_timeout)
    if not 0 < t <= 600:
        raise UserError(f"--connect-timeout {t:g}: must be between 0 and 600 seconds")
    return t


def announce(args: argparse.Namespace, seed: int) -> None:
    """Print a fresh seed once every check has passed, so errors stay one line."""
    if args.seed is None:
        print(f"seed: {seed}", file=sys.stderr)


def console() -> Any:
    """Standard output as a rich Console; wide tables when not at a terminal."""
    from wargame.formats import stdout_console

    c = stdout_console(highlight=False)
    if not c.is_terminal:
        c = stdout_console(highlight=False, width=140)
    return c


# --------------------------------------------------------------------------- batch


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch import BatchInterrupted, BatchSpec, OutDir, Runner, run_batch

    path = scenario_path(args.scenario)
    scenario, digest = load(path, args.set)
    out = OutDir.check(args.out, force=args.force)
    seed = root_seed(args)
    spec = BatchSpec(str(path), scenario, digest, list(args.set), args.n, seed)
    runner = Runner(
        {"base": scenario},
        workers=args.workers,
        scheduler=args.scheduler,
        daily=True,
        connect_timeout_s=timeout(args),
    )
    with runner:
        announce(args, seed)
        try:
            outcome = run_batch(spec, out, runner, quiet=args.quiet)
        except BatchInterrupted as exc:
            print(
                f"wargame: interrupted after {exc.outcome.runs_done} of {args.n} runs; "
                f"{out.path}/runs.csv keeps them and summary.json is marked partial",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    show_batch(outcome.summary, runner.description, outcome.elapsed_s)
    files = [
        f for f in ("runs.csv", "summary.json", "daily.csv", "report.md") if out.file(f).exists()
    ]
    print(f"wrote {', '.join(str(out.file(f)) for f in files)}")
    return EXIT_OK


def show_batch(summary: dict[str, Any], where: str, elapsed_s: float) -> None:
    """The outcomes and key figures of a batch as rich tables."""
    from rich.table import Table

    from .batch import metric_rows, outcome_rows

    con = console()
    n = summary["runs_done"]
    rate = n / elapsed_s if elapsed_s > 0 else float("nan")
    print(
        f"{summary['scenario']}: {n} campaigns (root seed {summary['root_seed']}) on "
        f"{where} in {elapsed_s:.1f} s ({rate:,.0f}/s)"
        + (" [partial]" if summary.get("partial") else "")
    )
    t = Table()
    t.add_column("outcome")
    t.add_column("share of runs", justify="right")
    t.add_column("95 % interval", justify="right")
    for outcome in outcome_rows(summary):
        t.add_row(*outcome)
    con.print(t)
    m = Table()
    for name in ("metric", "mean", "median", "5 %", "95 %"):
        m.add_column(name, justify="left" if name == "metric" else "right")
    for row in metric_rows(summary):
        m.add_row(*row)
    con.print(m)


# --------------------------------------------------------------------------- compare


def cmd_compare(args: argparse.Namespace) -> int:
    from .history import DEFAULT_RECORD, compare, load_record, markdown_table, rich_table, tally
    from .stats import read_json_object, read_runs

    d = Path(args.dir)
    if not d.exists():
        raise UserError(f"{d}: not found (write one with 'wargame batch ... --out DIR')")
    table = read_runs(d)
    if table.n == 0:
        raise UserError(f"{table.path}: no runs to compare")
    record = load_record(args.record or DEFAULT_RECORD)
    summary_path = (d if d.is_dir() else d.parent) / "summary.json"
    start, name = None, str(d)
    if summary_path.is_file():
        try:
            meta = read_json_object(summary_path)
            start = dt.date.fromisoformat(meta["start_date"])
            name = f"{meta.get('scenario', name)} ({table.n} runs)"
            if meta.get("partial"):
                print(
                    f"wargame: note: {d} is a partial batch ({meta.get('runs_done')} of "
                    f"{meta.get('runs_requested')} runs)",
                    file=sys.stderr,
                )
        except (UserError, ValueError, KeyError, TypeError):
            start = None  # the runs are what is compared; a broken summary only loses dates
    elif d.is_dir():
        print(
            f"wargame: note: {d} has no summary.json: not a complete batch (killed, or still "
            f"being written); comparing the {table.n} runs it holds",
            file=sys.stderr,
        )
    rows = compare(record, table, start)
    if args.markdown:
        print(markdown_table(rows), end="")
        print(f"\n{tally(rows)}.")
        return EXIT_OK
    con = console()
    con.print(rich_table(rows, f"The historical record beside {name}"))
    con.print(f"{tally(rows)}. An honest table, not a target: nothing is tuned to it.")
    return EXIT_OK


# --------------------------------------------------------------------------- what-if


def cmd_whatif(args: argparse.Namespace) -> int:
    from .batch import CsvStream, OutDir, Runner, dump_json
    from .experiments import (
        BASELINE,
        RUN_COLUMNS,
        WHATIF_METRICS,
        engaged_note,
        header,
        run_arms,
        whatif_markdown,
        whatif_result,
        whatif_tables,
    )
    from .variants import (
        VARIANTS_FILE,
        apply_variant,
        changed_units,
        load_variants,
        select,
        watched_units,
    )

    path = scenario_path(args.scenario)
    base, _ = load(path, args.set)
    vset = load_variants(args.variants_file or VARIANTS_FILE)
    chosen = select(vset, args.variants)
    arms = {BASELINE: base}
    units: dict[str, list[str]] = {}
    watch: dict[str, frozenset[str]] = {}
    for v in chosen:
        arms[v.name] = apply_variant(path, args.set, v, vset)
        units[v.name] = changed_units(v)
        if units[v.name]:
            watch[v.name] = watched_units(arms[v.name], units[v.name])
    out = OutDir.check(args.out, force=args.force) if args.out else None
    seed = root_seed(args)
    with Runner(
        arms, workers=args.workers, scheduler=args.scheduler, connect_timeout_s=timeout(args)
    ) as runner:
        announce(args, seed)
        rows = None
        try:
            if out is not None:
                out.create()
                rows = CsvStream(out.file("whatif_runs.csv"), RUN_COLUMNS, out=out)
            runs = run_arms(
                arms,
                args.n,
                seed,
                runner,
                WHATIF_METRICS,
                label="whatif",
                quiet=args.quiet,
                rows=rows,
                watch=watch,
            )
            if rows is not None:
                rows.close()
            result = whatif_result(
                header(base, str(path), list(args.set), args.n, seed),
                chosen,
                runs,
                WHATIF_METRICS,
                units,
            )
            if out is not None:
                out.put("whatif.json", dump_json(result))
                out.put("whatif.md", whatif_markdown(result))
                out.commit(marker="whatif.json")
        except BaseException:
            if out is not None:
                out.rollback()
            raise
    con = console()
    for t in whatif_tables(result):
        con.print(t)
    con.print(
        "[dim]changes: variant minus baseline on the same seeds, 95 % CI; bold where "
        "the interval excludes zero; shares in percentage points (pp)[/]"
    )
    con.print(f"[dim]{engaged_note()}[/]")
    if out is not None:
        print(
            f"wrote {out.file('whatif_runs.csv')}, {out.file('whatif.json')}, "
            f"{out.file('whatif.md')}"
        )
    return EXIT_OK


# --------------------------------------------------------------------------- sensitivity


def _sobol(args: argparse.Namespace, path: Path, base: Any, swept: list[Any]) -> int:
    """``wargame sensitivity --method sobol``: Sobol indices on the batch runner."""
    from .batch import COLUMNS as columns
    from .batch import OutDir, Runner
    from .experiments import SENSITIVITY_METRICS, header
    from .sobol import (
        BASE,
        check_n,
        play,
        problem,
        require_salib,
        sample,
        sobol_markdown,
        sobol_result,
        sobol_table,
    )

    require_salib()
    swept = [p for p in swept if p.low < p.high]  # a parameter pinned by its range cannot vary
    check_n(args.n, len(swept))
    out = OutDir.check(args.out, force=args.force) if args.out else None
    seed = root_seed(args)
    prob = problem(swept)
    points = sample(prob, args.n, seed)
    names = [p.key for p in swept]
    metrics = SENSITIVITY_METRICS
    index = {c: i for i, c in enumerate(columns)}

    def read(cells: list[str]) -> list[float]:
        return [m.value(cells, index) for m in metrics]

    with Runner(
        {BASE: base},
        workers=args.workers,
        scheduler=args.scheduler,
        connect_timeout_s=timeout(args),
    ) as runner:
        announce(args, seed)
        y = play(runner, points, names, seed, read, quiet=args.quiet)
    head = header(base, str(path), list(args.set), len(points), seed)
    result = sobol_result(head, swept, args.delta, y, metrics, seed)
    console().print(sobol_table(result, args.top or None))
    if out is not None:
        _write_ranking(
            out, "sobol", result, sobol_markdown(result), "sobol_chart", "sobol.png", args.top
        )
    return EXIT_OK


def _write_ranking(
    out: Any, stem: str, result: dict[str, Any], markdown: str, chart: str, png: str, top: int
) -> None:
    """Write ``STEM.json`` and ``STEM.md`` as one transaction, then the chart ``png`` drawn by
    ``chart``, a function of :mod:`.plots` (skipped with a note when matplotlib is
    missing)."""
    from . import plots
    from .batch import dump_json

    out.create()
    try:
        out.put(f"{stem}.json", dump_json(result))
        out.put(f"{stem}.md", markdown)
        written = out.commit(marker=f"{stem}.json")
    except BaseException:
        out.rollback()
        raise
    draw = getattr(plots, chart)
    try:
        plots.require_matplotlib()
        written.append(draw(result, out.file(png), top or None))
    except UserError as exc:
        print(f"wargame: no {png}: {exc}", file=sys.stderr)
    print(f"wrote {', '.join(str(w) for w in written)}")


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from .batch import OutDir, Runner
    from .experiments import (
        BASELINE,
        SENSITIVITY_METRICS,
        choose_params,
        header,
        run_arms,
        sensitivity_markdown,
        sensitivity_result,
        sensitivity_table,
    )

    path = scenario_path(args.scenario)
    base, _ = load(path, args.set)
    swept = choose_params(base.params, args.params, args.delta)
    if args.top < 0:
        raise UserError(f"--top {args.top}: must be 0 (all) or more")
    if args.method == "sobol":
        return _sobol(args, path, base, swept)
    arms: dict[str, Any] = {BASELINE: base}
    same: dict[str, str] = {}
    for p in swept:
        for suffix, x in (("-", p.low), ("+", p.high)):
            if x == p.value:
                same[p.key + suffix] = BASELINE  # clamped to its own value: nothing to run
            else:
                arms[p.key + suffix] = load(path, [*args.set, p.override(x)])[0]
    out = OutDir.check(args.out, force=args.force) if args.out else None
    seed = root_seed(args)
    with Runner(
        arms, workers=args.workers, scheduler=args.scheduler, connect_timeout_s=timeout(args)
    ) as runner:
        announce(args, seed)
        values = run_arms(
            arms, args.n, seed, runner, SENSITIVITY_METRICS, label="sensitivity", quiet=args.quiet
        ).values
    for key, alias in same.items():
        values[key] = values[alias]
    result = sensitivity_result(
        header(base, str(path), list(args.set), args.n, seed),
        swept,
        args.delta,
        values,
        SENSITIVITY_METRICS,
    )
    console().print(sensitivity_table(result, args.top or None))
    if out is not None:
        _write_ranking(
            out,
            "sensitivity",
            result,
            sensitivity_markdown(result),
            "tornado_chart",
            "tornado.png",
            args.top,
        )
    return EXIT_OK


# --------------------------------------------------------------------------- plot


CHARTS = {
    "runs.csv": ("outcomes.png", "casualties.png", "closest_approach.png", "stopped.png"),
    "daily.csv": ("strength.png",),
    "whatif.json": ("whatif.png",),
    "sensitivity.json": ("tornado.png",),
    "sobol.json": ("sobol.png",),
}
"""The charts ``plot DIR`` may draw from each input file (see :func:`plots.plot_directory`)."""


def cmd_plot(args: argparse.Namespace) -> int:
    from .plots import require_matplotlib

    target = Path(args.target)
    if not target.exists():
        raise UserError(f"{target}: not found (give a turn log or a batch directory)")
    require_matplotlib()
    if target.is_dir():
        for opt, value in (
            ("--date", args.date),
            ("--dates", args.dates),
            ("--animate", args.animate),
        ):
            if value:
                raise UserError(f"{target}: {opt} draws from a turn log, not a batch folder")
        return _plot_dir(
            target, Path(args.out) if args.out else target, args.force, args.scenario_file
        )
    return _plot_log(target, args)


def batch_scenario(src: Path, scenario_file: str | None) -> Scenario | None:
    """The scenario a batch folder's summary.json names, for the map of where the offensive
    stopped: the file given (``--scenario``) or a bundled scenario, with the batch's
    overrides, if its content is the batch's; otherwise None and a note on stderr."""
    from wargame.bundled import SCENARIO_DIR
    from wargame.session import resolve_scenario

    from .stats import read_json_object

    if not (src / "summary.json").is_file():
        return None
    meta = read_json_object(src / "summary.json")
    ref = meta.get("scenario_path")
    overrides = meta.get("overrides") or []
    if not isinstance(ref, str) or not all(isinstance(o, str) for o in overrides):
        return None
    if scenario_file is not None:
        path = resolve_scenario(scenario_file)
    else:
        path = Path(ref)
        if path.resolve().parent != SCENARIO_DIR.resolve():
            print(
                f"wargame: no map of where the offensive stopped: {src}'s scenario {ref} is "
                "not a bundled scenario; give it with --scenario FILE",
                file=sys.stderr,
            )
            return None
    scenario, digest = load(path, list(overrides))
    if digest != meta.get("scenario_sha256"):
        print(
            f"wargame: no map of where the offensive stopped: {path} is not the scenario "
            f"{src} was played with (SHA-256 differs)",
            file=sys.stderr,
        )
        return None
    return scenario


def _plot_dir(src: Path, out: Path, force: bool, scenario_file: str | None = None) -> int:
    from .batch import OutDir
    from .history import load_record_or_none
    from .plots import plot_directory

    inputs = tuple(CHARTS)
    present = [f for f in inputs if (src / f).is_file()]
    if not present:
        raise UserError(f"{src}: nothing to plot (no {', '.join(inputs)})")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a directory")
    there = [out / c for f in present for c in CHARTS[f] if (out / c).exists()]
    if there and not force:
        raise UserError(
            f"{there[0]}: exists; add --force to draw the charts again over "
            f"{', '.join(c.name for c in there)}"
        )
    OutDir.check(out, force=True)  # writable, or its parent is; locked while drawn
    scenario = batch_scenario(src, scenario_file)
    # creates `out` when all is read
    written = plot_directory(src, out, load_record_or_none(), scenario)
    if not written:
        raise UserError(
            f"{src}: nothing to draw (no finished runs or results in {', '.join(present)})"
        )
    print(f"wrote {', '.join(str(w) for w in written)}")
    return EXIT_OK


def _plot_log(log_path: Path, args: argparse.Namespace) -> int:
    """The campaign map of a day (``--date``, default the last), the fronts of several dates
    (``--dates``) and/or the animation (``--animate``), from a turn log."""
    from wargame.outputs import check_outputs
    from wargame.turnlog import read_log

    from . import maps
    from .situations import day_of_date, replay_situations

    out, animate = args.out, args.animate
    if not out and not animate:
        raise UserError(f"{log_path}: give --out MAP.png (or .svg) or --animate CAMPAIGN.gif")
    if (args.date or args.dates) and not out:
        raise UserError(f"{log_path}: --date and --dates draw to --out MAP.png (or .svg)")
    if args.date and args.dates:
        raise UserError(f"{log_path}: give --date or --dates, not both")
    if out:
        maps.check_format(Path(out))
    if animate:
        maps.check_format(Path(animate), maps.ANIMATION_FORMATS, option="--animate")
    wanted = [("--out", out)] if out else []
    if animate:
        wanted.append(("--animate", animate))
    for _, path in wanted:
        if Path(path).exists() and not args.force:
            raise UserError(f"{path}: exists; add --force to draw over it")
    log = read_log(log_path)
    log.scenario_file = args.scenario_file
    if not log.days:
        raise UserError(f"{log_path}: the log has no days to draw")
    chosen: list[int] = []
    if args.date:
        chosen = [day_of_date(log, args.date)]
    elif args.dates:
        texts = [t for t in args.dates.split(",") if t.strip()]
        if not texts:
            raise UserError(f"{log_path}: --dates {args.dates!r} names no date")
        chosen = [day_of_date(log, t, "--dates") for t in texts]
    spath = log_scenario(log)
    reals = check_outputs(wanted, [("log", log_path), ("scenario", spath)])
    scenario, days = replay_situations(log)
    written = []
    if out:
        real = reals[0]
        if args.dates:
            maps.fronts_map(scenario, days, chosen, real)
        else:
            maps.situation_map(scenario, days, chosen[0] if chosen else len(days) - 1, real)
        written.append(out)
    if animate:
        maps.campaign_animation(scenario, days, reals[-1])
        written.append(animate)
    print(f"wrote {', '.join(written)}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """The replay page of a turn log: one self-contained HTML file."""
    from wargame.outputs import check_outputs
    from wargame.turnlog import read_log

    from .page import export_html
    from .plots import require_matplotlib
    from .situations import replay_situations

    log_path = Path(args.log)
    if not args.html:
        raise UserError(f"{log_path}: give --html GAME.html")
    if Path(args.html).suffix.lower() not in (".html", ".htm"):
        raise UserError(f"{args.html}: --html must end in .html")
    if Path(args.html).exists() and not args.force:
        raise UserError(f"{args.html}: exists; add --force to write over it")
    require_matplotlib()
    log = read_log(log_path)
    log.scenario_file = args.scenario_file
    if not log.days:
        raise UserError(f"{log_path}: the log has no days to show")
    spath = log_scenario(log)
    (real,) = check_outputs([("--html", args.html)], [("log", log_path), ("scenario", spath)])
    scenario, days = replay_situations(log)
    h = log.header
    summary = (log.footer or {}).get("summary") or {}
    subtitle = f"seed {h.seed}"
    if summary:
        subtitle += (
            f": {str(summary.get('outcome', '')).replace('_', ' ')} on "
            f"{summary.get('end_date')}; closest approach {summary.get('closest_approach_km')} km"
        )
    elif not log.complete:
        subtitle += f": {len(log.days)} days (log incomplete)"
    export_html(scenario, days, real, subtitle=subtitle)
    print(f"wrote {args.html}")
    return EXIT_OK


def log_scenario(log: Any) -> Path:
    """The scenario file a turn log names (see :func:`wargame.session.log_scenario_path`)."""
    return log_scenario_path(log)


# --------------------------------------------------------------------------- engagements


def cmd_engagements(args: argparse.Namespace) -> int:
    import json

    from wargame.outputs import atomic_write, check_outputs

    from .engagements import read_engagements, run_backtest

    csv_path = Path(args.csv) if args.csv else None
    spath = scenario_path(args.scenario)
    scenario, _ = load(spath, args.set)
    inputs = [("scenario", spath)] + ([("engagements file", csv_path)] if csv_path else [])
    outputs = [("--json", args.json)] if args.json else []
    made: Path | None = None
    if args.plot:
        from .plots import require_matplotlib

        require_matplotlib()
        plot_dir = Path(args.plot)
        if plot_dir.exists() and not plot_dir.is_dir():
            raise UserError(f"{plot_dir}: --plot must be a folder")
        for name in ENGAGEMENT_CHARTS:
            chart = plot_dir / name
            if chart.exists() and not args.force:
                raise UserError(f"{chart}: exists; add --force to draw over it")
            outputs.append(("--plot", chart))
        if not plot_dir.exists():
            try:
                plot_dir.mkdir()
            except OSError as exc:
                raise UserError(f"{plot_dir}: cannot make the folder ({exc.strerror})") from None
            made = plot_dir
    try:
        reals = check_outputs(outputs, inputs)
        bt = run_backtest(scenario.params.combat, read_engagements(csv_path), args.since)
        written = []
        if args.plot:
            from .plots import engagement_charts

            written += engagement_charts(bt, reals[-len(ENGAGEMENT_CHARTS) :])
    except BaseException:
        if made is not None and not any(made.iterdir()):
            made.rmdir()  # a folder this command made, still empty: leave nothing behind
        raise
    show_backtest(bt, args.since)
    if args.json:
        text = json.dumps(bt.as_json(), indent=2) + "\n"
        written.append(atomic_write(reals[0], text))
    if written:
        print(f"wrote {', '.join(str(w) for w in written)}")
    return EXIT_OK


ENGAGEMENT_CHARTS = ("reliability.png", "casualty_rates.png")


def show_backtest(bt: Any, since: int | None) -> None:
    """The backtest's scores and fitted links as rich tables."""
    from rich.table import Table

    from .engagements import DUPUY_LINK

    con = console()
    scope = f"since {since}" if since is not None else "all years"
    con.print(
        f"{bt.n} engagements ({scope}; {bt.casualty_rows} with a duration for the casualty "
        "rates). Neutral values used for: "
        + (", ".join(f"{k} {v}" for k, v in sorted(bt.neutral.items()) if v) or "none")
    )
    t = Table(title="How well the combat model predicts the engagements")
    for name in ("figure", "model", "model, CV", "numbers only", "numbers only, CV", "better"):
        t.add_column(name, justify="left" if name == "figure" else "right")
    lower = {"brier": True, "auc": False, "accuracy": False, "casualty_log_error": True}
    m_in, m_cv = bt.model.in_sample.as_dict(), bt.model.cross_validated.as_dict()
    n_in, n_cv = bt.numbers.in_sample.as_dict(), bt.numbers.cross_validated.as_dict()
    labels = {
        "brier": "Brier score (lower is better)",
        "auc": "ROC AUC (higher is better)",
        "accuracy": "accuracy at 0.5",
        "casualty_log_error": "casualty log error (median |ln|)",
    }
    for key, label in labels.items():
        better_model = m_cv[key] < n_cv[key] if lower[key] else m_cv[key] > n_cv[key]
        t.add_row(
            label,
            f"{m_in[key]:.3f}",
            f"{m_cv[key]:.3f}",
            f"{n_in[key]:.3f}",
            f"{n_cv[key]:.3f}",
            "model" if better_model else "numbers only",
        )
    con.print(t)
    rule = bt.campaign_rule.as_dict()
    con.print(
        "The model's ratios through the campaign's own unfitted rule (noisy ratio above "
        f"1): Brier {rule['brier']:.3f}, AUC {rule['auc']:.3f}, accuracy {rule['accuracy']:.3f}."
    )
    f = Table(title="Fitted link P(win) = 1/(1+exp(-(a + b ln ratio))), in sample")
    for name in ("", "intercept a", "slope b", "even odds at ratio"):
        f.add_column(name, justify="left" if not name else "right")
    for arm in (bt.model, bt.numbers):
        a, b = arm.link
        f.add_row(arm.name, f"{a:.2f}", f"{b:.2f}", f"{arm.r50:.2f}")
    a, b = DUPUY_LINK
    f.add_row("Dupuy Institute, force ratio", f"{a:.2f}", f"{b:.2f}", f"{math.exp(-a / b):.2f}")
    f.add_row("campaign rule (QJM P/P > 1)", "", "", "1.00")
    con.print(f)


# --------------------------------------------------------------------------- parser


def register(sub: Any) -> None:
    """Add batch, compare, whatif, sensitivity, engagements, plot and export to ``wargame``'s
    subparsers."""

    def add(name: str, func: Any, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    def scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "scenario",
            nargs="?",
            help=f"scenario file or bundled scenario name (default: {DEFAULT_SCENARIO})",
        )
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a scenario value for every run (repeatable)",
        )

    def run_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-n",
            "--runs",
            dest="n",
            type=runs_arg,
            required=True,
            metavar="N",
            help="campaigns to play (per arm)",
        )
        p.add_argument(
            "--seed",
            type=seed_arg,
            help="root seed; run i plays child i of SeedSequence(SEED) "
            "(default: a fresh one, printed)",
        )
        p.add_argument(
            "--workers",
            type=workers_arg,
            default=default_workers(),
            metavar="K",
            help="local worker processes (default: the CPUs available)",
        )
        p.add_argument(
            "--scheduler",
            metavar="tcp://HOST:8786",
            help="run on a Dask distributed cluster instead (extra 'distributed')",
        )
        p.add_argument(
            "--connect-timeout",
            type=float,
            default=5.0,
            metavar="SECONDS",
            help="give up on an unreachable --scheduler after this long (default 5)",
        )
        p.add_argument("--quiet", action="store_true", help="no progress display")

    def out_args(p: argparse.ArgumentParser, required: bool) -> None:
        p.add_argument("--out", required=required, metavar="DIR", help="output directory")
        p.add_argument(
            "--force",
            action="store_true",
            help="write into an output directory that already holds files",
        )

    p = add("batch", cmd_batch, "play a scenario many times on derived seeds and summarise")
    scenario_args(p)
    run_args(p)
    out_args(p, required=True)

    p = add("compare", cmd_compare, "set the historical record beside a batch's distribution")
    p.add_argument("dir", help="batch output directory (or its runs.csv)")
    p.add_argument(
        "--record", metavar="PATH", help="historical record TOML (default: the bundled one)"
    )
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")

    p = add("whatif", cmd_whatif, "run the baseline and what-if variants on paired seeds")
    scenario_args(p)
    run_args(p)
    p.add_argument("--variants", metavar="A,B", help="variants to run (default: all)")
    p.add_argument(
        "--variants-file", metavar="PATH", help="variants TOML (default: scenarios/variants.toml)"
    )
    out_args(p, required=False)

    p = add(
        "sensitivity",
        cmd_sensitivity,
        "rank parameters by their effect, one at a time at minus and plus X per cent, or by "
        "Sobol indices (--method sobol)",
    )
    scenario_args(p)
    run_args(p)
    p.add_argument(
        "--method",
        choices=("oat", "sobol"),
        default="oat",
        help="oat: one at a time (default, quick); sobol: first-order and total Sobol "
        "indices, N x (k + 2) campaigns for k parameters (-n N, a power of 2; needs the "
        "extra 'sensitivity')",
    )
    p.add_argument(
        "--params",
        metavar="KEY,KEY",
        help="parameters to sweep, e.g. params.combat.attacker_base_rate "
        "(default: every scalar float parameter)",
    )
    p.add_argument(
        "--delta",
        type=float,
        default=0.2,
        metavar="X",
        help="relative change, 0 < X < 1 (default 0.2: ±20 %%)",
    )
    p.add_argument(
        "--top", type=int, default=20, metavar="K", help="rows to print (default 20; 0: all)"
    )
    out_args(p, required=False)

    p = add(
        "engagements",
        cmd_engagements,
        "backtest the combat model on historical engagements (CDB90)",
    )
    p.add_argument(
        "csv", nargs="?", help="engagements file with the shipped columns (default: shipped)"
    )
    p.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help=f"scenario whose combat parameters to use (default: {DEFAULT_SCENARIO})",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, e.g. params.combat.ratio_exponent=0.6 (repeatable)",
    )
    p.add_argument("--since", type=int, metavar="YEAR", help="only engagements from YEAR on")
    p.add_argument("--json", metavar="OUT", help="write the cross-validated scores as JSON")
    p.add_argument("--plot", metavar="DIR", help="draw the reliability and casualty charts")
    p.add_argument("--force", action="store_true", help="draw over charts that already exist")

    p = add("plot", cmd_plot, "draw the campaign map from a turn log, or a batch's charts")
    p.add_argument("target", help="turn log (JSON Lines) or batch/what-if directory")
    p.add_argument(
        "--out",
        metavar="PATH",
        help="map.png for a log; a directory for a batch (default: the same one)",
    )
    p.add_argument(
        "--date", metavar="YYYY-MM-DD", help="a log's map shows this day (default: the last)"
    )
    p.add_argument(
        "--dates",
        metavar="D1,D2,...",
        help="a log's map shows the fronts on these dates in one picture",
    )
    p.add_argument(
        "--animate",
        metavar="CAMPAIGN.gif",
        help="an animated GIF of a log's campaign, one frame per day",
    )
    p.add_argument(
        "--force", action="store_true", help="draw over charts (or a map) that already exist"
    )
    p.add_argument(
        "--scenario",
        dest="scenario_file",
        metavar="FILE",
        help="a log's scenario file, where the log names one outside its folder",
    )

    p = add("export", cmd_export, "write a turn log's replay page: one self-contained HTML file")
    p.add_argument("log", help="turn log (JSON Lines)")
    p.add_argument("--html", required=True, metavar="GAME.html", help="the page to write")
    p.add_argument("--force", action="store_true", help="write over a page that exists")
    p.add_argument(
        "--scenario",
        dest="scenario_file",
        metavar="FILE",
        help="the log's scenario file, where the log names one outside its folder",
    )
