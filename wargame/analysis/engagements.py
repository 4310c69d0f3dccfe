"""Backtest of the combat model on historical engagements (CDB90).

Each row of the engagements file is played through the campaign's own combat functions
(:func:`wargame.combat.power_ratio`, :func:`~wargame.combat.casualty_rates`): its codes map
onto the model's terrain, posture, weather, surprise and air tables through :data:`MAPPING`,
one documented table. Only each row's inputs are used: ``cea`` (a judgement made after the
fact), ``kmda`` and ``attacker_won`` are outcomes and never inputs.

Per engagement the backtest predicts the probability that the attacker wins (a logistic link
on the log power ratio, fitted on the engagements: the one fitted step) and each side's daily
casualty rate (the TNDM base rates and factors as the campaign uses them, nothing fitted).
The same figures come from the numbers-only model: the same arithmetic with every factor but
strength set to 1. Figures are given in sample and five-fold cross-validated.

Data: "CDB90, US Army Concepts Analysis Agency (1990); tidy version by J. B. Arnold,
github.com/jrnold/CDB90, ODC-BY 1.0" (see wargame/data/engagements_cdb90.md).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from wargame import combat
from wargame.errors import UserError
from wargame.params import CombatParams

SHIPPED = "engagements_cdb90.csv"
"""The engagements file inside the package (wargame/data/)."""

COLUMNS = (
    "isqno",
    "war",
    "name",
    "year",
    "attacker",
    "defender",
    "attacker_strength",
    "defender_strength",
    "attacker_casualties",
    "defender_casualties",
    "duration_days",
    "defender_posture",
    "defender_posture2",
    "terrain_relief",
    "terrain_cover",
    "terrain_special",
    "weather",
    "surprise",
    "air_superiority",
    "cea",
    "attacker_won",
    "front_km",
    "kmda",
)
"""The file's columns, exactly those of the shipped file (CDB90's code book: its .md)."""

FOLDS = 5
"""Cross-validation folds: row i (in file order) is held out in fold i mod 5."""

DUPUY_LINK = (-0.4, 1.3)
"""Intercept and slope of a logistic P(attacker wins) in ln(force ratio) through the Dupuy
Institute's published regularities (1:1 about 40 %, 2:1 about 60 %, 3:1 about 75 %;
shared/reference/models.md §3): the published value beside the fitted one."""

# --------------------------------------------------------------------------- the mapping

MAPPING: dict[str, dict[Any, Any]] = {
    "defender_posture": {
        "HD": "hasty",
        "PD": "prepared",
        "FD": "fortified",
        "DL": "delay",
        "WD": "withdrawal",
    },
    "terrain": {
        # (relief, cover) -> row of CombatParams.terrain (the QJM terrain table)
        ("F", "B"): "flat_bare",
        ("F", "M"): "flat_mixed",
        ("F", "W"): "flat_wooded",
        ("F", "D"): "flat_desert",
        ("R", "B"): "rolling_bare",
        ("R", "M"): "rolling_mixed",
        ("R", "W"): "rolling_wooded",
        ("R", "D"): "rolling_bare",
        ("G", "B"): "rugged_bare",
        ("G", "M"): "rugged_mixed",
        ("G", "W"): "rugged_wooded",
        ("G", "D"): "rugged_bare",
    },
    "terrain_special": {"U": "urban", "M": "swamp_mixed", "D": "dunes"},
    "weather_wet": {"D": "dry", "W": "wet"},
    "weather_sky": {
        ("dry", "S"): "sunny",
        ("dry", "O"): "overcast",
        ("dry", "L"): "overcast",
        ("dry", "H"): "overcast",
        ("wet", "S"): "light",
        ("wet", "O"): "light",
        ("wet", "L"): "light",
        ("wet", "H"): "heavy",
    },
    "weather_temperature": {"H": "hot", "C": "cold", "T": "temperate"},
    "surprise": {1: 1.25, 2: 1.75, 3: 2.5},
}
"""CDB90 codes -> the model's tables. Posture: CDB90's five postures are the QJM's. Terrain:
CDB90's relief (flat, rolling, rugged) x cover (bare, mixed, wooded, desert) are the QJM
terrain rows (desert cover off the flat reads as bare); an urban, marsh or dune special
terrain replaces the row, as the QJM's urban row does. Weather: CDB90's first three letters
(dry/wet, sunny/overcast/light/heavy, hot/cold/temperate) are the QJM weather rows (a dry day
with precipitation noted reads as overcast, a wet day without as light rain). Surprise:
CDB90's 1-3 are minor, substantial and complete surprise, the midpoints of Dupuy's power
factors 1.2-1.3, 1.5-2 and 2-3 (Understanding War; models.md §5), on the surpriser's side.
Air: 1 or -1 gives the attacker or the defender the QJM air-superiority factor. A blank or
unknown code takes the model's neutral value (factor 1), and is counted."""


