"""Dupuy-style combat: power, power ratio, daily casualty rates, losses and outcomes.

Combat power P = strength (men) x quality (CEV) x posture x supply, times the environment:
the defender's terrain row, the attacker's weather factor (and its night factor when it
attacks by night), each side's air and the defender's surprise (Dupuy, *Numbers,
Predictions and War*). The noisy ratio P_att/P_def sets both sides' daily casualty rates
(TNDM base rates scaled by the ratio to ``ratio_exponent``, by the terrain and weather
casualty factors, which apply to both sides, and by size), the attacker's advance rate (the
QJM table, growing with the ratio, slowed by terrain, weather and rivers) and the outcome.
All functions here are pure; the engine and the backtest of historical engagements
(:mod:`wargame.analysis.engagements`) apply their results.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np

from wargame.draws import binomial, multinomial3
from wargame.params import CombatParams, SupplyParams
from wargame.state import Posture

MAX_RATIO: Final = 1e6
"""Power ratios are kept within [1/MAX_RATIO, MAX_RATIO]: a side with no combat power at all
(a factor of 0 in the table) loses at once, and the log stays finite."""


class Outcome(StrEnum):
    REPULSED = "attack_repulsed"
    GAINS_GROUND = "attacker_gains_ground"
    WITHDRAWS = "defender_withdraws"
    BREAKTHROUGH = "breakthrough"
    ENCIRCLED = "defender_encircled"


REPULSED: Final = Outcome.REPULSED
GAINS_GROUND: Final = Outcome.GAINS_GROUND
WITHDRAWS: Final = Outcome.WITHDRAWS
BREAKTHROUGH: Final = Outcome.BREAKTHROUGH
ENCIRCLED: Final = Outcome.ENCIRCLED
ROUTS: Final = (BREAKTHROUGH, ENCIRCLED)
"""The outcomes that rout the defender."""
# (bound once, as state.py's members: a member read off its class is slow on Python 3.11)


@dataclass(init=False, slots=True)
class Force:
    """One unit's contribution to an engagement."""

    unit_id: str
    men: int
    quality: float  # CEV
    supply_factor: float  # from :func:`supply_power_factor`
    posture_factor: float  # a defender's QJM posture factor; 1 for an attacker

    # (``__init__`` written out: a dataclass's generated one runs interpreted in the compiled
    # build, issue 17)
    def __init__(
        self,
        unit_id: str,
        men: int,
        quality: float,
        supply_factor: float,
        posture_factor: float = 1.0,
    ) -> None:
        self.unit_id = unit_id
        self.men = men
        self.quality = quality
        self.supply_factor = supply_factor
        self.posture_factor = posture_factor

    @property
    def base_power(self) -> float:
        return self.men * self.quality * self.supply_factor * self.posture_factor


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


NEUTRAL: Final = "neutral"
"""The row of the terrain and weather tables used where a record does not say (all 1)."""


def terrain_row(p: CombatParams, terrain: str, *, town: bool = False) -> dict[str, float]:
    """The QJM terrain row (defence, mobility, casualty) of ground given as a scenario terrain
    class or directly as a row of the table; a town fights as urban ground where that shields
    the defender more (``terrain_class``)."""
    rows = p.terrain
    row = rows.get(p.terrain_class.get(terrain, terrain), rows[NEUTRAL])
    if town:
        urban = rows[p.terrain_class["town"]]
        if urban["defence"] > row["defence"]:
            row = urban
    return row


def weather_row(p: CombatParams, weather: str) -> dict[str, float]:
    """The QJM weather row (attack, mobility, casualty) of the campaign's weather or of a row
    of the table named directly."""
    return p.weather.get(p.weather_class.get(weather, weather), p.weather[NEUTRAL])


def power(forces: list[Force], multiplier: float) -> float:
    """Combat power of a group of forces under one environmental/operational multiplier."""
    return sum(f.base_power for f in forces) * multiplier


def position_room(p: CombatParams, terrain: str, approaches: int) -> float | None:
    """Men a defence of a place of scenario terrain ``terrain`` can employ against an attack
    by ``approaches`` roads: the place's frontage per road (km) x roads x men per km. None
    where the table sets no limit."""
    km = p.frontage_km.get(terrain)
    if km is None:
        return None
    return km * max(1, approaches) * p.defence_men_per_km


