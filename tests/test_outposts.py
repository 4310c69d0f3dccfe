"""Issue 14: the Chinese outpost line delays an attack for its days, then falls back to the
main line; the main line holds, and the reserve is not sent to an outpost."""

from __future__ import annotations

from wargame.bundled import SCENARIO_DIR
from wargame.commanders import SideView
from wargame.doctrine import chinese
from wargame.engine import Campaign
from wargame.scenario import Side, load_scenario
from wargame.state import AtPlace, Mission, OnRoad, Status

WEST = SCENARIO_DIR / "west_hunan_1945.toml"
ATTACKER = "jp_116div"


def _attacked(
    place: str,
    came_from: str,
    days: int,
    defender: str = "cn_100c_19div",
    overrides: list[str] | None = None,
):
    """Day 0 played; ``defender`` alone at ``place``, the 116th Division at its gates on the
    road from ``came_from`` after ``days`` days of attack; returns the Chinese staff's
    orders by unit."""
    campaign = Campaign(load_scenario(WEST, overrides or []), 1)
    campaign.run(until_day=0)
    state, world = campaign.state, campaign.world
    for c in state.units_of(Side.CHINESE):
        if c.location == place and c.id != defender:
            state.set_position(c, AtPlace("zhijiang"))
    d = state.units[defender]
    state.set_position(d, AtPlace(place))
    a = state.units[ATTACKER]
    km = world.tmap.road(came_from, place)["km"]
    state.set_position(a, OnRoad(came_from, place, km))
    a.contact_days = days
    state.control[came_from] = Side.JAPANESE
    decision = chinese.decide(SideView(world, state, Side.CHINESE))
    return {o.unit_id: o for o in decision.orders}, decision


def test_an_outpost_holds_until_its_days_of_attack_are_done() -> None:
    days = load_scenario(WEST).params.doctrine.outpost_hold_days
    orders, _ = _attacked("shanmen", "taohuaping", days - 1)
    assert (orders["cn_100c_19div"].mission, orders["cn_100c_19div"].target) == (
        Mission.HOLD,
        "shanmen",
    )


def test_an_outpost_falls_back_toward_the_main_line_when_its_days_are_done() -> None:
    days = load_scenario(WEST).params.doctrine.outpost_hold_days
    orders, decision = _attacked("shanmen", "taohuaping", days)
    order = orders["cn_100c_19div"]
    assert order.mission == Mission.WITHDRAW
    assert order.target not in ("shanmen", "taohuaping")  # back, not into the attackers
    world = Campaign(load_scenario(WEST), 1).world
    assert world.home_km(Side.CHINESE, str(order.target)) < world.home_km(Side.CHINESE, "shanmen")
    assert any("outpost at Shanmen" in e for e in decision.events)


def test_without_an_outpost_line_in_the_scenario_shanmen_holds() -> None:
    """The rule reads the scenario's outpost line, nothing else."""
    orders, _ = _attacked("shanmen", "taohuaping", 10, overrides=["sides.chinese.outposts=[]"])
    assert orders["cn_100c_19div"].mission == Mission.HOLD


def test_the_main_line_does_not_fall_back_after_the_same_days() -> None:
    """Jiangkou is a main-line strongpoint (not in sides.chinese.outposts): it holds."""
    orders, _ = _attacked("jiangkou", "dongkou", 10, defender="cn_74c_51div")
    assert orders["cn_74c_51div"].mission == Mission.HOLD


def test_the_reserve_is_not_sent_to_an_outpost() -> None:
    campaign = Campaign(load_scenario(WEST), 1)
    campaign.run(until_day=0)
    state, world = campaign.state, campaign.world
    reserve = state.units["cn_74c_57div"]
    state.set_status(reserve, Status.RESERVE)
    state.set_position(reserve, AtPlace("anjiang"))
    a = state.units[ATTACKER]
    a.present = 60_000  # the attackers seen outnumber the defenders: a reserve goes at once

    def sent_to(place: str, came_from: str) -> list[str]:
        state.set_position(a, OnRoad(came_from, place, world.tmap.road(came_from, place)["km"]))
        state.control[came_from] = Side.JAPANESE
        decision = chinese.decide(SideView(world, state, Side.CHINESE))
        return [str(o.target) for o in decision.orders if o.mission == Mission.REINFORCE]

    assert "shanmen" not in sent_to("shanmen", "taohuaping")
    assert "jiangkou" in sent_to("jiangkou", "dongkou")
