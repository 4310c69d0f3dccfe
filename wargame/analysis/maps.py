"""Campaign maps in the style of a campaign history (optional extra ``plot``).

The situation on a day (:func:`situation_map`), the fronts on several days in one picture
(:func:`fronts_map`) and one frame per day as an animated GIF (:func:`campaign_animation`).
Each map has the relief of the scenario's ``[[ridges]]`` over the places' ``elevation_m``,
the ``[[rivers]]`` and the points where roads cross them, the roads by class, each side's
units as NATO-style counters (side colour, echelon mark, size by strength), the areas each
side holds and the front between them, the attacking columns' advance and furthest point,
a scale bar, a north arrow and place labels placed so that they do not collide.

Coordinates: the axes are longitude and latitude in degrees; distances are km on the sphere
(equirectangular, at the map's mean latitude). matplotlib is imported inside the functions,
so importing this module needs only numpy. Everything is drawn on fixed axes (no layout
engine), so the same input gives the same bytes: PNG without software metadata, SVG with a
fixed hash salt and no date, GIF frames from the same pixels.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wargame.errors import UserError
from wargame.outputs import atomic_write
from wargame.scenario import Feature, RoadKind, Scenario

from .situations import ECHELON_MARK, DaySituation, UnitMark

KM_PER_DEG = 111.2
"""km per degree of latitude (and of longitude at the equator)."""
MAP_DPI = 100
JAPANESE, CHINESE = "#b2182b", "#2166ac"
SIDE_COLOUR = {"japanese": JAPANESE, "chinese": CHINESE}
SIDE_FILL = {"japanese": "#f4c7c3", "chinese": "#c6dbef"}
SIDE_NAME = {"japanese": "Japanese", "chinese": "Chinese"}
RIVER_COLOUR = "#3a7dc9"
FRONT_COLOUR = "#111111"
REACH_COLOUR = "#a6009a"
ROAD_STYLE: dict[RoadKind, dict[str, Any]] = {
    RoadKind.HIGHWAY: {"color": "#6b3e07", "linewidth": 2.2, "linestyle": "-", "label": "highway"},
    RoadKind.CART_ROAD: {
        "color": "#a0661f",
        "linewidth": 1.3,
        "linestyle": (0, (5, 2)),
        "label": "cart road",
    },
    RoadKind.MOUNTAIN_TRACK: {
        "color": "#555555",
        "linewidth": 1.0,
        "linestyle": (0, (1, 1.5)),
        "label": "mountain track",
    },
}
FORMATS = (".png", ".svg")
SVG_SALT = "wargame-west-hunan"
CONTROL_ALPHA = 0.28
"""Opacity of the tint over the areas each side holds."""
WEATHER_TEXT = {"clear": "clear", "light_rain": "light rain", "heavy_rain": "heavy rain"}
GRID_CELLS = (260, 220)
"""Relief and control grid, cells across x down (about 1.5 km a cell on the West Hunan map)."""


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Extent:
    """The map's box in degrees and its mean latitude's shrink of a degree of longitude."""

    lon0: float
    lon1: float
    lat0: float
    lat1: float

    @property
    def kx(self) -> float:
        """km per degree of longitude at the mean latitude."""
        return KM_PER_DEG * math.cos(math.radians((self.lat0 + self.lat1) / 2))

    @property
    def height_over_width(self) -> float:
        """Height / width of the map on paper (equal km in both directions)."""
        return ((self.lat1 - self.lat0) * KM_PER_DEG) / ((self.lon1 - self.lon0) * self.kx)


def map_extent(scenario: Scenario, margin_deg: float = 0.15) -> Extent:
    """The places' bounding box with a margin (degrees)."""
    lons = [p.lon for p in scenario.places]
    lats = [p.lat for p in scenario.places]
    return Extent(
        min(lons) - margin_deg,
        max(lons) + margin_deg,
        min(lats) - margin_deg,
        max(lats) + margin_deg,
    )


def _grid(ext: Extent) -> tuple[np.ndarray, np.ndarray]:
    nx, ny = GRID_CELLS
    return np.meshgrid(np.linspace(ext.lon0, ext.lon1, nx), np.linspace(ext.lat0, ext.lat1, ny))


def relief_grid(scenario: Scenario, ext: Extent) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, elevation m) on the grid: inverse-distance-squared interpolation of the
    places' ``elevation_m``, raised by each ridge's crest, which falls to half its height
    ``half_width_km`` from the crest line."""
    lon, lat = _grid(ext)
    kx = ext.kx
    x, y = lon * kx, lat * KM_PER_DEG
    num = np.zeros_like(x)
    den = np.zeros_like(x)
    for p in scenario.places:
        d2 = (x - p.lon * kx) ** 2 + (y - p.lat * KM_PER_DEG) ** 2 + 25.0
        num += p.elevation_m / d2
        den += 1.0 / d2
    elev = num / den
    for ridge in scenario.ridges:
        best_d = np.full_like(x, np.inf)
        best_h = np.zeros_like(x)
        pts = [(lo * kx, la * KM_PER_DEG, h) for la, lo, h in ridge.crest]
        for (ax_, ay, ah), (bx, by, bh) in itertools.pairwise(pts):
            vx, vy = bx - ax_, by - ay
            seg2 = vx * vx + vy * vy or 1e-9
            t = np.clip(((x - ax_) * vx + (y - ay) * vy) / seg2, 0.0, 1.0)
            d = np.hypot(x - (ax_ + t * vx), y - (ay + t * vy))
            closer = d < best_d
            best_d = np.where(closer, d, best_d)
            best_h = np.where(closer, ah + t * (bh - ah), best_h)
        elev = np.maximum(elev, best_h * np.power(2.0, -((best_d / ridge.half_width_km) ** 2)))
    return lon, lat, elev


def control_field(scenario: Scenario, sit: DaySituation, ext: Extent) -> np.ndarray:
    """+1 where the nearest held place is the attacker's, -1 where it is the defender's
    (distances in km); the front is the zero line between them."""
    lon, lat = _grid(ext)
    kx = ext.kx
    attacker = str(scenario.objective.attacker)
    best = np.full(lon.shape, np.inf)
    side = np.zeros(lon.shape)
    for p in scenario.places:
        h = sit.holder.get(p.id)
        if h is None:
            continue
        d = np.hypot((lon - p.lon) * kx, (lat - p.lat) * KM_PER_DEG)
        closer = d < best
        best = np.where(closer, d, best)
        side = np.where(closer, 1.0 if h == attacker else -1.0, side)
    return side


FRONT_REACH_KM = 40.0
"""The front is drawn only where a held place of each side lies within this many km."""
HULL_MARGIN_KM = 8.0
"""... and no further than this outside the hull of all the scenario's places."""


