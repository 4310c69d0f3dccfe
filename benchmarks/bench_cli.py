"""Command-line benchmark: cold start of a run, replay and verify of a full log, log size.

Targets: replay to the last day in 0.5 s or less; a turn log of 2 MB or less per campaign.
Prints figures; asserts nothing.

The commands run as a user's machine runs them: with Python's bytecode cache (a first,
untimed run writes it, to a temporary ``PYTHONPYCACHEPREFIX``, even where the environment
sets ``PYTHONDONTWRITEBYTECODE``, as some containers do). The replay is also timed without
the cache, which compiles every module of the package from source on each start.

    python benchmarks/bench_cli.py [--scenario west_hunan_1945] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV: dict[str, str] = {}
"""The environment the commands run in (set in :func:`main`)."""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or ENV
    )
    return time.perf_counter() - t0


def replay_in_process(log: Path, day: int) -> float:
    """Wall time of ``wargame replay LOG --day N`` inside this process (modules loaded)."""
    import contextlib
    import io

    from wargame.cli import main as wargame_main

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert wargame_main(["replay", str(log), "--day", str(day)]) == 0
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default="west_hunan_1945")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    py = [sys.executable, "-m", "wargame"]
    with tempfile.TemporaryDirectory() as tmp:
        ENV.update(os.environ)
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        no_cache = {**ENV, "PYTHONDONTWRITEBYTECODE": "1"}
        no_cache.pop("PYTHONPYCACHEPREFIX")
        timed([*py, "--version"])  # writes the bytecode cache
        log = Path(tmp) / "run.jsonl"
        run = [
            timed([*py, "run", args.scenario, "--seed", "1", "--quiet", "--log", str(log)])
            for _ in range(args.repeat)
        ]
        last = sum(1 for _ in log.open()) - 3
        replay = [timed([*py, "replay", str(log), "--day", str(last)]) for _ in range(args.repeat)]
        uncached = [
            timed([*py, "replay", str(log), "--day", str(last)], no_cache)
            for _ in range(args.repeat)
        ]
        verify = [timed([*py, "verify", str(log)]) for _ in range(args.repeat)]
        start = [timed([*py, "--version"]) for _ in range(args.repeat)]
        imports = [
            timed([sys.executable, "-c", "import wargame.cli, wargame.engine, wargame.report"])
            for _ in range(args.repeat)
        ]
        inproc = [replay_in_process(log, last) for _ in range(args.repeat)]
        size = log.stat().st_size
    print(f"scenario {args.scenario}, {last + 1} days logged, median of {args.repeat}")
    print(f"  command-line start-up (--version):    {statistics.median(start):.2f} s")
    print(f"  interpreter + importing the engine:   {statistics.median(imports):.2f} s")
    print(f"  cold start to final summary (run):    {statistics.median(run):.2f} s")
    print(
        f"  replay of the full log to its last day: {statistics.median(replay):.2f} s "
        f"(target <= 0.5 s)"
    )
    print(f"    of which in-process (after imports): {statistics.median(inproc):.2f} s")
    print(f"    without a bytecode cache:            {statistics.median(uncached):.2f} s")
    print(f"  verify of the full log:               {statistics.median(verify):.2f} s")
    print(f"  log size: {size / 1e6:.2f} MB (target <= 2 MB)")


if __name__ == "__main__":
    main()
