"""Campaign state: plain data, hashed canonically after every day.

Like a chess board, :class:`CampaignState` says where everything is *now*; the turn log
(:mod:`wargame.turnlog`) is the move stack. Men are conserved per unit::

    initial_men + returned == present + killed + wounded + captured + disease

where the loss counters are cumulative (they never decrease) and ``returned`` counts wounded
and sick who came back to duty.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from operator import attrgetter
from typing import Any, Final

from wargame._mypyc import mypyc_attr
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


# The enum members the daily loops read, bound once here and imported by the other modules:
# on Python 3.11 reading a member off its class (``Status.ACTIVE``) is a slow metaclass
# lookup each time, and a compiled build (mypyc) reads a ``Final`` name as a C static, not
# from a module's dict.
ATTACK: Final = Posture.ATTACK
WITHDRAWAL: Final = Posture.WITHDRAWAL
HASTY: Final = Posture.HASTY
PENDING: Final = Status.PENDING
UNCOMMITTED: Final = Status.UNCOMMITTED
RESERVE: Final = Status.RESERVE
ACTIVE: Final = Status.ACTIVE
DESTROYED: Final = Status.DESTROYED
HOLD: Final = Mission.HOLD
ADVANCE: Final = Mission.ADVANCE
CONSOLIDATE: Final = Mission.CONSOLIDATE
REINFORCE: Final = Mission.REINFORCE
COUNTERATTACK: Final = Mission.COUNTERATTACK
WITHDRAW: Final = Mission.WITHDRAW
JAPANESE: Final = Side.JAPANESE
CHINESE: Final = Side.CHINESE

LOSS_CATEGORIES: Final = ("killed", "wounded", "captured", "disease")


# Each kind of position answers all four of place, origin, dest and km (the ones it has not
# are fixed at None, or 0 km, left out of repr and comparison), so that the UnitState accessors
# are one lookup. Positions are values: their attributes are Final (mypy refuses an assignment;
# the compiled build makes them read-only), compared and hashed by what they say, and shared
# between a state and its copies. Written out rather than as frozen dataclasses, whose
# generated ``__init__`` runs interpreted even in the compiled build (about 6,000 instructions
# a position against 30 ns natively: issue 17).


class NotArrived:
    """Not on the map yet (waiting for the airlift, or for its arrival day)."""

    __slots__ = ("dest", "km", "origin", "place")

    def __init__(self) -> None:
        self.place: Final[None] = None
        self.origin: Final[None] = None
        self.dest: Final[None] = None
        self.km: Final[float] = 0.0

    def __repr__(self) -> str:
        return "NotArrived()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotArrived)

    def __hash__(self) -> int:
        return hash(NotArrived)


class AtPlace:
    """At a place (a node of the terrain graph)."""

    __slots__ = ("dest", "km", "origin", "place")
    __match_args__ = ("place",)

    def __init__(self, place: str) -> None:
        self.place: Final[str] = place
        self.origin: Final[None] = None
        self.dest: Final[None] = None
        self.km: Final[float] = 0.0

    def __repr__(self) -> str:
        return f"AtPlace(place={self.place!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AtPlace) and self.place == other.place

    def __hash__(self) -> int:
        return hash((AtPlace, self.place))


class OnRoad:
    """On the road from ``origin`` to ``dest``, ``km`` km of marching along it (river-crossing
    delays included: ``0 <= km <= road_effort_km`` of that road)."""

    __slots__ = ("dest", "km", "origin", "place")
    __match_args__ = ("origin", "dest", "km")

    def __init__(self, origin: str, dest: str, km: float = 0.0) -> None:
        self.origin: Final[str] = origin
        self.dest: Final[str] = dest
        self.km: Final[float] = km
        self.place: Final[None] = None

    def __repr__(self) -> str:
        return f"OnRoad(origin={self.origin!r}, dest={self.dest!r}, km={self.km!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OnRoad)
            and self.origin == other.origin
            and self.dest == other.dest
            and self.km == other.km
        )

    def __hash__(self) -> int:
        return hash((OnRoad, self.origin, self.dest, self.km))


Position = NotArrived | AtPlace | OnRoad
"""Where a unit is: exactly one of not arrived, at a place, or on a road."""

NOT_ARRIVED: Final = NotArrived()

_ON_MAP: Final = (ACTIVE, RESERVE)
"""The statuses of a unit on the map."""
SIDES: Final = (JAPANESE, CHINESE)
"""Both sides, the attacker first, for the daily loops."""


@mypyc_attr(allow_interpreted_subclasses=True)  # tests subclass it
@dataclass
class UnitState:
    """Where one manoeuvre unit is and what is left of it. Men are whole numbers."""

    id: str
    side: Side
    initial_men: int
    present: int = 0
    status: Status = Status.ACTIVE
    mission: Mission = Mission.HOLD
    pos: Position = NOT_ARRIVED  # where the unit is (see Position)
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
        return self.status in _ON_MAP

    # read-only views of ``pos`` for readers that want one optional field
    @property
    def location(self) -> str | None:
        """The place the unit is at, or None (on a road or not arrived)."""
        return self.pos.place

    @property
    def road_from(self) -> str | None:
        """The place the unit's road starts from, or None (not on a road)."""
        return self.pos.origin

    @property
    def road_to(self) -> str | None:
        """The place the unit's road leads to, or None (not on a road)."""
        return self.pos.dest

    @property
    def progress_km(self) -> float:
        """km of marching done along the unit's road (0 when not on a road)."""
        return self.pos.km

    @property
    def position(self) -> str | None:
        """The place a unit is at, or the place it is heading for on a road."""
        pos = self.pos
        return pos.place if pos.place is not None else pos.dest

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
    foraged: dict[str, float] = field(default_factory=dict)  # place -> unit-days foraged there
    _occupancy: dict[str, dict[str, int]] | None = field(default=None, repr=False, compare=False)
    _on_map: dict[str, list[UnitState]] | None = field(default=None, repr=False, compare=False)
    _all_on_map: tuple[UnitState, ...] = field(default=(), repr=False, compare=False)
    _at: dict[str, list[UnitState]] | None = field(init=False, repr=False, compare=False)
    # on-map units at each place, in scenario order (rebuilt after any move); set in
    # __post_init__ rather than as a field default, which a mypyc build leaves undefined

    def __post_init__(self) -> None:
        self._at = None

    # -- who is where: an index kept in step by set_position/set_status (not hashed)

    def _index(self) -> dict[str, dict[str, int]]:
        if self._occupancy is None:
            occ: dict[str, dict[str, int]] = {}
            for u in self.units.values():
                if u.on_map and isinstance(u.pos, AtPlace):
                    here = occ.setdefault(u.pos.place, {})
                    here[u.side] = here.get(u.side, 0) + 1
            self._occupancy = occ
        return self._occupancy

    def _count(self, u: UnitState, delta: int) -> None:
        occ = self._occupancy
        if occ is not None and u.status in _ON_MAP and isinstance(u.pos, AtPlace):
            here = occ.setdefault(u.pos.place, {})
            here[u.side] = here.get(u.side, 0) + delta

    def set_position(self, u: UnitState, pos: Position) -> None:
        """Put a unit at a place or on a road, keeping the index right."""
        self._count(u, -1)
        u.pos = pos
        self._count(u, +1)
        self._at = None

    def set_status(self, u: UnitState, status: Status) -> None:
        self._count(u, -1)
        u.status = status
        self._count(u, +1)
        self._on_map = None
        self._at = None

    def units_of(self, side: Side) -> list[UnitState]:
        """On-map units of one side, in scenario order (a fresh list; cached between status
        changes, which all go through :meth:`set_status`)."""
        return list(self._on_map_index()[side])

    def on_map_units(self) -> tuple[UnitState, ...]:
        """Every on-map unit, both sides, in scenario order (cached between status changes,
        like :meth:`units_of`)."""
        self._on_map_index()
        return self._all_on_map

    def _on_map_index(self) -> dict[str, list[UnitState]]:
        if self._on_map is None:
            self._all_on_map = tuple(u for u in self.units.values() if u.on_map)
            self._on_map = {str(s): [u for u in self._all_on_map if u.side == s] for s in SIDES}
        return self._on_map

    def units_at(self, place: str) -> list[UnitState]:
        """On-map units at a place, in scenario order (a fresh list; the index behind it is
        rebuilt after any move or status change, which all go through :meth:`set_position`
        and :meth:`set_status`)."""
        at = self._at
        if at is None:
            at = {}
            for u in self.on_map_units():
                pos = u.pos
                if isinstance(pos, AtPlace):
                    at.setdefault(pos.place, []).append(u)
            self._at = at
        return list(at.get(place, ()))

    def occupant(self, place: str) -> Side | None:
        """The side with units at a place, if any (the attacker first)."""
        occ = self._occupancy
        here = (self._index() if occ is None else occ).get(place)
        if here:
            for side in SIDES:
                if here.get(side):
                    return side
        return None

    def digest(self, memory: Sequence[Any] = ()) -> str:
        """SHA-256 of the state in a compact canonical form: every public field in declaration
        order, units as value rows in scenario order, tables as sorted pairs, floats rounded to
        1e-6 (a field added to the state is hashed without further work), then the rows of
        ``memory``: what the commanders remember that the state does not show (a game's
        future depends on it too; see :meth:`wargame.engine.Campaign.digest`)."""
        rows: list[Any] = []
        for f in _STATE_FIELDS:
            v = getattr(self, f)
            if f == "units":
                v = [_unit_row(u) for u in v.values()]
            elif f == "air":
                v = sorted((k, list(_air_values(a))) for k, a in v.items())
            elif isinstance(v, dict):
                v = sorted(v.items())
            elif isinstance(v, float):  # closest_km
                v = None if v == float("inf") else round_km(v, 6)
            rows.append(v)
        rows.extend(memory)
        return hashlib.sha256(canonical_json(rows).encode()).hexdigest()

    def held_by(self, side: Side) -> set[str]:
        """The places ``side`` controls (a fresh set)."""
        return {p for p, c in self.control.items() if c == side}

    def tally(self) -> tuple[dict[Side, int], dict[Side, dict[str, int]]]:
        """:meth:`men` and :meth:`casualties` of both sides."""
        # (a pass per side and count, with whole-number locals: the compiled build adds them
        # unboxed, where one pass adding into lists of counters boxed every sum; issue 17)
        men = {side: self.men(side) for side in SIDES}
        casualties = {side: self.casualties(side) for side in SIDES}
        return men, casualties

    def men(self, side: Side) -> int:
        total = 0
        for u in self.units.values():
            if u.side == side:
                total += u.present
        return total

    def casualties(self, side: Side) -> dict[str, int]:
        killed = wounded = captured = disease = 0
        for u in self.units.values():
            if u.side == side:
                killed += u.killed
                wounded += u.wounded
                captured += u.captured
                disease += u.disease
        out = dict(zip(LOSS_CATEGORIES, (killed, wounded, captured, disease), strict=True))
        out["total"] = sum(out.values())
        return out


