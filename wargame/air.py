"""Air power: sorties flown, air superiority from the sortie balance, and mission effects.

Sorties per day = serviceable aircraft x sortie rate x weather factor (models.md §4), drawn
as binomials from the run's generator. Air superiority is not a switch: a side holds it on
a day when its share of that day's sorties reaches ``superiority_share``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wargame.params import AirParams


@dataclass(frozen=True)
class AirGroupState:
    """What an air group can put up today."""

    group_id: str
    aircraft: int  # aircraft on strength, minus those under repair
    role: str
    base_active: bool  # False if its airfield is captured or under enemy artillery


def sorties(p: AirParams, group: AirGroupState, weather: str, rng: np.random.Generator) -> int:
    """Sorties one group flies today: serviceable aircraft x rate x weather (binomial draws)."""
    if not group.base_active or group.aircraft <= 0:
        return 0
    serviceable = int(rng.binomial(group.aircraft, p.serviceability))
    rate = p.sortie_rate.get(group.role, 0.0) * p.weather_factor.get(weather, 1.0)
    whole, frac = int(rate), rate - int(rate)
    return serviceable * whole + int(rng.binomial(serviceable, frac))


def superiority(p: AirParams, sorties_by_side: dict[str, int]) -> str | None:
    """The side whose share of the day's sorties reaches the threshold, if any."""
    total = sum(sorties_by_side.values())
    if total <= 0:
        return None
    for side in sorted(sorties_by_side):
        if sorties_by_side[side] / total >= p.superiority_share:
            return side
    return None


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