def convex_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of ``points``, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def near_hull(
    xy_km: np.ndarray, hull_km: Sequence[tuple[float, float]], margin_km: float
) -> np.ndarray:
    """For points (N×2, km), whether each lies inside the convex polygon ``hull_km``
    (counter-clockwise) or within ``margin_km`` of it."""
    n = len(hull_km)
    if n < 3:
        return np.ones(len(xy_km), bool)
    inside = np.ones(len(xy_km), bool)
    best = np.full(len(xy_km), np.inf)
    for i in range(n):
        (ax_, ay), (bx, by) = hull_km[i], hull_km[(i + 1) % n]
        vx, vy = bx - ax_, by - ay
        px, py = xy_km[:, 0] - ax_, xy_km[:, 1] - ay
        inside &= vx * py - vy * px >= 0
        t = np.clip((px * vx + py * vy) / (vx * vx + vy * vy or 1e-9), 0.0, 1.0)
        best = np.minimum(best, np.hypot(px - t * vx, py - t * vy))
    return inside | (best <= margin_km)


def front_lines(scenario: Scenario, sit: DaySituation, ext: Extent) -> list[np.ndarray]:
    """The front as polylines of (lon, lat) points: the line between the areas each side
    holds (nearest held place), drawn only where a held place of each side lies within
    :data:`FRONT_REACH_KM` and inside the hull of the places (so it never runs off to the
    map's edge through country no one holds)."""
    import contourpy

    lon, lat = _grid(ext)
    field = control_field(scenario, sit, ext)
    gen = contourpy.contour_generator(lon, lat, field, line_type=contourpy.LineType.Separate)
    lines = gen.lines(0.0)
    kx = ext.kx
    attacker = str(scenario.objective.attacker)
    sides: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for p in scenario.places:
        h = sit.holder.get(p.id)
        if h is not None:
            sides[h == attacker].append((p.lon * kx, p.lat * KM_PER_DEG))
    if not sides[True] or not sides[False]:
        return []
    hull = convex_hull([(p.lon * kx, p.lat * KM_PER_DEG) for p in scenario.places])
    out: list[np.ndarray] = []
    for line in lines:
        pts = np.asarray(line)
        km = np.column_stack([pts[:, 0] * kx, pts[:, 1] * KM_PER_DEG])
        ok = near_hull(km, hull, HULL_MARGIN_KM)
        for group in sides.values():
            g = np.asarray(group)
            d = np.min(np.hypot(km[:, :1] - g[:, 0], km[:, 1:] - g[:, 1]), axis=1)
            ok &= d <= FRONT_REACH_KM
        run: list[np.ndarray] = []
        for good, pt in zip(ok, pts, strict=True):
            if good:
                run.append(pt)
            elif run:
                if len(run) > 1:
                    out.append(np.array(run))
                run = []
        if len(run) > 1:
            out.append(np.array(run))
    return out


CROSSING_NEAR_KM = 6.0
"""A road end this close to a mapped river crosses it there (a town on the river)."""
CROSSING_OFFSET_KM = 5.0
"""... and its marker is drawn this far along the road from the town."""


def river_crossings(scenario: Scenario) -> list[tuple[float, float, str, str]]:
    """Where the roads the scenario says cross a river (``river_crossings`` > 0) meet a
    mapped river: (lon, lat, road id, river id). A road drawn straight across a river's
    course crosses it there; a road from a town on a river crosses it at the town. At most
    ``river_crossings`` per road; a crossing of a river that is not mapped is not drawn."""
    xy = {p.id: (p.lon, p.lat) for p in scenario.places}
    lat_mid = sum(p.lat for p in scenario.places) / max(1, len(scenario.places))
    kx = KM_PER_DEG * math.cos(math.radians(lat_mid))
    found: list[tuple[float, float, str, str]] = []
    for r in scenario.roads:
        if r.river_crossings <= 0:
            continue
        (x1, y1), (x2, y2) = xy[r.a], xy[r.b]
        hits: list[tuple[float, float, float, str]] = []  # (order, lon, lat, river)
        for river in scenario.rivers:
            pts = [(lo, la) for la, lo in river.course]
            for (x3, y3), (x4, y4) in itertools.pairwise(pts):
                den = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
                if abs(den) < 1e-12:
                    continue
                t = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / den
                u = -((x1 - x2) * (y1 - y3) - (y1 - y2) * (x1 - x3)) / den
                if 0.0 <= t <= 1.0 and 0.0 <= u <= 1.0:
                    hits.append((0.0, x1 + t * (x2 - x1), y1 + t * (y2 - y1), river.id))
            if not any(h[3] == river.id for h in hits):
                for ex, ey in ((x1, y1), (x2, y2)):
                    d = min(_seg_dist_km(ex, ey, a, b, kx) for a, b in itertools.pairwise(pts))
                    if d <= CROSSING_NEAR_KM:
                        hits.append((1.0 + d, ex, ey, river.id))
        seen: set[str] = set()
        kept = 0
        length = math.hypot((x2 - x1) * kx, (y2 - y1) * KM_PER_DEG) or 1.0
        for _, hx, hy, rid in sorted(hits):
            if rid in seen or kept >= r.river_crossings:
                continue
            seen.add(rid)
            kept += 1
            # at a town on the river: drawn a little way out along the road, clear of its dot
            t = ((hx - x1) * kx * (x2 - x1) * kx + (hy - y1) * (y2 - y1) * KM_PER_DEG**2) / (
                length * length
            )
            f = min(CROSSING_OFFSET_KM / length, 0.3)
            t = min(max(t, f), 1.0 - f)
            found.append((x1 + t * (x2 - x1), y1 + t * (y2 - y1), r.id, rid))
    return sorted(found, key=lambda c: (c[2], c[3], c[0]))


def _seg_dist_km(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float], kx: float
) -> float:
    """Distance in km from (lon x, lat y) to the segment a-b."""
    px, py = (x - a[0]) * kx, (y - a[1]) * KM_PER_DEG
    vx, vy = (b[0] - a[0]) * kx, (b[1] - a[1]) * KM_PER_DEG
    t = max(0.0, min(1.0, (px * vx + py * vy) / (vx * vx + vy * vy or 1e-9)))
    return math.hypot(px - t * vx, py - t * vy)


