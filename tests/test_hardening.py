"""Hardening (issue 8): whatever the program is fed, it says clearly what is wrong, keeps what it
already computed and never corrupts a file.

- Bad input at every entry point the other suites do not reach: scenario files through ``run``,
  ``oob`` and ``params``; ``--set`` values; ``run`` arguments; turn logs; batch directories and
  the analysis commands' files. Each case: exit 2, one line on stderr naming the file (and the
  field), no traceback, nothing written.
- Invariants under fuzzing: Hypothesis mutates the bundled scenarios within their documented
  ranges and plays whole campaigns, checking the state after every day.
- Determinism: the same bytes across processes, hash seeds and worker counts; a replay from the
  log; any changed byte in a log is caught.
- Faults: runs and batches killed (SIGINT, SIGKILL) at random moments leave every file complete,
  absent, the previous version, or marked incomplete and still readable.

Already covered elsewhere (not repeated here): ``validate`` with bad files and overrides
(test_scenario.py), broken logs for replay/verify/diff/branch and Ctrl-C in a run
(test_cli.py), batch argument errors and runs.csv across worker counts (test_analysis.py),
conservation over the tutorial (test_engine.py).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from wargame import movement
from wargame.analysis.batch import COLUMNS
from wargame.cli import main
from wargame.engine import Campaign
from wargame.formats import canonical_json
from wargame.params import Params
from wargame.scenario import (
    MAX_AIRCRAFT,
    MAX_DAYS,
    MAX_FILE_BYTES,
    MAX_MEN,
    MAX_PLACES,
    MAX_ROADS,
    MAX_UNIT_DAYS,
    MAX_UNITS,
    Scenario,
    Side,
    apply_overrides,
    read_toml,
    validate_data,
)
from wargame.state import LOSS_CATEGORIES, Status
from wargame.turnlog import read_log

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
TUTORIAL = SCENARIOS / "tutorial.toml"
WEST_HUNAN = SCENARIOS / "west_hunan_1945.toml"
TUTORIAL_TEXT = TUTORIAL.read_text(encoding="utf-8")
MAX_SEED = 2**63 - 1


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def one_line(err: str, *names: str | Path) -> str:
    """stderr of a refused command: exactly one line, no traceback, naming every name given."""
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    for name in names:
        assert str(name) in lines[0], (str(name), lines[0])
    return lines[0]


def wargame(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wargame", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def tutorial_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete seed-5 tutorial log (read-only)."""
    path = tmp_path_factory.mktemp("log") / "tutorial.jsonl"
    assert main(["run", "tutorial", "--seed", "5", "--quiet", "--log", str(path)]) == 0
    return path


@contextlib.contextmanager
def fifo(path: Path) -> Iterator[Path]:
    """A named pipe that nobody writes to. A reader that opens it is released at once (a
    writer thread opens it and closes it without writing), so a regression shows up as a wrong
    message instead of a test that hangs."""
    os.mkfifo(path)

    def release() -> None:
        with contextlib.suppress(OSError), open(path, "wb"):
            pass

    t = threading.Thread(target=release, daemon=True)
    t.start()
    try:
        yield path
    finally:
        if t.is_alive():  # nobody opened it: open the reading end so the writer returns
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            t.join(5)
            os.close(fd)


# =========================================================================== bad scenario files