def in_line(forces: list[Force], room_men: float | None) -> list[Force]:
    """The forces that fit a front with room for ``room_men``: every unit's men scaled by the
    share of the group that fits (rounded down), the rest in reserve for the day. The same
    forces where all fit or no limit is set."""
    total = sum(f.men for f in forces)
    if room_men is None or total <= room_men:
        return forces
    share = room_men / total
    return [
        Force(f.unit_id, int(f.men * share), f.quality, f.supply_factor, f.posture_factor)
        for f in forces
    ]


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
    *,
    casualty_factor: float = 1.0,
    defender_posture: str = "attack",
    attacker_men: int | None = None,
    defender_men: int | None = None,
) -> tuple[float, float]:
    """Daily casualty fractions (attacker, defender) at a given power ratio P_att/P_def.

    TNDM shape: each side's rate is its base rate scaled by the opponent's relative power to
    ``ratio_exponent``, by the terrain x weather casualty factor ``casualty_factor`` (both
    sides: Dupuy's attrition verities 11-12), by the size of its own force engaged, and for
    the attacker by the defender's posture (QJM u_ca).
    """
    ratio = min(max(ratio, 1.0 / MAX_RATIO), MAX_RATIO)
    att = p.attacker_base_rate * (1.0 / ratio) ** p.ratio_exponent * casualty_factor
    att *= p.posture_attacker_casualty.get(defender_posture, 1.0)
    dfn = p.defender_base_rate * ratio**p.ratio_exponent * casualty_factor
    if attacker_men is not None:
        att *= size_effect(p, attacker_men)
    if defender_men is not None:
        dfn *= size_effect(p, defender_men)
    return min(att, p.max_daily_rate), min(dfn, p.max_daily_rate)


def heights_rates(
    p: CombatParams,
    ratio: float,
    def_power: float,
    *,
    casualty_factor: float = 1.0,
    defender_posture: str = "prepared",
) -> tuple[float, float]:
    """Daily casualty fractions (attacker, defender) when the defender fires from the heights
    on a column in the valley below: the mixed Lanchester law (models.md section 2),
    dA/dt = -beta B for the exposed column and dB/dt = -alpha A B for the hidden defender.

    The column loses men in proportion to the defender's fire, whatever its own size (its
    share lost is ``attacker_base_rate`` x P_def / P_att); the defender loses a share in
    proportion to the attacking power, whatever its own size (``defender_base_rate`` x
    P_att / ``size_reference_men``). The coefficients are the TNDM base rates of an even
    fight at division level (``size_reference_men`` on each side), so only the law's form
    changes; the law carries the size effect itself. The terrain x weather casualty factor
    applies to both sides and the posture's u_ca to the attacker, as in
    :func:`casualty_rates`. ``def_power`` is the defender's power before noise and ``ratio``
    the noisy P_att / P_def.
    """
    ratio = min(max(ratio, 1.0 / MAX_RATIO), MAX_RATIO)
    att = p.attacker_base_rate / ratio * casualty_factor
    att *= p.posture_attacker_casualty.get(defender_posture, 1.0)
    dfn = p.defender_base_rate * ratio * def_power / p.size_reference_men * casualty_factor
    return min(att, p.max_daily_rate), min(dfn, p.max_daily_rate)


ADVANCE_ROW: Final = {
    "delay": "hasty",
    "withdrawal": "hasty",
    "attack": "hasty",
    "hasty": "hasty",
    "prepared": "prepared",
    "fortified": "fortified",
}
"""The row of the QJM advance-rate table for each defender posture."""


def advance_km(
    p: CombatParams,
    ratio: float,
    posture: str,
    *,
    mobility: float = 1.0,
    river_crossings: int = 0,
) -> float:
    """km a successful attacker gains today at power ratio ``ratio`` against a defender in
    ``posture``: the QJM advance-rate table interpolated on the ratio (0 below
    ``success_ratio``), times the terrain and weather mobility factors (``mobility``) and
    the river factor for each river on the attacker's road."""
    if ratio < p.success_ratio:
        return 0.0
    row = p.advance_km_by_posture.get(ADVANCE_ROW.get(posture, "hasty"))
    if row is None:
        return 0.0
    rate = float(np.interp(ratio, p.advance_ratio_points, row))
    return rate * mobility * p.river_advance_factor**river_crossings


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
        return REPULSED
    if wins and not broken and not zone_cleared and ratio < p.breakthrough_ratio:
        return GAINS_GROUND
    if not can_retreat:
        return ENCIRCLED
    if ratio >= p.breakthrough_ratio:
        return BREAKTHROUGH
    return WITHDRAWS


def split_losses(
    p: CombatParams, casualties: int, routed: bool, side: str, rng: np.random.Generator
) -> dict[str, int]:
    """Split a side's battle casualties into killed, wounded and captured: the captured share
    by whether the force was routed (Dupuy, *Attrition*), the rest by the side's killed share
    (``killed_fraction``)."""
    if casualties <= 0:
        return {"killed": 0, "wounded": 0, "captured": 0}
    captured_share = (p.captured_fraction_routed if routed else p.captured_fraction).get(side, 0.0)
    killed_share = (1.0 - captured_share) * p.killed_fraction.get(side, 0.0)
    wounded_share = max(0.0, 1.0 - captured_share - killed_share)
    k, w, c = multinomial3(rng, casualties, killed_share, wounded_share, captured_share)
    return {"killed": k, "wounded": w, "captured": c}


