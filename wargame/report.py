"""What people see: the daily situation, a terminal map, and the end-of-campaign report.

Everything here reads the world, the state and the day records; nothing writes back.
"""

from __future__ import annotations

import math
from itertools import groupby
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from wargame.scenario import Feature, Side
from wargame.state import CampaignState, Status, UnitState
from wargame.world import World

SIDE_STYLE = {Side.JAPANESE: "bold red", Side.CHINESE: "bold blue", None: "dim"}
SIDE_MARK = {Side.JAPANESE: "J", Side.CHINESE: "C", None: "."}
ROAD_MARK = {"highway": "·", "cart_road": "·", "mountain_track": "˙"}
FRONT_MARK, FRONT_STYLE = "x", "bold yellow"
KM_PER_DEG_LAT = 111.2
CELL_ASPECT = 2.0        # a terminal cell is about twice as tall as it is wide


def _free(ch: str) -> bool:
    return ch == " " or ch in ROAD_MARK.values()


def terminal_map(world: World, state: CampaignState, width: int = 78,
                 height: int = 24) -> Text:
    """Places on their real relative positions, roads, who holds what, units and the front.

    North is up and east-west and north-south distances share one scale (a character cell
    counts as twice as tall as wide). A letter is a place held by that side (capital with
    troops there, lower case without), ``@`` the objective, a digit the number of units
    there, ``*`` a column on the march, dots roads and ``x`` a road between places held by
    opposing sides (the front line). Place names are written where there is room.
    """
    g = world.tmap.graph
    lats = [d["lat"] for _, d in g.nodes(data=True)]
    lons = [d["lon"] for _, d in g.nodes(data=True)]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    km_x = (lon1 - lon0) * KM_PER_DEG_LAT * math.cos(math.radians((lat0 + lat1) / 2))
    km_y = (lat1 - lat0) * KM_PER_DEG_LAT
    cols, rows = max(10, width - 2), max(5, height)
    km_per_row = max(km_y / (rows - 1), CELL_ASPECT * km_x / (cols - 1), 1e-9)
    used_cols = min(cols, round(km_x * CELL_ASPECT / km_per_row) + 1)
    used_rows = min(rows, round(km_y / km_per_row) + 1)

    def cell(node: str) -> tuple[int, int]:
        d = g.nodes[node]
        x = 0 if lon1 == lon0 else round((d["lon"] - lon0) / (lon1 - lon0) * (used_cols - 1))
        y = 0 if lat1 == lat0 else round((lat1 - d["lat"]) / (lat1 - lat0) * (used_rows - 1))
        return x, y

    grid: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(used_rows)]

    def holder(node: str) -> Side | None:
        return state.occupant(node) or state.control.get(node)

    for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        (x0, y0), (x1, y1) = cell(a), cell(b)
        ha, hb = holder(a), holder(b)
        front = ha is not None and hb is not None and ha != hb
        mark, style = (FRONT_MARK, FRONT_STYLE) if front else (
            ROAD_MARK.get(str(d["kind"]), "·"), "grey42")
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(1, steps):
            x = round(x0 + (x1 - x0) * i / steps)
            y = round(y0 + (y1 - y0) * i / steps)
            if front or grid[y][x][0] != FRONT_MARK:
                grid[y][x] = (mark, style)
    counts: dict[str, int] = {}
    for u in state.units.values():
        if not u.on_map:
            continue
        if u.location is not None:
            counts[u.location] = counts.get(u.location, 0) + 1
        elif u.road_from is not None and u.road_to is not None:
            (x0, y0), (x1, y1) = cell(u.road_from), cell(u.road_to)
            f = min(1.0, u.progress_km / max(1e-9, g.edges[u.road_from, u.road_to]["km"]))
            f = min(max(f, 0.2), 0.8)
            grid[round(y0 + (y1 - y0) * f)][round(x0 + (x1 - x0) * f)] = ("*", SIDE_STYLE[u.side])
    objective = world.scenario.objective.place
    marks: dict[str, tuple[int, int]] = {}
    for node in sorted(g.nodes):
        x, y = cell(node)
        side = state.control.get(node)
        style = SIDE_STYLE[side]
        mark = SIDE_MARK[side]
        if state.occupant(node) is None:
            mark = mark.lower()
        if node == objective:
            mark, style = "@", "bold yellow" if side != Side.JAPANESE else "bold red"
        grid[y][x] = (mark, style)
        marks[node] = (x, y)
        n = counts.get(node, 0)
        if n and x + 1 < width:
            grid[y][x + 1] = (str(min(n, 9)), style)
    for node in sorted(g.nodes, key=lambda n: (_label_rank(world, n, objective), n)):
        x, y = marks[node]
        label = short_name(str(g.nodes[node]["name"]))
        after = x + (3 if counts.get(node) else 2)
        for start in (after, x - 1 - len(label)):
            span = range(start - 1, start + len(label) + 1)
            if start >= 1 and span.stop <= width and all(
                    grid[y][i][0] == " " or (node == objective and _free(grid[y][i][0]))
                    for i in span):
                for i, ch in enumerate(label):
                    grid[y][start + i] = (ch, "italic grey70")
                break
    text = Text(no_wrap=True, overflow="crop")
    for row in grid:
        line = Text()
        for style, run in groupby(row, key=lambda cell: cell[1]):
            line.append("".join(ch for ch, _ in run), style=style or None)
        line.rstrip()
        text.append_text(line)
        text.append("\n")
    text.append("J/C Japanese/Chinese-held (capital: troops there, digit: units)\n"
                "* column on the march  @ objective  · road  x front line", style="dim")
    return text


