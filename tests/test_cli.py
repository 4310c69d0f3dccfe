"""The command line: running, watching, logging, replaying, verifying, branching, comparing.

Most tests call ``wargame.cli.main`` in-process; separate processes only where the point is a
separate process (determinism under PYTHONHASHSEED, Ctrl-C, pipes, the entry points).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import wargame.cli as cli
import wargame.engine as engine
from wargame import BUILD, __version__, report
from wargame.engine import initial_state
from wargame.scenario import content_digest, load_scenario, read_toml
from wargame.turnlog import LOG_SCHEMA, read_log
from wargame.world import World

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TUTORIAL = SCENARIOS / "tutorial.toml"
BOTH = ["tutorial", "west_hunan_1945"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DATE_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} ")


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, *names: str | Path) -> str:
    """The stderr of a failed command: exactly one line, naming every given file."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    return lines[0]


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def wargame(
    *args: str, cwd: Path, env: dict[str, str] | None = None, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wargame", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        **kw,
    )


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A complete seed-1 log of each bundled scenario (read-only: copy before changing)."""
    folder = tmp_path_factory.mktemp("logs")
    out = {}
    for name in BOTH:
        path = folder / f"{name}.jsonl"
        assert cli.main(["run", name, "--seed", "1", "--quiet", "--log", str(path)]) == 0
        out[name] = path
    return out


@pytest.fixture
def tutorial_log(logs: dict[str, Path], tmp_path: Path) -> Path:
    """A private copy of the tutorial log, free to tamper with."""
    path = tmp_path / "tutorial.jsonl"
    path.write_bytes(logs["tutorial"].read_bytes())
    return path


# --------------------------------------------------------------------------- entry points


def test_python_m_wargame_help_lists_every_command(tmp_path: Path) -> None:
    p = wargame("--help", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    for command in ("run", "validate", "oob", "list", "replay", "verify", "diff", "schema"):
        assert command in p.stdout


def test_run_scenario_py_help_works(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, str(ROOT / "run_scenario.py"), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert "usage: wargame" in p.stdout


def test_run_scenario_py_without_arguments_plays_west_hunan(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, str(ROOT / "run_scenario.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert "Battle of West Hunan" in p.stdout
    assert "End of campaign" in p.stdout
    assert re.search(r"seed: \d+", p.stderr)


@pytest.mark.parametrize(
    "command", ["run", "validate", "oob", "params", "list", "schema", "replay", "verify", "diff"]
)
def test_help_of_every_command_has_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli([command, "--help"], capsys)
    assert code == 0
    assert "example" in out
    assert f"wargame {command}" in out.split("example")[1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0 and out.strip() == f"wargame {__version__} ({BUILD})"
    assert BUILD in ("compiled with mypyc", "pure Python")


def test_list_shows_both_bundled_scenarios_with_descriptions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(["list"], capsys)
    assert code == 0
    for name in BOTH:
        meta = read_toml(SCENARIOS / f"{name}.toml")["meta"]
        assert re.search(rf"^{name}\s+{re.escape(meta['name'])}", out, re.M), out
        assert meta["description"].split()[0] in out
    assert "[default]" in out


@pytest.mark.parametrize("name", BOTH)
def test_validate_and_oob_of_the_bundled_scenarios(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("validate", "oob", "params"):
        code, out, err = run_cli([command, name], capsys)
        assert code == 0, err
        assert out


@pytest.mark.parametrize(
    "argv", [["--seed", "1", "--quiet"], ["--debug", "--seed", "1", "--quiet"]]
)
def test_options_without_a_command_mean_run(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    assert out.startswith("Battle of West Hunan") and "seed 1:" in out


def test_python_m_wargame_and_the_shim_take_options_without_a_command(tmp_path: Path) -> None:
    for argv in (
        [sys.executable, str(ROOT / "run_scenario.py"), "--seed", "1", "--quiet"],
        [sys.executable, "-m", "wargame", "--seed", "1", "--quiet"],
    ):
        p = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert "seed 1: " in p.stdout


def test_unknown_option_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", "tutorial", "--sed", "1"], capsys)
    assert code == 2
    one_line_error(err, "--sed")


def test_debug_shows_the_exception(tmp_path: Path) -> None:
    with pytest.raises(cli.UserError):
        cli.main(["verify", str(tmp_path / "missing.jsonl"), "--debug"])


# --------------------------------------------------------------------------- run


@pytest.mark.parametrize("suffix", [".html", ".svg", ".txt"])
def test_run_writes_log_summary_and_export(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, summary, export = tmp_path / "run.jsonl", tmp_path / "run.json", tmp_path / f"r{suffix}"
    code, _, err = run_cli(
        [
            "run",
            "tutorial",
            "--seed",
            "1",
            "--log",
            str(log),
            "--summary",
            str(summary),
            "--export",
            str(export),
        ],
        capsys,
    )
    assert code == 0, err
    assert files(tmp_path) == {"run.jsonl", "run.json", f"r{suffix}"}
    s = json.loads(summary.read_text())
    assert s["seed"] == 1 and s["outcome"]
    assert read_log(log).complete
    text = export.read_text(encoding="utf-8")
    assert {".html": "<!DOCTYPE html>", ".svg": "<svg", ".txt": "End of campaign"}[suffix] in text
    assert "Casualties" in text


def test_quiet_prints_only_the_final_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["run", "tutorial", "--seed", "1", "--quiet"], capsys)
    assert code == 0
    assert len(out.splitlines()) == 1
    assert out.startswith("Tutorial: one pass, one airfield seed 1: ")
    assert "casualties Japanese" in out
    assert err == ""


def test_run_without_seed_prints_and_records_a_fresh_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "x.jsonl"
    code, _, err = run_cli(["run", "tutorial", "--log", str(log)], capsys)
    assert code == 0
    seed = int(re.search(r"seed: (\d+)", err).group(1))  # type: ignore[union-attr]
    assert read_log(log).header.seed == seed


def test_output_to_a_pipe_is_plain_text_one_line_per_day(tmp_path: Path) -> None:
    p = wargame("run", "tutorial", "--seed", "1", "--log", "x.jsonl", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "\x1b" not in p.stdout
    days = [line for line in p.stdout.splitlines() if DATE_LINE.match(line)]
    logged = read_log(tmp_path / "x.jsonl").days
    assert [line.split()[0] for line in days] == [d["date"] for d in logged]
    assert "End of campaign" in p.stdout and "Casualties by side and category" in p.stdout


def _terminal(width: int = 100, height: int = 40) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=width, height=height, highlight=False), buf


def test_live_display_shows_the_campaign_as_it_unfolds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    con, buf = _terminal()
    monkeypatch.setattr(cli, "console_for", lambda args: con)
    log = tmp_path / "x.jsonl"
    code, _, err = run_cli(
        ["run", "tutorial", "--seed", "1", "--delay", "0", "--log", str(log)], capsys
    )
    assert code == 0, err
    screen = ANSI.sub("", buf.getvalue())
    days = read_log(log).days
    for d in (days[0], days[-1]):
        assert f"{d['date']}  D+{d['day']}/" in screen
    for words in (
        "sorties CN",
        "air: chinese superiority",
        "Japanese",
        "Chinese",
        "supply",
        "x front",
        "@ objective",
        "Engagements today",
        "! fighting today",
        f"{len(days)} of {load_scenario(TUTORIAL).days} days played",
        "End of campaign",
        "Casualties by side and category",
        "Key events",
        "Play it again",
        "wargame run tutorial --seed 1",
    ):
        assert words in screen, words


def test_terminal_map_puts_places_on_their_real_relative_positions() -> None:
    world = World.from_scenario(load_scenario(TUTORIAL))
    state = initial_state(world)
    rows = report.terminal_map(world, state, width=78, height=24).plain.splitlines()
    where = {}
    for y, row in enumerate(rows[:24]):
        for x, ch in enumerate(row):
            if ch in "JjCc@":
                where.setdefault(ch, []).append((x, y))
    ((ox, oy),) = where["@"]  # West Airfield: far west, far north
    japanese = where.get("J", []) + where.get("j", [])
    assert japanese and all(x > ox for x, _ in japanese)
    assert all(y >= oy for pts in where.values() for _, y in pts)
    assert "x" in "".join(rows[:24])  # ford_village (J) - high_pass (C): the front
    assert "@·West Airfield" in rows[oy]  # the objective is labelled


def test_final_report_has_casualties_places_changed_hands_and_key_events() -> None:
    scenario = load_scenario(TUTORIAL)
    c = engine.Campaign(scenario, 1)
    records: list[dict[str, Any]] = []
    c.callbacks.append(lambda camp, r: records.append(r))
    summary = c.run().to_dict()
    con, buf = _terminal(width=200)
    con.print(report.final_report(c.world, summary, records))
    text = ANSI.sub("", buf.getvalue())
    for side in ("japanese", "chinese"):
        for category in ("killed", "wounded", "captured", "disease"):
            assert f"{summary['casualties'][side][category]:,}" in text
    key = [
        e
        for r in records
        for e in r["events"]
        if e["kind"] in ("arrival", "control", "objective", "decision", "destroyed")
    ]
    assert any("airlift" in e["text"] for e in key)  # the 30th Division flown in
    for e in key:
        assert e["text"] in text
    ambushes = sum(e["kind"] == "ambush" for r in records for e in r["events"])
    assert f"Ambushes sprung: {ambushes}" in text
    assert "Places that changed hands" in text or "No place changed hands" in text


# --------------------------------------------------------------------------- the log


@pytest.mark.parametrize("name", BOTH)
def test_log_header_records_how_to_play_the_campaign_again(name: str, tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    assert (
        cli.main(
            [
                "run",
                name,
                "--seed",
                "5",
                "--quiet",
                "--log",
                str(log),
                "--set",
                "params.ambush.surprise_factor=1.0",
            ]
        )
        == 0
    )
    head = lines_of(log)[0]
    assert head["type"] == "header"
    assert head["log_schema"] == LOG_SCHEMA
    assert head["program"] == f"wargame {__version__}"
    assert head["scenario"] == read_toml(SCENARIOS / f"{name}.toml")["meta"]["name"]
    assert head["scenario_sha256"] == content_digest(read_toml(SCENARIOS / f"{name}.toml"))
    assert head["scenario_path"] == name
    assert head["seed"] == 5
    assert head["overrides"] == ["params.ambush.surprise_factor=1.0"]
    assert head["branch"] is None


@pytest.mark.parametrize("name", BOTH)
def test_each_day_line_holds_the_inputs_results_and_state_hash(
    name: str, logs: dict[str, Path]
) -> None:
    records = lines_of(logs[name])
    days, footer = records[1:-1], records[-1]
    assert [d["day"] for d in days] == list(range(len(days)))
    for d in days:
        assert d["type"] == "day"
        assert {
            "date",
            "weather",
            "decisions",
            "moves",
            "air",
            "supply",
            "engagements",
            "losses",
            "events",
            "hash",
        } <= set(d)
        assert re.fullmatch(r"[0-9a-f]{64}", d["hash"])
        assert set(d["air"]) == {"japanese", "chinese"}
        assert all("tons" in s for s in d["supply"].values())
    fights = [e for d in days for e in d["engagements"]]
    if name == "tutorial":
        assert fights
    for e in fights:
        assert {
            "place",
            "attackers",
            "defenders",
            "terrain",
            "att_power",
            "def_power",
            "surprise",
            "ratio",
        } <= set(e)  # inputs
        assert {"att_losses", "def_losses", "outcome"} <= set(e)  # results
    side_of = {u.id: str(u.side) for u in load_scenario(SCENARIOS / f"{name}.toml").units}
    for d in days:  # each side's whole decision, only its own units
        assert set(d["decisions"]) == {"japanese", "chinese"}
        for side, decision in d["decisions"].items():
            assert {
                "phase",
                "orders",
                "commit",
                "release",
                "culminated",
                "counteroffensive",
            } <= set(decision)
            assert {side_of[o["unit"]] for o in decision["orders"]} <= {side}
    assert any(d["decisions"]["japanese"]["orders"] for d in days)
    assert any(d["decisions"]["chinese"]["orders"] for d in days)
    assert sum(d["decisions"]["japanese"]["culminated"] for d in days) <= 1
    assert any(d["moves"] for d in days)
    assert footer["type"] == "footer" and footer["complete"] is True
    assert footer["days"] == len(days)
    assert footer["final_hash"] == days[-1]["hash"] == footer["summary"]["final_hash"]


def test_west_hunan_log_is_at_most_2_mb(logs: dict[str, Path]) -> None:
    assert logs["west_hunan_1945"].stat().st_size <= 2_000_000


@pytest.mark.parametrize("name", BOTH)
def test_same_seed_gives_byte_identical_logs_across_processes_and_hash_seeds(
    name: str, tmp_path: Path
) -> None:
    for hashseed in ("1", "2"):
        p = wargame(
            "run",
            name,
            "--seed",
            "3",
            "--quiet",
            "--log",
            f"h{hashseed}.jsonl",
            cwd=tmp_path,
            env={"PYTHONHASHSEED": hashseed},
        )
        assert p.returncode == 0, p.stderr
    assert (tmp_path / "h1.jsonl").read_bytes() == (tmp_path / "h2.jsonl").read_bytes()


def test_log_names_a_scenario_outside_the_bundle_relative_to_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "game").mkdir()
    scenario = tmp_path / "game" / "mine.toml"
    scenario.write_bytes(TUTORIAL.read_bytes())
    log = tmp_path / "game" / "mine.jsonl"
    assert cli.main(["run", str(scenario), "--seed", "1", "--quiet", "--log", str(log)]) == 0
    assert lines_of(log)[0]["scenario_path"] == "mine.toml"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    code, _, err = run_cli(["verify", str(log)], capsys)
    assert code == 0, err


# --------------------------------------------------------------------------- replay


@pytest.mark.parametrize("name", BOTH)
def test_replay_day_and_date_show_that_day(
    name: str, logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    log = read_log(logs[name])
    code, out, err = run_cli(["replay", str(logs[name]), "--day", "3"], capsys)
    assert code == 0, err
    assert out.startswith(f"{log.days[3]['date']}  D+3/")
    code, out, err = run_cli(["replay", str(logs[name]), "--date", log.days[5]["date"]], capsys)
    assert code == 0, err
    assert out.startswith(f"{log.days[5]['date']}  D+5/")
    code, out, _ = run_cli(["replay", str(logs[name])], capsys)
    assert code == 0 and out.startswith(log.days[-1]["date"])


def test_replay_step_walks_with_enter_back_and_quit(
    logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    con, buf = _terminal()
    keys: Iterator[str] = iter(["\n", "\n", "b", "q"])
    monkeypatch.setattr(cli, "console_for", lambda args: con)
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.setattr(cli, "read_key", lambda prompt: next(keys))
    code, _, err = run_cli(["replay", str(logs["tutorial"]), "--step"], capsys)
    assert code == 0, err
    shown = re.findall(r"^(\d{4}-\d{2}-\d{2})  D\+", ANSI.sub("", buf.getvalue()), re.M)
    assert shown == ["1945-04-06", "1945-04-07", "1945-04-08", "1945-04-07"]


def test_replay_step_without_a_terminal_is_a_usage_error(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["replay", str(logs["tutorial"]), "--step"], capsys)
    assert code == 2 and out == ""
    assert "terminal" in one_line_error(err, logs["tutorial"])


# --------------------------------------------------------------------------- verify


@pytest.mark.parametrize("name", BOTH)
def test_verify_a_true_log(
    name: str, logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["verify", str(logs[name])], capsys)
    assert code == 0, err
    assert out.strip() == f"verified {len(read_log(logs[name]).days)} days"


def _tamper(path: Path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_no], (old, lines[line_no][:200])
    lines[line_no] = lines[line_no].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def test_verify_names_the_first_day_that_differs_and_what(
    tutorial_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day3 = lines_of(tutorial_log)[4]
    men = day3["men"]["chinese"]
    _tamper(tutorial_log, 4, f'"chinese":{men}', f'"chinese":{men + 1}')  # one digit
    code, out, err = run_cli(["verify", str(tutorial_log)], capsys)
    assert code == 1 and out == ""
    line = one_line_error(err, tutorial_log)
    assert f"day 3 ({day3['date']})" in line and "men.chinese" in line
    assert f"{men + 1} vs re-run {men}" in line


def test_verify_catches_a_changed_hash(
    tutorial_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = lines_of(tutorial_log)[6]["hash"]
    _tamper(tutorial_log, 6, h, ("0" if h[0] != "0" else "1") + h[1:])
    code, _, err = run_cli(["verify", str(tutorial_log)], capsys)
    assert code == 1
    line = one_line_error(err, tutorial_log)
    assert "day 5" in line and "hash" in line


def test_verify_catches_a_changed_seed_on_the_first_day(
    tutorial_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(tutorial_log, 0, '"seed":1', '"seed":2')
    code, _, err = run_cli(["verify", str(tutorial_log)], capsys)
    assert code == 1
    assert "day 0" in one_line_error(err, tutorial_log)


def test_verify_catches_a_changed_footer(
    tutorial_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(tutorial_log, -2, '"outcome":"', '"outcome":"not_')
    code, _, err = run_cli(["verify", str(tutorial_log)], capsys)
    assert code == 1
    assert "footer" in one_line_error(err, tutorial_log)


def _own_scenario(tmp_path: Path) -> tuple[Path, Path]:
    scenario, log = tmp_path / "mine.toml", tmp_path / "mine.jsonl"
    scenario.write_bytes(TUTORIAL.read_bytes())
    assert cli.main(["run", str(scenario), "--seed", "1", "--quiet", "--log", str(log)]) == 0
    return scenario, log


def test_a_log_whose_scenario_changed_since_is_reported_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, log = _own_scenario(tmp_path)
    scenario.write_text(
        scenario.read_text().replace("strength_men = 12000", "strength_men = 11000", 1)
    )
    capsys.readouterr()
    for command in (["verify", str(log)], ["replay", str(log), "--day", "1"]):
        code, _, err = run_cli(command, capsys)
        assert code == 1
        assert "has changed since the log was written" in one_line_error(err, log, scenario)
    code, _, err = run_cli(["run", "--from", str(log), "--day", "2"], capsys)
    assert code == 2
    assert "has changed since" in one_line_error(err, log)


def test_comments_and_layout_of_the_scenario_do_not_count_as_a_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, log = _own_scenario(tmp_path)
    scenario.write_text("# a new comment\n" + scenario.read_text())
    capsys.readouterr()
    code, _, err = run_cli(["verify", str(log)], capsys)
    assert code == 0, err


# --------------------------------------------------------------------------- branch and diff


@pytest.mark.parametrize("name", BOTH)
def test_branch_records_its_branch_point_and_repeats_the_parent_until_then(
    name: str, logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = logs[name]
    group = (
        "def_air"
        if name == "tutorial"
        else next(
            g["id"]
            for g in read_toml(SCENARIOS / f"{name}.toml")["air_groups"]
            if g["side"] == "chinese"
        )
    )
    days = read_log(parent).days
    bday = next(d["day"] for d in days[2:] if d["air"]["chinese"]["sorties"] > 0)
    branch = tmp_path / "branch.jsonl"
    code, _, err = run_cli(
        [
            "run",
            name,
            "--from",
            str(parent),
            "--day",
            str(bday),
            "--set",
            f"air_groups.{group}.aircraft=0",
            "--log",
            str(branch),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    head = lines_of(branch)[0]
    parent_head = lines_of(parent)[0]
    assert head["branch"]["day"] == bday
    assert head["branch"]["date"] == days[bday]["date"]
    assert head["branch"]["overrides"] == [f"air_groups.{group}.aircraft=0"]
    assert head["branch"]["from_log"] == str(parent)
    assert {k: head[k] for k in ("seed", "overrides", "scenario_sha256")} == {
        k: parent_head[k] for k in ("seed", "overrides", "scenario_sha256")
    }
    child = branch.read_text().splitlines()
    mother = parent.read_text().splitlines()
    assert child[1 : bday + 1] == mother[1 : bday + 1]  # days before: byte for byte
    assert child[bday + 1] != mother[bday + 1]  # fewer Chinese sorties that day
    assert (
        lines_of(branch)[bday + 1]["air"]["chinese"]["sorties"]
        < days[bday]["air"]["chinese"]["sorties"]
    )
    code, out, err = run_cli(["verify", str(branch)], capsys)
    assert code == 0, err
    code, out, err = run_cli(["diff", str(parent), str(branch)], capsys)
    assert code == 0, err
    assert f"first difference on day {bday} ({head['branch']['date']}): air.chinese" in out
    assert re.search(r"^(outcomes differ in|same outcome)", out, re.M)
    assert "Outcomes" in out and "japanese total" in out


def test_branch_by_date_without_naming_the_scenario(
    tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branch = tmp_path / "b.jsonl"
    code, _, err = run_cli(
        [
            "run",
            "--from",
            str(tutorial_log),
            "--date",
            "1945-04-10",
            "--set",
            "params.ambush.surprise_factor=1.0",
            "--log",
            str(branch),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    assert lines_of(branch)[0]["branch"]["day"] == 4


def test_branch_that_changes_nothing_says_so(
    tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        [
            "run",
            "--from",
            str(tutorial_log),
            "--day",
            "3",
            "--set",
            "meta.description=the same war",
            "--quiet",
        ],
        capsys,
    )
    assert code == 0
    assert "identical" in err and "no effect" in err


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--seed", "2"], "takes the seed from the log"),
        ([], "needs --day N or --date"),
    ],
)
def test_branch_usage_errors(
    extra: list[str],
    words: str,
    tutorial_log: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["run", "--from", str(tutorial_log), "--log", str(tmp_path / "b.jsonl"), *extra]
    if "--seed" in extra:
        args += ["--day", "2"]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert words in one_line_error(err, tutorial_log)
    assert files(tmp_path) == {"tutorial.jsonl"}


def test_no_branch_of_a_branch(
    tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branch = tmp_path / "b.jsonl"
    assert (
        cli.main(
            ["run", "--from", str(tutorial_log), "--day", "2", "--log", str(branch), "--quiet"]
        )
        == 0
    )
    capsys.readouterr()
    code, _, err = run_cli(["run", "--from", str(branch), "--day", "4"], capsys)
    assert code == 2
    assert "is itself a branch" in one_line_error(err, branch)


def test_branch_from_a_log_that_does_not_replay_fails_and_writes_nothing(
    tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    h = lines_of(tutorial_log)[2]["hash"]
    _tamper(tutorial_log, 2, h, ("0" if h[0] != "0" else "1") + h[1:])
    code, _, err = run_cli(
        [
            "run",
            "--from",
            str(tutorial_log),
            "--day",
            "5",
            "--log",
            str(tmp_path / "b.jsonl"),
            "--quiet",
        ],
        capsys,
    )
    assert code == 1
    assert "day 1 does not replay" in one_line_error(err, tutorial_log)
    assert files(tmp_path) == {"tutorial.jsonl"}


def test_diff_of_a_log_with_itself_and_with_another_seed(
    logs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = logs["tutorial"]
    code, out, _ = run_cli(["diff", str(a), str(a)], capsys)
    assert code == 0
    assert f"identical: {len(read_log(a).days)} days" in out
    b = tmp_path / "seed2.jsonl"
    assert cli.main(["run", "tutorial", "--seed", "2", "--quiet", "--log", str(b)]) == 0
    capsys.readouterr()
    code, out, _ = run_cli(["diff", str(a), str(b)], capsys)
    assert code == 0
    assert "headers differ: seed: A 1 vs B 2" in out
    assert "first difference on day 0 (1945-04-06)" in out


# --------------------------------------------------------------------------- interruption


class _Interrupted(engine.Campaign):
    """A campaign whose user presses Ctrl-C during day 5."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.callbacks.append(self._ctrl_c)

    @staticmethod
    def _ctrl_c(c: engine.Campaign, record: dict[str, Any]) -> None:
        if record["day"] == 5:
            raise KeyboardInterrupt


