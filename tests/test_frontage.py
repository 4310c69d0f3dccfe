"""Issue 14: a place offers a front of so many km on each road in; a defence employs so many
men per km of it (an attack 1.6 times as dense) and the rest of its men stand in reserve:
they add no power and take no losses that day."""

from __future__ import annotations

import numpy as np
import pytest

from wargame import combat
from wargame.bundled import SCENARIO_DIR
from wargame.engine import Campaign
from wargame.params import Params
from wargame.scenario import Side, load_scenario
from wargame.state import AtPlace, OnRoad, Posture

WEST = SCENARIO_DIR / "west_hunan_1945.toml"
CP = Params().combat
MOUNTAIN_ROOM = CP.frontage_km["mountain"] * CP.defence_men_per_km


def _division(uid: str, men: int = 6000) -> combat.Force:
    return combat.Force(uid, men, 1.0, 1.0, CP.posture["fortified"])


def test_a_pass_has_room_for_fewer_men_than_a_plain_and_each_road_in_adds_its_front() -> None:
    assert combat.position_room(CP, "pass", 1) < combat.position_room(CP, "plain", 1)
    one, two = combat.position_room(CP, "mountain", 1), combat.position_room(CP, "mountain", 2)
    assert one == MOUNTAIN_ROOM and two == 2 * one
    off = CP.model_copy(update={"frontage_km": {}})
    assert combat.position_room(off, "mountain", 1) is None


def test_men_beyond_the_front_add_no_power() -> None:
    field = combat.Battlefield("mountain", "fortified")
    att = [combat.Force("jp", 10_000, 1.3, 1.0)]
    one = combat.in_line([_division("a", int(MOUNTAIN_ROOM))], MOUNTAIN_ROOM)
    five = combat.in_line([_division(f"d{i}") for i in range(5)], MOUNTAIN_ROOM)
    assert sum(f.men for f in five) <= MOUNTAIN_ROOM
    _, p_one, _ = combat.power_ratio(CP, att, one, field)
    _, p_five, _ = combat.power_ratio(CP, att, five, field)
    assert p_five == pytest.approx(p_one, rel=1e-3)
    # without the limit the stack of five counts 30,000 men: 3.75 times the front's
    _, p_stack, _ = combat.power_ratio(CP, att, [_division(f"d{i}") for i in range(5)], field)
    assert p_stack > 3.5 * p_one


def test_each_unit_keeps_its_share_of_the_line_and_the_reserve_takes_no_losses() -> None:
    stack = [_division("big", 12_000), _division("small", 4_000)]
    line = combat.in_line(stack, 8_000)
    assert [f.men for f in line] == [6_000, 2_000]
    field = combat.Battlefield("mountain", "fortified")
    att = [combat.Force("jp", 30_000, 1.3, 1.0)]
    rng = np.random.default_rng(3)
    r = combat.resolve_engagement(CP, att, line, field, combat.Stakes(), rng)
    assert r.defender_losses["big"] <= 6_000 and r.defender_losses["small"] <= 2_000
    # a group that fits is left as it is
    assert combat.in_line(stack, 20_000) is stack
    assert combat.in_line(stack, None) is stack


def _jiangkou_attacked(defenders: list[str], overrides: list[str] | None = None) -> dict:
    """Day 0 played; ``defenders`` alone at Jiangkou in a fortified defence, the 116th
    Division at its gates on the road from Dongkou; one day's attack, its record."""
    c = Campaign(load_scenario(WEST, overrides or []), 1)
    c.run(until_day=0)
    s = c.state
    for u in s.units_of(Side.CHINESE):
        if u.location == "jiangkou" and u.id not in defenders:
            s.set_position(u, AtPlace("zhijiang"))
    for uid in defenders:
        d = s.units[uid]
        s.set_position(d, AtPlace("jiangkou"))
        d.posture = Posture.FORTIFIED
    a = s.units["jp_116div"]
    s.set_position(a, OnRoad("dongkou", "jiangkou", c.world.tmap.road("dongkou", "jiangkou")["km"]))
    s.control["dongkou"] = Side.JAPANESE
    c._engage("jiangkou", [a], 1)
    return c._day["engagements"][-1]


CORPS_74 = ["cn_74c_51div", "cn_74c_57div", "cn_74c_58div"]


def test_five_divisions_at_jiangkou_defend_with_no_more_power_than_the_front_holds() -> None:
    one = _jiangkou_attacked(CORPS_74[:1])
    three = _jiangkou_attacked(CORPS_74)
    assert one["room_men"] == three["room_men"] == MOUNTAIN_ROOM
    # the 74th Corps' divisions are alike: three in a front with room for fewer than two
    # of them defend with the power of the men the front holds, not three times one's
    assert three["def_power"] < 1.5 * one["def_power"]
    off = _jiangkou_attacked(CORPS_74, ["params.combat.defence_men_per_km=1e9"])
    assert off["def_power"] > 2.5 * one["def_power"]


def _jiangkou_attacked_by(attackers: list[str]) -> dict:
    """Day 0 played; the 74th Corps' 51st Division alone at Jiangkou, ``attackers`` at its
    gates on the road from Dongkou; one day's attack, its record."""
    c = Campaign(load_scenario(WEST), 1)
    c.run(until_day=0)
    s = c.state
    for u in s.units_of(Side.CHINESE):
        if u.location == "jiangkou" and u.id != "cn_74c_51div":
            s.set_position(u, AtPlace("zhijiang"))
    s.set_position(s.units["cn_74c_51div"], AtPlace("jiangkou"))
    km = c.world.tmap.road("dongkou", "jiangkou")["km"]
    units = [s.units[uid] for uid in attackers]
    for a in units:
        s.set_position(a, OnRoad("dongkou", "jiangkou", km))
    s.control["dongkou"] = Side.JAPANESE
    c._engage("jiangkou", units, 1)
    return c._day["engagements"][-1]


def test_an_attack_by_one_road_employs_no_more_men_than_its_front_holds() -> None:
    """The 116th Division (8,000 men) fits the 12,800 a mountain road's front holds in attack;
    with the 47th Division (15,000) on the same road the attack counts 12,800 men, not
    23,000."""
    one = _jiangkou_attacked_by(["jp_116div"])
    two = _jiangkou_attacked_by(["jp_116div", "jp_47div"])
    room = MOUNTAIN_ROOM * CP.attack_density_factor
    assert one["def_power"] == two["def_power"]
    # (the 116th has lost a few men to sickness by then, so the share is not exactly 1.6)
    assert two["att_power"] / one["att_power"] == pytest.approx(room / 8_000, rel=0.01)
