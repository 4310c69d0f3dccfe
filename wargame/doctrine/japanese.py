"""Japanese 20th Army doctrine: advance in columns, consolidate, culminate, withdraw.

- **Advance**: each column's units march along their axis (the scenario's column route)
  toward the objective and attack whatever holds the next place.
- **Consolidate**: a unit whose last day's battle loss passed ``attack_loss_limit``
  (the RAND/Dupuy ~7.5 %/day at which attacks ease) halts for ``consolidate_days``.
- **Culmination, column by column**: a column whose cumulative loss reaches
  ``culmination_loss`` or whose mean supply state stays below ``culmination_supply`` for
  ``culmination_days`` stops and falls back to the start line, while the others go on. The
  offensive is over when the force's loss reaches ``culmination_loss``, when the main
  effort's column has culminated, or when every column has.
- **Withdrawal**: every unit falls back to the nearest place of its start line and holds.
- **Rear guard**: when a column of two or more units out beyond the start line is first
  ordered to fall back (on its own culmination or the army's withdrawal), its head (the
  unit nearest the objective, the one in contact) holds its place (on a road: the end of
  the road nearer the start line) for ``rear_guard_days`` while the rest withdraw, then
  withdraws itself. The staff remembers each column's rear
  guard and the day its fall-back began (:class:`Staff`); a single-unit column has none.

The staff reads only its :class:`~wargame.commanders.SideView`: its own units, the Chinese it
sees (those at the gates its columns march to are always seen: they are in contact), who
controls what, and the world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from wargame.doctrine import Decision, Order
from wargame.scenario import Side
from wargame.state import ADVANCE as MISSION_ADVANCE
from wargame.state import CHINESE, JAPANESE, PENDING, UnitState
from wargame.state import CONSOLIDATE as MISSION_CONSOLIDATE
from wargame.state import HOLD as MISSION_HOLD
from wargame.state import WITHDRAW as MISSION_WITHDRAW
from wargame.world import World

if TYPE_CHECKING:
    from wargame.commanders import SideView

ADVANCE: Final = "advance"
WITHDRAW: Final = "withdraw"
HOLD: Final = "hold"
"""The staff's operational phases (the missions, which share their names, are imported as
``MISSION_...``)."""
MARCHING_UP: Final = (MISSION_ADVANCE, MISSION_CONSOLIDATE)
"""The missions of column-mates an advance guard waits for."""


def column_of(world: World, u: UnitState) -> str | None:
    """The attack column a unit marches in (the scenario's ``column``), or None."""
    return world.unit_columns[u.id]


def column_culminated(
    view: SideView,
    column: str | None,
    low_supply_days: int,
    units: list[UnitState] | None = None,
) -> str | None:
    """Why one column's attack has culminated (``column`` None: the whole army), or None
    while it can go on: its losses passed ``culmination_loss`` of its strength (RAND/Dupuy),
    or its supply stayed short for ``culmination_days``. ``units``: the column's units in
    scenario order (the side's, for the army), when the caller has them."""
    world = view.world
    p = world.params.doctrine
    if units is None:
        units = [u for u in view.own_units() if column is None or column_of(world, u) == column]
    initial = lost_men = 0
    for u in units:
        if u.status != PENDING:
            initial += u.initial_men + u.returned
            lost_men += u.losses
    if initial > 0:
        lost = lost_men / initial
        if lost >= p.culmination_loss:
            return f"losses reached {lost:.0%} of the {'force' if column is None else 'column'}"
    if low_supply_days >= p.culmination_days:
        return f"supply below {p.culmination_supply:.0%} of need for {low_supply_days} days"
    return None


def culminated(view: SideView) -> str | None:
    """Why the whole offensive has culminated on its losses, or None."""
    return column_culminated(view, None, 0)


def way_round(view: SideView, u: UnitState) -> str | None:
    """A column held at the gates of a defended place of its route for ``bypass_after_days``
    goes round it by the tracks to the place beyond, when that place is free and a way
    round of at most ``bypass_max_km`` avoids every place the enemy is seen to hold. Returns
    the place beyond (the column's new target), or None."""
    world = view.world
    p = world.params.doctrine
    a, b = u.road_from, u.road_to
    if u.target not in (None, world.scenario.objective.place):  # already going round
        arrived = u.location == u.target or view.occupant(u.target) == CHINESE
        return None if arrived else u.target
    if a is None or b is None or view.occupant(b) != CHINESE:
        return None
    if u.contact_days < p.bypass_after_days:
        return None
    path = world.column_path(u)
    if path is None or b not in path or path.index(b) + 1 >= len(path):
        return None
    beyond = path[path.index(b) + 1]
    if view.occupant(beyond) == CHINESE:
        return None
    avoid = {there for e in view.enemies() if (there := e.location) is not None}
    found = world.way_round(a, beyond, avoid)
    if found is None or found[0] > p.bypass_max_km:
        return None
    return beyond


def waiting_for_main_body(
    view: SideView, u: UnitState, mates: list[UnitState] | None = None
) -> bool:
    """An advance guard at the enemy's gates waits for column-mates still marching up.

    It attacks once no other unit of its column is on its way within ``concentrate_km``
    behind it (a deliberate attack by the whole column rather than piecemeal). ``mates``:
    the units of its column on the map, in scenario order, when the caller has them.
    """
    world = view.world
    if u.location is not None or u.road_to is None or view.occupant(u.road_to) != CHINESE:
        return False
    path = world.column_path(u)
    if path is None or u.road_to not in path:
        return False
    here = world.road_position_km(u, world.tmap.objective)
    limit = world.params.doctrine.concentrate_km
    if mates is None:
        column = column_of(world, u)
        mates = [m for m in view.own_on_map() if column_of(world, m) == column]
    for mate in mates:
        if mate is u:
            continue
        if mate.mission not in MARCHING_UP or mate.present <= 0:
            continue
        if mate.location is None and mate.road_to == u.road_to:
            if mate.hold_days > 0:
                return True  # a column-mate at the same gates is regrouping: wait for it
            continue  # already at (or on) the same approach
        behind = world.road_position_km(mate, world.tmap.objective) - here
        if 0 < behind <= limit:
            return True
    return False


def falls_back(world: World, u: UnitState, phase: str, spent: dict[str, str]) -> bool:
    """Is the unit ordered back today: the army withdraws, or its column is spent while the
    others advance?"""
    return phase == WITHDRAW or (phase == ADVANCE and column_of(world, u) in spent)


def pick_rear_guard(view: SideView, column: str) -> str | None:
    """The unit of ``column`` that covers its fall-back: its head, the unit nearest the
    objective by road (in contact with the enemy; ties by id), among the column's units on
    the map beyond the start line. None for a column with fewer than two such units."""
    world = view.world
    line = world.fall_back_line(JAPANESE)
    units = [
        u
        for u in view.own_on_map()
        if column_of(world, u) == column and u.present > 0 and u.location not in line
    ]
    if len(units) < 2:
        return None
    return min(units, key=lambda u: (world.distance_to_objective(u), u.id)).id


def rear_guard_post(world: World, u: UnitState) -> str:
    """Where a rear guard holds: its place, or for one on a road, the end of the road nearer
    the start line (a holding order on a road would march on to an empty place ahead)."""
    line = world.fall_back_line(JAPANESE)
    if u.location is not None:
        return u.location
    ends = [n for n in (u.road_from, u.road_to) if n is not None]
    dist = world.tmap.dist
    return min(ends, key=lambda n: (min(dist[n][x] for x in line), n))


def rear_guards_holding(
    view: SideView,
    phase: str,
    spent: dict[str, str],
    rear_guards: dict[str, tuple[str | None, int]],
) -> dict[str, str]:
    """The rear guards that hold today (unit id -> column): for each column falling back,
    the unit the staff remembers (``rear_guards``: column -> (unit id or None, first day of
    the fall-back)) until ``rear_guard_days`` days have passed, or on the first day the
    column's head (:func:`pick_rear_guard`)."""
    world = view.world
    days = world.params.doctrine.rear_guard_days
    if days <= 0:
        return {}
    columns = sorted(
        {
            c
            for u in view.own_on_map()
            if (c := column_of(world, u)) is not None and falls_back(world, u, phase, spent)
        }
    )
    holding: dict[str, str] = {}
    for column in columns:
        if column in rear_guards:
            uid, start = rear_guards[column]
            if uid is not None and view.day < start + days:
                holding[uid] = column
        elif (uid := pick_rear_guard(view, column)) is not None:
            holding[uid] = column
    return holding


def decide(
    view: SideView,
    spent: dict[str, str] | None = None,
    rear_guards: dict[str, tuple[str | None, int]] | None = None,
) -> Decision:
    """Orders for today, from what the side sees and the staff's memory (:class:`Staff`):
    ``spent``, the columns whose attack has culminated, with the reason (the staff decides
    that at night, from each column's supply clock and losses), and ``rear_guards``, each
    falling-back column's rear guard and the day its fall-back began.

    Each column culminates on its own and falls back to the start line; the offensive is
    over when the force's losses pass ``culmination_loss``, when the main effort's column
    (the scenario's ``main_effort``) has culminated, or when every column has."""
    world = view.world
    p = world.params.doctrine
    side = JAPANESE
    spent = spent or {}
    phase = ADVANCE if view.phase is None else view.phase
    decision = Decision(phase)
    if phase == ADVANCE and view.objective_captured_day is not None:
        decision.phase = phase = HOLD
    if phase == ADVANCE:
        why = culminated(view)
        columns = world.side_config(side).columns
        main = sorted(c for c, col in columns.items() if col.main_effort)
        if (
            why is None
            and spent
            and (any(c in spent for c in main) or all(c in spent for c in columns))
        ):
            why = "the attack of " + ", ".join(
                f"the {c} column ({r})" for c, r in sorted(spent.items())
            )
        if why is not None:
            decision.phase = phase = WITHDRAW
            decision.culminated = True
            decision.events.append(f"Japanese offensive culminates: {why}; withdrawal ordered")
    start_line = world.fall_back_line(side)
    rear_guards = rear_guards or {}
    holding = rear_guards_holding(view, phase, spent, rear_guards)
    names = world.tmap.graph.nodes
    on_map = view.own_on_map()
    by_column: dict[str | None, list[UnitState]] = {}
    column_by_unit = world.unit_columns  # (column_of, by the table: read for every unit)
    for u in on_map:
        by_column.setdefault(column_by_unit[u.id], []).append(u)
    for u in on_map:
        column = holding.get(u.id)
        if column is not None and column not in rear_guards:
            where = u.location or u.road_from
            decision.events.append(
                f"{world.unit(u.id).name} holds {names[where]['name'] if where else 'its ground'} "
                f"as rear guard while the {column} column falls back"
            )
    for u in on_map:
        if falls_back(world, u, phase, spent):
            if u.location in start_line or (u.id in holding and u.location is not None):
                decision.orders.append(Order(u.id, MISSION_HOLD, u.location))
            elif u.id in holding:  # a rear guard on a road holds the place behind it
                decision.orders.append(Order(u.id, MISSION_WITHDRAW, rear_guard_post(world, u)))
            else:
                origin = u.location or u.road_from or u.road_to
                assert origin is not None, u.id
                decision.orders.append(
                    Order(u.id, MISSION_WITHDRAW, world.nearest(origin, start_line))
                )
        elif phase == HOLD or world.column_path(u) is None:
            decision.orders.append(Order(u.id, MISSION_HOLD, u.location))
        elif u.hold_days > 0:
            decision.orders.append(Order(u.id, MISSION_CONSOLIDATE, u.location))
        elif u.present > 0 and u.last_battle_loss / max(1, u.present) > p.attack_loss_limit:
            decision.orders.append(
                Order(u.id, MISSION_CONSOLIDATE, u.location, days=p.consolidate_days)
            )
        elif (beyond := way_round(view, u)) is not None:
            decision.orders.append(Order(u.id, MISSION_ADVANCE, beyond))
        elif waiting_for_main_body(view, u, by_column[column_of(world, u)]):
            decision.orders.append(Order(u.id, MISSION_CONSOLIDATE, u.road_to))
        else:
            decision.orders.append(Order(u.id, MISSION_ADVANCE, world.scenario.objective.place))
    return decision


def supply_short(world: World, units: list[UnitState]) -> bool:
    """Is the mean supply state (weighted by men) of these units below
    ``culmination_supply``?"""
    units = [u for u in units if u.on_map and u.present > 0]
    men = sum([u.present for u in units])
    mean = sum([u.supply_state * u.present for u in units]) / men if men else 1.0
    return mean < world.params.doctrine.culmination_supply


@dataclass
class Staff:
    """The 20th Army staff: this doctrine plus the staff's own memory, kept column by column
    from the night's reports (:meth:`observe`): the days each column's mean supply has been
    below ``culmination_supply``, the columns whose attack has culminated (and why), and each
    falling-back column's rear guard (rebuilt on a replay from the units' missions, as the
    night's reports show them)."""

    side: Side = Side.JAPANESE
    low_supply_days: dict[str, int] = field(default_factory=dict)
    spent: dict[str, str] = field(default_factory=dict)
    announced: list[str] = field(default_factory=list)
    rear_guards: dict[str, tuple[str | None, int]] = field(default_factory=dict)
    """Each falling-back column's rear guard (None: none held) and the day its fall-back
    began, read at night from the units' missions (:meth:`observe`)."""

    def decide(self, view: SideView) -> Decision:
        decision = decide(view, self.spent, self.rear_guards)
        if decision.phase == ADVANCE:
            for column in sorted(self.spent):
                if column not in self.announced:
                    decision.events.append(
                        f"Japanese {column} column culminates: {self.spent[column]}; it falls "
                        "back to the start line"
                    )
        return decision

    def observe(self, view: SideView) -> None:
        """The night's reports: each column's supply and losses, from the staff's view."""
        world = view.world
        by_column: dict[str, list[UnitState]] = {}
        column_by_unit = world.unit_columns  # (column_of, by the table: read for every unit)
        for u in view.own_units():
            column = column_by_unit[u.id]
            if column is not None:
                by_column.setdefault(column, []).append(u)
        self.announced = sorted(self.spent)
        phase = ADVANCE if view.phase is None else view.phase
        line = world.fall_back_line(JAPANESE)
        for column in sorted(by_column):
            units = by_column[column]
            if column in self.rear_guards or not any(
                u.on_map and falls_back(world, u, phase, self.spent) for u in units
            ):
                continue
            # the column was ordered back this morning: its rear guard is the unit that
            # holds beyond the start line, the one sent to no place of the start line (none
            # if every unit was sent back)
            guard = [
                u.id
                for u in units
                if u.on_map
                and u.mission in (MISSION_HOLD, MISSION_WITHDRAW)
                and u.target is not None
                and u.target not in line
                and u.location not in line
            ]
            self.rear_guards[column] = (guard[0] if guard else None, view.day)
        for column in sorted(by_column):
            short = supply_short(world, by_column[column])
            days = self.low_supply_days.get(column, 0) + 1 if short else 0
            self.low_supply_days[column] = days
            if column not in self.spent:
                why = column_culminated(view, column, days, by_column[column])
                if why is not None:
                    self.spent[column] = why

    def memory(self) -> list[Any]:
        return [
            sorted(self.low_supply_days.items()),
            sorted(self.spent.items()),
            self.announced,
            [[c, uid, day] for c, (uid, day) in sorted(self.rear_guards.items())],
        ]
