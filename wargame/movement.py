"""Movement rates along roads (km per day) and the cost of river crossings.

Foot-infantry march rates by road class (field-manual rates, models.md §1), slowed by the
terrain of the destination, by rain (mud), by marching by night (enemy air superiority on a
clear day, :func:`wargame.air.by_night`) and by hunger. An unbridged river crossing costs
part of a day, expressed as extra km of road at the road's dry march rate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from wargame.params import MovementParams
from wargame.state import (
    ADVANCE,
    CONSOLIDATE,
    COUNTERATTACK,
    HOLD,
    REINFORCE,
    WITHDRAW,
    AtPlace,
    CampaignState,
    Mission,
    OnRoad,
    Position,
    UnitState,
)

if TYPE_CHECKING:
    from wargame.supply import RouteTable
    from wargame.world import World

ATTACKING: Final = (ADVANCE, COUNTERATTACK, WITHDRAW)
"""Missions that march into (and fight for) an enemy-held place."""
TURNING_BACK: Final = (WITHDRAW, HOLD)
"""Missions that turn back from a road leading away from the target or into the enemy."""
HALTING: Final = (REINFORCE, WITHDRAW, COUNTERATTACK)
"""Missions that end in a hold on reaching the target."""
ROUTED_AROUND: Final = (WITHDRAW, REINFORCE)
"""Missions that march round the places the enemy holds."""


def march_rate_km(
    p: MovementParams,
    kind: str,
    dest_terrain: str,
    *,
    rain: bool,
    by_night: bool,
    low_supply: bool,
) -> float:
    """km per day a unit marches on a road of ``kind`` towards ground of ``dest_terrain``."""
    rate = p.road_km_per_day.get(kind, 0.0) * p.terrain_factor.get(dest_terrain, 1.0)
    if rain:
        rate *= p.rain_factor.get(kind, 1.0)
    if by_night:
        rate *= p.night_march_factor
    if low_supply:
        rate *= p.low_supply_factor
    return rate


def road_effort_km(p: MovementParams, kind: str, length_km: float, river_crossings: int) -> float:
    """Effective length of a road in km of marching, river crossings included."""
    return length_km + river_crossings * p.river_crossing_days * p.road_km_per_day.get(kind, 0.0)


Routes = Callable[[list[str], set[str]], "RouteTable"]
"""Shortest paths from sources around blocked places (:func:`wargame.supply.supply_routes`)."""


@dataclass(init=False, slots=True)
class March:
    """A unit's day of marching (:func:`march`): where it ends up and what happened on the
    way. The engine applies it: the new position, each place entered in turn (control, the
    objective), the mission, and a reset of the unit's contact with the enemy."""

    pos: Position
    entered: tuple[str, ...]  # places reached on the way, in order
    mission: Mission | None  # the mission after the march (None: unchanged)
    moved: bool  # marched at all today (posture, days in place, the day's moves)
    left_contact: bool  # left a place or turned back (contact days, assault km = 0)

    # (``__init__`` written out: a dataclass's generated one runs interpreted in the compiled
    # build, issue 17)
    def __init__(
        self,
        pos: Position,
        entered: tuple[str, ...] = (),
        mission: Mission | None = None,
        moved: bool = False,
        left_contact: bool = False,
    ) -> None:
        self.pos = pos
        self.entered = entered
        self.mission = mission
        self.moved = moved
        self.left_contact = left_contact


def next_hop(
    world: World,
    state: CampaignState,
    u: UnitState,
    here: str,
    routes: Routes,
    taken: Collection[str] = (),
) -> str | None:
    """The next place on the unit's way from ``here`` to its target, or None. ``taken`` are
    places the unit has taken from the enemy earlier in the same march."""
    w = world
    if u.target is None or here == u.target:
        return None
    if u.mission == ADVANCE:
        path = w.column_path(u)
        if path is not None and u.target != w.tmap.objective and u.target in path:
            # going round a defended place (the staff's way round): avoid the enemy's units
            occupied = {e.location for e in state.units_of(u.side.enemy) if e.location}
            _dist, paths = routes([here], occupied - {here, u.target})
            if u.target in paths and len(paths[u.target]) > 1:
                return paths[u.target][1]
        if path is not None:
            if here in path:
                i = path.index(here)
                return path[i + 1] if i + 1 < len(path) else None
            join = w.nearest(here, path)
            return w.tmap.route(here, join)[1] if join and join != here else None
    if u.mission in ROUTED_AROUND:
        blocked = w.enemy_held(state, u.side).difference(taken) - {u.target}
        _dist, paths = routes([here], blocked - {here})
        if u.target in paths and len(paths[u.target]) > 1:
            return paths[u.target][1]
        if u.mission == REINFORCE:
            return None
    return w.tmap.route(here, u.target)[1]


