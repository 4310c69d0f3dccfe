"""Reference runs: what the engine plays for fixed seeds, recorded once, so that an
optimisation can be proved to change nothing (issue 17).

``python tests/reference_runs.py`` rewrites ``tests/data/reference_runs.json`` from the
engine as it stands. Do that only with a change that is *meant* to change results (a model
change), and say so in the commit; a speed-up must leave the file as it is.

Recorded, for each run: every day's state hash (so a failure names the first day that
differs), the SHA-256 of the whole turn log but for the header's ``program`` (the package
version), and for a small 2-worker batch the SHA-256 of ``runs.csv`` and ``daily.csv``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from wargame import cli

REFERENCE = Path(__file__).resolve().parent / "data" / "reference_runs.json"
LOGS = [("west_hunan_1945", 1), ("west_hunan_1945", 4), ("tutorial", 3)]
"""The (bundled scenario, seed) of each logged reference run."""
BATCH = ["-n", "20", "--seed", "5", "--workers", "2"]
"""The reference batch of west_hunan_1945 (its own arguments)."""


def log_record(path: Path) -> dict[str, Any]:
    """A turn log's day hashes and its digest (the header's ``program`` left out)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    header.pop("program")
    digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
    for line in lines[1:]:
        digest.update(b"\n" + line.encode())
    days = [json.loads(line) for line in lines[1:]]
    return {
        "day_hashes": [d["hash"] for d in days if d.get("type") == "day"],
        "log_sha256": digest.hexdigest(),
    }


def play_log(scenario: str, seed: int, out: Path) -> dict[str, Any]:
    """Play one reference run through the command line and record it."""
    log = out / f"{scenario}-{seed}.jsonl"
    code = cli.main(["run", scenario, "--seed", str(seed), "--quiet", "--log", str(log)])
    assert code == 0, f"wargame run {scenario} --seed {seed} exited {code}"
    return log_record(log)


def play_batch(out: Path) -> dict[str, str]:
    """Play the reference batch through the command line and digest its tables."""
    folder = out / "batch"
    code = cli.main(["batch", "west_hunan_1945", *BATCH, "--quiet", "--out", str(folder)])
    assert code == 0, f"wargame batch exited {code}"
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in ("runs.csv", "daily.csv")
    }


def record() -> dict[str, Any]:
    """Every reference run, played now."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        logs = {f"{name} {seed}": play_log(name, seed, out) for name, seed in LOGS}
        return {"logs": logs, "batch": play_batch(out)}


if __name__ == "__main__":
    REFERENCE.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE}", file=sys.stderr)
