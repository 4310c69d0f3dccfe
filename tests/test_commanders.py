"""The seam between the rules kernel and who commands: a staff decides from its side's view
(its own units in full, the enemy only where it is seen) and keeps its own memory."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest

from wargame.bundled import SCENARIO_DIR
from wargame.commanders import SideView
from wargame.doctrine import Decision
from wargame.engine import Campaign
from wargame.scenario import Side, load_scenario
from wargame.state import CampaignState, UnitState

WEST = SCENARIO_DIR / "west_hunan_1945.toml"
WHO_AND_WHERE = {
    "id",
    "side",
    "status",
    "pos",
    "on_map",
    "location",
    "road_from",
    "road_to",
    "progress_km",
    "position",
}
"""What the umpire reads of an enemy unit to decide whether it is seen."""


class Unseen(UnitState):
    """An enemy unit out of sight: reading anything about it but who and where it is (which
    the umpire needs to decide that it is not seen) fails the test."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__") or name in WHO_AND_WHERE:
            return object.__getattribute__(self, name)
        raise AssertionError(f"read {name!r} of an enemy unit out of sight")


def fogged(view: SideView) -> tuple[SideView, int]:
    """The view over a state whose enemy units out of sight are :class:`Unseen`, and how
    many there are."""
    units: dict[str, UnitState] = {}
    hidden = 0
    for uid, u in view.state.units.items():
        if u.side != view.side and u.on_map and not view.seen(u):
            units[uid] = Unseen(**{f.name: getattr(u, f.name) for f in fields(UnitState)})
            hidden += 1
        else:
            units[uid] = u
    state: CampaignState = replace(view.state, units=units, _occupancy=None, _on_map=None)
    return SideView(view.world, state, view.side), hidden


class Checked:
    """The side's own staff, asked each day a second time through the fogged view."""

    def __init__(self, inner: Any, umpire: bool) -> None:
        self.side, self.inner, self.umpire = inner.side, inner, umpire
        self.hidden: list[int] = []

    def decide(self, view: SideView) -> Decision:
        decision = self.inner.decide(view)
        foggy, hidden = fogged(view)
        if self.umpire:  # the named reads beyond the view see the real units
            foggy.umpire_enemy_units = view.umpire_enemy_units  # type: ignore[method-assign]
        assert self.inner.decide(foggy).to_dict() == decision.to_dict(), view.day
        self.hidden.append(hidden)
        return decision

    def observe(self, view: SideView) -> None:
        self.inner.observe(view)

    def memory(self) -> list[Any]:
        return self.inner.memory()


def _check(side: Side, umpire: bool) -> list[int]:
    campaign = Campaign(load_scenario(WEST), 4)
    checked = Checked(campaign.commanders[side], umpire)
    campaign.commanders[side] = checked
    campaign.run()
    return checked.hidden


def test_the_japanese_staff_never_reads_a_chinese_unit_it_does_not_see() -> None:
    hidden = _check(Side.JAPANESE, umpire=False)
    assert len(hidden) > 40 and sum(n > 0 for n in hidden) > 30  # most days some are unseen


def test_the_chinese_staff_reads_unseen_japanese_only_through_the_umpire_accessors() -> None:
    hidden = _check(Side.CHINESE, umpire=True)
    assert sum(1 for n in hidden if n > 0) >= 5  # the fog was tested on days it hid someone
    with pytest.raises(AssertionError, match="out of sight"):
        _check(Side.CHINESE, umpire=False)  # the reads beyond the view are there: named


def test_a_view_shows_no_enemy_out_of_sight_through_its_accessors() -> None:
    campaign = Campaign(load_scenario(WEST), 4)
    campaign.run(until_day=0)
    view = SideView(campaign.world, campaign.state, Side.JAPANESE)
    enemy = campaign.state.units_of(Side.CHINESE)
    unseen = [e for e in enemy if not view.seen(e)]
    assert unseen and view.enemies() == [e for e in enemy if view.seen(e)]
    for e in unseen:
        assert e not in view.enemies()
        assert e.location is None or view.occupant(e.location) is None
    assert campaign.state.occupant(str(unseen[0].location)) == Side.CHINESE


def test_the_engine_reads_no_doctrine_phase_names_and_keeps_no_culmination_clock() -> None:
    import inspect
    from dataclasses import fields as dc_fields

    from wargame import engine
    from wargame.doctrine import chinese, japanese

    source = inspect.getsource(engine)
    phases = (chinese.DEFEND, chinese.COUNTEROFFENSIVE, japanese.ADVANCE, japanese.WITHDRAW)
    assert not [p for p in (*phases, japanese.HOLD) if f'"{p}"' in source]
    assert not hasattr(engine, "chinese") and not hasattr(engine, "japanese")
    assert not [f.name for f in dc_fields(CampaignState) if "supply" in f.name]
    assert "low_supply_days" not in source