def short_name(name: str, limit: int = 14) -> str:
    """A place name for the map: without its bracketed alias, whole words up to ``limit``
    characters (a single long word is cut with a dot)."""
    words = name.split(" (")[0].split()
    out = ""
    for w in words:
        if len(out) + len(w) + (1 if out else 0) > limit:
            break
        out = f"{out} {w}" if out else w
    return out or words[0][:limit - 1] + "."


def _label_rank(world: World, node: str, objective: str) -> int:
    if node == objective:
        return 0
    tmap = world.tmap
    if tmap.has(node, Feature.AIRFIELD) or tmap.has(node, Feature.SUPPLY_DEPOT):
        return 1
    return 2 if tmap.has(node, Feature.TOWN) else 3


def place_name(world: World, place: str | None) -> str:
    """The display name of a place id ("-" for none)."""
    if place is None:
        return "-"
    return str(world.tmap.graph.nodes[place]["name"])


def _shown(state: CampaignState, side: Side) -> list[UnitState]:
    return [u for u in state.units.values()
            if u.side == side and u.status not in (Status.PENDING, Status.UNCOMMITTED)]


def _where(world: World, u: UnitState) -> str:
    if u.status == Status.DESTROYED:
        return "-"
    if u.location:
        return place_name(world, u.location)
    return f"{place_name(world, u.road_from)}→{place_name(world, u.road_to)}"


def units_table(world: World, state: CampaignState, side: Side, title: str, *,
                grouped: bool = False) -> Table:
    """Each manoeuvre unit's place, strength, supply and mission; ``grouped`` gives one row
    per place (units named together, men summed, the lowest supply)."""
    t = Table(title=title, title_style=SIDE_STYLE[side], box=None, pad_edge=False,
              header_style="bold underline")
    for col, wide in (("unit", 22), ("where", 22), ("men", 7), ("supply", 6),
                      ("mission", 13)):
        t.add_column(col, justify="right" if col in ("men", "supply") else "left",
                     no_wrap=True, overflow="ellipsis", max_width=wide)
    rows: dict[str, list[UnitState]] = {}
    for u in _shown(state, side):
        rows.setdefault(_where(world, u) if grouped else u.id, []).append(u)
    for units in rows.values():
        names = ", ".join(world.unit(u.id).name for u in units)
        if len(units) > 1:
            names = names.replace(" Division", " Div.")
        missions = sorted({str(u.status) if u.status != Status.ACTIVE else str(u.mission)
                           for u in units})
        t.add_row(names, _where(world, units[0]), f"{sum(u.present for u in units):,}",
                  f"{min(u.supply_state for u in units):.0%}", "/".join(missions))
    return t


