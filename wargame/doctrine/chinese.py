"""Chinese doctrine: defence in depth, reserves to threatened sectors, counteroffensive.

- **Defend**: committed divisions hold their towns and passes (their posture hardens with
  time in place); a division that gives ground holds where it falls back to.
- **Reserves**: each day a place under attack draws the nearest reserve division (one per
  threatened place per day, nearest the objective first) once the enemy is within
  ``reserve_trigger_km`` of the objective, or at once where the attackers seen outnumber the
  defenders. Uncommitted formations are released to the reserve when the enemy comes within
  ``reserve_release_km`` of the objective.
- **Outposts**: a division on the outpost line (the scenario's ``sides.chinese.outposts``)
  delays an attack for ``outpost_hold_days`` days, then falls back toward the main line;
  reserves are not sent to outposts (the main body waits on the main line).
- **Line of retreat**: a division whose road back is threatened (an enemy column at, or
  more than half-way to, the place on its road back) falls back while a road is open; with
  none open it fights where it stands, encircled.
- **Local counter-attacks**: while defending, divisions next to an enemy-held place attack it
  when between them they have ``counteroffensive_ratio`` times its men and nothing threatens
  their own place.
- **Cutting the road home**: while defending, a free division (not committed or
  counter-attacking today, its own place not under attack, not at the objective) next to an
  empty place on the road home of a Japanese column it sees (the place behind the column on
  its supply route, the shortest road from its depots round the places the Chinese hold;
  never a place the Japanese held at the start) goes onto it, by a road of at most
  ``cut_road_max_km``, when the divisions that go have at least ``cut_road_ratio`` times the
  men of the column seen there. The column's supply then goes round the place or is cut, and
  a column falling back must break through. A division standing where a column's road home
  would pass if it left, with that many men, holds there rather than fall back when its own
  line of retreat is threatened.
- **Counteroffensive**: once the attacker withdraws, or is spent (Chinese men on the map at
  least ``counteroffensive_ratio`` times the enemy's and the enemy's supply below
  ``culmination_supply``), every division attacks the nearest enemy-held place that was
  Chinese at the start; a second division sent after the same place goes for the place behind
  it on the enemy's line of retreat (envelopment). Divisions pursue no further than the
  original front. A division whose own place is under attack holds it rather than leave the
  road open behind it.

The staff reads the day through its :class:`~wargame.commanders.SideView`: its own units,
the Japanese it sees (the threatened places: an enemy on a road into a place the Chinese hold
is in contact, so seen), who controls what, and the world (cutting the road home reads no
more: the columns it sees, and their supply routes traced from who controls what and where
its own divisions stand). Some of its rules still need facts beyond the view, read through
the view's ``umpire_...`` accessors: whether the enemy
is spent (its strength and supply), whether it has ordered the withdrawal (its phase), how
near the objective its nearest unit is, and where its units stand for the envelopment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from wargame.doctrine import Decision, Order
from wargame.scenario import Side
from wargame.state import (
    ACTIVE,
    CHINESE,
    COUNTERATTACK,
    HOLD,
    JAPANESE,
    REINFORCE,
    RESERVE,
    UNCOMMITTED,
    WITHDRAW,
    AtPlace,
    OnRoad,
    UnitState,
)

if TYPE_CHECKING:
    from wargame.commanders import SideView

DEFEND: Final = "defend"
COUNTEROFFENSIVE: Final = "counteroffensive"
"""The staff's operational phases."""


def threatened_places(view: SideView) -> list[str]:
    """Chinese-held places the enemy is attacking or about to, nearest the objective first
    (the enemy units on the roads into them are in contact: seen)."""
    world = view.world
    ours = {here for u in view.own_on_map() if (here := u.location) is not None}
    places: set[str] = set()
    for e in view.enemies():
        pos = e.pos  # (a place, or a road's ends: read once)
        if pos.place is None and pos.dest in ours:
            places.add(pos.dest)
    return sorted(places, key=lambda p: (world.tmap.to_objective_km(p), p))


EnemyReach = tuple[set[str], list[tuple[str, str]]]
"""Where the enemy units a side sees have got to: the places they stand at, and the roads
(origin, destination) they have marched more than half-way along."""


def enemy_reach(view: SideView) -> EnemyReach:
    """The :data:`EnemyReach` of the enemy units ``view`` sees (the same for every division
    of the side: :func:`retreat_threatened` reads it)."""
    world = view.world
    at: set[str] = set()
    closing: list[tuple[str, str]] = []
    for e in view.enemies():
        pos = e.pos
        if isinstance(pos, AtPlace):
            at.add(pos.place)
        elif isinstance(pos, OnRoad):
            half = world.tmap.road_km(pos.origin, pos.dest) / 2
            if world.road_position_km(e, pos.dest) <= half:
                closing.append((pos.origin, pos.dest))
    return at, closing


