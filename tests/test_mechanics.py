"""The mechanics, one statement about the war per test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from wargame import air, ambush, attrition, combat, movement, supply, weather
from wargame.params import Params
from wargame.scenario import load_scenario
from wargame.terrain import TerrainMap, haversine_km


@pytest.fixture(scope="module")
def tutorial():
    """The tutorial scenario, validated."""
    return load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "tutorial.toml")


P = Params()


def test_haversine_shaoyang_to_zhijiang_is_about_176_km() -> None:
    assert haversine_km(27.24, 111.47, 27.45, 109.70) == pytest.approx(176, abs=3)


def test_rain_slows_movement_on_every_road_class() -> None:
    for kind in ("highway", "cart_road", "mountain_track"):
        dry = movement.march_rate_km(
            P.movement, kind, "hills", rain=False, enemy_air_superiority=False, low_supply=False
        )
        wet = movement.march_rate_km(
            P.movement, kind, "hills", rain=True, enemy_air_superiority=False, low_supply=False
        )
        assert 0 < wet < dry


def test_enemy_air_superiority_slows_daytime_movement() -> None:
    free = movement.march_rate_km(
        P.movement, "highway", "plain", rain=False, enemy_air_superiority=False, low_supply=False
    )
    hunted = movement.march_rate_km(
        P.movement, "highway", "plain", rain=False, enemy_air_superiority=True, low_supply=False
    )
    assert hunted < free


def test_mountain_track_is_slower_than_highway() -> None:
    kw = dict(rain=False, enemy_air_superiority=False, low_supply=False)
    assert movement.march_rate_km(
        P.movement, "mountain_track", "mountain", **kw
    ) < movement.march_rate_km(P.movement, "highway", "mountain", **kw)


def test_river_crossing_costs_time() -> None:
    assert movement.road_effort_km(P.movement, "cart_road", 30, 2) > 30
    assert movement.road_effort_km(P.movement, "cart_road", 30, 0) == 30


def test_rain_grounds_aircraft() -> None:
    group = air.AirGroupState("g", 200, "fighter", True)
    clear = sum(
        air.sorties(P.air, group, weather.CLEAR, np.random.default_rng(s)) for s in range(20)
    )
    heavy = sum(
        air.sorties(P.air, group, weather.HEAVY_RAIN, np.random.default_rng(s)) for s in range(20)
    )
    assert heavy < 0.4 * clear


def test_more_aircraft_fly_more_sorties() -> None:
    few = air.AirGroupState("g", 50, "fighter_bomber", True)
    many = air.AirGroupState("g", 400, "fighter_bomber", True)
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    assert sum(air.sorties(P.air, many, "clear", rng_a) for _ in range(10)) > sum(
        air.sorties(P.air, few, "clear", rng_b) for _ in range(10)
    )


def test_captured_airfield_flies_nothing() -> None:
    group = air.AirGroupState("g", 400, "fighter", False)
    assert air.sorties(P.air, group, "clear", np.random.default_rng(0)) == 0


def test_air_superiority_comes_from_the_sortie_balance() -> None:
    assert air.superiority(P.air, {"chinese": 300, "japanese": 20}) == "chinese"
    assert air.superiority(P.air, {"chinese": 100, "japanese": 90}) is None
    assert air.superiority(P.air, {"chinese": 0, "japanese": 0}) is None


def test_only_the_side_with_air_superiority_flies_interdiction() -> None:
    assert air.allocate(P.air, 200, True)["interdiction"] > 0
    assert air.allocate(P.air, 200, False)["interdiction"] == 0
    assert sum(air.allocate(P.air, 200, True).values()) == 200


def test_interdiction_cuts_supply_throughput() -> None:
    cut = air.interdiction_cut(P.air, 150)
    assert 0 < cut <= P.air.interdiction_max_cut
    free = supply.road_capacity(P.supply, "highway", rain=False, interdiction=0.0, raid_cut=0)
    hit = supply.road_capacity(P.supply, "highway", rain=False, interdiction=cut, raid_cut=0)
    assert hit < free


def test_rain_halves_a_dirt_roads_capacity() -> None:
    dry = supply.road_capacity(P.supply, "cart_road", rain=False, interdiction=0, raid_cut=0)
    wet = supply.road_capacity(P.supply, "cart_road", rain=True, interdiction=0, raid_cut=0)
    assert wet == pytest.approx(0.5 * dry)
    highway_dry = supply.road_capacity(P.supply, "highway", rain=False, interdiction=0, raid_cut=0)
    highway_wet = supply.road_capacity(P.supply, "highway", rain=True, interdiction=0, raid_cut=0)
    assert wet / dry < highway_wet / highway_dry < 1.0


def test_ambush_chance_is_highest_at_passes_and_zero_on_the_plain() -> None:
    kw = dict(through_pass=False, attacker_has_air=False)
    assert ambush.ambush_chance(P.ambush, "plain", "prepared", **kw) == 0
    assert (
        ambush.ambush_chance(P.ambush, "pass", "prepared", **kw)
        > ambush.ambush_chance(P.ambush, "hills", "prepared", **kw)
        > 0
    )


def test_reconnaissance_from_the_air_lowers_the_ambush_chance() -> None:
    blind = ambush.ambush_chance(
        P.ambush, "mountain", "prepared", through_pass=False, attacker_has_air=False
    )
    seen = ambush.ambush_chance(
        P.ambush, "mountain", "prepared", through_pass=False, attacker_has_air=True
    )
    assert seen < blind


def test_surprise_fades_over_three_days() -> None:
    f = [ambush.surprise_factor(P.ambush, d) for d in range(4)]
    assert f[0] == P.ambush.surprise_factor
    assert f[0] > f[1] > f[2] > f[3] == 1.0


def _attacker_losses(surprise: float, seed: int) -> int:
    """Daily losses of a 15,000-man column attacking 6,000 defenders in a pass."""
    cp = P.combat
    att = [combat.Force("a", 15000, cp.quality["japanese_line"], 1.0)]
    dfn = [combat.Force("d", 6000, cp.quality["veteran"], cp.posture["prepared"])]
    field = combat.Battlefield("pass", "prepared", surprise=surprise)
    rng = np.random.default_rng(seed)
    r = combat.resolve_engagement(cp, att, dfn, field, combat.Stakes(), rng)
    return r.attacker_losses["a"]


def test_a_column_caught_on_the_march_never_holds_and_is_routed_at_a_breakthrough_ratio() -> None:
    cp = P.combat
    rng = np.random.default_rng(3)
    strong = [combat.Force("p", 30000, 1.0, 1.0)]
    column = [combat.Force("c", 3000, 1.0, cp.posture["withdrawal"])]
    field = combat.Battlefield("plain", "withdrawal", on_the_march=True)
    r = combat.resolve_engagement(cp, strong, column, field, combat.Stakes(), rng)
    assert r.ratio >= cp.breakthrough_ratio
    assert (r.outcome, r.routed, r.gained_km) == (combat.PURSUIT_ROUT, True, 0.0)
    weak = combat.resolve_engagement(
        cp, [combat.Force("p", 300, 1.0, 1.0)], column, field, combat.Stakes(), rng
    )
    assert (weak.outcome, weak.routed) == (combat.PURSUIT, False)


def test_an_attack_that_clears_the_defended_zone_makes_the_defender_withdraw() -> None:
    cp = P.combat
    att = [combat.Force("a", 18000, 1.0, 1.0)]  # above 1:1 against a hasty defence in hills
    dfn = [combat.Force("d", 8000, 1.0, cp.posture["hasty"])]
    field = combat.Battlefield("hills", "hasty")
    rng = np.random.default_rng(5)
    first = combat.resolve_engagement(
        cp, att, dfn, field, combat.Stakes(defender_initial_men=8000), rng
    )
    assert first.ratio >= cp.success_ratio and first.gained_km > 0
    assert first.outcome == combat.Outcome.GAINS_GROUND  # not yet through the defended zone
    nearly = combat.Stakes(defender_initial_men=8000, assault_km=cp.defence_zone_km)
    done = combat.resolve_engagement(cp, att, dfn, field, nearly, rng)
    assert cp.success_ratio <= done.ratio < cp.breakthrough_ratio
    assert (done.outcome, done.routed) == (combat.Outcome.WITHDRAWS, False)
    cut_off = combat.Stakes(
        can_retreat=False, defender_initial_men=8000, assault_km=cp.defence_zone_km
    )
    trapped = combat.resolve_engagement(cp, att, dfn, field, cut_off, rng)
    assert (trapped.outcome, trapped.routed) == (combat.Outcome.ENCIRCLED, True)


def test_ambush_in_the_mountains_raises_the_attackers_losses() -> None:
    surprised = sum(_attacker_losses(ambush.surprise_factor(P.ambush, 0), s) for s in range(50))
    normal = sum(_attacker_losses(1.0, s) for s in range(50))
    assert surprised > 1.2 * normal


def test_fortified_defender_loses_fewer_men_than_a_hasty_one() -> None:
    cp = P.combat

    def defender_losses(posture: str) -> int:
        total = 0
        for seed in range(50):
            rng = np.random.default_rng(seed)
            att = [combat.Force("a", 15000, 1.3, 1.0)]
            dfn = [combat.Force("d", 8000, 1.0, cp.posture[posture])]
            mult = combat.defender_multiplier(cp, "hills", "attack", town=False, river=False)
            ratio = combat.noisy_ratio(cp, combat.power(att, 1), combat.power(dfn, mult), rng)
            total += combat.draw_casualties(8000, combat.casualty_rates(cp, ratio, "hills")[1], rng)
        return total

    assert defender_losses("fortified") < defender_losses("hasty")


def test_mountain_defender_suffers_less_than_on_the_plain() -> None:
    _, plain = combat.casualty_rates(P.combat, 1.0, "plain")
    _, mountain = combat.casualty_rates(P.combat, 1.0, "mountain")
    assert mountain < plain


def test_outcome_follows_the_power_ratio_and_the_line_of_retreat() -> None:
    cp = P.combat
    assert combat.decide_outcome(cp, 0.5, 0.01, 0.05, True) == combat.Outcome.REPULSED
    assert combat.decide_outcome(cp, 1.5, 0.01, 0.05, True) == combat.Outcome.WITHDRAWS
    assert combat.decide_outcome(cp, 4.0, 0.01, 0.05, True) == combat.Outcome.BREAKTHROUGH
    assert combat.decide_outcome(cp, 1.5, 0.01, 0.05, False) == combat.Outcome.ENCIRCLED
    # a defender bleeding past its breakpoint gives ground even when the ratio favours it
    assert combat.decide_outcome(cp, 0.8, 0.06, 0.05, True) == combat.Outcome.WITHDRAWS


def test_routed_forces_lose_more_men_captured() -> None:
    rng = np.random.default_rng(3)
    held = combat.split_losses(P.combat, 10000, False, rng)
    routed = combat.split_losses(P.combat, 10000, True, rng)
    assert routed["captured"] > 3 * held["captured"]
    assert sum(held.values()) == sum(routed.values()) == 10000


def test_supply_shortfall_lowers_combat_power() -> None:
    assert combat.supply_power_factor(P.supply, 1.0) == 1.0
    assert combat.supply_power_factor(P.supply, 0.3) < 1.0
    assert combat.supply_power_factor(P.supply, 0.0) == P.supply.min_power_factor


def test_a_unit_cut_off_lives_on_its_stock_then_starves() -> None:
    stock, states = P.supply.carried_days, []
    for _ in range(int(P.supply.carried_days) + 3):
        stock, state = supply.consume(P.supply, stock, 0.0)
        states.append(state)
    assert states[0] == 1.0
    assert states[-1] == 0.0


def test_hunger_and_mountains_raise_disease() -> None:
    date = dt.date(1945, 5, 10)
    base = attrition.disease_rate(
        P.attrition, date, "japanese", mountain=False, low_supply=False, exertion=False
    )
    worse = attrition.disease_rate(
        P.attrition, date, "japanese", mountain=True, low_supply=True, exertion=True
    )
    assert worse > 3 * base > 0


def test_disease_rises_into_the_summer() -> None:
    kw = dict(mountain=False, low_supply=False, exertion=False)
    assert attrition.disease_rate(
        P.attrition, dt.date(1945, 6, 1), "chinese", **kw
    ) > attrition.disease_rate(P.attrition, dt.date(1945, 4, 10), "chinese", **kw)


def test_weather_rains_about_as_often_as_the_climate_says() -> None:
    rng = np.random.default_rng(5)
    w, wet = weather.CLEAR, 0
    for _ in range(5000):
        w = weather.draw_weather(P.weather, dt.date(1945, 4, 15), w, rng)
        wet += weather.is_rain(w)
    assert wet / 5000 == pytest.approx(P.weather.rain_probability_by_month["4"], abs=0.04)


def test_supply_cut_off_from_the_depot_delivers_nothing(tutorial) -> None:
    tmap = TerrainMap.from_scenario(tutorial)
    routes = supply.supply_routes(
        tmap.graph, ["eastbridge"], blocked={"ford_village", "south_track"}
    )
    demands = [supply.Demand("x", "high_pass", 100.0), supply.Demand("y", "eastbridge", 100.0)]
    caps = {(min(r.a, r.b), max(r.a, r.b)): 400.0 for r in tutorial.roads}
    got = supply.deliveries(P.supply, "japanese", demands, routes, caps)
    assert got["x"] == 0.0
    assert got["y"] == pytest.approx(1.0)


def test_supply_falls_with_distance_and_shared_roads(tutorial) -> None:
    tmap = TerrainMap.from_scenario(tutorial)
    routes = supply.supply_routes(tmap.graph, ["eastbridge"], blocked=set())
    caps = {(min(r.a, r.b), max(r.a, r.b)): 150.0 for r in tutorial.roads}
    one = supply.deliveries(
        P.supply, "japanese", [supply.Demand("x", "west_town", 100.0)], routes, caps
    )
    two = supply.deliveries(
        P.supply,
        "japanese",
        [supply.Demand("x", "west_town", 100.0), supply.Demand("y", "west_town", 100.0)],
        routes,
        caps,
    )
    near = supply.deliveries(
        P.supply, "japanese", [supply.Demand("x", "ford_village", 100.0)], routes, caps
    )
    assert two["x"] < one["x"] < near["x"]


def test_a_winning_attacker_must_push_through_the_defended_zone_first() -> None:
    cp = P.combat
    assert (
        combat.decide_outcome(cp, 1.5, 0.01, 0.05, True, zone_cleared=False)
        == combat.Outcome.GAINS_GROUND
    )
    # a breakthrough or a defender past its breakpoint does not wait for the zone
    assert (
        combat.decide_outcome(cp, 4.0, 0.01, 0.05, True, zone_cleared=False)
        == combat.Outcome.BREAKTHROUGH
    )
    assert (
        combat.decide_outcome(cp, 1.5, 0.06, 0.05, True, zone_cleared=False)
        == combat.Outcome.WITHDRAWS
    )


def test_advance_is_slowest_against_prepared_defence_in_the_mountains() -> None:
    cp = P.combat
    mountain_prepared = combat.advance_km(cp, "prepared", "mountain", rain=False)
    mountain_hasty = combat.advance_km(cp, "hasty", "mountain", rain=False)
    plain_prepared = combat.advance_km(cp, "prepared", "plain", rain=False)
    assert mountain_prepared < mountain_hasty
    assert mountain_prepared < plain_prepared
    assert combat.advance_km(cp, "hasty", "hills", rain=True) < combat.advance_km(
        cp, "hasty", "hills", rain=False
    )


def test_posture_hardens_with_days_in_place() -> None:
    cp = P.combat
    assert combat.posture_after(cp, 0) == "hasty"
    assert combat.posture_after(cp, cp.days_to_prepared) == "prepared"
    assert combat.posture_after(cp, cp.days_to_fortified) == "fortified"


def test_a_static_division_needs_far_less_than_one_in_combat() -> None:
    static = supply.need_tons(P.supply, "japanese", 15000, "static")
    combat_need = supply.need_tons(P.supply, "japanese", 15000, "combat")
    assert 100 <= combat_need <= 200  # models.md §6: 100-200 t/day in sustained combat
    assert static < 0.5 * combat_need


def test_setting_one_table_entry_keeps_the_other_sourced_defaults(tutorial) -> None:
    s = load_scenario(
        Path(__file__).resolve().parent.parent / "scenarios" / "tutorial.toml",
        [
            "params.combat.terrain_defender.pass=2.0",
            "params.combat.advance_rate_km.heavy.mountain=0.5",
        ],
    )
    assert s.params.combat.terrain_defender["pass"] == 2.0
    assert s.params.combat.terrain_defender["mountain"] == P.combat.terrain_defender["mountain"]
    assert s.params.combat.advance_rate_km["heavy"]["mountain"] == 0.5
    assert (
        s.params.combat.advance_rate_km["heavy"]["pass"]
        == P.combat.advance_rate_km["heavy"]["pass"]
    )
    # the tutorial sets April's rain chance only; May and June keep theirs
    assert (
        s.params.weather.rain_probability_by_month["5"] == P.weather.rain_probability_by_month["5"]
    )


def test_a_guerrilla_raid_hits_the_column_supplied_over_that_road_and_no_other() -> None:
    from wargame import guerrilla
    from wargame.scenario import Side
    from wargame.state import UnitState

    gp = P.guerrilla.model_copy(update={"raid_losses_men": 40.0})
    near = UnitState("near", Side.JAPANESE, 5000, present=5000, location="b")
    far = UnitState("far", Side.JAPANESE, 5000, present=5000, location="x")
    paths = {"b": ["depot", "a", "b"], "x": ["depot", "x"]}
    ends = {"a-b": {"a", "b"}, "depot-x": {"depot", "x"}, "q-r": {"q", "r"}}
    rng = np.random.default_rng(1)
    hits = list(guerrilla.raid_losses(gp, ["a-b", "depot-x", "q-r"], ends, paths, [far, near], rng))
    assert [(rid, v.id if v else None) for rid, v, _ in hits] == [
        ("a-b", "near"),
        ("depot-x", "far"),
        ("q-r", None),
    ]
    assert all(men > 0 for _, _, men in hits)


def test_guerrillas_raid_about_the_sourced_share_of_roads_behind_the_front() -> None:
    from wargame import guerrilla

    gp = P.guerrilla
    exposed = [(f"r{i}", (f"a{i}", f"b{i}")) for i in range(20_000)]
    raided = guerrilla.raided_roads(gp, exposed, np.random.default_rng(2))
    share = len(raided) / len(exposed)
    assert abs(share - gp.raid_chance_per_road) < 4 * (gp.raid_chance_per_road / 20_000) ** 0.5
    assert guerrilla.raided_roads(gp, [], np.random.default_rng(2)) == []


def test_aircraft_under_repair_fly_no_sorties_and_the_bigger_air_force_holds_superiority() -> None:
    ap = P.air

    def day(damaged_chinese: int) -> air.AirDay:
        groups = {
            "japanese": [air.AirGroupState("j", 40, "fighter", True)],
            "chinese": [air.AirGroupState("c", 400, "fighter", True)],
        }
        damaged = {"japanese": 0, "chinese": damaged_chinese}
        return air.fly_day(ap, groups, damaged, "clear", np.random.default_rng(4))

    whole, crippled = day(0), day(360)
    assert whole.superiority == "chinese"
    assert crippled.sorties["chinese"] < 0.25 * whole.sorties["chinese"]
    assert crippled.damaged_aircraft["chinese"] >= 360
    assert air.repaired(ap, 100) == 100 - int(100 * ap.repair_rate)
