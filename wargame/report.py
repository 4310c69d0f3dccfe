"""What people see: the daily situation, a terminal map, and the end-of-campaign report.

Everything here reads the world, the state and the day records; nothing writes back.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.layout import Layout
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from wargame.formats import printable
from wargame.scenario import Feature, Side
from wargame.state import CampaignState, Status, UnitState
from wargame.world import World

SIDE_STYLE = {Side.JAPANESE: "bold red", Side.CHINESE: "bold blue", None: "dim"}
SIDE_MARK = {Side.JAPANESE: "J", Side.CHINESE: "C", None: "."}
ROAD_MARK = {"highway": "·", "cart_road": "·", "mountain_track": "˙"}
FRONT_MARK, FRONT_STYLE = "x", "bold yellow"
FIGHT_MARK, FIGHT_STYLE = "!", "bold black on yellow"
REACH_MARK, REACH_STYLE = "▲", "bold magenta"
KM_PER_DEG_LAT = 111.2
CELL_ASPECT = 2.0  # a terminal cell is about twice as tall as it is wide

LEGEND = [
    ("J", SIDE_STYLE[Side.JAPANESE], "Japanese-held"),
    ("C", SIDE_STYLE[Side.CHINESE], "Chinese-held"),
    ("j c", "dim", "held, no troops there"),
    ("2", "bold", "units there"),
    ("*", "bold", "on the march"),
    ("@", "bold yellow", "objective"),
    ("·", "grey42", "road"),
    ("˙", "grey42", "mountain track"),
    (FRONT_MARK, FRONT_STYLE, "front"),
    (FIGHT_MARK, FIGHT_STYLE, "fighting today"),
    (REACH_MARK, REACH_STYLE, "furthest point of a column"),
]
"""Every symbol the terminal map draws, with its style and meaning."""


def legend_lines(width: int) -> list[Text]:
    """The map's legend in lines of at most ``width`` cells: each symbol in its own style,
    then what it means."""
    lines: list[Text] = [Text()]
    for mark, style, meaning in LEGEND:
        entry = len(mark) + 1 + len(meaning)
        line = lines[-1]
        if line.cell_len and line.cell_len + 2 + entry > width:
            line = Text()
            lines.append(line)
        elif line.cell_len:
            line.append("  ")
        line.append(mark, style=style)
        line.append(f" {meaning}"[: max(0, width - line.cell_len)], style="dim")
    return lines


def _free(ch: str) -> bool:
    return ch == " " or ch in ROAD_MARK.values()


def road_ends(place: str) -> tuple[str, ...]:
    """The places of an engagement or position: ``"a>b"`` (on the road from a to b) gives
    both ends, a place id itself."""
    return tuple(place.split(">", 1)) if ">" in place else (place,)


@dataclass
class ColumnReach:
    """The furthest point each attacking column has reached so far: the place nearest the
    objective by road (km) that one of its units has stood on, and the date."""

    furthest: dict[str, tuple[float, str, str]] = field(default_factory=dict)

    def update(self, world: World, state: CampaignState, date: str) -> None:
        """Take in the positions at the end of a day."""
        objective = world.scenario.objective
        dist = world.tmap.dist
        for u in state.units_of(objective.attacker):
            col = world.unit(u.id).column
            place = u.location or u.road_from
            if col is None or place is None:
                continue
            km = dist[place][objective.place]
            best = self.furthest.get(col)
            if best is None or km < best[0]:
                self.furthest[col] = (km, place, date)

    def places(self) -> set[str]:
        return {place for _, place, _ in self.furthest.values()}


def fighting_places(record: dict[str, Any] | None) -> tuple[set[str], set[tuple[str, str]]]:
    """Places and roads (sorted end pairs) with an engagement in a day record."""
    places: set[str] = set()
    roads: set[tuple[str, str]] = set()
    for e in (record or {}).get("engagements", []):
        ends = road_ends(str(e["place"]))
        if len(ends) == 2:
            roads.add((min(ends), max(ends)))
        else:
            places.add(ends[0])
    return places, roads


def terminal_map(
    world: World,
    state: CampaignState,
    width: int = 78,
    height: int = 24,
    *,
    record: dict[str, Any] | None = None,
    reach: ColumnReach | None = None,
    legend: bool = True,
) -> Text:
    """Places on their real relative positions, roads, who holds what, units and the front.

    The frame is always ``width`` x ``height`` cells, whatever the day, with the map centred
    in it. North is up and east-west and north-south distances share one scale (a character
    cell counts as twice as tall as wide). See :data:`LEGEND` for the symbols. Every place
    with fighting in ``record`` is named; other names are written where there is room.
    """
    g = world.tmap.graph
    lats = [d["lat"] for _, d in g.nodes(data=True)]
    lons = [d["lon"] for _, d in g.nodes(data=True)]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    km_x = (lon1 - lon0) * KM_PER_DEG_LAT * math.cos(math.radians((lat0 + lat1) / 2))
    km_y = (lat1 - lat0) * KM_PER_DEG_LAT
    cols, rows = max(10, width), max(5, height)
    km_per_row = max(km_y / (rows - 1), CELL_ASPECT * km_x / (cols - 1), 1e-9)
    used_cols = min(cols, round(km_x * CELL_ASPECT / km_per_row) + 1)
    used_rows = min(rows, round(km_y / km_per_row) + 1)
    off_x, off_y = (cols - used_cols) // 2, (rows - used_rows) // 2

    def cell(node: str) -> tuple[int, int]:
        d = g.nodes[node]
        x = 0 if lon1 == lon0 else round((d["lon"] - lon0) / (lon1 - lon0) * (used_cols - 1))
        y = 0 if lat1 == lat0 else round((lat1 - d["lat"]) / (lat1 - lat0) * (used_rows - 1))
        return x + off_x, y + off_y

    grid: list[list[tuple[str, str]]] = [[(" ", "")] * cols for _ in range(rows)]
    fights, fight_roads = fighting_places(record)

    def holder(node: str) -> Side | None:
        return state.occupant(node) or state.control.get(node)

    def road_cells(a: str, b: str) -> list[tuple[int, int]]:
        (x0, y0), (x1, y1) = cell(a), cell(b)
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        return [
            (round(x0 + (x1 - x0) * i / steps), round(y0 + (y1 - y0) * i / steps))
            for i in range(1, steps)
        ]

    for a, b, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
        ha, hb = holder(a), holder(b)
        front = ha is not None and hb is not None and ha != hb
        mark, style = (
            (FRONT_MARK, FRONT_STYLE) if front else (ROAD_MARK.get(str(d["kind"]), "·"), "grey42")
        )
        for x, y in road_cells(a, b):
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
    for a, b in sorted(fight_roads):
        on_road = road_cells(a, b)
        if on_road:
            x, y = on_road[len(on_road) // 2]
            grid[y][x] = (FIGHT_MARK, FIGHT_STYLE)
        fights.update((a, b))
    objective = world.scenario.objective.place
    marks: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()  # cells no label may cover
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
        taken.add((x, y))
        n = counts.get(node, 0)
        if n and x + 1 < cols:
            grid[y][x + 1] = (str(min(n, 9)), style)
            taken.add((x + 1, y))
    for node in sorted(reach.places() if reach else ()):
        x, y = marks[node]
        if x >= 1 and (x - 1, y) not in taken:
            grid[y][x - 1] = (REACH_MARK, REACH_STYLE)
            taken.add((x - 1, y))

    def place_label(node: str, forced: bool) -> None:
        x, y = marks[node]
        label = short_name(printable(str(g.nodes[node]["name"])))
        style = "italic grey70"
        if node in fights:
            label, style = FIGHT_MARK + label, FIGHT_STYLE
        after = x + (3 if counts.get(node) else 2)
        spots = [(after, y), (x - 1 - len(label), y)]
        if forced:  # a place with fighting is named, near it if not beside it
            spots += [
                (start, y + dy)
                for dy in (-1, 1, -2, 2)
                for start in (x - len(label) // 2, after, x - 1 - len(label))
            ]
        for start, row in spots:
            span = range(start - 1, start + len(label) + 1)
            if not (0 <= row < rows and start >= 1 and span.stop <= cols):
                continue
            if all(
                (i, row) not in taken
                and (
                    grid[row][i][0] == " "
                    or ((forced or node == objective) and _free(grid[row][i][0]))
                )
                for i in span
            ):
                for i, ch in enumerate(label):
                    grid[row][start + i] = (ch, style)
                    taken.add((start + i, row))
                return
        if forced:
            unlabelled.append(label[1:])

    unlabelled: list[str] = []
    for node in sorted(fights, key=lambda n: (_label_rank(world, n, objective), n)):
        place_label(node, forced=True)
    for node in sorted(set(g.nodes) - fights, key=lambda n: (_label_rank(world, n, objective), n)):
        place_label(node, forced=False)
    text = Text(no_wrap=True, overflow="crop")
    for row in grid:
        line = Text()
        for style, run in groupby(row, key=lambda cell: cell[1]):
            line.append("".join(ch for ch, _ in run), style=style or None)
        text.append_text(line)
        text.append("\n")
    if legend:  # a line for fighting with no room for its name, kept when empty
        if unlabelled:
            text.append(f"{FIGHT_MARK} also at: " + ", ".join(unlabelled), style=FIGHT_STYLE)
        text.append("\n")
    for line in legend_lines(cols) if legend else []:
        text.append_text(line)
        text.append("\n")
    text.rstrip()
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
    return out or words[0][: limit - 1] + "."


def _label_rank(world: World, node: str, objective: str) -> int:
    if node == objective:
        return 0
    tmap = world.tmap
    if tmap.has(node, Feature.AIRFIELD) or tmap.has(node, Feature.SUPPLY_DEPOT):
        return 1
    return 2 if tmap.has(node, Feature.TOWN) else 3


def place_name(world: World, place: str | None) -> str:
    """The display name of a place id, or of a road ``"a>b"`` (``"A–B road"``); ``"-"`` for
    none. Control characters in names are shown escaped."""
    if place is None:
        return "-"
    nodes = world.tmap.graph.nodes
    ends = road_ends(place)
    names = [printable(str(nodes[p]["name"])) if p in nodes else printable(p) for p in ends]
    return names[0] if len(names) == 1 else f"{names[0]}–{names[1]} road"


def unit_name(world: World, unit_id: str) -> str:
    """The display name of a formation (control characters escaped)."""
    f = world.oob.formations.get(unit_id)
    return printable(f.name if f is not None else unit_id)


def _shown(state: CampaignState, side: Side) -> list[UnitState]:
    return [
        u
        for u in state.units.values()
        if u.side == side and u.status not in (Status.PENDING, Status.UNCOMMITTED)
    ]


def _where(world: World, u: UnitState) -> str:
    if u.status == Status.DESTROYED:
        return "-"
    if u.location:
        return place_name(world, u.location)
    return f"{place_name(world, u.road_from)}→{place_name(world, u.road_to)}"


def units_table(
    world: World, state: CampaignState, side: Side, title: str, *, grouped: bool = False
) -> Table:
    """Each manoeuvre unit's place, strength, supply and mission; ``grouped`` gives one row
    per place (units named together, men summed, the lowest supply)."""
    t = Table(
        title=title,
        title_style=SIDE_STYLE[side],
        box=None,
        pad_edge=False,
        header_style="bold underline",
        title_justify="left",
    )
    for col, wide in (("unit", 22), ("where", 22), ("men", 6), ("supply", 6), ("mission", 13)):
        t.add_column(
            col,
            justify="right" if col in ("men", "supply") else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=wide,
            min_width=min(wide, 6),
        )
    rows: dict[str, list[UnitState]] = {}
    for u in _shown(state, side):
        rows.setdefault(_where(world, u) if grouped else u.id, []).append(u)
    for units in rows.values():
        names = ", ".join(unit_name(world, u.id) for u in units)
        if len(units) > 1:
            names = names.replace(" Division", " Div.")
        missions = sorted(
            {str(u.status) if u.status != Status.ACTIVE else str(u.mission) for u in units}
        )
        t.add_row(
            names,
            _where(world, units[0]),
            f"{sum(u.present for u in units):,}",
            f"{min(u.supply_state for u in units):.0%}",
            "/".join(missions),
        )
    return t


def day_label(world: World, day: int) -> str:
    """How every screen and message names a day: ``D+19 (1945-04-25)``; D+0 is the start
    date, the scenario's arrival days and ``--day`` count the same way."""
    return f"D+{day} ({world.date(day).isoformat()})"