def round_km(km: float, ndigits: int) -> int | float:  # not float: mypyc would make 0 0.0
    """``round(km, ndigits)``, but exactly 0 km as the int 0 however it is held. The road
    distance from a place to itself is networkx's int 0, which a pure-Python run keeps in
    ``closest_km`` (hashed and reported as ``0``); a mypyc build holds the same value as the
    float ``0.0`` (its float attributes hold floats only): both write ``0``."""
    return 0 if km == 0 else round(km, ndigits)


_STATE_FIELDS: Final = tuple(f.name for f in fields(CampaignState) if not f.name.startswith("_"))
_UNIT_FIELDS: Final = tuple(f.name for f in fields(UnitState))
_POS: Final = _UNIT_FIELDS.index("pos")
# the values of a unit's (an air state's) fields in declaration order, as ``__dict__`` held them
# (a mypyc-compiled class has no ``__dict__``)
_unit_values: Final = attrgetter(*_UNIT_FIELDS)
_air_values: Final = attrgetter(*(f.name for f in fields(AirState)))
_UNIT_FLOATS: Final = tuple(
    i + (3 if i > _POS else 0)  # the position takes four values in the row
    for i, name in enumerate(_UNIT_FIELDS)
    if name in ("assault_km", "supply_stock_days", "supply_state")
)


def _unit_row(u: UnitState) -> list[Any]:
    """A unit as a row of values in field order, its position as the four values the row
    has always held (place, road from, road to, km along): the digest is unchanged by the
    :data:`Position` type."""
    row = list(_unit_values(u))
    pos = row[_POS]
    if isinstance(pos, AtPlace):
        row[_POS : _POS + 1] = (pos.place, None, None, 0.0)
    elif isinstance(pos, OnRoad):
        row[_POS : _POS + 1] = (None, pos.origin, pos.dest, round(pos.km, 6))
    else:
        row[_POS : _POS + 1] = (None, None, None, 0.0)
    for i in _UNIT_FLOATS:
        row[i] = round(row[i], 6)
    return row
