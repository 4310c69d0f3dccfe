"""Engine benchmark: wall time of one full campaign, ms per campaign and us per unit-day.

Prints figures; asserts nothing (this machine is shared and noisy). Target (issue 17): a full
West Hunan campaign in 15 ms or less as a batch worker plays it; cost linear in days x units.

    python benchmarks/bench_engine.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from wargame import BUILD
from wargame.engine import Campaign
from wargame.scenario import load_scenario
from wargame.world import World

ROOT = Path(__file__).resolve().parent.parent


def _timed(scenario, seeds, lean: bool) -> tuple[list[float], Campaign]:
    """Wall time (s) of each seed's campaign; ``lean`` as a batch worker plays it (one
    World kept for every campaign, no daily state hash, no details in the day record), else as
    ``wargame run --log``."""
    world = World.from_scenario(scenario) if lean else None
    times = []
    c = None
    for seed in seeds:
        t0 = time.perf_counter()
        c = Campaign(scenario, seed, world=world, daily_hash=not lean, details=not lean)
        c.run()
        times.append(time.perf_counter() - t0)
    assert c is not None
    return times, c


def bench(path: Path, repeat: int) -> None:
    scenario = load_scenario(path)
    units = sum(1 for u in scenario.units if u.strength_men)
    print(f"{path.stem}: {units} units")
    for lean, label in ((False, "as `wargame run --log`"), (True, "as a batch worker")):
        _timed(scenario, range(2), lean)  # warm up
        times, c = _timed(scenario, range(repeat), lean)
        days = c.state.day + 1
        med = statistics.median(times)
        print(
            f"  {label}: median {med * 1000:.1f} ms, min {min(times) * 1000:.1f} ms per "
            f"campaign over {repeat} seeds (set-up included), {1 / med:.0f} campaigns a "
            "second on one core; "
            f"{med / max(1, units * days) * 1e6:.1f} us per unit-day ({days} days, last run); "
            f"daily phases played per second {c.events_total / med:,.0f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    print(f"wargame {BUILD}")  # the mypyc build or the pure package (see README, Speed)
    print("(1 and 2 worker processes and the speed-up: benchmarks/bench_batch.py)")
    for name in ("west_hunan_1945", "tutorial"):
        path = ROOT / "scenarios" / f"{name}.toml"
        if path.exists():
            bench(path, args.repeat)


if __name__ == "__main__":
    main()
