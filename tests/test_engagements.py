"""The combat model's backtest on the shipped CDB90 engagements (`wargame engagements`)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from wargame import combat
from wargame.analysis import engagements as eng
from wargame.cli import main
from wargame.params import CombatParams

CP = CombatParams()
ROWS = eng.read_engagements()
HEADER = ",".join(eng.COLUMNS)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def example(**changes: object) -> eng.Engagement:
    base = eng.Engagement(
        isqno=0,
        name="test",
        year=1944,
        attacker_men=20000,
        defender_men=10000,
        attacker_casualties=1000,
        defender_casualties=800,
        duration_days=2.0,
        posture=("HD",),
        relief="R",
        cover="M",
        special="0",
        weather="DST",
        surprise=0,
        air=0,
        attacker_won=1,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_the_shipped_half_of_cdb90_is_read_whole() -> None:
    assert len(ROWS) == 325
    assert all(r.isqno % 2 == 0 for r in ROWS)  # the odd half is the held-back test set


def test_the_mapping_table_maps_cdb90_codes_onto_the_model_s_rows() -> None:
    x = eng.map_row(
        CP,
        example(relief="G", cover="W", posture=("PD",), weather="WHT", surprise=2, air=1),
    )
    assert x.field.terrain == "rugged_wooded"
    assert x.posture == "prepared"
    assert x.defenders[0].posture_factor == CP.posture["prepared"]
    assert x.field.weather == "wet_heavy_temperate"
    assert x.field.surprise == pytest.approx(1 / 1.75)  # substantial surprise, the attacker's
    assert x.field.attacker_air == CP.air_superiority and x.field.defender_air == 1.0
    assert x.neutral == ()
    urban = eng.map_row(CP, example(relief="F", cover="B", special="U", surprise=-3, air=-1))
    assert urban.field.terrain == "urban"
    assert urban.field.surprise == 2.5 and urban.field.defender_air == CP.air_superiority
    mixed = eng.map_row(CP, example(posture=("HD", "PD")))
    assert mixed.defenders[0].posture_factor == pytest.approx((1.3 * 1.5) ** 0.5)


def test_unknown_codes_take_the_neutral_value_and_are_counted() -> None:
    x = eng.map_row(CP, example(relief="", cover="0", weather="$$$", surprise=None, air=None))
    assert set(x.neutral) == {"terrain", "weather", "surprise", "air"}
    env = combat.environment(CP, x.field)
    assert (env.defender, env.attacker, env.casualty, env.mobility) == (1.0, 1.0, 1.0, 1.0)


def test_numbers_only_sets_every_factor_but_strength_to_one() -> None:
    e = example(relief="G", cover="W", posture=("FD",), surprise=3, air=1)
    assert eng.predict(CP, eng.numbers_only(e)).ratio == pytest.approx(2.0)
    assert eng.predict(CP, eng.map_row(CP, e)).ratio != pytest.approx(2.0)


@pytest.mark.parametrize(
    "better",
    [
        {"attacker_cev": 1.3},  # a better-equipped attacker
        {"posture": ("DL",)},  # a defender only delaying rather than holding
        {"surprise": 2},  # an attacker who surprises
        {"air": 1},  # an attacker with air superiority
    ],
)
def test_a_stronger_attacker_s_predicted_p_win_rises(better: dict[str, object]) -> None:
    bt = eng.run_backtest(CP, ROWS)
    a, b = bt.model.link
    assert b > 0  # a higher power ratio means a likelier win

    def p_win(e: eng.Engagement) -> float:
        ratio = eng.predict(CP, eng.map_row(CP, e)).ratio
        return float(eng.link(a, b, eng.np.log(eng.np.array([ratio])))[0])

    assert p_win(example(**better)) > p_win(example())
    assert p_win(example(posture=("PD",))) < p_win(example())  # a prepared defence


def test_the_model_beats_numbers_only_on_the_win_predictions_since_1900() -> None:
    """The issue's goal, cross-validated: the model's factors carry information beyond the
    strengths (Brier score and AUC)."""
    bt = eng.run_backtest(CP, ROWS, since=1900)
    model, numbers = bt.model.cross_validated, bt.numbers.cross_validated
    assert model is not None and numbers is not None
    assert model.auc > numbers.auc + 0.05
    assert model.brier < numbers.brier


def test_the_json_has_exactly_the_agreed_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "backtest.json"
    code, stdout, err = run(["engagements", "--json", str(out)], capsys)
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert list(doc) == ["n", "model", "numbers_only"]
    assert doc["n"] == 325
    for arm in ("model", "numbers_only"):
        assert list(doc[arm]) == ["brier", "auc", "accuracy", "casualty_log_error"]
        assert 0 < doc[arm]["brier"] < 0.25 and 0.5 < doc[arm]["auc"] < 1
    assert "ROC AUC" in stdout and "numbers only" in stdout


def test_the_plots_are_drawn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    charts = tmp_path / "charts"
    code, _, err = run(["engagements", "--since", "1900", "--plot", str(charts)], capsys)
    assert code == 0, err
    assert sorted(p.name for p in charts.iterdir()) == ["casualty_rates.png", "reliability.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in charts.iterdir())


def test_the_campaign_s_parameters_drive_the_backtest() -> None:
    x = eng.map_row(CP, example(relief="G", cover="W"))
    stronger = CombatParams(terrain={"rugged_wooded": {"defence": 3.0}})
    assert eng.predict(stronger, x).ratio < eng.predict(CP, x).ratio


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("2,W,N,1944,A,D,lots,100,1,1,1,HD,,R,M,0,DST,0,0,0,1,,", "attacker_strength"),
        ("2,W,N,1944,A,D,100,100,1,1,1,HD,,R,M,0,DST,0,0,0,2,,", "attacker_won"),
        ("2,W,N,1944,A,D,100,100,1,1,1,HD,,R,M,0,DST,7,0,0,1,,", "surprise"),
        ("2,W,N,1944,A,D,100,100,1,1,-1,HD,,R,M,0,DST,0,0,0,1,,", "duration_days"),
    ],
)
def test_a_malformed_file_names_the_row_and_column_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, column: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + row + "\n")
    out = tmp_path / "out.json"
    code, _, err = run(["engagements", str(bad), "--json", str(out)], capsys)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(bad) in lines[0] and "row 2" in lines[0] and column in lines[0]
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_a_file_without_the_columns_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = run(["engagements", str(bad)], capsys)
    assert code == 2 and "missing column 'isqno'" in err and len(err.splitlines()) == 1
