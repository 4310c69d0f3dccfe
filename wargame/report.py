"""What people see: the daily situation, a terminal map, and the end-of-campaign report.

Everything here reads the world, the state and the day records; nothing writes back.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from wargame.scenario import Feature, Side
from wargame.state import CampaignState, Status
from wargame.world import World

SIDE_STYLE = {Side.JAPANESE: "bold red", Side.CHINESE: "bold blue", None: "dim"}
SIDE_MARK = {Side.JAPANESE: "J", Side.CHINESE: "C", None: "."}
ROAD_MARK = {"highway": "·", "cart_road": "·", "mountain_track": "˙"}


def terminal_map(world: World, state: CampaignState, width: int = 78, height: int = 24) -> Text:
    """Places on their real relative positions, roads, who holds what, where the units are.

    A letter is a place held by that side (capital with units there, lower case without);
    ``@`` marks the objective; dots are roads. Unit counts follow the letter.
    """
    g = world.tmap.graph
    lats = [d["lat"] for _, d in g.nodes(data=True)]
    lons = [d["lon"] for _, d in g.nodes(data=True)]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)

    def cell(node: str) -> tuple[int, int]:
        d = g.nodes[node]
        x = 0 if lon1 == lon0 else round((d["lon"] - lon0) / (lon1 - lon0) * (width - 4))
        y = 0 if lat1 == lat0 else round((lat1 - d["lat"]) / (lat1 - lat0) * (height - 1))
        return x, y

    grid: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(height)]
    for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        (x0, y0), (x1, y1) = cell(a), cell(b)
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(1, steps):
            x = round(x0 + (x1 - x0) * i / steps)
            y = round(y0 + (y1 - y0) * i / steps)
            grid[y][x] = (ROAD_MARK.get(str(d["kind"]), "·"), "grey42")
    counts: dict[str, int] = {}
    for u in state.units.values():
        if not u.on_map:
            continue
        if u.location is not None:
            counts[u.location] = counts.get(u.location, 0) + 1
        elif u.road_from is not None and u.road_to is not None:
            # a column on the march: a star part-way along its road
            (x0, y0), (x1, y1) = cell(u.road_from), cell(u.road_to)
            f = min(1.0, u.progress_km / max(1e-9, g.edges[u.road_from, u.road_to]["km"]))
            f = min(max(f, 0.2), 0.8)
            grid[round(y0 + (y1 - y0) * f)][round(x0 + (x1 - x0) * f)] = ("*", SIDE_STYLE[u.side])
    objective = world.scenario.objective.place
    for node in sorted(g.nodes):
        x, y = cell(node)
        holder = state.control.get(node)
        style = SIDE_STYLE[holder]
        mark = SIDE_MARK[holder]
        if state.occupant(node) is None:
            mark = mark.lower()
        if node == objective:
            mark, style = "@", "bold yellow" if holder != Side.JAPANESE else "bold red"
        grid[y][x] = (mark, style)
        n = counts.get(node, 0)
        if n and x + 1 < width:
            grid[y][x + 1] = (str(min(n, 9)), style)
    text = Text()
    for row in grid:
        for ch, style in row:
            text.append(ch, style=style or None)
        text.append("\n")
    text.append("J/C Japanese/Chinese-held (capital: troops there, digit: units)  "
                "* column on the march  @ objective  · road", style="dim")
    return text


def units_table(world: World, state: CampaignState, side: Side, title: str) -> Table:
    """Each manoeuvre unit's place, strength, supply and mission."""
    t = Table(title=title, title_style=SIDE_STYLE[side], expand=False, show_edge=False,
              pad_edge=False)
    for col in ("unit", "where", "men", "supply", "mission"):
        t.add_column(col, justify="right" if col in ("men", "supply") else "left",
                     no_wrap=True)
    for u in state.units.values():
        if u.side != side or u.status in (Status.PENDING, Status.UNCOMMITTED):
            continue
        unit = world.unit(u.id)
        where = "-" if u.status == Status.DESTROYED else (
            place_name(world, u.location) if u.location
            else f"{place_name(world, u.road_from)}→{place_name(world, u.road_to)}")
        supply = f"{u.supply_state:.0%}"
        t.add_row(unit.name[:28], where[:30], f"{u.present:,}", supply,
                  str(u.status) if u.status != Status.ACTIVE else str(u.mission))
    return t


def place_name(world: World, place: str | None) -> str:
    if place is None:
        return "-"
    return world.tmap.graph.nodes[place]["name"]


def day_header(world: World, state: CampaignState, record: dict[str, Any]) -> Text:
    air = record.get("air", {})
    sup = record.get("air_superiority")
    t = Text()
    t.append(f"{record['date']}  day {record['day'] + 1}/{world.scenario.days}  ", style="bold")
    t.append(f"weather: {record.get('weather', '?').replace('_', ' ')}  ")
    t.append("air: ")
    t.append(f"CN {air.get('chinese', {}).get('sorties', 0)} ", style=SIDE_STYLE[Side.CHINESE])
    t.append(f"JP {air.get('japanese', {}).get('sorties', 0)} sorties", style=SIDE_STYLE[
        Side.JAPANESE])
    t.append(f"  superiority: {sup or 'contested'}")
    return t


