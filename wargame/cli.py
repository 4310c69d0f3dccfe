"""The ``wargame`` command line.

Exit statuses: 0 success; 1 verification failed or the simulation failed; 2 bad input or
usage; 130 interrupted. Every error is one line on stderr naming the file and the problem;
``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.tree import Tree

from wargame import __version__, report
from wargame.engine import Campaign
from wargame.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UserError, VerificationError
from wargame.forces import Formation, ManoeuvreUnit, OrderOfBattle
from wargame.params import iter_params
from wargame.scenario import (
    Scenario,
    ScenarioError,
    Side,
    load_with_digest,
    read_toml,
)
from wargame.turnlog import (
    LogHeader,
    LogWriter,
    TurnLog,
    atomic_write_text,
    check_output_path,
    file_sha256,
    first_difference,
    iter_lines,
    read_log,
)

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = "west_hunan_1945"


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{self.prog}: {message}")


# --------------------------------------------------------------------------- helpers


def bundled_scenarios() -> list[Path]:
    return sorted(p for p in SCENARIO_DIR.glob("*.toml") if p.name != "variants.toml")


def resolve_scenario(name: str | None) -> Path:
    """A path as given, or the name of a bundled scenario (``tutorial``)."""
    if name is None:
        name = DEFAULT_SCENARIO
    p = Path(name)
    if p.exists() or p.suffix == ".toml" or "/" in name:
        return p
    bundled = SCENARIO_DIR / f"{name}.toml"
    return bundled if bundled.exists() else p


def load(path: Path, overrides: list[str]) -> tuple[Scenario, str]:
    try:
        return load_with_digest(path, overrides)
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None


def console_for(args: argparse.Namespace) -> Console:
    return Console(highlight=False, soft_wrap=False)


def fresh_seed() -> int:
    """A new seed from OS entropy (printed and recorded so the run can be repeated)."""
    return int(np.random.SeedSequence().entropy % (2**32))


def _date_to_day(scenario: Scenario, text: str, what: str) -> int:
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None
    return (date - scenario.meta.start_date).days


# --------------------------------------------------------------------------- validate / oob


def cmd_validate(args: argparse.Namespace) -> int:
    path = resolve_scenario(args.scenario)
    scenario, _ = load(path, args.set)
    oob = OrderOfBattle.from_scenario(scenario)
    con = console_for(args)
    con.print(f"{path}: valid — {scenario.meta.name}")
    con.print(f"  {scenario.meta.start_date} to {scenario.meta.end_date} ({scenario.days} days)")
    con.print(f"  {len(scenario.places)} places, {len(scenario.roads)} connections")
    for side in Side:
        units = oob.manoeuvre_units(side)
        men = sum(u.men for u in units)
        committed = sum(u.men for u in units
                        if oob.effective_commitment(u).value == "committed")
        aircraft = sum(g.aircraft for g in scenario.air_groups if g.side == side)
        formations = sum(1 for f in oob.formations.values() if f.side == side)
        con.print(f"  {side}: {formations} formations, {len(units)} manoeuvre units, {men:,} men ({committed:,} committed at the "
                  f"start), {aircraft} aircraft")
    return EXIT_OK


def _tree(node: Formation, parent: Tree) -> None:
    label = f"[bold]{node.name}[/]"
    if node.commander:
        label += f" — {node.commander}"
        if node.commander_alias:
            label += f" [dim]({node.commander_alias})[/]"
    label += f"  [cyan]{node.strength_men:,} men[/]"
    if isinstance(node, ManoeuvreUnit):
        where = node.location or (f"arrives day {node.arrival.day} at {node.arrival.place} "
                                  f"by {node.arrival.mode}" if node.arrival else "")
        label += f"  [dim]{node.quality}, {where}[/]"
    if node.commitment.value != "committed":
        label += f"  [yellow]{node.commitment}[/]"
    branch = parent.add(label)
    for s in node.subordinates:
        _tree(s, branch)


def cmd_oob(args: argparse.Namespace) -> int:
    path = resolve_scenario(args.scenario)
    scenario, _ = load(path, args.set)
    oob = OrderOfBattle.from_scenario(scenario)
    con = console_for(args)
    for side in Side:
        tree = Tree(f"[bold]{getattr(scenario.sides, side.value).name}[/] — "
                    f"{oob.men(side):,} men")
        for root in oob.roots(side):
            _tree(root, tree)
        con.print(tree)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


def cmd_params(args: argparse.Namespace) -> int:
    path = resolve_scenario(args.scenario)
    scenario, _ = load(path, args.set)
    con = console_for(args)
    from rich.table import Table

    t = Table(title=f"Model parameters of {scenario.meta.name}", show_lines=False)
    t.add_column("key", no_wrap=True)
    t.add_column("value")
    t.add_column("source")
    for key, value, source in iter_params(scenario.params):
        t.add_row(key, json.dumps(value), source)
    con.print(t)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    con = console_for(args)
    for p in bundled_scenarios():
        try:
            meta = read_toml(p).get("meta", {})
        except ScenarioError:
            continue
        con.print(f"[bold]{p.stem:<20}[/] {meta.get('name', '')}: {meta.get('description', '')}")
    return EXIT_OK


# --------------------------------------------------------------------------- run


def _branch_from(args: argparse.Namespace, path: Path) -> tuple[
        Scenario, str, int, list[str], dict[str, Any], tuple[int, Scenario]]:
    log = read_log(args.from_log)
    base, digest = load(path, log.header.overrides)
    if digest != log.header.scenario_sha256:
        raise UserError(f"{args.from_log}: recorded with a different scenario than {path} "
                        f"(or the scenario file has changed since)")
    if log.header.branch is not None:
        raise UserError(f"{args.from_log}: is itself a branch; branch from its parent log")
    if args.day is None and args.date is None:
        raise UserError("run --from: give --day N or --date YYYY-MM-DD to branch at")
    day = args.day if args.day is not None else _date_to_day(base, args.date, "--date")
    if not 0 <= day < base.days:
        raise UserError(f"--day {day}: out of range 0..{base.days - 1}")
    branched, _ = load(path, [*log.header.overrides, *args.set])
    branch = {"day": day, "overrides": list(args.set), "from_log": str(args.from_log),
              "from_log_sha256": file_sha256(args.from_log)}
    return base, digest, log.header.seed, list(log.header.overrides), branch, (day, branched)


def cmd_run(args: argparse.Namespace) -> int:
    path = resolve_scenario(args.scenario)
    outputs = [p for p in (args.log, args.summary, args.export) if p]
    for p in outputs:
        check_output_path(p)
    if args.export and Path(args.export).suffix.lower() not in (".html", ".svg", ".txt"):
        raise UserError(f"{args.export}: --export must end in .html, .svg or .txt")
    branch_info = None
    branch = None
    if args.from_log:
        if args.seed is not None:
            raise UserError("run --from: the seed comes from the log; do not give --seed")
        scenario, digest, seed, overrides, branch_info, branch = _branch_from(args, path)
    else:
        if args.day is not None or args.date is not None:
            raise UserError("run: --day/--date only make sense with --from LOG")
        scenario, digest = load(path, args.set)
        seed = args.seed if args.seed is not None else fresh_seed()
        overrides = list(args.set)
    campaign = Campaign(scenario, seed, branch=branch)
    con = console_for(args)
    err = Console(stderr=True, highlight=False)
    if args.seed is None and not args.from_log:
        err.print(f"seed: {seed}")
    writer = None
    if args.log:
        writer = LogWriter(args.log, LogHeader(
            scenario_path=str(path), scenario_name=scenario.meta.name, scenario_sha256=digest,
            seed=seed, overrides=overrides, branch=branch_info))
        campaign.callbacks.append(lambda c, r: writer.day(r))
    records: list[dict[str, Any]] = []
    campaign.callbacks.append(lambda c, r: records.append(r))
    live = con.is_terminal and not args.quiet and not args.plain
    t0 = time.perf_counter()
    try:
        if live:
            _run_live(campaign, con, args.delay)
        else:
            if not args.quiet:
                campaign.callbacks.append(lambda c, r: print(report.event_line(r), flush=True))
            campaign.run()
    except KeyboardInterrupt:
        if writer is not None:
            writer.finish(campaign.summary().to_dict(), complete=False, reason="interrupted")
        err.print(f"wargame: interrupted on day {campaign.state.day}; "
                  f"{'log kept, marked incomplete' if writer else 'nothing written'}")
        return EXIT_INTERRUPTED
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    summary = campaign.summary().to_dict()
    elapsed = time.perf_counter() - t0
    if writer is not None:
        writer.finish(summary)
    if args.summary:
        atomic_write_text(Path(args.summary), json.dumps(summary, indent=2) + "\n")
    final = report.final_report(campaign.world, summary, records)
    if args.quiet:
        c = summary["casualties"]
        print(f"{summary['scenario']} seed {seed}: {summary['outcome']} on "
              f"{summary['end_date']}; closest approach {summary['closest_approach_km']} km; "
              f"casualties Japanese {c['japanese']['total']:,}, Chinese "
              f"{c['chinese']['total']:,}")
    else:
        con.print(final)
        err.print(f"[dim]{summary['days']} days in {elapsed:.2f} s[/]")
    if args.export:
        _export(final, Path(args.export))
    return EXIT_OK


def _export(renderable: Any, path: Path) -> None:
    rec = Console(record=True, width=110, file=open("/dev/null", "w"))  # noqa: SIM115
    rec.print(renderable)
    suffix = path.suffix.lower()
    text = (rec.export_html() if suffix == ".html" else rec.export_svg(title="West Hunan 1945")
            if suffix == ".svg" else rec.export_text())
    atomic_write_text(path, text)


def _run_live(campaign: Campaign, con: Console, delay: float) -> None:
    from rich.console import Group
    from rich.live import Live
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(),
                        TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
                        TimeRemainingColumn())
    task = progress.add_task("campaign", total=campaign.world.scenario.days)
    with Live(console=con, refresh_per_second=12, transient=False) as live:
        def show(c: Campaign, record: dict[str, Any]) -> None:
            progress.update(task, completed=record["day"] + 1)
            live.update(Group(report.situation(c.world, c.state, record, con.width), progress))
            if delay > 0:
                time.sleep(delay)
        campaign.callbacks.append(show)
        campaign.run()


# --------------------------------------------------------------------------- logs


def _replay_campaign(log: TurnLog, *, check_scenario: bool = True) -> Campaign:
    """A fresh campaign set up exactly as the log's header says."""
    h = log.header
    path = Path(h.scenario_path)
    if not path.exists():
        alt = Path(log.path).parent / h.scenario_path
        if alt.exists():
            path = alt
    if not path.exists():
        raise UserError(f"{log.path}: its scenario {h.scenario_path} is not found")
    base, digest = load(path, h.overrides)
    if check_scenario and digest != h.scenario_sha256:
        raise VerificationError(f"{log.path}: the scenario file {h.scenario_path} has changed "
                                f"since the log was written (SHA-256 differs)")
    branch = None
    if h.branch is not None:
        try:
            bday = int(h.branch["day"])
            branched, _ = load(path, [*h.overrides, *h.branch.get("overrides", [])])
        except (KeyError, TypeError, ValueError):
            raise UserError(f"{log.path}: line 1: malformed branch record") from None
        branch = (bday, branched)
    return Campaign(base, h.seed, branch=branch)


