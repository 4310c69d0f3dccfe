"""The engine plays today exactly what it played when the reference runs were recorded
(``tests/reference_runs.py``): the proof that an optimisation changed no result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reference_runs import BATCH, LOGS, REFERENCE, play_batch, play_log

RECORDED = json.loads(REFERENCE.read_text(encoding="utf-8"))
HINT = (
    "a change meant to change results rewrites tests/data/reference_runs.json with "
    "`python tests/reference_runs.py` (and says so in its commit); a speed-up must not"
)


@pytest.mark.parametrize(("scenario", "seed"), LOGS, ids=[f"{n}-{s}" for n, s in LOGS])
def test_a_turn_log_is_byte_for_byte_the_reference_one(
    scenario: str, seed: int, tmp_path: Path
) -> None:
    want = RECORDED["logs"][f"{scenario} {seed}"]
    got = play_log(scenario, seed, tmp_path)
    for day, (a, b) in enumerate(zip(got["day_hashes"], want["day_hashes"], strict=False)):
        assert a == b, f"{scenario} seed {seed}: the state first differs on day {day}; {HINT}"
    assert len(got["day_hashes"]) == len(want["day_hashes"]), HINT
    assert got["log_sha256"] == want["log_sha256"], HINT


def test_a_two_worker_batch_writes_the_reference_tables(tmp_path: Path) -> None:
    assert play_batch(tmp_path) == RECORDED["batch"], f"batch {' '.join(BATCH)}: {HINT}"
