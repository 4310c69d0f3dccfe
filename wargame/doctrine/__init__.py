"""Operational decision rules, one module per side.

Each side's staff reads the campaign state (never the future, never the other side's
orders for today) and returns a :class:`Decision`: its operational phase, orders for its
units, and events worth reporting. Rules are thresholds from the scenario's
``params.doctrine`` table; any chance comes only from the run's generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wargame.state import Mission


@dataclass(frozen=True)
class Order:
    """An order to one unit: what to do and where."""

    unit_id: str
    mission: Mission
    target: str | None = None
    days: int = 0           # for CONSOLIDATE: days to halt and regroup (0: just today)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"unit": self.unit_id, "mission": str(self.mission), "target": self.target}
        if self.days:
            d["days"] = self.days
        return d


@dataclass
class Decision:
    phase: str
    orders: list[Order] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    commit: list[str] = field(default_factory=list)    # reserves committed today
    release: list[str] = field(default_factory=list)   # uncommitted formations released
