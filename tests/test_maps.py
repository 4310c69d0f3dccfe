"""Campaign maps, the fronts map, the animation and the replay page (extra 'plot').

Fast: the tutorial scenario, mostly on a log cut to its first days; one West Hunan map. The
replay page is opened in headless Chromium when /usr/bin/chromium (or ``chromium`` on the
PATH) is there, and those tests are skipped, saying so, when it is not.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from wargame.cli import main

pytest.importorskip("matplotlib")

TUTORIAL = "tutorial"
SVG_NS = "{http://www.w3.org/2000/svg}"
SHORT_DAYS = 6


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tut.jsonl: the tutorial played on seed 3; short.jsonl: its first days only."""
    folder = tmp_path_factory.mktemp("maps")
    log = folder / "tut.jsonl"
    assert main(["run", TUTORIAL, "--seed", "3", "--quiet", "--log", str(log)]) == 0
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "short.jsonl").write_text("".join(lines[: 1 + SHORT_DAYS]), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def situations(logs: Path):
    from wargame.analysis.situations import replay_situations
    from wargame.turnlog import read_log

    return replay_situations(read_log(logs / "tut.jsonl"))


def svg_ids(path: Path) -> set[str]:
    root = ET.parse(path).getroot()
    return {el.get("id", "") for el in root.iter() if el.get("id")}


def leftovers(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(name))


# --------------------------------------------------------------------------- the day's map


def test_same_log_gives_the_same_png_and_svg_bytes(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for suffix in ("png", "svg"):
        a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        for out in (a, b):
            code, _, err = run_cli(
                ["plot", str(logs / "tut.jsonl"), "--date", "1945-04-12", "--out", str(out)],
                capsys,
            )
            assert code == 0, err
        assert a.read_bytes() == b.read_bytes(), suffix
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "a.svg").read_bytes()[:2000]


def test_the_svg_map_has_a_layer_for_each_river_front_and_unit_of_the_day(
    logs: Path, situations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, days = situations
    day = 6
    out = tmp_path / "map.svg"
    date = days[day].date.isoformat()
    code, _, err = run_cli(
        ["plot", str(logs / "tut.jsonl"), "--date", date, "--out", str(out)], capsys
    )
    assert code == 0, err
    ids = svg_ids(out)
    assert {f"river-{r.id}" for r in scenario.rivers} <= ids
    assert {f"ridge-{r.id}" for r in scenario.ridges} <= ids
    assert {f"road-{r.id}" for r in scenario.roads} <= ids
    assert any(i.startswith("front-") for i in ids)
    assert any(i.startswith("crossing-") for i in ids)
    present = {u.id for u in days[day].units}
    assert present and {f"unit-{u}" for u in present} == {
        i for i in ids if i.startswith("unit-") and not i.startswith("unit-label-")
    }
    assert f"label-{scenario.objective.place}" in ids
    assert {"legend", "relief", "north-arrow", "scale-bar", "title", "subtitle"} <= ids
    text = out.read_text(encoding="utf-8")
    assert "heavy_rain" not in text and "light_rain" not in text


def test_the_title_strip_gives_the_weather_in_words(situations) -> None:
    from wargame.analysis.maps import day_title

    scenario, days = situations
    for sit in days:
        _, strip = day_title(scenario, sit)
        assert "_" not in strip
        assert strip.startswith("weather: " + sit.weather.replace("_", " "))


def test_the_front_keeps_near_both_sides_and_inside_the_map_of_places(situations) -> None:
    import numpy as np

    from wargame.analysis.maps import FRONT_REACH_KM, KM_PER_DEG, front_lines, map_extent

    scenario, days = situations
    ext = map_extent(scenario)
    drawn = 0
    for sit in days:
        held = {
            side: np.array(
                [
                    (p.lon * ext.kx, p.lat * KM_PER_DEG)
                    for p in scenario.places
                    if sit.holder[p.id] == side
                ]
            )
            for side in ("japanese", "chinese")
        }
        for line in front_lines(scenario, sit, ext):
            drawn += 1
            km = np.column_stack([line[:, 0] * ext.kx, line[:, 1] * KM_PER_DEG])
            for pts in held.values():
                d = np.hypot(km[:, None, 0] - pts[None, :, 0], km[:, None, 1] - pts[None, :, 1])
                assert d.min(axis=1).max() <= FRONT_REACH_KM + 1e-6
            # never along the map's edge
            assert line[:, 0].min() > ext.lon0 + 0.01 and line[:, 0].max() < ext.lon1 - 0.01
            assert line[:, 1].min() > ext.lat0 + 0.01 and line[:, 1].max() < ext.lat1 - 0.01
    assert drawn > 0


def test_west_hunan_labels_collide_with_no_label_or_counter(tmp_path: Path) -> None:
    from wargame.analysis import maps
    from wargame.analysis.situations import replay_situations
    from wargame.turnlog import read_log

    log = tmp_path / "west.jsonl"
    assert main(["run", "--seed", "1", "--quiet", "--log", str(log)]) == 0
    scenario, days = replay_situations(read_log(log))
    mf = maps.render_situation(scenario, days, 28)
    renderer = mf.fig.canvas.get_renderer()
    boxes = [(str(a.get_gid()), a.get_window_extent(renderer)) for a in mf.labels]
    assert any(g.startswith("ridge-") for g, _ in boxes), "the Xuefeng range is named"
    assert sum(g.startswith("label-") for g, _ in boxes) >= 30
    counters = [
        a.get_window_extent(renderer)
        for a in mf.dynamic
        if str(a.get_gid() or "").startswith(("unit-", "echelon-"))
    ]
    for i, (g, box) in enumerate(boxes):
        for g2, other in boxes[i + 1 :]:
            assert not box.overlaps(other), (g, g2)
        assert not any(box.overlaps(c) for c in counters), g
    # crossings the roads use, clear of the towns' dots
    crossings = maps.river_crossings(scenario)
    assert len(crossings) >= 10
    xy = {p.id: (p.lon, p.lat) for p in scenario.places}
    fords = {r.id: r.river_crossings for r in scenario.roads}
    for x, y, road, _ in crossings:
        assert fords[road] > 0
        assert min(abs(x - px) + abs(y - py) for px, py in xy.values()) > 0.01


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("extra", "name", "field"),
    [
        (["--date", "1945-13-01", "--out", "{d}/map.png"], "map.png", "--date"),
        (["--date", "1944-01-01", "--out", "{d}/map.png"], "map.png", "outside the log"),
        (["--dates", "1945-04-08,nonsense", "--out", "{d}/map.png"], "map.png", "--dates"),
        (["--date", "1945-04-08", "--out", "{d}/map.jpg"], "map.jpg", "--out"),
        (["--animate", "{d}/campaign.mp4"], "campaign.mp4", "--animate"),
        (["--date", "1945-04-08", "--out", "{d}/no/such/map.png"], "map.png", "does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_leaves_no_file(
    extra: list[str],
    name: str,
    field: str,
    logs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["plot", str(logs / "short.jsonl"), *[a.format(d=tmp_path) for a in extra]]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert field in lines[0]
    assert (name in lines[0]) or ("short.jsonl" in lines[0])
    assert leftovers(tmp_path, Path(name).stem) == []


def test_an_unwritable_folder_is_one_line_and_nothing_is_drawn(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root may write into a read-only folder")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run_cli(
            ["plot", str(logs / "short.jsonl"), "--out", str(folder / "map.png")], capsys
        )
    finally:
        folder.chmod(0o700)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "map.png" in err
    assert list(folder.iterdir()) == []


# --------------------------------------------------------------------------- fronts, animation


def test_the_fronts_map_has_a_front_for_each_date(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dates = ["1945-04-08", "1945-04-14", "1945-04-20"]
    out = tmp_path / "fronts.svg"
    code, _, err = run_cli(
        ["plot", str(logs / "tut.jsonl"), "--dates", ",".join(dates), "--out", str(out)], capsys
    )
    assert code == 0, err
    ids = svg_ids(out)
    drawn = {d for d in dates if any(i.startswith(f"front-{d}-") for i in ids)}
    assert drawn == set(dates)
    assert "legend-fronts" in ids


def test_the_animation_has_one_frame_per_day_and_the_same_bytes_each_time(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    a, b = tmp_path / "a.gif", tmp_path / "b.gif"
    for out in (a, b):
        code, _, err = run_cli(["plot", str(logs / "short.jsonl"), "--animate", str(out)], capsys)
        assert code == 0, err
    assert a.read_bytes() == b.read_bytes()
    with Image.open(a) as im:
        assert im.format == "GIF"
        assert im.n_frames == SHORT_DAYS


# --------------------------------------------------------------------------- the replay page


@pytest.fixture(scope="module")
def page(logs: Path) -> Path:
    out = logs / "game.html"
    assert main(["export", str(logs / "short.jsonl"), "--html", str(out)]) == 0
    return out


def test_the_replay_page_is_self_contained(page: Path, situations) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text)
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=", text)
    assert "@import" not in text and "url(http" not in text
    assert len(re.findall(r'<template id="day-\d+">\s*<svg', text)) == SHORT_DAYS
    assert len(re.findall(r'<template id="tint-\d+">\s*<svg', text)) == SHORT_DAYS
    # the areas held lie under the roads: relief, tint, lines, then the day's counters
    order = [text.index(f'id="{layer}"') for layer in ("base", "tint", "lines", "overlay")]
    assert order == sorted(order)
    data = re.search(r'<script type="application/json" id="days-data">(.*?)</script>', text)
    assert data is not None
    days = json.loads(data.group(1))["days"]
    _, sits = situations
    assert [d["date"] for d in days] == [s.date.isoformat() for s in sits[:SHORT_DAYS]]
    for want in ('id="slider"', 'id="play"', 'id="pause"', 'id="first"', 'id="last"'):
        assert want in text
    for d, s in zip(days, sits, strict=False):
        assert [x["men"] for x in d["strength"]] == [s.men["japanese"], s.men["chinese"]]


def test_the_replay_page_gives_the_same_bytes_each_time(
    page: Path, logs: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.html"
    assert main(["export", str(logs / "short.jsonl"), "--html", str(again)]) == 0
    assert again.read_bytes() == page.read_bytes()


def chromium() -> str:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium here (apt-get install chromium) to open the replay page in")


def browse(page: Path, tmp_path: Path, *args: str, fragment: str = "") -> str:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=3000",
        *args,
        page.as_uri() + fragment,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def shown(dom: str, element: str) -> str:
    m = re.search(rf'<[^>]+id="{element}"[^>]*>([^<]*)<', dom)
    assert m is not None, element
    return m.group(1)


def test_the_browser_opens_the_day_a_link_names(page: Path, situations, tmp_path: Path) -> None:
    _, days = situations
    dom = browse(page, tmp_path, "--dump-dom", fragment="#day=3")
    sit = days[3]
    assert shown(dom, "date") == f"{sit.date.day} {sit.date:%B %Y} (D+3)"
    assert 'data-day="3"' in dom
    # the day's layer is in the map, with its units
    overlay = dom[dom.index('id="overlay"') :]
    overlay = overlay[: overlay.index("</aside>")]
    for u in sit.units:
        assert f'id="unit-{u.id}"' in overlay
    assert f"{sit.men['japanese']:,}" in dom


def test_the_buttons_and_arrow_keys_step_through_the_days(
    page: Path, situations, tmp_path: Path
) -> None:
    """Click next twice, last, back; press the left arrow, then the right arrow twice:
    day 5 - 1 - 1 + 2 = day 5 (of 0..5), after a visit to the last day."""
    _, days = situations
    steps = """
    <script>
    window.addEventListener("load", function () {
      var log = [];
      function key(k) { document.dispatchEvent(new KeyboardEvent("keydown", {key: k})); }
      function note() { log.push(document.body.getAttribute("data-day")); }
      document.getElementById("next").click(); note();
      document.getElementById("next").click(); note();
      document.getElementById("last").click(); note();
      document.getElementById("prev").click(); note();
      key("ArrowLeft"); note();
      key("ArrowRight"); note();
      key("Home"); note();
      key("End"); note();
      document.getElementById("first").click(); note();
      document.body.setAttribute("data-steps", log.join(","));
    });
    </script>
    """
    text = page.read_text(encoding="utf-8").replace("</body>", steps + "</body>")
    copy = tmp_path / "stepped.html"
    copy.write_text(text, encoding="utf-8")
    dom = browse(copy, tmp_path, "--dump-dom")
    last = SHORT_DAYS - 1
    m = re.search(r'data-steps="([^"]*)"', dom)
    assert m is not None
    assert m.group(1).split(",") == [
        str(x) for x in (1, 2, last, last - 1, last - 2, last - 1, 0, last, 0)
    ]
    assert shown(dom, "date") == f"{days[0].date.day} {days[0].date:%B %Y} (D+0)"


def test_the_browser_screenshot_shows_the_page(page: Path, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "page.png"
    browse(
        page,
        tmp_path,
        "--hide-scrollbars",
        "--window-size=1400,900",
        f"--screenshot={shot}",
        fragment="#day=2",
    )
    with Image.open(shot) as im:
        assert im.size == (1400, 900)
        colours = im.convert("RGB").resize((140, 90)).getcolors(140 * 90)
    assert colours is not None and len(colours) > 50  # a map, not a blank page


# --------------------------------------------------------------------------- one way


def test_the_maps_do_not_import_the_command_line(logs: Path) -> None:
    code = (
        "import sys\n"
        "from wargame.turnlog import read_log\n"
        "from wargame.analysis.situations import replay_situations\n"
        f"replay_situations(read_log({str(logs / 'short.jsonl')!r}))\n"
        "import wargame.analysis.maps, wargame.analysis.page\n"
        "print('wargame.cli' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"


# --------------------------------------------------------------------------- batch charts


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The figures the batch charts draw (kept instead of written)."""
    from wargame.analysis import plots

    figures: list[object] = []

    def keep(fig: object, path: Path) -> Path:
        figures.append(fig)
        return path

    monkeypatch.setattr(plots, "save_png", keep)
    return figures


def texts_overlapping(fig) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts (tick labels, axis labels, titles) that overlap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the constrained layout places everything
    renderer = canvas.get_renderer()
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:  # not drawn
                    hidden |= {id(tick.label1), id(tick.label2)}
    found = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in hidden
    ]
    return [
        (a, b)
        for i, (a, box) in enumerate(found)
        for b, other in found[i + 1 :]
        if box.width > 0 and other.width > 0 and box.overlaps(other)
    ]


def sensitivity_result(n: int) -> dict[str, object]:
    from wargame.analysis.experiments import SENSITIVITY_METRICS, metric_info

    params = []
    for i in range(n):
        effects = {}
        for m in SENSITIVITY_METRICS:
            v = 0.0 if m.share else (n - i) * (400.0 if "casualties" in m.key else 4.0)
            effects[m.key] = {"minus": {"mean": -v}, "plus": {"mean": 0.8 * v}}
        params.append(
            {"key": f"params.movement.march_rate_km_per_day_mountain_track_{i}", "effects": effects}
        )
    return {
        "params": params,
        "metrics": metric_info(SENSITIVITY_METRICS),
        "delta": 0.2,
        "scenario": "west_hunan_1945",
        "runs": 200,
    }


def test_the_tornado_has_the_tables_rows_and_no_empty_panel_or_crowded_labels(
    drawn: list[object], tmp_path: Path
) -> None:
    from wargame.analysis.plots import tornado_chart

    tornado_chart(sensitivity_result(25), tmp_path / "t.png")
    (fig,) = drawn
    axes = [ax for ax in fig.axes if ax.get_visible()]
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert len(labels) == 20  # as `wargame sensitivity` prints (--top 20)
    assert all(not x.startswith("params.") for x in labels)
    xlabels = [ax.get_xlabel() for ax in axes]
    assert not any("captured" in x for x in xlabels), "the all-zero panel is left out"
    assert "not drawn" in fig._suptitle.get_text() and "captured" in fig._suptitle.get_text()
    assert texts_overlapping(fig) == []


def test_the_tornado_shows_every_row_when_the_table_does(
    drawn: list[object], tmp_path: Path
) -> None:
    from wargame.analysis.plots import tornado_chart

    tornado_chart(sensitivity_result(25), tmp_path / "t.png", None)
    assert len(drawn[0].axes[0].get_yticklabels()) == 25


def test_the_whatif_chart_leaves_out_a_metric_no_variant_changes(
    drawn: list[object], tmp_path: Path
) -> None:
    from wargame.analysis.experiments import WHATIF_METRICS, metric_info
    from wargame.analysis.plots import whatif_chart

    variants = []
    for name in ("no_air", "no_airlift", "dry_season"):
        effects = {
            m.key: (
                {"mean": 0.0, "lo": 0.0, "hi": 0.0}
                if m.share
                else {"mean": 1234.0, "lo": 1000.0, "hi": 1500.0}
            )
            for m in WHATIF_METRICS
        }
        variants.append({"name": name, "effects": effects, "its_units_engaged_pct": 50.0})
    result = {"metrics": metric_info(WHATIF_METRICS), "variants": variants, "runs": 500}
    whatif_chart(result, tmp_path / "w.png")
    (fig,) = drawn
    xlabels = [ax.get_xlabel() for ax in fig.axes]
    assert len(xlabels) == 3 and not any("captured" in x for x in xlabels)
    assert "captured" in fig._suptitle.get_text()
    assert texts_overlapping(fig) == []


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("batch") / "b"
    args = ["batch", TUTORIAL, "-n", "6", "--seed", "1", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    return out


def test_history_in_the_batch_charts_legends_is_described_not_an_id(
    drawn: list[object], batch: Path, tmp_path: Path
) -> None:
    from wargame.analysis.history import load_record_or_none
    from wargame.analysis.plots import plot_directory

    record = load_record_or_none()
    assert record
    plot_directory(batch, tmp_path / "charts", record)
    entries = [
        t.get_text()
        for fig in drawn
        for ax in fig.axes
        if ax.get_legend() is not None
        for t in ax.get_legend().get_texts()
    ]
    assert any(e.startswith("record: ") for e in entries)
    ids = {f.id for f in record}
    assert not [e for e in entries if any(i in e for i in ids)]
    assert not [e for e in entries if "history: " in e]


def test_the_batch_map_shows_where_each_column_stopped(
    batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    from wargame.analysis.batch import parse_furthest
    from wargame.analysis.maps import stopped_map
    from wargame.session import load, resolve_scenario

    rows = list(csv.DictReader((batch / "runs.csv").open(encoding="utf-8")))
    stops = [parse_furthest(r["columns_furthest"]) for r in rows]
    assert len(stops) == 6 and all(stops)
    code, _, err = run_cli(["plot", str(batch), "--out", str(tmp_path / "c")], capsys)
    assert code == 0, err
    assert (tmp_path / "c" / "stopped.png").read_bytes()[:4] == b"\x89PNG"
    scenario, _ = load(resolve_scenario(TUTORIAL), [])
    svg = stopped_map(scenario, stops, tmp_path / "stopped.svg")
    ids = svg_ids(svg)
    assert "stop-density" in ids
    want = {f"stop-{c}-{p}" for s in stops for c, p in s.items()}
    assert want <= ids


def test_a_day_of_a_batch_folder_is_refused_in_one_line(
    batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["plot", str(batch), "--date", "1945-04-10", "--out", str(tmp_path / "c")], capsys
    )
    assert code == 2 and err.count("\n") == 1 and "--date" in err and "batch folder" in err
    assert not (tmp_path / "c").exists()
