"""The ``wargame`` command line.

Exit statuses: 0 success; 1 verification failed or the simulation failed; 2 bad input or
usage; 130 interrupted. Every error is one line on stderr naming the file and the problem;
``--debug`` shows the traceback as well.

Heavy modules (the engine, pydantic, rich tables) are imported inside the commands that
need them, so ``--help``, ``--version`` and ``list`` start quickly.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import sys
import textwrap
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wargame import BUILD, interrupts
from wargame.bundled import DEFAULT_SCENARIO, SCENARIO_DIR
from wargame.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    RunFailed,
    UserError,
    VerificationError,
)
from wargame.formats import FORMATS, canonical_json, printable
from wargame.outputs import atomic_write, check_outputs, release_locks
from wargame.replay import PROGRAM, logged_commanders, replay_campaign, replay_to, version_note
from wargame.rules import IllegalOrderError
from wargame.seeds import fresh_seed, seed_arg
from wargame.session import (
    bundled_scenarios,
    content_of,
    load,
    log_scenario_path,
    program_files,
    resolve_scenario,
    scenario_ref,
)
from wargame.turnlog import (
    LogHeader,
    LogWriter,
    TurnLog,
    file_sha256,
    first_difference,
    footer_record,
    iter_lines,
    read_log,
)

if TYPE_CHECKING:
    from rich.console import Console

    from wargame.engine import Campaign
    from wargame.scenario import Scenario, Side

LIVE_DELAY_S = 0.08
PIPE_WIDTH = 10_000
"""Line width off a terminal (``COLUMNS`` overrides): wide enough that nothing wraps."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{self.prog}: {message}")


# --------------------------------------------------------------------------- helpers


def console_for(args: argparse.Namespace) -> Console:
    """The console for stdout (plain text when stdout is not a terminal)."""
    from wargame.formats import stdout_console

    con = stdout_console(highlight=False, soft_wrap=False)
    if not con.is_terminal and "COLUMNS" not in os.environ:
        con.width = PIPE_WIDTH  # a pipe or a file: no wrapping
    return con


def _date_to_day(log: TurnLog, text: str) -> int:
    """The day number of a date in a log (D+0, day 0, is the log's first date), checked to
    lie inside the log."""
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{log.path}: --date {text!r} is not a date (YYYY-MM-DD)") from None
    if not log.days:
        raise UserError(f"{log.path}: the log has no days")
    day = (date - dt.date.fromisoformat(log.days[0]["date"])).days
    return _day_in_log(log, day, f"--date {text}")


def _day_in_log(log: TurnLog, day: int, given: str | None = None) -> int:
    """``day`` if the log has it, else a UserError naming the dates the log covers."""
    last = len(log.days) - 1
    if not 0 <= day <= last:
        first, end = log.days[0]["date"], log.days[last]["date"]
        raise UserError(
            f"{log.path}: {given or f'--day {day}'} is outside the log, which "
            f"covers day 0 ({first}) to day {last} ({end})"
        )
    return day


