"""Non-battle attrition and recovery: disease by season, terrain and supply; men returning.

Disease admissions run 0.2 % to over 1 % of strength per day in subtropical campaigns of the
1940s, pushed up by the rains, exertion, altitude and hunger (models.md §6); men who neither march
nor fight fall sick less often. A share of the
wounded and sick enter a recovering pool and return to duty at a daily rate.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from wargame.draws import binomial
from wargame.params import AttritionParams


def disease_rate(
    p: AttritionParams,
    date: dt.date,
    side: str,
    *,
    mountain: bool,
    low_supply: bool,
    in_field: bool,
) -> float:
    """Daily fraction of a unit's men admitted sick: the month's rate for men in the field
    (marching or fighting), less for a quiet garrison or reserve (``static_factor``)."""
    rate = p.disease_rate_by_month.get(str(date.month), 0.0) * p.side_factor.get(side, 1.0)
    if mountain:
        rate *= p.mountain_factor
    if low_supply:
        rate *= p.low_supply_factor
    if not in_field:
        rate *= p.static_factor
    return min(rate, 1.0)


def to_recovering(p: AttritionParams, wounded: int, sick: int, rng: np.random.Generator) -> int:
    """How many of today's wounded and sick will eventually come back."""
    back = 0
    if wounded > 0:
        back += binomial(rng, wounded, p.wounded_return_fraction)
    if sick > 0:
        back += binomial(rng, sick, p.sick_return_fraction)
    return back


def returns_today(p: AttritionParams, recovering: int, rng: np.random.Generator) -> int:
    """Men from the recovering pool who rejoin their unit today."""
    if recovering <= 0:
        return 0
    return binomial(rng, recovering, p.return_rate_per_day)
