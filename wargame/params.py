"""The one table of model parameters, each with its source.

Every modifier the mechanics use lives here as a typed, range-checked field whose
``description`` names where the figure comes from (see ``shared/reference/models.md``).
A scenario file may override any of them in its ``[params.*]`` tables, and ``--set
params.combat.attacker_base_rate=0.03`` changes one for a single run.

Nothing here is fitted to the outcome of the West Hunan campaign: values come from
Dupuy's general QJM/TNDM tables, field-manual march rates, air-force sortie statistics
and medical statistics; where a figure is an estimate the description says so.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

Factor = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]
"""A finite, non-negative multiplier or rate."""

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A share of something, 0 to 1."""


def _p(default: float, source: str, *, ge: float = 0.0, le: float | None = None) -> float:
    """A sourced, range-checked float parameter."""
    return Field(default, ge=ge, le=le, allow_inf_nan=False, description=source)


def _merged(default: dict, given: dict) -> dict:
    """``given`` laid over ``default``, table by table: unnamed entries keep their defaults."""
    out = dict(default)
    for k, v in given.items():
        out[k] = (
            _merged(default[k], v)
            if isinstance(v, dict) and isinstance(default.get(k), dict)
            else v
        )
    return out


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @model_validator(mode="before")
    @classmethod
    def _keep_default_entries(cls, data: Any) -> Any:
        """A scenario that sets one entry of a table (``posture.fortified``) keeps the
        sourced defaults of the others."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, field in cls.model_fields.items():
            if isinstance(out.get(name), dict) and field.default_factory is not None:
                default = field.get_default(call_default_factory=True)
                if isinstance(default, dict):
                    out[name] = _merged(default, out[name])
        return out


class CombatParams(_Table):
    """Dupuy QJM/TNDM combat factors (multipliers unless stated)."""

    attacker_base_rate: float = _p(
        0.028,
        "Attacker killed+wounded+captured per day, fraction of strength. TNDM base attacker "
        "casualty rate, division level (Dupuy, Attrition 1990).",
        le=1,
    )
    defender_base_rate: float = _p(
        0.015,
        "Defender daily casualty fraction. TNDM base defender rate (Dupuy, Attrition 1990).",
        le=1,
    )
    ratio_exponent: float = _p(
        0.5,
        "Casualties scale with the opponent's power ratio to this power. TNDM (models.md §1: "
        "roughly the square root of the ratio).",
        le=3,
    )
    max_daily_rate: float = _p(
        0.25,
        "Cap on any side's daily casualty fraction; Dupuy's highest division-day rates in "
        "Attrition (1990) stay below a quarter of strength.",
        le=1,
    )
    ratio_noise_sigma: float = _p(
        0.2,
        "Lognormal sigma of the daily power ratio: commanders' and soldiers' uncertainty "
        "(models.md §7, 0.1-0.3).",
        le=2,
    )
    success_ratio: float = _p(
        1.0,
        "Noisy power ratio above which the attack succeeds and the defender gives ground: "
        "QJM's prediction rule P/P > 1 (Dupuy, Numbers, Predictions and War).",
        ge=0.01,
    )
    breakthrough_ratio: float = _p(
        3.0,
        "Noisy power ratio for a breakthrough (defender routed). Dupuy Institute "
        "force-ratio regularities: 3:1 and more (models.md §3).",
        ge=1,
    )
    killed_fraction: dict[str, Share] = Field(
        default_factory=lambda: {"chinese": 0.42, "japanese": 0.45},
        description="Share killed of a side's battle casualties that are not captured "
        "(killed / (killed + wounded)). Chinese: 0.42 from the Nationalist army's 1937-45 "
        "totals, 1,320,000 killed and 1,797,000 wounded (ROC official history, quoted in the "
        "Cambridge History of China vol. 13). Japanese: 0.45 from the 106th Division at "
        "Wanjialing 1938, 3,321 killed and 4,085 wounded (JACAR C11111767300, quoted by Jiang "
        "Keshi); one battle, the weakest of the two (docs/research/combat-model-sources.md §8).",
    )
    captured_fraction: dict[str, Share] = Field(
        default_factory=lambda: {"chinese": 0.05, "japanese": 0.01},
        description="Share of a side's battle casualties missing or captured while it holds. "
        "Chinese: Dupuy, Attrition: 'the rest' after 20-25 % killed and 70-75 % wounded. "
        "Japanese: soldiers of the Imperial army rarely let themselves be taken (a few in a "
        "hundred of their losses in the Pacific war); 0.01 is an estimate "
        "(docs/research/campaign-sources.md §7).",
    )
    captured_fraction_routed: dict[str, Share] = Field(
        default_factory=lambda: {"chinese": 0.20, "japanese": 0.05},
        description="Share captured or missing when a force is routed or encircled. Chinese: "
        "Ichi-go 1944, about 80,000 prisoners against 400,000 killed and wounded, 17 % "
        "(docs/research/campaign-sources.md §7). Japanese: encircled parties fought on or broke "
        "out rather than surrender; 0.05 is an estimate (same note). Dupuy, Attrition: 'far "
        "more captured' than for a force that holds.",
    )
    terrain: dict[str, dict[str, Factor]] = Field(
        default_factory=lambda: {
            "flat_bare": {"defence": 1.05, "mobility": 1.05, "casualty": 1.0},
            "flat_mixed": {"defence": 1.2, "mobility": 0.9, "casualty": 0.8},
            "flat_wooded": {"defence": 1.1, "mobility": 0.7, "casualty": 0.7},
            "flat_desert": {"defence": 1.18, "mobility": 0.95, "casualty": 0.9},
            "rolling_bare": {"defence": 1.2, "mobility": 1.0, "casualty": 0.8},
            "rolling_mixed": {"defence": 1.3, "mobility": 0.8, "casualty": 0.7},
            "rolling_wooded": {"defence": 1.35, "mobility": 0.6, "casualty": 0.6},
            "rugged_bare": {"defence": 1.45, "mobility": 0.6, "casualty": 0.5},
            "rugged_mixed": {"defence": 1.55, "mobility": 0.5, "casualty": 0.4},
            "rugged_wooded": {"defence": 1.5, "mobility": 0.4, "casualty": 0.3},
            "urban": {"defence": 1.4, "mobility": 0.7, "casualty": 0.5},
            "swamp_mixed": {"defence": 1.3, "mobility": 0.4, "casualty": 0.4},
            "swamp_jungle": {"defence": 1.4, "mobility": 0.3, "casualty": 0.3},
            "dunes": {"defence": 1.4, "mobility": 0.3, "casualty": 0.5},
            "neutral": {"defence": 1.0, "mobility": 1.0, "casualty": 1.0},
        },
        description="QJM terrain table, rows relief x cover: defence = the defender's strength "
        "factor r_u, mobility = the attacker's advance-rate factor r_m, casualty = both sides' "
        "casualty factor r_c (Dupuy, Numbers, Predictions and War, as tabulated in HerrTom/"
        "OPORD-QJM TerrainFactors.csv and HerrTom/QJM_Wargame; casualties in difficult terrain "
        "fall for both sides: Dupuy's attrition verities 11-12). 'neutral' (all 1) is the "
        "value for unknown terrain.",
    )
    terrain_class: dict[str, str] = Field(
        default_factory=lambda: {
            "plain": "flat_mixed",
            "river_valley": "rolling_mixed",
            "hills": "rolling_wooded",
            "mountain": "rugged_wooded",
            "pass": "rugged_mixed",
            "town": "urban",
        },
        description="The scenario's terrain classes as rows of the QJM terrain table "
        "(geography.md: paddy plains, terraced valleys, wooded hills, the forested Xuefeng "
        "range; a pass is rugged mixed, the table's highest defence 1.55). A town fights as "
        "urban ground where that shields the defender more than the ground around it.",
    )
    weather: dict[str, dict[str, Factor]] = Field(
        default_factory=lambda: {
            "dry_sunny_hot": {"attack": 1.0, "mobility": 0.9, "casualty": 0.8},
            "dry_sunny_temperate": {"attack": 1.0, "mobility": 1.0, "casualty": 1.0},
            "dry_sunny_cold": {"attack": 0.9, "mobility": 0.9, "casualty": 0.7},
            "dry_overcast_hot": {"attack": 1.0, "mobility": 1.0, "casualty": 0.9},
            "dry_overcast_temperate": {"attack": 1.0, "mobility": 1.0, "casualty": 1.0},
            "dry_overcast_cold": {"attack": 0.9, "mobility": 0.9, "casualty": 0.6},
            "wet_light_hot": {"attack": 0.9, "mobility": 0.9, "casualty": 0.7},
            "wet_light_temperate": {"attack": 0.9, "mobility": 0.8, "casualty": 0.7},
            "wet_light_cold": {"attack": 0.9, "mobility": 0.8, "casualty": 0.4},
            "wet_heavy_hot": {"attack": 0.6, "mobility": 0.5, "casualty": 0.5},
            "wet_heavy_temperate": {"attack": 0.7, "mobility": 0.6, "casualty": 0.5},
            "wet_heavy_cold": {"attack": 0.6, "mobility": 0.5, "casualty": 0.3},
            "neutral": {"attack": 1.0, "mobility": 1.0, "casualty": 1.0},
        },
        description="QJM weather table: attack = the attacker's strength factor h_ua, "
        "mobility = its advance-rate factor h_m, casualty = both sides' casualty factor h_c "
        "(Dupuy, Numbers, Predictions and War, as tabulated in HerrTom/OPORD-QJM "
        "WeatherFactors.csv; 'in bad weather casualty rates for both sides decline': attrition "
        "verity 11). 'neutral' (all 1) is the value for unknown weather.",
    )
    weather_class: dict[str, str] = Field(
        default_factory=lambda: {
            "clear": "dry_sunny_temperate",
            "light_rain": "wet_light_temperate",
            "heavy_rain": "wet_heavy_temperate",
        },
        description="The campaign's weather as rows of the QJM weather table: West Hunan in "
        "April-June is temperate to warm (geography.md: spring rains, 15-28 C).",
    )
    posture: dict[str, Factor] = Field(
        default_factory=lambda: {
            "attack": 1.0,
            "withdrawal": 1.1,
            "delay": 1.2,
            "hasty": 1.3,
            "prepared": 1.5,
            "fortified": 1.6,
        },
        description="Defender strength by posture. QJM posture table: hasty 1.3, prepared 1.5, "
        "fortified 1.6, delay 1.2, withdrawal 1.1.",
    )
    days_to_prepared: int = Field(
        2,
        ge=0,
        le=60,
        description="Days in place before a hasty defence counts as prepared. "
        "QJM: prepared defence takes 12-24 h of work; estimate 2 days in mountains.",
    )
    days_to_fortified: int = Field(
        7,
        ge=0,
        le=120,
        description="Days in place before a defence counts as fortified "
        "(entrenchments, mortar positions). Estimate from QJM's 'fortified' definition.",
    )
    posture_attacker_casualty: dict[str, Factor] = Field(
        default_factory=lambda: {
            "attack": 1.0,
            "withdrawal": 0.9,
            "delay": 0.8,
            "hasty": 1.0,
            "prepared": 1.0,
            "fortified": 1.0,
        },
        description="The attacker's casualty factor u_ca by the defender's posture: a "
        "delaying or withdrawing defender fights less hard (QJM posture table, as tabulated "
        "in HerrTom/OPORD-QJM PostureFactors.csv). The table's defender column (0.8 hasty to "
        "0.9 fortified) runs against Dupuy's verity that defender losses fall as the defence "
        "is fortified, so it is not used: the defender's posture acts through its strength.",
    )
    air_superiority: float = _p(
        1.10,
        "Combat-power multiplier for the side holding air superiority. QJM air factor, "
        "about +10 %.",
        ge=1,
    )
    night_attack_factor: float = _p(
        1.0,
        "The attacker's combat power when it attacks by night: the enemy holds air "
        "superiority on a clear day. No source gives the size, so it is neutral (1.0) until "
        "one is found; the research's guess is 0.85 (campaign-sources.md section 3; set it "
        "with --set params.combat.night_attack_factor=0.85). Qualitative source for the "
        "night attacks themselves: 'having lost air superiority, the Japanese dared not make "
        "threatening attacks by day; their attacks were concentrated at night' (popular "
        "history of West Hunan, ch. 9, xiandafang.com; 2-4 assaults a night at Jiangkou: the "
        "number of assaults did not fall).",
        le=1,
    )
    heights_terrain: list[str] = Field(
        default_factory=lambda: ["mountain", "pass"],
        description="Scenario terrain classes of a defended place whose defenders fire from "
        "the heights on a column below them in the valley (mixed Lanchester law, models.md "
        "sections 2 and 5); an attack by a road that crosses a pass counts too. Seed text: "
        "'the mountainous terrain was ideal for ambushes and mortar bombardment on "
        "approaching Japanese forces in the lower grounds'.",
    )
    heights_postures: list[str] = Field(
        default_factory=lambda: ["prepared", "fortified"],
        description="Defender postures that fire from the heights: mortars and machine guns "
        "sited on registered approaches, which takes the time of a prepared defence (QJM "
        "posture definitions; the seed's 'well prepared'). A hasty defence fights by the "
        "usual TNDM rates (estimate: no source says how soon the fire from heights begins).",
    )
    frontage_km: dict[str, Factor] = Field(
        default_factory=lambda: {
            "plain": 8.0,
            "river_valley": 5.0,
            "hills": 5.0,
            "mountain": 4.0,
            "pass": 2.0,
        },
        description="Width (km) of the front a defended place offers on each road the attack "
        "comes in by, by the scenario terrain of the place: the pass saddle or the valley from "
        "ridge to ridge. ESTIMATES (no source gives a frontage per place): a pass about one "
        "regiment's front astride the road, a mountain place one division's, wider on hills, "
        "valleys and plains, in the range of the WWII doctrinal sectors (a division 4-10 km, "
        "US FM 7-40/7-20 and TM-E 30-451 as recalled, not read; research note in "
        "docs/research/campaign-sources.md section 9). A terrain not in the table sets no "
        "limit; --set params.combat.defence_men_per_km=1e9 turns the limit off.",
    )
    defence_men_per_km: float = _p(
        2000.0,
        "Men a defence can employ per km of front; the rest of the men at the place stand in "
        "reserve, add no power and take no losses that day (they refill the line the next). "
        "US Infantry Drill Regulations 1911 (corr. 1917), paras 343-344: a regiment of 1,500 "
        "rifles defends up to 800 yards (730 m) as part of a line, about 2,050 men per km; "
        "para 322: 'no more rifles in the firing line than are necessary'. Dupuy (The "
        "Evolution of Weapons and Warfare, 1980) gives about 2,100 per km for a WWII army "
        "(recalled, not read).",
        ge=1,
    )
    attack_density_factor: float = _p(
        1.6,
        "How much denser than a defence an attack can employ its men on the same front: the "
        "1911 Drill Regulations give a regiment 500 yards attacking as part of a line against "
        "800 yards defending (paras 343-344), 800 / 500 = 1.6.",
        ge=0.1,
    )
    quality: dict[str, Factor] = Field(
        default_factory=lambda: {
            "american_equipped": 1.3,
            "veteran": 1.15,
            "regular": 1.0,
            "provincial": 0.75,
            "japanese_line": 1.3,
            "japanese_second_line": 1.1,
        },
        description="Combat effectiveness value (CEV) by quality class. Dupuy's relative CEVs: "
        "German/Japanese over Allied 1.2-1.5 in WWII; American-equipped Chinese Y/X-Force "
        "divisions reported near Japanese line divisions (Romanus & Sunderland, Time Runs Out in "
        "CBI); the remaining values are estimates.",
    )
    size_reference_men: float = _p(
        15000.0,
        "Strength (men) of the division-level force at which the TNDM base rates hold "
        "(Dupuy, Attrition 1990: divisions of 10,000-20,000 men).",
        ge=1,
    )
    size_exponent: float = _p(
        0.42,
        "Casualty rates scale as (size_reference_men / men engaged) to this power: "
        "Dupuy, Attrition (1990): divisions 1x, regiments (~4,000 men) 1.5-2x, battalions "
        "(~800 men) 3-4x; 0.42 passes through the middle of those ranges.",
        le=3,
    )
    size_effect_bounds: tuple[Factor, Factor] = Field(
        (0.5, 4.0),
        description="Lowest and highest size multiplier: Dupuy's battalion rates "
        "(3-4x) are the top of his table; army-level forces lose at about half the divisional "
        "rate (Dupuy, Attrition 1990; estimate).",
    )
    advance_ratio_points: list[Factor] = Field(
        default_factory=lambda: [1.0, 1.11, 1.26, 1.46, 1.76, 2.26, 3.01, 4.26, 6.0],
        min_length=2,
        description="Power ratios at which the QJM advance-rate table is given (HerrTom/"
        "OPORD-QJM AdvanceRates.csv); between them the rate is interpolated, beyond the last "
        "it stays at the last.",
    )
    advance_km_by_posture: dict[str, list[Factor]] = Field(
        default_factory=lambda: {
            "hasty": [4.0, 4.5, 5.0, 6.5, 8.0, 10.0, 12.0, 18.0, 24.0],
            "prepared": [2.0, 2.25, 2.5, 3.0, 4.0, 5.0, 6.0, 10.0, 12.0],
            "fortified": [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 6.0, 12.0],
        },
        description="km/day a successful foot-infantry attacker advances against each "
        "defence, at the ratios of advance_ratio_points, before the terrain, weather and river "
        "factors (QJM advance-rate table, OPORD-QJM AdvanceRates.csv, infantry column; the "
        "table's fortified 1.85 at 1.11 breaks its own order and is read as 1.25, between its "
        "neighbours). Delay and withdrawal use the hasty row, the table's lightest.",
    )
    river_advance_factor: float = _p(
        0.75,
        "Advance-rate factor per river the attacker's road crosses: QJM river table, an "
        "unfordable river 50-100 m wide 0.8-0.7 (OPORD-QJM AdvanceRiver.csv). A river slows "
        "the attack; it does not multiply the defender (docs/research/combat-model-sources.md).",
        le=1,
    )
    defence_zone_km: float = _p(
        4.0,
        "Depth of a defended position (outposts, main line, reserve positions) the attacker "
        "must push through before the defender gives up the place, unless it breaks first. "
        "Estimate from the 2-4 km battle-position depth of WWII infantry doctrine (FM 100-5, "
        "1941) and the Chinese practice of defence in depth at passes (geography.md).",
        le=100,
    )

    @model_validator(mode="after")
    def _bounds_in_order(self) -> CombatParams:
        lo, hi = self.size_effect_bounds
        if lo > hi:
            raise ValueError(f"size_effect_bounds: lowest {lo} is above highest {hi}")
        for table, rows, classes in (
            ("terrain", self.terrain, self.terrain_class),
            ("weather", self.weather, self.weather_class),
        ):
            for name, row in classes.items():
                if row not in rows:
                    raise ValueError(f"{table}_class.{name}: no row {row!r} in {table}")
        for posture in self.heights_postures:
            if posture not in self.posture:
                raise ValueError(f"heights_postures: no posture {posture!r} in posture")
        points = self.advance_ratio_points
        if any(b <= a for a, b in itertools.pairwise(points)):
            raise ValueError("advance_ratio_points: ratios must increase")
        for posture, km in self.advance_km_by_posture.items():
            if len(km) != len(points):
                raise ValueError(
                    f"advance_km_by_posture.{posture}: {len(km)} rates for {len(points)} "
                    "advance_ratio_points"
                )
        return self

    withdraw_daily_loss: float = _p(
        0.05,
        "A defender whose daily loss passes this fraction withdraws. Breakpoint studies "
        "(RAND/Dupuy): defenders withdraw at about 5 %/day.",
        le=1,
    )
    defender_breakpoint: float = _p(
        0.20,
        "Cumulative loss fraction beyond which a defender no longer holds: defenders who "
        "held lost <= 20 % (RAND/Dupuy breakpoints).",
        le=1,
    )


class AmbushParams(_Table):
    """Surprise and mountain ambush (Dupuy, Understanding War; models.md §5)."""

    chance_by_terrain: dict[str, Factor] = Field(
        default_factory=lambda: {
            "plain": 0.0,
            "river_valley": 0.05,
            "hills": 0.15,
            "mountain": 0.35,
            "pass": 0.5,
        },
        description="Base chance per column per first contact day that the defender springs an "
        "ambush, by the terrain of the contested place. Estimate: passes and narrow valleys "
        "channel a column (models.md §5).",
    )
    posture_bonus: dict[str, Factor] = Field(
        default_factory=lambda: {
            "hasty": 0.0,
            "prepared": 0.1,
            "fortified": 0.15,
            "delay": 0.05,
            "withdrawal": 0.0,
            "attack": 0.0,
        },
        description="Added chance for a defender with prepared positions and local knowledge "
        "(models.md §5); estimate.",
    )
    reconnaissance: float = _p(
        0.3,
        "Fraction of the ambush chance the attacker's reconnaissance removes; doubled "
        "effect under its own air superiority. Estimate (models.md §5).",
        le=1,
    )
    surprise_factor: float = _p(
        2.0,
        "Multiplier on the ambusher's power on the first day: 'substantial surprise "
        "1.5-2x', complete up to 2-3x (Dupuy, Understanding War).",
        ge=1,
    )
    fade_per_day: float = _p(
        0.5, "The surprise effect halves each following day (Dupuy, Understanding War).", le=1
    )
    fade_days: int = Field(
        3,
        ge=1,
        le=10,
        description="Surprise is gone after about three days (Dupuy, Understanding War).",
    )


class MovementParams(_Table):
    """March rates and delays (field-manual rates; QJM advance-rate table)."""

    road_km_per_day: dict[str, Factor] = Field(
        default_factory=lambda: {"highway": 25.0, "cart_road": 18.0, "mountain_track": 12.0},
        description="Foot-infantry road march, no contact: 20-30 km/day on a road, 10-15 on a "
        "mountain track (field-manual march rates, models.md §1).",
    )
    terrain_factor: dict[str, Factor] = Field(
        default_factory=lambda: {
            "plain": 1.0,
            "river_valley": 1.0,
            "hills": 0.85,
            "mountain": 0.7,
            "pass": 0.6,
        },
        description="March-rate multiplier by the terrain of the destination. From the ratio of "
        "QJM advance rates rugged vs open (4-8 vs 12-20 km/day); estimate.",
    )
    rain_factor: dict[str, Factor] = Field(
        default_factory=lambda: {"highway": 0.8, "cart_road": 0.65, "mountain_track": 0.6},
        description="March rate in rain: QJM weather factor 0.6-0.8; mud hits dirt roads "
        "hardest (geography.md).",
    )
    river_crossing_days: float = _p(
        0.5,
        "Days lost per unbridged river crossing on a road: 'a day or more' for an unbridged "
        "river (models.md §1); ferries/fords on most roads, so half a day (estimate).",
        le=10,
    )
    night_march_factor: float = _p(
        0.65,
        "March rate of a side forced to move by night: the enemy holds air superiority on a "
        "clear day (rain and low cloud lift it). Estimate, no source gives a night march "
        "rate: about 11 h of darkness at 27 N in April-May at 2-2.5 km/h on tracks, less "
        "forming up at dusk, is 16-22 km against the manuals' 24-32 km by day (ucptt.com "
        "summary of the 1929 Japanese tactics manual), 0.6-0.7. Qualitative sources: Japanese "
        "infantry 'forced to move at dawn or after sunset' (Chinese air-force record, Changde "
        "1943, qindaosou.com); in bad weather 'the Japs ... moved freely and openly during "
        "daylight' (AAF journal Air Force, Hunan 1944). campaign-sources.md section 3.",
        le=1,
    )
    low_supply_factor: float = _p(
        0.7, "March rate of a unit below the supply threshold (models.md §6); estimate.", le=1
    )
    airlift_per_day_men: int = Field(
        6000,
        ge=0,
        le=1_000_000,
        description="Men the airlift can land per day. The New 6th "
        "Corps airlift from Kunming (Romanus & Sunderland); estimate from C-47/C-46 loads.",
    )


class AirParams(_Table):
    """Sorties, weather, air superiority and missions (models.md §4)."""

    serviceability: float = _p(
        0.65, "Serviceable share of aircraft: 60-75 % (14th AF and RAF figures).", le=1
    )
    sortie_rate: dict[str, Factor] = Field(
        default_factory=lambda: {
            "fighter": 0.8,
            "fighter_bomber": 0.7,
            "bomber": 0.3,
            "mixed": 0.6,
        },
        description="Sorties per serviceable aircraft per good-weather day: fighters 0.5-1.0, "
        "bombers 0.2-0.4 (14th AF histories; models.md §4).",
    )
    weather_factor: dict[str, Factor] = Field(
        default_factory=lambda: {"clear": 1.0, "light_rain": 0.5, "heavy_rain": 0.2},
        description="Air effectiveness and sorties by weather. QJM weather table: heavy rain 0.2, "
        "light rain 0.5-0.8.",
    )
    superiority_share: float = _p(
        0.67,
        "Share of the day's sorties a side needs to hold air superiority (2:1 sortie "
        "balance). Estimate: QJM treats superiority as a clear preponderance.",
        ge=0.5,
        le=1,
    )
    interdiction_share: float = _p(
        0.5,
        "Share of sorties flown on interdiction when a side holds superiority; the rest are "
        "close air support. Estimate (14th AF mission mix, Molesworth, Wings for the Dragon).",
        le=1,
    )
    interdiction_cut_per_sortie: float = _p(
        0.002,
        "Fraction of enemy supply throughput cut per interdiction sortie. Estimate scaled "
        "so ~150 sorties reach the observed one-third to one-half cut (Operation Strangle, "
        "models.md §4).",
        le=1,
    )
    interdiction_max_cut: float = _p(
        0.5,
        "Most of a road's supply throughput interdiction can cut: one third to one half "
        "(Italy 1944, Burma 1944-45; models.md §4).",
        le=1,
    )
    cas_per_sortie: float = _p(
        0.002,
        "Combat-power gain per close-support sortie over an engagement, on top of air "
        "superiority (TNDM adds air OLI; models.md §4). Estimate.",
        le=1,
    )
    cas_max: float = _p(
        0.2,
        "Cap on the close-air-support power bonus; air was a small share of ground losses "
        "(models.md §4). Estimate.",
        le=5,
    )
    airfield_attack_share: float = _p(
        0.1,
        "Share of a side's sorties sent against enemy airfields (14th AF counter-air "
        "missions were a minor share of effort in 1945; estimate).",
        le=1,
    )
    damage_per_airfield_sortie: float = _p(
        0.05,
        "Enemy aircraft put out of action per airfield-attack sortie (estimate; USSBS "
        "Pacific counter-air claims were small per sortie).",
        le=10,
    )
    repair_rate: float = _p(
        0.2, "Share of damaged aircraft back in service each day (estimate).", le=1
    )
    airfield_artillery_km: float = _p(
        15.0,
        "Straight-line distance at which enemy troops put an airfield under artillery fire "
        "and stop its flying (Japanese 75 mm field gun range ~12-14 km; estimate).",
        le=100,
    )


class SupplyParams(_Table):
    """Consumption, road capacity and stocks (models.md §6)."""

    need_tons_per_1000_men: dict[str, Factor] = Field(
        default_factory=lambda: {"japanese": 10.0, "chinese": 6.0},
        description="Daily need in sustained operations, tons per 1,000 men: a Japanese division "
        "of ~15,000 needed 100-200 t/day (10 t per 1,000); Chinese divisions were lighter and "
        "lived partly off local supply (models.md §6; estimate).",
    )
    road_capacity_tons: dict[str, Factor] = Field(
        default_factory=lambda: {"highway": 400.0, "cart_road": 150.0, "mountain_track": 40.0},
        description="Daily throughput of one road: a motor road hundreds of tons, a mountain track "
        "a few tens (porters 25-35 kg, pack horses 90-100 kg; models.md §6).",
    )
    haul_limit_km: dict[str, Factor] = Field(
        default_factory=lambda: {"japanese": 400.0, "chinese": 400.0},
        description="Road distance at which a carrier-borne supply line delivers nothing, the "
        "carriers eating what they carry (porter 15-25 km/day with 25-35 kg, models.md §6). "
        "Delivered share falls linearly with distance; estimate.",
    )
    need_factor: dict[str, Factor] = Field(
        default_factory=lambda: {"combat": 1.0, "march": 0.5, "static": 0.3},
        description="Share of the sustained-combat need a unit draws by activity: in combat "
        "today, marching, or static. models.md §6: 100-200 t/day for a division in sustained "
        "combat, 'far less when static' (food and fodder, little ammunition); the march and "
        "static shares are estimates.",
    )
    rain_capacity_factor: dict[str, Factor] = Field(
        default_factory=lambda: {"highway": 0.75, "cart_road": 0.5, "mountain_track": 0.5},
        description="Capacity in rain by road class: rain halves a dirt road's capacity "
        "(models.md §6, estimate); the gravelled motor highways suffer less (0.75, estimate).",
    )
    carried_days: float = _p(
        5.0,
        "Days of supply a unit carries and can live on when cut off: Japanese infantry "
        "carried five days' rations (US War Department intelligence bulletins, "
        "docs/research/campaign-sources.md §4).",
        le=60,
    )
    forage_food_tons_per_1000_men: dict[str, Factor] = Field(
        default_factory=lambda: {"japanese": 1.1, "chinese": 0.0},
        description="The part of a day's need, tons per 1,000 men, that is food and can be "
        "taken from the country: Japanese rice and fodder ration about 1.1 t per 1,000 men "
        "(docs/research/campaign-sources.md §4); the Chinese need already counts what they "
        "drew locally (models.md §6), so 0.",
    )
    forage_share: dict[str, Factor] = Field(
        default_factory=lambda: {
            "plain": 0.5,
            "river_valley": 0.5,
            "hills": 0.3,
            "mountain": 0.1,
            "pass": 0.1,
        },
        description="Share of its food a column finds in the country around a place not yet "
        "stripped, by terrain: the paddy plains and valleys fed armies, the forested mountains "
        "little (estimate, docs/research/campaign-sources.md §4).",
    )
    forage_halving_days: float = _p(
        5.0,
        "Unit-days of foraging after which the country around a place yields half as much "
        "(stripped villages; estimate, docs/research/campaign-sources.md §4).",
        ge=0.1,
        le=1000,
    )
    shortfall_threshold: float = _p(
        0.6,
        "Below this share of need combat power and movement fall and sickness rises "
        "(QJM supply consideration, models.md §6).",
        le=1,
    )
    min_power_factor: float = _p(
        0.4,
        "Combat-power multiplier of a unit with no supply at all (starving, little "
        "ammunition). Estimate; QJM: power falls in proportion to the shortfall.",
        le=1,
    )


class AttritionParams(_Table):
    """Disease and non-battle losses, recovery (models.md §6)."""

    disease_rate_by_month: dict[str, Factor] = Field(
        default_factory=lambda: {"4": 0.002, "5": 0.003, "6": 0.004},
        description="Daily disease admissions, fraction of strength, by month (keys 1-12). "
        "Subtropical campaigns 0.2 % to over 1 %/day (US Army medical statistics, CBI); rising "
        "into the May-June heat (malaria, dysentery).",
    )
    mountain_factor: float = _p(
        1.3,
        "Disease multiplier in mountain and pass terrain: exertion, altitude, cold wet "
        "nights (models.md §6; estimate).",
        ge=1,
    )
    low_supply_factor: float = _p(
        2.5,
        "Disease multiplier below the supply threshold: hunger and beriberi (Japanese army "
        "medical data; estimate).",
        ge=1,
    )
    static_factor: float = _p(
        0.35,
        "Disease multiplier for men not in the field (a garrison or reserve that neither "
        "marches nor fights that day): sickness rose with harsh marches, battle and short food "
        "(Shokeikan, summarising the IJA's medical history, 'Daitoa senso rikugun eisei shi'); "
        "the rates by month are those of troops in the field. About a third is an estimate "
        "(docs/research/campaign-sources.md §1). It puts a quiet Chinese division at 0.07-0.14 "
        "%/day, inside Eastman's 0.15-0.2 %/day of death and desertion together for quiet "
        "divisions in 1942-43 (Cambridge History of China vol. 13, p. 575).",
        le=1,
    )
    side_factor: dict[str, Factor] = Field(
        default_factory=lambda: {"japanese": 1.0, "chinese": 1.0},
        description="Per-side disease multiplier. No admission rate was found for the Chinese "
        "army of 1944-45, nor a Japanese one outside this campaign's own records (which are the "
        "check, not an input): both sides take the CBI rates, 1.0 each (docs/research/"
        "campaign-sources.md §1).",
    )
    wounded_return_fraction: float = _p(
        0.4,
        "Share of wounded who return to their unit within the campaign (lightly wounded); "
        "US Army medical statistics; estimate.",
        le=1,
    )
    sick_return_fraction: float = _p(
        0.5,
        "Share of sick who return within the campaign (models.md §6: 'a fraction return "
        "after days to weeks').",
        le=1,
    )
    return_rate_per_day: float = _p(
        0.05,
        "Daily rate at which men in the recovering pool return (mean 20 days in hospital; "
        "estimate).",
        le=1,
    )


class WeatherParams(_Table):
    """Daily weather as a two-state Markov chain (geography.md, season and weather)."""

    rain_probability_by_month: dict[str, Factor] = Field(
        default_factory=lambda: {"4": 0.5, "5": 0.5, "6": 0.55},
        description="Chance of a rain day by month (keys 1-12). Shaoyang/Zhijiang normals: "
        "roughly half the days of April-May bring rain (geography.md).",
    )
    rain_persistence: float = _p(
        0.6,
        "Chance that a rain day follows a rain day (spells of the pre-summer rainy season; "
        "estimate).",
        le=1,
    )
    heavy_share: float = _p(
        0.4,
        "Share of rain days that are heavy rain and low cloud (geography.md: 40-60 % of "
        "days fully flyable; estimate).",
        le=1,
    )


class GuerrillaParams(_Table):
    """Guerrilla raids on the Japanese lines of communication."""

    raid_chance_per_road: float = _p(
        0.1,
        "Daily chance that guerrillas raid one road of the Japanese supply line (local "
        "guerrillas attacked Japanese positions, seed text; estimate).",
        le=1,
    )
    raid_capacity_cut: float = _p(
        0.3, "Share of that road's throughput lost on a raid day (estimate).", le=1
    )
    raid_losses_men: float = _p(
        20.0, "Mean Japanese losses per raid, men (Poisson; estimate).", le=10_000
    )


class DoctrineParams(_Table):
    """Operational decision thresholds for both staffs."""

    attack_loss_limit: float = _p(
        0.075,
        "An attacker eases off (consolidates a day) when its daily loss passes this "
        "fraction (RAND/Dupuy breakpoints: ~7.5 %/day).",
        le=1,
    )
    culmination_loss: float = _p(
        0.40,
        "Cumulative loss of the attacking force (battle + disease) at which the offensive "
        "culminates: failed attackers rarely passed 40 % (RAND/Dupuy breakpoints).",
        le=1,
    )
    culmination_supply: float = _p(
        0.6,
        "Mean supply state of the attacking columns below which, for culmination_days, the "
        "attack is hopeless (QJM supply threshold, models.md §6).",
        le=1,
    )
    culmination_days: int = Field(
        5, ge=1, le=60, description="Days of supply below threshold before culmination (estimate)."
    )
    consolidate_days: int = Field(
        2, ge=0, le=30, description="Days a column consolidates before resuming (estimate)."
    )
    bypass_after_days: int = Field(
        2,
        ge=1,
        le=60,
        description="Days a column's frontal attack on a place of its route is held before "
        "it looks for a way round by the tracks to the next place beyond (the 116th "
        "Division's plan: the 109th Regiment by the northern track to cut the Chinese line of "
        "retreat, dubu123 ch. 5; Dupuy, Understanding War: 'flank and rear attack is more "
        "likely to succeed than frontal attack'; the days are an estimate).",
    )
    bypass_max_km: float = _p(
        150.0,
        "Longest way round (road km from the place the column came from to the place beyond) "
        "it will take: about five days on mountain tracks, the rations a column carried "
        "(field-manual march rates, models.md §1; docs/research/campaign-sources.md §4; "
        "estimate).",
        le=10_000,
    )
    concentrate_km: float = _p(
        30.0,
        "An advance guard at the enemy's position waits for column-mates within this road "
        "distance behind (about a day's march: field-manual march rates, models.md §1) so the "
        "column attacks together; doctrine, not a fitted value.",
        le=10_000,
    )
    rear_guard_days: int = Field(
        1,
        ge=0,
        le=30,
        description="Days the head of a falling-back column (its unit nearest the objective, "
        "in contact) holds its place as rear guard while the rest of the column withdraws, "
        "then withdraws itself; 0: no rear guard. Japanese regulations break contact under "
        "covering forces (Sakusen Yomurei as summarised in TM-E 30-480 (1944) ch. VII "
        "s. IV, Retrograde movements); a rear guard puts distance between the main body "
        "and the enemy (FM 100-5 (1944) ch. 11). Neither gives the days: a day, the main "
        "body's first day's march, is an estimate.",
    )
    cut_road_max_km: float = _p(
        50.0,
        "A free Chinese division goes onto the road home of a Japanese column it sees (the "
        "empty place behind the column on its supply route) only along a road of at most "
        "this length from where it stands: two days' march on a highway, about three on a "
        "cart road (field-manual march rates, models.md §1), as far as a column seen today "
        "is likely still to be there on arrival (the Chinese getting behind the columns in "
        "the mountains: seed text, docs/research/campaign-sources.md §5; estimate).",
        le=10_000,
    )
    cut_road_ratio: float = _p(
        0.67,
        "Chinese men that go onto (or stay on) a Japanese column's road home, as a share of "
        "the column's men seen: the column must break out at about 1.5:1 to win more "
        "often than not (Dupuy Institute, as counteroffensive_ratio), so a force of 1/1.5 "
        "of it can hold the road (derived; estimate).",
        ge=0,
        le=100,
    )
    outpost_hold_days: int = Field(
        3,
        ge=1,
        le=60,
        description="Days of attack a division on its side's outpost line (the scenario's "
        "sides.<side>.outposts) takes before it falls back toward the main line: 'a part "
        "holds the forward line and resists step by step (逐次抗击); the main body waits "
        "between Xinhua and Wugang for the decisive battle' (Military Affairs Commission's "
        "order, 7lue.cn campaign chapter); 'each position, its purpose served, is given up' "
        "(相机转移, lssjt.com; gcxs123.com); FM 100-5 (1941) par. 589, covering forces "
        "delay and disorganize the advance. No source gives the days: 3 is the median of the "
        "five outposts whose holds are recorded (Mawangjie 1, Xinning under 1, Longhuisi "
        "about 3, Dongkoutang 7-8, Shanmen about 8 days; docs/research/campaign-sources.md "
        "section 8); estimate.",
    )
    reserve_trigger_km: float = _p(
        120.0,
        "Chinese reserves move when an enemy column comes within this road distance of "
        "the objective (defence in depth; estimate).",
        le=10_000,
    )
    counteroffensive_ratio: float = _p(
        1.5,
        "Chinese local strength ratio needed to counter-attack a spent enemy (Dupuy "
        "Institute: attacker at 1.5-2:1 wins more often than not).",
        ge=0.1,
    )
    reserve_release_km: float = _p(
        60.0,
        "Uncommitted formations are released when the enemy comes within this road "
        "distance of the objective (estimate).",
        le=10_000,
    )


class IntelParams(_Table):
    """What a side knows of the enemy (the fog of war a player sees through)."""

    contact_km: float = _p(
        30.0,
        "An enemy unit is seen when it stands within this road distance of one of the "
        "side's units (ground contact and patrolling: a day's march out and back for a "
        "reconnaissance patrol, FM 7-20 (1944) march rates; estimate).",
        ge=0,
        le=10_000,
    )
    air_reconnaissance_km: float = _p(
        300.0,
        "A side that held air superiority the day before also sees every enemy unit "
        "on the march on a road within this straight-line distance of one of its airfields "
        "(daylight visual reconnaissance of columns; about the combat radius of the 14th Air "
        "Force's P-40 and P-51 fighter-bombers; estimate).",
        le=10_000,
    )
    strength_estimate_men: float = _p(
        500,
        "A seen enemy unit's strength is shown to the nearest this many men (a "
        "reconnaissance report counts battalions and companies, not men; estimate).",
        ge=1,
        le=100_000,
    )


class Params(_Table):
    """All model parameters; every field names its source."""

    combat: CombatParams = Field(default_factory=lambda: CombatParams())
    ambush: AmbushParams = Field(default_factory=lambda: AmbushParams())
    movement: MovementParams = Field(default_factory=lambda: MovementParams())
    air: AirParams = Field(default_factory=lambda: AirParams())
    supply: SupplyParams = Field(default_factory=lambda: SupplyParams())
    attrition: AttritionParams = Field(default_factory=lambda: AttritionParams())
    weather: WeatherParams = Field(default_factory=lambda: WeatherParams())
    guerrilla: GuerrillaParams = Field(default_factory=lambda: GuerrillaParams())
    doctrine: DoctrineParams = Field(default_factory=lambda: DoctrineParams())
    intel: IntelParams = Field(default_factory=lambda: IntelParams())


def iter_params(params: Params) -> list[tuple[str, object, str]]:
    """Flatten the table to (dotted key, value, source) rows for display."""
    rows: list[tuple[str, object, str]] = []
    for section_name in type(params).model_fields:
        section = getattr(params, section_name)
        for name, field in type(section).model_fields.items():
            rows.append(
                (f"params.{section_name}.{name}", getattr(section, name), field.description or "")
            )
    return rows