def _silence_stdout() -> None:
    """After a closed pipe: send the rest of stdout to the null device."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


# --------------------------------------------------------------------------- validate / oob


def cmd_validate(args: argparse.Namespace) -> int:
    from wargame.forces import OrderOfBattle
    from wargame.scenario import Side

    path = resolve_scenario(args.scenario)
    scenario, _ = load(path, args.set)
    oob = OrderOfBattle.from_scenario(scenario)
    con = console_for(args)
    con.print(f"{path}: valid — {printable(scenario.meta.name)}", markup=False)
    con.print(f"  {scenario.meta.start_date} to {scenario.meta.end_date} ({scenario.days} days)")
    con.print(f"  {len(scenario.places)} places, {len(scenario.roads)} connections")
    for side in Side:
        units = oob.manoeuvre_units(side)
        men = sum(u.men for u in units)
        committed = sum(u.men for u in units if oob.effective_commitment(u).value == "committed")
        aircraft = sum(g.aircraft for g in scenario.air_groups if g.side == side)
        formations = sum(1 for f in oob.formations.values() if f.side == side)
        con.print(
            f"  {side}: {formations} formations, {len(units)} manoeuvre units, "
            f"{men:,} men ({committed:,} committed at the start), {aircraft} aircraft"
        )
    return EXIT_OK


def _where_placed(node: Any) -> str:
    """Where a manoeuvre unit starts, or when and where it arrives."""
    if node.location:
        return str(node.location)
    a = node.arrival
    return f"arrives day {a.day} at {a.place} by {a.mode}" if a is not None else ""


def _tree(node: Any, parent: Any) -> None:
    from rich.markup import escape

    from wargame.forces import ManoeuvreUnit

    def safe(text: str) -> str:
        return escape(printable(text))

    label = f"[bold]{safe(node.name)}[/]"
    if node.commander:
        label += f" — {safe(node.commander)}"
        if node.commander_alias:
            label += f" [dim]({safe(node.commander_alias)})[/]"
    label += f"  [cyan]{node.strength_men:,} men[/]"
    if isinstance(node, ManoeuvreUnit):
        label += f"  [dim]{safe(node.quality)}, {safe(_where_placed(node))}[/]"
    if node.commitment.value != "committed":
        label += f"  [yellow]{node.commitment}[/]"
    branch = parent.add(label)
    for s in node.subordinates:
        _tree(s, branch)


OOB_COLUMNS = (
    "side",
    "id",
    "parent",
    "echelon",
    "name",
    "commander",
    "commander_alias",
    "men",
    "quality",
    "commitment",
    "column",
    "location",
)


def cmd_oob(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.tree import Tree

    from wargame import formats
    from wargame.forces import ManoeuvreUnit, OrderOfBattle
    from wargame.scenario import Side

    path = resolve_scenario(args.scenario)
    scenario, _ = load(path, args.set)
    oob = OrderOfBattle.from_scenario(scenario)
    con = console_for(args)
    if args.format != "table":
        rows = []
        for side in Side:
            for root in oob.roots(side):
                for f in root.walk():
                    unit = f if isinstance(f, ManoeuvreUnit) else None
                    rows.append(
                        (
                            str(side),
                            f.id,
                            f.parent.id if f.parent else None,
                            str(f.echelon),
                            f.name,
                            f.commander,
                            f.commander_alias,
                            f.strength_men,
                            f.quality,
                            str(f.commitment),
                            unit.column if unit else None,
                            _where_placed(unit) if unit else None,
                        )
                    )
        formats.write(
            con, args.format, OOB_COLUMNS, rows, f"Order of battle of {scenario.meta.name}"
        )
        return EXIT_OK
    for side in Side:
        tree = Tree(
            f"[bold]{escape(printable(getattr(scenario.sides, side.value).name))}[/]"
            f" — {oob.men(side):,} men"
        )
        for root in oob.roots(side):
            _tree(root, tree)
        con.print(tree)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from wargame.scenario import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    from wargame import formats
    from wargame.params import iter_params

    path = resolve_scenario(args.scenario)
    scenario, _ = load(path, args.set)
    con = console_for(args)
    formats.write(
        con,
        args.format,
        ("key", "value", "source"),
        iter_params(scenario.params),
        f"Model parameters of {scenario.meta.name}",
    )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    for p in bundled_scenarios():
        try:
            meta = tomllib.loads(p.read_text(encoding="utf-8")).get("meta", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            print(f"{p.stem:<18} (unreadable: run 'wargame validate {p.stem}')")
            continue
        default = "  [default]" if p.stem == DEFAULT_SCENARIO else ""
        print(f"{p.stem:<18} {printable(str(meta.get('name', '')))}{default}")
        if meta.get("description"):
            print(
                textwrap.fill(
                    printable(str(meta["description"])),
                    96,
                    initial_indent=" " * 19,
                    subsequent_indent=" " * 19,
                )
            )
    print(f"(from {SCENARIO_DIR}; copy one to edit it, then 'wargame run FILE.toml')")
    return EXIT_OK


# --------------------------------------------------------------------------- run


def _branch_from(args: argparse.Namespace) -> tuple[Path, TurnLog, int]:
    """Read and check the parent log of ``run --from``; return scenario path, log, day."""
    log = read_log(args.from_log)
    if log.header.branch is not None:
        raise UserError(
            f"{args.from_log}: is itself a branch; branch from its parent log "
            f"{log.header.branch.get('from_log', '')}".rstrip()
        )
    path = resolve_scenario(args.scenario) if args.scenario else log_scenario_path(log)
    name, digest = content_of(path)
    if digest != log.header.scenario_sha256:
        if name != log.header.scenario_name:
            raise UserError(
                f"{args.from_log}: a log of scenario {log.header.scenario_name!r}, "
                f"not of {path} ({name!r})"
            )
        raise UserError(
            f"{args.from_log}: the scenario file {path} has changed since the log "
            f"was written (SHA-256 of its content differs)"
        )
    if args.day is None and args.date is None:
        raise UserError(f"{args.from_log}: run --from needs --day N or --date YYYY-MM-DD")
    if args.seed is not None:
        raise UserError(
            f"{args.from_log}: run --from takes the seed from the log; do not give --seed"
        )
    if not log.days:
        raise UserError(f"{args.from_log}: the log has no days")
    day = _day_in_log(log, args.day) if args.day is not None else _date_to_day(log, args.date)
    return path, log, day


def _check_outputs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The output options of ``run`` (checked against the inputs by :func:`_claim_outputs`
    once the plan is known)."""
    outputs = [
        (opt, p)
        for opt, p in (("--log", args.log), ("--summary", args.summary), ("--export", args.export))
        if p
    ]
    if args.export and Path(args.export).suffix.lower() not in (".html", ".svg", ".txt"):
        raise UserError(f"{args.export}: --export must end in .html, .svg or .txt")
    if args.delay is not None and not 0 <= args.delay <= 60:
        raise UserError(f"run: --delay {args.delay}: must be between 0 and 60 seconds")
    return outputs


def _claim_outputs(
    outputs: list[tuple[str, str]], inputs: list[tuple[str, str | Path | None]]
) -> None:
    """One policy for every command's outputs (see :mod:`wargame.outputs`): none may be an
    input, a bundled file or another output, nor a special file; each is locked."""
    given = [(what, p) for what, p in inputs if p]
    check_outputs(outputs, [*given, *program_files()])


@dataclass
class _Plan:
    """Everything ``run`` needs before the first day: scenario, seed, overrides, branch."""

    path: Path
    scenario: Scenario
    digest: str
    seed: int
    overrides: list[str]
    branch: tuple[int, Scenario] | None = None
    branch_info: dict[str, Any] | None = None
    parent: TurnLog | None = None


def _plan(args: argparse.Namespace) -> _Plan:
    if not args.from_log:
        if args.day is not None or args.date is not None:
            raise UserError("run: --day/--date only make sense with --from LOG")
        path = resolve_scenario(args.scenario)
        scenario, digest = load(path, args.set)
        seed = args.seed if args.seed is not None else fresh_seed()
        return _Plan(path, scenario, digest, seed, list(args.set))
    path, parent, bday = _branch_from(args)
    overrides = list(parent.header.overrides)
    scenario, digest = load(path, overrides)
    branched, _ = load(path, [*overrides, *args.set])
    info = {
        "day": bday,
        "date": parent.days[bday]["date"],
        "overrides": list(args.set),
        "from_log": str(args.from_log),
        "from_log_sha256": file_sha256(args.from_log),
    }
    return _Plan(
        path, scenario, digest, parent.header.seed, overrides, (bday, branched), info, parent
    )


def cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from wargame import report
    from wargame.engine import Campaign

    outputs = _check_outputs(args)
    plan = _plan(args)
    _claim_outputs(outputs, [("scenario", plan.path), ("log given to --from", args.from_log)])
    commanders = None
    if plan.parent is not None and plan.branch is not None:
        commanders = logged_commanders(plan.parent, until=plan.branch[0])
    campaign = Campaign(plan.scenario, plan.seed, branch=plan.branch, commanders=commanders)
    con = console_for(args)
    err = Console(stderr=True, highlight=False)
    if args.seed is None and plan.parent is None and not args.quiet:
        err.print(f"seed: {plan.seed}")
    records: list[dict[str, Any]] = []
    campaign.callbacks.append(lambda c, r: records.append(r))
    if plan.parent is not None and plan.branch is not None:
        campaign.callbacks.append(_replay_check(plan.parent, plan.branch[0], "branch from"))
    writer = None
    if args.log:
        writer = LogWriter(
            args.log,
            LogHeader(
                scenario_path=scenario_ref(plan.path, args.log),
                scenario_name=plan.scenario.meta.name,
                scenario_sha256=plan.digest,
                seed=plan.seed,
                overrides=plan.overrides,
                branch=plan.branch_info,
            ),
        )
        campaign.callbacks.append(lambda c, r: writer.day(r))
    t0 = time.perf_counter()
    status = _play(args, campaign, con, writer)
    if status is not None:
        return status
    summary = campaign.summary().to_dict()
    elapsed = time.perf_counter() - t0
    if writer is not None:
        writer.finish(summary)
    if args.summary:
        atomic_write(Path(args.summary), json.dumps(summary, indent=2) + "\n")
    final = report.final_report(campaign.world, summary, records, rerun=_rerun_command(args, plan))
    if args.quiet:
        c = summary["casualties"]
        print(
            f"{summary['scenario']} seed {plan.seed}: {summary['outcome']} on "
            f"{summary['end_date']}; closest approach {summary['closest_approach_km']} km; "
            f"casualties Japanese {c['japanese']['total']:,}, Chinese "
            f"{c['chinese']['total']:,}"
        )
    else:
        con.print(final)
        err.print(f"[dim]{summary['days']} days in {elapsed:.2f} s[/]")
    if args.export:
        _export(final, Path(args.export), plan.scenario.meta.name)
    parent = plan.parent
    if (
        parent is not None
        and len(records) == len(parent.days)
        and all({"type": "day", **r} == p for r, p in zip(records, parent.days, strict=True))
    ):
        print(
            f"wargame: note: the branch is identical to {args.from_log}: the --set values "
            f"changed nothing (values read only at the start, such as "
            f"units.*.strength_men, have no effect in a branch)",
            file=sys.stderr,
        )
    return EXIT_OK


def _rerun_command(args: argparse.Namespace, plan: _Plan) -> str:
    """The command line that plays this campaign again, day for day."""
    import shlex

    if plan.parent is not None:
        when = f"--day {args.day}" if args.day is not None else f"--date {args.date}"
        parts = ["wargame", "run", "--from", str(args.from_log), *when.split()]
        sets = list(args.set)
    else:
        bundled = plan.path.resolve().parent == SCENARIO_DIR
        parts = [
            "wargame",
            "run",
            plan.path.stem if bundled else str(plan.path),
            "--seed",
            str(plan.seed),
        ]
        sets = plan.overrides
    for o in sets:
        parts += ["--set", o]
    return printable(shlex.join(parts))


