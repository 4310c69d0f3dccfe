"""Issue 14, mechanism 4: a falling-back Japanese column leaves a rear guard, and the Chinese
go onto the road behind a column to cut it off."""

from __future__ import annotations

from typing import Any

from wargame.bundled import SCENARIO_DIR
from wargame.commanders import Logged, SideView
from wargame.doctrine import Decision, Order, chinese, japanese
from wargame.engine import Campaign
from wargame.scenario import Side, load_scenario
from wargame.state import AtPlace, Mission, OnRoad, Status

WEST = SCENARIO_DIR / "west_hunan_1945.toml"
HEAD, TAIL = "jp_68div", "jp_34div"  # the southern column
SPENT = {"southern": "supply below 60% of need for 5 days"}


class Holding:
    """A side that holds everything where it stands (so that only the other side acts)."""

    def __init__(self, side: Side, phase: str) -> None:
        self.side, self.phase = side, phase

    def decide(self, view: SideView) -> Decision:
        orders = [Order(u.id, Mission.HOLD, u.location) for u in view.own_on_map()]
        return Decision(self.phase, orders)

    def observe(self, view: SideView) -> None:
        """Nothing to remember."""

    def memory(self) -> list[Any]:
        return []


def _southern_column(overrides: list[str] | None = None, *, alone: bool = False) -> Campaign:
    """Day 0 played; then the southern column out beyond its start line, its head (the
    68th) at Xinning, its tail (the 34th) on the road up from Dong'an; every other
    Japanese unit off the map (``alone``: the tail too), the Chinese holding still."""
    campaign = Campaign(load_scenario(WEST, overrides or []), 1)
    campaign.run(until_day=0)
    state = campaign.state
    keep = {HEAD} if alone else {HEAD, TAIL}
    for u in state.units_of(Side.JAPANESE):
        if u.id not in keep:
            state.set_status(u, Status.DESTROYED)
    for c in state.units_of(Side.CHINESE):
        if c.location == "xinning":
            state.set_position(c, AtPlace("wugang"))
    state.set_position(state.units[HEAD], AtPlace("xinning"))
    state.control["xinning"] = Side.JAPANESE
    if not alone:
        state.set_position(state.units[TAIL], OnRoad("dongan", "xinning", 30.0))
    campaign.commanders[Side.CHINESE] = Holding(Side.CHINESE, chinese.DEFEND)
    return campaign


def _orders(campaign: Campaign, staff: japanese.Staff) -> dict[str, Order]:
    view = SideView(campaign.world, campaign.state, Side.JAPANESE)
    return {o.unit_id: o for o in staff.decide(view).orders}


def test_the_head_of_a_falling_back_column_holds_as_rear_guard() -> None:
    """On the morning the column is ordered back, its head (nearest the objective) holds
    while the rest withdraw to the start line; the event says so."""
    campaign = _southern_column()
    view = SideView(campaign.world, campaign.state, Side.JAPANESE)
    assert japanese.pick_rear_guard(view, "southern") == HEAD
    decision = japanese.Staff(spent=dict(SPENT)).decide(view)
    orders = {o.unit_id: o for o in decision.orders}
    assert (orders[HEAD].mission, orders[HEAD].target) == (Mission.HOLD, "xinning")
    assert (orders[TAIL].mission, orders[TAIL].target) == (Mission.WITHDRAW, "dongan")
    assert any("rear guard" in e and "southern" in e for e in decision.events)


def test_a_single_unit_column_has_no_rear_guard() -> None:
    campaign = _southern_column(alone=True)
    view = SideView(campaign.world, campaign.state, Side.JAPANESE)
    assert japanese.pick_rear_guard(view, "southern") is None
    assert _orders(campaign, japanese.Staff(spent=dict(SPENT)))[HEAD].mission == Mission.WITHDRAW


def test_no_rear_guard_when_its_days_are_zero() -> None:
    campaign = _southern_column(["params.doctrine.rear_guard_days=0"])
    orders = _orders(campaign, japanese.Staff(spent=dict(SPENT)))
    assert orders[HEAD].mission == orders[TAIL].mission == Mission.WITHDRAW