def day_header(world: World, state: CampaignState, record: dict[str, Any]) -> Text:
    """Date, weather and the air balance of one day."""
    air = record.get("air", {})
    sup = record.get("air_superiority")
    t = Text()
    t.append(f"{record['date']}  day {record['day'] + 1}/{world.scenario.days}  ", style="bold")
    t.append(f"{str(record.get('weather', '?')).replace('_', ' ')}  ")
    t.append("sorties ")
    t.append(f"CN {air.get('chinese', {}).get('sorties', 0)}", style=SIDE_STYLE[Side.CHINESE])
    t.append(" / ")
    t.append(f"JP {air.get('japanese', {}).get('sorties', 0)}", style=SIDE_STYLE[Side.JAPANESE])
    t.append(f"  air: {sup + ' superiority' if sup else 'contested'}")
    return t


def engagements_table(world: World, record: dict[str, Any]) -> Table:
    """The day's engagements: where, who attacked, odds, losses, result."""
    t = Table(title="Engagements today", box=None, pad_edge=False,
              header_style="bold underline")
    t.add_column("place", no_wrap=True, overflow="ellipsis", max_width=14)
    t.add_column("attackers", no_wrap=True, overflow="ellipsis", max_width=18)
    for col in ("odds", "A loss", "D loss"):
        t.add_column(col, no_wrap=True, justify="right")
    t.add_column("result", no_wrap=True, overflow="ellipsis", max_width=18)
    t.add_column("ambush", no_wrap=True)
    for e in record.get("engagements", []):
        names = ", ".join(world.unit(a).name for a in e["attackers"])
        t.add_row(short_name(place_name(world, e["place"]), 14), names, f"{e['ratio']:.2f}",
                  f"{e['att_losses']:,}", f"{e['def_losses']:,}",
                  e["outcome"].replace("_", " "), "yes" if e["surprise"] > 1 else "")
    return t


def situation(world: World, state: CampaignState, record: dict[str, Any] | None,
              width: int = 78, height: int | None = None,
              progress: RenderableType | None = None) -> Group:
    """The whole picture for one day: header, progress, map, units, engagements, events.

    With ``height`` (terminal rows) the map shrinks so that the rest still fits.
    """
    parts: list[Any] = []
    if record is not None:
        parts.append(day_header(world, state, record))
    if progress is not None:
        parts.append(progress)
    side_by_side = width >= 150
    events = [e for e in (record or {}).get("events", []) if e["kind"] != "guerrilla"]
    fights = len((record or {}).get("engagements", []))
    other = len(parts) + (fights + 2 if fights else 0) + len(events) + 4

    def table_rows(grouped: bool) -> int:
        counts = [len({_where(world, u) if grouped else u.id for u in _shown(state, side)}) + 2
                  for side in Side]
        return max(counts) if side_by_side else sum(counts)

    grouped = height is not None and height - other - table_rows(False) < 12
    map_rows = 24 if height is None else max(8, min(30, height - other - table_rows(grouped)))
    tables = [units_table(world, state, Side.JAPANESE, "Japanese", grouped=grouped),
              units_table(world, state, Side.CHINESE, "Chinese", grouped=grouped)]
    parts.append(Panel(terminal_map(world, state, width=max(40, min(width - 4, 120)),
                                    height=map_rows),
                       title=world.scenario.meta.name, border_style="grey50", expand=False))
    if side_by_side:
        grid = Table.grid(padding=(0, 4))
        grid.add_row(*tables)
        parts.append(grid)
    else:
        parts.extend(tables)
    if fights:
        parts.append(engagements_table(world, record or {}))
    parts.extend(Text(f"• {e['text']}") for e in events)
    return Group(*parts)


