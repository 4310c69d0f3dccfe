"""Sobol indices (``wargame sensitivity --method sobol``): the pipeline is checked on the
Ishigami function, whose indices are known in closed form, played through the same batch
runner as the campaigns; then end to end on West Hunan at a small N."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze

from wargame.analysis.batch import Runner
from wargame.analysis.experiments import SweptParam
from wargame.analysis.sobol import (
    BASE,
    evaluate_ishigami,
    indices,
    ishigami,
    play,
    problem,
    salib_seed,
    sample,
)
from wargame.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "scenarios" / "tutorial.toml"

# closed form for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, §4.6)
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)

SWEPT = [SweptParam(f"params.x.x{i}", 0.0, -math.pi, math.pi, "test") for i in (1, 2, 3)]


def _ishigami_through_runner(n: int, workers: int, seed: int = 7) -> tuple[np.ndarray, dict]:
    prob = problem(SWEPT)
    points = sample(prob, n, seed)
    scenario = load_scenario(TUTORIAL)
    with Runner({BASE: scenario}, workers=workers, evaluate=evaluate_ishigami) as runner:
        y = play(runner, points, [p.key for p in SWEPT], seed, lambda c: [float(c[0])], quiet=True)
    assert np.allclose(y[:, 0], ishigami(points))  # the runner returned every point, in order
    return y[:, 0], prob


def test_ishigami_indices_through_the_runner_match_the_closed_form() -> None:
    y, prob = _ishigami_through_runner(2048, workers=1)
    r = indices(prob, y, seed=7)
    assert r["S1"] == pytest.approx(ISHIGAMI_S1, abs=0.05)
    assert r["ST"] == pytest.approx(ISHIGAMI_ST, abs=0.05)
    # the third parameter acts only with the first: no effect alone, a quarter in total
    assert abs(r["S1"][2]) < 0.05 < r["ST"][2]


def test_the_runner_changes_nothing_salib_would_compute() -> None:
    y, prob = _ishigami_through_runner(256, workers=2)
    ours = indices(prob, y, seed=3)
    ref = salib_analyze.analyze(
        prob,
        ishigami(sample(prob, 256, 7)),
        calc_second_order=False,
        num_resamples=200,
        seed=salib_seed(3, 2),
    )
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        assert ours[key] == [float(v) for v in ref[key]]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wargame", "sensitivity", "--method", "sobol", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


PARAMS = "combat.attacker_base_rate,ambush.surprise_factor,air.cas_per_sortie"


def test_west_hunan_sobol_runs_end_to_end_the_same_with_one_or_two_workers(
    tmp_path: Path,
) -> None:
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        r = _cli(
            "-n",
            "4",
            "--params",
            PARAMS,
            "--seed",
            "5",
            "--workers",
            str(workers),
            "--quiet",
            "--out",
            str(out),
        )
        assert r.returncode == 0, r.stderr
        outs.append((out / "sobol.json").read_text())
        assert (out / "sobol.md").read_text().startswith("# Sobol indices: Battle of West Hunan")
    assert outs[0] == outs[1]
    result = json.loads(outs[0])
    assert result["campaigns"] == 4 * (3 + 2)
    assert [p["rank"] for p in result["params"]] == [1, 2, 3]
    assert sorted(p["key"] for p in result["params"]) == sorted(
        f"params.{k}" for k in PARAMS.split(",")
    )
    scores = [p["score"] for p in result["params"]]
    assert scores == sorted(scores, reverse=True)
    losses = result["params"][0]["indices"]["japanese_casualties"]
    assert set(losses) == {"S1", "S1_conf", "ST", "ST_conf"}
    # a result that never varies over the 20 runs gets no indices, and says why
    for key, why in result["skipped"].items():
        assert key not in result["params"][0]["indices"] and why == "the same in every run"
    assert (tmp_path / "w1" / "sobol.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    charts = tmp_path / "charts"
    r = subprocess.run(
        [sys.executable, "-m", "wargame", "plot", str(tmp_path / "w1"), "--out", str(charts)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert (charts / "sobol.png").read_bytes() == (tmp_path / "w1" / "sobol.png").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "6", "--params", PARAMS], "-n 6: Sobol needs a power of 2"),
        (["-n", "4", "--params", "combat.attacker_base_rate"], "two or more parameters"),
        (["-n", "4", "--params", "combat.no_such_thing,ambush.surprise_factor"], "unknown"),
    ],
)
def test_bad_sobol_input_is_one_line_exit_2_and_no_output(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    r = _cli(*args, "--out", str(out))
    assert r.returncode == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_without_salib_sobol_says_which_extra_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['SALib'] = None; from wargame.cli import main; "
        f"sys.exit(main(['sensitivity', '--method', 'sobol', '-n', '4', '--params', "
        f"'{PARAMS}', '--out', {str(tmp_path / 'out')!r}]))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "pip install 'wargame[sensitivity]'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_salib_never_gets_seed_0_which_it_takes_for_global_random_state() -> None:
    seeds = {salib_seed(root, purpose) for root in (0, 2**32, 2**63 - 1) for purpose in (1, 2)}
    assert 0 not in seeds and len(seeds) == 6
    prob = problem(SWEPT)
    assert np.array_equal(sample(prob, 8, 0), sample(prob, 8, 0))
    y = ishigami(sample(prob, 64, 0))
    assert indices(prob, y, 0) == indices(prob, y, 0)  # the bootstrap is seeded too
