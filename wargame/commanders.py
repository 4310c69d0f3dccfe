"""Who decides for a side: the seam between the rules kernel (the engine) and whoever
commands, be it the built-in staff, a person at the terminal, an order file or a replayed
log.

Each day the engine hands each side's :class:`Commander` a :class:`SideView` and applies the
:class:`~wargame.doctrine.Decision` it returns, after checking every order
(:mod:`wargame.rules`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from wargame.doctrine import Decision, Order, chinese, japanese
from wargame.scenario import Feature, Side
from wargame.state import CampaignState, UnitState
from wargame.terrain import haversine_km
from wargame.world import World

STAFFS: dict[Side, Callable[[], Commander]] = {
    Side.JAPANESE: japanese.Staff,
    Side.CHINESE: chinese.Staff,
}
"""The built-in staff of each side (its doctrine module's ``Staff``)."""


@dataclass
class SideView:
    """What one side may know on a day: its own units in full, enemy units only where they
    are seen (see :meth:`seen`). ``state`` is the whole state: the built-in staffs still read
    it (their rules look only at facts a staff of 1945 would have had: the enemy in contact
    and the roads it is on); a person is shown :meth:`visible_state`."""

    world: World
    state: CampaignState
    side: Side

    @property
    def day(self) -> int:
        return self.state.day

    def own_units(self) -> list[UnitState]:
        return [u for u in self.state.units.values() if u.side == self.side]

    def seen(self, enemy: UnitState) -> bool:
        """Is an enemy unit seen today? In contact (within ``params.intel.contact_km`` by road
        of one of this side's units on the map), or on the march on a road within
        ``air_reconnaissance_km`` of one of this side's airfields after a day of air
        superiority."""
        if not enemy.on_map:
            return False
        p = self.world.params.intel
        where = [x for x in (enemy.location, enemy.road_from, enemy.road_to) if x is not None]
        dist = self.world.tmap.dist
        for u in self.state.units_of(self.side):
            mine = [x for x in (u.location, u.road_from, u.road_to) if x is not None]
            if any(dist[a].get(b, float("inf")) <= p.contact_km for a in mine for b in where):
                return True
        if enemy.location is None and self.state.air_superiority == self.side:
            g = self.world.tmap.graph
            fields = [
                n
                for n in sorted(g.nodes)
                if self.world.tmap.has(n, Feature.AIRFIELD)
                and self.state.control.get(n) == self.side
            ]
            for a in fields:
                for b in where:
                    if (
                        haversine_km(
                            g.nodes[a]["lat"],
                            g.nodes[a]["lon"],
                            g.nodes[b]["lat"],
                            g.nodes[b]["lon"],
                        )
                        <= p.air_reconnaissance_km
                    ):
                        return True
        return False

    def visible_state(self) -> CampaignState:
        """A copy of the state without the enemy units this side does not see, and the seen
        ones' strength as reconnaissance reports it (to ``params.intel.strength_estimate_men``
        men). Control of places stays: who holds a town is common knowledge."""
        step = self.world.params.intel.strength_estimate_men
        units = {
            uid: u
            if u.side == self.side
            else replace(u, present=int(max(step, round(u.present / step) * step)))
            for uid, u in self.state.units.items()
            if u.side == self.side or self.seen(u)
        }
        return replace(self.state, units=units, _occupancy=None, _on_map=None)


class Commander(Protocol):
    """Decides for one side, one day at a time, and may remember what it has seen.

    A commander that wraps another (a person advised by the staff, a replayed log that
    falls back on the staff) passes :meth:`observe` on and answers :meth:`memory` with the
    memory of the one whose decisions it follows, so that the game hashes the same whoever
    gives the orders."""

    side: Side

    def decide(self, view: SideView) -> Decision:
        """Today's decision (morning); must not change the commander's memory."""
        ...

    def observe(self, view: SideView) -> None:
        """The night's reports, every day (replayed days included), after supply."""
        ...

    def memory(self) -> list[Any]:
        """What the commander remembers that the state does not show, as rows hashed with
        the state (:meth:`wargame.engine.Campaign.digest`)."""
        ...


def staff(side: Side) -> Commander:
    """A fresh built-in staff for ``side`` (:mod:`wargame.doctrine`), with empty memory."""
    return STAFFS[side]()


@dataclass
class Logged:
    """The decisions recorded in a turn log, day by day; from day ``until`` on (or past the
    log's end) the ``fallback`` commander decides (a branch, a resumed game)."""

    side: Side
    decisions: list[Decision]
    fallback: Commander
    until: int | None = None

    def decide(self, view: SideView) -> Decision:
        day = view.day
        if day < len(self.decisions) and (self.until is None or day < self.until):
            return self.decisions[day]
        return self.fallback.decide(view)

    def observe(self, view: SideView) -> None:
        """The fallback follows the replayed days too, so that it takes over with the
        memory it would have had (a resumed game goes on as if played straight through)."""
        self.fallback.observe(view)

    def memory(self) -> list[Any]:
        return self.fallback.memory()


def with_orders(decision: Decision, orders: list[Order]) -> Decision:
    """``decision`` with ``orders`` replacing its orders for the same units (a unit given
    several orders takes the last)."""
    mine = {o.unit_id: o for o in orders}
    kept = [o for o in decision.orders if o.unit_id not in mine]
    return replace(decision, orders=[*kept, *mine.values()])


Asker = Callable[[SideView, Decision], Decision]
"""A function that shows a side its view and the staff's proposal and returns its decision."""


@dataclass
class Player:
    """A person: each day the staff proposes, and ``ask`` (the command line's prompt) returns
    what the person decided."""

    side: Side
    ask: Asker
    staff: Commander

    def decide(self, view: SideView) -> Decision:
        return self.ask(view, self.staff.decide(view))

    def observe(self, view: SideView) -> None:
        self.staff.observe(view)

    def memory(self) -> list[Any]:
        return self.staff.memory()
