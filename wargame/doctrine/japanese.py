"""Japanese 20th Army doctrine: advance in columns, consolidate, culminate, withdraw.

- **Advance**: each column's units march along their axis (the scenario's column route)
  toward the objective and attack whatever holds the next place.
- **Consolidate**: a unit whose last day's battle loss passed ``attack_loss_limit``
  (the RAND/Dupuy ~7.5 %/day at which attacks ease) halts for ``consolidate_days``.
- **Culmination**: when the force's cumulative loss reaches ``culmination_loss`` or its mean
  supply state stays below ``culmination_supply`` for ``culmination_days``, the offensive is
  over.
- **Withdrawal**: every unit falls back to the nearest place of its start line and holds.

The staff reads only its :class:`~wargame.commanders.SideView`: its own units, the Chinese it
sees (those at the gates its columns march to are always seen: they are in contact), who
controls what, and the world.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wargame.doctrine import Decision, Order
from wargame.scenario import Side
from wargame.state import Mission, Status, UnitState
from wargame.world import World

if TYPE_CHECKING:
    from wargame.commanders import SideView

ADVANCE, WITHDRAW, HOLD = "advance", "withdraw", "hold"


def culminated(view: SideView, low_supply_days: int) -> str | None:
    """Why the offensive has culminated, or None while it can go on."""
    p = view.world.params.doctrine
    units = [u for u in view.own_units() if u.status != Status.PENDING]
    initial = sum(u.initial_men + u.returned for u in units)
    if initial > 0:
        lost = sum(u.losses for u in units) / initial
        if lost >= p.culmination_loss:
            return f"losses reached {lost:.0%} of the force"
    if low_supply_days >= p.culmination_days:
        return f"supply below {p.culmination_supply:.0%} of need for {low_supply_days} days"
    return None


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


def decide(view: SideView, low_supply_days: int = 0) -> Decision:
    """Orders for today, from what the side sees; ``low_supply_days``: the staff's count of
    days its supply has been short (:class:`Staff`)."""
    world = view.world
    p = world.params.doctrine
    side = Side.JAPANESE
    phase = ADVANCE if view.phase is None else view.phase
    decision = Decision(phase)
    if phase == ADVANCE and view.objective_captured_day is not None:
        decision.phase = phase = HOLD
    if phase == ADVANCE:
        why = culminated(view, low_supply_days)
        if why is not None:
            decision.phase = phase = WITHDRAW
            decision.culminated = True
            decision.events.append(f"Japanese offensive culminates: {why}; withdrawal ordered")
    start_line = world.side_config(side).start_line or world.side_config(side).depots
    for u in view.own_on_map():
        if phase == WITHDRAW:
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
        elif waiting_for_main_body(view, u):
            decision.orders.append(Order(u.id, Mission.CONSOLIDATE, u.road_to))
        else:
            decision.orders.append(Order(u.id, Mission.ADVANCE, world.scenario.objective.place))
    return decision


def supply_short(world: World, units: list[UnitState]) -> bool:
    """Is the force's mean supply state (weighted by men) below ``culmination_supply``?"""
    units = [u for u in units if u.on_map and u.present > 0]
    men = sum(u.present for u in units)
    mean = sum(u.supply_state * u.present for u in units) / men if men else 1.0
    return mean < world.params.doctrine.culmination_supply


@dataclass
class Staff:
    """The 20th Army staff: this doctrine plus the staff's own memory, the culmination
    clock: consecutive days the night's supply reports (:meth:`observe`) showed the force's
    mean supply below ``culmination_supply``."""

    side: Side = Side.JAPANESE
    low_supply_days: int = 0

    def decide(self, view: SideView) -> Decision:
        return decide(view, self.low_supply_days)

    def observe(self, view: SideView) -> None:
        """The night's supply reports: the staff's own units' supply, from its view."""
        short = supply_short(view.world, view.own_units())
        self.low_supply_days = self.low_supply_days + 1 if short else 0

    def memory(self) -> list[int]:
        return [self.low_supply_days]
