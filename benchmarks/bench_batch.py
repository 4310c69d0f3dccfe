"""Batch benchmark: campaigns per second with 1 and 2 workers, and a big batch's peak memory.

Runs the whole batch pipeline (seeds, workers, runs.csv streamed in run order, daily bands,
summary.json, report.md) on west_hunan_1945 (the tutorial scenario if it is missing, and the
tutorial as well for comparison). Prints figures; asserts nothing (this machine is shared and
noisy). Targets (issues 7 and 17, on 2 cores): 1,000 campaigns in 10 s or less (100/s) with
2 workers, start-up included; 2 workers at least 1.8x faster than 1; 15 ms or less per
campaign; peak memory 300 MB or less for a 10,000-run batch.

    python benchmarks/bench_batch.py              # 200 runs per timing, 1,000-run memory batch
    python benchmarks/bench_batch.py -n 1000      # 1,000 runs per timing
    python benchmarks/bench_batch.py --big        # the 10,000-run memory batch

Peak memory is measured in a fresh process: ``resource.getrusage`` max RSS of that process
plus the largest of its worker processes (an upper bound: forked workers share pages).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wargame import BUILD
from wargame.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def timed_batch(path: Path, n: int, workers: int, out_dir: Path) -> float:
    """Wall time (s) of an n-run batch of ``path`` with ``workers`` local workers."""
    from wargame.analysis.batch import BatchSpec, OutDir, Runner, run_batch
    from wargame.scenario import load_with_digest

    scenario, digest = load_with_digest(path)
    spec = BatchSpec(str(path), scenario, digest, [], n, 1)
    out = OutDir.check(out_dir, force=True)
    t0 = time.perf_counter()
    with Runner({"base": scenario}, workers=workers, daily=True) as runner:
        run_batch(spec, out, runner, quiet=True)
    return time.perf_counter() - t0


def cli_batch(path: Path, n: int) -> None:
    """Wall time of the command a user types, start-up and imports included."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "wargame", "batch", str(path), "-n", str(n), "--seed", "1"]
        cmd += ["--workers", "2", "--quiet", "--out", str(Path(tmp) / "cli")]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        t = time.perf_counter() - t0
    print(
        f"  `wargame batch -n {n} --workers 2`, start-up included: {t:.2f} s = "
        f"{n / t:,.1f} campaigns/s (target >= 100/s)"
    )


def mean_days(runs_csv: Path) -> float:
    """Mean campaign length (days) in a batch's runs.csv."""
    with runs_csv.open(newline="") as f:
        days = [int(row["days"]) for row in csv.DictReader(f)]
    return sum(days) / len(days)


def child(path: Path, n: int, workers: int, out_dir: Path) -> None:
    """Run one batch and print its time and peak memory (MB) as JSON."""
    elapsed = timed_batch(path, n, workers, out_dir)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"elapsed_s": elapsed, "self_mb": me, "children_mb": kids}))


def memory(path: Path, n: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(path),
                str(n),
                str(workers),
                str(Path(tmp) / "big"),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    total = r["self_mb"] + r["children_mb"]
    print(
        f"  {n:,}-run batch, {workers} workers: {r['elapsed_s']:.1f} s "
        f"({n / r['elapsed_s']:,.0f} campaigns/s); peak RSS: parent {r['self_mb']:.0f} MB + "
        f"largest worker {r['children_mb']:.0f} MB = {total:.0f} MB (target <= 300 MB)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("-n", type=int, default=200, help="runs per timing (default 200)")
    ap.add_argument(
        "--big", action="store_true", help="memory batch of 10,000 runs (default 1,000)"
    )
    ap.add_argument(
        "--child", nargs=4, metavar=("SCENARIO", "N", "WORKERS", "OUT"), help=argparse.SUPPRESS
    )
    args = ap.parse_args()
    if args.child:
        p, n, w, out = args.child
        child(Path(p), int(n), int(w), Path(out))
        return
    print(f"wargame {BUILD}")  # the mypyc build or the pure package (see README, Speed)
    names = [
        n for n in ("west_hunan_1945", "tutorial") if (ROOT / "scenarios" / f"{n}.toml").exists()
    ]
    for name in names:
        path = ROOT / "scenarios" / f"{name}.toml"
        print(f"{name}:")
        rates = {}
        with tempfile.TemporaryDirectory() as tmp:
            for workers in (1, 2):
                t = timed_batch(path, args.n, workers, Path(tmp) / f"w{workers}")
                rates[workers] = args.n / t
                if workers == 1:
                    days = mean_days(Path(tmp) / "w1" / "runs.csv")
                print(
                    f"  {workers} worker{'s' if workers > 1 else ' '}: {args.n} campaigns in "
                    f"{t:.2f} s = {rates[workers]:,.1f} campaigns/s; 1,000 campaigns in "
                    f"about {1000 / rates[workers]:.1f} s"
                )
        print(f"  speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (target >= 1.8x)")
        units = sum(1 for u in load_scenario(path).units if u.strength_men)
        ms = 1000 / rates[1]
        print(
            f"  1 worker: {ms:.1f} ms per campaign (target <= 15 ms), {units} units x "
            f"{days:.1f} days on average = {ms * 1000 / (units * days):.1f} us per unit-day"
        )
        memory(path, 10_000 if args.big else 1_000, 2)
        if name == "west_hunan_1945":
            cli_batch(path, args.n)


if __name__ == "__main__":
    main()
