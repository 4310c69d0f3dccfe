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


def test_the_chinese_staff_attacks_a_weakened_japanese_held_place() -> None:
    """While defending, Chinese divisions next to a Japanese-held place attack it once they
    have 1.5 times its men between them; against the full-strength holder they stay put."""
    from wargame.doctrine import chinese
    from wargame.state import AtPlace, Status

    class Omniscient(SideView):
        def seen(self, enemy) -> bool:  # the rule under test, not the fog
            return True

    campaign = Campaign(load_scenario(WEST), 1)
    campaign.run(until_day=0)
    state, world = campaign.state, campaign.world
    holder = state.units["jp_47div"]
    place = "xinhua"
    state.set_position(holder, AtPlace(place))
    others = [u for u in state.units_of(Side.JAPANESE) if u is not holder]
    for u in others:  # the holder alone on the map: nothing else threatens or is seen
        state.set_status(u, Status.DESTROYED)
    near = [n for n in world.tmap.neighbours(place) if state.occupant(n) is None]
    free = [u for u in state.units_of(Side.CHINESE) if u.status == Status.ACTIVE][:3]
    for u in free:
        state.set_position(u, AtPlace(near[0]))
    view = Omniscient(world, state, Side.CHINESE)

    def attackers() -> set[str]:
        orders = chinese.decide(view).orders
        return {o.unit_id for o in orders if o.mission == Mission.COUNTERATTACK}

    holder.present = 10 * sum(u.present for u in free)
    assert not attackers() & {u.id for u in free}
    holder.present = 300
    assert {u.id for u in free} <= attackers()
    assert all(
        o.target == place for o in chinese.decide(view).orders if o.unit_id in {u.id for u in free}
    )


def test_a_reserve_goes_where_the_defenders_are_outnumbered_far_from_the_airfield() -> None:
    from wargame.doctrine import Order, chinese
    from wargame.state import OnRoad, Status

    campaign = Campaign(load_scenario(WEST), 1)
    campaign.run(until_day=0)
    state, world = campaign.state, campaign.world
    view = SideView(world, state, Side.CHINESE)
    place = "xinhua"
    defenders = [u for u in state.units_of(Side.CHINESE) if u.location == place]
    assert (
        defenders and world.tmap.to_objective_km(place) > world.params.doctrine.reserve_trigger_km
    )
    attacker = state.units["jp_47div"]
    state.set_position(attacker, OnRoad("lianyuan", place, 1.0))
    for u in state.units_of(Side.JAPANESE):
        if u is not attacker:  # the one column at the gates
            state.set_status(u, Status.DESTROYED)
    spare = next(u for u in state.units_of(Side.CHINESE) if u.location not in (None, place, "xupu"))
    state.set_status(spare, Status.RESERVE)  # one division held back
    attacker.present = sum(u.present for u in defenders) // 2  # not outnumbered: no reserve
    assert chinese.decide(view).commit == []
    attacker.present = 3 * sum(u.present for u in defenders)
    decision = chinese.decide(view)
    assert decision.commit == [spare.id]
    assert Order(spare.id, Mission.REINFORCE, place) in decision.orders


def _alone(campaign: Campaign, keep: set[str]) -> None:
    """Take every Japanese unit but ``keep`` off the map: one column, one defender."""
    from wargame.state import Status

    for u in campaign.state.units_of(Side.JAPANESE):
        if u.id not in keep:
            campaign.state.set_status(u, Status.DESTROYED)


