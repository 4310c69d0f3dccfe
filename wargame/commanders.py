"""Who decides for a side: the seam between the rules kernel (the engine) and whoever
commands, be it the built-in staff, a person at the terminal, an order file or a replayed
log.

Each day the engine hands each side's :class:`Commander` a :class:`SideView` and applies the
:class:`~wargame.doctrine.Decision` it returns, after checking every order
(:mod:`wargame.rules`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from wargame._mypyc import mypyc_attr
from wargame.doctrine import Decision, Order, chinese, japanese
from wargame.scenario import Side
from wargame.state import AtPlace, CampaignState, OnRoad, Position, UnitState
from wargame.world import World

STAFFS: dict[Side, Callable[[], Commander]] = {
    Side.JAPANESE: japanese.Staff,
    Side.CHINESE: chinese.Staff,
}
"""The built-in staff of each side (its doctrine module's ``Staff``)."""


@mypyc_attr(allow_interpreted_subclasses=True)  # a test subclasses it
@dataclass(init=False)
class SideView:
    """What one side may know on a day: its own units in full, enemy units only where they
    are seen (see :meth:`seen`), and what is common knowledge (the world: terrain, roads,
    the scenario's orders of battle and depots; who controls each place; whether the
    objective has fallen).

    The built-in staffs read the day through the accessors below and never ``state``, the
    umpire's whole state (the rules and the play display use it; a person is shown
    :meth:`visible_state`). Two accessors named ``umpire_...`` give facts *beyond* the view
    that the Chinese staff's rules still read (see :meth:`umpire_enemy_units`)."""

    world: World
    state: CampaignState
    side: Side
    _mine: set[str] | None = field(init=False, repr=False, compare=False)
    _fields: list[str] | None = field(init=False, repr=False, compare=False)
    _enemies: list[UnitState] | None = field(init=False, repr=False, compare=False)

    # (``__init__`` written out: a dataclass's generated one runs interpreted in the compiled
    # build, issue 17; the day's memories start empty)
    def __init__(self, world: World, state: CampaignState, side: Side) -> None:
        self.world = world
        self.state = state
        self.side = side
        self._mine = None
        self._fields = None
        self._enemies = None

    @property
    def day(self) -> int:
        return self.state.day

    @property
    def phase(self) -> str | None:
        """The side's own operational phase, as its last decision declared it."""
        return self.state.phase.get(self.side)

    @property
    def objective_captured_day(self) -> int | None:
        """The day the objective fell, if it has (known to both sides)."""
        return self.state.objective_captured_day

    @property
    def control(self) -> Mapping[str, Side]:
        """Who controls each place (common knowledge: who holds a town is no secret)."""
        return self.state.control

    def own_units(self) -> list[UnitState]:
        """Every unit of the side, in scenario order (not yet arrived and held back ones
        too)."""
        return [u for u in self.state.units.values() if u.side == self.side]

    def own_on_map(self) -> list[UnitState]:
        """The side's units on the map, in scenario order."""
        return self.state.units_of(self.side)

    def enemies(self) -> list[UnitState]:
        """The enemy units seen today (:meth:`seen`), in scenario order (a fresh list; the
        sighting is remembered: a view is of one moment)."""
        if self._enemies is None:
            self._enemies = [e for e in self.state.units_of(self.side.enemy) if self.seen(e)]
        return list(self._enemies)

    def occupant(self, place: str) -> Side | None:
        """The side with units at a place as this side knows it: its own units, or enemy
        units there that it sees (:meth:`CampaignState.occupant`'s order: the attacker
        first)."""
        side = self.state.occupant(place)
        if side is None or side == self.side or place in self._own_places():
            return side  # an enemy where this side's own units stand or march to is seen
        here = self.state.units_at(place)
        if any(self.seen(u) for u in here if u.side == side):
            return side
        return self.side if any(u.side == self.side for u in here) else None

    def places_held(self, side: Side) -> set[str]:
        """The places ``side`` controls (a fresh set)."""
        return self.state.held_by(side)

    def umpire_enemy_units(self) -> list[UnitState]:
        """Every enemy unit on the map, seen or not: BEYOND THE VIEW. The Chinese staff's
        rules read it for the enemy's strength and supply (is the enemy spent?), the
        enemy's nearest approach to the objective (releasing the reserve) and where enemy
        units stand (envelopment in the counteroffensive); restricting them to seen units
        changes its decisions (issue 12), so they stay, named here."""
        return self.state.units_of(self.side.enemy)

    def umpire_enemy_phase(self) -> str | None:
        """The enemy's operational phase: BEYOND THE VIEW (the Chinese staff starts its
        counteroffensive the morning the Japanese staff orders the withdrawal)."""
        return self.state.phase.get(self.side.enemy)

    def seen(self, enemy: UnitState) -> bool:
        """Is an enemy unit seen today? In contact (within ``params.intel.contact_km`` by road
        of one of this side's units on the map), or on the march on a road within
        ``air_reconnaissance_km`` of one of this side's airfields after a day of air
        superiority."""
        if not enemy.on_map:
            return False
        pos = enemy.pos
        where = _places(pos)
        mine = self._own_places()
        in_contact_of = self.world.in_contact_of
        for b in where:
            if not in_contact_of(b).isdisjoint(mine):
                return True
        if isinstance(pos, OnRoad) and self.state.air_superiority == self.side:
            p = self.world.params.intel
            if self._fields is None:  # this side's airfields, by id
                control = self.state.control
                self._fields = [n for n in self.world.airfields() if control.get(n) == self.side]
            for a in self._fields:
                for b in where:
                    if self.world.recon_km(a, b) <= p.air_reconnaissance_km:
                        return True
        return False

    def _own_places(self) -> set[str]:
        """The places this side's units on the map stand at or march between (remembered: a
        view is of one moment and made afresh each time)."""
        if self._mine is None:
            self._mine = {x for u in self.state.units_of(self.side) for x in _places(u.pos)}
        return self._mine

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


def _places(pos: Position) -> tuple[str, ...]:
    """The places a position touches: the place a unit is at, or both ends of its road."""
    if isinstance(pos, AtPlace):
        return (pos.place,)
    if isinstance(pos, OnRoad):
        return (pos.origin, pos.dest)
    return ()


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