def counter_size_km(men: int) -> float:
    """Width of a unit counter in km: grows with the square root of the men (about 15 km
    for 20,000 men), between 7 and 18 km."""
    return float(min(18.0, max(7.0, 15.0 * math.sqrt(max(men, 0) / 20_000))))


COUNTER_MAP_KM = 380.0
"""Map width (km) at which counters have the sizes of :func:`counter_size_km` (the West
Hunan map); on a narrower map they shrink in proportion."""


def counter_boxes(
    units: Sequence[UnitMark], ext: Extent
) -> list[tuple[UnitMark, float, float, float, float]]:
    """Each unit's counter as (unit, centre lon, centre lat, width deg lon, height deg lat):
    units at the same point stand side by side in rows of three; a group that would cover
    another (units on a road just short of a place) moves north or south until it does not,
    the groups at places first."""
    groups: dict[tuple[float, float], list[UnitMark]] = {}
    for u in sorted(units, key=lambda u: (u.side, -u.men, u.id)):
        groups.setdefault((round(u.lon, 4), round(u.lat, 4)), []).append(u)
    out = []
    # counters are symbols: the same size on paper on a smaller map
    shrink = min(1.0, (ext.lon1 - ext.lon0) * ext.kx / COUNTER_MAP_KM)
    placed: list[tuple[float, float, float, float]] = []  # x0, y0, x1, y1 in km
    order = sorted(groups.items(), key=lambda g: (any(">" in u.where for u in g[1]), g[0]))
    for (lon, lat), us in order:
        sizes = [counter_size_km(u.men) * shrink for u in us]
        rows = [list(range(i, min(i + 3, len(us)))) for i in range(0, len(us), 3)]
        row_h = max(sizes) * 0.7 + 5.0 * shrink  # km, room for the echelon mark
        boxes: list[tuple[int, float, float]] = []  # unit index, centre x, y (km from anchor)
        for r, row in enumerate(rows):
            widths = [sizes[i] + 1.0 * shrink for i in row]
            x = -sum(widths) / 2
            for i, w in zip(row, widths, strict=True):
                boxes.append((i, x + w / 2, -r * row_h))
                x += w
        ax_, ay = lon * ext.kx, lat * KM_PER_DEG

        shift = 0.0
        for step in (0, 1, -1, 2, -2, 3, -3):
            mine = _counter_rects(boxes, sizes, ax_, ay + step * row_h, shrink)
            if not any(
                a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                for a in mine
                for b in placed
            ):
                shift = step * row_h
                break
        placed += _counter_rects(boxes, sizes, ax_, ay + shift, shrink)
        for i, bx, by in boxes:
            out.append(
                (
                    us[i],
                    lon + bx / ext.kx,
                    lat + (by + shift) / KM_PER_DEG,
                    sizes[i] / ext.kx,
                    sizes[i] * 0.65 / KM_PER_DEG,
                )
            )
    return sorted(out, key=lambda b: (b[0].side, b[0].id))


def _counter_rects(
    boxes: Sequence[tuple[int, float, float]],
    sizes: Sequence[float],
    x: float,
    y: float,
    shrink: float,
) -> list[tuple[float, float, float, float]]:
    """The km rectangles a group of counters covers, echelon marks included."""
    out = []
    for i, bx, by in boxes:
        w, h = sizes[i] + 0.5 * shrink, sizes[i] * 0.65 + 3.0 * shrink
        cx, cy = x + bx, y + by
        out.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return out


def advance_paths(
    days: Sequence[DaySituation], upto: int
) -> dict[str, tuple[list[tuple[float, float]], tuple[float, str, str] | None]]:
    """Each attacking column's head, day by day up to day ``upto`` and cut at the day it
    reached its furthest point, with that point (road km to the objective, place, date)."""
    out: dict[str, tuple[list[tuple[float, float]], tuple[float, str, str] | None]] = {}
    last = days[upto]
    for col in sorted({c for d in days[: upto + 1] for c in d.heads}):
        best = last.reach.get(col)
        trail: list[tuple[float, float]] = []
        for d in days[: upto + 1]:
            head = d.heads.get(col)
            if head is not None and (not trail or trail[-1] != head):
                trail.append(head)
            if best is not None and d.date.isoformat() == best[2]:
                break
        out[col] = (trail, best)
    return out


# --------------------------------------------------------------------------- saving


@contextlib.contextmanager
def _svg_settings() -> Iterator[None]:
    import matplotlib as mpl

    with mpl.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "path"}):
        yield


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """The figure rendered as ``"png"`` or ``"svg"`` without dates or software versions."""
    buf = io.BytesIO()
    if fmt == "svg":
        with _svg_settings():
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    else:
        fig.savefig(buf, format="png", dpi=MAP_DPI, metadata={"Software": None})
    return buf.getvalue()


