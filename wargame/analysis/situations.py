"""The campaign day by day as plain data for maps and the replay page, rebuilt from a turn log.

A turn log holds each day's decisions, positions and results but not who holds each place or
each unit's men; :func:`replay_situations` replays the log (checking every day's state hash,
as ``wargame replay`` does) and keeps, for every day, what a map of that day needs. Nothing
here needs matplotlib.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from wargame.errors import UserError
from wargame.scenario import Echelon, Scenario, Side
from wargame.turnlog import TurnLog

ECHELON_MARK: dict[str, str] = {
    Echelon.DIVISION: "XX",
    Echelon.BRIGADE: "X",
    Echelon.REGIMENT: "III",
    Echelon.DETACHMENT: "II",
}
"""NATO-style size marks above a unit counter (APP-6: XX division, X brigade, III regiment,
II battalion; a detachment here is a battalion-sized group or larger)."""


@dataclass(frozen=True)
class UnitMark:
    """A unit on the map at the end of a day; ``lon``/``lat`` in degrees."""

    id: str
    side: str
    name: str
    short: str
    echelon: str
    men: int
    initial_men: int
    lon: float
    lat: float
    where: str  # a place id, or "a>b" on the road from a to b
    column: str | None


@dataclass
class DaySituation:
    """What a map of one day shows (end of the day)."""

    day: int
    date: dt.date
    weather: str
    air_superiority: str | None
    sorties: dict[str, int]
    men: dict[str, int]
    casualties: dict[str, int]
    holder: dict[str, str | None]  # place id -> side holding it (troops there, else control)
    units: list[UnitMark]
    front: list[tuple[str, str]]  # roads between places the two sides hold (attacker end first)
    heads: dict[str, tuple[float, float]]  # column -> (lon, lat) of its unit nearest the goal
    reach: dict[str, tuple[float, str, str]]  # column -> (road km to goal, place, ISO date)
    engagements: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def short_designation(name: str) -> str:
    """The number a counter shows: ``"116th Division"`` → ``"116"``, ``"New 22nd Division"`` →
    ``"N22"``, ``"Provisional 6th Division"`` → ``"P6"``; no number: the initials."""
    m = re.search(r"\d+", name)
    if m is None:
        return "".join(w[0] for w in name.split()[:3]).upper()
    prefix = ""
    low = name.lower()
    if low.startswith("new "):
        prefix = "N"
    elif low.startswith(("provisional", "temporary")):
        prefix = "P"
    return prefix + m.group(0)


def replay_situations(log: TurnLog) -> tuple[Scenario, list[DaySituation]]:
    """The scenario and every day's situation, by replaying ``log`` (exit 1 if a day does
    not replay as logged, exit 2 if its scenario is missing or invalid)."""
    from wargame.movement import road_effort_km
    from wargame.replay import replay_campaign, replay_to
    from wargame.report import ColumnReach

    if not log.days:
        raise UserError(f"{log.path}: the log has no days to draw")
    campaign = replay_campaign(log)
    reach = ColumnReach()
    out: list[DaySituation] = []

    def keep(c: Any, record: dict[str, Any]) -> None:
        world, state = c.world, c.state
        reach.update(world, state, record["date"])
        sc: Scenario = world.scenario
        xy = {p.id: (p.lon, p.lat) for p in sc.places}
        attacker = sc.objective.attacker

        def holder(place: str) -> str | None:
            side = state.occupant(place) or state.control.get(place)
            return None if side is None else str(side)

        held = {p.id: holder(p.id) for p in sc.places}
        units: list[UnitMark] = []
        heads: dict[str, tuple[float, float, float]] = {}
        for side in Side:
            for u in state.units_of(side):
                if not u.on_map:
                    continue
                if u.location is not None:
                    lon, lat = xy[u.location]
                    where = u.location
                elif u.road_from is not None and u.road_to is not None:
                    road = world.tmap.road(u.road_from, u.road_to)
                    effort = road_effort_km(
                        world.params.movement, road["kind"], road["km"], road["river_crossings"]
                    )
                    f = min(1.0, u.progress_km / effort) if effort > 0 else 0.5
                    (x1, y1), (x2, y2) = xy[u.road_from], xy[u.road_to]
                    lon, lat = x1 + (x2 - x1) * f, y1 + (y2 - y1) * f
                    where = f"{u.road_from}>{u.road_to}"
                else:
                    continue
                mu = world.unit(u.id)
                units.append(
                    UnitMark(
                        u.id,
                        str(side),
                        mu.name,
                        short_designation(mu.name),
                        str(mu.echelon),
                        u.present,
                        u.initial_men,
                        lon,
                        lat,
                        where,
                        mu.column,
                    )
                )
                if side == attacker and mu.column is not None:
                    km = world.distance_to_objective(u)
                    best = heads.get(mu.column)
                    if best is None or km < best[0]:
                        heads[mu.column] = (km, lon, lat)
        front = sorted(
            {
                (a, b) if held[a] == str(attacker) else (b, a)
                for a, b in world.tmap.graph.edges
                if held[a] is not None and held[b] is not None and held[a] != held[b]
            }
        )
        out.append(
            DaySituation(
                day=int(record["day"]),
                date=dt.date.fromisoformat(record["date"]),
                weather=str(record.get("weather", "")),
                air_superiority=record.get("air_superiority"),
                sorties={
                    s: int((record.get("air") or {}).get(s, {}).get("sorties", 0)) for s in Side
                },
                men={s: int((record.get("men") or {}).get(s, 0)) for s in Side},
                casualties={
                    s: int((record.get("casualties") or {}).get(s, {}).get("total", 0))
                    for s in Side
                },
                holder=held,
                units=units,
                front=front,
                heads={k: (v[1], v[2]) for k, v in sorted(heads.items())},
                reach=dict(sorted(reach.furthest.items())),
                engagements=list(record.get("engagements") or []),
                events=[e for e in record.get("events") or [] if e.get("kind") != "guerrilla"],
            )
        )

    campaign.callbacks.insert(0, keep)
    replay_to(campaign, log, len(log.days) - 1)
    return campaign.world.scenario, out


def day_of_date(log: TurnLog, text: str, option: str = "--date") -> int:
    """The day number of an ISO date inside the log; a one-line UserError otherwise."""
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{log.path}: {option} {text!r} is not a date (YYYY-MM-DD)") from None
    if not log.days:
        raise UserError(f"{log.path}: the log has no days")
    first = dt.date.fromisoformat(log.days[0]["date"])
    day = (date - first).days
    last = len(log.days) - 1
    if not 0 <= day <= last:
        raise UserError(
            f"{log.path}: {option} {text.strip()} is outside the log, which covers "
            f"{log.days[0]['date']} (day 0) to {log.days[last]['date']} (day {last})"
        )
    return day
