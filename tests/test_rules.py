"""The engine checks every order, whoever gives it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wargame import rules
from wargame.doctrine import Decision, Order, chinese
from wargame.engine import Campaign
from wargame.scenario import Side, load_scenario
from wargame.state import Mission

WEST = Path(__file__).resolve().parent.parent / "scenarios" / "west_hunan_1945.toml"


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    c = Campaign(load_scenario(WEST), 1)
    c.run(until_day=2)
    return c


@pytest.mark.parametrize(
    "side, order, words",
    [
        (
            Side.CHINESE,
            Order("jp_116div", Mission.WITHDRAW, "shaoyang"),
            "jp_116div is a japanese unit; the chinese side cannot order it",
        ),
        (Side.JAPANESE, Order("jp_116div", Mission.ADVANCE, "atlantis"), "no place 'atlantis'"),
        (
            Side.JAPANESE,
            Order("jp_116dvi", Mission.HOLD),
            "no unit 'jp_116dvi' (did you mean 'jp_116div'?)",
        ),
        (
            Side.CHINESE,
            Order("new6_14div", Mission.REINFORCE, "dongkou"),
            "new6_14div has not arrived (it arrives on D+19)",
        ),
        (Side.JAPANESE, Order("jp_116div", Mission.ADVANCE), "advance needs a place"),
        (
            Side.JAPANESE,
            Order("jp_116div", Mission.ADVANCE, "zhijiang_airfeld"),
            "(did you mean 'zhijiang_airfield'?)",
        ),
    ],
)
def test_an_illegal_order_is_refused_with_its_reason(
    campaign: Campaign, side: Side, order: Order, words: str
) -> None:
    with pytest.raises(rules.IllegalOrderError) as exc:
        rules.check_order(campaign.world, campaign.state, side, order)
    assert words in str(exc.value)
    assert "\n" not in str(exc.value)


def test_a_legal_order_passes(campaign: Campaign) -> None:
    rules.check_order(
        campaign.world,
        campaign.state,
        Side.JAPANESE,
        Order("jp_116div", Mission.ADVANCE, "zhijiang_airfield"),
    )


def test_legal_orders_name_only_the_sides_own_units_that_take_orders(campaign: Campaign) -> None:
    for side in Side:
        legal = rules.legal_orders(campaign.world, campaign.state, side)
        assert legal
        assert all(campaign.state.units[u].side == side for u in legal)
    assert "new6_14div" not in rules.legal_orders(campaign.world, campaign.state, Side.CHINESE)
    assert "jp_116div" in rules.legal_orders(campaign.world, campaign.state, Side.JAPANESE)


def test_the_engine_refuses_an_illegal_order_from_a_staff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first round applied the Chinese staff's order to a Japanese unit and logged it."""
    real = chinese.decide

    def meddling(view):  # type: ignore[no-untyped-def]
        d: Decision = real(view)
        d.orders.append(Order("jp_116div", Mission.WITHDRAW, "shaoyang"))
        return d

    monkeypatch.setattr(chinese, "decide", meddling)
    with pytest.raises(rules.IllegalOrderError, match="chinese side cannot order it"):
        Campaign(load_scenario(WEST), 1).run(until_day=1)