def test_a_column_held_at_the_gates_goes_round_by_the_tracks() -> None:
    """Held two days before Shanmen, the centre takes the way round by Gaosha to Dongkou,
    the place beyond on its route, avoiding every place it sees the enemy hold; it turns
    back from the gates to take it."""
    from wargame import movement
    from wargame.state import OnRoad, Status

    scenario = load_scenario(WEST, ["params.doctrine.bypass_max_km=300"])
    campaign = Campaign(scenario, 1)
    campaign.run(until_day=0)
    state, world = campaign.state, campaign.world
    _alone(campaign, {"jp_116div"})
    for c in state.units_of(Side.CHINESE):  # Shanmen alone is held on the way
        if c.location in ("taohuaping", "huangqiaopu", "gaosha", "dongkou"):
            state.set_status(c, Status.DESTROYED)
    u = state.units["jp_116div"]
    state.set_position(u, OnRoad("taohuaping", "shanmen", 30.0))
    view = SideView(world, state, Side.JAPANESE)
    assert view.occupant("shanmen") == Side.CHINESE and view.occupant("dongkou") is None
    u.contact_days = 1
    assert japanese.way_round(view, u) is None  # not held long enough yet
    u.contact_days = world.params.doctrine.bypass_after_days
    assert japanese.way_round(view, u) == "dongkou"
    order = next(o for o in japanese.decide(view).orders if o.unit_id == u.id)
    assert (order.mission, order.target) == (Mission.ADVANCE, "dongkou")
    u.target = "dongkou"
    day = movement.march(
        world,
        state,
        u,
        campaign.world.supply_routes,
        rain=False,
        by_night=False,
        low_supply=False,
    )
    assert isinstance(day.pos, OnRoad) and day.pos.dest != "shanmen"  # turned back
    short = Campaign(load_scenario(WEST, ["params.doctrine.bypass_max_km=50"]), 1)
    short.run(until_day=0)
    _alone(short, {"jp_116div"})
    v = short.state.units["jp_116div"]
    short.state.set_position(v, OnRoad("taohuaping", "shanmen", 30.0))
    v.contact_days = 5
    assert japanese.way_round(SideView(short.world, short.state, Side.JAPANESE), v) is None


def test_a_defender_whose_road_back_is_cut_withdraws_or_fights_encircled() -> None:
    """RAND/Dupuy: a defender withdraws when its line of retreat is threatened, while a road
    is open; with every road back held it stays and fights encircled."""
    from wargame.doctrine import chinese
    from wargame.state import AtPlace

    campaign = Campaign(load_scenario(WEST), 1)
    campaign.run(until_day=0)
    state, world = campaign.state, campaign.world
    _alone(campaign, {"jp_116div", "jp_116div_120r"})
    defender = next(u for u in state.units_of(Side.CHINESE) if u.location == "shanmen")
    depots = world.side_config(Side.CHINESE).depots
    back = sorted({world.tmap.route("shanmen", d)[1] for d in depots})
    view = SideView(world, state, Side.CHINESE)
    assert chinese.retreat_threatened(view, defender) is None  # nobody behind it
    cutter = state.units["jp_116div_120r"]
    state.set_position(cutter, AtPlace(back[0]))
    cutter.present = 100_000  # too strong to strike: the only answer is to fall back
    got = chinese.retreat_threatened(view, defender)
    assert got is not None and got != back[0]
    order = next(o for o in chinese.decide(view).orders if o.unit_id == defender.id)
    assert (order.mission, order.target) == (Mission.WITHDRAW, got)
    for n in world.tmap.neighbours("shanmen"):  # every road out held: no way back
        if n != back[0]:
            state.set_position(state.units["jp_116div"], AtPlace(n))
            if chinese.retreat_threatened(view, defender) is None:
                break
    assert chinese.retreat_threatened(view, defender) is None


def test_in_the_counteroffensive_a_division_under_attack_holds_its_place() -> None:
    """The counteroffensive does not open the road: a division whose place an enemy column
    is attacking holds it while the others go for the enemy-held places."""
    from wargame.doctrine import chinese
    from wargame.state import OnRoad

    campaign = Campaign(load_scenario(WEST), 1)
    campaign.run(until_day=0)
    state, world = campaign.state, campaign.world
    state.phase[str(Side.CHINESE)] = chinese.COUNTEROFFENSIVE
    _alone(campaign, {"jp_47div"})
    attacker = state.units["jp_47div"]
    state.set_position(attacker, OnRoad("lianyuan", "xinhua", 10.0))
    state.control["yangxi"] = Side.JAPANESE  # a place of ours to retake, next door
    view = SideView(world, state, Side.CHINESE)
    held = [u for u in state.units_of(Side.CHINESE) if u.location == "xinhua"]
    assert held and "xinhua" in chinese.threatened_places(view)
    orders = {o.unit_id: o for o in chinese.decide(view).orders}
    for u in held:
        assert (orders[u.id].mission, orders[u.id].target) == (Mission.HOLD, "xinhua")
    assert any(o.mission == Mission.COUNTERATTACK for o in orders.values())  # the rest go
