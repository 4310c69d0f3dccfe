"""Scale benchmark: synthetic scenarios in the tutorial format, up to 10x the units and 4x the
places of West Hunan (29 manoeuvre units, 36 places -> 290 units, 144 places).

Builds grid maps (places on a lat/lon grid, cart roads between neighbours, the attacker's
depot and start line in the east, the objective airfield in the west; every attack column
follows roads from its start to the objective), plays campaigns on each and prints the
set-up time (world and terrain map), the play time, the peak traced memory and the cost per
unit-day, then fits how play time grows with units x days: an exponent near 1 is linear.
Prints only.

    python benchmarks/bench_scale.py
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
import tracemalloc
from typing import Any

from wargame.engine import Campaign
from wargame.scenario import Scenario, validate_data
from wargame.terrain import haversine_km

WEST_HUNAN_UNITS, WEST_HUNAN_PLACES = 29, 36
START, DAYS = dt.date(1945, 4, 6), 63  # West Hunan's 63 days
SEEDS = (0, 1, 2)
SPACING_DEG = 0.2
"""Grid spacing, degrees (~22 km, ~29 km of road): 12 columns span about as much road as
Shaoyang to Zhijiang, so most campaigns run their full length."""


def synthetic(rows: int, cols: int, units: int, days: int = DAYS) -> dict[str, Any]:
    """A rows x cols grid with ``units`` manoeuvre units (a third Japanese, in one column per
    row; the rest Chinese, spread over the map), ``days`` long. The attacker never culminates
    (doctrine parameters), so a campaign runs to its end date unless the objective falls."""
    places, roads, unit_recs = [], [], []
    for r in range(rows):
        for c in range(cols):
            places.append(
                {
                    "id": f"p{r}_{c}",
                    "name": f"Place {r},{c}",
                    "lat": 26.0 + SPACING_DEG * r,
                    "lon": 108.0 + SPACING_DEG * c,
                    "terrain": ("mountain", "hills", "river_valley")[(r + c) % 3],
                    "features": ["airfield"] if c in (0, cols - 1) else [],
                    "control": "chinese" if c < cols - 2 else "japanese",
                }
            )
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < rows and c + dc < cols:
                    a, b = places[r * cols + c], places[(r + dr) * cols + c + dc]
                    km = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]) * 1.3
                    roads.append(
                        {
                            "id": f"{a['id']}-{b['id']}",
                            "a": a["id"],
                            "b": b["id"],
                            "kind": "cart_road",
                            "length_km": round(km, 1),
                        }
                    )
    mid = rows // 2
    objective = f"p{mid}_0"
    unit_recs.append({"id": "jhq", "side": "japanese", "name": "Army", "echelon": "army"})
    unit_recs.append({"id": "chq", "side": "chinese", "name": "Front", "echelon": "army"})
    japanese = max(1, units // 3)
    for i in range(japanese):
        r = i % rows
        unit_recs.append(
            {
                "id": f"j{i}",
                "side": "japanese",
                "name": f"J {i}",
                "echelon": "division",
                "parent": "jhq",
                "strength_men": 12000,
                "quality": "japanese_line",
                "location": f"p{r}_{cols - 1}",
                "column": f"c{r}",
            }
        )
    for i in range(units - japanese):
        unit_recs.append(
            {
                "id": f"c{i}",
                "side": "chinese",
                "name": f"C {i}",
                "echelon": "division",
                "parent": "chq",
                "strength_men": 6000,
                "quality": "regular",
                "location": f"p{(i * 3) % rows}_{(i * 7) % max(1, cols - 2)}",
            }
        )
    columns = {}
    for r in range(min(rows, japanese)):
        west = [f"p{r}_{c}" for c in range(cols - 1, -1, -1)]  # along the row
        step = 1 if mid > r else -1
        north_south = [f"p{rr}_0" for rr in range(r + step, mid + step, step)] if r != mid else []
        columns[f"c{r}"] = {"route": west + north_south}
    return {
        "meta": {
            "name": f"synthetic {rows}x{cols}, {units} units",
            "start_date": START,
            "end_date": START + dt.timedelta(days=days - 1),
        },
        "objective": {"place": objective},
        "sides": {
            "japanese": {
                "name": "A",
                "depots": [f"p{mid}_{cols - 1}"],
                "start_line": [f"p{r}_{cols - 1}" for r in range(rows)],
                "columns": columns,
            },
            "chinese": {"name": "D", "depots": [objective]},
        },
        "places": places,
        "roads": roads,
        "units": unit_recs,
        "air_groups": [
            {"id": "ca", "side": "chinese", "name": "CA", "aircraft": 400, "base": objective},
            {
                "id": "ja",
                "side": "japanese",
                "name": "JA",
                "aircraft": 50,
                "base": f"p{mid}_{cols - 1}",
            },
        ],
        "params": {"doctrine": {"culmination_loss": 1.0, "culmination_days": 60}},
    }


def measure(rows: int, cols: int, units: int, days: int = DAYS) -> tuple[int, float]:
    """Play the synthetic scenario on a few seeds; print one line; return (unit-days, s)."""
    scenario: Scenario = validate_data(synthetic(rows, cols, units, days), "synthetic")
    setups, plays, unit_days = [], [], []
    for seed in SEEDS:
        t0 = time.perf_counter()
        c = Campaign(scenario, seed)
        t1 = time.perf_counter()
        days = c.run().to_dict()["days"]
        setups.append(t1 - t0)
        plays.append(time.perf_counter() - t1)
        unit_days.append(units * days)
    tracemalloc.start()
    Campaign(scenario, SEEDS[0]).run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per = statistics.median(p / ud for p, ud in zip(plays, unit_days, strict=True))
    print(
        f"{rows * cols:6d} {units:6d} {statistics.median(unit_days) / units:5.0f} "
        f"{statistics.median(unit_days):9.0f} {statistics.median(setups):8.3f} "
        f"{statistics.median(plays):8.3f} {per * 1e6:9.1f} {peak / 1e6:8.1f}"
    )
    return int(statistics.median(unit_days)), statistics.median(plays)


def setup_only(rows: int, cols: int, units: int) -> None:
    """Set-up of a big map (world, terrain map, initial state) and its first day, which
    computes the routes the day needs (issue 17: well under a second for 500 places)."""
    scenario: Scenario = validate_data(synthetic(rows, cols, units), "synthetic")
    t0 = time.perf_counter()
    c = Campaign(scenario, 0)
    t1 = time.perf_counter()
    c.run(until_day=0)
    t2 = time.perf_counter()
    print(
        f"  {rows * cols} places, {units} units: set-up {t1 - t0:.3f} s, first day "
        f"{t2 - t1:.3f} s (routes computed on demand)"
    )


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares exponent k of play time ~ (unit-days)^k."""
    xs = [math.log(u) for u, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def main() -> None:
    header = (
        f"{'places':>6} {'units':>6} {'days':>5} {'unit-days':>9} {'set-up s':>8} "
        f"{'play s':>8} {'us/unit-day':>11} {'peak MB':>8}"
    )
    points = []
    print(
        f"West Hunan: {WEST_HUNAN_UNITS} manoeuvre units, {WEST_HUNAN_PLACES} places; "
        f"median of {len(SEEDS)} seeds; days = days played (a campaign can end early)"
    )
    print("\ngrowth with units (6x6 = 36 places):")
    print(header)
    for units in (15, 29, 58, 116, 290):
        points.append(measure(6, 6, units))
    print(f"\ngrowth with places ({WEST_HUNAN_UNITS} units):")
    print(header)
    for rows, cols in ((6, 6), (9, 8), (12, 12)):
        points.append(measure(rows, cols, WEST_HUNAN_UNITS))
    print("\n10x the units and 4x the places of West Hunan, growing campaign length:")
    print(header)
    for days in (16, 32, DAYS):
        points.append(measure(12, 12, 10 * WEST_HUNAN_UNITS, days))
    print(f"\nplay time grows as (unit-days)^{slope(points):.2f} over these runs (1.00 = linear)")
    print("\nset-up of a big map:")
    setup_only(20, 25, WEST_HUNAN_UNITS)


if __name__ == "__main__":
    main()
