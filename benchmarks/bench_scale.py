"""Scale benchmark: synthetic scenarios in the tutorial format, growing units and places.

Builds grid maps (places on a lat/lon grid, cart roads between neighbours, an attacker depot
in the east and the objective airfield in the west) with up to 10x the units and 4x the
places of West Hunan, plays one campaign on each and prints wall time, peak traced memory and
the cost per unit-day, so growth faster than linear in units x days shows up. Prints only.

    python benchmarks/bench_scale.py
"""

from __future__ import annotations

import math
import statistics
import time
import tracemalloc
from typing import Any

from wargame.engine import Campaign
from wargame.scenario import validate_data
from wargame.terrain import haversine_km


def synthetic(rows: int, cols: int, units_per_side: int, days: int = 62) -> dict[str, Any]:
    places, roads, units = [], [], []
    for r in range(rows):
        for c in range(cols):
            places.append({"id": f"p{r}_{c}", "name": f"Place {r},{c}", "lat": 27.0 + 0.1 * r,
                           "lon": 109.5 + 0.1 * c,
                           "terrain": ("mountain", "hills", "river_valley")[(r + c) % 3],
                           "features": ["airfield"] if c in (0, cols - 1) else [],
                           "control": "chinese" if c < cols - 2 else "japanese"})
    for r in range(rows):
        for c in range(cols):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < rows and c + dc < cols:
                    a, b = places[r * cols + c], places[(r + dr) * cols + c + dc]
                    km = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]) * 1.3
                    roads.append({"id": f"{a['id']}-{b['id']}", "a": a["id"], "b": b["id"],
                                  "kind": "cart_road", "length_km": round(km, 1)})
    mid = rows // 2
    units.append({"id": "jhq", "side": "japanese", "name": "Army", "echelon": "army"})
    units.append({"id": "chq", "side": "chinese", "name": "Front", "echelon": "army"})
    for i in range(units_per_side):
        r = i % rows
        units.append({"id": f"j{i}", "side": "japanese", "name": f"J {i}", "echelon": "division",
                      "parent": "jhq", "strength_men": 12000, "quality": "japanese_line",
                      "location": f"p{r}_{cols - 1}", "column": f"c{r}"})
        cc = (i * 7) % max(1, cols - 2)
        units.append({"id": f"c{i}", "side": "chinese", "name": f"C {i}", "echelon": "division",
                      "parent": "chq", "strength_men": 6000, "quality": "regular",
                      "location": f"p{(i * 3) % rows}_{cc}"})
    columns = {f"c{r}": {"route": [f"p{r}_{cols - 1}", f"p{mid}_0"]} for r in range(rows)}
    end_day = 6 + days - 1
    return {
        "meta": {"name": f"synthetic {rows}x{cols}", "start_date": "1945-04-06",
                 "end_date": f"1945-{4 + (end_day - 1) // 30:02d}-{(end_day - 1) % 30 + 1:02d}"},
        "objective": {"place": f"p{mid}_0"},
        "sides": {"japanese": {"name": "A", "depots": [f"p{mid}_{cols - 1}"],
                               "start_line": [f"p{r}_{cols - 1}" for r in range(rows)],
                               "columns": columns},
                  "chinese": {"name": "D", "depots": [f"p{mid}_0"]}},
        "places": places, "roads": roads, "units": units,
        "air_groups": [{"id": "ca", "side": "chinese", "name": "CA", "aircraft": 400,
                        "base": f"p{mid}_0"},
                       {"id": "ja", "side": "japanese", "name": "JA", "aircraft": 50,
                        "base": f"p{mid}_{cols - 1}"}],
    }


def measure(rows: int, cols: int, units: int) -> None:
    import datetime as dt

    data = synthetic(rows, cols, units)
    data["meta"]["start_date"] = dt.date(1945, 4, 6)
    data["meta"]["end_date"] = dt.date(1945, 6, 7)
    scenario = validate_data(data, "synthetic")
    times = []
    for seed in range(3):
        c = Campaign(scenario, seed)
        t0 = time.perf_counter()
        s = c.run().to_dict()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    Campaign(scenario, 0).run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    med = statistics.median(times)
    unit_days = 2 * units * s["days"]
    print(f"{rows * cols:5d} places {2 * units:5d} units {s['days']:3d} days: "
          f"{med:7.3f} s, peak {peak / 1e6:6.1f} MB, {med / unit_days * 1e6:6.1f} us/unit-day")


def main() -> None:
    print("growth with units (places fixed at ~36):")
    for units in (10, 20, 40, 80, 200):
        measure(6, 6, units)
    print("growth with places (40 units):")
    for rows, cols in ((6, 6), (9, 8), (12, 12)):
        measure(rows, cols, 20)
    _ = math


if __name__ == "__main__":
    main()