def cmd_replay(args: argparse.Namespace) -> int:
    log = read_log(args.log)
    if args.step and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserError("replay --step: needs an interactive terminal")
    campaign = _replay_campaign(log)
    last = len(log.days) - 1
    if last < 0:
        raise UserError(f"{args.log}: log has no days to replay")
    if args.date is not None:
        day = _date_to_day(campaign.world.scenario, args.date, "--date")
    else:
        day = args.day if args.day is not None else (0 if args.step else last)
    if not 0 <= day <= last:
        raise UserError(f"{args.log}: day {day} out of range 0..{last}")
    con = console_for(args)
    if args.step:
        return _step(log, day, con)
    _replay_to(campaign, log, day)
    con.print(report.situation(campaign.world, campaign.state, log.days[day], con.width))
    return EXIT_OK


def _replay_to(campaign: Campaign, log: TurnLog, day: int) -> None:
    campaign.run(until_day=day)
    if campaign.state.digest() != log.days[day]["hash"]:
        raise VerificationError(f"{log.path}: state on day {day} does not match the log's hash "
                                f"(log tampered with, or another program version)")


def _step(log: TurnLog, day: int, con: Console) -> int:
    last = len(log.days) - 1
    while True:
        campaign = _replay_campaign(log)
        _replay_to(campaign, log, day)
        con.clear()
        con.print(report.situation(campaign.world, campaign.state, log.days[day], con.width))
        try:
            key = input("[Enter] next day  [b] back  [q] quit > ").strip().lower()
        except EOFError:
            return EXIT_OK
        if key == "q":
            return EXIT_OK
        if key == "b":
            day = max(0, day - 1)
        else:
            day = min(last, day + 1)


