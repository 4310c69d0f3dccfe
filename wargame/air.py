"""Air power: sorties flown, air superiority from the sortie balance, and mission effects.

Sorties per day = serviceable aircraft x sortie rate x weather factor (models.md §4), drawn
as binomials from the run's generator. Air superiority is not a switch: a side holds it on
a day when its share of that day's sorties reaches ``superiority_share``. A side under
the enemy's air superiority on a clear day marches and attacks by night (:func:`by_night`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wargame.draws import binomial
from wargame.params import AirParams
from wargame.weather import is_rain


@dataclass(init=False, slots=True)
class AirGroupState:
    """What an air group can put up today."""

    group_id: str
    aircraft: int  # aircraft on strength, minus those under repair
    role: str
    base_active: bool  # False if its airfield is captured or under enemy artillery

    # (``__init__`` written out: a dataclass's generated one runs interpreted in the compiled
    # build, issue 17)
    def __init__(self, group_id: str, aircraft: int, role: str, base_active: bool) -> None:
        self.group_id = group_id
        self.aircraft = aircraft
        self.role = role
        self.base_active = base_active


def sorties(p: AirParams, group: AirGroupState, weather: str, rng: np.random.Generator) -> int:
    """Sorties one group flies today: serviceable aircraft x rate x weather (binomial draws)."""
    if not group.base_active or group.aircraft <= 0:
        return 0
    serviceable = binomial(rng, group.aircraft, p.serviceability)
    rate = p.sortie_rate.get(group.role, 0.0) * p.weather_factor.get(weather, 1.0)
    whole, frac = int(rate), rate - int(rate)
    return serviceable * whole + binomial(rng, serviceable, frac)


def superiority(p: AirParams, sorties_by_side: dict[str, int]) -> str | None:
    """The side whose share of the day's sorties reaches the threshold, if any."""
    total = sum(sorties_by_side.values())
    if total <= 0:
        return None
    for side in sorted(sorties_by_side):
        if sorties_by_side[side] / total >= p.superiority_share:
            return side
    return None


def by_night(superior: str | None, side: str, weather: str) -> bool:
    """Does ``side`` march and attack by night today? Yes when the enemy holds air
    superiority (``superior``) and the day is clear: 'having lost air superiority, the
    Japanese dared not make threatening attacks by day' (West Hunan, 1945), and columns moved
    at dawn or after sunset (Changde, 1943). Rain and low cloud lift it: in bad weather the
    Japanese 'moved freely and openly during daylight' (Hunan, 1944; campaign-sources.md §3).
    The effects are ``movement.night_march_factor`` and ``combat.night_attack_factor``.
    """
    return superior is not None and superior != side and not is_rain(weather)


def allocate(p: AirParams, flown: int, holds_superiority: bool) -> dict[str, int]:
    """Split sorties into missions: airfield attack, interdiction (if superior), close support.

    A side without air superiority cannot range over the enemy's roads, so it flies no
    interdiction and keeps its fighter-bombers over its own troops.
    """
    airfield = int(flown * p.airfield_attack_share)
    rest = flown - airfield
    interdiction = int(rest * p.interdiction_share) if holds_superiority else 0
    return {
        "airfield_attack": airfield,
        "interdiction": interdiction,
        "close_support": rest - interdiction,
    }


def interdiction_cut(p: AirParams, interdiction_sorties: int) -> float:
    """Share of the enemy's road supply throughput cut today, at most ``interdiction_max_cut``."""
    return min(p.interdiction_max_cut, interdiction_sorties * p.interdiction_cut_per_sortie)


def close_support_bonus(p: AirParams, cas_sorties: float) -> float:
    """Combat-power multiplier from close-support sorties over one engagement."""
    return 1.0 + min(p.cas_max, cas_sorties * p.cas_per_sortie)


def airfield_damage(
    p: AirParams, attack_sorties: int, enemy_aircraft: int, rng: np.random.Generator
) -> int:
    """Enemy aircraft put out of action by today's airfield attacks (Poisson, capped)."""
    if attack_sorties <= 0 or enemy_aircraft <= 0:
        return 0
    return int(min(enemy_aircraft, rng.poisson(attack_sorties * p.damage_per_airfield_sortie)))


def repaired(p: AirParams, damaged_aircraft: int) -> int:
    """Aircraft still under repair after a day's work on ``damaged_aircraft``."""
    return damaged_aircraft - int(damaged_aircraft * p.repair_rate)


@dataclass(init=False)
class AirDay:
    """One day of the air war, per side: sorties flown, how they were used, and the aircraft
    under repair after the day's airfield attacks; plus the side that held superiority."""

    sorties: dict[str, int]
    superiority: str | None
    missions: dict[str, dict[str, int]]
    damaged_aircraft: dict[str, int]

    # (``__init__`` written out: a dataclass's generated one runs interpreted in the compiled
    # build, issue 17)
    def __init__(
        self,
        sorties: dict[str, int],
        superiority: str | None,
        missions: dict[str, dict[str, int]],
        damaged_aircraft: dict[str, int],
    ) -> None:
        self.sorties = sorties
        self.superiority = superiority
        self.missions = missions
        self.damaged_aircraft = damaged_aircraft


def fly_day(
    p: AirParams,
    groups: dict[str, list[AirGroupState]],
    damaged_aircraft: dict[str, int],
    weather: str,
    rng: np.random.Generator,
) -> AirDay:
    """Both sides' air day: each group flies what its serviceable aircraft (aircraft under
    repair shared over the side's groups by size) and its airfield allow; the sortie balance
    decides superiority; missions are allocated; airfield attacks damage enemy aircraft.

    ``groups`` has the two sides as keys, in the order their draws are made.
    """
    a, b = groups
    enemy_of = {a: b, b: a}
    flown: dict[str, int] = {}
    for side, side_groups in groups.items():
        total = sum([g.aircraft for g in side_groups])
        damaged = min(damaged_aircraft[side], total)
        n = 0
        for g in side_groups:
            share = g.aircraft / total if total else 0
            avail = g.aircraft - round(damaged * share)
            group = g  # (a group with none under repair flies as it is)
            if avail != g.aircraft:
                group = AirGroupState(g.group_id, avail, g.role, g.base_active)
            n += sorties(p, group, weather, rng)
        flown[side] = n
    superior = superiority(p, flown)
    missions = {side: allocate(p, flown[side], superior == side) for side in groups}
    after = dict(damaged_aircraft)
    for side in groups:
        enemy = enemy_of[side]
        enemy_aircraft = sum([g.aircraft for g in groups[enemy]])
        hit = airfield_damage(
            p, missions[side]["airfield_attack"], enemy_aircraft - after[enemy], rng
        )
        after[enemy] += hit
    return AirDay(flown, superior, missions, after)
