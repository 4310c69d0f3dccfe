"""The mechanics, one statement about the war per test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
            P.movement, kind, "hills", rain=False, by_night=False, low_supply=False
        )
        wet = movement.march_rate_km(
            P.movement, kind, "hills", rain=True, by_night=False, low_supply=False
        )
        assert 0 < wet < dry


def test_marching_by_night_under_enemy_air_superiority_is_slower() -> None:
    free = movement.march_rate_km(
        P.movement, "highway", "plain", rain=False, by_night=False, low_supply=False
    )
    hunted = movement.march_rate_km(
        P.movement, "highway", "plain", rain=False, by_night=True, low_supply=False
    )
    assert hunted < free


def test_mountain_track_is_slower_than_highway() -> None:
    kw = dict(rain=False, by_night=False, low_supply=False)
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
            dfn = [combat.Force("d", 8000, 1.0, 1.0, cp.posture[posture])]
            field = combat.Battlefield("hills", posture)
            a, d, env = combat.power_ratio(cp, att, dfn, field)
            ratio = combat.noisy_ratio(cp, a, d, rng)
            rate = combat.casualty_rates(cp, ratio, casualty_factor=env.casualty)[1]
            total += combat.draw_casualties(8000, rate, rng)
        return total

    assert defender_losses("fortified") < defender_losses("hasty")


def test_difficult_ground_and_rain_lower_both_sides_casualties() -> None:
    """Dupuy's attrition verities 11-12: terrain and weather casualty factors act on both
    sides, whether or not the defender holds."""
    cp = P.combat

    def rates(terrain: str, weather: str) -> tuple[float, float]:
        env = combat.environment(cp, combat.Battlefield(terrain, weather=weather))
        return combat.casualty_rates(cp, 1.0, casualty_factor=env.casualty)

    plain, mountain = rates("plain", "clear"), rates("mountain", "clear")
    assert mountain[0] < plain[0] and mountain[1] < plain[1]
    assert mountain[1] / plain[1] == pytest.approx(0.3 / 0.8)  # QJM r_c rugged wooded / flat mixed
    wet = rates("plain", "heavy_rain")
    assert wet[0] == pytest.approx(plain[0] * 0.5) and wet[1] == pytest.approx(plain[1] * 0.5)


def test_a_town_is_its_own_terrain_row_not_an_extra_multiplier() -> None:
    """QJM: urban ground (1.4) replaces the place's row; a river no longer multiplies the
    defender, and no row exceeds the table's maximum of 1.55."""
    cp = P.combat
    town = combat.environment(cp, combat.Battlefield("river_valley", town=True, river_crossings=1))
    assert town.defender == pytest.approx(1.4)
    assert combat.environment(cp, combat.Battlefield("pass", town=True)).defender == 1.55
    assert max(row["defence"] for row in cp.terrain.values()) == 1.55


def test_advance_grows_with_the_power_ratio_and_slows_at_rivers_and_in_mountains() -> None:
    """QJM advance-rate table: 4 km/day at 1:1 and 12 km/day at 3:1 against a hasty defence,
    times terrain and weather mobility, times the river factor per crossing; nothing below
    a ratio of 1."""
    cp = P.combat
    assert combat.advance_km(cp, 1.0, "hasty") == pytest.approx(4.0)
    assert combat.advance_km(cp, 3.01, "hasty") == pytest.approx(12.0)
    assert combat.advance_km(cp, 0.99, "hasty") == 0.0
    assert combat.advance_km(cp, 2.0, "prepared") < combat.advance_km(cp, 2.0, "hasty")
    flat = combat.advance_km(cp, 2.0, "hasty")
    rugged = combat.environment(cp, combat.Battlefield("mountain")).mobility
    assert combat.advance_km(cp, 2.0, "hasty", mobility=rugged) == pytest.approx(flat * 0.4)
    assert combat.advance_km(cp, 2.0, "hasty", river_crossings=2) == pytest.approx(
        flat * cp.river_advance_factor**2
    )


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
    held = combat.split_losses(P.combat, 10000, False, "chinese", rng)
    routed = combat.split_losses(P.combat, 10000, True, "chinese", rng)
    assert routed["captured"] > 3 * held["captured"]
    assert sum(held.values()) == sum(routed.values()) == 10000


def test_an_encircled_chinese_force_loses_more_men_captured_than_a_japanese_one() -> None:
    """Ichi-go: about 17 % of Chinese losses were prisoners; Japanese parties fought on."""
    rng = np.random.default_rng(4)
    cn = combat.split_losses(P.combat, 10000, True, "chinese", rng)
    jp = combat.split_losses(P.combat, 10000, True, "japanese", rng)
    assert cn["captured"] == pytest.approx(2000, rel=0.1)
    assert jp["captured"] == pytest.approx(500, rel=0.15)