def cmd_verify(args: argparse.Namespace) -> int:
    log = read_log(args.log)
    campaign = _replay_campaign(log)
    produced: list[dict[str, Any]] = []
    campaign.callbacks.append(lambda c, r: produced.append(r))
    campaign.run(until_day=len(log.days) - 1 if not log.complete else None)
    footer = None
    if log.footer is not None:
        footer = {"type": "footer", "complete": log.footer.get("complete"),
                  "summary": campaign.summary().to_dict(),
                  "final_hash": campaign.summary().to_dict()["final_hash"]}
        if "reason" in log.footer:
            footer["reason"] = log.footer["reason"]
    expected = list(iter_lines(log.header, produced, footer))
    for i, (got, want) in enumerate(zip(log.lines, expected, strict=False)):
        if got != want:
            if i == 0:
                raise VerificationError(f"{args.log}: line 1: header is not in canonical form")
            if i <= len(log.days) and i - 1 < len(produced):
                rec = log.days[i - 1]
                what = first_difference(rec, {"type": "day", **produced[i - 1]})
                raise VerificationError(f"{args.log}: day {i - 1} ({rec.get('date')}) differs: "
                                        f"{what}")
            raise VerificationError(f"{args.log}: footer differs from the re-run's summary")
    if len(log.lines) != len(expected):
        raise VerificationError(f"{args.log}: the log has {len(log.days)} days, the re-run "
                                f"{len(produced)}")
    note = "" if log.complete else " (log marked incomplete)"
    print(f"verified {len(log.days)} days{note}")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    a, b = read_log(args.log_a), read_log(args.log_b)
    con = console_for(args)
    ha, hb = a.header.to_dict(), b.header.to_dict()
    if ha != hb:
        con.print(f"headers differ: {first_difference(ha, hb)}")
    first = None
    for da, db in zip(a.days, b.days, strict=False):
        if da != db:
            first = (da, db)
            break
    if first is None and len(a.days) == len(b.days) and a.footer == b.footer:
        con.print(f"identical: {len(a.days)} days")
        return EXIT_OK
    if first is not None:
        da, db = first
        con.print(f"first difference on day {da['day']} ({da['date']}): "
                  f"{first_difference(da, db)}")
    elif len(a.days) != len(b.days):
        con.print(f"same first {min(len(a.days), len(b.days))} days; lengths differ "
                  f"({len(a.days)} vs {len(b.days)} days)")
    sa = (a.footer or {}).get("summary") or {}
    sb = (b.footer or {}).get("summary") or {}
    if sa and sb:
        from rich.table import Table

        t = Table(title="Outcomes")
        t.add_column("")
        t.add_column(Path(args.log_a).name)
        t.add_column(Path(args.log_b).name)
        t.add_column("B − A", justify="right")
        rows = [("outcome", sa.get("outcome"), sb.get("outcome")),
                ("end date", sa.get("end_date"), sb.get("end_date")),
                ("closest approach km", sa.get("closest_approach_km"),
                 sb.get("closest_approach_km"))]
        for side in ("japanese", "chinese"):
            for cat in ("killed", "wounded", "captured", "disease", "total"):
                rows.append((f"{side} {cat}", sa["casualties"][side][cat],
                             sb["casualties"][side][cat]))
        for name, va, vb in rows:
            delta = f"{vb - va:+,.1f}" if isinstance(va, int | float) and isinstance(
                vb, int | float) else ("" if va == vb else "changed")
            t.add_row(name, str(va), str(vb), delta)
        con.print(t)
    return EXIT_OK