def check_format(path: Path, allowed: tuple[str, ...] = FORMATS, option: str = "--out") -> str:
    """The format of ``path`` from its suffix; a one-line UserError for any other."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise UserError(
            f"{path}: unknown format {suffix or '(no suffix)'!r}; {option} must end in "
            + " or ".join(allowed)
        )
    return suffix[1:]


# --------------------------------------------------------------------------- drawing


@dataclass
class MapFigure:
    """A figure with the map axes and the side panel, and what was drawn on them."""

    fig: Any
    ax: Any
    panel: Any
    ext: Extent
    labels: list[Any]
    dynamic: list[Any]


MAP_WIDTH_IN = 8.6
PANEL_WIDTH_IN = 3.2
STRIP_IN = 0.75


def new_map_figure(scenario: Scenario, scale: float = 1.0, *, strip: bool = True) -> MapFigure:
    """An empty figure: the map axes (equal km both ways), a side panel and (``strip``) room
    for a title strip above them."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ext = map_extent(scenario)
    map_w = MAP_WIDTH_IN * scale
    map_h = map_w * ext.height_over_width
    pad = 0.15 * scale
    width = pad + map_w + pad + PANEL_WIDTH_IN * scale + pad
    height = pad + map_h + (STRIP_IN * scale if strip else pad)
    fig = Figure(figsize=(width, height), dpi=MAP_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((pad / width, pad / height, map_w / width, map_h / height))
    ax.set_xlim(ext.lon0, ext.lon1)
    ax.set_ylim(ext.lat0, ext.lat1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_gid("map")
    panel = fig.add_axes(
        (
            (2 * pad + map_w) / width,
            pad / height,
            PANEL_WIDTH_IN * scale / width,
            map_h / height,
        )
    )
    panel.axis("off")
    panel.set_gid("panel")
    return MapFigure(fig, ax, panel, ext, [], [])


def draw_base(mf: MapFigure, scenario: Scenario, *, scale: float = 1.0) -> None:
    """Relief, rivers and their road crossings, roads by class, places, the objective, scale
    bar and north arrow: what does not change from day to day."""
    from matplotlib.colors import LightSource, LinearSegmentedColormap

    ax, ext = mf.ax, mf.ext
    lon, lat, elev = relief_grid(scenario, ext)
    cmap = LinearSegmentedColormap.from_list(
        "relief",
        [
            (0.0, "#e8efd8"),
            (0.15, "#dfe6c4"),
            (0.35, "#e9dcb0"),
            (0.55, "#d8bf8a"),
            (0.8, "#b8946a"),
            (1.0, "#8f6f55"),
        ],
    )
    ls = LightSource(azdeg=315, altdeg=45)
    top = max(2000.0, float(elev.max()))
    rgb = ls.shade(
        elev, cmap=cmap, vert_exag=0.02, blend_mode="soft", vmin=0.0, vmax=top, dx=1.5, dy=1.5
    )
    img = ax.imshow(
        rgb,
        extent=(ext.lon0, ext.lon1, ext.lat0, ext.lat1),
        origin="lower",
        aspect="auto",
        interpolation="bilinear",
        zorder=0,
    )
    img.set_gid("relief")
    cs = ax.contour(lon, lat, elev, levels=[500, 1000, 1500], colors="#7a5c3e", linewidths=0.4)
    cs.set_alpha(0.5)
    cs.set_gid("contours")
    for river in scenario.rivers:
        xs = [lo for _la, lo in river.course]
        ys = [la for la, _lo in river.course]
        (line,) = ax.plot(
            xs, ys, color=RIVER_COLOUR, lw=1.6 * scale, zorder=2, solid_capstyle="round"
        )
        line.set_gid(f"river-{river.id}")
        line.set_clip_on(True)
    for rx, ry, road_id, river_id in river_crossings(scenario):
        m = ax.scatter(
            [rx],
            [ry],
            marker="s",
            s=14 * scale,
            facecolor="white",
            edgecolor=RIVER_COLOUR,
            linewidths=0.9,
            zorder=4,
        )
        m.set_gid(f"crossing-{road_id}-{river_id}")
    xy = {p.id: (p.lon, p.lat) for p in scenario.places}
    for kind, style in ROAD_STYLE.items():
        for r in scenario.roads:
            if r.kind != kind:
                continue
            (x1, y1), (x2, y2) = xy[r.a], xy[r.b]
            (line,) = ax.plot(
                [x1, x2],
                [y1, y2],
                color=style["color"],
                lw=style["linewidth"] * scale,
                ls=style["linestyle"],
                zorder=3,
            )
            line.set_gid(f"road-{r.id}")
    objective = scenario.objective.place
    for p in scenario.places:
        feats = set(p.features)
        if p.id == objective:
            marker, size, colour = "*", 260, "gold"
        elif Feature.AIRFIELD in feats:
            marker, size, colour = "s", 26, "#222222"
        elif Feature.PASS in feats:
            marker, size, colour = "^", 28, "#222222"
        else:
            marker, size, colour = "o", 20 if Feature.TOWN in feats else 10, "#222222"
        m = ax.scatter(
            [p.lon],
            [p.lat],
            s=size * scale,
            marker=marker,
            color=colour,
            edgecolors="black",
            linewidths=0.6,
            zorder=7 if p.id == objective else 5,
        )
        m.set_gid(f"place-{p.id}")
    _scale_bar(ax, ext, scale)
    _north_arrow(ax, ext, scale)


SCALE_BAR_KM = (10, 20, 25, 50, 100, 200)
"""Scale bar lengths to choose from: the longest no more than a fifth of the map's width."""


def _scale_bar(ax: Any, ext: Extent, scale: float) -> None:
    """A bar of a round length in km (five steps) in the lower right corner."""
    width_km = (ext.lon1 - ext.lon0) * ext.kx
    km = float(max([k for k in SCALE_BAR_KM if k <= width_km / 5] or [SCALE_BAR_KM[0]]))
    dx, dy = (ext.lon1 - ext.lon0), (ext.lat1 - ext.lat0)
    x1 = ext.lon1 - 0.03 * dx
    x0 = x1 - km / ext.kx
    y = ext.lat0 + 0.04 * dy
    for i in range(5):
        xa, xb = x0 + i * (x1 - x0) / 5, x0 + (i + 1) * (x1 - x0) / 5
        seg = ax.plot(
            [xa, xb],
            [y, y],
            color="black" if i % 2 == 0 else "white",
            lw=4 * scale,
            solid_capstyle="butt",
            zorder=9,
        )
        seg[0].set_gid(f"scale-bar-{i}")
    ax.plot([x0, x1], [y, y], color="black", lw=0.6, zorder=9)
    for xk, text in ((x0, "0"), ((x0 + x1) / 2, f"{km / 2:g}"), (x1, f"{km:g} km")):
        t = ax.annotate(
            text,
            (xk, y),
            xytext=(0, 4 * scale),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7 * scale,
            zorder=9,
        )
        t.set_gid("scale-bar")


def _north_arrow(ax: Any, ext: Extent, scale: float) -> None:
    """An arrow a tenth of the map's height tall in the upper right corner."""
    dx, dy = (ext.lon1 - ext.lon0), (ext.lat1 - ext.lat0)
    x = ext.lon1 - 0.04 * dx
    y0 = ext.lat1 - 0.17 * dy
    a = ax.annotate(
        "",
        xy=(x, y0 + 0.10 * dy),
        xytext=(x, y0),
        arrowprops={
            "arrowstyle": "-|>,head_width=0.4,head_length=0.8",
            "color": "black",
            "lw": 1.6 * scale,
        },
        zorder=9,
    )
    a.set_gid("north-arrow")
    if a.arrow_patch is not None:
        a.arrow_patch.set_gid("north-arrow")
    t = ax.annotate(
        "N",
        (x, y0 + 0.10 * dy),
        xytext=(0, 2 * scale),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=10 * scale,
        fontweight="bold",
        zorder=9,
    )
    t.set_gid("north-arrow-label")


def draw_situation(
    mf: MapFigure,
    scenario: Scenario,
    days: Sequence[DaySituation],
    upto: int,
    *,
    scale: float = 1.0,
) -> list[Any]:
    """The day's areas held, front, advance arrows, furthest points, engagements and unit
    counters; the artists drawn (so an animation can remove them)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import FancyArrowPatch, Rectangle

    ax, ext = mf.ax, mf.ext
    sit = days[upto]
    attacker = str(scenario.objective.attacker)
    defender = "chinese" if attacker == "japanese" else "japanese"
    drawn: list[Any] = []
    lon, lat = _grid(ext)
    field = control_field(scenario, sit, ext)
    tint = ax.contourf(
        lon,
        lat,
        field,
        levels=[-1.5, 0.0, 1.5],
        cmap=ListedColormap([SIDE_COLOUR[defender], SIDE_COLOUR[attacker]]),
        alpha=CONTROL_ALPHA,
        zorder=1,
    )
    tint.set_gid("control")
    drawn.append(tint)
    for i, line in enumerate(front_lines(scenario, sit, ext)):
        (fl,) = ax.plot(
            line[:, 0],
            line[:, 1],
            color=FRONT_COLOUR,
            lw=2.4 * scale,
            zorder=6,
            solid_capstyle="round",
        )
        fl.set_gid(f"front-{i}")
        drawn.append(fl)
    for col, (trail, best) in advance_paths(days, upto).items():
        if len(trail) >= 2:
            xs, ys = zip(*trail, strict=True)
            (tl,) = ax.plot(
                xs,
                ys,
                color=SIDE_COLOUR[attacker],
                lw=5 * scale,
                alpha=0.45,
                zorder=6,
                solid_capstyle="round",
                solid_joinstyle="round",
            )
            tl.set_gid(f"advance-{col}")
            arrow = FancyArrowPatch(
                trail[-2],
                trail[-1],
                arrowstyle=f"-|>,head_width={4 * scale},head_length={6 * scale}",
                color=SIDE_COLOUR[attacker],
                alpha=0.75,
                lw=0,
                zorder=6,
                mutation_scale=1.0,
                shrinkA=0,
                shrinkB=0,
            )
            ax.add_patch(arrow)
            arrow.set_gid(f"advance-head-{col}")
            drawn += [tl, arrow]
        if best is not None:
            p = scenario.place(best[1])
            m = ax.scatter(
                [p.lon],
                [p.lat],
                marker="^",
                s=110 * scale,
                facecolor="none",
                edgecolor=REACH_COLOUR,
                linewidths=2.0,
                zorder=8,
            )
            m.set_gid(f"furthest-{col}")
            drawn.append(m)
    fights = {str(e["place"]) for e in sit.engagements}
    xy = {p.id: (p.lon, p.lat) for p in scenario.places}
    for place in sorted(fights):
        ends = place.split(">", 1)
        pts = [xy[e] for e in ends if e in xy]
        if not pts:
            continue
        fx, fy = float(np.mean([q[0] for q in pts])), float(np.mean([q[1] for q in pts]))
        m = ax.scatter(
            [fx],
            [fy],
            marker=(8, 1, 0),
            s=320 * scale,
            color="#ffcc00",
            edgecolor="#cc5500",
            linewidths=0.8,
            zorder=6,
            alpha=0.9,
        )
        m.set_gid(f"engagement-{place}")
        drawn.append(m)
    for u, cx, cy, w, h in counter_boxes(sit.units, ext):
        colour = SIDE_COLOUR[u.side]
        rect = Rectangle(
            (cx - w / 2, cy - h / 2),
            w,
            h,
            facecolor=SIDE_FILL[u.side],
            edgecolor=colour,
            lw=1.1 * scale,
            zorder=10,
        )
        rect.set_gid(f"unit-{u.id}")
        ax.add_patch(rect)
        (cross,) = ax.plot(
            [cx - w / 2, cx + w / 2, np.nan, cx - w / 2, cx + w / 2],
            [cy - h / 2, cy + h / 2, np.nan, cy + h / 2, cy - h / 2],
            color=colour,
            lw=0.7 * scale,
            zorder=11,
        )
        mark = ax.text(
            cx,
            cy + h / 2,
            ECHELON_MARK.get(u.echelon, ""),
            ha="center",
            va="bottom",
            fontsize=5.5 * scale,
            color=colour,
            fontweight="bold",
            zorder=11,
        )
        mark.set_gid(f"echelon-{u.id}")
        num = ax.text(
            cx,
            cy,
            u.short,
            ha="center",
            va="center",
            fontsize=5.5 * scale,
            color="black",
            fontweight="bold",
            zorder=12,
            bbox={"boxstyle": "square,pad=0.05", "fc": SIDE_FILL[u.side], "ec": "none"},
        )
        num.set_gid(f"unit-label-{u.id}")
        drawn += [rect, cross, mark, num]
    return drawn


PLACE_OFFSETS = (
    (5, 4, "left", "bottom"),
    (5, -4, "left", "top"),
    (-5, 4, "right", "bottom"),
    (-5, -4, "right", "top"),
    (0, 7, "center", "bottom"),
    (0, -7, "center", "top"),
    (9, 0, "left", "center"),
    (-9, 0, "right", "center"),
    (12, 12, "left", "bottom"),
    (-12, -12, "right", "top"),
    (12, -12, "left", "top"),
    (-12, 12, "right", "bottom"),
)
"""Where a place's name may go, in points from the place, tried in this order."""


RIDGE_LABEL_AT = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9)
"""Where along a crest (fraction of its points) its name may go, tried in this order."""
RIDGE_LABEL_SIDE_KM = (9.0, -9.0, 16.0, -16.0)
"""... and how far to the side of the crest line (km, to its right looking along it)."""


def ridge_labels(
    mf: MapFigure, scenario: Scenario, obstacles: Sequence[Any] = (), *, scale: float = 1.0
) -> list[Any]:
    """Each ridge's name along its crest, at the first spot (see :data:`RIDGE_LABEL_AT`)
    where it overlaps no unit counter or other label and stays inside the map."""
    fig, ax, ext = mf.fig, mf.ax, mf.ext
    renderer = fig.canvas.get_renderer()
    taken = [o.get_window_extent(renderer) for o in obstacles]
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    for ridge in scenario.ridges:
        pts = ridge.crest
        n = len(pts)
        for frac, side in itertools.product(RIDGE_LABEL_AT, RIDGE_LABEL_SIDE_KM):
            i = min(n - 2, max(0, round(frac * (n - 1)) - 1))
            (la1, lo1, _), (la2, lo2, _) = pts[i], pts[i + 1]
            dx, dy = (lo2 - lo1) * ext.kx, (la2 - la1) * KM_PER_DEG
            if dx < 0:
                dx, dy = -dx, -dy
            length = math.hypot(dx, dy) or 1.0
            angle = math.degrees(math.atan2(dy, dx))
            nx_, ny_ = dy / length, -dx / length
            lo = (lo1 + lo2) / 2 + side * nx_ / ext.kx
            la = (la1 + la2) / 2 + side * ny_ / KM_PER_DEG
            t = ax.text(
                lo,
                la,
                ridge.name.upper(),
                rotation=angle,
                rotation_mode="anchor",
                ha="center",
                va="center",
                fontsize=9 * scale,
                color="#6b4b2e",
                fontstyle="italic",
                fontweight="bold",
                alpha=0.85,
                zorder=2,
            )
            box = t.get_window_extent(renderer)
            if _fits(box, frame, taken):
                t.set_gid(f"ridge-{ridge.id}")
                taken.append(box)
                placed.append(t)
                break
            t.remove()
    return placed


def _reach_handle() -> Any:
    """The legend's entry for the furthest point of a column (an open triangle)."""
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        marker="^",
        ls="",
        markerfacecolor="none",
        markeredgecolor=REACH_COLOUR,
        markeredgewidth=2,
        markersize=9,
        label="furthest point of a column",
    )