def test_killed_share_is_each_army_s_own() -> None:
    """Chinese 0.42 and Japanese 0.45 of the men killed or wounded (sourced by army, not
    taken from West Hunan)."""
    rng = np.random.default_rng(5)
    for side, share in (("chinese", 0.42), ("japanese", 0.45)):
        split = combat.split_losses(P.combat, 100_000, False, side, rng)
        killed = split["killed"] / (split["killed"] + split["wounded"])
        assert killed == pytest.approx(share, abs=0.01)


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
        P.attrition, date, "japanese", mountain=False, low_supply=False, in_field=True
    )
    worse = attrition.disease_rate(
        P.attrition, date, "japanese", mountain=True, low_supply=True, in_field=True
    )
    assert worse > 3 * base > 0


def test_a_quiet_garrison_falls_sick_at_a_third_of_the_field_rate() -> None:
    date = dt.date(1945, 5, 10)
    kw = dict(mountain=True, low_supply=False)
    field = attrition.disease_rate(P.attrition, date, "chinese", in_field=True, **kw)
    quiet = attrition.disease_rate(P.attrition, date, "chinese", in_field=False, **kw)
    assert quiet == pytest.approx(field * 0.35)
    assert 0.0007 <= quiet <= 0.002  # Eastman: quiet divisions lost 0.15-0.2 %/day, desertion too


def test_disease_rises_into_the_summer() -> None:
    kw = dict(mountain=False, low_supply=False, in_field=True)
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
            "params.combat.terrain.rugged_mixed.defence=2.0",
            "params.combat.posture.fortified=1.8",
        ],
    )
    terrain = s.params.combat.terrain
    assert terrain["rugged_mixed"]["defence"] == 2.0
    assert terrain["rugged_mixed"]["casualty"] == P.combat.terrain["rugged_mixed"]["casualty"]
    assert terrain["rugged_wooded"] == P.combat.terrain["rugged_wooded"]
    assert s.params.combat.posture["fortified"] == 1.8
    assert s.params.combat.posture["hasty"] == P.combat.posture["hasty"]
    # the tutorial sets April's rain chance only; May and June keep theirs
    assert (
        s.params.weather.rain_probability_by_month["5"] == P.weather.rain_probability_by_month["5"]
    )


def test_a_guerrilla_raid_hits_the_column_supplied_over_that_road_and_no_other() -> None:
    from wargame import guerrilla
    from wargame.scenario import Side
    from wargame.state import AtPlace, UnitState

    gp = P.guerrilla.model_copy(update={"raid_losses_men": 40.0})
    near = UnitState("near", Side.JAPANESE, 5000, present=5000, pos=AtPlace("b"))
    far = UnitState("far", Side.JAPANESE, 5000, present=5000, pos=AtPlace("x"))
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


def _a_march_leaves_one_position(tutorial, data) -> None:  # helper body, see below
    from wargame.engine import Campaign
    from wargame.state import AtPlace, Mission, OnRoad, Status

    c = Campaign(tutorial, 1)
    g = c.world.tmap.graph
    places = sorted(g.nodes)
    u = c.state.units[data.draw(st.sampled_from(sorted(c.state.units)))]
    c.state.set_status(u, Status.ACTIVE)
    if data.draw(st.booleans()):
        c.state.set_position(u, AtPlace(data.draw(st.sampled_from(places))))
    else:
        a, b = data.draw(st.sampled_from(sorted(g.edges)))
        if data.draw(st.booleans()):
            a, b = b, a
        road = g.edges[a, b]
        effort = movement.road_effort_km(
            c.params.movement, road["kind"], road["km"], road["river_crossings"]
        )
        km = data.draw(st.floats(0.0, effort))
        c.state.set_position(u, OnRoad(a, b, km))
    u.mission = data.draw(st.sampled_from(list(Mission)))
    u.target = data.draw(st.sampled_from(places))
    before = u.pos
    m = movement.march(
        c.world,
        c.state,
        u,
        c.world.supply_routes,
        rain=data.draw(st.booleans()),
        by_night=data.draw(st.booleans()),
        low_supply=data.draw(st.booleans()),
    )
    assert u.pos == before  # march reads, the engine applies
    if m is None:  # does not march today
        assert u.mission == Mission.CONSOLIDATE or (
            u.mission == Mission.HOLD and isinstance(before, AtPlace)
        )
        return
    assert type(m.pos) in (AtPlace, OnRoad)
    if isinstance(m.pos, AtPlace):
        assert m.pos.place in g
        assert not m.entered or m.entered[-1] == m.pos.place
    else:
        road = g.edges[m.pos.origin, m.pos.dest]
        effort = movement.road_effort_km(
            c.params.movement, road["kind"], road["km"], road["river_crossings"]
        )
        assert 0.0 <= m.pos.km <= effort + 1e-9, (m.pos, effort)
    assert all(p in g for p in m.entered)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_days_march_ends_at_one_place_or_on_one_road_within_its_length(tutorial, data) -> None:
    _a_march_leaves_one_position(tutorial, data)