def day_header(world: World, state: CampaignState, record: dict[str, Any]) -> Text:
    """Date, day, weather and the air balance of one day, on one line."""
    air = record.get("air", {})
    sup = record.get("air_superiority")
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"{record['date']}  D+{record['day']}/{world.scenario.days - 1}  ", style="bold")
    t.append(f"{str(record.get('weather', '?')).replace('_', ' ')}  ", style="bold cyan")
    t.append(f"air: {sup + ' superiority' if sup else 'contested'}  ", style="bold")
    t.append("sorties ")
    t.append(f"CN {air.get('chinese', {}).get('sorties', 0)}", style=SIDE_STYLE[Side.CHINESE])
    t.append(" ")
    t.append(f"JP {air.get('japanese', {}).get('sorties', 0)}", style=SIDE_STYLE[Side.JAPANESE])
    return t


def engagements_table(world: World, record: dict[str, Any]) -> Table:
    """The day's engagements: where, who attacked, odds, losses, result."""
    t = Table(
        title="Engagements today",
        box=None,
        pad_edge=False,
        header_style="bold underline",
        title_justify="left",
    )
    t.add_column("place", no_wrap=True, overflow="ellipsis", max_width=22, min_width=8)
    t.add_column("attackers", no_wrap=True, overflow="ellipsis", max_width=18, min_width=8)
    for col in ("odds", "A loss", "D loss"):
        t.add_column(col, no_wrap=True, justify="right", min_width=len(col))
    t.add_column("result", no_wrap=True, overflow="ellipsis", max_width=18)
    t.add_column("ambush", no_wrap=True, min_width=6)
    for e in record.get("engagements", []):
        names = ", ".join(unit_name(world, a) for a in e["attackers"])
        t.add_row(
            place_name(world, e["place"]),
            names,
            f"{e['ratio']:.2f}",
            f"{e['att_losses']:,}",
            f"{e['def_losses']:,}",
            e["outcome"].replace("_", " "),
            "yes" if e["surprise"] > 1 else "",
        )
    return t


