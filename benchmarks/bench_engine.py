"""Engine benchmark: wall time of one full campaign, simpy events, events per second.

Prints figures; asserts nothing (this machine is shared and noisy). Target: a full West Hunan
campaign in 20 ms or less; cost linear in days x units.

    python benchmarks/bench_engine.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from wargame.engine import Campaign
from wargame.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def bench(path: Path, repeat: int) -> None:
    scenario = load_scenario(path)
    times, events, days = [], 0, 0
    for seed in range(repeat):
        c = Campaign(scenario, seed)
        t0 = time.perf_counter()
        summary = c.run().to_dict()
        times.append(time.perf_counter() - t0)
        events, days = c.events_total, summary["days"]
    units = sum(1 for u in scenario.units if u.strength_men)
    med = statistics.median(times)
    print(f"{path.stem}: {units} units, {days} days played (last run)")
    print(
        f"  campaign wall time: median {med * 1000:.1f} ms, min {min(times) * 1000:.1f} ms "
        f"over {repeat} seeds"
    )
    print(f"  simpy events per campaign: {events} (last run); events/s: {events / med:,.0f}")
    print(f"  cost per unit-day: {med / max(1, units * days) * 1e6:.1f} us")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    for name in ("west_hunan_1945", "tutorial"):
        path = ROOT / "scenarios" / f"{name}.toml"
        if path.exists():
            bench(path, args.repeat)


if __name__ == "__main__":
    main()