def retreat_threatened(view: SideView, u: UnitState, reach: EnemyReach | None = None) -> str | None:
    """A division holding a place withdraws while a road back is open when an enemy column
    it sees has reached, or is more than half-way to, the place on its road back (the first
    place of its shortest road to each of its side's depots): RAND/Dupuy, a defender
    withdraws when its line of retreat is threatened. Returns the open place nearer home
    to fall back to, or None (not threatened; or no road open, and it fights encircled).
    ``reach``: :func:`enemy_reach` of the view, when the caller has it."""
    world = view.world
    here = u.location
    if here is None or u.status != ACTIVE or u.present <= 0:
        return None
    depots = world.side_config(CHINESE).depots
    if here in depots:
        return None
    road_back = world.roads_home(CHINESE, here)
    at, closing = enemy_reach(view) if reach is None else reach
    threats = at & road_back
    for origin, dest in closing:
        if dest in road_back and origin != here:
            threats.add(dest)
    if not threats:
        return None

    return fall_back_place(view, here, threats)


def fall_back_place(view: SideView, here: str, avoid: set[str]) -> str | None:
    """The neighbour of ``here`` nearest home that is open to fall back to: not among
    ``avoid``, not held by the enemy as far as this side sees, and nearer its depots."""
    home_km = view.world.home_km
    open_ = [
        n
        for n in view.world.tmap.neighbours(here)
        if n not in avoid
        and view.occupant(n) != JAPANESE
        and home_km(CHINESE, n) < home_km(CHINESE, here)
    ]
    return min(open_, key=lambda n: (home_km(CHINESE, n), n)) if open_ else None


def outpost_falls_back(view: SideView, u: UnitState) -> str | None:
    """A division at a place of the outpost line (the scenario's ``sides.chinese.outposts``)
    that has been attacked for ``outpost_hold_days`` days running (the most days in contact
    of the attackers it sees on the roads in) has done its part: it falls back to the open
    neighbour nearest home (not held by the enemy as far as it sees, not a place the
    attackers came from). Returns that place, or None (still delaying, not an outpost, or
    no road open: it holds)."""
    world = view.world
    here = u.location
    if (
        here is None
        or u.status != ACTIVE
        or u.present <= 0
        or here not in world.side_config(CHINESE).outposts
    ):
        return None
    attackers = [e for e in view.enemies() if e.pos.place is None and e.pos.dest == here]
    if not attackers:
        return None
    if max(e.contact_days for e in attackers) < world.params.doctrine.outpost_hold_days:
        return None
    return fall_back_place(view, here, {str(e.road_from) for e in attackers})


def outnumbered(view: SideView, place: str) -> bool:
    """Do the enemy units seen on the roads into a place outnumber its defenders (men)?"""
    ours = sum(u.present for u in view.own_on_map() if u.location == place)
    theirs = sum(e.present for e in view.enemies() if e.pos.place is None and e.pos.dest == place)
    return theirs > ours


def local_counterattacks(view: SideView, threatened: set[str], busy: set[str]) -> dict[str, str]:
    """While defending: divisions next to an enemy-held place they see attack it when they
    have ``counteroffensive_ratio`` times its men between them (Dupuy Institute: 1.5-2:1
    wins more often than not), if their own place is not among ``threatened``. Unit id ->
    target."""
    world = view.world
    ratio = world.params.doctrine.counteroffensive_ratio
    held: dict[str, int] = {}
    for e in view.enemies():
        if (there := e.location) is not None and e.present > 0:
            held[there] = held.get(there, 0) + e.present
    free = [
        u
        for u in view.own_on_map()
        if u.status == ACTIVE
        and (here := u.location) is not None
        and here not in threatened
        and u.id not in busy
        and u.present > 0
    ]
    orders: dict[str, str] = {}
    for target in sorted(held, key=lambda t: (world.tmap.to_objective_km(t), t)):
        near = [
            u
            for u in free
            if u.id not in orders and target in world.tmap.neighbours(str(u.location))
        ]
        if near and sum(u.present for u in near) >= ratio * held[target]:
            for u in near:
                orders[u.id] = target
    return orders


