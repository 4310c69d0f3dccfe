"""Campaign state: plain data, hashed canonically after every day.

Like a chess board, :class:`CampaignState` says where everything is *now*; the turn log
(:mod:`wargame.turnlog`) is the move stack. Men are conserved per unit::

    initial_men + returned == present + killed + wounded + captured + disease

where the loss counters are cumulative (they never decrease) and ``returned`` counts wounded
and sick who came back to duty.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from wargame.formats import canonical_json
from wargame.scenario import Side


class Posture(StrEnum):
    """QJM postures, weakest to strongest for a defender."""

    ATTACK = "attack"
    WITHDRAWAL = "withdrawal"
    DELAY = "delay"
    HASTY = "hasty"
    PREPARED = "prepared"
    FORTIFIED = "fortified"


class Status(StrEnum):
    PENDING = "pending"  # not yet arrived (e.g. waiting for the airlift)
    UNCOMMITTED = "uncommitted"  # held back by higher command
    RESERVE = "reserve"  # on the map, committed by decision
    ACTIVE = "active"
    DESTROYED = "destroyed"  # no men left with the unit


class Mission(StrEnum):
    HOLD = "hold"
    ADVANCE = "advance"
    CONSOLIDATE = "consolidate"
    REINFORCE = "reinforce"
    COUNTERATTACK = "counterattack"
    WITHDRAW = "withdraw"


LOSS_CATEGORIES = ("killed", "wounded", "captured", "disease")


@dataclass
class UnitState:
    """Where one manoeuvre unit is and what is left of it. Men are whole numbers."""

    id: str
    side: Side
    initial_men: int
    present: int = 0
    status: Status = Status.ACTIVE
    mission: Mission = Mission.HOLD
    location: str | None = None  # place id when at a place
    road_from: str | None = None  # when on a road: from here ...
    road_to: str | None = None  # ... to here
    progress_km: float = 0.0  # km travelled along the road (incl. crossing delays)
    target: str | None = None  # place the unit is ordered towards
    posture: Posture = Posture.HASTY
    days_in_place: int = 0
    hold_days: int = 0  # days left to consolidate
    supply_stock_days: float = 0.0  # days of supply carried
    supply_state: float = 1.0  # share of the day's need met, 0..1
    contact_days: int = 0  # consecutive days attacking the same place
    assault_km: float = 0.0  # km pushed into the defended zone ahead (QJM advance)
    ambushed_on_day: int | None = None
    last_battle_loss: int = 0  # men lost in battle on the last day of combat
    killed: int = 0
    wounded: int = 0
    captured: int = 0
    disease: int = 0
    returned: int = 0
    recovering: int = 0  # wounded and sick who will come back

    @property
    def on_map(self) -> bool:
        return self.status in (Status.ACTIVE, Status.RESERVE)

    @property
    def position(self) -> str | None:
        """The place a unit is at, or the place it is heading for on a road."""
        return self.location if self.location is not None else self.road_to

    @property
    def losses(self) -> int:
        return self.killed + self.wounded + self.captured + self.disease

    def conserved(self) -> bool:
        """True when initial + returned == present + every loss category."""
        return self.initial_men + self.returned == self.present + self.losses


@dataclass
class AirState:
    """One side's air effort on one day."""

    sorties: int = 0
    interdiction: int = 0
    close_support: int = 0
    airfield_attack: int = 0
    damaged_aircraft: int = 0  # aircraft under repair after airfield attacks