def stays_put(u: UnitState) -> bool:
    """Does the unit not march today? Consolidating, or holding at a place."""
    mission = u.mission
    return mission == CONSOLIDATE or (mission == HOLD and isinstance(u.pos, AtPlace))


def march(
    world: World,
    state: CampaignState,
    u: UnitState,
    routes: Routes,
    *,
    rain: bool,
    by_night: bool,
    low_supply: bool,
) -> March | None:
    """A unit's march for one day along roads towards its target: a full day's budget of
    :func:`march_rate_km`, place by place, stopping at the gates of an enemy-held place
    (combat decides there), at the target, or when the day is spent. A withdrawing or holding
    unit turns back from a road leading away from its target or into the enemy.

    Reads ``state`` and ``u``, changes nothing: the engine applies the result. None for a
    unit that does not march today (:func:`stays_put`).
    """
    tmap = world.tmap
    effort_km = world.effort_km  # road_effort_km of each road
    if stays_put(u):
        return None
    mission = u.mission
    pos = u.pos
    enemy = u.side.enemy
    budget = 1.0
    moved = left = False
    entered: list[str] = []
    new_mission: Mission | None = None
    # the unit's position as it marches: at ``here``, or on the road a -> b, km along
    here: str | None = pos.place if isinstance(pos, AtPlace) else None
    a, b, km = (pos.origin, pos.dest, pos.km) if isinstance(pos, OnRoad) else ("", "", 0.0)
    assert here is not None or b, u.id  # on the map: at a place or on a road
    for _ in range(64):
        if here is not None:
            nxt = next_hop(world, state, u, here, routes, entered)
            if nxt is None:
                break
            if state.occupant(nxt) == enemy and mission not in ATTACKING:
                break
            a, b, km, here = here, nxt, 0.0, None
            left = True
        if (
            mission == ADVANCE
            and state.occupant(b) == enemy
            and u.target not in (None, b, world.tmap.objective)
            and next_hop(world, state, u, a, routes) not in (None, b)
        ):
            # going round: turn back from the defended place's gates to take the way round
            a, b, km = b, a, max(0.0, effort_km[a, b] - km)
            left = True
        if mission in TURNING_BACK:
            # turn back from a road that leads away from the target or into the enemy
            tgt = u.target or a
            if (state.occupant(b) == enemy and mission != WITHDRAW) or (
                mission == WITHDRAW and tmap.dist[a][tgt] < tmap.dist[b][tgt]
            ):
                a, b, km = b, a, max(0.0, effort_km[a, b] - km)
                left = True
        effort = effort_km[a, b]
        rate = world.march_rate(a, b, rain=rain, by_night=by_night, low_supply=low_supply)
        if rate <= 0:
            break
        if state.occupant(b) == enemy:
            if km < effort:
                step = min(effort - km, budget * rate)
                km += step
                budget -= step / rate
                moved = True
            break  # at the gates of an enemy-held place: combat decides
        need = (effort - km) / rate
        if need > budget:
            km += budget * rate
            moved = True
            break
        budget -= need
        moved = True
        here = b
        entered.append(b)
        if b == u.target:
            if mission in HALTING:
                new_mission = HOLD
            break
        if budget <= 1e-9:
            break
    if not (left or entered or km != u.progress_km):
        return March(pos, (), new_mission, moved, left)  # where it was
    end: Position = AtPlace(here) if here is not None else OnRoad(a, b, km)
    return March(end, tuple(entered), new_mission, moved, left)
