"""Dupuy-style combat: power, power ratio, daily casualty rates, losses and outcomes.

Combat power P = strength (men) x quality (CEV) x terrain x posture x weather x air x
surprise x supply (Dupuy, *Numbers, Predictions and War*). The noisy ratio P_att/P_def sets
both sides' daily casualty rates (TNDM base rates scaled by the ratio to ``ratio_exponent``)
and the outcome. All functions here are pure; the engine applies their results.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from wargame.params import CombatParams, SupplyParams
from wargame.state import Posture

MAX_RATIO = 1e6
"""Power ratios are kept within [1/MAX_RATIO, MAX_RATIO]: a side with no combat power at all
(a factor of 0 in the table) loses at once, and the log stays finite."""


class Outcome(StrEnum):
    REPULSED = "attack_repulsed"
    GAINS_GROUND = "attacker_gains_ground"
    WITHDRAWS = "defender_withdraws"
    BREAKTHROUGH = "breakthrough"
    ENCIRCLED = "defender_encircled"


@dataclass(frozen=True)
class Force:
    """One unit's contribution to an engagement."""

    unit_id: str
    men: int
    quality: float  # CEV
    supply_factor: float  # from :func:`supply_power_factor`

    @property
    def base_power(self) -> float:
        return self.men * self.quality * self.supply_factor


def supply_power_factor(p: SupplyParams, supply_state: float) -> float:
    """Combat-power multiplier from the share of need met (QJM supply consideration).

    1.0 at or above the shortfall threshold, falling linearly to ``min_power_factor`` at 0.
    """
    if supply_state >= p.shortfall_threshold:
        return 1.0
    frac = supply_state / p.shortfall_threshold if p.shortfall_threshold > 0 else 0.0
    return p.min_power_factor + (1.0 - p.min_power_factor) * frac


def posture_after(p: CombatParams, days_in_place: int) -> Posture:
    """A defender's posture after ``days_in_place`` days: hasty, then prepared, then fortified
    (QJM posture definitions; thresholds in the parameter table)."""
    if days_in_place >= p.days_to_fortified:
        return Posture.FORTIFIED
    if days_in_place >= p.days_to_prepared:
        return Posture.PREPARED
    return Posture.HASTY


def defender_multiplier(
    p: CombatParams, terrain: str, posture: str, *, town: bool, river: bool
) -> float:
    """Terrain x posture (x town, x river obstacle) multiplier on the defender's strength."""
    m = p.terrain_defender.get(terrain, 1.0) * p.posture.get(posture, 1.0)
    if town:
        m *= p.town_defender
    if river:
        m *= p.river_obstacle
    return m


def power(forces: list[Force], multiplier: float) -> float:
    """Combat power of a group of forces under one environmental/operational multiplier."""
    return sum(f.base_power for f in forces) * multiplier


def size_effect(p: CombatParams, men: int) -> float:
    """Casualty-rate multiplier for a force of ``men`` engaged: smaller forces lose a larger
    share each day (Dupuy, *Attrition*)."""
    lo, hi = p.size_effect_bounds
    if men <= 0:
        return hi
    return min(hi, max(lo, (p.size_reference_men / men) ** p.size_exponent))


def casualty_rates(
    p: CombatParams,
    ratio: float,
    defender_terrain: str,
    *,
    defender_holds: bool = True,
    attacker_men: int | None = None,
    defender_men: int | None = None,
) -> tuple[float, float]:
    """Daily casualty fractions (attacker, defender) at a given power ratio P_att/P_def.

    TNDM shape: each side's rate is its base rate scaled by the opponent's relative power
    to ``ratio_exponent`` and by the size of its own force engaged; the terrain casualty
    factor shields a defender only while it holds (models.md §1: "when the defender holds").
    """
    ratio = min(max(ratio, 1.0 / MAX_RATIO), MAX_RATIO)
    att = p.attacker_base_rate * (1.0 / ratio) ** p.ratio_exponent
    dfn = p.defender_base_rate * ratio**p.ratio_exponent
    if defender_holds:
        dfn *= p.terrain_defender_casualty.get(defender_terrain, 1.0)
    if attacker_men is not None:
        att *= size_effect(p, attacker_men)
    if defender_men is not None:
        dfn *= size_effect(p, defender_men)
    return min(att, p.max_daily_rate), min(dfn, p.max_daily_rate)


RESISTANCE = {
    "delay": "light",
    "withdrawal": "light",
    "attack": "light",
    "hasty": "moderate",
    "prepared": "heavy",
    "fortified": "heavy",
}
"""The QJM advance-rate table's resistance class of each defender posture."""


def advance_km(p: CombatParams, posture: str, terrain: str, *, rain: bool) -> float:
    """km a successful attacker gains today against a defender in ``posture`` on ``terrain``
    (QJM advance-rate table, slowed by rain)."""
    rate = p.advance_rate_km.get(RESISTANCE.get(posture, "moderate"), {}).get(terrain, 0.0)
    return rate * (p.rain_advance_factor if rain else 1.0)


def decide_outcome(
    p: CombatParams,
    ratio: float,
    defender_daily_loss: float,
    defender_cumulative_loss: float,
    can_retreat: bool,
    zone_cleared: bool = True,
) -> Outcome:
    """Who gives ground: QJM's P/P > 1 rule plus the RAND/Dupuy defender breakpoints.

    A winning attacker who has not yet pushed through the defended zone (``zone_cleared``
    False) only gains ground; a breakthrough or a broken defender ends the fight at once.
    """
    broken = (
        defender_daily_loss >= p.withdraw_daily_loss
        or defender_cumulative_loss >= p.defender_breakpoint
    )
    wins = ratio >= p.success_ratio
    if not (wins or broken):
        return Outcome.REPULSED
    if wins and not broken and not zone_cleared and ratio < p.breakthrough_ratio:
        return Outcome.GAINS_GROUND
    if not can_retreat:
        return Outcome.ENCIRCLED
    if ratio >= p.breakthrough_ratio:
        return Outcome.BREAKTHROUGH
    return Outcome.WITHDRAWS


def split_losses(
    p: CombatParams, casualties: int, routed: bool, rng: np.random.Generator
) -> dict[str, int]:
    """Split battle casualties into killed, wounded and captured (Dupuy, *Attrition*)."""
    if casualties <= 0:
        return {"killed": 0, "wounded": 0, "captured": 0}
    captured_share = p.captured_fraction_routed if routed else p.captured_fraction
    killed_share = min(p.killed_fraction, 1.0 - captured_share)
    wounded_share = max(0.0, 1.0 - captured_share - killed_share)
    k, w, c = rng.multinomial(casualties, [killed_share, wounded_share, captured_share])
    return {"killed": int(k), "wounded": int(w), "captured": int(c)}


def draw_casualties(men: int, rate: float, rng: np.random.Generator) -> int:
    """Whole men lost at a daily rate: a binomial draw around men x rate."""
    if men <= 0 or rate <= 0:
        return 0
    return int(rng.binomial(men, min(rate, 1.0)))


def noisy_ratio(
    p: CombatParams, att_power: float, def_power: float, rng: np.random.Generator
) -> float:
    """P_att / P_def times lognormal noise (models.md §7)."""
    if def_power <= 0:
        return MAX_RATIO if att_power > 0 else 1.0
    noise = rng.lognormal(0.0, p.ratio_noise_sigma) if p.ratio_noise_sigma > 0 else 1.0
    return min(max(att_power / def_power * noise, 1.0 / MAX_RATIO), MAX_RATIO)
