"""Mountain ambush: surprise on the first day of contact, fading over the following days.

Dupuy (*Understanding War*): surprise multiplies the surpriser's combat power (substantial
1.5-2x) on the first day, halving each following day and gone after about three. Whether a
defender springs an ambush is a Bernoulli draw whose chance rises with rugged terrain and
prepared positions and falls with the attacker's reconnaissance (models.md §5).
"""

from __future__ import annotations

import numpy as np

from wargame.params import AmbushParams


def ambush_chance(
    p: AmbushParams,
    terrain: str,
    defender_posture: str,
    *,
    through_pass: bool,
    attacker_has_air: bool,
) -> float:
    """Chance that a defender ambushes an advancing column on its first day of contact."""
    base = p.chance_by_terrain.get(terrain, 0.0)
    if through_pass:
        base = max(base, p.chance_by_terrain.get("pass", base))
    if base <= 0:
        return 0.0
    chance = base + p.posture_bonus.get(defender_posture, 0.0)
    recon = p.reconnaissance * (2.0 if attacker_has_air else 1.0)
    return max(0.0, min(1.0, chance * (1.0 - min(recon, 1.0))))


def roll_ambush(chance: float, rng: np.random.Generator) -> bool:
    """One Bernoulli draw from the run's generator."""
    return bool(rng.random() < chance)


def surprise_factor(p: AmbushParams, days_since_ambush: int | None) -> float:
    """Multiplier on the ambusher's power, ``days_since_ambush`` days after it was sprung."""
    if days_since_ambush is None or days_since_ambush < 0 or days_since_ambush >= p.fade_days:
        return 1.0
    return 1.0 + (p.surprise_factor - 1.0) * p.fade_per_day**days_since_ambush