def draw_casualties(men: int, rate: float, rng: np.random.Generator) -> int:
    """Whole men lost at a daily rate: a binomial draw around men x rate."""
    if men <= 0 or rate <= 0:
        return 0
    return binomial(rng, men, min(rate, 1.0))


def noisy_ratio(
    p: CombatParams, att_power: float, def_power: float, rng: np.random.Generator
) -> float:
    """P_att / P_def times lognormal noise (models.md §7)."""
    if def_power <= 0:
        return MAX_RATIO if att_power > 0 else 1.0
    noise = rng.lognormal(0.0, p.ratio_noise_sigma) if p.ratio_noise_sigma > 0 else 1.0
    return min(max(att_power / def_power * noise, 1.0 / MAX_RATIO), MAX_RATIO)


# --------------------------------------------------------------------------- one engagement


PURSUIT: Final = "pursuit"
PURSUIT_ROUT: Final = "pursuit_rout"
"""Outcomes of a pursuit: a withdrawing column attacked on the march keeps going; at a
breakthrough ratio it is routed (more of its losses are men captured)."""


@dataclass(init=False)
class Battlefield:
    """Where and how an engagement is fought: everything about it except the forces.

    ``terrain`` is a scenario terrain class or a row of the QJM terrain table; ``weather`` the
    campaign's weather or a row of the QJM weather table. ``surprise`` multiplies the
    defender (an ambush, :func:`wargame.ambush.surprise_factor`; below 1 when the attacker
    surprises); ``attacker_air`` and ``defender_air`` are each side's air superiority x close
    support multipliers. ``river_crossings`` is the number of rivers on the attacker's road.
    ``on_the_march`` is a pursuit of a withdrawing column on a road: no town shield and no
    defended zone, and the column never holds. ``by_night``: the attacker attacks by night
    (:func:`wargame.air.by_night`) at ``night_attack_factor`` of its power.
    ``from_heights``: the defender fires from the heights on the attacking column in the
    valley (:func:`heights_rates`, the mixed Lanchester law; see :func:`fires_from_heights`).
    """

    terrain: str
    defender_posture: str = "hasty"
    town: bool = False
    river_crossings: int = 0
    weather: str = NEUTRAL
    surprise: float = 1.0
    attacker_air: float = 1.0
    defender_air: float = 1.0
    on_the_march: bool = False
    by_night: bool = False
    from_heights: bool = False

    # (``__init__`` written out, not frozen: a dataclass's generated one runs interpreted in
    # the compiled build, issue 17; treat it as a value all the same)
    def __init__(
        self,
        terrain: str,
        defender_posture: str = "hasty",
        town: bool = False,
        river_crossings: int = 0,
        weather: str = NEUTRAL,
        surprise: float = 1.0,
        attacker_air: float = 1.0,
        defender_air: float = 1.0,
        on_the_march: bool = False,
        by_night: bool = False,
        from_heights: bool = False,
    ) -> None:
        self.terrain = terrain
        self.defender_posture = defender_posture
        self.town = town
        self.river_crossings = river_crossings
        self.weather = weather
        self.surprise = surprise
        self.attacker_air = attacker_air
        self.defender_air = defender_air
        self.on_the_march = on_the_march
        self.by_night = by_night
        self.from_heights = from_heights


@dataclass(init=False)
class Environment:
    """The table factors of a battlefield: the defender's strength factor (terrain), the
    attacker's (weather), both sides' casualty factor and the attacker's mobility."""

    defender: float
    attacker: float
    casualty: float
    mobility: float

    # (``__init__`` written out, not frozen: a dataclass's generated one runs interpreted in
    # the compiled build, issue 17; treat it as a value all the same)
    def __init__(self, defender: float, attacker: float, casualty: float, mobility: float) -> None:
        self.defender = defender
        self.attacker = attacker
        self.casualty = casualty
        self.mobility = mobility


def environment(p: CombatParams, field: Battlefield) -> Environment:
    """Look a battlefield up in the QJM terrain and weather tables."""
    ground = terrain_row(p, field.terrain, town=field.town and not field.on_the_march)
    sky = weather_row(p, field.weather)
    return Environment(
        defender=ground["defence"],
        attacker=sky["attack"],
        casualty=ground["casualty"] * sky["casualty"],
        mobility=ground["mobility"] * sky["mobility"],
    )


def power_ratio(
    p: CombatParams, attackers: list[Force], defenders: list[Force], field: Battlefield
) -> tuple[float, float, Environment]:
    """Both sides' combat power (before noise) on a battlefield, and its table factors."""
    env = environment(p, field)
    night = p.night_attack_factor if field.by_night else 1.0
    att_power = power(attackers, env.attacker * field.attacker_air * night)
    def_power = power(defenders, env.defender * field.surprise * field.defender_air)
    return att_power, def_power, env