def _fits(box: Any, frame: Any, taken: list[Any]) -> bool:
    """Is a label's box inside the map frame and clear of every box already placed?"""
    inside = box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1
    return inside and not any(box.overlaps(o) for o in taken)


def _label_rank(scenario: Scenario, pid: str) -> tuple[int, str]:
    p = scenario.place(pid)
    feats = set(p.features)
    if pid == scenario.objective.place:
        return (0, pid)
    if Feature.AIRFIELD in feats or Feature.SUPPLY_DEPOT in feats:
        return (1, pid)
    if Feature.TOWN in feats:
        return (2, pid)
    return (3, pid)


def place_labels(
    mf: MapFigure, scenario: Scenario, obstacles: Sequence[Any] = (), *, scale: float = 1.0
) -> list[Any]:
    """Label the places, most important first, each at the first offset where it overlaps no
    label, unit counter, legend or map edge; a name with no free spot is left out (the unit
    counters already name where the fighting is). Returns the labels drawn."""
    fig, ax = mf.fig, mf.ax
    renderer = fig.canvas.get_renderer()
    taken = [a.get_window_extent(renderer).expanded(1.02, 1.05) for a in obstacles]
    frame = ax.get_window_extent(renderer)
    placed: list[Any] = []
    for pid in sorted((p.id for p in scenario.places), key=lambda i: _label_rank(scenario, i)):
        p = scenario.place(pid)
        name = p.name.split(" (")[0]
        objective = pid == scenario.objective.place
        for dx, dy, ha, va in PLACE_OFFSETS:
            t = ax.annotate(
                name,
                (p.lon, p.lat),
                xytext=(dx * scale, dy * scale),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=(8.5 if objective else 7) * scale,
                fontweight="bold" if objective or _label_rank(scenario, pid)[0] <= 1 else "normal",
                color="#1a1a1a",
                zorder=13,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.65},
            )
            box = t.get_window_extent(renderer)
            if _fits(box, frame, taken):
                t.set_gid(f"label-{pid}")
                taken.append(box)
                placed.append(t)
                break
            t.remove()
    return placed