def rep(old: str, new: str) -> Callable[[str], str]:
    def mutate(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return mutate


def add(extra: str) -> Callable[[str], str]:
    return lambda text: text + "\n" + extra + "\n"


def place(pid: str, lat: float = 27.0, lon: float = 110.0) -> str:
    return (
        f'[[places]]\nid = "{pid}"\nname = "{pid}"\nlat = {lat}\nlon = {lon}\nterrain = "plain"\n'
    )


def unit(uid: str, where: str = "eastbridge", side: str = "japanese") -> str:
    return (
        f'[[units]]\nid = "{uid}"\nside = "{side}"\nname = "{uid}"\n'
        f'echelon = "detachment"\nstrength_men = 100\nlocation = "{where}"\n'
    )


def many(make: Callable[[int], str], n: int) -> Callable[[str], str]:
    return lambda text: text + "\n" + "\n".join(make(i) for i in range(n)) + "\n"


ROUTE = 'route = ["eastbridge", "ford_village", "high_pass", "west_town", "west_airfield"]'
TEXT = Callable[[str], str]
BAD_FILES: dict[str, tuple[TEXT | bytes | None, str]] = {
    # unreadable or hostile files (bytes: written as they are; None: no file at all)
    "missing file": (None, r"file not found"),
    "empty file": (b"", r"file is empty"),
    "only blanks": (b"  \n\n\t\n", r"file is empty"),
    "not UTF-8": (b"[meta]\nname = '\xff\xfe'\n", r"not UTF-8 text \(byte \d+\)"),
    "binary with NUL": (b"[meta]\nname = 'x'\x00\x01\x02\n", r"binary data"),
    "binary noise": (
        bytes(np.random.default_rng(8).integers(0, 256, 4096, dtype=np.uint8)),
        r"not UTF-8|binary data",
    ),
    "PNG image": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), r"not UTF-8|binary data"),
    "deeply nested arrays": (
        b"a = " + b"[" * 200 + b"]" * 200 + b"\n",
        r"nested more than 32 levels deep",
    ),
    "arrays nested past the recursion limit": (
        b"a = " + b"[" * 100_000 + b"]" * 100_000,
        r"nested too deeply",
    ),
    "deeply nested inline tables": (
        b"a = " + b"{b = " * 300 + b"1" + b"}" * 300 + b"\n",
        r"nested more than 32 levels deep",
    ),
    "deeply nested table header": (
        b"[" + b".".join([b"x"] * 300) + b"]\n",
        r"nested more than 32 levels deep",
    ),
    "TOML syntax error": (
        rep('id = "eastbridge"\n', 'id = "eastbridge\n'),
        r"TOML syntax error: .*line \d+",
    ),
    # values: NaN, infinite, negative, absurdly large
    "NaN latitude": (rep("lat = 27.20", "lat = nan"), r"places\.eastbridge\.lat: .*finite"),
    "infinite elevation": (
        rep("elevation_m = 250", "elevation_m = inf"),
        r"places\.eastbridge\.elevation_m: .*finite",
    ),
    "infinite road length": (
        rep("length_km = 26", "length_km = inf"),
        r"roads\.eastbridge-ford_village\.length_km: .*finite",
    ),
    "NaN parameter": (
        rep('{ "4" = 0.5 }', '{ "4" = nan }'),
        r"params\.weather\.rain_probability_by_month\.4: .*finite",
    ),
    "NaN in a tuple parameter": (
        add("[params.combat]\nsize_effect_bounds = [nan, 4.0]"),
        r"params\.combat\.size_effect_bounds\[0\]: .*finite",
    ),
    "minus infinity aircraft": (
        rep("aircraft = 60", "aircraft = -inf"),
        r"air_groups\.def_air\.aircraft: .*finite",
    ),
    "negative strength": (
        rep("strength_men = 12000", "strength_men = -12000"),
        r"units\.att_1div\.strength_men: .*greater than 0",
    ),
    "negative aircraft": (
        rep("aircraft = 60", "aircraft = -60"),
        r"air_groups\.def_air\.aircraft: .*greater than or equal to 0",
    ),
    "negative river crossings": (
        rep("river_crossings = 1", "river_crossings = -1"),
        r"roads\.eastbridge-ford_village\.river_crossings: .*greater",
    ),
    "negative parameter": (
        add("[params.combat]\nattacker_base_rate = -0.1"),
        r"params\.combat\.attacker_base_rate: .*greater than or equal to 0",
    ),
    "strength 1e300": (
        rep("strength_men = 12000", "strength_men = 1e300"),
        rf"units\.att_1div\.strength_men: .*less than or equal to {MAX_MEN}",
    ),
    "strength 2**70": (
        rep("strength_men = 12000", f"strength_men = {2**70}"),
        rf"units\.att_1div\.strength_men: .*less than or equal to {MAX_MEN}",
    ),
    "aircraft 10**12": (
        rep("aircraft = 60", f"aircraft = {10**12}"),
        rf"air_groups\.def_air\.aircraft: .*less than or equal to {MAX_AIRCRAFT}",
    ),
    "aircraft 1e300": (rep("aircraft = 60", "aircraft = 1e300"), r"air_groups\.def_air\.aircraft"),
    "elevation 1e300": (
        rep("elevation_m = 250", "elevation_m = 1e300"),
        r"places\.eastbridge\.elevation_m: .*less than or equal to 9000",
    ),
    "parameter 1e300": (
        add("[params.combat]\nattacker_base_rate = 1e300"),
        r"params\.combat\.attacker_base_rate: .*less than or equal to 1",
    ),
    "table parameter 1e300": (
        rep('{ "4" = 0.5 }', '{ "4" = 1e300 }'),
        r"rain_probability_by_month\.4: .*less than or equal to",
    ),
    # wrong types
    "strength as text": (
        rep("strength_men = 12000", 'strength_men = "many"'),
        r"units\.att_1div\.strength_men: .*integer",
    ),
    "aircraft as true": (
        rep("aircraft = 60", "aircraft = true"),
        r"air_groups\.def_air\.aircraft: a number, not true/false",
    ),
    "latitude as false": (
        rep("lat = 27.20", "lat = false"),
        r"places\.eastbridge\.lat: a number, not true/false",
    ),
    "parameter as true": (
        add("[params.combat]\ndays_to_prepared = true"),
        r"params\.combat\.days_to_prepared: a number, not true/false",
    ),
    "flag as a number": (
        rep("crosses_pass = true", "crosses_pass = 1"),
        r"roads\.ford_village-high_pass\.crosses_pass: true or false",
    ),
    "name as a number": (
        rep('name = "Eastbridge"', "name = 5"),
        r"places\.eastbridge\.name: .*valid string",
    ),
    "features as text": (
        rep('features = ["airfield"]', 'features = "airfield"'),
        r"places\.west_airfield\.features: .*valid list",
    ),
    "meta as a number": (
        lambda t: re.sub(r"\[meta\]\n.*?(?=\[objective\])", "meta = 5\n\n", t, flags=re.S),
        r"meta: .*dictionary",
    ),
    "parameter section as a number": (
        rep('[params.weather]\nrain_probability_by_month = { "4" = 0.5 }', "[params]\nweather = 5"),
        r"params\.weather: .*dictionary",
    ),
    "unknown top-level field": (
        rep("[meta]\n", 'colour = "red"\n[meta]\n'),
        r"colour: unknown field",
    ),
    "id with spaces": (rep('id = "att_2bde"', 'id = "Att 2bde!"'), r"units\..*\.id: .*pattern"),
    "date as text": (rep("end_date = 1945-04-30", 'end_date = "soon"'), r"meta\.end_date"),
    "date with a time": (
        rep("end_date = 1945-04-30", "end_date = 1945-04-30T10:00:00"),
        r"meta\.end_date: .*zero time",
    ),
    "unknown month": (
        rep('{ "4" = 0.5 }', '{ "13" = 0.5 }'),
        r"params\.weather\.rain_probability_by_month\.13: unknown key",
    ),
    "misspelt terrain key": (
        add("[params.combat.terrain_defender]\nmountian = 2.0"),
        r"params\.combat\.terrain_defender\.mountian: unknown key",
    ),
    "unknown key in a nested table": (
        add("[params.combat.advance_rate_km.light]\nswamp = 3.0"),
        r"params\.combat\.advance_rate_km\.light\.swamp: unknown",
    ),
    # dates outside the campaign
    "arrival after the last day": (
        rep("day = 5,", "day = 25,"),
        r"units\.def_30div\.arrival\.day: day 25 is after",
    ),
    "arrival on a negative day": (
        rep("day = 5,", "day = -1,"),
        r"units\.def_30div\.arrival\.day: .*greater than or equal",
    ),
    "arrival on day 10**20": (
        rep("day = 5,", f"day = {10**20},"),
        r"units\.def_30div\.arrival\.day: .*less than or equal",
    ),
    "end before start": (
        rep("end_date = 1945-04-30", "end_date = 1945-04-01"),
        r"meta\.end_date: .*before start_date",
    ),
    "campaign of over ten years": (
        rep("end_date = 1945-04-30", "end_date = 1955-04-30"),
        rf"meta\.end_date: .*exceeds the limit {MAX_DAYS}",
    ),
    # ids that do not exist or repeat
    "objective nowhere": (
        rep('place = "west_airfield"      #', 'place = "nowhere"      #'),
        r"objective\.place: unknown place 'nowhere'",
    ),
    "depot nowhere": (
        rep('depots = ["eastbridge"]', 'depots = ["nowhere"]'),
        r"sides\.japanese\.depots\[0\]: unknown place 'nowhere'",
    ),
    "no depot": (rep('depots = ["eastbridge"]', "depots = []"), r"sides\.japanese\.depots"),
    "start line nowhere": (
        rep('start_line = ["eastbridge", "ford_village"]', 'start_line = ["nowhere"]'),
        r"sides\.japanese\.start_line\[0\]: unknown place",
    ),
    "route through nowhere": (
        rep(ROUTE, ROUTE.replace('"high_pass"', '"nowhere"')),
        r"sides\.japanese\.columns\.main\.route\[2\]: unknown place",
    ),
    "air base nowhere": (
        rep('base = "west_airfield"', 'base = "nowhere"'),
        r"air_groups\.def_air\.base: unknown place",
    ),
    "air base without an airfield": (
        rep('base = "west_airfield"', 'base = "west_town"'),
        r"air_groups\.def_air\.base: .*has no airfield",
    ),
    "unit nowhere": (
        rep('location = "high_pass"', 'location = "nowhere"'),
        r"units\.def_10div\.location: unknown place",
    ),
    "arrival nowhere": (
        rep('place = "west_airfield", mode', 'place = "nowhere", mode'),
        r"units\.def_30div\.arrival\.place: unknown place",
    ),
    "parent nobody": (
        rep('parent = "attacker_army"', 'parent = "nobody"'),
        r"units\.att_1div\.parent: unknown unit 'nobody'",
    ),
    "column nobody": (
        rep('column = "main"', 'column = "north"'),
        r"units\.att_1div\.column: unknown column 'north'",
    ),
    "quality nobody knows": (
        rep('quality = "veteran"', 'quality = "elite"'),
        r"units\.def_10div\.quality: unknown quality 'elite'",
    ),
    "place id twice": (add(place("high_pass")), r"places\.high_pass: duplicate id"),
    "unit id twice": (add(unit("att_1div")), r"units\.att_1div: duplicate id"),
    "road id twice": (
        rep('id = "ford_village-high_pass"', 'id = "eastbridge-ford_village"'),
        r"roads\.eastbridge-ford_village: duplicate id",
    ),
    "air group id twice": (
        rep('id = "att_air"', 'id = "def_air"'),
        r"air_groups\.def_air: duplicate id",
    ),
    "men on a headquarters": (
        rep(
            'echelon = "army"\ncommander = "General A"',
            'echelon = "army"\ncommander = "General A"\nstrength_men = 5000',
        ),
        r"units\.attacker_army\.strength_men: an army holds no men",
    ),
    "a side without troops": (
        lambda t: (
            re.sub(
                r'(echelon = )"(division|brigade)"(\nparent = '
                r'"attacker_army")',
                r'\1"corps"\3',
                t,
            )
            .replace("strength_men = 12000 ", "#")
            .replace("strength_men = 5000\n", "")
        ),
        r"units: the japanese side has no division",
    ),
    "objective held by the attacker": (
        rep(
            'features = ["airfield"]\ncontrol = "chinese"',
            'features = ["airfield"]\ncontrol = "japanese"',
        ),
        r"places\.west_airfield\.control: the objective starts "
        r"held by the attacker",
    ),
    "attacker starts on the objective": (
        rep('location = "ford_village"', 'location = "west_airfield"'),
        r"units\.att_2bde\.location: starts at the objective",
    ),
    "the defender as attacker": (
        rep('attacker = "japanese"', 'attacker = "chinese"'),
        r"objective\.attacker: 'chinese' is not supported",
    ),
    # maps
    "disconnected map": (
        add(place("island")),
        r"roads: map is disconnected; no road links "
        r"island",
    ),
    "a unit on an island": (
        lambda t: t + "\n" + place("island") + "\n" + unit("castaway", "island"),
        r"roads: map is disconnected; no road links island",
    ),
    "zero-length road": (
        rep("length_km = 26", "length_km = 0"),
        r"roads\.eastbridge-ford_village\.length_km: .*greater than 0",
    ),
    "negative road length": (
        rep("length_km = 26", "length_km = -26"),
        r"roads\.eastbridge-ford_village\.length_km: .*greater than 0",
    ),
    "road to itself": (
        rep('a = "eastbridge"\nb = "ford_village"', 'a = "eastbridge"\nb = "eastbridge"'),
        r"roads\.eastbridge-ford_village: road from 'eastbridge' to itself",
    ),
    "two roads between two places": (
        rep('a = "ford_village"\nb = "high_pass"', 'a = "ford_village"\nb = "eastbridge"'),
        r"roads\.ford_village-high_pass: a second road",
    ),
    "route between places no road joins": (
        rep(ROUTE, 'route = ["eastbridge", "high_pass", "west_town", "west_airfield"]'),
        r"sides\.japanese\.columns\.main\.route\[1\]: no road from 'eastbridge' to 'high_pass'",
    ),
    "route that visits a place twice": (
        rep(
            ROUTE,
            'route = ["eastbridge", "ford_village", "eastbridge", "south_track", '
            '"west_town", "west_airfield"]',
        ),
        r"sides\.japanese\.columns\.main\.route\[2\]: 'eastbridge' is already route\[0\]",
    ),
    "column with no way to the objective": (
        rep(ROUTE, 'route = ["eastbridge", "ford_village", "south_track"]'),
        r"sides\.japanese\.columns\.main\.route: ends at 'south_track', not at the objective",
    ),
    # limits
    "file over 5 MB": (
        lambda t: t + "\n#" + "x" * (MAX_FILE_BYTES + 10) + "\n",
        rf"file is \d+ bytes; the limit is {MAX_FILE_BYTES}",
    ),
    "too many places": (
        many(lambda i: place(f"extra{i}"), MAX_PLACES),
        rf"places: .*at most {MAX_PLACES} items",
    ),
    "too many units": (
        many(lambda i: unit(f"extra{i}"), MAX_UNITS),
        rf"units: .*at most {MAX_UNITS} items",
    ),
    "too many roads": (
        many(
            lambda i: (
                f'[[roads]]\nid = "r{i}"\na = "eastbridge"\n'
                f'b = "ford_village"\nkind = "highway"\nlength_km = 1\n'
            ),
            MAX_ROADS,
        ),
        rf"roads: .*at most {MAX_ROADS} items",
    ),
    "too many air groups": (
        many(
            lambda i: (
                f'[[air_groups]]\nid = "g{i}"\nside = "chinese"\n'
                f'name = "g"\naircraft = 1\nbase = "west_airfield"\n'
            ),
            1000,
        ),
        r"air_groups: .*at most 1000 items",
    ),
    "too many unit-days": (
        lambda t: many(lambda i: unit(f"extra{i}"), 100)(
            t.replace("end_date = 1945-04-30", "end_date = 1955-03-01")
        ),
        rf"units: 105 manoeuvre units x \d+ days = .* exceeds the limit "
        rf"{MAX_UNIT_DAYS:,}",
    ),
}