def _heights_day(att_men: int, def_men: int, *, from_heights: bool) -> tuple[float, float]:
    """Expected men lost (attacker, defender) in one day's attack on a prepared defence in
    the mountains, without noise: men x each side's rate."""
    cp = P.combat
    att = [combat.Force("a", att_men, 1.0, 1.0)]
    dfn = [combat.Force("d", def_men, 1.0, 1.0, cp.posture["prepared"])]
    field = combat.Battlefield("mountain", "prepared", from_heights=from_heights)
    a, d, env = combat.power_ratio(cp, att, dfn, field)
    ar, dr = combat.engagement_rates(cp, a / d, env, field, att, dfn, d)
    return att_men * ar, def_men * dr


def test_fire_from_heights_follows_the_mixed_lanchester_law() -> None:
    """models.md section 2: the exposed column loses in proportion to the hidden defender's
    fire (dA/dt = -beta B), the defender in proportion to both (dB/dt = -alpha A B)."""
    column, doubled = (
        _heights_day(6000, 3000, from_heights=True),
        _heights_day(12000, 3000, from_heights=True),
    )
    assert doubled[0] == pytest.approx(column[0])  # a bigger column loses no more men
    assert doubled[1] == pytest.approx(2 * column[1])  # the defender loses twice as many
    stronger = _heights_day(6000, 6000, from_heights=True)
    assert stronger[0] == pytest.approx(2 * column[0])  # twice the fire, twice the losses
    assert stronger[1] == pytest.approx(2 * column[1])  # A x B: twice the men exposed
    # the usual TNDM rates are not of this form: there the defender's losses grow with the
    # square root of the ratio (ratio_exponent 0.5), not in proportion to the attacker
    plain = _heights_day(6000, 3000, from_heights=False)
    plain_doubled = _heights_day(12000, 3000, from_heights=False)
    assert plain_doubled[1] == pytest.approx(2**0.5 * plain[1])


def test_at_an_even_division_fight_the_heights_law_gives_the_tndm_base_rates() -> None:
    """The mixed law's coefficients are the TNDM base rates of an even fight of divisions
    (``size_reference_men``), so only the law's form changes, not its scale."""
    cp = P.combat
    att, dfn = combat.heights_rates(cp, 1.0, cp.size_reference_men, defender_posture="hasty")
    assert att == pytest.approx(cp.attacker_base_rate)
    assert dfn == pytest.approx(cp.defender_base_rate)


def test_only_a_prepared_defence_on_the_heights_fires_down_on_the_column() -> None:
    cp = P.combat
    assert combat.fires_from_heights(cp, "mountain", "prepared", through_pass=False)
    assert combat.fires_from_heights(cp, "pass", "fortified", through_pass=False)
    assert combat.fires_from_heights(cp, "hills", "prepared", through_pass=True)
    assert not combat.fires_from_heights(cp, "hills", "prepared", through_pass=False)
    assert not combat.fires_from_heights(cp, "mountain", "hasty", through_pass=False)
    assert not combat.fires_from_heights(cp, "plain", "fortified", through_pass=False)


def test_a_column_caught_on_the_march_is_not_under_fire_from_heights() -> None:
    """A pursuit is fought by the usual rates even where the ground is high."""
    cp = P.combat
    att = [combat.Force("a", 6000, 1.0, 1.0)]
    dfn = [combat.Force("d", 3000, 1.0, 1.0)]
    march = combat.Battlefield("mountain", "prepared", on_the_march=True, from_heights=True)
    plain = combat.Battlefield("mountain", "prepared", on_the_march=True)
    a, d, env = combat.power_ratio(cp, att, dfn, march)
    assert combat.engagement_rates(cp, a / d, env, march, att, dfn, d) == (
        combat.engagement_rates(cp, a / d, env, plain, att, dfn, d)
    )