def _legend(mf: MapFigure, scenario: Scenario, *, situation: bool, scale: float = 1.0) -> Any:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Line2D([], [], color=s["color"], lw=s["linewidth"], ls=s["linestyle"], label=s["label"])
        for s in ROAD_STYLE.values()
    ]
    if scenario.rivers:
        handles.append(Line2D([], [], color=RIVER_COLOUR, lw=1.6, label="river"))
        handles.append(
            Line2D(
                [],
                [],
                marker="s",
                ls="",
                markerfacecolor="white",
                markeredgecolor=RIVER_COLOUR,
                label="river crossing (no bridge)",
            )
        )
    if scenario.ridges:
        handles.append(
            Line2D([], [], color="#7a5c3e", lw=0.6, label="contours 500, 1,000, 1,500 m")
        )
    handles += [
        Line2D(
            [],
            [],
            marker="*",
            color="gold",
            markeredgecolor="black",
            ls="",
            markersize=12,
            label="objective",
        ),
        Line2D([], [], marker="s", color="#222222", ls="", label="airfield"),
        Line2D([], [], marker="^", color="#222222", ls="", label="pass"),
        Line2D([], [], marker="o", color="#222222", ls="", markersize=5, label="town"),
    ]
    if situation:
        attacker = str(scenario.objective.attacker)
        handles += [
            Line2D([], [], color=FRONT_COLOUR, lw=2.4, label="front"),
            Patch(
                facecolor=SIDE_COLOUR["japanese"], alpha=CONTROL_ALPHA, label="held by the Japanese"
            ),
            Patch(
                facecolor=SIDE_COLOUR["chinese"], alpha=CONTROL_ALPHA, label="held by the Chinese"
            ),
            Patch(facecolor=SIDE_FILL["japanese"], edgecolor=JAPANESE, label="Japanese unit"),
            Patch(facecolor=SIDE_FILL["chinese"], edgecolor=CHINESE, label="Chinese unit"),
            Line2D(
                [],
                [],
                color=SIDE_COLOUR[attacker],
                lw=5,
                alpha=0.45,
                label="advance of a column so far",
            ),
            _reach_handle(),
            Line2D(
                [],
                [],
                marker=(8, 1, 0),
                ls="",
                color="#ffcc00",
                markeredgecolor="#cc5500",
                markersize=11,
                label="fighting today",
            ),
        ]
    leg = mf.panel.legend(
        handles=handles,
        loc="upper left",
        fontsize=7.5 * scale,
        frameon=False,
        borderaxespad=0.0,
        handlelength=2.6,
    )
    leg.set_gid("legend")
    return leg


def _title_strip(mf: MapFigure, title: str, subtitle: str, scale: float = 1.0) -> list[Any]:
    fig = mf.fig
    top = fig.get_figheight()
    y1 = 1 - (0.12 * scale) / top
    y2 = 1 - (0.42 * scale) / top
    a = fig.text(0.012, y1, title, ha="left", va="top", fontsize=12 * scale, fontweight="bold")
    b = fig.text(0.012, y2, subtitle, ha="left", va="top", fontsize=9 * scale, color="#333333")
    a.set_gid("title")
    b.set_gid("subtitle")
    return [a, b]