def engagements_table(world: World, record: dict[str, Any]) -> Table:
    t = Table(title="Engagements today", show_edge=False, pad_edge=False)
    for col in ("place", "attackers", "ratio", "att loss", "def loss", "result"):
        t.add_column(col, no_wrap=True)
    for e in record.get("engagements", []):
        names = ", ".join(world.unit(a).name for a in e["attackers"])[:34]
        t.add_row(place_name(world, e["place"]), names, f"{e['ratio']:.2f}",
                  f"{e['att_losses']:,}", f"{e['def_losses']:,}",
                  e["outcome"].replace("_", " ") + (" (ambush)" if e["surprise"] > 1 else ""))
    return t


def situation(world: World, state: CampaignState, record: dict[str, Any] | None,
              width: int = 78) -> Group:
    """The whole picture for one day: header, map, units, engagements, events."""
    parts: list[Any] = []
    if record is not None:
        parts.append(day_header(world, state, record))
    parts.append(Panel(terminal_map(world, state, width=max(40, min(width - 4, 110))),
                       title=world.scenario.meta.name,
                       border_style="grey50"))
    parts.append(units_table(world, state, Side.JAPANESE, "Japanese columns"))
    parts.append(units_table(world, state, Side.CHINESE, "Chinese divisions"))
    if record is not None:
        if record.get("engagements"):
            parts.append(engagements_table(world, record))
        for e in record.get("events", []):
            parts.append(Text(f"• {e['text']}"))
    return Group(*parts)


def event_line(record: dict[str, Any]) -> str:
    """One plain line per day for pipes and files."""
    events = "; ".join(e["text"] for e in record.get("events", []) if e["kind"] != "guerrilla")
    fights = len(record.get("engagements", []))
    return (f"{record['date']} {record.get('weather', ''):<10} "
            f"air:{record.get('air_superiority') or 'contested':<9} "
            f"engagements:{fights:<2} {events}").rstrip()


def casualty_table(summary: dict[str, Any]) -> Table:
    t = Table(title="Casualties by side and category")
    t.add_column("side")
    for c in ("killed", "wounded", "captured", "disease", "total"):
        t.add_column(c, justify="right")
    for side in ("japanese", "chinese"):
        c = summary["casualties"][side]
        t.add_row(side, *(f"{c[k]:,}" for k in ("killed", "wounded", "captured", "disease",
                                                  "total")))
    return t


KEY_EVENTS = ("arrival", "control", "ambush", "decision", "objective", "destroyed")


def final_report(world: World, summary: dict[str, Any],
                 records: list[dict[str, Any]] | None = None) -> Group:
    """The end-of-campaign report."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    obj = place_name(world, world.scenario.objective.place)
    head.add_row("Scenario", f"{summary['scenario']} (seed {summary['seed']})")
    head.add_row("Period", f"{summary['start_date']} – {summary['end_date']} "
                 f"({summary['days']} days)")
    head.add_row("Outcome", summary["outcome"].replace("_", " "))
    fell = summary["zhijiang_captured"]
    head.add_row(obj, f"captured on {summary['zhijiang_captured_date']}" if fell else "held")
    head.add_row("Closest approach", f"{summary['closest_approach_km']} km by road, on "
                 f"{summary['culmination_date']}")
    head.add_row("Offensive culminated", str(summary.get("offensive_culminated_date") or "no"))
    head.add_row("Counteroffensive", str(summary.get("counteroffensive_date") or "no"))
    head.add_row("Japanese back on start line", "yes" if summary[
        "japanese_at_start_line_by_end"] else "no")
    head.add_row("Sorties", f"Chinese/US {summary['sorties']['chinese']:,}, "
                 f"Japanese {summary['sorties']['japanese']:,}")
    parts: list[Any] = [Panel(head, title="End of campaign", border_style="bold"),
                        casualty_table(summary)]
    held = Table(title="Who holds what", show_edge=False)
    held.add_column("side")
    held.add_column("places")
    for side in ("japanese", "chinese"):
        held.add_row(side, ", ".join(place_name(world, p) for p in summary["control"][side]))
    parts.append(held)
    if records:
        ev = Table(title="Key events", show_edge=False)
        ev.add_column("date", no_wrap=True)
        ev.add_column("event")
        ambushes = 0
        for r in records:
            for e in r.get("events", []):
                if e["kind"] == "ambush":
                    ambushes += 1
                if e["kind"] in KEY_EVENTS and e["kind"] != "ambush":
                    ev.add_row(r["date"], e["text"])
        parts.append(ev)
        parts.append(Text(f"Ambushes sprung: {ambushes}"))
    return Group(*parts)


def airfields(world: World) -> list[str]:
    return [n for n in sorted(world.tmap.graph.nodes) if world.tmap.has(n, Feature.AIRFIELD)]
