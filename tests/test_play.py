"""``wargame play``: a person (or a script) commands a side; every decision is logged, and a
played game replays, verifies and resumes like any other."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from wargame.bundled import SCENARIO_DIR
from wargame.cli import main
from wargame.commanders import SideView, staff
from wargame.doctrine import Decision
from wargame.engine import Campaign
from wargame.scenario import Side, load_scenario
from wargame.state import AtPlace

WEST = SCENARIO_DIR / "west_hunan_1945.toml"
ENDS = "end\n" * 200  # more than both sides' days of a whole campaign
ORDER = "order cn_74c_57div withdraw wugang\n"  # the 57th Division falls back on day 0


def play(
    args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["play", *args])
    out, err = capsys.readouterr()
    return code, out, err


def with_file(orders: Path, log: Path) -> list[str]:
    """Play the Japanese with the Chinese orders of an order file, seed 4, quietly."""
    return [
        "--side",
        "japanese",
        "--orders",
        str(orders),
        "--seed",
        "4",
        "--log",
        str(log),
        "--quiet",
    ]


def days_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()[1:-1]]


@pytest.fixture(scope="module")
def run_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = tmp_path_factory.mktemp("run") / "run.jsonl"
    assert main(["run", "--seed", "4", "--quiet", "--log", str(log)]) == 0
    return log


@pytest.mark.parametrize("side", ["chinese", "japanese", "both"])
def test_the_staff_playing_through_play_gives_the_run_log_byte_for_byte(
    side: str,
    run_log: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "p.jsonl"
    code, out, _ = play(
        ["--side", side, "--seed", "4", "--log", str(log), "--quiet"], ENDS, monkeypatch, capsys
    )
    assert code == 0
    assert log.read_bytes() == run_log.read_bytes()
    assert "orders differed from the staff's: 0" in out


def test_hot_seat_asks_both_sides_every_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    both, one = tmp_path / "both.jsonl", tmp_path / "one.jsonl"
    assert (
        play(
            ["--side", "both", "--seed", "4", "--log", str(both)], "end\n" * 4, monkeypatch, capsys
        )[0]
        == 0
    )
    assert (
        play(
            ["--side", "chinese", "--seed", "4", "--log", str(one)],
            "end\n" * 4,
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    assert len(days_of(both)) == 2  # four answers: two days, each side asked
    assert len(days_of(one)) == 4  # four answers: four Chinese days
    footer = json.loads(both.read_text().splitlines()[-1])
    assert footer["play"]["to_move"] == "japanese" and footer["play"]["people"] == [
        "chinese",
        "japanese",
    ]


def test_a_typed_order_is_obeyed_logged_and_changes_the_campaign(
    run_log: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "p.jsonl"
    code, out, _ = play(
        ["--side", "chinese", "--seed", "4", "--log", str(log)], ORDER + ENDS, monkeypatch, capsys
    )
    assert code == 0
    day0 = days_of(log)[0]
    mine = [o for o in day0["decisions"]["chinese"]["orders"] if o["unit"] == "cn_74c_57div"]
    assert mine == [{"unit": "cn_74c_57div", "mission": "withdraw", "target": "wugang"}]
    assert day0["positions"]["cn_74c_57div"] == "dongkou>wugang"
    assert days_of(run_log)[0]["positions"]["cn_74c_57div"] == "dongkou"
    assert "D+0 (1945-04-06) chinese: 1 order differed from the staff's" in out


def test_an_illegal_typed_order_is_refused_with_day_and_line_and_play_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "p.jsonl"
    script = (
        "order jp_116div hold shaoyang\norder cn_74c_57div advance atlantis\n"
        "order new6_14div hold zhijiang\nfly\n" + ENDS
    )
    code, _, err = play(
        ["--side", "chinese", "--seed", "4", "--log", str(log), "--quiet"],
        script,
        monkeypatch,
        capsys,
    )
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("wargame: D+0 (1945-04-06) line 1: ")
    assert "jp_116div is a japanese unit" in lines[0]
    assert "line 2: " in lines[1] and "no place 'atlantis'" in lines[1]
    assert "line 3: " in lines[2] and "new6_14div has not arrived" in lines[2]
    assert "line 4: unknown command 'fly'" in lines[3]
    assert json.loads(log.read_text().splitlines()[-1])["complete"] is True


def test_a_played_log_verifies_and_a_changed_order_fails_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "p.jsonl"
    assert (
        play(
            ["--side", "chinese", "--seed", "4", "--log", str(log), "--quiet"],
            ORDER + ENDS,
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    assert main(["verify", str(log)]) == 0
    text = log.read_text()
    for changed in (
        '"target":"jiangkou","unit":"cn_74c_57div"',  # legal, different
        '"target":"wugang","unit":"jp_116div"',
    ):  # not the side's unit
        bad = tmp_path / "bad.jsonl"
        bad.write_text(text.replace('"target":"wugang","unit":"cn_74c_57div"', changed, 1))
        assert bad.read_text() != text
        capsys.readouterr()
        assert main(["verify", str(bad)]) == 1
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and "day 0" in err


def test_resume_continues_a_saved_game_to_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    straight, saved = tmp_path / "straight.jsonl", tmp_path / "saved.jsonl"
    moves, later = ORDER + "end\n" * 6, "order cn_74c_51div hold jiangkou\n"
    assert (
        play(
            ["--side", "chinese", "--seed", "4", "--log", str(straight), "--quiet"],
            moves + later + ENDS,
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    code, _, err = play(
        ["--side", "chinese", "--seed", "4", "--log", str(saved), "--quiet"],
        moves + "quit\n",
        monkeypatch,
        capsys,
    )
    assert code == 0 and "--resume" in err
    assert json.loads(saved.read_text().splitlines()[-1])["reason"] == "saved"
    assert main(["verify", str(saved)]) == 0  # the saved days verify
    code, out, _ = play(["--resume", str(saved), "--quiet"], later + ENDS, monkeypatch, capsys)
    assert code == 0
    assert saved.read_bytes() == straight.read_bytes()
    assert "D+0 (1945-04-06) chinese: 1 order differed" in out  # a day played before
    assert "orders differed from the staff's: 1\n" in out  # the later order is the staff's


def test_resume_in_a_spell_of_short_supply_culminates_on_the_same_day(
    run_log: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The Japanese staff's culmination clocks live in the staff, one per column: a game
    saved after three nights of short supply on the northern track (the column culminates
    after five) resumes with the clocks rebuilt from the replayed days, not restarted at
    zero."""
    day = northern_culmination_day(days_of(run_log))
    saved = tmp_path / "saved.jsonl"
    code, _, err = play(
        ["--side", "japanese", "--seed", "4", "--log", str(saved), "--quiet"],
        "end\n" * (day - 2) + "quit\n",
        monkeypatch,
        capsys,
    )
    assert code == 0 and "--resume" in err
    assert len(days_of(saved)) == day - 2  # saved with the northern clock at 3
    assert play(["--resume", str(saved), "--quiet"], ENDS, monkeypatch, capsys)[0] == 0
    assert saved.read_bytes() == run_log.read_bytes()