def _short_date(iso: str) -> str:
    """``1945-05-07`` as ``7 May``."""
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%b')}"


def front_line(world: World, state: CampaignState) -> Text:
    """The front as it stands: each attacker-held place with a road to a defender-held one."""
    attacker = world.scenario.objective.attacker
    g = world.tmap.graph

    def holder(node: str) -> Side | None:
        return state.occupant(node) or state.control.get(node)

    pairs = sorted(
        {
            (a, b) if holder(a) == attacker else (b, a)
            for a, b in g.edges
            if holder(a) is not None and holder(b) is not None and holder(a) != holder(b)
        }
    )
    t = Text(no_wrap=False)
    t.append("Front ", style="bold")
    if not pairs:
        t.append("none: no road joins places held by the two sides", style="dim")
    for i, (a, b) in enumerate(pairs):
        t.append("; " if i else "")
        t.append(place_name(world, a), style=SIDE_STYLE[holder(a)])
        t.append(f" {FRONT_MARK} ", style=FRONT_STYLE)
        t.append(place_name(world, b), style=SIDE_STYLE[holder(b)])
    return t


def columns_table(world: World, state: CampaignState, reach: ColumnReach | None) -> Table:
    """Each attacking column: its units' men, where its head is and its furthest point."""
    attacker = world.scenario.objective.attacker
    objective = world.scenario.objective.place
    t = Table(
        title=f"{str(attacker).capitalize()} columns",
        box=None,
        pad_edge=False,
        header_style="bold underline",
        title_justify="left",
        title_style=SIDE_STYLE[attacker],
    )
    t.add_column("column", no_wrap=True, overflow="ellipsis", max_width=10)
    t.add_column("men", justify="right", no_wrap=True, min_width=6)
    t.add_column("head now", no_wrap=True, overflow="ellipsis", max_width=26)
    t.add_column(f"{REACH_MARK} furthest", no_wrap=True, overflow="ellipsis", max_width=26)
    for name in world.side_config(attacker).columns:
        units = [u for u in state.units_of(attacker) if world.unit(u.id).column == name]
        head = min(units, key=world.distance_to_objective, default=None)
        now = (
            "-"
            if head is None
            else (f"{_where(world, head)} {world.distance_to_objective(head):.0f} km")
        )
        best = reach.furthest.get(name) if reach else None
        far = (
            "-"
            if best is None
            else (
                f"{short_name(place_name(world, best[1]))} {best[0]:.0f} km {_short_date(best[2])}"
            )
        )
        t.add_row(printable(name), f"{sum(u.present for u in units):,}", now, far)
    t.caption = f"km: by road to {place_name(world, objective)}"
    t.caption_justify = "left"
    return t