def day_title(scenario: Scenario, sit: DaySituation) -> tuple[str, str]:
    """The title strip of a day: date and D+N; weather, air balance and sorties."""
    air = sit.air_superiority
    air_text = (
        f"air superiority: {SIDE_NAME.get(str(air), 'neither side')}" if air else ("air: contested")
    )
    return (
        f"{scenario.meta.name}: {sit.date.day} {sit.date:%B %Y} (D+{sit.day})",
        f"weather: {weather_text(sit.weather)}   {air_text}   "
        f"sorties: Japanese {sit.sorties['japanese']}, Chinese {sit.sorties['chinese']}",
    )


def weather_text(weather: str) -> str:
    """A weather id as words: ``"heavy_rain"`` → ``"heavy rain"``."""
    return WEATHER_TEXT.get(weather, weather.replace("_", " "))


def _strength_box(mf: MapFigure, scenario: Scenario, sit: DaySituation, scale: float) -> Any:
    lines = [f"Men present and casualties so far, {sit.date.day} {sit.date:%b}:"]
    for side in ("japanese", "chinese"):
        lines.append(f"  {SIDE_NAME[side]}: {sit.men[side]:,} men, {sit.casualties[side]:,} lost")
    for col, (km, place, date) in sit.reach.items():
        d = date[8:].lstrip("0") + " " + _month(date)
        lines.append(
            f"  {col} column furthest: {scenario.place(place).name.split(' (')[0]}, "
            f"{km:.0f} km to go ({d})"
        )
    lines.append("Counters: XX division, X brigade, III regiment,")
    lines.append("II detachment; size grows with the men present.")
    t = mf.panel.text(
        0.0,
        0.0,
        "\n".join(lines),
        ha="left",
        va="bottom",
        fontsize=7 * scale,
        transform=mf.panel.transAxes,
        linespacing=1.4,
    )
    t.set_gid("strengths")
    return t


def _month(iso: str) -> str:
    import datetime as dt

    return dt.date.fromisoformat(iso).strftime("%b")


def render_situation(
    scenario: Scenario, days: Sequence[DaySituation], day: int, *, scale: float = 1.0
) -> MapFigure:
    """The whole map of day ``day``: base, situation, legend, title strip and labels."""
    mf = new_map_figure(scenario, scale)
    draw_base(mf, scenario, scale=scale)
    mf.dynamic = draw_situation(mf, scenario, days, day, scale=scale)
    title, subtitle = day_title(scenario, days[day])
    _title_strip(mf, title, subtitle, scale)
    _legend(mf, scenario, situation=True, scale=scale)
    _strength_box(mf, scenario, days[day], scale)
    counters = [
        a for a in mf.dynamic if a.get_gid() and str(a.get_gid()).startswith(("unit-", "echelon-"))
    ]
    ridges = ridge_labels(mf, scenario, counters, scale=scale)
    mf.labels = ridges + place_labels(mf, scenario, counters + ridges, scale=scale)
    return mf


def situation_map(scenario: Scenario, days: Sequence[DaySituation], day: int, path: Path) -> Path:
    """Write the map of day ``day`` to ``path`` (.png or .svg), atomically."""
    fmt = check_format(path)
    mf = render_situation(scenario, days, day)
    atomic_write(path, figure_bytes(mf.fig, fmt))
    return path


FRONT_DATE_STYLES = ("-", (0, (6, 2)), (0, (2, 1.5)), (0, (8, 2, 2, 2)), (0, (1, 1)))


def fronts_map(
    scenario: Scenario, days: Sequence[DaySituation], chosen: Sequence[int], path: Path
) -> Path:
    """The fronts of several days on one map (darker and solid: later), with each column's
    advance to the last of them; written to ``path`` (.png or .svg)."""
    from matplotlib.lines import Line2D

    fmt = check_format(path)
    mf = new_map_figure(scenario)
    draw_base(mf, scenario)
    ax = mf.ax
    order = sorted(set(chosen))
    greys = np.linspace(0.6, 0.0, len(order)) if len(order) > 1 else np.array([0.0])
    handles = []
    for k, d in enumerate(order):
        colour = (float(greys[k]),) * 3
        style = FRONT_DATE_STYLES[(len(order) - 1 - k) % len(FRONT_DATE_STYLES)]
        for i, line in enumerate(front_lines(scenario, days[d], mf.ext)):
            (fl,) = ax.plot(line[:, 0], line[:, 1], color=colour, lw=2.4, ls=style, zorder=6)
            fl.set_gid(f"front-{days[d].date.isoformat()}-{i}")
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                lw=2.4,
                ls=style,
                label=f"front on {days[d].date.day} {days[d].date:%B}",
            )
        )
    attacker = str(scenario.objective.attacker)
    for col, (trail, best) in advance_paths(days, order[-1]).items():
        if len(trail) >= 2:
            xs, ys = zip(*trail, strict=True)
            (tl,) = ax.plot(xs, ys, color=SIDE_COLOUR[attacker], lw=5, alpha=0.4, zorder=6)
            tl.set_gid(f"advance-{col}")
        if best is not None:
            p = scenario.place(best[1])
            m = ax.scatter(
                [p.lon],
                [p.lat],
                marker="^",
                s=110,
                facecolor="none",
                edgecolor=REACH_COLOUR,
                linewidths=2.0,
                zorder=8,
            )
            m.set_gid(f"furthest-{col}")
    leg = _legend(mf, scenario, situation=False)
    mf.panel.add_artist(leg)
    extra = [
        *handles,
        Line2D(
            [],
            [],
            color=SIDE_COLOUR[attacker],
            lw=5,
            alpha=0.4,
            label=f"advance to {days[order[-1]].date.day} {days[order[-1]].date:%b}",
        ),
        _reach_handle(),
    ]
    leg2 = mf.panel.legend(
        handles=extra,
        loc="lower left",
        fontsize=8,
        frameon=False,
        borderaxespad=0.0,
        handlelength=3.2,
    )
    leg2.set_gid("legend-fronts")
    first, last = days[order[0]].date, days[order[-1]].date
    _title_strip(
        mf,
        f"{scenario.meta.name}: the front, {first.day} {first:%B} to {last.day} {last:%B %Y}",
        f"{len(order)} dates; the line between the places each side holds",
    )
    ridges = ridge_labels(mf, scenario)
    mf.labels = ridges + place_labels(mf, scenario, ridges)
    atomic_write(path, figure_bytes(mf.fig, fmt))
    return path


