"""What a side may order: the engine checks every order against these rules before it
applies it, whoever gave it (a staff, a person, an order file or a replayed log).

An order is legal when its unit exists, belongs to the ordering side, is on the map and
under the side's command (arrived, not destroyed, not held back by higher command), its
mission is known, and its target is a place of the map that the unit can reach by road.
"""

from __future__ import annotations

from typing import Final

from wargame.doctrine import Decision, Order
from wargame.errors import UserError, did_you_mean
from wargame.scenario import Side
from wargame.state import (
    ACTIVE,
    ADVANCE,
    COUNTERATTACK,
    DESTROYED,
    PENDING,
    REINFORCE,
    RESERVE,
    UNCOMMITTED,
    WITHDRAW,
    CampaignState,
    Mission,
    UnitState,
)
from wargame.world import World

ORDERABLE: Final = (ACTIVE, RESERVE)
"""Unit statuses that take orders."""
NEEDS_TARGET: Final = (ADVANCE, REINFORCE, COUNTERATTACK, WITHDRAW)
"""Missions that must name a place; hold and consolidate stay where the unit is."""


class IllegalOrderError(UserError):
    """An order the rules do not allow; the message is one line naming the unit and why."""


def _orderable(
    world: World, state: CampaignState, side: Side, unit_id: str, what: str
) -> UnitState:
    u = state.units.get(unit_id)
    if u is None:
        raise IllegalOrderError(f"{what}: no unit {unit_id!r}{did_you_mean(unit_id, state.units)}")
    if u.side != side:
        raise IllegalOrderError(
            f"{what}: {unit_id} is a {u.side} unit; the {side} side cannot order it"
        )
    if u.status == PENDING:
        arrival = world.unit(unit_id).arrival
        when = "" if arrival is None else f" (it arrives on D+{arrival.day})"
        raise IllegalOrderError(f"{what}: {unit_id} has not arrived{when}")
    if u.status == DESTROYED:
        raise IllegalOrderError(f"{what}: {unit_id} has been destroyed")
    return u


def _refused(order: Order, reason: str) -> IllegalOrderError:
    return IllegalOrderError(f"order for {order.unit_id}: {reason}")


def check_order(world: World, state: CampaignState, side: Side, order: Order) -> None:
    """Raise :class:`IllegalOrderError` unless ``side`` may give ``order`` today. (The
    checks an order passes cost a few lookups; the reason is worded only for one that
    fails.)"""
    u = state.units.get(order.unit_id)
    if u is None or u.side != side or u.status not in ORDERABLE:
        what = f"order for {order.unit_id}"
        u = _orderable(world, state, side, order.unit_id, what)
        raise IllegalOrderError(
            f"{what}: {order.unit_id} is {u.status}: higher command has not released it"
        )
    mission = order.mission
    if not isinstance(mission, Mission):
        try:
            mission = Mission(mission)
        except ValueError:
            raise _refused(
                order,
                f"unknown mission {str(order.mission)!r}"
                f"{did_you_mean(str(order.mission), Mission)}",
            ) from None
    if order.days < 0:
        raise _refused(order, f"days must be 0 or more, not {order.days}")
    target = order.target
    if target is None:
        if mission in NEEDS_TARGET:
            raise _refused(order, f"{mission} needs a place")
        return
    if target not in world.tmap.places:
        nodes = world.tmap.graph.nodes
        raise _refused(order, f"no place {target!r}{did_you_mean(target, nodes)}")
    pos = u.pos
    here = pos.place or pos.dest or pos.origin  # where the unit is, or the place it marches to
    if here is not None and here != target and not world.tmap.connected(here, target):
        raise _refused(order, f"{target} cannot be reached by road from {here}")


def check_decision(world: World, state: CampaignState, side: Side, decision: Decision) -> None:
    """Check every order, commitment and release of a side's decision."""
    for order in decision.orders:
        check_order(world, state, side, order)
    for uid in decision.commit:
        _orderable(world, state, side, uid, f"commit {uid}")
    for uid in decision.release:
        u = _orderable(world, state, side, uid, f"release {uid}")
        if u.status != UNCOMMITTED:
            raise IllegalOrderError(f"release {uid}: it is {u.status}, not held back")


def legal_orders(world: World, state: CampaignState, side: Side) -> dict[str, list[str]]:
    """For each unit the side may order today, the missions it may take (those that need a
    place take any place reachable by road from where the unit is)."""
    out: dict[str, list[str]] = {}
    for u in state.units.values():
        if u.side == side and u.status in ORDERABLE:
            out[u.id] = [str(m) for m in Mission]
    return out
