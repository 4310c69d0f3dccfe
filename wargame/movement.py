"""Movement rates along roads (km per day) and the cost of river crossings.

Foot-infantry march rates by road class (field-manual rates, models.md §1), slowed by the
terrain of the destination, by rain (mud), by enemy air superiority (columns move by night)
and by hunger. An unbridged river crossing costs part of a day, expressed as extra km of
road at the road's dry march rate.
"""

from __future__ import annotations

from wargame.params import MovementParams


def march_rate_km(
    p: MovementParams,
    kind: str,
    dest_terrain: str,
    *,
    rain: bool,
    enemy_air_superiority: bool,
    low_supply: bool,
) -> float:
    """km per day a unit marches on a road of ``kind`` towards ground of ``dest_terrain``."""
    rate = p.road_km_per_day.get(kind, 0.0) * p.terrain_factor.get(dest_terrain, 1.0)
    if rain:
        rate *= p.rain_factor.get(kind, 1.0)
    if enemy_air_superiority:
        rate *= p.enemy_air_day_factor
    if low_supply:
        rate *= p.low_supply_factor
    return rate


def road_effort_km(p: MovementParams, kind: str, length_km: float, river_crossings: int) -> float:
    """Effective length of a road in km of marching, river crossings included."""
    return length_km + river_crossings * p.river_crossing_days * p.road_km_per_day.get(kind, 0.0)
