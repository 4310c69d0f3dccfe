"""Daily weather: a two-state (dry/rain) Markov chain by month, with heavy or light rain."""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np

from wargame.params import WeatherParams

CLEAR: Final = "clear"
LIGHT_RAIN: Final = "light_rain"
HEAVY_RAIN: Final = "heavy_rain"


def rain_chance(p: WeatherParams, date: dt.date, raining_yesterday: bool) -> float:
    """Chance of rain today: persistence after a rain day, else the month's climatology."""
    base = p.rain_probability_by_month.get(str(date.month), 0.0)
    if not raining_yesterday:
        # keep the long-run rain frequency equal to `base` despite persistence
        q = p.rain_persistence
        return 0.0 if q >= 1 else max(0.0, min(1.0, base * (1 - q) / max(1e-9, 1 - base)))
    return p.rain_persistence


def draw_weather(p: WeatherParams, date: dt.date, yesterday: str, rng: np.random.Generator) -> str:
    """Today's weather: 'clear', 'light_rain' or 'heavy_rain'."""
    wet = rng.random() < rain_chance(p, date, yesterday != CLEAR)
    if not wet:
        return CLEAR
    return HEAVY_RAIN if rng.random() < p.heavy_share else LIGHT_RAIN


def is_rain(weather: str) -> bool:
    return weather != CLEAR