def roads_behind_columns(view: SideView, without: str | None = None) -> dict[str, int]:
    """The places on the road home of the Japanese columns this side sees, with the men of
    the columns they lie behind (seen units of the scenario's columns only). A column's
    road home is its supply route: the shortest road from its depots that avoids the places
    the Chinese hold or stand at (:func:`wargame.supply.supply_routes`; control is common
    knowledge, so the staff can trace it). The place behind a unit at a place is the last
    place before it on that route; for a unit on a road, the end of the road its supply
    route reaches first (the end it came from, for a column marching on). Places the
    Japanese held at the start are left out. ``without``: a place taken as not held by the
    Chinese (would the road home pass there if they left it?).
    """
    world = view.world
    depots = world.side_config(JAPANESE).depots
    blocked = view.places_held(CHINESE)
    blocked.update([here for u in view.own_on_map() if (here := u.location) is not None])
    if without is not None:
        blocked.discard(without)
    dist, paths = world.supply_routes(depots, blocked)
    men: dict[str, int] = {}
    behind: dict[str, set[str]] = {}
    for e in view.enemies():
        column = world.unit(e.id).column
        if column is None or e.present <= 0:
            continue
        men[column] = men.get(column, 0) + e.present
        pos = e.pos
        if isinstance(pos, AtPlace):
            route = paths.get(pos.place, [])
            place = route[-2] if len(route) > 1 else None
        elif isinstance(pos, OnRoad):
            ends = [n for n in (pos.origin, pos.dest) if n in dist]
            place = min(ends, key=lambda n: (dist[n], n)) if ends else None
        else:
            place = None
        if place is not None and world.start_control.get(place) != JAPANESE:
            behind.setdefault(place, set()).add(column)
    return {place: sum(men[c] for c in cols) for place, cols in sorted(behind.items())}


def cut_roads(view: SideView, threatened: set[str], busy: set[str]) -> dict[str, str]:
    """While defending: free divisions next to an empty place on a seen Japanese column's
    road home (:func:`roads_behind_columns`) go onto it, by a road of at most
    ``cut_road_max_km``, strongest first and as many as it takes to have
    ``cut_road_ratio`` times the column's men seen (none go if they cannot). Free: active,
    at a place not among ``threatened`` and not the objective, not among ``busy``. Places
    nearest the objective first. Unit id -> place."""
    world = view.world
    p = world.params.doctrine
    objective = world.scenario.objective.place
    free = [
        u
        for u in view.own_on_map()
        if u.status == ACTIVE
        and (here := u.location) is not None
        and here not in threatened
        and here != objective
        and u.id not in busy
        and u.present > 0
    ]
    orders: dict[str, str] = {}
    behind = roads_behind_columns(view)
    for place in sorted(behind, key=lambda t: (world.tmap.to_objective_km(t), t)):
        if view.occupant(place) is not None:
            continue  # held already, or the enemy is there
        near = sorted(
            (
                u
                for u in free
                if u.id not in orders
                and place in world.tmap.neighbours(str(u.location))
                and world.tmap.road_km(str(u.location), place) <= p.cut_road_max_km
            ),
            key=lambda u: (-u.present, u.id),
        )
        need, going = p.cut_road_ratio * behind[place], list[UnitState]()
        for u in near:
            if sum(g.present for g in going) >= need:
                break
            going.append(u)
        if going and sum(g.present for g in going) >= need:
            for u in going:
                orders[u.id] = place
    return orders


def holds_the_cut(view: SideView, u: UnitState) -> bool:
    """Does a division stand where a seen column's road home would pass if it left
    (:func:`roads_behind_columns` without its place), with ``cut_road_ratio`` times the
    column's men (with the other divisions there)?"""
    here = u.location
    if here is None or u.status != ACTIVE or u.present <= 0:
        return False
    behind = roads_behind_columns(view, without=here)
    if here not in behind:
        return False
    men = sum(o.present for o in view.own_on_map() if o.location == here)
    return men >= view.world.params.doctrine.cut_road_ratio * behind[here]


def enemy_spent(view: SideView) -> bool:
    """Is the enemy spent? Beyond the view: every enemy unit's men and supply."""
    p = view.world.params
    ours = sum([u.present for u in view.own_on_map() if u.status == ACTIVE])
    theirs = view.umpire_enemy_units()
    men = sum([u.present for u in theirs])
    if men == 0:
        return True
    supply = sum([u.supply_state * u.present for u in theirs]) / men
    return (
        ours >= p.doctrine.counteroffensive_ratio * men and supply < p.doctrine.culmination_supply
    )