def situation(
    world: World,
    state: CampaignState,
    record: dict[str, Any] | None,
    width: int = 78,
    height: int | None = None,
    progress: RenderableType | None = None,
    reach: ColumnReach | None = None,
) -> RenderableType:
    """The whole picture for one day: header, map with legend, columns, front, engagements,
    units and events.

    With ``height`` (terminal rows) it is a screen of exactly ``width`` x ``height``: the
    header on top, the map in a frame whose size depends only on the terminal's size, and
    the tables cropped at the bottom. Without it, everything is printed in full.
    """
    events = [e for e in (record or {}).get("events", []) if e["kind"] != "guerrilla"]
    fights = bool((record or {}).get("engagements"))
    head: list[RenderableType] = []
    if record is not None:
        head.append(day_header(world, state, record))
    if progress is not None:
        head.append(progress)
    wide = width >= 120
    info: list[RenderableType] = [columns_table(world, state, reach), front_line(world, state)]
    if fights:
        info.append(engagements_table(world, record or {}))
    info.extend(Text(f"• {printable(e['text'])}", overflow="ellipsis") for e in events)
    tables = [
        units_table(world, state, side, str(side).capitalize(), grouped=height is not None)
        for side in Side
    ]
    if height is None:
        map_w = max(40, min(width - 4, 120))
        map_h = round(map_w / _aspect(world))
    elif wide:
        map_h = max(8, height - len(head) - 3 - len(legend_lines(width - SIDE_COLS - 4)))
        map_w = min(width - SIDE_COLS - 4, max(40, round(map_h * _aspect(world))))
        map_h = height - len(head) - 3 - len(legend_lines(map_w))
    else:
        map_w = width - 4
        map_h = max(
            8,
            min(
                height - len(head) - 3 - len(legend_lines(map_w)) - 6, round(map_w / _aspect(world))
            ),
        )
    legend_rows = 1 + len(legend_lines(map_w))
    frame = Panel(
        terminal_map(world, state, width=map_w, height=map_h, record=record, reach=reach),
        title=printable(world.scenario.meta.name),
        border_style="grey50",
        expand=False,
        width=map_w + 4,
    )
    if height is None:
        return Group(*head, frame, *info, *tables)
    body = Layout(name="body")
    root = Layout()
    root.split_column(Layout(Group(*head), size=len(head)), body)
    side = Group(*info, *tables)
    if wide:
        body.split_row(Layout(frame, size=map_w + 4), Layout(side))
    else:
        body.split_column(Layout(frame, size=map_h + 2 + legend_rows), Layout(side))
    return _Sized(root, height)


