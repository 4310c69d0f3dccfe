"""Issue 14's campaign mechanisms: the attack culminates column by column."""

from __future__ import annotations

from wargame.bundled import SCENARIO_DIR
from wargame.commanders import SideView
from wargame.doctrine import japanese
from wargame.engine import Campaign
from wargame.scenario import Side, load_scenario
from wargame.state import Mission

WEST = SCENARIO_DIR / "west_hunan_1945.toml"


def _view(day: int) -> tuple[Campaign, SideView]:
    campaign = Campaign(load_scenario(WEST), 1)
    campaign.run(until_day=day)
    return campaign, SideView(campaign.world, campaign.state, Side.JAPANESE)


def _missions(campaign: Campaign, decision, column: str) -> set[Mission]:
    world = campaign.world
    return {o.mission for o in decision.orders if world.unit(o.unit_id).column == column}


def test_a_starving_flank_column_falls_back_while_the_main_effort_goes_on() -> None:
    campaign, view = _view(8)
    staff = japanese.Staff(spent={"southern": "supply below 60% of need for 5 days"})
    decision = staff.decide(view)
    assert decision.phase == japanese.ADVANCE and not decision.culminated
    assert _missions(campaign, decision, "southern") <= {Mission.WITHDRAW, Mission.HOLD}
    assert Mission.ADVANCE in _missions(campaign, decision, "central")
    assert any("southern column culminates" in e for e in decision.events)


def test_the_offensive_ends_when_the_main_effort_culminates() -> None:
    _, view = _view(8)
    decision = japanese.Staff(spent={"central": "losses reached 41% of the column"}).decide(view)
    assert decision.phase == japanese.WITHDRAW and decision.culminated


def test_each_column_keeps_its_own_supply_clock() -> None:
    campaign, view = _view(8)
    staff = japanese.Staff()
    for u in view.own_units():
        if campaign.world.unit(u.id).column == "northern":
            u.supply_state = 0.1  # the northern track starves; the highway is fed
    for _ in range(campaign.world.params.doctrine.culmination_days):
        staff.observe(view)
    assert staff.low_supply_days["northern"] == campaign.world.params.doctrine.culmination_days
    assert staff.low_supply_days["central"] == 0
    assert set(staff.spent) == {"northern"}


def test_a_column_cut_off_from_its_depot_forages_then_starves() -> None:
    """Five days' rations carried, then food from the country, less each day as the villages
    are stripped: supply falls below the shortfall threshold and keeps falling."""
    from wargame import supply
    from wargame.params import Params

    p = Params().supply
    men, stock, stripped, states = 5000, p.carried_days, 0.0, []
    need = supply.need_tons(p, "japanese", men, "static")
    for _ in range(20):
        got = supply.forage(p, "japanese", "plain", stripped, men, need)
        stripped += 1
        stock, state = supply.consume(p, stock, got)
        states.append(state)
    assert states[:5] == [1.0] * 5  # living on the rations carried
    assert 0 < states[8] < p.shortfall_threshold  # foraging feeds it in part
    assert states[-1] < states[8] and states == sorted(states, reverse=True)
    assert supply.forage(p, "japanese", "mountain", 0, men, need) < supply.forage(
        p, "japanese", "plain", 0, men, need
    )
    assert supply.forage(p, "chinese", "plain", 0, men, need) == 0.0