def _write_case(case: str, folder: Path) -> Path:
    content, _ = BAD_FILES[case]
    path = folder / "scenario.toml"
    if content is None:
        return path
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content(TUTORIAL_TEXT), encoding="utf-8")
    return path


def _command(command: str, scenario: Path, out: Path) -> list[str]:
    if command == "run":
        return [
            "run",
            str(scenario),
            "--seed",
            "1",
            "--quiet",
            "--log",
            str(out / "x.jsonl"),
            "--summary",
            str(out / "x.json"),
            "--export",
            str(out / "x.txt"),
        ]
    if command == "batch":
        return [
            "batch",
            str(scenario),
            "-n",
            "2",
            "--seed",
            "1",
            "--workers",
            "1",
            "--quiet",
            "--out",
            str(out / "batch"),
        ]
    return [command, str(scenario)]


@pytest.mark.parametrize("command", ["run", "oob", "params"])
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_scenario_file_is_one_line_exit_2_and_writes_nothing(
    case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_case(case, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    before = files(tmp_path)
    code, stdout, err = run_cli(_command(command, path, out), capsys)
    assert code == 2, err
    line = one_line(err)
    assert line.startswith(f"{path}: "), line
    assert re.search(BAD_FILES[case][1], line), line
    assert stdout == ""
    assert files(tmp_path) == before


@pytest.mark.parametrize("case", ["directory", "named pipe", "device"])
@pytest.mark.parametrize("command", ["run", "oob", "params", "batch"])
def test_a_scenario_that_is_not_a_regular_file(
    case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with contextlib.ExitStack() as stack:
        if case == "directory":
            path, words = tmp_path / "dir.toml", "is a directory"
            path.mkdir()
        elif case == "named pipe":
            path, words = stack.enter_context(fifo(tmp_path / "pipe.toml")), "not a regular file"
        else:
            path, words = Path("/dev/zero"), "not a regular file"  # never ends: never read it
        before = files(tmp_path)
        code, stdout, err = run_cli(_command(command, path, out), capsys)
    assert code == 2 and stdout == ""
    assert words in one_line(err, path)
    assert files(tmp_path) == before


# --------------------------------------------------------------------------- --set values

BAD_SETS = {
    "meta.name=" + "[" * 100_000 + "]" * 100_000: r"--set meta\.name: value nested too deeply",
    "meta.name=" + "[" * 40 + "]" * 40: r"--set meta\.name: value nested more than 32",
    "air_groups.def_air.aircraft=true": r"air_groups\.def_air\.aircraft: a number, not true",
    "roads.high_pass-west_town.crosses_pass=0": r"crosses_pass: true or false, not a number",
    "params.combat.size_effect_bounds=[1.0, inf]": r"size_effect_bounds\[1\]: .*finite",
    "params.combat.terrain_defender.swamp=2.0": r"terrain_defender\.swamp: unknown key",
    "units.def_30div.arrival.day=-3": r"units\.def_30div\.arrival\.day: .*greater than or equal",
    "units.att_1div.strength_men=1e300": r"units\.att_1div\.strength_men: .*less than or equal",
}


@pytest.mark.parametrize("command", ["run", "oob", "params"])
@pytest.mark.parametrize("override", list(BAD_SETS))
def test_a_bad_set_value_is_one_line_exit_2_and_writes_nothing(
    override: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = run_cli([*_command(command, TUTORIAL, tmp_path), "--set", override], capsys)
    assert code == 2 and stdout == ""
    assert re.search(BAD_SETS[override], one_line(err, TUTORIAL)), err
    assert files(tmp_path) == set()


def test_the_limits_leave_room_for_ten_times_west_hunan() -> None:
    """The limits (scenario.py says what each protects) still admit a campaign with 10x the
    units and 4x the places of West Hunan, the size benchmarks/bench_scale.py plays."""
    wh = read_toml(WEST_HUNAN)
    days = (wh["meta"]["end_date"] - wh["meta"]["start_date"]).days + 1
    manoeuvre = [u for u in wh["units"] if u.get("strength_men")]
    assert 4 * len(wh["places"]) <= MAX_PLACES
    assert 10 * len(wh["units"]) <= MAX_UNITS and 4 * len(wh["roads"]) <= MAX_ROADS
    assert 10 * len(manoeuvre) * days <= MAX_UNIT_DAYS
    assert WEST_HUNAN.stat().st_size * 10 <= MAX_FILE_BYTES


@pytest.mark.parametrize("value", ["[-1.0, 1.0]", "[4.0, 0.5]"])
def test_size_effect_bounds_are_checked_like_every_other_factor(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["params", str(TUTORIAL), "--set", f"params.combat.size_effect_bounds={value}"], capsys
    )
    assert code == 2
    assert "size_effect_bounds" in one_line(err, TUTORIAL)


# =========================================================================== run arguments


@pytest.mark.parametrize(
    "args, words",
    [
        (["--seed", "1.5"], "argument --seed"),
        (["--seed", "abc"], "argument --seed"),
        (["--seed", ""], "argument --seed"),
        (["--seed", "1" + "0" * 5000], "argument --seed"),
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**63)], "--seed"),
        (["--seed", str(2**200)], "--seed"),
        (["--delay", "nan"], "--delay"),
        (["--delay", "-1"], "--delay"),
        (["--delay", "1e9"], "--delay"),
        (["--day", "3"], "--day/--date only make sense with --from"),
    ],
)
def test_bad_run_arguments(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = run_cli(
        ["run", "tutorial", "--quiet", "--log", str(tmp_path / "x.jsonl"), *args], capsys
    )
    assert code == 2 and stdout == ""
    assert words in one_line(err)
    assert files(tmp_path) == set()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--day", "-1"], "--day -1 is outside the log, which covers day 0 (1945-04-06) to day"),
        (["--day", str(2**70)], "is outside the log, which covers day 0 (1945-04-06)"),
        (["--date", "1945-04-01"], "--date 1945-04-01 is outside the log"),  # before the first
        (["--date", "1946-01-01"], "--date 1946-01-01 is outside the log"),  # after the last
        (["--date", "1945-02-30"], "is not a date"),
        (["--date", "May Day"], "is not a date"),
        (["--date", ""], "is not a date"),
    ],
)
def test_bad_branch_day_or_date(
    args: list[str],
    words: str,
    tutorial_log: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, stdout, err = run_cli(
        [
            "run",
            "--from",
            str(tutorial_log),
            "--quiet",
            "--log",
            str(tmp_path / "b.jsonl"),
            "--summary",
            str(tmp_path / "b.json"),
            *args,
        ],
        capsys,
    )
    assert code == 2 and stdout == ""
    assert words in one_line(err, tutorial_log)
    assert files(tmp_path) == set()


def test_a_branch_day_that_is_not_a_number(
    tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["run", "--from", str(tutorial_log), "--day", "x", "--log", str(tmp_path / "b.jsonl")],
        capsys,
    )
    assert code == 2
    assert "argument --day" in one_line(err)
    assert files(tmp_path) == set()


# =========================================================================== turn logs


def _log_cases(good: Path) -> dict[str, tuple[bytes | None, str]]:
    """Broken logs test_cli.py does not write: name -> (content, words of the error)."""
    lines = good.read_text(encoding="utf-8").splitlines(keepends=True)
    head, first, rest = lines[0], lines[1], "".join(lines[2:])
    header = json.loads(head)

    def with_header(**change: Any) -> bytes:
        h = json.dumps({**header, **change}, separators=(",", ":"), sort_keys=True)
        return (h + "\n" + "".join(lines[1:])).encode()

    return {
        "not UTF-8": (b"\xff\xfe" + head.encode(), "not UTF-8 text"),
        "NUL byte": (head.encode()[:-1] + b"\x00\n", "line 1: not valid JSON"),
        "nested past the recursion limit": (
            b"[" * 100_000 + b"]" * 100_000 + b"\n",
            "line 1: not valid JSON",
        ),
        "seed as text": (with_header(seed="5"), "header field 'seed' must be int"),
        "seed as a float": (with_header(seed=5.0), "header field 'seed' must be int"),
        "overrides as text": (with_header(overrides="x"), "header field 'overrides'"),
        "override of nothing": (
            with_header(overrides=["units.nobody.strength_men=1"]),
            "no record with id 'nobody'",
        ),
        "override nested too deeply": (
            with_header(overrides=["meta.name=" + "[" * 5000 + "]" * 5000]),
            "nested too deeply",
        ),
        "branch day as text": (with_header(branch={"day": "x"}), "header field 'branch'"),
        "scenario file missing": (
            with_header(scenario_path="nowhere/x.toml"),
            "its scenario nowhere/x.toml is not found",
        ),
        "days out of order": (
            (head + lines[2] + first + "".join(lines[3:])).encode(),
            "line 2: expected day 0, found 1",
        ),
        "day after the footer": (
            "".join(lines).encode() + first.encode(),
            "a day record after the footer",
        ),
        "unknown record": (
            (head + '{"type":"comment"}\n' + first + rest).encode(),
            "line 2: unknown record type 'comment'",
        ),
        "second header": (
            (head + head + first + rest).encode(),
            "line 2: unknown record type 'header'",
        ),
        "day without a hash": (
            (head + first.replace('"hash":', '"hush":') + rest).encode(),
            "line 2: day record without 'hash'",
        ),
        "a JSON list": (b"[1, 2]\n", "line 1: not a log record"),
        "directory": (None, "is a directory"),
    }


LOG_CASES = [
    "not UTF-8",
    "NUL byte",
    "nested past the recursion limit",
    "seed as text",
    "seed as a float",
    "overrides as text",
    "override of nothing",
    "override nested too deeply",
    "branch day as text",
    "scenario file missing",
    "days out of order",
    "day after the footer",
    "unknown record",
    "second header",
    "day without a hash",
    "a JSON list",
    "directory",
]


def _log_args(command: str, path: Path, out: Path) -> list[str]:
    return {
        "verify": ["verify", str(path)],
        "replay": ["replay", str(path), "--day", "1"],
        "branch": [
            "run",
            "--from",
            str(path),
            "--day",
            "1",
            "--quiet",
            "--log",
            str(out / "b.jsonl"),
            "--summary",
            str(out / "b.json"),
        ],
        "plot": ["plot", str(path), "--out", str(out / "map.png")],
    }[command]


@pytest.mark.parametrize("command", ["verify", "replay", "branch", "plot"])
@pytest.mark.parametrize("case", LOG_CASES)
def test_a_broken_log_is_one_line_exit_2_and_writes_nothing(
    case: str, command: str, tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if command == "plot":
        pytest.importorskip("matplotlib")
    content, words = _log_cases(tutorial_log)[case]
    if command == "plot" and content is None:
        words = "nothing to plot"  # plot takes a directory for a batch's charts
    path = tmp_path / "broken.jsonl"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    before = files(tmp_path)
    code, stdout, err = run_cli(_log_args(command, path, tmp_path), capsys)
    assert code == 2 and stdout == "", err
    line = one_line(err)
    assert words in line
    # the log, or for an override that does not fit, the scenario it is applied to
    assert line.startswith((f"{path}: ", f"{TUTORIAL}: ")), line
    assert files(tmp_path) == before


@pytest.mark.parametrize("command", ["verify", "replay", "branch"])
def test_a_log_header_with_a_negative_seed(
    command: str, tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _with_header(tutorial_log, tmp_path, seed=-1)
    code, _, err = run_cli(_log_args(command, path, tmp_path), capsys)
    assert code == 2
    assert "seed" in one_line(err, path)


@pytest.mark.parametrize("command", ["verify", "replay"])
def test_a_log_header_with_a_branch_day_out_of_range(
    command: str, tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _with_header(tutorial_log, tmp_path, branch={"day": -5, "overrides": []})
    code, _, err = run_cli(_log_args(command, path, tmp_path), capsys)
    assert code == 2
    assert "branch" in one_line(err, path)


def _with_header(good: Path, folder: Path, **change: Any) -> Path:
    lines = good.read_text(encoding="utf-8").splitlines(keepends=True)
    header = {**json.loads(lines[0]), **change}
    path = folder / "x.jsonl"
    path.write_text(
        json.dumps(header, separators=(",", ":"), sort_keys=True) + "\n" + "".join(lines[1:]),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("command", ["verify", "replay"])
def test_a_log_that_is_a_named_pipe(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fifo(tmp_path / "pipe.jsonl") as path:
        code, _, err = run_cli(_log_args(command, path, tmp_path), capsys)
    assert code == 2
    assert "not a regular file" in one_line(err, path)


# =========================================================================== analysis inputs


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 5-run tutorial batch (read-only: copy before changing)."""
    out = tmp_path_factory.mktemp("batch") / "b"
    assert (
        main(
            [
                "batch",
                "tutorial",
                "-n",
                "5",
                "--seed",
                "2",
                "--workers",
                "1",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    return out


def _batch(*args: str, out: Path) -> list[str]:
    return [
        "batch",
        "tutorial",
        "-n",
        "3",
        "--seed",
        "1",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
        *args,
    ]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--seed", "-1"], "must be 0 or more"),
        (["--seed", str(2**63)], "at most 2**63 - 1"),
        (["--seed", str(2**200)], "at most 2**63 - 1"),
        (["--seed", "1" + "0" * 5000], "is not a whole number"),
        (["-n", "2000000"], "at most 1,000,000 runs"),
        (["--workers", "100000"], "between 1 and 512"),
        (["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "nan"], "--connect-timeout nan"),
        (["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "inf"], "--connect-timeout inf"),
        (["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "-1"], "--connect-timeout -1"),
    ],
)
def test_bad_batch_arguments(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(_batch(*args, out=tmp_path / "out"), capsys)
    assert code == 2
    assert words in one_line(err)
    assert files(tmp_path) == set()


@pytest.mark.parametrize("case", ["a file", "below a file"])
def test_a_batch_directory_that_is_a_file(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "runs"
    blocker.write_text("not a directory")
    out = blocker if case == "a file" else blocker / "sub"
    code, _, err = run_cli(_batch(out=out), capsys)
    assert code == 2
    line = one_line(err, out)
    assert "is not a directory" in line or "cannot create the directory" in line
    assert files(tmp_path) == {"runs"} and blocker.read_text() == "not a directory"


def _toml_file_cases(folder: Path, stack: contextlib.ExitStack) -> dict[str, tuple[Path, str]]:
    """Hostile files where the analysis commands read TOML (variants, historical record)."""
    out: dict[str, tuple[Path, str]] = {}

    def put(name: str, content: bytes, words: str) -> None:
        p = folder / f"{name.replace(' ', '_')}.toml"
        p.write_bytes(content)
        out[name] = (p, words)

    out["missing"] = (folder / "missing.toml", "file not found")
    (folder / "dir.toml").mkdir()
    out["directory"] = (folder / "dir.toml", "is a directory")
    out["named pipe"] = (stack.enter_context(fifo(folder / "pipe.toml")), "not a regular file")
    put("empty", b"", "file is empty")
    put("not UTF-8", b"a = '\xff'\n", "not UTF-8")
    put("binary", b"a = 1\x00\n", "binary data")
    put(
        "nested past the recursion limit",
        b"a = " + b"[" * 100_000 + b"]" * 100_000,
        "nested too deeply",
    )
    put("over 5 MB", b"#" + b"x" * (MAX_FILE_BYTES + 1) + b"\n", "the limit is")
    put("syntax error", b"[variants\n", "TOML syntax error")
    return out


TOML_CASES = [
    "missing",
    "directory",
    "named pipe",
    "empty",
    "not UTF-8",
    "binary",
    "nested past the recursion limit",
    "over 5 MB",
    "syntax error",
]


@pytest.mark.parametrize("case", TOML_CASES)
def test_a_bad_variants_file(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with contextlib.ExitStack() as stack:
        path, words = _toml_file_cases(tmp_path, stack)[case]
        before = files(tmp_path)
        code, _, err = run_cli(
            [
                "whatif",
                "tutorial",
                "-n",
                "2",
                "--seed",
                "1",
                "--workers",
                "1",
                "--quiet",
                "--variants-file",
                str(path),
                "--out",
                str(tmp_path / "out"),
            ],
            capsys,
        )
    assert code == 2
    assert words in one_line(err, path)
    assert files(tmp_path) == before


@pytest.mark.parametrize("case", TOML_CASES)
def test_a_bad_historical_record(
    case: str, small_batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.ExitStack() as stack:
        path, words = _toml_file_cases(tmp_path, stack)[case]
        before = files(tmp_path)
        code, stdout, err = run_cli(["compare", str(small_batch), "--record", str(path)], capsys)
    assert code == 2 and stdout == ""
    assert words in one_line(err, path.name)
    assert files(tmp_path) == before


RUNS_CASES: dict[str, tuple[bytes | None, str]] = {
    "no runs.csv": (None, "file not found"),
    "empty": (b"", "no header row"),
    "not UTF-8": (b"run,seed\n0,\xff\n", "not UTF-8"),
    "ragged row": (b"run,seed,outcome\n0,1\n", "line 2: 2 cells, the header has 3"),
    "duplicate columns": (b"run,run\n0,0\n", "duplicate column names"),
    "a cell over the csv field limit": (
        b'run,seed\n0,"' + b"x" * 200_000 + b'"\n',
        "not a CSV table",
    ),
    "header only": (b"run,seed,outcome\n", "no runs to compare"),
}


@pytest.mark.parametrize("case", list(RUNS_CASES))
def test_a_bad_runs_csv(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content, words = RUNS_CASES[case]
    folder = tmp_path / "b"
    folder.mkdir()
    if content is not None:
        (folder / "runs.csv").write_bytes(content)
    before = files(tmp_path)
    code, stdout, err = run_cli(["compare", str(folder)], capsys)
    assert code == 2 and stdout == ""
    assert words in one_line(err, folder)
    assert files(tmp_path) == before


@pytest.mark.parametrize("target", ["runs.csv that is a named pipe", "a named pipe"])
def test_compare_of_something_that_is_not_a_regular_file(
    target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.ExitStack() as stack:
        if target == "a named pipe":
            path = named = stack.enter_context(fifo(tmp_path / "runs.csv"))
        else:
            (tmp_path / "b").mkdir()
            named = stack.enter_context(fifo(tmp_path / "b" / "runs.csv"))
            path = tmp_path / "b"
        code, _, err = run_cli(["compare", str(path)], capsys)
    assert code == 2
    assert "not a regular file" in one_line(err, named)


PLOT_CASES: dict[str, tuple[str, bytes, str]] = {
    "daily.csv not UTF-8": ("daily.csv", b"\xff\xfe\x00garbage", "not UTF-8"),
    "whatif.json empty object": ("whatif.json", b"{}", "not a what-if result"),
    "whatif.json a list": ("whatif.json", b"[1, 2]", "not a JSON object"),
    "whatif.json nested past the recursion limit": (
        "whatif.json",
        b"[" * 100_000 + b"]" * 100_000,
        "nested too deeply",
    ),
    "whatif.json not JSON": ("whatif.json", b"{'single': 'quotes'}", "not readable JSON"),
    "sensitivity.json of the wrong shape": (
        "sensitivity.json",
        b'{"params": 5}',
        "not a sensitivity result",
    ),
    "summary.json not UTF-8": ("summary.json", b"\xff{}", "not UTF-8"),
}


@pytest.mark.parametrize("case", list(PLOT_CASES))
def test_plot_of_a_directory_with_a_broken_file_writes_no_chart(
    case: str, small_batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    name, content, words = PLOT_CASES[case]
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "runs.csv").write_bytes((small_batch / "runs.csv").read_bytes())
    (folder / name).write_bytes(content)
    before = files(tmp_path)
    code, _, err = run_cli(["plot", str(folder), "--out", str(tmp_path / "charts")], capsys)
    assert code == 2
    assert words in one_line(err, folder / name)
    assert files(tmp_path) == before  # no charts, not even the ones it could draw


def test_compare_survives_a_broken_summary_json(
    small_batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The runs are what compare reads; a summary.json nested past the recursion limit only
    loses the dates."""
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "runs.csv").write_bytes((small_batch / "runs.csv").read_bytes())
    (folder / "summary.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    code, stdout, err = run_cli(["compare", str(folder), "--markdown"], capsys)
    assert code == 0, err
    assert "compared figures" in stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (["--delta", "0"], "--delta"),
        (["--delta", "1"], "--delta"),
        (["--delta", "nan"], "--delta"),
        (["--delta", "-inf"], "--delta"),
        (["--top", "-1"], "--top -1"),
        (["--params", ""], "--params"),
    ],
)
def test_bad_sensitivity_arguments(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        [
            "sensitivity",
            "tutorial",
            "-n",
            "2",
            "--seed",
            "1",
            "--workers",
            "1",
            "--quiet",
            "--out",
            str(tmp_path / "out"),
            *args,
        ],
        capsys,
    )
    assert code == 2
    assert words in one_line(err)
    assert files(tmp_path) == set()


# =========================================================================== fuzzing


def _bounds(field: Any, default: float) -> tuple[float, float]:
    """The documented range of a parameter: its pydantic ge/gt/le/lt, else [0, 1e6]."""
    lo, hi = 0.0, 1e6
    for m in field.metadata:
        lo = float(getattr(m, "ge", getattr(m, "gt", lo)))
        hi = float(getattr(m, "le", getattr(m, "lt", hi)))
    return lo, max(hi, lo)


def _float_in(lo: float, hi: float, default: float) -> st.SearchStrategy[float]:
    """Anywhere in the range, or near the sourced default where most of the play is."""
    near = st.floats(max(lo, default / 2), min(hi, max(lo, default * 2)))
    return st.one_of(st.floats(lo, hi), near) if default > 0 else st.floats(lo, hi)


def _param_space() -> list[tuple[str, st.SearchStrategy[str]]]:
    """(override key, strategy of its TOML value) for every parameter, within its range."""
    space: list[tuple[str, st.SearchStrategy[str]]] = []
    params = Params()

    for section_name in Params.model_fields:
        section = getattr(params, section_name)
        for name, field in type(section).model_fields.items():
            key, default = f"params.{section_name}.{name}", getattr(section, name)
            if field.annotation is int:
                lo, hi = _bounds(field, default)
                space.append((key, st.integers(int(lo), int(hi)).map(str)))
            elif field.annotation is float:
                lo, hi = _bounds(field, default)
                space.append((key, _float_in(lo, hi, default).map(repr)))
            elif isinstance(default, tuple):  # size_effect_bounds: lo <= hi
                space.append(
                    (
                        key,
                        st.lists(st.floats(0.01, 100), min_size=2, max_size=2).map(
                            lambda xs: f"[{min(xs)!r}, {max(xs)!r}]"
                        ),
                    )
                )
            elif isinstance(default, dict):
                keys = (
                    [str(m) for m in range(1, 13)] if name.endswith("_by_month") else list(default)
                )
                for k in keys:
                    v = default.get(k, 0.0)
                    inner = v.items() if isinstance(v, dict) else [(None, v)]
                    for k2, v2 in inner:
                        sub = f"{key}.{k}" if k2 is None else f"{key}.{k}.{k2}"
                        space.append((sub, _float_in(0.0, 1e6, float(v2)).map(repr)))
    return space


PARAM_SPACE = _param_space()


@st.composite
def mutated(draw: st.DrawFn, raw: dict[str, Any], name: str) -> tuple[Scenario, int, list[str]]:
    """A valid scenario near ``raw``: strengths, aircraft, arrival days and up to eight
    parameters changed within their documented ranges; and a seed."""
    days = (raw["meta"]["end_date"] - raw["meta"]["start_date"]).days + 1
    sets: list[str] = []
    for u in raw["units"]:
        if "strength_men" in u and draw(st.booleans()):
            men = draw(
                st.one_of(st.integers(1, 300), st.integers(1, 40_000), st.integers(1, MAX_MEN))
            )
            sets.append(f"units.{u['id']}.strength_men={men}")
        if "arrival" in u and draw(st.booleans()):
            sets.append(f"units.{u['id']}.arrival.day={draw(st.integers(0, days - 1))}")
    for g in raw["air_groups"]:
        if draw(st.booleans()):
            n = draw(st.one_of(st.integers(0, 600), st.integers(0, MAX_AIRCRAFT)))
            sets.append(f"air_groups.{g['id']}.aircraft={n}")
    for i in draw(st.lists(st.integers(0, len(PARAM_SPACE) - 1), max_size=8, unique=True)):
        key, values = PARAM_SPACE[i]
        sets.append(f"{key}={draw(values)}")
    data = apply_overrides(copy.deepcopy(raw), sets, name)
    scenario = validate_data(data, name)  # within the documented ranges: always valid
    return scenario, draw(st.integers(0, MAX_SEED)), sets


class DailyInvariants:
    """A day callback checking the state after every day; ``records`` keeps the log."""

    LOSSES = (*LOSS_CATEGORIES, "returned")

    def __init__(self, campaign: Campaign) -> None:
        self.graph = campaign.world.tmap.graph
        self.records: list[dict[str, Any]] = []
        self.last: dict[str, dict[str, int]] = {}
        self.initial = {u.id: u.initial_men for u in campaign.state.units.values()}

    def __call__(self, c: Campaign, rec: dict[str, Any]) -> None:
        s, p = c.state, c.params.movement
        day = rec["day"]
        assert day == len(self.records) == s.day
        assert rec["hash"] == s.digest()
        canonical_json(rec)  # finite: the turn log can hold the day
        self.records.append(copy.deepcopy(rec))
        for u in s.units.values():
            where = f"day {day}: {u.id}"
            counts = {k: getattr(u, k) for k in self.LOSSES}
            for k, v in {"present": u.present, "recovering": u.recovering, **counts}.items():
                assert type(v) is int and v >= 0, (where, k, v)
            assert u.initial_men == self.initial[u.id], where
            assert u.conserved(), (where, u)
            before = self.last.get(u.id, dict.fromkeys(self.LOSSES, 0))
            assert all(counts[k] >= before[k] for k in self.LOSSES), (where, before, counts)
            self.last[u.id] = counts
            if u.on_map:
                assert u.present > 0, where
            if u.status == Status.PENDING:
                assert u.location is None and u.road_from is None and u.road_to is None, where
            if u.location is not None:
                assert u.location in self.graph, where
            elif u.on_map:  # on a road
                a, b = u.road_from, u.road_to
                assert a in self.graph and b in self.graph and self.graph.has_edge(a, b), where
                road = self.graph.edges[a, b]
                effort = movement.road_effort_km(
                    p, road["kind"], road["km"], road["river_crossings"]
                )
                assert 0.0 <= u.progress_km <= effort + 1e-6, (where, u.progress_km, effort)
                assert rec["positions"][u.id] == f"{a}>{b}", where
            if u.on_map and u.location is not None:
                assert rec["positions"][u.id] == u.location, where
        there: dict[str, set[Side]] = {}
        for u in s.units.values():
            if u.on_map and u.location is not None:
                there.setdefault(u.location, set()).add(u.side)
        for place_id, sides in there.items():
            assert len(sides) == 1, f"day {day}: both sides at {place_id}"
            (side,) = sides
            assert s.control.get(place_id) == side, (day, place_id, side, s.control.get(place_id))
        for place_id in self.graph:
            (expected,) = there.get(place_id, {None})
            assert s.occupant(place_id) == expected, (day, place_id)  # the index agrees
        for side in Side:
            units = [u for u in s.units.values() if u.side == side]
            assert s.units_of(side) == [u for u in units if u.on_map]  # the cache agrees
            assert s.men(side) + s.casualties(side)["total"] == sum(
                u.initial_men + u.returned for u in units
            )
            assert rec["men"][str(side)] == s.men(side)
            assert rec["casualties"][str(side)] == s.casualties(side)

    def check_summary(self, summary: dict[str, Any]) -> None:
        """The summary agrees with the log's last day."""
        canonical_json(summary)
        last = self.records[-1]
        assert summary["days"] == len(self.records)
        assert summary["end_date"] == last["date"]
        assert summary["final_hash"] == last["hash"]
        assert summary["casualties"] == last["casualties"]
        assert summary["men_at_end"] == last["men"]


def play_checked(scenario: Scenario, seed: int) -> None:
    c = Campaign(scenario, seed)
    check = DailyInvariants(c)
    c.callbacks.append(check)
    summary = c.run().to_dict()
    check.check_summary(summary)


TUTORIAL_RAW = read_toml(TUTORIAL)
WEST_HUNAN_RAW = read_toml(WEST_HUNAN)
EXAMPLES = hsettings.default.max_examples  # from the profile (tests/conftest.py)


@hsettings(max_examples=4 * EXAMPLES)
@given(case=mutated(TUTORIAL_RAW, str(TUTORIAL)))
def test_fuzz_tutorial_campaigns_keep_every_invariant_every_day(
    case: tuple[Scenario, int, list[str]],
) -> None:
    scenario, seed, _sets = case
    play_checked(scenario, seed)


@hsettings(max_examples=max(2, EXAMPLES // 2))
@given(case=mutated(WEST_HUNAN_RAW, str(WEST_HUNAN)))
def test_fuzz_west_hunan_campaigns_keep_every_invariant_every_day(
    case: tuple[Scenario, int, list[str]],
) -> None:
    scenario, seed, _sets = case
    play_checked(scenario, seed)


@pytest.mark.parametrize(
    "sets",
    [
        ["params.combat.terrain_defender.pass=0.0"],
        ["params.combat.terrain_defender.pass=0.0", "params.combat.defender_base_rate=0.0"],
    ],
)
def test_a_defender_without_combat_power_does_not_break_the_campaign(sets: list[str]) -> None:
    scenario = validate_data(apply_overrides(copy.deepcopy(TUTORIAL_RAW), sets, "t"), "t")
    play_checked(scenario, 0)


@pytest.mark.parametrize("seed", [0, 1, MAX_SEED])
def test_the_bundled_campaigns_keep_every_invariant_every_day(seed: int) -> None:
    for raw, name in ((TUTORIAL_RAW, TUTORIAL), (WEST_HUNAN_RAW, WEST_HUNAN)):
        play_checked(validate_data(copy.deepcopy(raw), str(name)), seed)


# =========================================================================== determinism


def test_batch_files_are_the_same_bytes_across_hash_seeds_and_worker_counts(tmp_path: Path) -> None:
    """runs.csv and daily.csv across worker counts are in test_analysis.py; here every file of
    the batch, in separate processes with different PYTHONHASHSEED and worker counts."""
    for name, workers, hashseed in (("a", "1", "1"), ("b", "2", "4242")):
        p = wargame(
            "batch",
            "tutorial",
            "-n",
            "12",
            "--seed",
            "3",
            "--workers",
            workers,
            "--quiet",
            "--out",
            name,
            cwd=tmp_path,
            env={"PYTHONHASHSEED": hashseed},
        )
        assert p.returncode == 0, p.stderr
    names = sorted(f.name for f in (tmp_path / "a").iterdir())
    assert names == ["daily.csv", "report.md", "runs.csv", "summary.json"]
    for f in names:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_a_log_is_the_same_bytes_here_and_in_another_process_and_replays(
    tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = wargame(
        "run",
        "tutorial",
        "--seed",
        "5",
        "--quiet",
        "--log",
        "x.jsonl",
        cwd=tmp_path,
        env={"PYTHONHASHSEED": "987"},
    )
    assert p.returncode == 0, p.stderr
    other = tmp_path / "x.jsonl"
    assert other.read_bytes() == tutorial_log.read_bytes()
    code, out, err = run_cli(["verify", str(other)], capsys)
    assert code == 0 and out.startswith("verified"), err
    # a replay from the log's header alone gives the footer's summary
    log = read_log(other)
    scenario = validate_data(copy.deepcopy(TUTORIAL_RAW), str(TUTORIAL))
    assert log.footer is not None
    assert Campaign(scenario, log.header.seed).run().to_dict() == log.footer["summary"]


def test_verify_catches_any_single_changed_byte(
    tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tutorial_log.read_bytes()
    ends = [i for i, b in enumerate(data) if b == ord("\n")]
    starts = [0, *(e + 1 for e in ends[:-1])]  # where each line begins
    rng = np.random.default_rng(20_250_806)
    path = tmp_path / "x.jsonl"
    for line_no in rng.choice(np.arange(1, len(starts) - 1), size=4, replace=False):
        begin, end = starts[line_no], starts[line_no + 1] - 1  # a day line, without "\n"
        for pos in rng.integers(begin, end, size=3):
            changed = bytearray(data)
            changed[pos] ^= int(rng.integers(1, 256))
            path.write_bytes(bytes(changed))
            code, out, err = run_cli(["verify", str(path)], capsys)
            assert code in (1, 2), (int(line_no), int(pos), out)
            one_line(err, path)


# =========================================================================== faults


def _check_log(path: Path, previous: bytes, *, interrupted_ok: bool) -> str:
    """A run's log after a kill: the previous version, complete, or marked incomplete (and
    then still verifiable). Returns which."""
    if path.read_bytes() == previous:
        return "previous"
    log = read_log(path)
    if log.complete:
        return "complete"
    assert interrupted_ok and log.footer is not None and log.footer["reason"] == "interrupted"
    assert main(["verify", str(path)]) == 0  # the days it kept replay as logged
    return "incomplete"


def _temporary_of(name: str) -> str | None:
    """The output a leftover of a killed run belongs to: ``NAME.XXXXXXXX.partial`` (its
    temporary) or ``NAME.lock`` (its lock file); None for anything else."""
    m = re.fullmatch(r"(.+)\.[A-Za-z0-9_]{8}\.partial|(.+)\.lock", name)
    return (m.group(1) or m.group(2)) if m else None


def _check_partial_lines(path: Path) -> int:
    """A ``.partial`` log left by a kill: each complete line is whole JSON, in day order."""
    data = path.read_bytes()
    lines = data[: data.rfind(b"\n") + 1].decode("utf-8").splitlines()  # the last may be cut
    records = [json.loads(line) for line in lines]
    if records:
        assert records[0]["type"] == "header"
        assert [r["day"] for r in records[1:] if r["type"] == "day"] == list(
            range(len(records) - 1)
        )
    return len(records)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_run_killed_at_random_moments_never_corrupts_its_files(
    sig: signal.Signals, tutorial_log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous_log = tutorial_log.read_bytes()
    previous_summary = b'{"previous": true}\n'
    rng = np.random.default_rng(int(sig))
    for trial in range(3):
        folder = tmp_path / f"t{trial}"
        folder.mkdir()
        (folder / "x.jsonl").write_bytes(previous_log)
        (folder / "x.json").write_bytes(previous_summary)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wargame",
                "run",
                "tutorial",
                "--seed",
                "6",
                "--plain",
                "--delay",
                "0.02",
                "--log",
                "x.jsonl",
                "--summary",
                "x.json",
            ],
            cwd=folder,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        started = trial > 0  # the first trial may land during start-up
        if started:
            proc.stdout.readline()  # day 0 is played; the rest takes about 0.5 s
        time.sleep(float(rng.uniform(0.0, 0.3 if started else 1.2)))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        state = _check_log(folder / "x.jsonl", previous_log, interrupted_ok=sig == signal.SIGINT)
        summary = (folder / "x.json").read_bytes()
        if summary != previous_summary:
            assert state == "complete"
            assert (
                json.loads(summary)["final_hash"] == read_log(folder / "x.jsonl").days[-1]["hash"]
            )
        leftovers = files(folder) - {"x.jsonl", "x.json"}
        # a kill leaves at most the run's own temporaries and its lock files
        assert all(_temporary_of(n) in ("x.jsonl", "x.json") for n in leftovers), leftovers
        for name in leftovers:
            if _temporary_of(name) == "x.jsonl" and name.endswith(".partial"):
                _check_partial_lines(folder / name)  # marked incomplete by its name
        if sig == signal.SIGINT and started:
            assert proc.returncode in (0, 130), err
            if proc.returncode == 130:
                assert "interrupted" in one_line(err)
        capsys.readouterr()


def _read_runs_csv(path: Path, *, cut: bool) -> list[list[str]]:
    """Rows of a runs.csv (or of a .partial one, whose last line may be cut): the header is
    COLUMNS, every row is whole, runs are 0, 1, 2, ... with none twice."""
    text = path.read_text(encoding="utf-8")
    if cut and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return []
    assert tuple(rows[0]) == COLUMNS
    body = rows[1:]
    assert all(len(r) == len(COLUMNS) for r in body)
    assert [int(r[0]) for r in body] == list(range(len(body)))
    return body


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_batch_killed_at_a_random_moment_then_run_again_has_no_duplicate_rows(
    sig: signal.Signals, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    args = [
        "batch",
        "tutorial",
        "-n",
        "200",
        "--seed",
        "1",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "wargame", *args],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(float(np.random.default_rng(int(sig) + 100).uniform(0.8, 2.2)))
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    kept: list[list[str]] = []
    if out.exists():
        names = {p.name for p in out.iterdir()}
        allowed = {"runs.csv", "summary.json", "daily.csv", "report.md"}
        assert all(n in allowed or _temporary_of(n) in allowed for n in names), names
        if "runs.csv" in names:
            kept = _read_runs_csv(out / "runs.csv", cut=False)
            if "summary.json" in names:
                summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
                assert summary["runs_done"] == len(kept)
                assert summary["partial"] == (len(kept) < 200)
        for name in names:
            if _temporary_of(name) == "runs.csv":  # marked incomplete by its name
                kept = _read_runs_csv(out / name, cut=True)
    if sig == signal.SIGINT and proc.returncode == 130:
        assert "interrupted" in one_line(err)
    # run again into the same directory: every run once, the same rows as before the kill
    assert main([*args, "--force"]) == 0
    capsys.readouterr()
    rows = _read_runs_csv(out / "runs.csv", cut=False)
    assert len(rows) == 200
    assert rows[: len(kept)] == kept
    assert not [p.name for p in out.iterdir() if p.name.endswith(".partial")]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["partial"] is False and summary["runs_done"] == 200