# --------------------------------------------------------------------------- parser


EXAMPLES = {
    "run": """examples:
  wargame run                                   # the West Hunan campaign, fresh seed
  wargame run scenarios/west_hunan_1945.toml --seed 1 --log out.jsonl --summary out.json
  wargame run tutorial --seed 7 --quiet
  wargame run --seed 1 --set units.new6_14div.strength_men=4000 --set air_groups.usaaf_14af.aircraft=0
  wargame run --from out.jsonl --day 20 --set params.ambush.surprise_factor=1.0 --log branch.jsonl""",
    "validate": """examples:
  wargame validate scenarios/west_hunan_1945.toml
  wargame validate scenarios/tutorial.toml --set units.def_10div.strength_men=9000""",
    "oob": "example:\n  wargame oob scenarios/west_hunan_1945.toml",
    "replay": """examples:
  wargame replay out.jsonl --day 30
  wargame replay out.jsonl --date 1945-05-01
  wargame replay out.jsonl --step""",
    "verify": "example:\n  wargame verify out.jsonl",
    "diff": "example:\n  wargame diff out.jsonl branch.jsonl",
    "schema": "example:\n  wargame schema > scenario.schema.json",
    "list": "example:\n  wargame list",
    "params": "example:\n  wargame params scenarios/west_hunan_1945.toml",
}


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="wargame", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="West Hunan 1945: an operational wargame of the Zhijiang Campaign.",
        epilog="Run 'wargame COMMAND --help' for examples. Exit status: 0 ok, 1 verification "
               "or simulation failed, 2 bad input, 130 interrupted.")
    parser.add_argument("--version", action="version", version=f"wargame {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)

    def add(name: str, func: Any, help_: str) -> ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, epilog=EXAMPLES.get(name),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    def scenario_args(p: ArgumentParser, optional: bool = False) -> None:
        p.add_argument("scenario", nargs="?" if optional else None,
                       help="scenario file or bundled scenario name"
                       + (f" (default: {DEFAULT_SCENARIO})" if optional else ""))
        p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a scenario value, e.g. units.new6_14div.strength_men=5000 "
                            "(repeatable)")

    p = add("run", cmd_run, "play a campaign day by day and report the result")
    scenario_args(p, optional=True)
    p.add_argument("--seed", type=int, help="random seed (default: a fresh one, printed)")
    p.add_argument("--log", metavar="PATH", help="write the turn log (JSON Lines)")
    p.add_argument("--summary", metavar="PATH", help="write the JSON summary")
    p.add_argument("--export", metavar="PATH", help="save the final report (.html/.svg/.txt)")
    p.add_argument("--quiet", action="store_true", help="print only the final summary line")
    p.add_argument("--plain", action="store_true", help="no live display even at a terminal")
    p.add_argument("--delay", type=float, default=0.08, metavar="SECONDS",
                   help="pause per day in the live display (default 0.08)")
    p.add_argument("--from", dest="from_log", metavar="LOG",
                   help="branch: continue the campaign recorded in LOG ...")
    p.add_argument("--day", type=int, help="... from this day (0 = start date)")
    p.add_argument("--date", help="... or from this date (YYYY-MM-DD)")

    p = add("validate", cmd_validate, "check a scenario file and print its totals")
    scenario_args(p)
    p = add("oob", cmd_oob, "print each side's order of battle as a tree")
    scenario_args(p, optional=True)
    p = add("params", cmd_params, "print the model parameters with their sources")
    scenario_args(p, optional=True)
    add("list", cmd_list, "list the bundled scenarios")
    add("schema", cmd_schema, "print the JSON Schema of the scenario format")

    p = add("replay", cmd_replay, "rebuild and show the situation on a day of a turn log")
    p.add_argument("log", help="turn log (JSON Lines)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--day", type=int, help="day to show (0 = start date; default: last)")
    g.add_argument("--date", help="date to show (YYYY-MM-DD)")
    p.add_argument("--step", action="store_true",
                   help="walk day by day (Enter: next, b: back, q: quit)")

    p = add("verify", cmd_verify, "re-run a logged campaign and check every day's hash")
    p.add_argument("log", help="turn log (JSON Lines)")
    p = add("diff", cmd_diff, "compare two turn logs: first differing day and the outcomes")
    p.add_argument("log_a")
    p.add_argument("log_b")
    try:
        from wargame.analysis.cli import register
    except ImportError:  # pragma: no cover - the analysis package is part of the product
        register = None
    if register is not None:
        register(sub)
    return parser


def main(argv: list[str] | None = None, *, default_run: bool = False) -> int:
    """Entry point of ``wargame``, ``python -m wargame`` and ``run_scenario.py``."""
    if argv is None and default_run:
        argv = ["run"]
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    err = sys.stderr
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args))
    except (UserError, VerificationError) as exc:
        if debug:
            raise
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(line if line.startswith("wargame") or ":" in line else f"wargame: {line}",
                  file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("wargame: interrupted", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if debug:
            raise
        msg = textwrap.shorten(f"{type(exc).__name__}: {exc}", 300)
        print(f"wargame: internal error: {msg} (run with --debug for a traceback)", file=err)
        return 1
