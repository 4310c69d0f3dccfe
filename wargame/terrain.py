"""The terrain graph: places as nodes, roads as edges, built with networkx from a scenario.

Nodes carry ``name``, ``lat``/``lon`` (degrees), ``terrain``, ``elevation_m`` and ``features``;
edges carry ``id``, ``km`` (road length), ``kind`` (road class), ``river_crossings`` and
``crosses_pass``. :class:`TerrainMap` wraps the graph with the static road distances the
engine needs every day (shortest routes never change; who may use them does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from wargame.scenario import Feature, RoadKind, Scenario, Terrain

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def build_graph(scenario: Scenario) -> nx.Graph:
    """Undirected road graph of the scenario's map."""
    g = nx.Graph(name=scenario.meta.name)
    for p in scenario.places:
        g.add_node(
            p.id,
            name=p.name,
            lat=p.lat,
            lon=p.lon,
            terrain=p.terrain,
            elevation_m=p.elevation_m,
            features=frozenset(p.features),
        )
    for r in scenario.roads:
        g.add_edge(
            r.a,
            r.b,
            id=r.id,
            km=r.length_km,
            kind=r.kind,
            river_crossings=r.river_crossings,
            crosses_pass=r.crosses_pass,
        )
    return g


class _Rows(dict):
    """Shortest road distances or routes from each place, computed for a place the first time
    it is asked for (one Dijkstra from it; the map never changes). Do not iterate: only the
    rows asked for so far are there."""

    def __init__(self, tmap: TerrainMap, which: int) -> None:
        super().__init__()
        self._tmap, self._which = tmap, which

    def __missing__(self, place: str) -> Any:
        if place not in self._tmap.graph:
            raise KeyError(place)
        d, p = nx.single_source_dijkstra(self._tmap.graph, place, weight="km")
        dict.__setitem__(self._tmap.dist, place, d)
        dict.__setitem__(self._tmap.paths, place, p)
        return (d, p)[self._which]


@dataclass
class TerrainMap:
    """The road graph plus static shortest road distances (km) and routes (each place's row
    computed when first needed: set-up stays cheap on big maps), and plain-dict copies of
    the node and edge attributes the engine reads every day."""

    graph: nx.Graph
    objective: str
    dist: dict[str, dict[str, float]] = field(init=False, repr=False)
    paths: dict[str, dict[str, list[str]]] = field(init=False, repr=False)
    _straight: dict[tuple[str, str], float] = field(init=False, repr=False, default_factory=dict)
    _roads: dict[tuple[str, str], dict] = field(init=False, repr=False, default_factory=dict)
    _road_km: dict[tuple[str, str], float] = field(init=False, repr=False, default_factory=dict)
    _terrain: dict[str, Terrain] = field(init=False, repr=False, default_factory=dict)
    _features: dict[str, frozenset[Feature]] = field(init=False, repr=False, default_factory=dict)
    _neighbours: dict[str, tuple[str, ...]] = field(init=False, repr=False, default_factory=dict)
    _routes: dict[tuple[str, str], list[str]] = field(init=False, repr=False, default_factory=dict)
    _component: dict[str, int] = field(init=False, repr=False, default_factory=dict)
    _places_of: dict[tuple[str, ...], frozenset[str]] = field(
        init=False, repr=False, default_factory=dict
    )
    places: frozenset[str] = field(init=False, repr=False)
    """Every place of the map (the graph's nodes; the map never changes)."""

    def __post_init__(self) -> None:
        self.dist, self.paths = _Rows(self, 0), _Rows(self, 1)
        self.places = frozenset(self.graph.nodes)
        for a, b, data in self.graph.edges(data=True):
            self._roads[a, b] = self._roads[b, a] = data  # networkx's own attribute dict
            self._road_km[a, b] = self._road_km[b, a] = float(data["km"])
        for n, data in self.graph.nodes(data=True):
            self._terrain[n] = data["terrain"]
            self._features[n] = data["features"]
            self._neighbours[n] = tuple(sorted(self.graph.adj[n]))
        for i, part in enumerate(nx.connected_components(self.graph)):
            for n in part:
                self._component[n] = i

    def connected(self, a: str, b: str) -> bool:
        """Is there a road (of any length) from ``a`` to ``b``? The same answer as a finite
        ``dist[a][b]``, without computing ``a``'s row."""
        return self._component[a] == self._component[b]

    def within_km(self, place: str, km: float) -> dict[str, float]:
        """Places within ``km`` by road of ``place`` (and their distance), a superset by a
        hair of rounding: callers compare ``dist`` themselves."""
        return nx.single_source_dijkstra_path_length(
            self.graph, place, cutoff=km + 1e-6, weight="km"
        )

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> TerrainMap:
        return cls(build_graph(scenario), scenario.objective.place)

    def terrain(self, place: str) -> Terrain:
        return self._terrain[place]

    def places_of(self, *terrains: str) -> frozenset[str]:
        """The places whose terrain is one of ``terrains`` (remembered)."""
        hit = self._places_of.get(terrains)
        if hit is None:
            hit = self._places_of[terrains] = frozenset(
                n for n, t in self._terrain.items() if str(t) in terrains
            )
        return hit

    def has(self, place: str, feature: Feature) -> bool:
        return feature in self._features[place]

    def road(self, a: str, b: str) -> dict:
        """Edge attributes of the road between two adjacent places."""
        return self._roads[a, b]

    def roads(self) -> dict[tuple[str, str], dict]:
        """Every road's edge attributes, by (from, to) both ways (read only)."""
        return self._roads

    def road_km(self, a: str, b: str) -> float:
        """The length (km) of the road between two adjacent places (typed: read in the
        daily loops)."""
        return self._road_km[a, b]

    def road_kind(self, a: str, b: str) -> RoadKind:
        return self._roads[a, b]["kind"]

    def neighbours(self, place: str) -> list[str]:
        """Adjacent places in a fixed (sorted) order."""
        return list(self._neighbours[place])

    def straight_km(self, a: str, b: str) -> float:
        """Great-circle distance (km) between two places (cached: places do not move)."""
        key = (a, b) if a <= b else (b, a)
        km = self._straight.get(key)
        if km is None:
            na, nb = self.graph.nodes[a], self.graph.nodes[b]
            km = self._straight[key] = haversine_km(na["lat"], na["lon"], nb["lat"], nb["lon"])
        return km

    def route(self, a: str, b: str) -> list[str]:
        """Shortest road route from a to b, both included: from ``a``'s row of routes if it
        has been computed, else by a Dijkstra from ``a`` that stops at ``b`` (the same route:
        Dijkstra settles ``b``'s route before it goes further)."""
        row = dict.get(self.paths, a)
        if row is not None:
            return row[b]
        hit = self._routes.get((a, b))
        if hit is None:
            try:
                _km, hit = nx.single_source_dijkstra(self.graph, a, target=b, weight="km")
            except nx.NetworkXNoPath:
                raise KeyError(b) from None
            self._routes[a, b] = hit
        return hit

    def to_objective_km(self, place: str) -> float:
        return self.dist[place][self.objective]
