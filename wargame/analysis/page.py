"""The replay page: one self-contained HTML file to share a campaign (optional extra ``plot``).

``wargame export LOG --html game.html`` writes a page with no server and no network: the
map as inline SVG in four layers (the relief; the day's areas held; rivers, roads and places;
the day's front, advance, counters and labels), the day's two kept in ``<template>``
elements and shown one day at a time, a day
slider with first, back, play, pause, next and last buttons, keyboard arrows (Home/End for
the first and last day, space to play or pause), and beside the map the day's date,
weather, air balance, both sides' strength, the columns' furthest points, engagements and
events. ``#day=N`` or ``#YYYY-MM-DD`` at the end of the page's address opens that day, and
the address follows the day shown, so a link can point at a day.

The page's text comes from the scenario and the log; the script sets it with
``textContent`` only, and the JSON it reads is escaped for a ``<script>`` element, so a
name in a scenario cannot inject markup. The same log gives the same bytes.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wargame.outputs import atomic_write
from wargame.scenario import Scenario

from . import maps
from .situations import DaySituation

PAGE_SCALE = 0.9
"""Size of the page's map against the PNG map (the SVG scales with the window anyway)."""


def _svg_element(data: bytes) -> str:
    """matplotlib's SVG file as an element for inline use: no XML prolog, DOCTYPE, RDF
    metadata or namespace declarations (HTML knows ``svg`` and ``xlink:href``), and sized
    by the page (its viewBox kept)."""
    text = data.decode("utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    text = re.sub(r' d="([^"]*)"', lambda m: ' d="' + _short_numbers(m.group(1)) + '"', text)
    return text.strip()


_NUMBER = re.compile(r"-?\d+\.\d+")


def _short_numbers(path: str) -> str:
    """Path coordinates to a tenth of a point (matplotlib writes six decimals): a third of
    the page's size, and no visible change."""
    return _NUMBER.sub(lambda m: f"{float(m.group(0)):.1f}".removesuffix(".0"), path)


def _svg(fig: Any) -> str:
    import io

    import matplotlib as mpl

    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": maps.SVG_SALT, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _svg_element(buf.getvalue())


def _hide(ax: Any, keep: Callable[[Any], bool]) -> None:
    """Hide every artist of the map axes that ``keep`` does not want (frame included)."""
    for artist in ax.get_children():
        if not keep(artist):
            artist.set_visible(False)


def _transparent(mf: maps.MapFigure) -> None:
    mf.fig.patch.set_alpha(0.0)
    mf.ax.patch.set_visible(False)


def base_svgs(scenario: Scenario) -> tuple[str, str]:
    """What does not change from day to day, in two layers that a day's tint goes between:
    the relief (opaque, at the bottom), then rivers, roads, places, scale and legend."""
    relief = maps.new_map_figure(scenario, PAGE_SCALE, strip=False)
    maps.draw_base(relief, scenario, scale=PAGE_SCALE)
    _hide(relief.ax, lambda a: a.get_gid() in ("relief", "contours") or a is relief.ax.patch)
    lines = maps.new_map_figure(scenario, PAGE_SCALE, strip=False)
    maps.draw_base(lines, scenario, scale=PAGE_SCALE)
    maps._legend(lines, scenario, situation=True, scale=PAGE_SCALE)
    _hide(lines.ax, lambda a: a.get_gid() not in ("relief", "contours"))
    _transparent(lines)
    return _svg(relief.fig), _svg(lines.fig)


def day_svgs(scenario: Scenario, days: Sequence[DaySituation], day: int) -> tuple[str, str]:
    """One day's two transparent layers: the areas held (under the roads), and the front,
    advance, furthest points, fighting, counters and place labels (over everything)."""
    mf = maps.new_map_figure(scenario, PAGE_SCALE, strip=False)
    _transparent(mf)
    mf.ax.axis("off")
    dyn = maps.draw_situation(mf, scenario, days, day, scale=PAGE_SCALE)
    counters = [a for a in dyn if str(a.get_gid() or "").startswith(("unit-", "echelon-"))]
    ridges = maps.ridge_labels(mf, scenario, counters, scale=PAGE_SCALE)
    maps.place_labels(mf, scenario, counters + ridges, scale=PAGE_SCALE)
    shown = {id(a): a.get_visible() for a in mf.ax.get_children()}
    _hide(mf.ax, lambda a: a.get_gid() == "control")
    tint = _svg(mf.fig)
    for a in mf.ax.get_children():
        a.set_visible(shown.get(id(a), True) and a.get_gid() != "control")
    return tint, _svg(mf.fig)


def _place_name(scenario: Scenario, where: str) -> str:
    ids = {p.id: p.name.split(" (")[0] for p in scenario.places}
    if ">" in where:
        a, b = where.split(">", 1)
        return f"road {ids.get(a, a)} to {ids.get(b, b)}"
    return ids.get(where, where)


def day_record(scenario: Scenario, sit: DaySituation) -> dict[str, Any]:
    """What the side panel shows for a day, as plain JSON data."""
    names = {u.id: u.name for u in scenario.units}
    _, conditions = maps.day_title(scenario, sit)
    return {
        "day": sit.day,
        "date": sit.date.isoformat(),
        "title": f"{sit.date.day} {sit.date:%B %Y} (D+{sit.day})",
        "conditions": " · ".join(part.strip() for part in conditions.split("   ") if part),
        "strength": [
            {
                "side": maps.SIDE_NAME[s],
                "men": sit.men[s],
                "lost": sit.casualties[s],
                "units": sum(1 for u in sit.units if u.side == s),
            }
            for s in ("japanese", "chinese")
        ],
        "columns": [
            f"{col} column: furthest {_place_name(scenario, place)}, {km:.0f} km to go "
            f"({int(date[8:])} {maps._month(date)})"
            for col, (km, place, date) in sit.reach.items()
        ],
        "engagements": [
            f"{_place_name(scenario, str(e.get('place', '')))}: "
            f"{', '.join(names.get(u, u) for u in e.get('attackers', []))} against "
            f"{', '.join(names.get(u, u) for u in e.get('defenders', []))}: "
            f"{str(e.get('outcome', '')).replace('_', ' ')} (ratio {e.get('ratio', 0):.2f}; "
            f"losses {int(e.get('att_losses', 0)):,} and {int(e.get('def_losses', 0)):,})"
            for e in sit.engagements
        ],
        "events": [str(e.get("text", "")) for e in sit.events if e.get("text")],
    }


def _script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</``, no ``<!--``)."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f4ee;
color:#1a1a1a}
header{padding:8px 16px;background:#2b2b2b;color:#fff}
header h1{font-size:18px;margin:0}
#date{font-size:22px;font-weight:bold;margin-top:4px}
#conditions{font-size:14px;color:#ddd}
#controls{display:flex;gap:6px;align-items:center;padding:6px 16px;background:#e8e4d8}
#controls button{font-size:14px;padding:3px 9px}
#slider{flex:1}
#main{display:flex;gap:12px;padding:8px 16px;align-items:flex-start}
#map{position:relative;flex:0 0 68%}
#map svg{width:100%;height:auto;display:block}
#map .layer{position:absolute;left:0;top:0;width:100%}
aside{flex:1;font-size:13px;min-width:240px}
aside h2{font-size:14px;margin:10px 0 4px}
aside ul{margin:0;padding-left:18px}
table{border-collapse:collapse}
td,th{padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("days-data").textContent);
  var days = data.days, last = days.length - 1, current = -1, timer = null;
  var $ = function (id) { return document.getElementById(id); };
  function fill(id, items) {
    var ul = $(id);
    while (ul.firstChild) { ul.removeChild(ul.firstChild); }
    if (!items.length) { items = ["none"]; }
    items.forEach(function (t) {
      var li = document.createElement("li"); li.textContent = t; ul.appendChild(li);
    });
  }
  function show(n) {
    n = Math.max(0, Math.min(last, n | 0));
    var d = days[n];
    current = n;
    $("slider").value = String(n);
    $("date").textContent = d.title;
    $("conditions").textContent = d.conditions;
    $("day-label").textContent = "day " + n + " of " + last;
    var rows = $("strength-rows");
    while (rows.firstChild) { rows.removeChild(rows.firstChild); }
    d.strength.forEach(function (s) {
      var tr = document.createElement("tr");
      [s.side, s.men.toLocaleString("en"), s.lost.toLocaleString("en"), String(s.units)]
        .forEach(function (t) {
          var td = document.createElement("td"); td.textContent = t; tr.appendChild(td);
        });
      rows.appendChild(tr);
    });
    fill("column-list", d.columns);
    fill("engagement-list", d.engagements);
    fill("event-list", d.events);
    [["tint", "tint-"], ["overlay", "day-"]].forEach(function (p) {
      var layer = $(p[0]);
      while (layer.firstChild) { layer.removeChild(layer.firstChild); }
      layer.appendChild($(p[1] + n).content.cloneNode(true));
    });
    document.body.setAttribute("data-day", String(n));
    try { history.replaceState(null, "", "#day=" + n); } catch (e) { /* file: URLs */ }
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    $("play").disabled = false; $("pause").disabled = true;
  }
  function play() {
    if (timer !== null) { return; }
    if (current >= last) { show(0); }
    $("play").disabled = true; $("pause").disabled = false;
    timer = setInterval(function () {
      if (current >= last) { stop(); } else { show(current + 1); }
    }, data.interval_ms);
  }
  function fromHash() {
    var h = decodeURIComponent(location.hash.replace(/^#/, ""));
    var m = /^day=(\d+)$/.exec(h);
    if (m) { return parseInt(m[1], 10); }
    for (var i = 0; i <= last; i++) { if (days[i].date === h) { return i; } }
    return 0;
  }
  $("first").addEventListener("click", function () { stop(); show(0); });
  $("prev").addEventListener("click", function () { stop(); show(current - 1); });
  $("next").addEventListener("click", function () { stop(); show(current + 1); });
  $("last").addEventListener("click", function () { stop(); show(last); });
  $("play").addEventListener("click", play);
  $("pause").addEventListener("click", stop);
  $("slider").addEventListener("input", function () { stop(); show(+$("slider").value); });
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT" && ev.target.type !== "range") { return; }
    var k = ev.key;
    if (k === "ArrowRight") { stop(); show(current + 1); }
    else if (k === "ArrowLeft") { stop(); show(current - 1); }
    else if (k === "Home") { stop(); show(0); }
    else if (k === "End") { stop(); show(last); }
    else if (k === " ") { if (timer === null) { play(); } else { stop(); } }
    else { return; }
    ev.preventDefault();
  });
  window.addEventListener("hashchange", function () {
    var n = fromHash(); if (n !== current) { stop(); show(n); }
  });
  stop();
  show(fromHash());
})();
"""

PLAY_INTERVAL_MS = 700


def replay_page(scenario: Scenario, days: Sequence[DaySituation], *, subtitle: str = "") -> str:
    """The whole page as text."""
    esc = html.escape
    data = {
        "days": [day_record(scenario, d) for d in days],
        "interval_ms": PLAY_INTERVAL_MS,
    }
    last = len(days) - 1
    layers = []
    for d in range(len(days)):
        tint, top = day_svgs(scenario, days, d)
        layers.append(f'<template id="tint-{d}">{tint}</template>')
        layers.append(f'<template id="day-{d}">{top}</template>')
    templates = "\n".join(layers)
    relief, lines = base_svgs(scenario)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(scenario.meta.name)}: replay</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1 id="title">{esc(scenario.meta.name)}</h1>
<div id="subtitle">{esc(subtitle)}</div>
<div id="date"></div>
<div id="conditions"></div>
</header>
<nav id="controls" aria-label="days">
<button id="first" title="first day (Home)">|&#x25C0; first</button>
<button id="prev" title="day before (&#x2190;)">&#x25C0; back</button>
<button id="play" title="play (space)">&#x25B6; play</button>
<button id="pause" title="pause (space)">&#x2016; pause</button>
<button id="next" title="next day (&#x2192;)">next &#x25B6;</button>
<button id="last" title="last day (End)">last &#x25B6;|</button>
<input id="slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="day">
<output id="day-label"></output>
</nav>
<div id="main">
<div id="map">
<div id="base">{relief}</div>
<div id="tint" class="layer"></div>
<div id="lines" class="layer">{lines}</div>
<div id="overlay" class="layer"></div>
</div>
<aside>
<h2>Strength</h2>
<table id="strength"><thead><tr><th>side</th><th>men present</th><th>lost so far</th>
<th>units</th></tr></thead><tbody id="strength-rows"></tbody></table>
<h2>Columns</h2><ul id="column-list"></ul>
<h2>Engagements</h2><ul id="engagement-list"></ul>
<h2>Events</h2><ul id="event-list"></ul>
</aside>
</div>
{templates}
<script type="application/json" id="days-data">{_script_json(data)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


def export_html(
    scenario: Scenario, days: Sequence[DaySituation], path: Path, *, subtitle: str = ""
) -> Path:
    """Write the replay page to ``path``, atomically."""
    atomic_write(path, replay_page(scenario, days, subtitle=subtitle))
    return path
