"""The live display as users see it: whole West Hunan campaigns at a terminal, every day of a
replayed log, at small and large terminals, and at a real pseudo-terminal."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import wargame.cli as cli
from wargame import report
from wargame.engine import Campaign
from wargame.scenario import load_scenario
from wargame.turnlog import read_log

ROOT = Path(__file__).resolve().parent.parent
WEST = ROOT / "scenarios" / "west_hunan_1945.toml"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>78]|\r")
HEADER = re.compile(r"(\d{4}-\d{2}-\d{2})  D\+(\d+)/(\d+)  [^\n]* air: [^\n]*sorties CN \d+")
SIZES = [(80, 24), (160, 50), (200, 60), (100, 30)]


class Screen:
    """A console that keeps each live frame (rich's Live writes each refresh as one write)."""

    def __init__(self, width: int, height: int) -> None:
        self.buf = io.StringIO()
        self.console = Console(
            file=self.buf,
            force_terminal=True,
            width=width,
            height=height,
            highlight=False,
            color_system="truecolor",
        )

    @property
    def text(self) -> str:
        return ANSI.sub("", self.buf.getvalue())


@pytest.mark.parametrize("seed", range(1, 21))
def test_a_whole_west_hunan_campaign_plays_through_the_live_display(
    seed: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``wargame run --seed N`` at a terminal, the newcomer's first command: every day is
    drawn, with its date header, and the campaign ends with the report and exit 0."""
    width, height = SIZES[seed % len(SIZES)]
    screen = Screen(width, height)
    monkeypatch.setattr(cli, "console_for", lambda args: screen.console)
    code = cli.main(["run", "west_hunan_1945", "--seed", str(seed), "--delay", "0"])
    _, err = capsys.readouterr()
    assert code == 0, err
    dates = [m.group(1) for m in HEADER.finditer(screen.text)]
    assert dates[0] == "1945-04-06"
    assert len(set(dates)) >= 30  # every day drawn (the campaign lasts 30+ days)
    assert "End of campaign" in screen.text
    assert "Play it again" in screen.text and f"--seed {seed}" in screen.text


@pytest.mark.parametrize("width, height", [(80, 24), (160, 50), (200, 60)])
def test_the_screen_fills_the_terminal_with_a_fixed_map_frame(width: int, height: int) -> None:
    """Each frame is the terminal's size less one row; the header is the first line; the map's
    frame has the same size every day; every place with fighting is named on the map."""
    scenario = load_scenario(WEST)
    c = Campaign(scenario, 1)
    reach = report.ColumnReach()
    frames: list[list[str]] = []
    fought: list[set[str]] = []

    def draw(camp: Campaign, record: dict[str, Any]) -> None:
        reach.update(camp.world, camp.state, record["date"])
        screen = Screen(width, height)
        screen.console.print(
            report.situation(camp.world, camp.state, record, width, height - 1, reach=reach)
        )
        frames.append(screen.text.rstrip("\n").split("\n"))
        places, roads = report.fighting_places(record)
        fought.append(
            {
                report.short_name(report.place_name(camp.world, p))
                for p in places | {p for r in roads for p in r}
            }
        )

    c.callbacks.append(draw)
    c.run(until_day=45)
    boxes = set()
    for lines, names in zip(frames, fought, strict=True):
        assert len(lines) == height - 1
        assert all(len(line) <= width for line in lines)
        assert HEADER.match(lines[0]), lines[0]
        top = next(i for i, line in enumerate(lines) if "╭" in line)
        bottom = next(i for i, line in enumerate(lines) if "╰" in line)
        boxes.add((top, bottom, lines[top].index("╭"), lines[top].index("╮")))
        shown = "\n".join(lines[top : bottom + 1])
        also = shown.split("also at: ")[1].split("│")[0] if "also at: " in shown else ""
        for name in names:
            assert f"!{name}" in shown or name in also.strip().split(", "), name
        assert "furthest point of a column" in shown and "! fighting today" in shown
    assert len(boxes) == 1  # the frame never moves or changes size
    assert sum(bool(n) for n in fought) >= 10  # and there was fighting to name


def test_the_furthest_point_of_each_column_is_shown() -> None:
    scenario = load_scenario(WEST)
    c = Campaign(scenario, 2)
    reach = report.ColumnReach()
    c.callbacks.append(lambda camp, r: reach.update(camp.world, camp.state, r["date"]))
    c.run(until_day=25)
    assert set(reach.furthest) == set(scenario.sides.japanese.columns)  # every column
    screen = Screen(160, 50)
    screen.console.print(report.columns_table(c.world, c.state, reach))
    for km, place, _ in reach.furthest.values():
        assert f"{report.short_name(report.place_name(c.world, place))} {km:.0f} km" in screen.text
    dist = c.world.tmap.dist
    for u in c.state.units_of(scenario.objective.attacker):
        col = c.world.unit(u.id).column
        if col and u.location:
            assert reach.furthest[col][0] <= dist[u.location][scenario.objective.place]


def test_an_engagement_on_a_road_is_named_as_the_road() -> None:
    """The first round's crash: an engagement fought on a road (``dongkou>shanmen``) was
    looked up as a place."""
    world = Campaign(load_scenario(WEST), 1).world
    assert report.place_name(world, "dongkou>shanmen") == "Dongkou–Shanmen road"
    table = report.engagements_table(
        world,
        {
            "engagements": [
                {
                    "place": "dongkou>shanmen",
                    "attackers": ["ch_57div"],
                    "ratio": 0.5,
                    "att_losses": 10,
                    "def_losses": 5,
                    "outcome": "pursuit",
                    "surprise": 1.0,
                }
            ]
        },
    )
    screen = Screen(120, 10)
    screen.console.print(table)
    assert "Dongkou–Shanmen road" in screen.text


def test_replay_steps_through_every_day_of_a_west_hunan_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "west.jsonl"
    assert cli.main(["run", "west_hunan_1945", "--seed", "1", "--quiet", "--log", str(log)]) == 0
    days = read_log(log).days
    screen = Screen(160, 50)
    keys = iter(["\n"] * (len(days) - 1) + ["q"])
    monkeypatch.setattr(cli, "console_for", lambda args: screen.console)
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.setattr(cli, "read_key", lambda prompt: next(keys))
    capsys.readouterr()
    assert cli.main(["replay", str(log), "--step"]) == 0, capsys.readouterr().err
    shown = [m.group(1) for m in HEADER.finditer(screen.text)]
    assert shown == [d["date"] for d in days]


def _pty_run(argv: list[str], cols: int, rows: int, cwd: Path) -> tuple[int, str]:
    """Run a command at a pseudo-terminal of the given size; (exit status, what it showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdio
        os.chdir(cwd)
        os.execvpe(argv[0], argv, {**os.environ, "TERM": "xterm-256color"})
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = bytearray()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), ANSI.sub("", out.decode("utf-8", "replace"))


@pytest.mark.parametrize("cols, rows, seed", [(80, 24, 1), (160, 50, 3)])
def test_run_at_a_pseudo_terminal(cols: int, rows: int, seed: int, tmp_path: Path) -> None:
    code, shown = _pty_run(
        [sys.executable, "-m", "wargame", "run", "--seed", str(seed), "--delay", "0"],
        cols,
        rows,
        tmp_path,
    )
    assert code == 0, shown[-2000:]
    assert "1945-04-06  D+0/62" in shown
    assert "End of campaign" in shown and "internal error" not in shown


def test_piped_params_are_not_wrapped(tmp_path: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "wargame", "params"],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "COLUMNS"},
    )
    assert p.returncode == 0, p.stderr
    rows = [line for line in p.stdout.splitlines() if line.startswith("│ params.")]
    n_params = (
        len(
            list(
                csv.reader(
                    io.StringIO(
                        subprocess.run(
                            [sys.executable, "-m", "wargame", "params", "--format", "csv"],
                            cwd=tmp_path,
                            text=True,
                            capture_output=True,
                            timeout=60,
                        ).stdout
                    )
                )
            )
        )
        - 1
    )
    assert len(rows) == n_params  # one line per parameter: nothing wrapped