@dataclass(frozen=True)
class Engagement:
    """One historical engagement's inputs and outcomes (men; days)."""

    isqno: int
    name: str
    year: int | None
    attacker_men: int
    defender_men: int
    attacker_casualties: int
    defender_casualties: int
    duration_days: float | None
    posture: tuple[str, ...]  # CDB90 posture codes, one or two
    relief: str
    cover: str
    special: str
    weather: str
    surprise: int | None
    air: int | None
    attacker_won: int  # 1 won, 0 draw, -1 lost: an outcome, never an input
    attacker_cev: float = 1.0  # CDB90 gives none (cea is an outcome)
    defender_cev: float = 1.0

    @property
    def won(self) -> bool:
        return self.attacker_won == 1


@dataclass(frozen=True)
class Inputs:
    """A row mapped onto the model: the battlefield and the two forces, and which of its
    fields fell back to the neutral value."""

    field: combat.Battlefield
    attackers: list[combat.Force]
    defenders: list[combat.Force]
    posture: str
    neutral: tuple[str, ...]


def map_row(p: CombatParams, e: Engagement) -> Inputs:
    """Map one engagement's codes onto the model's tables (:data:`MAPPING`)."""
    neutral: list[str] = []
    postures = [
        MAPPING["defender_posture"][c] for c in e.posture if c in MAPPING["defender_posture"]
    ]
    if not postures:
        neutral.append("posture")
        postures = ["attack"]
    factors = [p.posture.get(x, 1.0) for x in postures]
    posture_factor = math.prod(factors) ** (1.0 / len(factors))  # a mixture: geometric mean

    if e.special in MAPPING["terrain_special"]:
        terrain = MAPPING["terrain_special"][e.special]
    elif (e.relief, e.cover) in MAPPING["terrain"]:
        terrain = MAPPING["terrain"][(e.relief, e.cover)]
    else:
        terrain = combat.NEUTRAL
        neutral.append("terrain")

    weather = _weather_row(e.weather)
    if weather == combat.NEUTRAL:
        neutral.append("weather")

    surprise = 1.0
    if e.surprise is None:
        neutral.append("surprise")
    elif e.surprise != 0:
        f = MAPPING["surprise"][min(3, abs(e.surprise))]
        surprise = 1.0 / f if e.surprise > 0 else f  # the Battlefield's factor is the defender's

    att_air = def_air = 1.0
    if e.air is None:
        neutral.append("air")
    elif e.air > 0:
        att_air = p.air_superiority
    elif e.air < 0:
        def_air = p.air_superiority

    field_ = combat.Battlefield(
        terrain,
        postures[0],
        weather=weather,
        surprise=surprise,
        attacker_air=att_air,
        defender_air=def_air,
    )
    attackers = [combat.Force("attacker", e.attacker_men, e.attacker_cev, 1.0)]
    defenders = [combat.Force("defender", e.defender_men, e.defender_cev, 1.0, posture_factor)]
    return Inputs(field_, attackers, defenders, postures[0], tuple(neutral))


def _weather_row(code: str) -> str:
    """CDB90's weather code as a row of the QJM weather table (neutral when unknown)."""
    if len(code) < 3:
        return combat.NEUTRAL
    wet = MAPPING["weather_wet"].get(code[0])
    sky = MAPPING["weather_sky"].get((wet, code[1]))
    temp = MAPPING["weather_temperature"].get(code[2])
    if wet is None or sky is None or temp is None:
        return combat.NEUTRAL
    return f"{wet}_{sky}_{temp}"


