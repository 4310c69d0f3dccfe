"""Operational decision rules, one module per side.

Each side's staff reads the campaign state (never the future, never the other side's
orders for today) and returns a :class:`Decision`: its operational phase, orders for its
units, and events worth reporting. Rules are thresholds from the scenario's
``params.doctrine`` table; any chance comes only from the run's generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from wargame.state import Mission


class Order:
    """An order to one unit: what to do and where (``days``, for CONSOLIDATE: days to halt and
    regroup, 0 for just today).

    A value: its attributes are Final (mypy refuses an assignment; the compiled build makes
    them read-only), compared and hashed by what it says. Written out rather than as a frozen
    dataclass, whose generated ``__init__`` runs interpreted even in the compiled build.
    """

    __slots__ = ("days", "mission", "target", "unit_id")

    def __init__(
        self, unit_id: str, mission: Mission, target: str | None = None, days: int = 0
    ) -> None:
        self.unit_id: Final[str] = unit_id
        self.mission: Final[Mission] = mission
        self.target: Final[str | None] = target
        self.days: Final[int] = days

    def __repr__(self) -> str:
        return (
            f"Order(unit_id={self.unit_id!r}, mission={self.mission!r}, "
            f"target={self.target!r}, days={self.days!r})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Order)
            and self.unit_id == other.unit_id
            and self.mission == other.mission
            and self.target == other.target
            and self.days == other.days
        )

    def __hash__(self) -> int:
        return hash((self.unit_id, self.mission, self.target, self.days))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "unit": self.unit_id,
            "mission": str(self.mission),
            "target": self.target,
        }
        if self.days:
            d["days"] = self.days
        return d

    @classmethod
    def from_dict(cls, d: Any) -> Order:
        """An order as :meth:`to_dict` wrote it (a ValueError names what is wrong)."""
        if not isinstance(d, dict) or not isinstance(d.get("unit"), str):
            raise ValueError(f"an order needs a unit id: {d!r}")
        try:
            mission = Mission(str(d.get("mission")))
        except ValueError:
            raise ValueError(
                f"order for {d['unit']}: unknown mission {d.get('mission')!r}"
            ) from None
        target, days = d.get("target"), d.get("days", 0)
        if target is not None and not isinstance(target, str):
            raise ValueError(f"order for {d['unit']}: target must be a place id")
        if not isinstance(days, int) or isinstance(days, bool):
            raise ValueError(f"order for {d['unit']}: days must be a whole number")
        return cls(d["unit"], mission, target, days)


@dataclass(init=False)
class Decision:
    """A side's decision for one day: its operational phase, its orders, the reserves it
    commits and the held-back formations it releases, and two typed flags the engine reads
    (the engine never reads phase names)."""

    phase: str
    orders: list[Order] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    commit: list[str] = field(default_factory=list)  # reserves committed today
    release: list[str] = field(default_factory=list)  # uncommitted formations released
    culminated: bool = False  # the attacker's offensive ends today
    counteroffensive: bool = False  # the defender's counteroffensive begins today

    # (``__init__`` written out: a dataclass's generated one runs interpreted in the compiled
    # build, issue 17; each list a fresh one unless given)
    def __init__(
        self,
        phase: str,
        orders: list[Order] | None = None,
        events: list[str] | None = None,
        commit: list[str] | None = None,
        release: list[str] | None = None,
        culminated: bool = False,
        counteroffensive: bool = False,
    ) -> None:
        self.phase = phase
        self.orders = [] if orders is None else orders
        self.events = [] if events is None else events
        self.commit = [] if commit is None else commit
        self.release = [] if release is None else release
        self.culminated = culminated
        self.counteroffensive = counteroffensive

    def to_dict(self) -> dict[str, Any]:
        """The decision as the turn log records it, every order included."""
        return {
            "phase": self.phase,
            "orders": [o.to_dict() for o in self.orders],
            "commit": list(self.commit),
            "release": list(self.release),
            "events": list(self.events),
            "culminated": self.culminated,
            "counteroffensive": self.counteroffensive,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Decision:
        """A decision as :meth:`to_dict` wrote it (a ValueError names what is wrong)."""
        if not isinstance(d, dict) or not isinstance(d.get("phase"), str):
            raise ValueError("a decision needs its phase")
        lists = {k: d.get(k, []) for k in ("orders", "commit", "release", "events")}
        for k, v in lists.items():
            if not isinstance(v, list):
                raise ValueError(f"decision {k} must be a list")
        return cls(
            d["phase"],
            [Order.from_dict(o) for o in lists["orders"]],
            [str(e) for e in lists["events"]],
            [str(u) for u in lists["commit"]],
            [str(u) for u in lists["release"]],
            bool(d.get("culminated", False)),
            bool(d.get("counteroffensive", False)),
        )