def test_a_plain_install_finds_the_bundled_scenarios_from_any_folder(tmp_path: Path) -> None:
    """``pip install .`` (not editable): the scenarios and variants ship in the package."""
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("wargame-*.whl")
    inst = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert inst.returncode == 0, inst.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(target)}

    def wargame(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wargame", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    where = wargame("list")
    assert where.returncode == 0, where.stderr
    assert where.stdout.split()[0] == "tutorial" and "west_hunan_1945" in where.stdout
    assert str(target) in where.stdout  # read from the installed package
    run = wargame("run", "west_hunan_1945", "--seed", "4", "--quiet")
    assert run.returncode == 0, run.stderr
    assert "seed 4:" in run.stdout
    assert (target / "wargame" / "scenarios" / "variants.toml").is_file()


def _hostile_tutorial(tmp_path: Path) -> Path:
    """The tutorial with control characters in its names: a screen clear, a carriage return
    and a newline that would fake an error line."""
    text = (ROOT / "scenarios" / "tutorial.toml").read_text(encoding="utf-8")
    text = text.replace(
        'name = "Tutorial: one pass, one airfield"', 'name = "Tutorial\\u001b[2J\\u001b[H"'
    )
    text = text.replace('name = "Ford Village"', 'name = "Ford\\rVillage\\nwargame: error"')
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--seed", "1"],
        ["validate"],
        ["oob"],
        ["oob", "--format", "csv"],
        ["params", "--format", "json"],
    ],
)
def test_names_with_control_characters_are_shown_escaped(
    command: list[str], tmp_path: Path
) -> None:
    path = _hostile_tutorial(tmp_path)
    p = subprocess.run(
        [sys.executable, "-m", "wargame", command[0], str(path), *command[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert "\x1b" not in p.stdout and "\r" not in p.stdout
    assert not any(line.startswith("wargame: error") for line in p.stdout.splitlines())
    if command[0] in ("run", "validate"):
        assert "Tutorial\\x1b[2J\\x1b[H" in p.stdout


def test_names_with_control_characters_on_the_live_display(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = Screen(160, 50)
    monkeypatch.setattr(cli, "console_for", lambda args: screen.console)
    assert cli.main(["run", str(_hostile_tutorial(tmp_path)), "--seed", "1", "--delay", "0"]) == 0
    raw = screen.buf.getvalue()
    assert "\x1b[2J" not in raw and "Ford\rVillage" not in raw
    assert "Tutorial\\x1b[2J" in screen.text


@pytest.mark.parametrize("command", [["params"], ["oob"]])
def test_params_and_oob_in_every_format(command: list[str], tmp_path: Path) -> None:
    def out(fmt: str) -> str:
        p = subprocess.run(
            [sys.executable, "-m", "wargame", *command, "--format", fmt],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert p.returncode == 0, p.stderr
        return p.stdout

    rows = list(csv.DictReader(io.StringIO(out("csv"))))
    records = json.loads(out("json"))
    markdown = [line for line in out("markdown").splitlines() if line.startswith("| ")]
    assert len(rows) == len(records) == len(markdown) - 1 > 20
    key = "key" if command == ["params"] else "id"
    assert [r[key] for r in rows] == [r[key] for r in records]
    if command == ["params"]:
        assert records[0]["value"] == json.loads(rows[0]["value"])  # typed in JSON
        assert all(r["source"] for r in records)  # every one sourced
    else:
        assert {"jp_116div", "new6_14div"} <= {r["id"] for r in records}
