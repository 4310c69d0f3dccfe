"""The static world of a campaign: scenario, terrain map, order of battle and attack axes.

Built once from a validated scenario and shared read-only by the doctrine modules and the
engine. Everything that changes lives in :class:`wargame.state.CampaignState`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

import networkx as nx

from wargame import combat
from wargame.forces import ManoeuvreUnit, OrderOfBattle
from wargame.movement import march_rate_km, road_effort_km
from wargame.params import Params
from wargame.scenario import Feature, Scenario, Side, SideConfig, scenario_digest
from wargame.state import AtPlace, CampaignState, OnRoad, Posture, UnitState
from wargame.supply import RouteRoads, RouteTable, road_capacity, supply_routes
from wargame.terrain import TerrainMap, haversine_km

CACHE_SIZE: Final = 4096
"""Entries a world's route memories keep before starting afresh (the answers are pure
functions of the static map, so forgetting changes nothing but time)."""
MAP_MEMORIES: Final = (
    "_recon",
    "_ways",
    "_home_steps",
    "_home_km",
    "_routes",
    "_within",
    "_unit_paths",
    "_airfields",
    "_start_held",
    "_dates",
)
"""The memories of a world that read its map, sides, units and dates alone, no parameter: a world
for the same scenario with other parameters shares them (:meth:`World.reparametrised`).
The others read a parameter: contact (``intel``), artillery zones (``air``), road
capacities (``supply``), march rates and road effort (``movement``), postures
(``combat``)."""


@dataclass
class World:
    scenario: Scenario
    tmap: TerrainMap
    oob: OrderOfBattle
    column_paths: dict[str, list[str]] = field(default_factory=dict)
    start_control: dict[str, Side] = field(default_factory=dict)
    roads_by_id: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)
    """(road id, (end, end) sorted, road kind) for every road, sorted by id."""
    road_ends: dict[str, frozenset[str]] = field(default_factory=dict)
    """The two places each road (by id) joins."""
    air_groups: list[tuple[str, Side, str, str, int]] = field(default_factory=list)
    """(id, side, base, role, aircraft committed) of every air group, in scenario order (read
    every day: plain values rather than the scenario's models)."""
    _contact: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _dates: dict[int, dt.date] = field(default_factory=dict, repr=False, compare=False)
    _recon: dict[tuple[str, str], float] = field(default_factory=dict, repr=False, compare=False)
    _ways: dict[tuple[str, str, frozenset[str]], tuple[float, list[str]] | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    _zones: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _home_steps: dict[tuple[Side, str], frozenset[str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _home_km: dict[tuple[Side, str], float] = field(default_factory=dict, repr=False, compare=False)
    _routes: dict[
        tuple[tuple[str, ...], frozenset[str]],
        tuple[RouteTable, RouteRoads],
    ] = field(default_factory=dict, repr=False, compare=False)
    _capacities: dict[tuple[bool, float], dict[tuple[str, str], float]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _within: dict[frozenset[str], list[tuple[str, tuple[str, str]]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    effort_km: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    """:func:`wargame.movement.road_effort_km` of each road, by (from, to) both ways."""
    unit_columns: dict[str, str | None] = field(default_factory=dict, repr=False)
    """The attack column (the scenario's ``column``) of each manoeuvre unit, or None."""
    params: Params = field(init=False, repr=False, compare=False)
    """The scenario's parameters."""
    _rates: dict[tuple[str, str, bool, bool, bool], float] = field(
        default_factory=dict, repr=False, compare=False
    )
    _unit_paths: dict[str, list[str] | None] = field(
        default_factory=dict, repr=False, compare=False
    )
    _sides: dict[Side, SideConfig] = field(default_factory=dict, repr=False, compare=False)
    _digest: str | None = field(default=None, repr=False, compare=False)
    _airfields: list[str] | None = field(default=None, repr=False, compare=False)
    _postures: dict[int, Posture] = field(default_factory=dict, repr=False, compare=False)
    _start_held: dict[Side, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.params = self.scenario.params
        p = self.params.movement
        for (a, b), road in self.tmap.roads().items():
            self.effort_km[a, b] = road_effort_km(
                p, road["kind"], road["km"], road["river_crossings"]
            )
        self.unit_columns = {u.id: u.column for u in self.oob.manoeuvre_units()}

    def march_rate(self, a: str, b: str, *, rain: bool, by_night: bool, low_supply: bool) -> float:
        """:func:`wargame.movement.march_rate_km` on the road from ``a`` to ``b``
        (remembered)."""
        key = (a, b, rain, by_night, low_supply)
        rate = self._rates.get(key)
        if rate is None:
            rate = self._rates[key] = march_rate_km(
                self.params.movement,
                self.tmap.road_kind(a, b),
                self.tmap.terrain(b),
                rain=rain,
                by_night=by_night,
                low_supply=low_supply,
            )
        return rate

    def road_capacities(self, rain: bool, interdiction: float) -> dict[tuple[str, str], float]:
        """Tons/day each road (its sorted ends) carries today before guerrilla raids
        (:func:`wargame.supply.road_capacity` by road class; remembered: callers copy it
        before changing it)."""
        key = (rain, interdiction)
        hit = self._capacities.get(key)
        if hit is None:
            if len(self._capacities) > CACHE_SIZE:
                self._capacities.clear()
            p = self.params.supply
            by_kind = {
                kind: road_capacity(p, kind, rain=rain, interdiction=interdiction, raid_cut=0.0)
                for kind in p.road_capacity_tons
            }
            hit = self._capacities[key] = {
                ends: by_kind.get(kind, 0.0) for _rid, ends, kind in self.roads_by_id
            }
        return hit

    def roads_within(self, places: frozenset[str]) -> list[tuple[str, tuple[str, str]]]:
        """The roads (id, sorted ends) both of whose ends are among ``places``, in road-id
        order (remembered: callers only read it)."""
        hit = self._within.get(places)
        if hit is None:
            if len(self._within) > CACHE_SIZE:
                self._within.clear()
            hit = self._within[places] = [
                (rid, key)
                for rid, key, _kind in self.roads_by_id
                if key[0] in places and key[1] in places
            ]
        return hit

    def roads_home(self, side: Side, place: str) -> frozenset[str]:
        """The first place of the shortest road from ``place`` to each of the side's depots
        (remembered)."""
        key = (side, place)
        hit = self._home_steps.get(key)
        if hit is None:
            route = self.tmap.route
            hit = frozenset(route(place, d)[1] for d in self.side_config(side).depots)
            self._home_steps[key] = hit
        return hit

    def home_km(self, side: Side, place: str) -> float:
        """Road km from ``place`` to the side's nearest depot (remembered)."""
        key = (side, place)
        km = self._home_km.get(key)
        if km is None:
            d = self.tmap.dist[place]
            km = self._home_km[key] = min(d[x] for x in self.side_config(side).depots)
        return km

    def artillery_zone(self, base: str) -> frozenset[str]:
        """Places within ``params.air.airfield_artillery_km`` of an airfield, straight line
        (remembered)."""
        zone = self._zones.get(base)
        if zone is None:
            km, straight = self.params.air.airfield_artillery_km, self.tmap.straight_km
            zone = frozenset(n for n in self.tmap.graph.nodes if straight(n, base) <= km)
            self._zones[base] = zone
        return zone

    def supply_network(
        self, sources: list[str], blocked: set[str]
    ) -> tuple[RouteTable, RouteRoads]:
        """:func:`wargame.supply.supply_routes` from ``sources`` around ``blocked`` places,
        and the roads of each route by place (a memory that
        :func:`wargame.supply.deliveries` fills in). Remembered: callers only read the routes;
        shared by every campaign on this world."""
        key = (tuple(sources), frozenset(blocked))
        hit = self._routes.get(key)
        if hit is None:
            if len(self._routes) > CACHE_SIZE:
                self._routes.clear()
            routes = supply_routes(self.tmap.graph, sources, key[1])
            hit = self._routes[key] = (routes, RouteRoads())
        return hit

    def supply_routes(self, sources: list[str], blocked: set[str]) -> RouteTable:
        """The routes of :meth:`supply_network`."""
        return self.supply_network(sources, blocked)[0]

    def recon_km(self, airfield: str, place: str) -> float:
        """Great-circle km from an airfield to a place, for air reconnaissance
        (remembered)."""
        km = self._recon.get((airfield, place))
        if km is None:
            a, b = self.tmap.graph.nodes[airfield], self.tmap.graph.nodes[place]
            km = self._recon[airfield, place] = haversine_km(a["lat"], a["lon"], b["lat"], b["lon"])
        return km

    def in_contact_of(self, place: str) -> frozenset[str]:
        """The places from which a unit sees an enemy at ``place``: within
        ``params.intel.contact_km`` of it by road (remembered)."""
        near = self._contact.get(place)
        if near is None:
            reach, dist = self.params.intel.contact_km, self.tmap.dist
            # by road from ``place``: the same km as from each ``a`` but for rounding, so
            # only a place within a hair of the limit is measured from its own end
            near = frozenset(
                a
                for a, km in self.tmap.within_km(place, reach).items()
                if (dist[a][place] <= reach if abs(km - reach) < 1e-6 else km <= reach)
            )
            self._contact[place] = near
        return near

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> World:
        tmap = TerrainMap.from_scenario(scenario)
        world = cls(scenario, tmap, OrderOfBattle.from_scenario(scenario))
        for side in Side:
            for name, col in world.side_config(side).columns.items():
                path: list[str] = [col.route[0]]
                for a, b in zip(col.route, col.route[1:], strict=False):
                    path.extend(tmap.route(a, b)[1:])
                world.column_paths[f"{side}:{name}"] = path
        world.start_control = {p.id: p.control for p in scenario.places if p.control is not None}
        world.roads_by_id = [
            (r.id, (min(r.a, r.b), max(r.a, r.b)), str(r.kind))
            for r in sorted(scenario.roads, key=lambda r: r.id)
        ]
        world.road_ends = {r.id: frozenset((r.a, r.b)) for r in scenario.roads}
        world.air_groups = [
            (g.id, g.side, g.base, g.role, g.committed_aircraft) for g in scenario.air_groups
        ]
        return world

    def reparametrised(self, scenario: Scenario) -> World:
        """The world of ``scenario``, sharing this world's map, order of battle and
        :data:`MAP_MEMORIES` when ``scenario`` differs from this world's only in its
        parameters (:func:`wargame.scenario.with_params` shares every other part); a fresh
        world otherwise. The parameters' own memories start afresh. Sensitivity studies play
        each sampled point on one: the routes found for one point serve the next."""
        old = self.scenario
        if scenario is old:
            return self
        if any(
            getattr(scenario, name) is not getattr(old, name)
            for name in type(old).model_fields
            if name != "params"
        ):
            return World.from_scenario(scenario)
        world = World(
            scenario,
            self.tmap,
            self.oob,
            column_paths=self.column_paths,
            start_control=self.start_control,
            roads_by_id=self.roads_by_id,
            road_ends=self.road_ends,
            air_groups=self.air_groups,
        )
        for name in MAP_MEMORIES:
            setattr(world, name, getattr(self, name))
        return world

    def scenario_digest(self) -> str:
        """:func:`wargame.scenario.scenario_digest` of the world's scenario (remembered: a
        world is built from a scenario that does not change afterwards)."""
        if self._digest is None:
            self._digest = scenario_digest(self.scenario)
        return self._digest

    def posture_after(self, days_in_place: int) -> Posture:
        """:func:`wargame.combat.posture_after` (remembered by days)."""
        posture = self._postures.get(days_in_place)
        if posture is None:
            posture = self._postures[days_in_place] = combat.posture_after(
                self.params.combat, days_in_place
            )
        return posture

    def airfields(self) -> list[str]:
        """The places with an airfield, by id (remembered)."""
        if self._airfields is None:
            has, airfield = self.tmap.has, Feature.AIRFIELD
            self._airfields = [n for n in sorted(self.tmap.graph.nodes) if has(n, airfield)]
        return self._airfields

    def start_held(self, side: Side) -> frozenset[str]:
        """The places ``side`` controlled at the start (remembered)."""
        held = self._start_held.get(side)
        if held is None:
            held = self._start_held[side] = frozenset(
                p for p, c in self.start_control.items() if c == side
            )
        return held

    def side_config(self, side: Side) -> SideConfig:
        config = self._sides.get(side)
        if config is None:
            config = self._sides[side] = getattr(self.scenario.sides, side.value)
        return config

    def fall_back_line(self, side: Side) -> list[str]:
        """The places a side's columns fall back to, in the scenario's order: its start line,
        or its depots where it names none (read only)."""
        config = self.side_config(side)
        return config.start_line or config.depots

    def unit(self, unit_id: str) -> ManoeuvreUnit:
        return self.oob.formations[unit_id]  # type: ignore[return-value]

    def date(self, day: int) -> dt.date:
        """The calendar date of a campaign day (remembered: read several times a day)."""
        date = self._dates.get(day)
        if date is None:
            date = self._dates[day] = self.scenario.meta.start_date + dt.timedelta(days=day)
        return date

    def column_path(self, u: UnitState) -> list[str] | None:
        """The route of the unit's attack column, or None (remembered by unit)."""
        try:
            return self._unit_paths[u.id]
        except KeyError:
            col = self.unit(u.id).column
            path = None if col is None else self.column_paths.get(f"{u.side}:{col}")
            self._unit_paths[u.id] = path
            return path

    def road_position_km(self, u: UnitState, target: str) -> float:
        """Road distance (km) from a unit's current position to a place."""
        d: dict[str, dict[str, float]] = self.tmap.dist
        pos = u.pos
        if isinstance(pos, AtPlace):
            return d[pos.place][target]
        assert isinstance(pos, OnRoad), u.id
        a, b = pos.origin, pos.dest
        length = self.tmap.road_km(a, b)
        effort = self.effort_km[a, b]
        if effort > 0:
            share = pos.km / effort
            done = length * (share if share < 1.0 else 1.0)  # (min(1.0, share), inline)
        else:
            done = 0.0
        back, ahead = done + d[a][target], length - done + d[b][target]
        return ahead if ahead < back else back  # (min(back, ahead), inline)

    def distance_to_objective(self, u: UnitState) -> float:
        return self.road_position_km(u, self.tmap.objective)

    def nearest(self, origin: str, places: list[str]) -> str | None:
        """The place of ``places`` closest by road to ``origin`` (ties: list order)."""
        best, best_d = None, float("inf")
        for p in places:
            dd = self.tmap.dist[origin][p]
            if dd < best_d:
                best, best_d = p, dd
        return best

    def way_round(self, a: str, b: str, avoid: set[str]) -> tuple[float, list[str]] | None:
        """The shortest road route (km, places) from ``a`` to ``b`` through no place of
        ``avoid``, or None (remembered: callers only read the route)."""
        if a in avoid or b in avoid:
            return None
        key = (a, b, frozenset(avoid))
        if key in self._ways:
            return self._ways[key]
        if len(self._ways) > CACHE_SIZE:
            self._ways.clear()
        self._ways[key] = found = self._way_round(a, b, key[2])
        return found

    def _way_round(self, a: str, b: str, avoid: frozenset[str]) -> tuple[float, list[str]] | None:

        def weight(u: str, v: str, d: dict) -> float | None:
            return None if v in avoid else d["km"]

        try:
            km, path = nx.single_source_dijkstra(self.tmap.graph, a, b, weight=weight)
        except nx.NetworkXNoPath:
            return None
        return float(km), list(path)

    def enemy_held(
        self, state: CampaignState, side: Side, enemy_control: set[str] | None = None
    ) -> set[str]:
        """Places a side may not pass: held or occupied by the enemy (a fresh set).
        ``enemy_control``: the places the enemy controls, when the caller has them."""
        enemy = side.enemy
        held = state.held_by(enemy) if enemy_control is None else set(enemy_control)
        for u in state.units_of(enemy):
            place = u.pos.place  # (None on a road)
            if place is not None:
                held.add(place)
        return held
