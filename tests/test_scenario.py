"""Scenario files: validation, overrides, the schema and every bad-input case of the format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wargame.cli import main
from wargame.scenario import ScenarioError, load_scenario, load_with_digest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "scenarios" / "tutorial.toml"
TUTORIAL_TEXT = TUTORIAL.read_text(encoding="utf-8")


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def replace_once(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --------------------------------------------------------------------------- good input


def test_tutorial_validates_with_its_totals(capsys) -> None:
    code, out, err = run_cli(["validate", str(TUTORIAL)], capsys)
    assert code == 0, err
    assert "7 places, 8 connections" in out
    assert "17,000 men" in out and "21,000 men" in out
    assert "60 aircraft" in out and "12 aircraft" in out


def test_schema_is_json_schema_of_the_scenario(capsys) -> None:
    code, out, _ = run_cli(["schema"], capsys)
    assert code == 0
    schema = json.loads(out)
    assert {"meta", "places", "roads", "units", "air_groups", "params"} <= set(schema["properties"])


def test_override_changes_a_strength_by_unit_id() -> None:
    s = load_scenario(TUTORIAL, ["units.def_30div.strength_men=4500"])
    assert s.unit("def_30div").strength_men == 4500


def test_override_changes_aircraft_and_a_parameter() -> None:
    s = load_scenario(
        TUTORIAL, ["air_groups.def_air.aircraft=0", "params.combat.attacker_base_rate=0.03"]
    )
    assert next(g for g in s.air_groups if g.id == "def_air").aircraft == 0
    assert s.params.combat.attacker_base_rate == pytest.approx(0.03)


def test_override_of_a_table_entry_and_a_string() -> None:
    s = load_scenario(
        TUTORIAL,
        ["params.combat.terrain.rugged_mixed.defence=2.0", "units.def_20div.commitment=committed"],
    )
    assert s.params.combat.terrain["rugged_mixed"]["defence"] == 2.0
    assert s.unit("def_20div").commitment == "committed"


def test_digest_ignores_comments_and_layout(tmp_path: Path) -> None:
    reformatted = "# a new comment\n" + TUTORIAL_TEXT.replace("lat = 27.20", "lat   =   27.20")
    _, d1 = load_with_digest(TUTORIAL)
    _, d2 = load_with_digest(write(tmp_path, reformatted))
    assert d1 == d2


# --------------------------------------------------------------------------- bad input

BAD_FILES = {
    "unknown field": (
        lambda t: replace_once(
            t, 'commander = "Lt Gen B"', 'commander = "Lt Gen B"\ncolour = "red"'
        ),
        r"units\.att_1div\.colour: unknown field",
    ),
    "wrong type": (
        lambda t: replace_once(t, "strength_men = 12000", 'strength_men = "many"'),
        r"units\.att_1div\.strength_men: .*integer",
    ),
    "zero strength": (
        lambda t: replace_once(t, "strength_men = 12000", "strength_men = 0"),
        r"units\.att_1div\.strength_men: .*greater than 0",
    ),
    "negative strength": (
        lambda t: replace_once(t, "strength_men = 12000", "strength_men = -5"),
        r"units\.att_1div\.strength_men: .*greater than 0",
    ),
    "nan strength": (
        lambda t: replace_once(t, "strength_men = 12000", "strength_men = nan"),
        r"units\.att_1div\.strength_men: .*finite",
    ),
    "infinite strength": (
        lambda t: replace_once(t, "strength_men = 12000", "strength_men = inf"),
        r"units\.att_1div\.strength_men: .*finite",
    ),
    "fractional strength": (
        lambda t: replace_once(t, "strength_men = 12000", "strength_men = 12000.5"),
        r"units\.att_1div\.strength_men: .*whole",
    ),
    "road to unknown place": (
        lambda t: replace_once(t, 'b = "west_airfield"', 'b = "atlantis"'),
        r"roads\.west_town-west_airfield\.b: unknown place 'atlantis'",
    ),
    "unit at unknown place": (
        lambda t: replace_once(t, 'location = "high_pass"', 'location = "nowhere"'),
        r"units\.def_10div\.location: unknown place 'nowhere'",
    ),
    "duplicate id": (
        lambda t: replace_once(t, 'id = "def_20div"', 'id = "def_10div"'),
        r"units\.def_10div: duplicate id",
    ),
    "hierarchy cycle": (
        lambda t: replace_once(
            t,
            'echelon = "corps"\ncommander = "General D"',
            'echelon = "corps"\ncommander = "General D"\nparent = "def_10div"',
        ),
        r"units\.\w+\.parent: cycle in the command hierarchy",
    ),
    "end before start": (
        lambda t: replace_once(t, "end_date = 1945-04-30", "end_date = 1945-04-01"),
        r"meta\.end_date: 1945-04-01 is before start_date",
    ),
    "disconnected map": (
        lambda t: (
            t + '\n[[places]]\nid = "island"\nname = "Island"\n'
            'lat = 27.0\nlon = 110.0\nterrain = "plain"\n'
        ),
        r"roads: map is disconnected; no road links island",
    ),
    "parent on other side": (
        lambda t: replace_once(
            t,
            'parent = "def_corps"\ncommander = "Maj Gen E"',
            'parent = "attacker_army"\ncommander = "Maj Gen E"',
        ),
        r"units\.def_10div\.parent: .*other side",
    ),
    "unknown quality": (
        lambda t: replace_once(t, 'quality = "veteran"', 'quality = "elite"'),
        r"units\.def_10div\.quality: unknown quality 'elite'",
    ),
    "airlift after the end": (
        lambda t: replace_once(t, "day = 5,", "day = 99,"),
        r"units\.def_30div\.arrival\.day: day 99 is after",
    ),
    "negative road length": (
        lambda t: replace_once(t, "length_km = 26", "length_km = -1"),
        r"roads\.eastbridge-ford_village\.length_km: .*greater than 0",
    ),
    "zero road length": (
        lambda t: replace_once(t, "length_km = 26", "length_km = 0"),
        r"roads\.eastbridge-ford_village\.length_km: .*greater than 0",
    ),
    "missing section": (
        lambda t: replace_once(t, "[objective]", "[objectiv]"),
        r"objective: required field is missing",
    ),
    "syntax error": (
        lambda t: replace_once(t, 'id = "eastbridge"\n', 'id = "eastbridge\n'),
        r"TOML syntax error: .*line \d+, column \d+",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_is_one_clear_line_and_exit_2(case: str, tmp_path: Path, capsys) -> None:
    mutate, pattern = BAD_FILES[case]
    path = write(tmp_path, mutate(TUTORIAL_TEXT))
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines, "no error printed"
    assert all(line.startswith(str(path) + ": ") for line in lines), lines
    assert any(re.search(pattern, line) for line in lines), lines


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path, capsys) -> None:
    text = replace_once(TUTORIAL_TEXT, "strength_men = 12000", "strength_men = -1")
    text = replace_once(text, "aircraft = 60", "aircraft = -2")
    code, _, err = run_cli(["validate", str(write(tmp_path, text))], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 2


@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "binary", "not utf-8"])
def test_unreadable_scenario_files(kind: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.toml"
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(b"a = 1\x00\x01\x02")
    elif kind == "not utf-8":
        path.write_bytes(b"name = '\xff\xfe'")
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(str(path)), err
    assert "Traceback" not in err


BAD_OVERRIDES = {
    "units.nobody.strength_men=5": "no record with id 'nobody'",
    "units.att_1div.colour=5": "unknown key 'colour'",
    "units.att_1div.strength_men=lots": "units.att_1div.strength_men",
    "units.att_1div.strength_men=-100": "greater than 0",
    "params.combat.no_such_factor=1": "unknown key 'no_such_factor'",
    "params.combat.attacker_base_rate=nan": "params.combat.attacker_base_rate",
    "meta.start_date=yesterday": "meta.start_date",
    "units.att_1div=3": "cannot replace a whole record",
    "no_equals_sign": "expected key.path=value",
}


@pytest.mark.parametrize("override", sorted(BAD_OVERRIDES))
def test_bad_override_is_a_clear_error(override: str, capsys) -> None:
    code, _, err = run_cli(["validate", str(TUTORIAL), "--set", override], capsys)
    assert code == 2
    assert BAD_OVERRIDES[override] in err, err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_load_scenario_raises_scenario_error_with_problems(tmp_path: Path) -> None:
    path = write(tmp_path, replace_once(TUTORIAL_TEXT, "strength_men = 12000", "strength_men = 0"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 1


def test_oversized_file_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "big.toml"
    path.write_text(TUTORIAL_TEXT + "\n#" + "x" * 6_000_000 + "\n", encoding="utf-8")
    code, _, err = run_cli(["validate", str(path)], capsys)
    assert code == 2 and "limit" in err