def decide(view: SideView) -> Decision:
    """Orders for today, from the side's view (and the facts beyond it the module's
    docstring names)."""
    world = view.world
    p = world.params.doctrine
    phase = DEFEND if view.phase is None else view.phase
    decision = Decision(phase)
    enemy = view.umpire_enemy_units()
    closest = min((world.distance_to_objective(e) for e in enemy), default=float("inf"))

    for u in view.own_units():
        if closest <= p.reserve_release_km and u.status == UNCOMMITTED:
            decision.release.append(u.id)
    if decision.release:
        decision.events.append(
            f"Uncommitted formations released to the reserve: {', '.join(decision.release)}"
        )

    if phase == DEFEND and (view.umpire_enemy_phase() == "withdraw" or enemy_spent(view)):
        decision.phase = phase = COUNTEROFFENSIVE
        decision.counteroffensive = True
        decision.events.append("Chinese counteroffensive begins")

    ours = view.own_on_map()
    if phase == DEFEND:
        reserves = [u for u in ours if u.status == RESERVE and u.location is not None]
        threatened = threatened_places(view)
        outposts = set(world.side_config(CHINESE).outposts)
        for place in threatened:
            if not reserves:
                break
            if place in outposts:  # the reserve waits on the main line
                continue
            if closest > p.reserve_trigger_km and not outnumbered(view, place):
                continue
            pick = min(reserves, key=lambda r: world.tmap.dist[str(r.location)][place])
            reserves.remove(pick)
            decision.commit.append(pick.id)
            decision.orders.append(Order(pick.id, REINFORCE, place))
        attacks = local_counterattacks(view, set(threatened), set(decision.commit))
        cuts = cut_roads(view, set(threatened), {*decision.commit, *attacks})
        names = world.tmap.graph.nodes
        reach = enemy_reach(view)
        for u in ours:
            if u.id in attacks:  # strong enough to strike the enemy, even one behind it
                decision.orders.append(Order(u.id, COUNTERATTACK, attacks[u.id]))
            elif u.id in cuts:  # onto the road behind a column: an empty place, taken
                decision.orders.append(Order(u.id, COUNTERATTACK, cuts[u.id]))
                decision.events.append(
                    f"{world.unit(u.id).name} moves to cut the Japanese road home at "
                    f"{names[cuts[u.id]]['name']}"
                )
            elif u.id not in decision.commit and (back := outpost_falls_back(view, u)):
                decision.orders.append(Order(u.id, WITHDRAW, back))
                decision.events.append(
                    f"{world.unit(u.id).name}: the outpost at {names[u.location]['name']} "
                    f"has delayed the enemy; falls back to {names[back]['name']}"
                )
            elif (
                u.id not in decision.commit
                and (back := retreat_threatened(view, u, reach)) is not None
                and not holds_the_cut(view, u)  # on a column's road home: it stays
            ):
                decision.orders.append(Order(u.id, WITHDRAW, back))
                decision.events.append(
                    f"{world.unit(u.id).name}: line of retreat threatened at "
                    f"{names[u.location]['name']}; falls back to {names[back]['name']}"
                )
            elif u.id not in decision.commit and u.mission != REINFORCE:
                decision.orders.append(Order(u.id, HOLD, u.location))
        return decision

    decision.orders.extend(_counteroffensive(view, ours, decision))
    return decision


def _counteroffensive(view: SideView, ours: list[UnitState], decision: Decision) -> list[Order]:
    """Attack, envelop and pursue up to the original front (where the enemy's units stand:
    beyond the view)."""
    world = view.world
    start_ours = world.start_held(CHINESE)
    enemy_places = {there for u in view.umpire_enemy_units() if (there := u.location)}
    # what to retake: enemy-held or enemy-controlled places that were ours at the start
    targets = sorted(p for p in start_ours if p in enemy_places or view.control.get(p) == JAPANESE)
    enemy_depots = world.side_config(JAPANESE).depots
    orders: list[Order] = []
    assigned: dict[str, int] = {}
    under_attack = set(threatened_places(view))
    for u in ours:
        if u.status == RESERVE:
            decision.commit.append(u.id)
        here = u.location
        origin = here or u.road_to
        # a position under attack is held, not left open
        if not targets or origin is None or here in under_attack:
            orders.append(Order(u.id, HOLD, here))
            continue
        # the nearest by road; of those as near, the first by id (``targets`` is sorted)
        target = min(targets, key=world.tmap.dist[origin].__getitem__)
        if assigned.get(target, 0) >= 1 and target in enemy_places:
            # envelop: go for the next place on the enemy's road home, if it was ours
            home = world.nearest(target, enemy_depots)
            route = world.tmap.route(target, home) if home else [target]
            behind = route[1] if len(route) > 1 else None
            if behind in start_ours and behind not in enemy_places:
                target = behind
        assigned[target] = assigned.get(target, 0) + 1
        orders.append(Order(u.id, COUNTERATTACK, target))
    return orders


@dataclass
class Staff:
    """The Chinese staff: this doctrine; it keeps no memory of its own (its phase is in the
    state, as its last decision declared it)."""

    side: Side = Side.CHINESE

    def decide(self, view: SideView) -> Decision:
        return decide(view)

    def observe(self, view: SideView) -> None:
        """The night's reports change nothing this staff decides on."""

    def memory(self) -> list[Any]:
        return []
