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

The staff reads only its :class:`~wargame.commanders.SideView`: its own units, the Chinese it
sees (those at the gates its columns march to are always seen: they are in contact), who
controls what, and the world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wargame.doctrine import Decision, Order
from wargame.scenario import Side
from wargame.state import Mission, Status, UnitState
from wargame.world import World

if TYPE_CHECKING:
    from wargame.commanders import SideView

ADVANCE, WITHDRAW, HOLD = "advance", "withdraw", "hold"


def column_of(world: World, u: UnitState) -> str | None:
    """The attack column a unit marches in (the scenario's ``column``), or None."""
    return world.unit(u.id).column


def column_culminated(view: SideView, column: str | None, low_supply_days: int) -> str | None:
    """Why one column's attack has culminated (``column`` None: the whole army), or None
    while it can go on: its losses passed ``culmination_loss`` of its strength (RAND/Dupuy),
    or its supply stayed short for ``culmination_days``."""
    world = view.world
    p = world.params.doctrine
    units = [
        u
        for u in view.own_units()
        if u.status != Status.PENDING and (column is None or column_of(world, u) == column)
    ]
    initial = sum(u.initial_men + u.returned for u in units)
    if initial > 0:
        lost = sum(u.losses for u in units) / initial
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
        arrived = u.location == u.target or view.occupant(u.target) == Side.CHINESE
        return None if arrived else u.target
    if a is None or b is None or view.occupant(b) != Side.CHINESE:
        return None
    if u.contact_days < p.bypass_after_days:
        return None
    path = world.column_path(u)
    if path is None or b not in path or path.index(b) + 1 >= len(path):
        return None
    beyond = path[path.index(b) + 1]
    if view.occupant(beyond) == Side.CHINESE:
        return None
    avoid = {e.location for e in view.enemies() if e.location is not None}
    found = world.way_round(a, beyond, avoid)
    if found is None or found[0] > p.bypass_max_km:
        return None
    return beyond


def waiting_for_main_body(view: SideView, u: UnitState) -> bool:
    """An advance guard at the enemy's gates waits for column-mates still marching up.

    It attacks once no other unit of its column is on its way within ``concentrate_km``
    behind it (a deliberate attack by the whole column rather than piecemeal).
    """
    world = view.world
    if u.location is not None or u.road_to is None or view.occupant(u.road_to) != Side.CHINESE:
        return False
    path = world.column_path(u)
    if path is None or u.road_to not in path:
        return False
    here = world.road_position_km(u, world.scenario.objective.place)
    limit = world.params.doctrine.concentrate_km
    for mate in view.own_on_map():
        if mate is u or world.unit(mate.id).column != world.unit(u.id).column:
            continue
        if mate.mission not in (Mission.ADVANCE, Mission.CONSOLIDATE) or mate.present <= 0:
            continue
        if mate.location is None and mate.road_to == u.road_to:
            if mate.hold_days > 0:
                return True  # a column-mate at the same gates is regrouping: wait for it
            continue  # already at (or on) the same approach
        behind = world.road_position_km(mate, world.scenario.objective.place) - here
        if 0 < behind <= limit:
            return True
    return False


def decide(view: SideView, spent: dict[str, str] | None = None) -> Decision:
    """Orders for today, from what the side sees and the staff's memory (:class:`Staff`):
    ``spent``, the columns whose attack has culminated, with the reason (the staff decides
    that at night, from each column's supply clock and losses).

    Each column culminates on its own and falls back to the start line; the offensive is
    over when the force's losses pass ``culmination_loss``, when the main effort's column
    (the scenario's ``main_effort``) has culminated, or when every column has."""
    world = view.world
    p = world.params.doctrine
    side = Side.JAPANESE
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
    start_line = world.side_config(side).start_line or world.side_config(side).depots
    for u in view.own_on_map():
        if phase == WITHDRAW or (phase == ADVANCE and column_of(world, u) in spent):
            if u.location in start_line:
                decision.orders.append(Order(u.id, Mission.HOLD, u.location))
            else:
                origin = u.location or u.road_from or u.road_to
                assert origin is not None, u.id
                decision.orders.append(
                    Order(u.id, Mission.WITHDRAW, world.nearest(origin, start_line))
                )
        elif phase == HOLD or world.column_path(u) is None:
            decision.orders.append(Order(u.id, Mission.HOLD, u.location))
        elif u.hold_days > 0:
            decision.orders.append(Order(u.id, Mission.CONSOLIDATE, u.location))
        elif u.present > 0 and u.last_battle_loss / max(1, u.present) > p.attack_loss_limit:
            decision.orders.append(
                Order(u.id, Mission.CONSOLIDATE, u.location, days=p.consolidate_days)
            )
        elif (beyond := way_round(view, u)) is not None:
            decision.orders.append(Order(u.id, Mission.ADVANCE, beyond))
        elif waiting_for_main_body(view, u):
            decision.orders.append(Order(u.id, Mission.CONSOLIDATE, u.road_to))
        else:
            decision.orders.append(Order(u.id, Mission.ADVANCE, world.scenario.objective.place))
    return decision


def supply_short(world: World, units: list[UnitState]) -> bool:
    """Is the mean supply state (weighted by men) of these units below
    ``culmination_supply``?"""
    units = [u for u in units if u.on_map and u.present > 0]
    men = sum(u.present for u in units)
    mean = sum(u.supply_state * u.present for u in units) / men if men else 1.0
    return mean < world.params.doctrine.culmination_supply


@dataclass
class Staff:
    """The 20th Army staff: this doctrine plus the staff's own memory, kept column by column
    from the night's reports (:meth:`observe`): the days each column's mean supply has been
    below ``culmination_supply``, and the columns whose attack has culminated (and why)."""

    side: Side = Side.JAPANESE
    low_supply_days: dict[str, int] = field(default_factory=dict)
    spent: dict[str, str] = field(default_factory=dict)
    announced: list[str] = field(default_factory=list)

    def decide(self, view: SideView) -> Decision:
        decision = decide(view, self.spent)
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
        for u in view.own_units():
            column = column_of(world, u)
            if column is not None:
                by_column.setdefault(column, []).append(u)
        self.announced = sorted(self.spent)
        for column in sorted(by_column):
            short = supply_short(world, by_column[column])
            days = self.low_supply_days.get(column, 0) + 1 if short else 0
            self.low_supply_days[column] = days
            if column not in self.spent:
                why = column_culminated(view, column, days)
                if why is not None:
                    self.spent[column] = why

    def memory(self) -> list[Any]:
        return [
            sorted(self.low_supply_days.items()),
            sorted(self.spent.items()),
            self.announced,
        ]