def test_ctrl_c_exits_130_and_leaves_a_readable_log_marked_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(engine, "Campaign", _Interrupted)
    log = tmp_path / "x.jsonl"
    code, _, err = run_cli(
        [
            "run",
            "tutorial",
            "--seed",
            "1",
            "--log",
            str(log),
            "--summary",
            str(tmp_path / "x.json"),
        ],
        capsys,
    )
    assert code == 130
    assert "interrupted" in one_line_error(err, log)
    assert files(tmp_path) == {"x.jsonl"}
    t = read_log(log)
    assert len(t.days) == 5
    assert t.footer == {
        "type": "footer",
        "complete": False,
        "days": 5,
        "final_hash": t.days[-1]["hash"],
        "reason": "interrupted",
    }
    monkeypatch.undo()
    code, out, err = run_cli(["verify", str(log)], capsys)
    assert code == 0, err
    assert out.strip() == "verified 5 days (log marked incomplete)"
    code, out, _ = run_cli(["replay", str(log)], capsys)
    assert code == 0 and out.startswith("1945-04-10")


def test_sigint_to_a_running_process(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wargame",
            "run",
            "tutorial",
            "--seed",
            "1",
            "--delay",
            "0.3",
            "--log",
            "x.jsonl",
        ],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("1945-04-06")  # day 0 played
    time.sleep(0.4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in one_line_error(err, "x.jsonl")
    t = read_log(tmp_path / "x.jsonl")
    assert not t.complete and t.footer is not None and t.footer["reason"] == "interrupted"
    assert 1 <= len(t.days) < 22
    assert files(tmp_path) == {"x.jsonl"}


def test_a_closed_pipe_does_not_lose_the_log(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wargame",
            "run",
            "tutorial",
            "--seed",
            "1",
            "--delay",
            "0.02",
            "--log",
            "x.jsonl",
        ],
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err
    assert read_log(tmp_path / "x.jsonl").complete


class _Failing(engine.Campaign):
    """A campaign whose engine breaks during day 3."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.callbacks.append(self._bug)

    @staticmethod
    def _bug(c: engine.Campaign, record: dict[str, Any]) -> None:
        if record["day"] == 3:
            raise ZeroDivisionError("division by zero")


def test_a_failing_simulation_exits_1_and_keeps_its_log_marked_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(engine, "Campaign", _Failing)
    log = tmp_path / "x.jsonl"
    code, _, err = run_cli(["run", "tutorial", "--seed", "1", "--log", str(log), "--quiet"], capsys)
    assert code == 1
    assert "simulation failed on day 3: ZeroDivisionError" in one_line_error(err, log)
    t = read_log(log)
    assert len(t.days) == 3 and t.footer is not None and not t.complete
    assert t.footer["reason"].startswith("failed: ZeroDivisionError")


# --------------------------------------------------------------------------- bad input


def _bad_logs(good: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Broken copies of a good log: name -> (path, words the error must contain)."""
    text = good.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    out: dict[str, tuple[Path, str]] = {}

    def put(name: str, content: str | None, words: str) -> None:
        path = folder / f"{name}.jsonl"
        if content is not None:
            path.write_text(content, encoding="utf-8")
        out[name] = (path, words)

    put("missing", None, "not found")
    put("empty", "", "empty")
    put("truncated", "".join(lines[:3]) + lines[3][: len(lines[3]) // 2], "truncated")
    put(
        "not_json",
        "".join(lines[:3]) + "{this is not json\n" + "".join(lines[4:]),
        "line 4: not valid JSON",
    )
    put(
        "schema",
        text.replace(f'"log_schema":{LOG_SCHEMA}', '"log_schema":99', 1),
        "unknown log schema version 99",
    )
    put("not_a_log", '{"hello": "world"}\n', "line 1")
    return out


BAD = ["missing", "empty", "truncated", "not_json", "schema", "not_a_log"]


@pytest.mark.parametrize("case", BAD)
@pytest.mark.parametrize("command", ["replay", "verify", "diff", "branch"])
def test_a_broken_log_is_one_line_exit_2_and_writes_nothing(
    case: str,
    command: str,
    logs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, words = _bad_logs(logs["tutorial"], tmp_path)[case]
    before = files(tmp_path)
    args = {
        "replay": ["replay", str(path), "--day", "1"],
        "verify": ["verify", str(path)],
        "diff": ["diff", str(logs["tutorial"]), str(path)],
        "branch": [
            "run",
            "tutorial",
            "--from",
            str(path),
            "--day",
            "1",
            "--log",
            str(tmp_path / "out.jsonl"),
            "--summary",
            str(tmp_path / "out.json"),
        ],
    }[command]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert words in one_line_error(err, path)
    assert files(tmp_path) == before


def test_a_log_of_another_scenario_cannot_be_branched_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.toml"
    other.write_text(
        TUTORIAL.read_text().replace(
            'name = "Tutorial: one pass, one airfield"', 'name = "Another game"', 1
        )
    )
    log = tmp_path / "other.jsonl"
    assert cli.main(["run", str(other), "--seed", "1", "--quiet", "--log", str(log)]) == 0
    capsys.readouterr()
    before = files(tmp_path)
    code, _, err = run_cli(
        ["run", "tutorial", "--from", str(log), "--day", "2", "--log", str(tmp_path / "b.jsonl")],
        capsys,
    )
    assert code == 2
    assert "a log of scenario 'Another game'" in one_line_error(err, log)
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "{log}", "--day", "99"],
        ["replay", "{log}", "--day", "-1"],
        ["replay", "{log}", "--date", "1946-01-01"],
        ["replay", "{log}", "--date", "May Day"],
        ["run", "--from", "{log}", "--day", "99", "--log", "{tmp}/b.jsonl"],
    ],
)
def test_a_day_out_of_range_is_one_line_exit_2(
    args: list[str], tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(tmp_path)
    code, out, err = run_cli([a.format(log=tutorial_log, tmp=tmp_path) for a in args], capsys)
    assert code == 2 and out == ""
    line = one_line_error(err, tutorial_log)
    days = read_log(tutorial_log).days
    assert (
        f"is outside the log, which covers day 0 ({days[0]['date']}) to day "
        f"{len(days) - 1} ({days[-1]['date']})"
        in line
        or "is not a date" in line
    )
    assert files(tmp_path) == before


@pytest.mark.parametrize("option", ["--log", "--summary", "--export"])
def test_an_output_path_in_a_missing_directory(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "out.txt"
    code, out, err = run_cli(["run", "tutorial", "--seed", "1", option, str(target)], capsys)
    assert code == 2 and out == ""
    assert "does not exist" in one_line_error(err, target)
    assert files(tmp_path) == set()


def _unwritable(tmp_path: Path) -> list[Path]:
    """Output paths that cannot be written, whoever runs the tests."""
    blocker = tmp_path / "somefile"
    blocker.write_text("a file, not a folder")
    paths = [blocker / "out.jsonl"]
    if os.geteuid() == 0:
        paths.append(Path("/proc/wargame-test-out.jsonl"))  # root may write anywhere else
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        paths.append(locked / "out.jsonl")
    return paths


@pytest.mark.parametrize("option", ["--log", "--summary", "--export"])
def test_an_unwritable_output_path(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target in _unwritable(tmp_path):
        before = files(tmp_path)
        target_name = target.with_suffix(".txt") if option == "--export" else target
        code, out, err = run_cli(
            ["run", "tutorial", "--seed", "1", option, str(target_name)], capsys
        )
        assert code == 2 and out == "", err
        one_line_error(err, target_name)
        assert files(tmp_path) == before
        assert not target_name.exists()


def test_an_output_path_that_is_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["run", "tutorial", "--seed", "1", "--log", str(tmp_path)], capsys)
    assert code == 2
    assert "is a directory" in one_line_error(err, tmp_path)


def test_the_same_output_twice_and_a_wrong_export_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.txt"
    code, _, err = run_cli(["run", "tutorial", "--log", str(out), "--export", str(out)], capsys)
    assert code == 2
    assert "both --log and --export" in one_line_error(err, out)
    code, _, err = run_cli(["run", "tutorial", "--export", str(tmp_path / "r.pdf")], capsys)
    assert code == 2
    assert ".html, .svg or .txt" in one_line_error(err, "r.pdf")
    assert files(tmp_path) == set()


def test_a_missing_scenario_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["run", "no_such_scenario", "--log", str(tmp_path / "x.jsonl")], capsys)
    assert code == 2
    one_line_error(err, "no_such_scenario")
    assert files(tmp_path) == set()