def northern_culmination_day(days: list[dict]) -> int:
    """The day the northern column's attack culminates on its supply (seed 4), announced
    after five nights of short supply."""
    found = [
        d["day"]
        for d in days
        for e in d["events"]
        if "northern column culminates: supply" in e["text"]
    ]
    assert len(found) == 1 and found[0] > 10, found
    return int(found[0])


def test_a_replayed_log_hands_over_to_a_staff_that_remembers_the_replayed_days() -> None:
    from wargame.commanders import Logged

    straight = Campaign(load_scenario(WEST), 4)
    hashes: list[str] = []
    records: list[dict] = []
    straight.callbacks.append(lambda c, r: hashes.append(r["hash"]))
    straight.callbacks.append(lambda c, r: records.append(r))
    straight.run()
    jp = straight.commanders[Side.JAPANESE]
    assert "central" in dict(jp.memory()[1])  # the main effort's attack culminated
    decisions: list[Decision] = []
    again = Campaign(load_scenario(WEST), 4)
    again.callbacks.append(
        lambda c, r: decisions.append(Decision.from_dict(r["decisions"]["japanese"]))
    )
    day = northern_culmination_day([{"day": r["day"], "events": r["events"]} for r in records])
    again.run(until_day=day)
    resumed = Campaign(load_scenario(WEST), 4)
    logged = Logged(Side.JAPANESE, decisions, staff(Side.JAPANESE))
    resumed.commanders[Side.JAPANESE] = logged
    got: list[str] = []
    resumed.callbacks.append(lambda c, r: got.append(r["hash"]))
    resumed.run(until_day=day - 3)
    assert dict(logged.memory()[0])["northern"] == 3  # three nights short, seen while replaying
    resumed.run()
    assert got == hashes