def _play(
    args: argparse.Namespace, campaign: Campaign, con: Console, writer: LogWriter | None
) -> int | None:
    """Play the campaign live, plain or quiet; an exit status if it did not finish.

    Ctrl-C keeps the log marked incomplete (exit 130); a failure of the simulation keeps it
    marked incomplete too (exit 1); bad input found on the way drops it (exit 1 or 2).
    """
    try:
        if con.is_terminal and not args.quiet and not args.plain:
            _run_live(campaign, con, LIVE_DELAY_S if args.delay is None else args.delay)
        else:
            if not args.quiet or args.delay:
                campaign.callbacks.append(_plain_printer(args.delay or 0.0, args.quiet))
            campaign.run()
    except KeyboardInterrupt:
        kept = ""
        if writer is not None:
            writer.finish(None, complete=False, reason="interrupted")
            kept = f"; {args.log} kept with {len(writer.days)} days, marked incomplete"
        print(f"wargame: interrupted on day {campaign.state.day}{kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UserError, VerificationError):
        if writer is not None:
            writer.abort()
        raise
    except Exception as exc:
        if getattr(args, "debug", False):
            _close_failed(writer, exc)
            raise
        return _simulation_failed(args, campaign, writer, exc)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return None


def _replay_check(
    log: TurnLog, until: int, action: str
) -> Callable[[Campaign, dict[str, Any]], None]:
    """A day callback: before day ``until`` a branch or a resumed game must repeat the
    log's days exactly (``action`` names what fails otherwise: "branch from", "resume")."""

    def check(c: Campaign, record: dict[str, Any]) -> None:
        d = record["day"]
        if d < until and record["hash"] != log.days[d]["hash"]:
            what = first_difference(
                log.days[d], {"type": "day", **record}, labels=("log ", "re-run ")
            )
            raise VerificationError(
                f"{log.path}: day {d} does not replay as logged ({what}); cannot {action} it"
            )

    return check


def _plain_printer(delay: float, quiet: bool) -> Callable[[Campaign, dict[str, Any]], None]:
    """A day callback printing one plain line per day; a closed pipe stops the printing."""
    from wargame import report

    out = {"open": not quiet}

    def show(c: Campaign, record: dict[str, Any]) -> None:
        if out["open"]:
            try:
                print(report.event_line(record), flush=True)
            except BrokenPipeError:
                out["open"] = False
                _silence_stdout()
        if delay:
            time.sleep(delay)

    return show


def _close_failed(writer: LogWriter | None, exc: BaseException) -> bool:
    """Keep the log of a failed run, marked incomplete; True if it was kept."""
    if writer is None:
        return False
    try:
        writer.finish(
            None,
            complete=False,
            reason=textwrap.shorten(f"failed: {type(exc).__name__}: {exc}", 200),
        )
    except (OSError, UserError):
        writer.abort()
        return False
    return True


def _simulation_failed(
    args: argparse.Namespace, campaign: Campaign, writer: LogWriter | None, exc: Exception
) -> int:
    kept = _close_failed(writer, exc)
    note = f"; {args.log} kept, marked incomplete" if kept else ""
    msg = textwrap.shorten(f"{type(exc).__name__}: {exc}", 200)
    print(
        f"wargame: the simulation failed on day {campaign.state.day}: {msg}{note} "
        f"(run with --debug for a traceback)",
        file=sys.stderr,
    )
    return EXIT_FAILED


def _export(renderable: Any, path: Path, title: str) -> None:
    from rich.console import Console

    rec = Console(record=True, width=110, file=io.StringIO(), highlight=False)
    rec.print(renderable)
    suffix = path.suffix.lower()
    text = (
        rec.export_html()
        if suffix == ".html"
        else rec.export_svg(title=title)
        if suffix == ".svg"
        else rec.export_text()
    )
    atomic_write(path, text)


def _run_live(campaign: Campaign, con: Console, delay: float) -> None:
    from rich.live import Live
    from rich.progress import BarColumn, Progress, TextColumn

    from wargame import report

    days = campaign.world.scenario.days
    progress = Progress(
        TextColumn("campaign"),
        BarColumn(bar_width=30),
        TextColumn("{task.completed:.0f} of {task.total:.0f} days played"),
        console=con,
    )
    task = progress.add_task("campaign", total=days)
    reach = report.ColumnReach()
    with Live(console=con, auto_refresh=False, transient=False, vertical_overflow="crop") as live:

        def show(c: Campaign, record: dict[str, Any]) -> None:
            reach.update(c.world, c.state, record["date"])
            progress.update(task, completed=record["day"] + 1)
            live.update(
                report.situation(
                    c.world,
                    c.state,
                    record,
                    con.width,
                    con.height - 1,
                    progress=progress,
                    reach=reach,
                ),
                refresh=True,
            )
            if delay > 0:
                time.sleep(delay)

        campaign.callbacks.append(show)
        campaign.run()


# --------------------------------------------------------------------------- play


def cmd_play(args: argparse.Namespace) -> int:
    """Play a side (or both) day by day; see :mod:`wargame.play`."""
    from rich.console import Console

    from wargame import play, report
    from wargame.commanders import Logged, staff
    from wargame.engine import Campaign
    from wargame.scenario import Side

    con = console_for(args)
    err = Console(stderr=True, highlight=False)
    terminal = sys.stdin.isatty()
    source = play.Input(None if terminal else play.stdin_lines())
    played: dict[Side, list[Any]] = {side: [] for side in Side}
    resumed = None
    if args.resume:
        if args.scenario or args.seed is not None or args.set:
            raise UserError(
                "play: --resume takes the scenario, seed and --set values from the"
                " saved game; give none of them"
            )
        resumed = read_log(args.resume)
        if resumed.complete:
            raise UserError(
                f"{args.resume}: the game is over (the log is complete); "
                f"see it with wargame replay {args.resume}"
            )
        people, to_move, pending = play.resume_record(resumed)
        pbem = bool(((resumed.footer or {}).get("play") or {}).get("pbem"))
        here = args.side or ({to_move} if pbem and to_move else people or {Side.CHINESE})
        people |= here
        for side in Side:
            played[side] = resumed.decisions(str(side))
            if str(side) in pending:
                played[side].append(pending[str(side)])
        log_path = args.log or args.resume
        header = resumed.header
    else:
        if not args.side:
            raise UserError(
                "play: choose a side: --side chinese, --side japanese or --side both (hot-seat)"
            )
        here = args.side
        pbem = bool(args.pbem)
        people = set(Side) if pbem else set(here)
        if pbem and not args.log:
            raise UserError("play: --pbem needs --log PATH, the file the players send on")
        path = resolve_scenario(args.scenario)
        scenario, digest = load(path, args.set)
        seed = args.seed if args.seed is not None else fresh_seed()
        log_path = args.log
        header = None
    if log_path:
        inputs: list[tuple[str, str | Path | None]] = [
            ("orders file", o) for o in args.orders or []
        ]
        if resumed is None:
            inputs.append(("scenario", path))
        else:
            inputs.append(("scenario", log_scenario_path(resumed)))
            if log_path != args.resume:  # --resume LOG alone saves into LOG: meant
                inputs.append(("log given to --resume", args.resume))
        _claim_outputs([("--log", log_path)], inputs)
    session = play.Session(people, set(here), source, con, err)
    campaign: Campaign
    if resumed is not None:
        campaign = replay_campaign(resumed)
    else:
        campaign = Campaign(scenario, seed)
        header = LogHeader(
            scenario_path=scenario_ref(path, log_path) if log_path else path.stem,
            scenario_name=scenario.meta.name,
            scenario_sha256=digest,
            seed=seed,
            overrides=list(args.set),
        )
        if args.seed is None:
            err.print(f"seed: {seed}")
    orders: dict[Side, Any] = {}
    for file in args.orders or []:
        side, by_day = play.load_orders(Path(file), campaign.world)
        orders[side] = play.FileOrders(side, Path(file), by_day, staff(side))
    campaign.commanders.update(play.commanders_for(session, campaign.world, orders, played))
    for side, fo in orders.items():  # a person's staff proposes the file's orders
        cmd = campaign.commanders[side]
        if side in here:
            inner = cmd.inner if isinstance(cmd, play.Recounted) else cmd
            inner = inner.fallback if isinstance(inner, Logged) else inner
            inner.staff = fo  # type: ignore[attr-defined]
    assert header is not None
    writer = LogWriter(log_path, header) if log_path else None
    records: list[dict[str, Any]] = []
    campaign.callbacks.append(lambda c, r: records.append(r))
    if resumed is not None:
        campaign.callbacks.append(_replay_check(resumed, len(resumed.days), "resume"))
    if writer is not None:
        campaign.callbacks.append(lambda c, r: writer.day(r))
    campaign.callbacks.append(lambda c, r: session.day_done(r))
    if not args.quiet:
        campaign.callbacks.append(_plain_printer(0.0, False))

    def play_record(to_move: Side) -> dict[str, Any]:
        return {
            "people": sorted(str(p) for p in people),
            "pbem": pbem,
            "to_move": str(to_move),
            "pending": dict(session.pending),
        }

    def save(stop: play.StopPlay | None) -> None:
        if writer is None:
            err.print("wargame: no --log was given: the game is not saved", markup=False)
            return
        if stop is None:
            to_move = next(iter(sorted(here)))
            footer = footer_record(
                writer.days, None, complete=False, reason="saved", play=play_record(to_move)
            )
            lines = iter_lines(header, writer.days, footer)
            atomic_write(Path(writer.path), "\n".join(lines) + "\n")
            err.print(f"saved: {writer.path} ({len(writer.days)} days)", markup=False)
            return
        writer.finish(None, complete=False, reason="saved", play=play_record(stop.to_move))

    session.save = save
    if terminal:
        source.enable_completion()
    try:
        campaign.run()
    except (play.StopPlay, KeyboardInterrupt) as exc:
        stop = (
            exc
            if isinstance(exc, play.StopPlay)
            else play.StopPlay("interrupted", next(iter(sorted(here))))
        )
        save(stop)
        day = campaign.state.day
        if writer is None:
            print(
                f"wargame: {stop.reason} on D+{day}; the game was not saved (no --log)",
                file=sys.stderr,
            )
        elif stop.reason == "the other side's turn":
            print(
                f"wargame: D+{day}: the {stop.to_move} side is to move; {writer.path} is "
                f"saved: send it on, and they play with: wargame play --resume "
                f"{writer.path}",
                file=sys.stderr,
            )
        else:
            print(
                f"wargame: {stop.reason} on D+{day}; {writer.path} saved with "
                f"{len(writer.days)} days: go on with: wargame play --resume {writer.path}",
                file=sys.stderr,
            )
        return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else EXIT_OK
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    summary = campaign.summary().to_dict()
    if writer is not None:
        writer.finish(summary)
    if args.quiet:
        print(
            f"{summary['scenario']} seed {campaign.seed}: {summary['outcome']} on "
            f"{summary['end_date']}"
        )
    else:
        rerun = f"wargame replay {log_path} --step" if log_path else None
        con.print(report.final_report(campaign.world, summary, records, rerun=rerun))
    lines = play.differed_lines(campaign.world, session.differed)
    if session.people:
        con.print(f"Days on which the orders differed from the staff's: {len(lines)}", markup=False)
    for line in lines:
        con.print(f"  {line}", markup=False)
    return EXIT_OK


def _sides_arg(text: str) -> set[Side]:
    from wargame.play import sides_arg

    return sides_arg(text)


# --------------------------------------------------------------------------- logs


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def cmd_replay(args: argparse.Namespace) -> int:
    from wargame import report

    log = read_log(args.log)
    log.scenario_file = args.scenario_file
    if args.step and not _interactive():
        raise UserError(
            f"{args.log}: replay --step needs an interactive terminal "
            f"(use --day N or --date YYYY-MM-DD)"
        )
    last = len(log.days) - 1
    if last < 0:
        raise UserError(f"{args.log}: the log has no days to replay")
    campaign = replay_campaign(log)
    if args.date is not None:
        day = _date_to_day(log, args.date)
    else:
        day = _day_in_log(log, args.day) if args.day is not None else (0 if args.step else last)
    con = console_for(args)
    if args.step:
        return _step(log, day, con)
    reach = report.ColumnReach()
    replay_to(campaign, log, day, reach)
    con.print(
        report.situation(
            campaign.world, campaign.state, log.days[day], min(con.width, 160), reach=reach
        )
    )
    if day == last and not log.complete:
        con.print(
            f"[dim]{args.log}: the log ends here, marked incomplete "
            f"({(log.footer or {}).get('reason', 'no footer')})[/]"
        )
    return EXIT_OK


def read_key(prompt: str) -> str:
    """One key press at the terminal (Enter is ``"\\n"``); a whole line where there is no
    termios. Ctrl-D gives ``"q"``."""
    print(prompt, end="", flush=True)
    try:
        import termios
        import tty
    except ImportError:
        try:
            line = input()
        except EOFError:
            return "q"
        return line[:1] or "\n"
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        ch = sys.stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
    print()
    return "q" if ch in ("", "\x04") else "\n" if ch == "\r" else ch


STEP_KEYS = "[Enter] next day  [b] back  [q] quit"


def _step(log: TurnLog, day: int, con: Console) -> int:
    """Walk the log day by day: Enter next, b back, q quit."""
    from wargame import report

    last = len(log.days) - 1
    campaign, shown, reach = replay_campaign(log), -1, report.ColumnReach()
    while True:
        if day <= shown:  # going back: play again from the start
            campaign, shown, reach = replay_campaign(log), -1, report.ColumnReach()
        replay_to(campaign, log, day, reach)
        shown = day
        con.clear()
        con.print(
            report.situation(
                campaign.world,
                campaign.state,
                log.days[day],
                con.width,
                con.height - 2,
                reach=reach,
            )
        )
        while True:
            key = read_key(STEP_KEYS + (" (last day)" if day == last else "") + " > ").lower()
            if key == "q":
                return EXIT_OK
            if key == "b" and day > 0:
                day -= 1
                break
            if key in ("\n", " ") and day < last:
                day += 1
                break


BRANCH_KEYS = frozenset({"day", "date", "overrides", "from_log", "from_log_sha256"})
FOOTER_REASONS = ("interrupted", "saved")


def _expected_header(log: TurnLog) -> dict[str, Any]:
    """The header this program writes for the log's campaign: every field recomputed from
    the scenario file, or checked against the strict form of a branch record."""
    h = log.header
    path = log_scenario_path(log)
    ref = scenario_ref(path, log.path) if log.scenario_file is None else h.scenario_path
    base, _ = load(path, h.overrides)
    branch = h.branch
    if branch is not None:
        day = branch["day"]
        problem = None
        if set(branch) != BRANCH_KEYS:
            problem = f"its keys are {sorted(branch)}, not {sorted(BRANCH_KEYS)}"
        elif not (
            isinstance(branch["overrides"], list)
            and all(isinstance(o, str) for o in branch["overrides"])
        ):
            problem = "'overrides' is not a list of strings"
        elif not isinstance(branch["from_log"], str) or not branch["from_log"]:
            problem = "'from_log' is not a file name"
        elif not (
            isinstance(branch["from_log_sha256"], str)
            and len(branch["from_log_sha256"]) == 64
            and all(c in "0123456789abcdef" for c in branch["from_log_sha256"])
        ):
            problem = "'from_log_sha256' is not a SHA-256"
        elif not (day < len(log.days) and branch["date"] == log.days[day]["date"]):
            problem = f"its date {branch['date']!r} is not the date of day {day} in the log"
        else:
            problem = _check_parent(log, branch["from_log"], branch["from_log_sha256"])
        if problem:
            raise VerificationError(f"{log.path}: line 1: the branch record: {problem}")
    expected = LogHeader(
        scenario_path=ref,
        scenario_name=base.meta.name,
        scenario_sha256=h.scenario_sha256,
        seed=h.seed,
        overrides=h.overrides,
        branch=branch,
        program=PROGRAM,
    )
    return expected.to_dict()


def _check_parent(log: TurnLog, from_log: str, sha256: str) -> str | None:
    """A branch's parent log, found as recorded (from the folder the branch was run in) or
    beside the branch by name, must be the file whose SHA-256 the branch recorded."""
    for candidate in (Path(from_log), Path(log.path).parent / Path(from_log).name):
        try:
            if candidate.is_file():
                if file_sha256(candidate) == sha256:
                    return None
                return f"its parent {from_log} is not the file it was branched from (SHA-256)"
        except OSError:
            continue
    return (
        f"its parent log {from_log} is not found (verify the branch where its parent is, "
        f"so the branch record can be checked)"
    )


def _check_footer_fields(log: TurnLog) -> None:
    """What a footer holds beyond the recomputed fields: its reason and a saved game."""
    footer = log.footer
    if footer is None:
        return
    reason = footer.get("reason")
    if log.complete and "reason" in footer:
        raise VerificationError(f"{log.path}: the footer of a complete log has a reason")
    if not log.complete and not (
        reason in FOOTER_REASONS
        or (isinstance(reason, str) and reason.startswith("failed: ") and len(reason) <= 200)
    ):
        raise VerificationError(
            f"{log.path}: the footer's reason {_short_value(reason)} is not one this program "
            f"writes ({', '.join(FOOTER_REASONS)}, or failed: ...)"
        )
    play = footer.get("play")
    if play is not None and not (
        reason == "saved"
        and isinstance(play, dict)
        and set(play) == {"people", "pbem", "to_move", "pending"}
        and isinstance(play["people"], list)
        and all(p in ("japanese", "chinese") for p in play["people"])
        and isinstance(play["pbem"], bool)
        and play["to_move"] in ("japanese", "chinese")
        and isinstance(play["pending"], dict)
        and set(play["pending"]) <= {"japanese", "chinese"}
    ):
        raise VerificationError(f"{log.path}: the footer's saved game ('play') is malformed")


def _short_value(v: Any) -> str:
    text = printable(json.dumps(v, ensure_ascii=False))
    return text if len(text) <= 60 else text[:59] + "…"


def cmd_verify(args: argparse.Namespace) -> int:
    log = read_log(args.log)
    log.scenario_file = args.scenario_file
    campaign = replay_campaign(log)
    head = _expected_header(log)
    if log.lines[0] != canonical_json(head):
        what = first_difference(json.loads(log.lines[0]), head, labels=("log ", "expected "))
        raise VerificationError(
            f"{args.log}: line 1: the header is not what this program writes for the "
            f"campaign: {what}"
        )
    _check_footer_fields(log)
    produced: list[dict[str, Any]] = []
    campaign.callbacks.append(lambda c, r: produced.append({"type": "day", **r}))
    n = len(log.days)
    try:
        if log.complete:
            campaign.run()
        elif n:
            campaign.run(until_day=n - 1)
    except IllegalOrderError as exc:
        d = campaign.state.day
        raise VerificationError(
            f"{args.log}: day {d} ({log.days[d]['date'] if d < n else '?'})"
            f" holds an order the rules refuse: {exc}"
        ) from None
    footer = None
    if log.footer is not None:
        summary = campaign.summary().to_dict() if log.complete else None
        footer = footer_record(
            produced,
            summary,
            complete=log.complete,
            reason=log.footer.get("reason"),
            play=log.footer.get("play"),
        )
    expected = list(iter_lines(log.header, produced, footer))
    note = version_note(log)
    if log.lines[0] != expected[0]:
        raise VerificationError(f"{args.log}: line 1: the header is not in canonical form")
    for d in range(min(n, len(produced))):
        if log.lines[d + 1] != expected[d + 1]:
            what = first_difference(log.days[d], produced[d], labels=("log ", "re-run "))
            raise VerificationError(
                f"{args.log}: day {d} ({log.days[d]['date']}) differs from the re-run: {what}{note}"
            )
    if len(produced) != n:
        raise VerificationError(
            f"{args.log}: the log has {n} days, the re-run {len(produced)}{note}"
        )
    if log.footer is not None and log.lines[-1] != expected[-1]:
        what = first_difference(log.footer, footer or {}, labels=("log ", "re-run "))
        raise VerificationError(f"{args.log}: the footer differs from the re-run: {what}")
    if log.footer is None:
        print(
            f"{args.log}: the log has no footer: incomplete (its {n} days verified; it ends "
            f"without the line a finished or interrupted run writes)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    status = "" if log.complete else " (log marked incomplete)"
    print(f"verified {n} days{status}")
    return EXIT_OK


def _describe(label: str, path: str, log: TurnLog) -> str:
    h = log.header
    state = "complete" if log.complete else "incomplete"
    text = f"{label} {path}: {h.scenario_name}, seed {h.seed}, {len(log.days)} days, {state}" + (
        f", --set {' '.join(h.overrides)}" if h.overrides else ""
    )
    if h.branch is not None:
        sets = " ".join(h.branch.get("overrides", [])) or "no changes"
        text += (
            f"; branched from {h.branch.get('from_log')} on day {h.branch['day']} "
            f"({h.branch.get('date', '?')}) with {sets}"
        )
    return text


def _outcome(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    """A summary without the digest of the (possibly branched) scenario."""
    if not summary:
        return None
    return {k: v for k, v in summary.items() if k != "scenario_sha256"}


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)


def _delta(a: Any, b: Any) -> str:
    if (
        isinstance(a, bool)
        or isinstance(b, bool)
        or not (isinstance(a, int | float) and isinstance(b, int | float))
    ):
        return "" if a == b else "changed"
    return f"{b - a:+,}" if isinstance(a, int) and isinstance(b, int) else f"{b - a:+,.1f}"


OUTCOME_ROWS = (
    "outcome",
    "end_date",
    "days",
    "zhijiang_captured_date",
    "closest_approach_km",
    "offensive_culminated_date",
    "counteroffensive_date",
)


def cmd_diff(args: argparse.Namespace) -> int:
    from rich.table import Table

    a, b = read_log(args.log_a), read_log(args.log_b)
    con = console_for(args)
    print(_describe("A", args.log_a, a))
    print(_describe("B", args.log_b, b))
    ha, hb = a.header.to_dict(), b.header.to_dict()
    for h in (ha, hb):
        h.pop("branch")
    if ha != hb:
        print(f"headers differ: {first_difference(ha, hb, labels=('A ', 'B '))}")
    first = next(((da, db) for da, db in zip(a.days, b.days, strict=False) if da != db), None)
    sa = _outcome((a.footer or {}).get("summary"))
    sb = _outcome((b.footer or {}).get("summary"))
    if first is None and len(a.days) == len(b.days) and sa == sb:
        print(f"identical: {len(a.days)} days" + (", same outcome" if sa else ""))
        return EXIT_OK
    if first is not None:
        da, db = first
        print(
            f"first difference on day {da['day']} ({da['date']}): "
            f"{first_difference(da, db, labels=('A ', 'B '), limit=4)}"
        )
    else:
        print(
            f"the first {min(len(a.days), len(b.days))} days are identical; the logs have "
            f"{len(a.days)} and {len(b.days)} days"
        )
    if not (sa and sb):
        which = " and ".join(x for x, s in (("A", sa), ("B", sb)) if not s)
        print(f"no outcomes to compare: {which} incomplete")
        return EXIT_OK
    changed = [k for k in OUTCOME_ROWS if sa.get(k) != sb.get(k)]
    print(
        "outcomes differ in " + ", ".join(changed)
        if changed
        else "same outcome, different casualties"
        if sa != sb
        else "same outcome"
    )
    t = Table(title="Outcomes")
    t.add_column("")
    t.add_column(f"A {Path(args.log_a).name}")
    t.add_column(f"B {Path(args.log_b).name}")
    t.add_column("B − A", justify="right")
    rows = [(k.replace("_", " "), sa.get(k), sb.get(k)) for k in OUTCOME_ROWS]
    for side in ("japanese", "chinese"):
        for cat in ("killed", "wounded", "captured", "disease", "total"):
            rows.append((f"{side} {cat}", sa["casualties"][side][cat], sb["casualties"][side][cat]))
        rows.append(
            (
                f"{side} men at end",
                sa.get("men_at_end", {}).get(side),
                sb.get("men_at_end", {}).get(side),
            )
        )
    for name, va, vb in rows:
        t.add_row(name, _cell(va), _cell(vb), _delta(va, vb))
    con.print(t)
    return EXIT_OK


# --------------------------------------------------------------------------- parser


EXAMPLES = {
    "run": """examples:
  wargame run                                   # the West Hunan campaign, fresh seed
  wargame run west_hunan_1945 --seed 1 --log west.jsonl --summary west.json
  wargame run tutorial --seed 7 --quiet
  wargame run --seed 1 --set units.new6_14div.strength_men=4000 --export report.html
  wargame run --from west.jsonl --date 1945-05-01 --set params.ambush.surprise_factor=1.0 \\
              --log branch.jsonl              # a what-if branched from a recorded campaign""",
    "validate": """examples:
  wargame validate scenarios/west_hunan_1945.toml
  wargame validate tutorial --set units.def_10div.strength_men=9000""",
    "oob": "examples:\n  wargame oob west_hunan_1945\n  wargame oob --format csv > oob.csv",
    "replay": """examples:
  wargame replay west.jsonl --day 30            # day 0 is the start date
  wargame replay west.jsonl --date 1945-05-01
  wargame replay west.jsonl --step              # Enter: next day, b: back, q: quit""",
    "play": """examples:
  wargame play --side chinese --seed 1 --log game.jsonl      # you command the Chinese
  wargame play --side both --log game.jsonl                  # hot-seat: two people
  yes end | wargame play --side japanese --seed 1            # the staff's orders every day
  wargame play --side chinese --orders my_orders.toml --log game.jsonl < /dev/null
  wargame play --side japanese --pbem --log game.jsonl       # by e-mail: plays your turn
  wargame play --resume game.jsonl                           # go on with a saved game""",
    "verify": "example:\n  wargame verify west.jsonl         # exit 0: verified; 1: differs",
    "diff": "example:\n  wargame diff west.jsonl branch.jsonl",
    "schema": "example:\n  wargame schema > scenario.schema.json",
    "list": "example:\n  wargame list",
    "params": """examples:
  wargame params tutorial --set params.ambush.surprise_factor=1.0
  wargame params --format markdown > PARAMETERS.md""",
}


def build_parser() -> ArgumentParser:
    """The parser of every subcommand (plus those the analysis package registers)."""
    parser = ArgumentParser(
        prog="wargame",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="West Hunan 1945: an operational wargame of the Zhijiang Campaign.",
        epilog="Run 'wargame COMMAND --help' for examples. Exit status: 0 ok, 1 verification "
        "or simulation failed, 2 bad input, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"{PROGRAM} ({BUILD})")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    common = ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)

    def add(name: str, func: Any, help_: str) -> ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=EXAMPLES.get(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )
        p.set_defaults(func=func)
        return p

    def scenario_args(p: ArgumentParser, optional: bool = False) -> None:
        p.add_argument(
            "scenario",
            nargs="?" if optional else None,
            help="scenario file or bundled scenario name"
            + (f" (default: {DEFAULT_SCENARIO})" if optional else ""),
        )
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a scenario value, e.g. units.new6_14div.strength_men=5000 (repeatable)",
        )

    p = add("run", cmd_run, "play a campaign day by day and report the result")
    scenario_args(p, optional=True)
    p.add_argument(
        "--seed", type=seed_arg, help="random seed, 0 to 2**63 - 1 (default: a fresh one, printed)"
    )
    p.add_argument("--log", metavar="PATH", help="write the turn log (JSON Lines)")
    p.add_argument("--summary", metavar="PATH", help="write the JSON summary")
    p.add_argument("--export", metavar="PATH", help="save the final report (.html/.svg/.txt)")
    p.add_argument("--quiet", action="store_true", help="print only the final summary line")
    p.add_argument("--plain", action="store_true", help="no live display even at a terminal")
    p.add_argument(
        "--delay",
        type=float,
        metavar="SECONDS",
        help=f"pause after each day (default {LIVE_DELAY_S} in the live display, 0 otherwise)",
    )
    p.add_argument(
        "--from",
        dest="from_log",
        metavar="LOG",
        help="branch: replay the campaign recorded in LOG (its scenario, seed and "
        "overrides) and change the --set values from --day/--date on",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--day", type=int, help="with --from: the first changed day (0 = start date)")
    g.add_argument("--date", help="with --from: the first changed date (YYYY-MM-DD)")

    p = add("validate", cmd_validate, "check a scenario file and print its totals")
    scenario_args(p)
    p = add("oob", cmd_oob, "print each side's order of battle as a tree")
    scenario_args(p, optional=True)
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (a tree), or one row per formation as csv, json or markdown",
    )
    p = add("params", cmd_params, "print the model parameters with their sources")
    scenario_args(p, optional=True)
    p.add_argument(
        "--format", choices=FORMATS, default="table", help="table (default), csv, json or markdown"
    )
    add("list", cmd_list, "list the bundled scenarios with a one-line description")
    add("schema", cmd_schema, "print the JSON Schema of the scenario format")

    p = add("replay", cmd_replay, "rebuild and show the situation on a day of a turn log")
    p.add_argument("log", help="turn log (JSON Lines)")
    _scenario_file_arg(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--day", type=int, help="day to show (0 = start date; default: the last)")
    g.add_argument("--date", help="date to show (YYYY-MM-DD)")
    p.add_argument(
        "--step",
        action="store_true",
        help="walk day by day at a terminal (Enter: next, b: back, q: quit)",
    )

    p = add("play", cmd_play, "command a side day by day against the other's staff")
    scenario_args(p, optional=True)
    p.add_argument(
        "--side", type=_sides_arg, metavar="SIDE", help="chinese, japanese or both (hot-seat)"
    )
    p.add_argument(
        "--seed", type=seed_arg, help="random seed, 0 to 2**63 - 1 (default: a fresh one, printed)"
    )
    p.add_argument(
        "--log", metavar="PATH", help="write the game to this turn log (needed to save and resume)"
    )
    p.add_argument(
        "--orders",
        action="append",
        metavar="FILE.toml",
        help="one side's orders in advance, by date (repeatable: one per side)",
    )
    p.add_argument("--resume", metavar="LOG", help="go on with a saved game")
    p.add_argument(
        "--pbem",
        action="store_true",
        help="play by e-mail: the other side is a person who plays from the saved "
        "log; stop and save when it is their turn",
    )
    p.add_argument("--quiet", action="store_true", help="print only the final summary line")

    p = add("verify", cmd_verify, "re-run a logged campaign and check every day's state hash")
    p.add_argument("log", help="turn log (JSON Lines)")
    _scenario_file_arg(p)
    p = add("diff", cmd_diff, "compare two turn logs: first differing day and the outcomes")
    p.add_argument("log_a", help="turn log A")
    p.add_argument("log_b", help="turn log B")
    try:
        from wargame.analysis.cli import register
    except ModuleNotFoundError as exc:
        if exc.name != "wargame.analysis.cli":
            raise
    else:
        register(sub)
    return parser


def _scenario_file_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scenario",
        dest="scenario_file",
        metavar="FILE",
        help="the log's scenario file, where the log names one outside its folder "
        "(only bundled scenarios and files beside the log are followed by default)",
    )


def with_default_command(argv: list[str]) -> list[str]:
    """Options without a command mean ``run`` (``wargame --seed 1`` is ``wargame run --seed
    1``), and so does no argument at all; ``--help`` and ``--version`` stay the program's."""
    first = next((a for a in argv if a != "--debug"), None)
    if first is None or (first.startswith("-") and first not in ("-h", "--help", "--version")):
        return ["run", *argv]
    return argv


def main(argv: list[str] | None = None, *, default_run: bool = False) -> int:
    """Entry point of ``wargame``, ``python -m wargame`` and ``run_scenario.py``; returns the
    exit status."""
    program = argv is None  # the process is ours: it exits with what this returns
    if argv is None and default_run:
        argv = ["run"]
    argv = with_default_command(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in argv
    _encodable_streams()
    previous = interrupts.install()
    try:
        return _main(argv, debug)
    finally:
        release_locks()
        if program:  # the work is done and its files are in place: a late signal changes
            interrupts.ignore()  # nothing, rather than print a traceback on the way out
        else:
            interrupts.restore(previous)


def _encodable_streams() -> None:
    """Print in whatever encoding the streams have (PYTHONIOENCODING=ascii): characters it
    cannot encode become escapes rather than an error."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


def _main(argv: list[str], debug: bool) -> int:
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        if getattr(args, "func", None) is None:
            raise UserError("wargame: no command given (try 'wargame --help' or 'wargame run')")
        return int(args.func(args))
    except (UserError, VerificationError, RunFailed) as exc:
        if debug:
            raise
        for line in str(exc).splitlines() or [type(exc).__name__]:
            line = printable(line)
            print(
                line if line.startswith("wargame") or ":" in line else f"wargame: {line}",
                file=sys.stderr,
            )
        return exc.exit_code
    except KeyboardInterrupt:
        print("wargame: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if debug:
            raise
        if exc.filename is None:
            return _internal_error(exc)
        # the environment or the input is at fault: a too-long name, a loop of links, a
        # full disk, a file that vanished
        print(printable(f"{exc.filename}: {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if debug:
            raise
        return _internal_error(exc)


def _internal_error(exc: Exception) -> int:
    msg = printable(textwrap.shorten(f"{type(exc).__name__}: {exc}", 300))
    print(f"wargame: internal error: {msg} (run with --debug for a traceback)", file=sys.stderr)
    return EXIT_FAILED