def test_the_rear_guard_holds_its_place_for_its_days_while_the_column_marches_off() -> None:
    """rear_guard_days = 2: the 68th stays at Xinning on the first two days of the fall-back
    while the 34th marches back to Dong'an; on the third day it withdraws too. The staff
    remembers the rear guard and the day the fall-back began."""
    days = 2
    campaign = _southern_column([f"params.doctrine.rear_guard_days={days}"])
    staff = japanese.Staff(spent=dict(SPENT))
    campaign.commanders[Side.JAPANESE] = staff
    state = campaign.state
    head, tail = state.units[HEAD], state.units[TAIL]
    start_km = campaign.world.road_position_km(tail, "dongan")
    for day in range(1, days + 1):
        campaign.run(until_day=day)
        assert head.location == "xinning" and head.mission == Mission.HOLD, day
        assert staff.rear_guards == {"southern": (HEAD, 1)}
    assert campaign.world.road_position_km(tail, "dongan") < start_km  # marched off
    assert staff.memory()[-1] == [["southern", HEAD, 1]]  # hashed with the state
    campaign.run(until_day=days + 1)
    assert head.location != "xinning" and head.mission in (Mission.WITHDRAW, Mission.HOLD)
    assert head.location is None or head.location == "dongan"


def test_a_replayed_log_rebuilds_the_rear_guard_memory() -> None:
    """Replaying the recorded decisions, a fresh staff that only hears the night's reports
    ends with the same memory (the rear guard read from the units' missions) and hash."""
    overrides = ["params.doctrine.rear_guard_days=2"]
    played = _southern_column(overrides)
    staff = japanese.Staff(spent=dict(SPENT))
    played.commanders[Side.JAPANESE] = staff
    decisions: list[Decision] = [Decision(japanese.ADVANCE)]  # day 0 is played before
    played.callbacks.append(
        lambda _c, record: decisions.append(Decision.from_dict(record["decisions"]["japanese"]))
    )
    played.run(until_day=4)
    replay = _southern_column(overrides)
    fresh = japanese.Staff(spent=dict(SPENT))
    replay.commanders[Side.JAPANESE] = Logged(Side.JAPANESE, decisions, fresh)
    replay.run(until_day=4)
    assert fresh.rear_guards == staff.rear_guards == {"southern": (HEAD, 1)}
    assert fresh.memory() == staff.memory()
    assert replay.digest() == played.digest()


# ---------------------------------------------------------------- cutting the road home

COLUMN, CUTTER = "jp_116div_120r", "cn_74c_58div"  # the left column; the 58th at Wugang


def _left_column_at_gaosha(overrides: list[str] | None = None, men: int = 5000) -> Campaign:
    """Day 0 played; then the 120th Regiment alone at Gaosha, having taken Huangqiaopu on
    the way (now empty), the 58th Division 21 km off at Wugang; the Japanese hold still."""
    campaign = Campaign(load_scenario(WEST, overrides or []), 1)
    campaign.run(until_day=0)
    state = campaign.state
    for u in state.units_of(Side.JAPANESE):
        if u.id != COLUMN:
            state.set_status(u, Status.DESTROYED)
    for c in state.units_of(Side.CHINESE):
        if c.location in ("huangqiaopu", "gaosha"):
            state.set_position(c, AtPlace("dongkou"))
    u = state.units[COLUMN]
    state.set_position(u, AtPlace("gaosha"))
    u.present = men
    state.control["huangqiaopu"] = state.control["gaosha"] = Side.JAPANESE
    state.set_position(state.units[CUTTER], AtPlace("wugang"))
    campaign.commanders[Side.JAPANESE] = Holding(Side.JAPANESE, japanese.ADVANCE)
    return campaign


def _cuts(campaign: Campaign) -> dict[str, str | None]:
    view = SideView(campaign.world, campaign.state, Side.CHINESE)
    return {
        o.unit_id: o.target
        for o in chinese.decide(view).orders
        if o.mission == Mission.COUNTERATTACK
    }


def test_the_place_behind_a_column_is_the_last_place_of_its_supply_route() -> None:
    campaign = _left_column_at_gaosha()
    view = SideView(campaign.world, campaign.state, Side.CHINESE)
    assert chinese.roads_behind_columns(view) == {"huangqiaopu": 5000}


def test_a_free_division_next_to_the_road_behind_a_column_goes_onto_it() -> None:
    campaign = _left_column_at_gaosha()
    assert _cuts(campaign).get(CUTTER) == "huangqiaopu"
    view = SideView(campaign.world, campaign.state, Side.CHINESE)
    assert any("cut the Japanese road home" in e for e in chinese.decide(view).events)


