"""The lean paths give the same campaigns as the plain ones (issue 17).

A batch worker keeps one World per scenario (its route memories carried from campaign to
campaign) and skips the daily state hash; the terrain map computes each place's routes when
first asked. None of this may change a result: every test here compares an optimised path
with the plain one, day by day.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest

from wargame import combat, supply
from wargame.analysis.batch import BatchSpec, OutDir, Runner, run_batch
from wargame.commanders import SideView
from wargame.doctrine import chinese
from wargame.engine import Campaign
from wargame.scenario import (
    Feature,
    Side,
    load_scenario,
    load_with_digest,
    scenario_digest,
    with_params,
)
from wargame.state import AtPlace
from wargame.terrain import TerrainMap
from wargame.world import World

ROOT = Path(__file__).resolve().parent.parent
WEST_HUNAN = ROOT / "scenarios" / "west_hunan_1945.toml"


def _days(campaign: Campaign) -> list[str]:
    days: list[str] = []
    campaign.callbacks.append(
        lambda c, r: days.append(json.dumps({k: v for k, v in r.items() if k != "hash"}))
    )
    campaign.run()
    return days


@pytest.fixture(scope="module")
def west_hunan():
    return load_scenario(WEST_HUNAN)


def test_a_shared_world_gives_the_same_campaigns_as_a_fresh_one(west_hunan) -> None:
    shared = World.from_scenario(west_hunan)
    for seed in (3, 8, 3):  # warm memories from other seeds and from the same seed
        plain = Campaign(west_hunan, seed)
        lean = Campaign(west_hunan, seed, world=shared, daily_hash=False)
        assert _days(lean) == _days(plain)
        assert lean.summary().to_dict() == plain.summary().to_dict()


def test_without_the_daily_hash_the_record_has_no_hash_but_the_summary_does(west_hunan) -> None:
    lean = Campaign(west_hunan, 2, daily_hash=False)
    records: list[dict] = []
    lean.callbacks.append(lambda c, r: records.append(r))
    summary = lean.run().to_dict()
    assert all("hash" not in r for r in records)
    assert summary["final_hash"] == Campaign(west_hunan, 2).run().to_dict()["final_hash"]


BATCH_KEYS = ("day", "date", "events", "losses", "weather", "air_superiority", "men", "casualties")
"""What a day record holds without details: what a batch reads, and what is cheap."""
DETAILS = ("decisions", "moves", "engagements", "air", "supply", "positions")


@pytest.mark.parametrize("seed", [2, 9])
def test_without_details_the_campaign_plays_the_same_and_the_record_is_lean(
    west_hunan, seed: int
) -> None:
    full, lean = Campaign(west_hunan, seed), Campaign(west_hunan, seed, details=False)
    records: dict[str, list[dict]] = {"full": [], "lean": []}
    full.callbacks.append(lambda c, r: records["full"].append(r))
    lean.callbacks.append(lambda c, r: records["lean"].append(r))
    assert lean.run().to_dict() == full.run().to_dict()
    assert len(records["lean"]) == len(records["full"]) > 40
    for a, b in zip(records["full"], records["lean"], strict=True):
        assert b["hash"] == a["hash"]  # the same state every day
        assert sorted(b) == sorted([*BATCH_KEYS, "hash"])
        assert {k: b[k] for k in BATCH_KEYS} == {k: a[k] for k in BATCH_KEYS}
        assert all(k in a for k in DETAILS)
    assert any(r["engagements"] for r in records["full"])  # there was fighting to leave out


def test_a_world_from_another_scenario_is_refused(west_hunan) -> None:
    other = load_scenario(ROOT / "scenarios" / "tutorial.toml")
    with pytest.raises(ValueError, match="not built from this scenario"):
        Campaign(west_hunan, 1, world=World.from_scenario(other))


def test_routes_computed_on_demand_equal_all_pairs_dijkstra(west_hunan) -> None:
    fresh = TerrainMap.from_scenario(west_hunan)  # no place's row yet: Dijkstra to a target
    every = dict(nx.all_pairs_dijkstra_path(fresh.graph, weight="km"))
    for a in sorted(every):
        for b in sorted(every[a]):
            assert fresh.route(a, b) == every[a][b]
    tmap = World.from_scenario(west_hunan).tmap
    for node, (dist, paths) in sorted(nx.all_pairs_dijkstra(tmap.graph, weight="km")):
        assert tmap.dist[node] == dist
        assert tmap.paths[node] == paths
    with pytest.raises(KeyError):
        tmap.dist["atlantis"]


def test_places_in_contact_are_those_within_contact_km_by_road(west_hunan) -> None:
    world = World.from_scenario(west_hunan)
    reach = west_hunan.params.intel.contact_km
    for place in sorted(world.tmap.graph.nodes):
        lengths = nx.single_source_dijkstra_path_length(world.tmap.graph, place, weight="km")
        assert world.in_contact_of(place) == {a for a, km in lengths.items() if km <= reach}


def _batch_rows(tmp_path: Path, workers: int) -> str:
    scenario, digest = load_with_digest(WEST_HUNAN)
    out = OutDir.check(tmp_path / f"w{workers}", force=True)
    with Runner({"base": scenario}, workers=workers, daily=True) as runner:
        run_batch(BatchSpec(str(WEST_HUNAN), scenario, digest, [], 6, 11), out, runner, quiet=True)
    return (tmp_path / f"w{workers}" / "runs.csv").read_text()


def test_a_batch_row_is_the_plain_campaigns_summary(west_hunan, tmp_path: Path) -> None:
    text = _batch_rows(tmp_path, 2)
    assert text == _batch_rows(tmp_path, 1)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6
    for row in rows:
        plain = Campaign(west_hunan, int(row["seed"])).run().to_dict()
        assert row["final_hash"] == plain["final_hash"]
        assert float(row["closest_approach_km"]) == plain["closest_approach_km"]


def test_a_raid_does_not_cut_the_worlds_remembered_road_capacities(west_hunan) -> None:
    world = World.from_scenario(west_hunan)
    campaign = Campaign(west_hunan, 4, world=world, daily_hash=False)
    raids: list[str] = []
    campaign.callbacks.append(lambda c, r: raids.extend(r["supply"]["japanese"]["raids"]))
    campaign.run()
    assert raids  # the guerrillas raided: each raid cut a copy of the day's capacities
    p = west_hunan.params.supply
    for (rain, cut), capacity in sorted(world._capacities.items()):
        for _rid, ends, kind in world.roads_by_id:
            fresh = supply.road_capacity(p, kind, rain=rain, interdiction=cut, raid_cut=0.0)
            assert capacity[ends] == (fresh if kind in p.road_capacity_tons else 0.0)


def test_the_units_at_a_place_are_those_a_scan_of_the_map_finds(west_hunan) -> None:
    campaign = Campaign(west_hunan, 6, daily_hash=False)

    def check(c: Campaign, _record: dict) -> None:
        s = c.state
        for place in sorted(c.world.tmap.graph.nodes):
            scan = [u for u in s.units.values() if u.on_map and u.pos == AtPlace(place)]
            assert s.units_at(place) == scan

    campaign.callbacks.append(check)
    campaign.run()


def test_a_worlds_remembered_scenario_digest_is_its_own_scenarios(west_hunan) -> None:
    other = with_params(west_hunan, (("params.doctrine.concentrate_km", 7.0),))
    world, other_world = World.from_scenario(west_hunan), World.from_scenario(other)
    for _ in range(2):  # computed, then remembered
        assert world.scenario_digest() == scenario_digest(west_hunan)
        assert other_world.scenario_digest() == scenario_digest(other)
    assert world.scenario_digest() != other_world.scenario_digest()
    summary = Campaign(other, 1, world=other_world, daily_hash=False).run().to_dict()
    assert summary["scenario_sha256"] == scenario_digest(other)


def test_the_worlds_remembered_airfields_and_start_places_are_a_fresh_scans(west_hunan) -> None:
    world = World.from_scenario(west_hunan)
    nodes = world.tmap.graph.nodes
    for _ in range(2):  # computed, then remembered
        airfields = sorted(n for n in nodes if Feature.AIRFIELD in nodes[n]["features"])
        assert airfields and world.airfields() == airfields
        for side in Side:
            held = {p.id for p in west_hunan.places if p.control == side}
            assert held and world.start_held(side) == held
    assert Side.JAPANESE.enemy is Side.CHINESE and Side.CHINESE.enemy is Side.JAPANESE


def test_the_occupant_of_a_place_is_the_one_a_scan_of_the_map_finds(west_hunan) -> None:
    campaign = Campaign(west_hunan, 6, daily_hash=False)

    def check(c: Campaign, _record: dict) -> None:
        s = c.state
        for place in sorted(c.world.tmap.graph.nodes):
            sides = {u.side for u in s.units.values() if u.on_map and u.pos == AtPlace(place)}
            expected = next((side for side in (Side.JAPANESE, Side.CHINESE) if side in sides), None)
            assert s.occupant(place) == expected

    campaign.callbacks.append(check)
    campaign.run()


def test_the_worlds_remembered_postures_and_the_days_tally_are_the_plain_ones(west_hunan) -> None:
    world = World.from_scenario(west_hunan)
    for _ in range(2):  # computed, then remembered
        for days in range(60):
            assert world.posture_after(days) == combat.posture_after(west_hunan.params.combat, days)
    campaign = Campaign(west_hunan, 5, world=world, daily_hash=False)

    def check(c: Campaign, record: dict) -> None:
        for side in Side:
            assert record["men"][str(side)] == c.state.men(side)
            assert record["casualties"][str(side)] == c.state.casualties(side)

    campaign.callbacks.append(check)
    campaign.run()


def test_the_maps_places_are_the_graphs_nodes_and_enemy_held_a_scan(west_hunan) -> None:
    """(and the roads within the places a side holds, remembered by the world, a scan)"""
    world = World.from_scenario(west_hunan)
    assert world.tmap.places == set(world.tmap.graph.nodes)
    campaign = Campaign(west_hunan, 7, world=world, daily_hash=False)

    def check(c: Campaign, _record: dict) -> None:
        s = c.state
        for side in Side:
            scan = {p for p, held_by in s.control.items() if held_by == side.enemy} | {
                u.pos.place for u in s.units_of(side.enemy) if isinstance(u.pos, AtPlace)
            }
            assert c.world.enemy_held(s, side) == scan
            control = {p for p, held_by in s.control.items() if held_by == side.enemy}
            assert c.world.enemy_held(s, side, control) == scan
            held = frozenset(p for p, held_by in s.control.items() if held_by == side)
            within = [
                (rid, ends)
                for rid, ends, _kind in c.world.roads_by_id
                if ends[0] in held and ends[1] in held
            ]
            assert c.world.roads_within(held) == within

    campaign.callbacks.append(check)
    campaign.run()


def test_the_worlds_unit_columns_are_each_units_own(west_hunan) -> None:
    world = World.from_scenario(west_hunan)
    units = world.oob.manoeuvre_units()
    assert units and world.unit_columns == {u.id: world.unit(u.id).column for u in units}
    assert any(c is not None for c in world.unit_columns.values())


def test_a_retreat_read_from_the_days_enemy_reach_is_the_one_worked_out_alone(west_hunan) -> None:
    """chinese.retreat_threatened with the view's enemy_reach given (as the staff's decide
    passes it) answers as it does working the reach out itself, for every division, daily."""
    campaign = Campaign(west_hunan, 4, world=World.from_scenario(west_hunan), daily_hash=False)
    answers: list[str | None] = []

    def check(c: Campaign, _record: dict) -> None:
        view = SideView(c.world, c.state, Side.CHINESE)
        reach = chinese.enemy_reach(view)
        for u in view.own_on_map():
            alone = chinese.retreat_threatened(SideView(c.world, c.state, Side.CHINESE), u)
            assert chinese.retreat_threatened(view, u, reach) == alone
            answers.append(alone)

    campaign.callbacks.append(check)
    campaign.run()
    assert any(a is not None for a in answers)  # some division's road back was threatened


POINTS = [
    (("params.intel.contact_km", 45.0), ("params.combat.attacker_base_rate", 0.03)),
    (("params.air.airfield_artillery_km", 40.0), ("params.supply.shortfall_threshold", 0.5)),
    (("params.movement.night_march_factor", 0.5), ("params.supply.carried_days", 3.0)),
    (("params.movement.river_crossing_days", 1.0), ("params.combat.days_to_prepared", 4.0)),
]
"""Sampled points that change parameters the world's own memories read (contact, artillery
zones, march rates and road effort, capacities, postures)."""


def test_a_reparametrised_world_plays_each_point_as_a_fresh_world_does(west_hunan) -> None:
    world = World.from_scenario(west_hunan)
    Campaign(west_hunan, 5, world=world, daily_hash=False).run()  # fill the map's memories
    for i, point in enumerate(POINTS):
        scenario = with_params(west_hunan, point)
        world = world.reparametrised(scenario)
        assert world.scenario is scenario and world.params is scenario.params
        lean = Campaign(scenario, 20 + i, world=world, daily_hash=False)
        assert _days(lean) == _days(Campaign(scenario, 20 + i))


def test_a_world_shares_its_map_only_with_a_scenario_that_differs_in_parameters(
    west_hunan,
) -> None:
    world = World.from_scenario(west_hunan)
    other = world.reparametrised(with_params(west_hunan, POINTS[0]))
    assert other.tmap is world.tmap and other._routes is world._routes
    assert other._contact is not world._contact  # contact_km is a parameter
    moved = west_hunan.model_copy(update={"places": list(west_hunan.places)})
    assert world.reparametrised(moved).tmap is not world.tmap
    assert world.reparametrised(west_hunan) is world
