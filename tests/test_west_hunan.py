"""The West Hunan scenario: the terrain graph and the order of battle against the sources."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from wargame.cli import main
from wargame.forces import Corps, Division, ManoeuvreUnit, OrderOfBattle
from wargame.scenario import Commitment, Feature, RoadKind, Side, load_scenario
from wargame.terrain import TerrainMap, build_graph, haversine_km

ROOT = Path(__file__).resolve().parent.parent
WEST_HUNAN = ROOT / "scenarios" / "west_hunan_1945.toml"

# Every formation of the seed text (shared/reference/seed_battle_of_west_hunan.txt) with its
# commander exactly as the seed writes it. Two formations share the name "51st Division".
SEED_CHINESE = [
    ("Commander-in-Chief", "He Yingqin"),
    ("3rd Front Army", "Tang Enbo"),
    ("27th Army Group", "Li Yutang"),
    ("26th Corps", "Ting Chih-pan"),
    ("4th Division", "Chiang Hsiu-jen"),
    ("94th Corps", "Mu Ting-fang"),
    ("5th Division", "Li Tse-fen"),
    ("43rd Division", "Li Shih-lin"),
    ("121st Division", "Ch Ching-min"),
    ("New 6th Corps", "Liao Yao-hsiang"),
    ("14th Division", "Lung Tien-wu"),
    ("New 22nd Division", "Li Tao"),
    ("4th Front Army", "Wang Yao-wu"),
    ("18th Corps", "Hu Lien"),
    ("11th Division", "Yang Po-tao"),
    ("18th Division", "Chin Tao-shan"),
    ("118th Division", "Tai Pu"),
    ("73rd Corps", "Han Chun"),
    ("15th Division", "Liang Chi-lu"),
    ("77th Division", "Tang Sheng-hai"),
    ("193rd Division", "Hsiao Chuang-kuang"),
    ("74th Corps", "Shih Chung-cheng"),
    ("51st Division", "Chao Chih-tao"),
    ("57th Division", "Li Yen"),
    ("58th Division", "Tsai Jen-chieh"),
    ("100th Corps", "Li Tien-hsia"),
    ("19th Division", "Yang Yin"),
    ("63rd Division", "Hsu Chih-hsiu"),
    ("13th Division", "Chin Li-san"),
    ("6th Provincial Division", "Chao Chi-ping"),
    ("10th Army Group", "Wang Ching-chiu"),
    ("39th Corps", "Liu Shang-chih"),
    ("51st Division", "Shih Hun-hsi"),
    ("92nd Corps", "Hou Ching-ju"),
    ("21st Division", "Li Tse-fen"),
    ("142nd Division", "Li Chun-ling"),
]
SEED_JAPANESE = [
    ("20th Army", "Ichir Banzai"),
    ("34th Division", "Takeo Ban"),
    ("47th Division", "Hiroshi Watanabe"),
    ("68th Division", "Mikio Tsutsumi"),
    ("116th Division", "Ginnosuke Uchida"),
]
SEED_JAPANESE_UNNAMED = ["64th Division", "86th Independent Mixed Brigade"]

REQUIRED_PLACES = [
    "shaoyang",
    "hengyang",
    "xiangtan",
    "taohuaping",
    "dongkou",
    "jiangkou",
    "xuefeng_pass",
    "anjiang",
    "huaihua",
    "zhijiang",
    "zhijiang_airfield",
    "xinning",
    "wugang",
    "wuyang",
    "hongjiang",
    "xinhua",
    "xupu",
    "chenxi",
]

pytestmark = pytest.mark.skipif(not WEST_HUNAN.exists(), reason="scenario file missing")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(WEST_HUNAN)


@pytest.fixture(scope="module")
def oob(scenario):
    return OrderOfBattle.from_scenario(scenario)


# --------------------------------------------------------------------------- terrain graph


def test_map_has_the_campaign_places_and_is_connected(scenario) -> None:
    g = build_graph(scenario)
    assert g.number_of_nodes() >= 25
    assert set(REQUIRED_PLACES) <= set(g.nodes)
    assert nx.is_connected(g)


def test_every_road_is_at_least_its_straight_line_and_at_most_twice_it(scenario) -> None:
    g = build_graph(scenario)
    for a, b, road in g.edges(data=True):
        na, nb = g.nodes[a], g.nodes[b]
        straight = haversine_km(na["lat"], na["lon"], nb["lat"], nb["lon"])
        assert road["km"] >= straight - 0.5, (a, b, road["km"], straight)
        assert road["km"] <= max(2.0 * straight, straight + 3.0), (a, b, road["km"], straight)


def test_shaoyang_to_zhijiang_is_about_300_km_by_road(scenario) -> None:
    tmap = TerrainMap.from_scenario(scenario)
    km = tmap.dist["shaoyang"]["zhijiang_airfield"]
    straight = tmap.straight_km("shaoyang", "zhijiang_airfield")
    assert 165 <= straight <= 190  # geography.md: 176 km
    assert 240 <= km <= 340, km


def test_the_highway_runs_from_shaoyang_over_the_xuefeng_pass(scenario) -> None:
    g = build_graph(scenario)
    highways = nx.Graph([(a, b) for a, b, r in g.edges(data=True) if r["kind"] == RoadKind.HIGHWAY])
    route = nx.shortest_path(highways, "shaoyang", "zhijiang_airfield")
    for town in ("dongkou", "jiangkou", "xuefeng_pass", "anjiang"):
        assert town in route
    assert g.nodes["xuefeng_pass"]["terrain"] == "pass"
    assert Feature.SUPPLY_DEPOT in g.nodes["shaoyang"]["features"]
    assert Feature.AIRFIELD in g.nodes["zhijiang_airfield"]["features"]


def test_heng_shao_and_tan_shao_highways_feed_shaoyang(scenario) -> None:
    g = build_graph(scenario)
    highways = nx.Graph([(a, b) for a, b, r in g.edges(data=True) if r["kind"] == RoadKind.HIGHWAY])
    assert nx.has_path(highways, "hengyang", "shaoyang")
    assert nx.has_path(highways, "xiangtan", "shaoyang")


def test_every_place_and_road_has_a_terrain_or_road_class(scenario) -> None:
    g = build_graph(scenario)
    terrains = set(scenario.params.combat.terrain_class)
    assert all(g.nodes[n]["terrain"] in terrains for n in g.nodes)
    assert all(
        r["kind"] in set(scenario.params.movement.road_km_per_day) for _, _, r in g.edges(data=True)
    )


def test_rivers_are_crossed_somewhere(scenario) -> None:
    assert sum(r.river_crossings for r in scenario.roads) >= 3


# --------------------------------------------------------------------------- order of battle


def _find(oob: OrderOfBattle, side: Side, name: str, commander: str | None):
    return [
        f
        for f in oob.formations.values()
        if f.side == side
        and name.lower() in f.name.lower()
        and (commander is None or f.commander == commander)
    ]


@pytest.mark.parametrize(("name", "commander"), SEED_CHINESE)
def test_every_chinese_seed_formation_is_present_with_its_commander(oob, name, commander):
    assert _find(oob, Side.CHINESE, name, commander), f"{name} ({commander}) missing"


@pytest.mark.parametrize(("name", "commander"), SEED_JAPANESE)
def test_every_japanese_seed_formation_is_present_with_its_commander(oob, name, commander):
    assert _find(oob, Side.JAPANESE, name, commander), f"{name} ({commander}) missing"


@pytest.mark.parametrize("name", SEED_JAPANESE_UNNAMED)
def test_japanese_formations_without_a_named_commander_are_present(oob, name):
    assert _find(oob, Side.JAPANESE, name, None)


def test_totals_are_close_to_the_seed(scenario, oob) -> None:
    japanese = oob.men(Side.JAPANESE)
    assert 72_000 <= japanese <= 88_000  # "a total of 80,000 men by early April"
    chinese_in_battle = sum(
        u.men
        for u in oob.manoeuvre_units(Side.CHINESE)
        if oob.effective_commitment(u) != Commitment.UNCOMMITTED
    )
    assert 99_000 <= chinese_in_battle <= 121_000  # "Chinese forces totaled 110,000 men"
    divisions = [
        u
        for u in oob.manoeuvre_units(Side.CHINESE)
        if isinstance(u, Division) and oob.effective_commitment(u) != Commitment.UNCOMMITTED
    ]
    assert 18 <= len(divisions) <= 21  # "in 20 divisions"
    allied = sum(g.aircraft for g in scenario.air_groups if g.side == Side.CHINESE)
    assert 360 <= allied <= 440  # "about 400 aircraft"
    assert sum(g.aircraft for g in scenario.air_groups if g.side == Side.JAPANESE) > 0


def test_39th_and_92nd_corps_are_uncommitted(oob) -> None:
    for name in ("39th Corps", "92nd Corps"):
        (corps,) = _find(oob, Side.CHINESE, name, None)
        assert isinstance(corps, Corps)
        assert corps.subordinates
        for unit in corps.walk():
            assert oob.effective_commitment(unit) == Commitment.UNCOMMITTED


def test_new_6th_corps_arrives_by_airlift_at_zhijiang(oob) -> None:
    (corps,) = _find(oob, Side.CHINESE, "New 6th Corps", None)
    divisions = [u for u in corps.walk() if isinstance(u, ManoeuvreUnit)]
    assert len(divisions) >= 2
    for d in divisions:
        assert d.arrival is not None and d.arrival.mode == "airlift"
        assert d.arrival.place in ("zhijiang_airfield", "zhijiang")
        assert d.arrival.day > 0
        assert d.quality == "american_equipped"


def test_hierarchy_runs_from_army_to_division(oob) -> None:
    (twentieth,) = _find(oob, Side.JAPANESE, "20th Army", None)
    assert twentieth.parent is None
    assert {type(s).__name__ for s in twentieth.subordinates} >= {"Division"}
    (hq,) = _find(oob, Side.CHINESE, "Commander-in-Chief", None)
    assert hq.parent is None
    assert hq.strength_men == sum(u.men for u in oob.manoeuvre_units(Side.CHINESE))


def test_every_manoeuvre_unit_has_a_sourced_or_estimated_strength(scenario) -> None:
    # a strength is sourced in the file's comments or `strength_source`; here: sane sizes
    for u in scenario.units:
        if u.strength_men is not None:
            assert 500 <= u.strength_men <= 25_000, u.id


def test_validate_prints_the_totals(capsys, oob) -> None:
    assert main(["validate", str(WEST_HUNAN)]) == 0
    out = capsys.readouterr().out
    assert f"{oob.men(Side.JAPANESE):,} men" in out
    assert f"{oob.men(Side.CHINESE):,} men" in out


def test_oob_prints_both_sides_with_commanders(capsys) -> None:
    assert main(["oob", str(WEST_HUNAN)]) == 0
    out = capsys.readouterr().out
    for name in (
        "20th Army",
        "116th Division",
        "New 6th Corps",
        "Liao Yao-hsiang",
        "He Yingqin",
        "Takeo Ban",
    ):
        assert name in out