def event_line(record: dict[str, Any]) -> str:
    """One plain line per day for pipes and files."""
    events = "; ".join(e["text"] for e in record.get("events", []) if e["kind"] != "guerrilla")
    fights = len(record.get("engagements", []))
    return (f"{record['date']} {record.get('weather', ''):<10} "
            f"air:{record.get('air_superiority') or 'contested':<9} "
            f"engagements:{fights:<2} {events}").rstrip()


def casualty_table(summary: dict[str, Any]) -> Table:
    """Casualties by side and category (killed, wounded, captured, disease)."""
    t = Table(title="Casualties by side and category")
    t.add_column("side")
    for c in ("killed", "wounded", "captured", "disease", "total"):
        t.add_column(c, justify="right")
    for side in ("japanese", "chinese"):
        c = summary["casualties"][side]
        t.add_row(side, *(f"{c[k]:,}" for k in ("killed", "wounded", "captured", "disease",
                                                  "total")))
    return t


KEY_EVENTS = ("arrival", "objective", "decision", "destroyed")


def key_events(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(date, text) of the events worth a line in the final report, in order.

    Arrivals (the airlift), towns taken, the objective, ambushes (one line per place and
    day), culmination, counteroffensive and units destroyed.
    """
    out: list[tuple[str, str]] = []
    for r in records:
        ambushed: dict[str, list[str]] = {}
        for e in r.get("events", []):
            if e["kind"] == "ambush":
                ambushed.setdefault(str(e.get("place")), []).append(e["text"])
            elif e["kind"] in KEY_EVENTS or e["kind"] == "control":
                out.append((r["date"], e["text"]))
        for texts in ambushed.values():
            out.append((r["date"], "; ".join(texts)))
    return out


def changes_of_hands(world: World, records: list[dict[str, Any]],
                     summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(place, holder at the start, who took it when, holder at the end) for every place
    that changed hands during the campaign."""
    from wargame.engine import initial_state

    start = {p: str(s) for p, s in initial_state(world).control.items()}
    end = {p: side for side, places in summary["control"].items() for p in places}
    taken: dict[str, list[str]] = {}
    for r in records:
        for e in r.get("events", []):
            if e["kind"] == "control" and e.get("place"):
                taken.setdefault(e["place"], []).append(f"{e.get('side', '?')} {r['date']}")
    out = []
    for place in sorted(set(start) | set(end) | set(taken)):
        a, b = start.get(place, "-"), end.get(place, "-")
        if a != b or place in taken:
            out.append((place_name(world, place), a, ", ".join(taken.get(place, [])) or "-", b))
    return out


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
    records = records or []
    changed = changes_of_hands(world, records, summary)
    hands = Table(title="Places that changed hands", show_edge=False)
    for col in ("place", "at the start", "taken by", "at the end"):
        hands.add_column(col)
    for row in changed:
        hands.add_row(*row)
    parts.append(hands if changed else Text("No place changed hands."))
    if records:
        ev = Table(title="Key events", show_edge=False)
        ev.add_column("date", no_wrap=True)
        ev.add_column("event")
        for date, text in key_events(records):
            ev.add_row(date, text)
        parts.append(ev)
        ambushes = sum(1 for r in records for e in r.get("events", []) if e["kind"] == "ambush")
        parts.append(Text(f"Ambushes sprung: {ambushes}"))
    return Group(*parts)


def airfields(world: World) -> list[str]:
    """Ids of the places with an airfield, sorted."""
    return [n for n in sorted(world.tmap.graph.nodes) if world.tmap.has(n, Feature.AIRFIELD)]
