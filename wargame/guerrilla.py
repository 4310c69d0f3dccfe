"""Guerrilla raids on the Japanese supply line: which roads are raided today, and whom a raid
hits (rates in ``params.guerrilla``; local guerrillas attacked Japanese positions, seed text).
Pure functions; the engine applies their results."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from wargame.params import GuerrillaParams
from wargame.state import UnitState

RoadKey = tuple[str, str]


def raided_roads(
    p: GuerrillaParams, exposed: Sequence[tuple[str, RoadKey]], rng: np.random.Generator
) -> list[tuple[str, RoadKey]]:
    """The roads raided today, from the roads behind the front (both ends held by the
    occupier), in the order given: one uniform draw per road."""
    if not exposed:
        return []
    draws = rng.random(len(exposed))
    return [road for road, x in zip(exposed, draws, strict=True) if x < p.raid_chance_per_road]


def raid_losses(
    p: GuerrillaParams,
    raided: Sequence[str],
    road_ends: Mapping[str, AbstractSet[str]],
    paths: dict[str, list[str]],
    units: Sequence[UnitState],
    rng: np.random.Generator,
) -> Iterator[tuple[str, UnitState | None, int]]:
    """For each raided road (id): the first unit whose supply path runs over it, and the men
    it loses (a Poisson draw around ``raid_losses_men``); no unit when none uses the road.

    A generator: the caller applies each raid's losses before the next road's victims are
    chosen and its draw is made."""
    on_route: dict[str, frozenset[str]] = {}  # the places of each supply path, by place
    for rid in raided:
        ends = road_ends[rid]
        victim = None
        for u in units:
            if u.present <= 0:
                continue
            pos = u.pos  # (its location, or the place its road starts from)
            place = pos.place or pos.origin
            if place is None or place not in paths:
                continue
            route = on_route.get(place)
            if route is None:
                route = on_route[place] = frozenset(paths[place])
            if ends <= route:
                victim = u
                break
        n = int(rng.poisson(p.raid_losses_men))
        yield rid, victim, n