@dataclass
class CampaignState:
    """Everything the engine needs to continue a campaign from the end of a day."""

    day: int = 0  # days elapsed since the start date
    weather: str = "clear"
    control: dict[str, Side] = field(default_factory=dict)
    units: dict[str, UnitState] = field(default_factory=dict)
    air: dict[str, AirState] = field(default_factory=dict)
    air_superiority: Side | None = None
    phase: dict[str, str] = field(default_factory=dict)  # each side's operational phase
    culminated_day: int | None = None
    counteroffensive_day: int | None = None
    objective_captured_day: int | None = None
    closest_km: float = float("inf")
    closest_day: int = 0
    sorties_total: dict[str, int] = field(default_factory=dict)
    low_supply_days: int = 0
    _occupancy: dict[str, dict[str, int]] | None = field(default=None, repr=False, compare=False)
    _on_map: dict[str, list[UnitState]] | None = field(default=None, repr=False, compare=False)

    # -- who is where: an index kept in step by set_location/set_status (not hashed)

    def _index(self) -> dict[str, dict[str, int]]:
        if self._occupancy is None:
            occ: dict[str, dict[str, int]] = {}
            for u in self.units.values():
                if u.on_map and u.location is not None:
                    here = occ.setdefault(u.location, {})
                    here[u.side] = here.get(u.side, 0) + 1
            self._occupancy = occ
        return self._occupancy

    def _count(self, u: UnitState, delta: int) -> None:
        if u.on_map and u.location is not None and self._occupancy is not None:
            here = self._occupancy.setdefault(u.location, {})
            here[u.side] = here.get(u.side, 0) + delta

    def set_location(self, u: UnitState, place: str | None) -> None:
        """Move a unit to a place (or onto a road with None), keeping the index right."""
        self._count(u, -1)
        u.location = place
        self._count(u, +1)

    def set_status(self, u: UnitState, status: Status) -> None:
        self._count(u, -1)
        u.status = status
        self._count(u, +1)
        self._on_map = None

    def units_of(self, side: Side) -> list[UnitState]:
        """On-map units of one side, in scenario order (a fresh list; cached between status
        changes, which all go through :meth:`set_status`)."""
        if self._on_map is None:
            self._on_map = {
                str(s): [u for u in self.units.values() if u.side == s and u.on_map]
                for s in (Side.JAPANESE, Side.CHINESE)
            }
        return list(self._on_map[side])

    def units_at(self, place: str) -> list[UnitState]:
        return [u for u in self.units.values() if u.on_map and u.location == place]

    def occupant(self, place: str) -> Side | None:
        """The side with units at a place, if any."""
        here = self._index().get(place)
        if here:
            for side in (Side.JAPANESE, Side.CHINESE):
                if here.get(side):
                    return side
        return None

    def digest(self) -> str:
        """SHA-256 of the state in a compact canonical form: every public field in declaration
        order, units as value rows in scenario order, tables as sorted pairs, floats rounded to
        1e-6 (a field added to the state is hashed without further work)."""
        rows: list[Any] = []
        for f in _STATE_FIELDS:
            v = getattr(self, f)
            if f == "units":
                v = [_unit_row(u) for u in v.values()]
            elif f == "air":
                v = sorted((k, list(a.__dict__.values())) for k, a in v.items())
            elif isinstance(v, dict):
                v = sorted(v.items())
            elif isinstance(v, float):
                v = None if v == float("inf") else round(v, 6)
            rows.append(v)
        return hashlib.sha256(canonical_json(rows).encode()).hexdigest()

    def men(self, side: Side) -> int:
        return sum(u.present for u in self.units.values() if u.side == side)

    def casualties(self, side: Side) -> dict[str, int]:
        out = {
            c: sum(getattr(u, c) for u in self.units.values() if u.side == side)
            for c in LOSS_CATEGORIES
        }
        out["total"] = sum(out.values())
        return out


_STATE_FIELDS = tuple(f.name for f in fields(CampaignState) if not f.name.startswith("_"))
_UNIT_FLOATS = tuple(
    i
    for i, f in enumerate(fields(UnitState))
    if f.name in ("progress_km", "assault_km", "supply_stock_days", "supply_state")
)


def _unit_row(u: UnitState) -> list[Any]:
    row = list(u.__dict__.values())
    for i in _UNIT_FLOATS:
        row[i] = round(row[i], 6)
    return row