SIDE_COLS = 76
"""Columns kept for the tables beside the map on a wide terminal."""


def _aspect(world: World) -> float:
    """Map columns per row that keep east-west and north-south on one scale."""
    g = world.tmap.graph
    lats = [d["lat"] for _, d in g.nodes(data=True)]
    lons = [d["lon"] for _, d in g.nodes(data=True)]
    km_x = (
        (max(lons) - min(lons))
        * KM_PER_DEG_LAT
        * math.cos(math.radians((max(lats) + min(lats)) / 2))
    )
    km_y = max(1e-9, (max(lats) - min(lats)) * KM_PER_DEG_LAT)
    return max(0.5, min(4.0, CELL_ASPECT * km_x / km_y))


class _Sized:
    """A renderable drawn at exactly ``height`` rows (a Layout otherwise takes the whole
    terminal, one row more than a live display can show without scrolling)."""

    def __init__(self, renderable: RenderableType, height: int) -> None:
        self.renderable, self.height = renderable, height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.renderable, options.update(height=self.height))


def event_line(record: dict[str, Any]) -> str:
    """One plain line per day for pipes and files."""
    events = "; ".join(
        printable(e["text"]) for e in record.get("events", []) if e["kind"] != "guerrilla"
    )
    fights = len(record.get("engagements", []))
    return (
        f"{record['date']} {record.get('weather', ''):<10} "
        f"air:{record.get('air_superiority') or 'contested':<9} "
        f"engagements:{fights:<2} {events}"
    ).rstrip()