def test_no_division_goes_against_a_column_it_cannot_hold() -> None:
    """Against a column of 20,000 seen, one division of 6,000 (under cut_road_ratio of its
    men) stays where it is; so it does when the road to the place is too long."""
    assert CUTTER not in _cuts(_left_column_at_gaosha(men=20_000))
    assert CUTTER not in _cuts(_left_column_at_gaosha(["params.doctrine.cut_road_max_km=20"]))


def test_the_division_takes_the_road_and_the_column_is_cut_off_from_its_depots() -> None:
    """The 58th marches into Huangqiaopu and holds it; the Japanese supply routes from
    Shaoyang no longer reach Gaosha (every road into it is Chinese), so the column lives on
    what it carries."""
    campaign = _left_column_at_gaosha()
    world, state = campaign.world, campaign.state
    depots = world.side_config(Side.JAPANESE).depots
    _dist, paths = world.supply_routes(depots, world.enemy_held(state, Side.JAPANESE))
    assert paths["gaosha"][-2] == "huangqiaopu"  # fed through Huangqiaopu before
    cutter = state.units[CUTTER]
    for day in range(1, 5):
        campaign.run(until_day=day)
        if cutter.location == "huangqiaopu":
            break
    assert cutter.location == "huangqiaopu" and state.control["huangqiaopu"] == Side.CHINESE
    _dist, paths = world.supply_routes(depots, world.enemy_held(state, Side.JAPANESE))
    assert "gaosha" not in paths
    campaign.run(until_day=state.day + 1)
    assert cutter.location == "huangqiaopu" and cutter.mission == Mission.HOLD  # holds the cut


def test_a_division_on_the_road_behind_a_column_holds_it_if_it_is_strong_enough() -> None:
    """Standing at Huangqiaopu, where the 120th's road home would pass if it left, the 58th
    holds there with two-thirds of the column's men (too few alone to strike it); against a
    column three times stronger it does not count as holding the road."""
    campaign = _left_column_at_gaosha()
    state = campaign.state
    for c in state.units_of(Side.CHINESE):  # nobody else next to Gaosha to strike with it
        if c.location == "dongkou":
            state.set_position(c, AtPlace("jiangkou"))
    cutter = state.units[CUTTER]
    state.set_position(cutter, AtPlace("huangqiaopu"))
    state.control["huangqiaopu"] = Side.CHINESE
    view = SideView(campaign.world, state, Side.CHINESE)
    assert chinese.roads_behind_columns(view) == {}  # the road home is cut
    assert chinese.roads_behind_columns(view, without="huangqiaopu") == {"huangqiaopu": 5000}
    assert chinese.holds_the_cut(view, cutter)
    order = next(o for o in chinese.decide(view).orders if o.unit_id == CUTTER)
    assert (order.mission, order.target) == (Mission.HOLD, "huangqiaopu")
    state.units[COLUMN].present = 20_000
    assert not chinese.holds_the_cut(SideView(campaign.world, state, Side.CHINESE), cutter)


def test_a_rear_guard_caught_on_the_road_holds_the_place_behind_it() -> None:
    """A head on the road from Xinning to an empty Wugang does not march on into Wugang (a
    hold on a road would): it holds Xinning, the end of the road nearer the start line, and
    never comes nearer the objective than it was."""
    campaign = _southern_column(["params.doctrine.rear_guard_days=2"])
    state, world = campaign.state, campaign.world
    for c in state.units_of(Side.CHINESE):
        if c.location == "wugang":
            state.set_position(c, AtPlace("wuyang"))
    head = state.units[HEAD]
    state.set_position(head, OnRoad("xinning", "wugang", 10.0))
    staff = japanese.Staff(spent=dict(SPENT))
    order = _orders(campaign, staff)[HEAD]
    assert (order.mission, order.target) == (Mission.WITHDRAW, "xinning")
    campaign.commanders[Side.JAPANESE] = staff
    nearest = world.distance_to_objective(head)
    for day in (1, 2):
        campaign.run(until_day=day)
        assert world.distance_to_objective(head) >= nearest - 1e-9, day
        assert staff.rear_guards == {"southern": (HEAD, 1)}
    assert head.location == "xinning" and head.mission == Mission.HOLD