def test_play_by_email_stops_at_the_other_sides_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log, hot = tmp_path / "pbem.jsonl", tmp_path / "hot.jsonl"
    assert (
        play(
            ["--side", "japanese", "--pbem", "--seed", "4", "--log", str(log)],
            ENDS,
            monkeypatch,
            capsys,
        )[0]
        == 0
    )
    footer = json.loads(log.read_text().splitlines()[-1])
    assert footer["days"] == 0 and footer["play"]["to_move"] == "chinese"
    assert set(footer["play"]["pending"]) == {"japanese"}  # the turn made, kept
    for days, to_move in ((1, "japanese"), (1, "chinese"), (2, "japanese")):
        assert play(["--resume", str(log)], ENDS, monkeypatch, capsys)[0] == 0
        footer = json.loads(log.read_text().splitlines()[-1])
        assert (footer["days"], footer["play"]["to_move"]) == (days, to_move)
    assert (
        play(
            ["--side", "both", "--seed", "4", "--log", str(hot)], "end\n" * 4, monkeypatch, capsys
        )[0]
        == 0
    )
    lines = log.read_text().splitlines()
    assert lines[:3] == hot.read_text().splitlines()[:3]  # same header and days as hot-seat


def test_an_order_file_is_obeyed_and_the_days_it_leaves_out_go_to_the_staff(
    run_log: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    orders = tmp_path / "orders.toml"
    orders.write_text(
        '[[day]]\ndate = "1945-04-06"\norders = [{ unit = "cn_74c_57div", '
        'mission = "withdraw", target = "wugang" }]\n'
    )
    log = tmp_path / "p.jsonl"
    assert play(with_file(orders, log), ENDS, monkeypatch, capsys)[0] == 0
    days, staff = days_of(log), days_of(run_log)
    assert days[0]["positions"]["cn_74c_57div"] == "dongkou>wugang"
    assert {"unit": "cn_74c_57div", "mission": "withdraw", "target": "wugang"} in days[0][
        "decisions"
    ]["chinese"]["orders"]
    assert days[0]["decisions"]["japanese"] == staff[0]["decisions"]["japanese"]
    assert log.read_bytes() != run_log.read_bytes()


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (
            '{ unit = "new6_14div", mission = "advance", target = "wugang" }',
            "1945-04-06 (D+0) order 1: order for new6_14div: new6_14div has not arrived",
        ),
        (
            '{ unit = "cn_74c_57div", mission = "advance", target = "atlantis" }',
            "no place 'atlantis'",
        ),
        (
            '{ unit = "cn_74c_57div", mission = "withdrew", target = "wugang" }',
            "unknown mission 'withdrew' (did you mean 'withdraw'?)",
        ),
        ('{ unit = "cn_74c_57dv", mission = "hold" }', "no unit 'cn_74c_57dv'"),
    ],
)
def test_an_illegal_order_in_a_file_exits_2_and_leaves_no_log(
    line: str,
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    orders = tmp_path / "orders.toml"
    orders.write_text(f"[[day]]\ndate = 1945-04-06\norders = [{line}]\n")
    log = tmp_path / "p.jsonl"
    code, _, err = play(with_file(orders, log), ENDS, monkeypatch, capsys)
    assert code == 2
    assert len(err.splitlines()) == 1 and str(orders) in err and says in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.toml"]


def _views(side: Side, until: int) -> list[tuple[int, set[str], set[str]]]:
    """(day, enemy units seen, enemy units on the map) of each day's view of ``side``."""
    campaign = Campaign(load_scenario(WEST), 4)
    seen: list[tuple[int, set[str], set[str]]] = []

    class Spy:
        def __init__(self) -> None:
            self.side, self.staff = side, staff(side)

        def decide(self, view: SideView) -> Decision:
            visible = view.visible_state().units
            enemy = {u.id for u in view.state.units_of(side.enemy)}
            seen.append((view.day, {u for u in visible if u in enemy}, enemy))
            return self.staff.decide(view)

        def observe(self, view: SideView) -> None:
            self.staff.observe(view)

        def memory(self) -> list[int]:
            return self.staff.memory()

    campaign.commanders[side] = Spy()
    campaign.run(until_day=until)
    return seen


def test_a_sides_view_shows_no_enemy_out_of_contact_or_reconnaissance() -> None:
    views = _views(Side.CHINESE, 12)
    day0 = views[0]
    assert day0[1] == set() and len(day0[2]) == 8  # at Shaoyang, 30+ km from any Chinese
    assert any(seen < enemy for _, seen, enemy in views[1:])  # some days some are hidden
    campaign = Campaign(load_scenario(WEST), 4)
    view = SideView(campaign.world, campaign.state, Side.CHINESE)
    jp = campaign.state.units["jp_116div"]
    assert not view.seen(jp)
    campaign.state.set_position(jp, AtPlace("taohuaping"))  # next to the 63rd Division
    assert view.seen(jp) and "jp_116div" in view.visible_state().units


def test_show_refuses_an_enemy_unit_the_side_does_not_see(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = play(
        ["--side", "chinese", "--seed", "4", "--quiet"],
        "show jp_116div\nshow cn_74c_57div\nquit\n",
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert "line 1: no unit 'jp_116div' in your view" in err
    assert "cn_74c_57div: 57th Division" in out and "at dongkou" in out
