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


# --------------------------------------------------------------------------- one engagement


PURSUIT = "pursuit"
PURSUIT_ROUT = "pursuit_rout"
"""Outcomes of a pursuit: a withdrawing column attacked on the march keeps going; at a
breakthrough ratio it is routed (more of its losses are men captured)."""


@dataclass(frozen=True)
class Battlefield:
    """Where and how an engagement is fought: everything about it except the forces.

    ``surprise`` multiplies the defender (an ambush, :func:`wargame.ambush.surprise_factor`);
    ``attacker_air`` and ``defender_air`` are each side's air superiority x close support
    multipliers. ``on_the_march`` is a pursuit of a withdrawing column on a road: no town,
    river or posture shield, and the column never holds.
    """

    terrain: str
    defender_posture: str = "hasty"
    town: bool = False
    river: bool = False
    rain: bool = False
    surprise: float = 1.0
    attacker_air: float = 1.0
    defender_air: float = 1.0
    on_the_march: bool = False


@dataclass(frozen=True)
class Stakes:
    """What decides whether the defender gives ground (men; km)."""

    can_retreat: bool = True
    defender_initial_men: int = 0  # strength it started with, for the cumulative breakpoint
    defender_prior_losses: int = 0  # men it lost before today
    assault_km: float = 0.0  # ground the attackers already hold in the defended zone


@dataclass(frozen=True)
class Result:
    """What an engagement did: powers, ratio, each unit's losses (men), ground and outcome."""

    att_power: float
    def_power: float
    defender_env: float  # terrain x town x river multiplier on the defender
    ratio: float
    attacker_losses: dict[str, int]
    defender_losses: dict[str, int]
    gained_km: float
    assault_km: float
    outcome: str
    routed: bool


def resolve_engagement(
    p: CombatParams,
    attackers: list[Force],
    defenders: list[Force],
    field: Battlefield,
    stakes: Stakes,
    rng: np.random.Generator,
) -> Result:
    """One day's fighting between two groups of forces: the campaign's attacks and
    pursuits, and the backtest's historical engagements, all go through here.

    Power ratio with lognormal noise, both sides' casualty rates and binomial losses, the
    attacker's advance through the defended zone and who gives ground. Draws, in order: the
    ratio noise, then each defender's losses, then each attacker's.
    """
    if field.on_the_march:
        defender_env = p.terrain_defender.get(field.terrain, 1.0)
    else:
        defender_env = defender_multiplier(
            p, field.terrain, "attack", town=field.town, river=field.river
        )
    att_mult = (p.rain_attacker if field.rain else 1.0) * field.attacker_air
    def_mult = defender_env * field.surprise * field.defender_air
    att_power = power(attackers, att_mult)
    def_power = power(defenders, def_mult)
    ratio = noisy_ratio(p, att_power, def_power, rng)
    att_men = sum(f.men for f in attackers)
    def_men = sum(f.men for f in defenders)
    holds = not field.on_the_march and ratio < p.success_ratio
    att_rate, def_rate = casualty_rates(
        p, ratio, field.terrain, defender_holds=holds, attacker_men=att_men, defender_men=def_men
    )
    def_losses = {f.unit_id: draw_casualties(f.men, def_rate, rng) for f in defenders}
    att_losses = {f.unit_id: draw_casualties(f.men, att_rate, rng) for f in attackers}
    if field.on_the_march:
        gained, pushed = 0.0, stakes.assault_km
        routed = ratio >= p.breakthrough_ratio
        outcome = PURSUIT_ROUT if routed else PURSUIT
    else:
        lost_today = sum(def_losses.values())
        daily = lost_today / max(1, def_men)
        cumulative = (stakes.defender_prior_losses + lost_today) / max(
            1, stakes.defender_initial_men
        )
        gained = (
            advance_km(p, field.defender_posture, field.terrain, rain=field.rain)
            if ratio >= p.success_ratio
            else 0.0
        )
        pushed = stakes.assault_km + gained
        decided = decide_outcome(
            p,
            ratio,
            daily,
            cumulative,
            stakes.can_retreat,
            zone_cleared=pushed >= p.defence_zone_km,
        )
        outcome = str(decided)
        routed = decided in (Outcome.BREAKTHROUGH, Outcome.ENCIRCLED)
    return Result(
        att_power,
        def_power,
        defender_env,
        ratio,
        att_losses,
        def_losses,
        gained,
        pushed,
        outcome,
        routed,
    )
