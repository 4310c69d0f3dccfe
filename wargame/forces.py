"""The order of battle as Python objects: one class hierarchy built from a validated scenario.

Headquarters (:class:`Command`, :class:`Army`, :class:`ArmyGroup`, :class:`Corps`) hold no men
of their own; their strength is the sum of their subordinates. Manoeuvre units
(:class:`Division`, :class:`Brigade`, :class:`Regiment`, :class:`Detachment`) carry
``strength_men`` and move on the map. These objects are the static order of battle; what
changes during a campaign lives in :mod:`wargame.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wargame.scenario import Arrival, Commitment, Echelon, Scenario, Side

COMMITTED, RESERVE, UNCOMMITTED = Commitment.COMMITTED, Commitment.RESERVE, Commitment.UNCOMMITTED
# (bound once: on Python 3.11 reading a member off its class is a slow metaclass lookup)


@dataclass(eq=False)
class Formation:
    """A formation of the order of battle."""

    id: str
    side: Side
    name: str
    commander: str
    commander_alias: str
    quality: str
    commitment: Commitment
    parent: Formation | None = None
    subordinates: list[Formation] = field(default_factory=list)
    echelon: Echelon = Echelon.COMMAND

    @property
    def strength_men(self) -> int:
        """Men in this formation and all its subordinates."""
        return sum(s.strength_men for s in self.subordinates)

    def walk(self) -> list[Formation]:
        """This formation and everything under it, in order-of-battle order."""
        out: list[Formation] = [self]
        for s in self.subordinates:
            out.extend(s.walk())
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, {self.strength_men} men)"


class Command(Formation):
    """Theatre or campaign command (e.g. He Yingqin's headquarters)."""


class Army(Formation):
    """An army or front army."""


class ArmyGroup(Formation):
    """An army group."""


class Corps(Formation):
    """A corps (Chinese 'army' in Chinese usage)."""


@dataclass(eq=False, repr=False)
class ManoeuvreUnit(Formation):
    """A formation that holds men and moves on the map."""

    men: int = 0
    location: str | None = None
    arrival: Arrival | None = None
    column: str | None = None

    @property
    def strength_men(self) -> int:
        return self.men + sum(s.strength_men for s in self.subordinates)


class Division(ManoeuvreUnit):
    """An infantry division."""


class Brigade(ManoeuvreUnit):
    """A brigade (e.g. an independent mixed brigade)."""


class Regiment(ManoeuvreUnit):
    """A regiment."""


class Detachment(ManoeuvreUnit):
    """Elements of a formation, or assorted independent units."""


CLASS_BY_ECHELON: dict[Echelon, type[Formation]] = {
    Echelon.COMMAND: Command,
    Echelon.ARMY: Army,
    Echelon.ARMY_GROUP: ArmyGroup,
    Echelon.CORPS: Corps,
    Echelon.DIVISION: Division,
    Echelon.BRIGADE: Brigade,
    Echelon.REGIMENT: Regiment,
    Echelon.DETACHMENT: Detachment,
}


@dataclass
class OrderOfBattle:
    """Both sides' formations, in scenario order, with lookup by id."""

    formations: dict[str, Formation]

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> OrderOfBattle:
        formations: dict[str, Formation] = {}
        for u in scenario.units:
            klass = CLASS_BY_ECHELON[u.echelon]
            common: dict[str, Any] = dict(
                id=u.id,
                side=u.side,
                name=u.name,
                commander=u.commander,
                commander_alias=u.commander_alias,
                quality=u.quality,
                commitment=u.commitment,
                echelon=u.echelon,
            )
            if issubclass(klass, ManoeuvreUnit):
                formations[u.id] = klass(
                    **common,
                    men=u.strength_men or 0,
                    location=u.location,
                    arrival=u.arrival,
                    column=u.column,
                )
            else:
                formations[u.id] = klass(**common)
        for u in scenario.units:
            if u.parent is not None:
                child, parent = formations[u.id], formations[u.parent]
                child.parent = parent
                parent.subordinates.append(child)
        return cls(formations)

    def roots(self, side: Side) -> list[Formation]:
        """Top-level formations of one side."""
        return [f for f in self.formations.values() if f.side == side and f.parent is None]

    def manoeuvre_units(self, side: Side | None = None) -> list[ManoeuvreUnit]:
        """Units that hold men on the map, in scenario order."""
        return [
            f
            for f in self.formations.values()
            if isinstance(f, ManoeuvreUnit) and (side is None or f.side == side)
        ]

    def men(self, side: Side, commitment: Commitment | None = None) -> int:
        """Men of one side, optionally of one commitment class."""
        return sum(
            u.men
            for u in self.manoeuvre_units(side)
            if commitment is None or u.commitment == commitment
        )

    def effective_commitment(self, unit: Formation) -> Commitment:
        """A unit is uncommitted or in reserve if it or any superior is."""
        cur: Formation | None = unit
        result = COMMITTED
        while cur is not None:
            if cur.commitment == UNCOMMITTED:
                return UNCOMMITTED
            if cur.commitment == RESERVE:
                result = RESERVE
            cur = cur.parent
        return result