ANIMATION_FORMATS = (".gif",)
ANIMATION_SCALE = 0.8
ANIMATION_FPS = 2


def campaign_animation(scenario: Scenario, days: Sequence[DaySituation], path: Path) -> Path:
    """One frame per day (title strip: date, weather, air balance) as an animated GIF with
    matplotlib's PillowWriter, written atomically; the same days give the same bytes."""
    from matplotlib.animation import PillowWriter

    check_format(path, ANIMATION_FORMATS, option="--animate")
    scale = ANIMATION_SCALE
    mf = new_map_figure(scenario, scale)
    draw_base(mf, scenario, scale=scale)
    _legend(mf, scenario, situation=True, scale=scale)
    # place names once, clear of every day's counters at their places
    mf.labels = []
    writer = PillowWriter(fps=ANIMATION_FPS, metadata={})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "campaign.gif"
        writer.setup(mf.fig, str(out), dpi=MAP_DPI)
        labels: list[Any] = []
        for d in range(len(days)):
            dyn = draw_situation(mf, scenario, days, d, scale=scale)
            title, subtitle = day_title(scenario, days[d])
            dyn += _title_strip(mf, title, subtitle, scale)
            dyn.append(_strength_box(mf, scenario, days[d], scale))
            counters = [a for a in dyn if str(a.get_gid() or "").startswith(("unit-", "echelon-"))]
            labels = ridge_labels(mf, scenario, counters, scale=scale)
            labels += place_labels(mf, scenario, counters + labels, scale=scale)
            writer.grab_frame()
            for a in [*dyn, *labels]:
                a.remove()
        writer.finish()
        data = out.read_bytes()
    atomic_write(path, data)
    return path


STOP_SIGMA_KM = 10.0
"""Spread of each run's stopping point in the density of :func:`stopped_map` (km)."""
COLUMN_MARKERS = ("o", "s", "D", "v", "P", "X")


def stopped_map(
    scenario: Scenario, stops: Sequence[dict[str, str]], path: Path, *, title: str = ""
) -> Path:
    """:func:`stopped_figure` written to ``path`` (.png or .svg), atomically."""
    fmt = check_format(path)
    atomic_write(path, figure_bytes(stopped_figure(scenario, stops, title=title), fmt))
    return path


def stopped_figure(scenario: Scenario, stops: Sequence[dict[str, str]], *, title: str = "") -> Any:
    """Where the offensive stopped across a batch: each attacking column's furthest place in
    every run, as a density on the map (a Gaussian of :data:`STOP_SIGMA_KM` per run and
    column) with the share of runs at each place. ``stops``: one ``{column: place}`` per run."""
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.lines import Line2D

    n = len(stops)
    if n == 0:
        raise UserError("no runs with the columns' furthest places to draw")
    known = {p.id for p in scenario.places}
    counts: dict[tuple[str, str], int] = {}
    for row in stops:
        for col, place in row.items():
            if place in known:
                counts[(col, place)] = counts.get((col, place), 0) + 1
    mf = new_map_figure(scenario)
    draw_base(mf, scenario)
    ax, ext = mf.ax, mf.ext
    lon, lat = _grid(ext)
    density = np.zeros(lon.shape)
    for (_col, place), k in sorted(counts.items()):
        p = scenario.place(place)
        d2 = ((lon - p.lon) * ext.kx) ** 2 + ((lat - p.lat) * KM_PER_DEG) ** 2
        density += k * np.exp(-d2 / (2 * STOP_SIGMA_KM**2))
    top = float(density.max()) or 1.0
    cmap = LinearSegmentedColormap.from_list(
        "stops", [(1, 1, 1, 0), (0.65, 0.0, 0.6, 0.35), (0.45, 0.0, 0.45, 0.8)]
    )
    fill = ax.contourf(
        lon, lat, density / top, levels=[0.05, 0.2, 0.4, 0.6, 0.8, 1.01], cmap=cmap, zorder=6
    )
    fill.set_gid("stop-density")
    columns = sorted({c for c, _ in counts})
    handles: list[Any] = []
    obstacles: list[Any] = []
    for i, col in enumerate(columns):
        marker = COLUMN_MARKERS[i % len(COLUMN_MARKERS)]
        places = sorted((p for c, p in counts if c == col), key=lambda p: -counts[(col, p)])
        for place in places:
            share = counts[(col, place)] / n
            p = scenario.place(place)
            m = ax.scatter(
                [p.lon],
                [p.lat],
                marker=marker,
                s=30 + 250 * share,
                facecolor="none",
                edgecolor=REACH_COLOUR,
                linewidths=1.6,
                zorder=8,
            )
            m.set_gid(f"stop-{col}-{place}")
            if share >= 0.05:
                t = ax.annotate(
                    f"{share:.0%}",
                    (p.lon, p.lat),
                    xytext=(0, -11 - 7 * i),
                    textcoords="offset points",
                    ha="center",
                    va="top",
                    fontsize=7,
                    color=REACH_COLOUR,
                    fontweight="bold",
                    zorder=13,
                )
                t.set_gid(f"stop-share-{col}-{place}")
                obstacles.append(t)
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                ls="",
                markerfacecolor="none",
                markeredgecolor=REACH_COLOUR,
                markeredgewidth=1.6,
                markersize=8,
                label=f"furthest place, {col} column",
            )
        )
    leg = _legend(mf, scenario, situation=False)
    mf.panel.add_artist(leg)
    leg2 = mf.panel.legend(
        handles=[
            *handles,
            Line2D(
                [],
                [],
                color=(0.55, 0.0, 0.5),
                lw=6,
                alpha=0.6,
                label="density of stops\n(marker size and %: share of runs)",
            ),
        ],
        loc="lower left",
        fontsize=8,
        frameon=False,
        borderaxespad=0.0,
    )
    leg2.set_gid("legend-stops")
    _title_strip(
        mf,
        f"{title or scenario.meta.name}: where the offensive stopped",
        f"{n:,} runs; each attacking column's furthest place by road toward "
        f"{scenario.place(scenario.objective.place).name.split(' (')[0]}",
    )
    ridges = ridge_labels(mf, scenario, obstacles)
    mf.labels = ridges + place_labels(mf, scenario, obstacles + ridges)
    return mf.fig
