"""Engine cost in deterministic units: Python function calls per campaign, by phase.

Wall times on a shared machine are noisy; call counts are not (for a given Python). Plays
``--warm`` warm-up campaigns (1) on one World, then ``--campaigns`` seeds as a batch worker does
(a shared World, no daily hash; a long batch's worker has met most blocked places before, as
``--warm 50`` has), and prints the calls (Python functions and builtins, as cProfile
counts them) per campaign in each engine phase. For instruction counts run the same loop
under valgrind (``--play`` plays without counting):

    python benchmarks/bench_calls.py [--campaigns 5]
    valgrind --tool=callgrind --callgrind-out-file=cg.out \
        python benchmarks/bench_calls.py --play --campaigns 3   # minus a --campaigns 0 run
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

from wargame.engine import PHASES, Campaign
from wargame.scenario import load_scenario
from wargame.world import World

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--campaigns", type=int, default=5)
    ap.add_argument("--scenario", default="west_hunan_1945")
    ap.add_argument("--play", action="store_true", help="play only (for valgrind)")
    ap.add_argument(
        "--warm",
        type=int,
        default=1,
        help="warm-up campaigns first (a long batch's worker: its world's route memories full)",
    )
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / f"{args.scenario}.toml")
    world = World.from_scenario(scenario)
    for seed in range(100, 100 + args.warm):  # warm the world's memories
        Campaign(scenario, seed, world=world, daily_hash=False, details=False).run()
    seeds = range(1, args.campaigns + 1)
    if args.play:
        for seed in seeds:
            Campaign(scenario, seed, world=world, daily_hash=False, details=False).run()
        return

    counts: Counter[str] = Counter()
    current = ["clock"]  # the phase running, or the simpy clock between phases

    def count(frame: FrameType, event: str, arg: Any) -> None:
        if event in ("call", "c_call"):
            counts[current[0]] += 1

    class Counted(Campaign):
        pass

    for name in PHASES:
        method = getattr(Campaign, f"_{name}")

        def phase(self: Campaign, _method: Any = method, _name: str = name) -> None:
            current[0] = _name
            try:
                _method(self)
            finally:
                current[0] = "clock"

        setattr(Counted, f"_{name}", phase)

    sys.setprofile(count)
    try:
        for seed in seeds:
            Counted(scenario, seed, world=world, daily_hash=False, details=False).run()
    finally:
        sys.setprofile(None)
    n = max(1, args.campaigns)
    total = sum(counts.values())
    print(f"{args.scenario}: {total / n:,.0f} calls per campaign ({args.campaigns} seeds)")
    for name, calls in counts.most_common():
        print(f"  {name:12s} {calls / n:9,.0f}  {100 * calls / max(1, total):5.1f} %")


if __name__ == "__main__":
    main()