def numbers_only(e: Engagement) -> Inputs:
    """The same engagement with every factor but strength set to 1."""
    field_ = combat.Battlefield(combat.NEUTRAL, "attack", weather=combat.NEUTRAL)
    return Inputs(
        field_,
        [combat.Force("attacker", e.attacker_men, 1.0, 1.0)],
        [combat.Force("defender", e.defender_men, 1.0, 1.0)],
        "attack",
        (),
    )


@dataclass(frozen=True)
class Prediction:
    """What the model says of one engagement before the link: the power ratio and both sides'
    daily casualty rates (fractions of strength per day)."""

    ratio: float
    attacker_rate: float
    defender_rate: float


def predict(p: CombatParams, x: Inputs) -> Prediction:
    """Power ratio and daily casualty rates, by the campaign's own combat functions (no
    noise: the expected engagement)."""
    att, dfn, env = combat.power_ratio(p, x.attackers, x.defenders, x.field)
    ratio = att / dfn if dfn > 0 else combat.MAX_RATIO
    ar, dr = combat.engagement_rates(p, ratio, env, x.field, x.attackers, x.defenders)
    return Prediction(ratio, ar, dr)


# --------------------------------------------------------------------------- statistics


def fit_logistic(x: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Maximum-likelihood intercept and slope of P(y=1) = 1 / (1 + exp(-(a + b x))), by
    Newton-Raphson (two parameters: a textbook fit rather than a new dependency), with a
    small ridge so that a perfectly separated fold still gives finite values."""
    X = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    ridge = 1e-6 * np.eye(2)
    for _ in range(iterations):
        prob = 1.0 / (1.0 + np.exp(-(X @ beta)))
        w = prob * (1.0 - prob)
        hess = X.T @ (X * w[:, None]) + ridge
        step = np.linalg.solve(hess, X.T @ (y - prob) - ridge @ beta)
        beta = beta + step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return float(beta[0]), float(beta[1])


def link(a: float, b: float, log_ratio: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(a + b * log_ratio)))


def brier(prob: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((prob - y) ** 2))


def auc(score: np.ndarray, y: np.ndarray) -> float:
    """ROC area: the Mann-Whitney probability that a win scores above a loss (ties half)."""
    pos, neg = score[y == 1], score[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def accuracy(prob: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((prob >= 0.5) == (y == 1)))


def casualty_log_error(pred: np.ndarray, actual: np.ndarray) -> float:
    """Median absolute natural-log error of daily casualty rates (pairs with both > 0)."""
    ok = (pred > 0) & (actual > 0)
    if not ok.any():
        return float("nan")
    return float(np.median(np.abs(np.log(pred[ok]) - np.log(actual[ok]))))


# --------------------------------------------------------------------------- the backtest


@dataclass
class Scores:
    brier: float
    auc: float
    accuracy: float
    casualty_log_error: float

    def as_dict(self) -> dict[str, float]:
        return {
            "brier": round(self.brier, 4),
            "auc": round(self.auc, 4),
            "accuracy": round(self.accuracy, 4),
            "casualty_log_error": round(self.casualty_log_error, 4),
        }


@dataclass
class Arm:
    """One model's predictions and scores over the engagements."""

    name: str
    ratios: np.ndarray
    attacker_rates: np.ndarray
    defender_rates: np.ndarray
    link: tuple[float, float] = (0.0, 0.0)
    in_sample: Scores | None = None
    cross_validated: Scores | None = None
    prob_in: np.ndarray = field(default_factory=lambda: np.zeros(0))
    prob_cv: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def r50(self) -> float:
        """The power ratio at which the fitted link gives even odds."""
        a, b = self.link
        return math.exp(-a / b) if b else float("nan")


def campaign_rule(p: CombatParams, ratios: np.ndarray) -> np.ndarray:
    """P(attacker wins) by the campaign's own daily rule, unfitted: the chance that the
    lognormally noisy ratio reaches ``success_ratio`` (QJM's P/P > 1, noise sigma
    ``ratio_noise_sigma``)."""
    sigma = max(p.ratio_noise_sigma, 1e-9)
    z = np.log(np.clip(ratios, 1.0 / combat.MAX_RATIO, combat.MAX_RATIO) / p.success_ratio)
    return np.array([0.5 * (1.0 + math.erf(v / (sigma * math.sqrt(2.0)))) for v in z])


@dataclass
class Backtest:
    """The backtest's result: the engagements used, the two arms and the neutral counts."""

    n: int
    model: Arm
    numbers: Arm
    neutral: Counter[str]
    actual_attacker_rates: np.ndarray
    actual_defender_rates: np.ndarray
    won: np.ndarray
    casualty_rows: int
    skipped_years: int
    campaign_rule: Scores | None = None  # the model's ratios through the campaign's own rule

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document: the cross-validated figures of each arm."""
        assert self.model.cross_validated and self.numbers.cross_validated
        return {
            "n": self.n,
            "model": self.model.cross_validated.as_dict(),
            "numbers_only": self.numbers.cross_validated.as_dict(),
        }


def _daily(casualties: np.ndarray, men: np.ndarray, days: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((days > 0) & (men > 0), casualties / men / days, np.nan)


def _score(arm: Arm, bt_won: np.ndarray, actual: tuple[np.ndarray, np.ndarray], cv: bool) -> Scores:
    prob = arm.prob_cv if cv else arm.prob_in
    att_actual, def_actual = actual
    pred = np.concatenate([arm.attacker_rates, arm.defender_rates])
    act = np.concatenate([att_actual, def_actual])
    keep = ~np.isnan(act)
    return Scores(
        brier(prob, bt_won),
        auc(prob, bt_won),
        accuracy(prob, bt_won),
        casualty_log_error(pred[keep], act[keep]),
    )


def run_backtest(
    p: CombatParams, engagements: list[Engagement], since: int | None = None
) -> Backtest:
    """Predict every engagement (since ``since``, a year) with the model and numbers-only,
    fit each arm's link in sample and in five folds, and score both."""
    skipped = 0
    rows = []
    for e in engagements:
        if since is not None and (e.year is None or e.year < since):
            skipped += 1
            continue
        rows.append(e)
    if len(rows) < 2 * FOLDS:
        raise UserError(f"engagements: only {len(rows)} engagements to test (need {2 * FOLDS})")
    neutral: Counter[str] = Counter()
    model_pred, numbers_pred = [], []
    for e in rows:
        x = map_row(p, e)
        neutral.update(x.neutral)
        model_pred.append(predict(p, x))
        numbers_pred.append(predict(p, numbers_only(e)))
    won = np.array([1.0 if e.won else 0.0 for e in rows])
    days = np.array([e.duration_days or 0.0 for e in rows])
    neutral["duration"] = int(np.sum(days <= 0))
    att_actual = _daily(
        np.array([e.attacker_casualties for e in rows], float),
        np.array([e.attacker_men for e in rows], float),
        days,
    )
    def_actual = _daily(
        np.array([e.defender_casualties for e in rows], float),
        np.array([e.defender_men for e in rows], float),
        days,
    )
    folds = np.arange(len(rows)) % FOLDS
    arms = []
    for name, preds in (("model", model_pred), ("numbers only", numbers_pred)):
        arm = Arm(
            name,
            np.array([x.ratio for x in preds]),
            np.array([x.attacker_rate for x in preds]),
            np.array([x.defender_rate for x in preds]),
        )
        lr = np.log(np.clip(arm.ratios, 1.0 / combat.MAX_RATIO, combat.MAX_RATIO))
        arm.link = fit_logistic(lr, won)
        arm.prob_in = link(*arm.link, lr)
        arm.prob_cv = np.zeros(len(rows))
        for k in range(FOLDS):
            test = folds == k
            a, b = fit_logistic(lr[~test], won[~test])
            arm.prob_cv[test] = link(a, b, lr[test])
        arm.in_sample = _score(arm, won, (att_actual, def_actual), cv=False)
        arm.cross_validated = _score(arm, won, (att_actual, def_actual), cv=True)
        arms.append(arm)
    casualty_rows = int(np.sum(~np.isnan(att_actual)))
    rule = campaign_rule(p, arms[0].ratios)
    assert arms[0].in_sample is not None
    return Backtest(
        len(rows),
        arms[0],
        arms[1],
        neutral,
        att_actual,
        def_actual,
        won,
        casualty_rows,
        skipped,
        Scores(
            brier(rule, won),
            auc(rule, won),
            accuracy(rule, won),
            arms[0].in_sample.casualty_log_error,
        ),
    )


# --------------------------------------------------------------------------- reading


def shipped_text() -> str:
    return resources.files("wargame").joinpath("data", SHIPPED).read_text(encoding="utf-8")


def read_engagements(path: Path | None = None) -> list[Engagement]:
    """Read an engagements file in the shipped format (the shipped one by default). A
    malformed file is bad input: one line naming the file, the row and the column."""
    where = str(path) if path is not None else f"wargame/data/{SHIPPED}"
    if path is None:
        text = shipped_text()
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"{path}: not found") from None
        except IsADirectoryError:
            raise UserError(f"{path}: is a folder, not an engagements file") from None
        except UnicodeDecodeError as exc:
            raise UserError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise UserError(f"{path}: cannot read it ({exc.strerror})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise UserError(f"{where}: header: missing column {missing[0]!r} (columns: CDB90's)")
    extra = [c for c in header if c not in COLUMNS]
    if extra:
        raise UserError(f"{where}: header: unknown column {extra[0]!r}")
    out = []
    for i, raw in enumerate(reader, start=2):
        if None in raw:
            raise UserError(f"{where}: row {i}: more fields than the header's {len(header)}")
        if any(v is None for v in raw.values()):
            raise UserError(f"{where}: row {i}: fewer fields than the header's {len(header)}")
        out.append(_engagement(where, i, raw))
    if not out:
        raise UserError(f"{where}: no engagements")
    return out


def _engagement(where: str, row: int, raw: dict[str, str]) -> Engagement:
    def bad(col: str, what: str) -> UserError:
        return UserError(f"{where}: row {row}, column {col}: {what} (got {raw[col]!r})")

    def integer(col: str, *, blank_ok: bool = False, lo: int | None = None) -> int | None:
        v = raw[col].strip()
        if not v:
            if blank_ok:
                return None
            raise bad(col, "missing")
        try:
            f = float(v)
        except ValueError:
            raise bad(col, "not a number") from None
        if not math.isfinite(f) or f != int(f):
            raise bad(col, "not a whole number")
        if lo is not None and f < lo:
            raise bad(col, f"below {lo}")
        return int(f)

    def number(col: str) -> float | None:
        v = raw[col].strip()
        if not v:
            return None
        try:
            f = float(v)
        except ValueError:
            raise bad(col, "not a number") from None
        if not math.isfinite(f) or f < 0:
            raise bad(col, "not a finite number >= 0")
        return f

    won = integer("attacker_won")
    if won not in (-1, 0, 1):
        raise bad("attacker_won", "must be 1, 0 or -1")
    att = integer("attacker_strength", lo=1)
    dfn = integer("defender_strength", lo=1)
    att_c = integer("attacker_casualties", lo=0)
    def_c = integer("defender_casualties", lo=0)
    assert att is not None and dfn is not None and att_c is not None and def_c is not None
    surprise = integer("surprise", blank_ok=True)
    if surprise is not None and not -3 <= surprise <= 3:
        raise bad("surprise", "must be between -3 and 3")
    air = integer("air_superiority", blank_ok=True)
    if air is not None and air not in (-1, 0, 1):
        raise bad("air_superiority", "must be 1, 0 or -1")
    isqno = integer("isqno")
    assert isqno is not None
    posture = tuple(
        c for c in (raw["defender_posture"].strip(), raw["defender_posture2"].strip()) if c
    )
    return Engagement(
        isqno=isqno,
        name=raw["name"].strip(),
        year=integer("year", blank_ok=True),
        attacker_men=att,
        defender_men=dfn,
        attacker_casualties=att_c,
        defender_casualties=def_c,
        duration_days=number("duration_days"),
        posture=posture,
        relief=raw["terrain_relief"].strip(),
        cover=raw["terrain_cover"].strip(),
        special=raw["terrain_special"].strip(),
        weather=raw["weather"].strip(),
        surprise=surprise,
        air=air,
        attacker_won=won,
    )
