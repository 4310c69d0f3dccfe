"""Supply: from a side's depots along the roads it controls, to each unit, in tons per day.

Each unit needs ``need_tons_per_1000_men`` per 1,000 men per day. Supplies move along the
shortest road route from the nearest depot through places the side may use (not held or
occupied by the enemy). Each road carries at most its class capacity (tons/day), cut by
rain, air interdiction and guerrilla raids and shared by every unit whose route uses it; the
delivered share also falls linearly with distance as carriers eat what they carry
(models.md §6). A unit with no route is cut off and lives on what it carries and what it
can take from the country (foraging: food only, less as the area is stripped).
"""

from __future__ import annotations

import itertools
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import networkx as nx

from wargame.params import SupplyParams


@dataclass(init=False, slots=True)
class Demand:
    """One unit's need: where it draws supply (a place) and how much (tons/day)."""

    unit_id: str
    place: str
    tons: float

    # (``__init__`` written out: a dataclass's generated one runs interpreted in the compiled
    # build, issue 17)
    def __init__(self, unit_id: str, place: str, tons: float) -> None:
        self.unit_id = unit_id
        self.place = place
        self.tons = tons


def need_tons(p: SupplyParams, side: str, men: int, activity: str) -> float:
    """Tons/day a unit of ``men`` needs today: the sustained-combat rate of its side times the
    share for its activity (``combat``, ``march`` or ``static``; models.md §6)."""
    return men / 1000 * p.need_tons_per_1000_men.get(side, 0.0) * p.need_factor.get(activity, 1.0)


RouteTable = tuple[dict[str, float], dict[str, list[str]]]
"""Road km and route (places) from the nearest usable depot to every reachable place."""


def supply_routes(graph: nx.Graph, depots: list[str], blocked: AbstractSet[str]) -> RouteTable:
    """Road distance (km) and route from the nearest usable depot to every reachable place."""
    sources = [d for d in depots if d not in blocked]
    if not sources:
        return {}, {}

    def weight(u: str, v: str, d: dict) -> float | None:
        return None if v in blocked else d["km"]

    return nx.multi_source_dijkstra(graph, sources, weight=weight)


class RouteRoads:
    """The roads of each route of one :data:`RouteTable`, remembered for :func:`deliveries`:
    every road met so far (its sorted ends) in ``keys`` and, by place, the positions in
    ``keys`` of the roads its route takes, in order. Filled in as places are asked for; kept
    with the routes by the caller."""

    __slots__ = ("by_place", "index", "keys")

    def __init__(self) -> None:
        self.keys: list[tuple[str, str]] = []
        self.index: dict[tuple[str, str], int] = {}
        self.by_place: dict[str, list[int]] = {}

    def route(self, path: list[str]) -> list[int]:
        """The positions of the roads along ``path`` (places, depot first), added as met."""
        out = []
        for a, b in itertools.pairwise(path):
            key = (a, b) if a < b else (b, a)
            i = self.index.get(key)
            if i is None:
                i = self.index[key] = len(self.keys)
                self.keys.append(key)
            out.append(i)
        return out


def deliveries(
    p: SupplyParams,
    side: str,
    demands: list[Demand],
    routes: RouteTable,
    capacity: dict[tuple[str, str], float],
    roads: RouteRoads | None = None,
) -> dict[str, float]:
    """Share of each unit's need delivered today (0..1), sharing road capacity pro rata.

    ``capacity`` maps each road (a, b) with a < b to its throughput today, tons/day.
    ``roads``, if given, remembers the roads of each route for these ``routes`` (filled in
    here: the caller keeps it with the routes).
    """
    dist, paths = routes
    if roads is None:
        roads = RouteRoads()
    by_place = roads.by_place
    # each demand's load on every road of its route, in demand order (roads by position)
    loads: list[tuple[list[int], float]] = []
    for d in demands:
        route = by_place.get(d.place)
        if route is None:
            if d.place not in paths:
                continue
            route = by_place[d.place] = roads.route(paths[d.place])
        loads.append((route, d.tons))
    load = [0.0] * len(roads.keys)
    for route, tons in loads:
        for i in route:
            load[i] += tons
    cap = [capacity.get(key, 0.0) for key in roads.keys]
    haul = p.haul_limit_km.get(side, 0.0)
    # a place's share depends only on its route: worked out once for every unit there
    got_at: dict[str, float] = {}
    out: dict[str, float] = {}
    for d in demands:
        got = got_at.get(d.place)
        if got is None:
            route = by_place.get(d.place) if d.place in paths else None
            if route is None:
                got = 0.0
            else:
                share = 1.0
                for i in route:
                    carried = load[i]
                    if carried > 0:
                        part = cap[i] / carried
                        if part < share:
                            share = part
                distance_factor = max(0.0, 1.0 - dist[d.place] / haul) if haul > 0 else 0.0
                got = max(0.0, min(1.0, share) * distance_factor)
            got_at[d.place] = got
        out[d.unit_id] = got
    return out


def forage(
    p: SupplyParams, side: str, terrain: str, stripped_days: float, men: int, need: float
) -> float:
    """Share of today's need (``need`` tons) a unit of ``men`` takes from the country around
    a place of ``terrain`` that has been foraged for ``stripped_days`` unit-days: the food
    part of its need times what the country yields, halving every ``forage_halving_days``."""
    if need <= 0 or men <= 0:
        return 0.0
    food = men / 1000 * p.forage_food_tons_per_1000_men.get(side, 0.0)
    left: float = 0.5 ** (stripped_days / p.forage_halving_days)  # (typed: float ** is Any)
    yields = p.forage_share.get(terrain, 0.0) * left
    return min(1.0, food * yields / need)


def consume(p: SupplyParams, stock_days: float, delivered: float) -> tuple[float, float]:
    """Eat one day's need from what arrived and the carried stock.

    Returns (new stock in days, supply state = share of today's need met, 0..1).
    """
    if delivered >= 1.0:
        return min(p.carried_days, stock_days + delivered - 1.0), 1.0
    shortfall = 1.0 - delivered
    if stock_days >= shortfall:
        return stock_days - shortfall, 1.0
    return 0.0, delivered + stock_days


def road_capacity(
    p: SupplyParams, kind: str, *, rain: bool, interdiction: float, raid_cut: float
) -> float:
    """Tons/day a road carries today."""
    cap = p.road_capacity_tons.get(kind, 0.0)
    if rain:
        cap *= p.rain_capacity_factor.get(kind, 1.0)
    return cap * (1.0 - interdiction) * (1.0 - raid_cut)