def casualty_table(summary: dict[str, Any]) -> Table:
    """Casualties by side and category (killed, wounded, captured, disease)."""
    t = Table(title="Casualties by side and category")
    t.add_column("side")
    for c in ("killed", "wounded", "captured", "disease", "total"):
        t.add_column(c, justify="right")
    for side in ("japanese", "chinese"):
        c = summary["casualties"][side]
        t.add_row(
            side, *(f"{c[k]:,}" for k in ("killed", "wounded", "captured", "disease", "total"))
        )
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


def changes_of_hands(
    world: World, records: list[dict[str, Any]], summary: dict[str, Any]
) -> list[tuple[str, str, str, str]]:
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


def final_report(
    world: World,
    summary: dict[str, Any],
    records: list[dict[str, Any]] | None = None,
    rerun: str | None = None,
) -> Group:
    """The end-of-campaign report; ``rerun`` is the command line that plays it again."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    obj = place_name(world, world.scenario.objective.place)
    head.add_row("Scenario", f"{printable(summary['scenario'])} (seed {summary['seed']})")
    if rerun:
        head.add_row("Play it again", rerun)
    head.add_row(
        "Period", f"{summary['start_date']} – {summary['end_date']} ({summary['days']} days)"
    )
    head.add_row("Outcome", summary["outcome"].replace("_", " "))
    fell = summary["zhijiang_captured"]
    head.add_row(obj, f"captured on {summary['zhijiang_captured_date']}" if fell else "held")
    head.add_row(
        "Closest approach",
        f"{summary['closest_approach_km']} km by road, on {summary['closest_approach_date']}",
    )
    head.add_row(
        "Offensive culminated",
        str(summary.get("offensive_culminated_date") or "no")
        + " (the day the attacker's staff stopped attacking)",
    )
    head.add_row("Counteroffensive", str(summary.get("counteroffensive_date") or "no"))
    head.add_row(
        "Japanese back on start line", "yes" if summary["japanese_at_start_line_by_end"] else "no"
    )
    head.add_row(
        "Sorties",
        f"Chinese/US {summary['sorties']['chinese']:,}, "
        f"Japanese {summary['sorties']['japanese']:,}",
    )
    parts: list[Any] = [
        Panel(head, title="End of campaign", border_style="bold", expand=False),
        casualty_table(summary),
    ]
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
            ev.add_row(date, printable(text))
        parts.append(ev)
        ambushes = sum(1 for r in records for e in r.get("events", []) if e["kind"] == "ambush")
        parts.append(Text(f"Ambushes sprung: {ambushes}"))
    return Group(*parts)