@dataclass(init=False)
class Stakes:
    """What decides whether the defender gives ground (men; km)."""

    can_retreat: bool = True
    defender_initial_men: int = 0  # strength it started with, for the cumulative breakpoint
    defender_prior_losses: int = 0  # men it lost before today
    assault_km: float = 0.0  # ground the attackers already hold in the defended zone

    # (``__init__`` written out, not frozen: a dataclass's generated one runs interpreted in
    # the compiled build, issue 17; treat it as a value all the same)
    def __init__(
        self,
        can_retreat: bool = True,
        defender_initial_men: int = 0,
        defender_prior_losses: int = 0,
        assault_km: float = 0.0,
    ) -> None:
        self.can_retreat = can_retreat
        self.defender_initial_men = defender_initial_men
        self.defender_prior_losses = defender_prior_losses
        self.assault_km = assault_km


@dataclass(init=False)
class Result:
    """What an engagement did: powers, ratio, each unit's losses (men), ground and outcome."""

    att_power: float
    def_power: float
    defender_env: float  # the defender's terrain (or urban) factor
    ratio: float
    attacker_losses: dict[str, int]
    defender_losses: dict[str, int]
    gained_km: float
    assault_km: float
    outcome: str
    routed: bool

    # (``__init__`` written out, not frozen: a dataclass's generated one runs interpreted in
    # the compiled build, issue 17; treat it as a value all the same)
    def __init__(
        self,
        att_power: float,
        def_power: float,
        defender_env: float,
        ratio: float,
        attacker_losses: dict[str, int],
        defender_losses: dict[str, int],
        gained_km: float,
        assault_km: float,
        outcome: str,
        routed: bool,
    ) -> None:
        self.att_power = att_power
        self.def_power = def_power
        self.defender_env = defender_env
        self.ratio = ratio
        self.attacker_losses = attacker_losses
        self.defender_losses = defender_losses
        self.gained_km = gained_km
        self.assault_km = assault_km
        self.outcome = outcome
        self.routed = routed


def fires_from_heights(p: CombatParams, terrain: str, posture: str, through_pass: bool) -> bool:
    """Does a defender in ``posture`` at a place of scenario terrain ``terrain`` fire from the
    heights on a column attacking it (by a road over a pass if ``through_pass``)?"""
    return posture in p.heights_postures and (terrain in p.heights_terrain or through_pass)


def engagement_rates(
    p: CombatParams,
    ratio: float,
    env: Environment,
    field: Battlefield,
    attackers: list[Force],
    defenders: list[Force],
    def_power: float | None = None,
) -> tuple[float, float]:
    """Both sides' daily casualty rates on a battlefield at a power ratio: the
    :func:`casualty_rates` of the forces' sizes, the ground's casualty factor and the
    defender's posture (a column attacked on the march fights at withdrawal posture); the
    :func:`heights_rates` where the defender fires from the heights (``def_power``, its power
    before noise, is then needed)."""
    if field.from_heights and not field.on_the_march and def_power is not None:
        return heights_rates(
            p,
            ratio,
            def_power,
            casualty_factor=env.casualty,
            defender_posture=field.defender_posture,
        )
    return casualty_rates(
        p,
        ratio,
        casualty_factor=env.casualty,
        defender_posture="withdrawal" if field.on_the_march else field.defender_posture,
        attacker_men=sum(f.men for f in attackers),
        defender_men=sum(f.men for f in defenders),
    )


def resolve_engagement(
    p: CombatParams,
    attackers: list[Force],
    defenders: list[Force],
    field: Battlefield,
    stakes: Stakes,
    rng: np.random.Generator,
) -> Result:
    """One day's fighting between two groups of forces: the campaign's attacks and pursuits
    go through here (the backtest of historical engagements uses the same
    :func:`power_ratio` and :func:`engagement_rates`, without the noise).

    Power ratio with lognormal noise, both sides' casualty rates and binomial losses, the
    attacker's advance through the defended zone and who gives ground. Draws, in order: the
    ratio noise, then each defender's losses, then each attacker's.
    """
    att_power, def_power, env = power_ratio(p, attackers, defenders, field)
    ratio = noisy_ratio(p, att_power, def_power, rng)
    def_men = sum(f.men for f in defenders)
    att_rate, def_rate = engagement_rates(p, ratio, env, field, attackers, defenders, def_power)
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
        gained = advance_km(
            p,
            ratio,
            field.defender_posture,
            mobility=env.mobility,
            river_crossings=field.river_crossings,
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
        routed = decided in ROUTS
    return Result(
        att_power,
        def_power,
        env.defender,
        ratio,
        att_losses,
        def_losses,
        gained,
        pushed,
        outcome,
        routed,
    )
