"""Scenario files: TOML parsed with ``tomllib``, overridden with ``--set``, validated by pydantic.

A scenario is plain data: metadata, the map (places and roads), both sides' forces as a
command hierarchy, air groups, the objective and the parameter table. ``load_scenario``
returns a validated :class:`Scenario` or raises :class:`ScenarioError` whose ``problems``
are one-line messages naming the file, the field path and what is wrong.

Lists of records (``places``, ``roads``, ``units``, ``air_groups``) are addressed by their
``id`` in field paths and overrides: ``units.new6_corps_14div.strength_men``.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import math
import os
import tomllib
import types
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wargame.errors import did_you_mean
from wargame.formats import canonical_json
from wargame.params import Params

MAX_FILE_BYTES = 5_000_000
MAX_PLACES = 500
"""The terrain map keeps every shortest route (places x places lists): 500 places on a line,
the worst shape, take about 1.3 s and 0.45 GB; 2,000 would take tens of GB."""
MAX_ROADS = 10_000
MAX_UNITS = 5_000
MAX_DAYS = 3_650
MAX_UNIT_DAYS = 300_000
"""Manoeuvre units x campaign days: a turn log grows by about 130 bytes per unit-day, and a log
must stay under the 50 MB ``wargame verify`` and ``replay`` read (about 25 s of play)."""
MAX_MEN = 10_000_000
MAX_AIRCRAFT = 100_000
MAX_NESTING = 32

ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
Id = Annotated[str, Field(pattern=ID_PATTERN)]
LIST_SECTIONS = ("places", "roads", "units", "air_groups", "rivers", "ridges")


class ScenarioError(Exception):
    """A scenario or override is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Side(StrEnum):
    JAPANESE = "japanese"
    CHINESE = "chinese"

    @cached_property
    def enemy(self) -> Side:
        """The other side (remembered on the member: read in every daily loop)."""
        return Side.CHINESE if self is Side.JAPANESE else Side.JAPANESE


class Terrain(StrEnum):
    PLAIN = "plain"
    HILLS = "hills"
    RIVER_VALLEY = "river_valley"
    MOUNTAIN = "mountain"
    PASS = "pass"


class RoadKind(StrEnum):
    HIGHWAY = "highway"
    CART_ROAD = "cart_road"
    MOUNTAIN_TRACK = "mountain_track"


class Feature(StrEnum):
    TOWN = "town"
    AIRFIELD = "airfield"
    SUPPLY_DEPOT = "supply_depot"
    PASS = "pass"
    RIVER_CROSSING = "river_crossing"
    HEADQUARTERS = "headquarters"


class Echelon(StrEnum):
    COMMAND = "command"
    ARMY = "army"
    ARMY_GROUP = "army_group"
    CORPS = "corps"
    DIVISION = "division"
    BRIGADE = "brigade"
    REGIMENT = "regiment"
    DETACHMENT = "detachment"

    @property
    def is_manoeuvre(self) -> bool:
        """Divisions and smaller hold men on the map; higher echelons are headquarters."""
        return self in (Echelon.DIVISION, Echelon.BRIGADE, Echelon.REGIMENT, Echelon.DETACHMENT)


class Commitment(StrEnum):
    COMMITTED = "committed"
    RESERVE = "reserve"
    UNCOMMITTED = "uncommitted"


class AirRole(StrEnum):
    FIGHTER = "fighter"
    FIGHTER_BOMBER = "fighter_bomber"
    BOMBER = "bomber"
    MIXED = "mixed"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Meta(_Record):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    start_date: dt.date
    end_date: dt.date
    sources: list[str] = Field(default_factory=list, max_length=200)


class Place(_Record):
    id: Id
    name: str = Field(min_length=1, max_length=100)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="latitude, degrees N")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="longitude, degrees E")
    terrain: Terrain
    elevation_m: float = Field(0.0, ge=-500, le=9000, allow_inf_nan=False)
    features: list[Feature] = Field(default_factory=list)
    control: Side | None = None
    note: str = ""


class Road(_Record):
    id: Id
    a: Id = Field(description="place id at one end")
    b: Id = Field(description="place id at the other end")
    kind: RoadKind
    length_km: float = Field(gt=0, le=5000, allow_inf_nan=False)
    river_crossings: int = Field(0, ge=0, le=50)
    crosses_pass: bool = False
    note: str = ""


LatLon = tuple[
    Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)],
    Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)],
]
"""A point of a polyline: (latitude degrees N, longitude degrees E)."""


class River(_Record):
    """A river drawn on the map: a polyline from upstream to downstream. Only the maps read
    it (the roads' ``river_crossings`` are what the model plays)."""

    id: Id
    name: str = Field(min_length=1, max_length=100)
    course: list[LatLon] = Field(
        min_length=2, max_length=2000, description="(lat, lon) points, upstream first"
    )
    source: str = Field(min_length=1, max_length=1000, description="where the course comes from")
    note: str = ""


class Ridge(_Record):
    """A mountain crest for the map's relief: a polyline of (lat, lon, height m) points; the
    ground falls away from the crest over ``half_width_km`` (a Gaussian profile)."""

    id: Id
    name: str = Field(min_length=1, max_length=100)
    crest: list[
        tuple[
            Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)],
            Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)],
            Annotated[float, Field(ge=0, le=9000, allow_inf_nan=False)],
        ]
    ] = Field(min_length=2, max_length=2000, description="(lat, lon, height_m) points")
    half_width_km: float = Field(20.0, gt=0, le=500, allow_inf_nan=False)
    source: str = Field(
        min_length=1, max_length=1000, description="where crest and heights come from"
    )
    note: str = ""


class Arrival(_Record):
    day: int = Field(ge=0, le=MAX_DAYS, description="campaign day (0 = start date)")
    place: Id
    mode: str = Field("march", pattern=r"^(march|airlift|rail|road)$")


class Unit(_Record):
    id: Id
    side: Side
    name: str = Field(min_length=1, max_length=120)
    echelon: Echelon
    parent: Id | None = None
    commander: str = Field("", max_length=120)
    commander_alias: str = Field(
        "", max_length=200, description="historical spelling where the seed text is wrong"
    )
    strength_men: int | None = Field(None, gt=0, le=MAX_MEN)
    strength_source: str = ""
    quality: str = "regular"
    location: Id | None = None
    arrival: Arrival | None = None
    commitment: Commitment = Commitment.COMMITTED
    column: str | None = Field(
        None, max_length=40, description="attack column (key of the side's columns table)"
    )
    note: str = ""

    @field_validator("strength_men", mode="before")
    @classmethod
    def _whole_men(cls, v: Any) -> Any:
        if isinstance(v, float):
            if not math.isfinite(v):
                raise ValueError("strength must be a finite number of men")
            if v != int(v):
                raise ValueError("strength must be a whole number of men")
            return int(v)
        if isinstance(v, bool):
            raise ValueError("strength must be a number of men, not true/false")
        return v


class AirGroup(_Record):
    id: Id
    side: Side
    name: str = Field(min_length=1, max_length=120)
    aircraft: int = Field(ge=0, le=MAX_AIRCRAFT)
    committed_share: float = Field(
        1.0,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="share of the group's aircraft flying for this campaign; the rest served "
        "other fronts (the scenario file names the source of the share)",
    )
    role: AirRole = AirRole.MIXED
    base: Id
    note: str = ""

    @property
    def committed_aircraft(self) -> int:
        """Aircraft that fly for this campaign: ``aircraft`` x ``committed_share``, rounded."""
        return round(self.aircraft * self.committed_share)


class Column(_Record):
    """An attack axis: places from the start line to the objective (the historical plan), each
    joined by a road to the one before, none twice; the attacker's columns end at the
    objective."""

    route: list[Id] = Field(min_length=2, max_length=200)
    main_effort: bool = Field(
        False,
        description="the attacker's main effort: the offensive is over when this column's "
        "attack culminates (otherwise when all columns' have)",
    )


class SideConfig(_Record):
    name: str = Field(min_length=1, max_length=200)
    depots: list[Id] = Field(min_length=1, max_length=100, description="places supplies come from")
    start_line: list[Id] = Field(default_factory=list, max_length=500)
    columns: dict[Id, Column] = Field(default_factory=dict)
    outposts: list[Id] = Field(
        default_factory=list,
        max_length=500,
        description="places of the side's outpost (covering) line: their defenders delay an "
        "attack for params.doctrine.outpost_hold_days, then fall back toward the main line",
    )


class Sides(_Record):
    japanese: SideConfig
    chinese: SideConfig


class Objective(_Record):
    place: Id
    attacker: Side = Side.JAPANESE
    description: str = ""


class Scenario(_Record):
    meta: Meta
    objective: Objective
    sides: Sides
    places: list[Place] = Field(min_length=2, max_length=MAX_PLACES)
    roads: list[Road] = Field(min_length=1, max_length=MAX_ROADS)
    units: list[Unit] = Field(min_length=2, max_length=MAX_UNITS)
    air_groups: list[AirGroup] = Field(default_factory=list, max_length=1000)
    rivers: list[River] = Field(default_factory=list, max_length=1000)
    ridges: list[Ridge] = Field(default_factory=list, max_length=1000)
    params: Params = Field(default_factory=Params)

    @property
    def days(self) -> int:
        """Campaign length in days, both ends included."""
        return (self.meta.end_date - self.meta.start_date).days + 1

    def place(self, place_id: str) -> Place:
        return next(p for p in self.places if p.id == place_id)

    def unit(self, unit_id: str) -> Unit:
        return next(u for u in self.units if u.id == unit_id)


Point = tuple[tuple[str, float], ...]
"""Scalar parameters set for one run: (``params.SECTION.NAME``, value) pairs."""


def with_params(scenario: Scenario, point: Point) -> Scenario:
    """The scenario with these scalar parameters changed, each section re-validated (a value
    outside its field's range raises ScenarioError). The rest is shared, not copied."""
    params = scenario.params
    by_section: dict[str, dict[str, float]] = {}
    for key, value in point:
        _, section, name = key.split(".")
        by_section.setdefault(section, {})[name] = value
    sections: dict[str, Any] = {}
    for section, values in by_section.items():
        old = getattr(params, section)
        try:
            sections[section] = type(old).model_validate({**old.model_dump(), **values})
        except ValidationError as exc:
            raise ScenarioError([f"params.{section}: {exc.errors()[0]['msg']}"]) from None
    return scenario.model_copy(update={"params": params.model_copy(update=sections)})


# --------------------------------------------------------------------------- loading


def read_toml(path: Path, *, kind: str = "scenario", name: str | None = None) -> dict[str, Any]:
    """Read a TOML file, turning every I/O or syntax problem into a one-line ScenarioError.

    ``kind`` names what the file should be in messages (``"variants"``); ``name`` is how to
    show its path (default: as given). Size, nesting and encoding limits apply to every kind.
    """
    path = Path(path)
    name = str(path) if name is None else name
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ScenarioError([f"{name}: a loop of symbolic links"]) from None
        if exc.errno == errno.ENAMETOOLONG:
            raise ScenarioError([f"{name}: the file name is too long"]) from None
        if path.is_symlink():
            raise ScenarioError([f"{name}: a symbolic link to a missing file"]) from None
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise ScenarioError([f"{name}: cannot read file: {exc.strerror or exc}"]) from None
    if not path.exists():
        raise ScenarioError([f"{name}: file not found"])
    if path.is_dir():
        raise ScenarioError([f"{name}: is a directory, not a {kind} file"])
    if not path.is_file():
        # a device or a pipe: /dev/zero never ends, a FIFO blocks until someone writes
        raise ScenarioError([f"{name}: not a regular file"])
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([f"{name}: file is {size} bytes; the limit is {MAX_FILE_BYTES}"])
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([f"{name}: cannot read file: {exc.strerror or exc}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([f"{name}: file is over {MAX_FILE_BYTES} bytes, the limit"])
    if not raw.strip():
        raise ScenarioError([f"{name}: file is empty"])
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ScenarioError(
            [f"{name}: starts with a byte-order mark (BOM); save it as UTF-8 without BOM"]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{name}: not UTF-8 text (byte {exc.start})"]) from None
    if "\x00" in text:
        raise ScenarioError([f"{name}: binary data, not a TOML {kind}"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{name}: TOML syntax error: {exc}"]) from None
    except RecursionError:
        raise ScenarioError([f"{name}: nested too deeply"]) from None
    if _depth(data) > MAX_NESTING:
        raise ScenarioError([f"{name}: nested more than {MAX_NESTING} levels deep"])
    return data


def _depth(obj: Any, level: int = 0) -> int:
    if level > MAX_NESTING:
        return level
    if isinstance(obj, dict):
        return max((_depth(v, level + 1) for v in obj.values()), default=level)
    if isinstance(obj, list):
        return max((_depth(v, level + 1) for v in obj), default=level)
    return level


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``key.path=value``; the value is read as a TOML value, else as a bare string."""
    if "=" not in text:
        raise ValueError(f"--set {text!r}: expected key.path=value")
    key, _, value_text = text.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ValueError(f"--set {text!r}: empty key")
    value_text = value_text.strip()
    try:
        value = tomllib.loads(f"v = {value_text}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text
    except RecursionError:
        raise ValueError(f"--set {key}: value nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ValueError(f"--set {key}: the value cannot be read ({exc})"[:200]) from None
    if _depth(value) > MAX_NESTING:
        raise ValueError(f"--set {key}: value nested more than {MAX_NESTING} levels deep")
    return key.split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str], name: str) -> dict[str, Any]:
    """Apply ``--set`` overrides to raw scenario data, guided by the schema.

    Records in lists are addressed by id. A key that neither the file nor the schema knows is an
    error; types are checked afterwards by the normal validation.
    """
    problems: list[str] = []
    for text in overrides:
        try:
            path, value = parse_override(text)
            _set_path(data, path, value, Scenario)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    if problems:
        raise ScenarioError(problems)
    return data


def _set_path(node: Any, path: list[str], value: Any, model: Any) -> None:
    dotted = ".".join(path)
    for i, key in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, list):
            match = [r for r in node if isinstance(r, dict) and r.get("id") == key]
            if not match:
                where = ".".join(path[:i])
                ids = [str(r.get("id")) for r in node if isinstance(r, dict)]
                raise ValueError(
                    f"--set {dotted}: no record with id {key!r} in {where}{did_you_mean(key, ids)}"
                )
            if last:
                raise ValueError(f"--set {dotted}: cannot replace a whole record")
            node = match[0]
            continue
        if not isinstance(node, dict):
            raise ValueError(f"--set {dotted}: {'.'.join(path[:i])} is a value, not a table")
        sub_model = _field_model(model, key)
        if key not in node and sub_model is _UNKNOWN:
            known = [*node, *(getattr(model, "model_fields", None) or ())]
            raise ValueError(f"--set {dotted}: unknown key {key!r}{did_you_mean(key, known)}")
        if last:
            node[key] = value
            return
        if key not in node:
            node[key] = {}
        node = node[key]
        model = sub_model


_UNKNOWN = object()


def _field_model(model: Any, key: str) -> Any:
    """The schema type under ``key`` of a pydantic model or dict annotation, else _UNKNOWN."""
    if model is None:
        return None
    fields = getattr(model, "model_fields", None)
    if fields is not None:
        if key not in fields:
            return _UNKNOWN
        ann = fields[key].annotation
        for candidate in (ann, *getattr(ann, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                return candidate
            inner = getattr(candidate, "__args__", ())
            if (
                getattr(candidate, "__origin__", None) is list
                and inner
                and isinstance(inner[0], type)
                and issubclass(inner[0], BaseModel)
            ):
                return inner[0]
        return None  # a value or a dict of values: any key below is the validator's business
    return None


def _loc_to_path(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    path = ""
    node: Any = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, (list, tuple)):
            rec = node[item] if item < len(node) else None
            rid = rec.get("id") if isinstance(rec, dict) else None
            path += f".{rid}" if isinstance(rid, str) and rid else f"[{item}]"
            node = rec
        else:
            path += f".{item}"
            node = node.get(item) if isinstance(node, dict) else None
    return path.lstrip(".") or "(top level)"


def _type_problems(value: Any, ann: Any, path: str, out: dict[str, str]) -> None:
    """Values pydantic would quietly coerce: ``true`` where the schema wants a number, a number
    where it wants ``true``/``false``, and NaN or infinity in any float (``tuple[float, ...]``
    fields have no ``allow_inf_nan`` of their own). Guided by the schema, so bounded by it."""
    origin = get_origin(ann)
    if origin is Annotated:
        _type_problems(value, get_args(ann)[0], path, out)
    elif origin in (Union, types.UnionType):
        if value is not None:
            options = [a for a in get_args(ann) if a is not type(None)]
            if len(options) == 1:
                _type_problems(value, options[0], path, out)
    elif isinstance(ann, type) and issubclass(ann, BaseModel):
        if isinstance(value, dict):
            for key, v in value.items():
                field = ann.model_fields.get(key)
                if field is not None:
                    _type_problems(v, field.annotation, f"{path}.{key}".lstrip("."), out)
    elif origin is list and isinstance(value, list):
        (item,) = get_args(ann) or (Any,)
        for i, v in enumerate(value):
            rid = v.get("id") if isinstance(v, dict) else None
            sub = f"{path}.{rid}" if isinstance(rid, str) and rid else f"{path}[{i}]"
            _type_problems(v, item, sub, out)
    elif origin is tuple and isinstance(value, list):
        args = get_args(ann)
        items = [args[0]] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        for i, (v, item) in enumerate(zip(value, items, strict=False)):
            _type_problems(v, item, f"{path}[{i}]", out)
    elif origin is dict and isinstance(value, dict):
        _, item = get_args(ann) or (Any, Any)
        for key, v in value.items():
            _type_problems(v, item, f"{path}.{key}", out)
    elif ann in (int, float) and isinstance(value, bool):
        out[path] = "a number, not true/false"
    elif ann is bool and isinstance(value, int | float) and not isinstance(value, bool):
        out[path] = "true or false, not a number"
    elif ann is float and isinstance(value, float) and not math.isfinite(value):
        out[path] = "Input should be a finite number"


def validate_data(data: dict[str, Any], name: str) -> Scenario:
    """Validate raw scenario data: schema first, then references and the map."""
    typed: dict[str, str] = {}
    _type_problems(data, Scenario, "", typed)
    problems = [f"{name}: {path}: {msg}" for path, msg in typed.items()]
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "missing":
                msg = "required field is missing"
            path = _loc_to_path(err["loc"], data)
            if path not in typed:
                problems.append(f"{name}: {path}: {msg}")
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    problems = [f"{name}: {p}" for p in check_references(scenario)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override and validate a scenario file."""
    return load_with_digest(path, overrides)[0]


def load_with_digest(path: str | Path, overrides: list[str] | None = None) -> tuple[Scenario, str]:
    """Like :func:`load_scenario`, also returning the SHA-256 of the file's canonical content
    (its parsed data before overrides: comments and layout do not count)."""
    path = Path(path)
    data = read_toml(path)
    digest = content_digest(data)
    if overrides:
        apply_overrides(data, list(overrides), str(path))
    return validate_data(data, str(path)), digest


MAP_ONLY_SECTIONS = ("rivers", "ridges")
"""Sections only the maps read: left out of the digests, so drawing a river does not make the
turn logs of a scenario unreplayable."""


def content_digest(data: dict[str, Any]) -> str:
    """SHA-256 of parsed TOML data in canonical JSON form (dates as ISO strings), without the
    map-only sections."""
    data = {k: v for k, v in data.items() if k not in MAP_ONLY_SECTIONS}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of the canonical JSON of the validated scenario (overrides included), without
    the map-only sections."""
    dumped = scenario.model_dump(mode="json", exclude=set(MAP_ONLY_SECTIONS))
    return hashlib.sha256(canonical_json(dumped).encode()).hexdigest()


# --------------------------------------------------------------------------- references


def check_references(s: Scenario) -> list[str]:
    """Cross-record checks the schema cannot express; each item is 'field.path: problem'."""
    problems: list[str] = []
    if s.meta.end_date < s.meta.start_date:
        problems.append(
            f"meta.end_date: {s.meta.end_date} is before start_date {s.meta.start_date}"
        )
    elif s.days > MAX_DAYS:
        problems.append(f"meta.end_date: campaign of {s.days} days exceeds the limit {MAX_DAYS}")
    if s.objective.attacker != Side.JAPANESE:
        problems.append(
            f"objective.attacker: {str(s.objective.attacker)!r} is not supported: "
            f"the doctrine modules play the Japanese as the attacker"
        )

    for section in LIST_SECTIONS:
        seen: set[str] = set()
        for rec in getattr(s, section):
            if rec.id in seen:
                problems.append(f"{section}.{rec.id}: duplicate id {rec.id!r}")
            seen.add(rec.id)
    places = {p.id for p in s.places}
    units = {u.id: u for u in s.units}

    def need_place(path: str, pid: str | None) -> None:
        if pid is not None and pid not in places:
            problems.append(f"{path}: unknown place {pid!r}")

    need_place("objective.place", s.objective.place)
    for side in Side:
        cfg: SideConfig = getattr(s.sides, side.value)
        for i, d in enumerate(cfg.depots):
            need_place(f"sides.{side}.depots[{i}]", d)
        for i, d in enumerate(cfg.start_line):
            need_place(f"sides.{side}.start_line[{i}]", d)
        for i, d in enumerate(cfg.outposts):
            need_place(f"sides.{side}.outposts[{i}]", d)
        for cname, col in cfg.columns.items():
            first: dict[str, int] = {}
            for i, d in enumerate(col.route):
                need_place(f"sides.{side}.columns.{cname}.route[{i}]", d)
                if d in first:
                    problems.append(
                        f"sides.{side}.columns.{cname}.route[{i}]: {d!r} is "
                        f"already route[{first[d]}] (a route visits a place once)"
                    )
                first.setdefault(d, i)
    pairs: set[tuple[str, str]] = set()
    for r in s.roads:
        need_place(f"roads.{r.id}.a", r.a)
        need_place(f"roads.{r.id}.b", r.b)
        if r.a == r.b:
            problems.append(f"roads.{r.id}: road from {r.a!r} to itself")
        pair = (min(r.a, r.b), max(r.a, r.b))
        if pair in pairs:
            problems.append(f"roads.{r.id}: a second road between {r.a!r} and {r.b!r}")
        pairs.add(pair)
    for g in s.air_groups:
        need_place(f"air_groups.{g.id}.base", g.base)
        if g.base in places and Feature.AIRFIELD not in s.place(g.base).features:
            problems.append(f"air_groups.{g.id}.base: place {g.base!r} has no airfield")

    for u in s.units:
        path = f"units.{u.id}"
        if u.parent is not None:
            if u.parent not in units:
                problems.append(f"{path}.parent: unknown unit {u.parent!r}")
            elif units[u.parent].side != u.side:
                problems.append(f"{path}.parent: {u.parent!r} belongs to the other side")
        if not u.echelon.is_manoeuvre and u.strength_men is not None:
            article = "an" if str(u.echelon)[0] in "aeiou" else "a"
            problems.append(
                f"{path}.strength_men: {article} {u.echelon} holds no men of its own;"
                f" give the men to its divisions and smaller units"
            )
        if u.echelon.is_manoeuvre:
            if u.strength_men is None:
                problems.append(f"{path}.strength_men: required for a {u.echelon}")
            if u.location is None and u.arrival is None:
                problems.append(f"{path}: needs a location or an arrival")
            if u.quality not in s.params.combat.quality:
                problems.append(
                    f"{path}.quality: unknown quality {u.quality!r} (known: "
                    f"{', '.join(sorted(s.params.combat.quality))})"
                )
        need_place(f"{path}.location", u.location)
        if u.arrival is not None:
            need_place(f"{path}.arrival.place", u.arrival.place)
            if u.arrival.day >= s.days >= 1:
                problems.append(
                    f"{path}.arrival.day: day {u.arrival.day} is after the campaign's "
                    f"last day {s.days - 1}"
                )
        if u.column is not None:
            cols = getattr(s.sides, u.side.value).columns
            if u.column not in cols:
                problems.append(f"{path}.column: unknown column {u.column!r}")
    manoeuvre = [u for u in s.units if u.echelon.is_manoeuvre]
    for side in Side:
        if not any(u.side == side for u in manoeuvre):
            problems.append(
                f"units: the {side} side has no division, brigade, regiment or "
                f"detachment (nothing of it can move or fight)"
            )
    if len(manoeuvre) * s.days > MAX_UNIT_DAYS:
        problems.append(
            f"units: {len(manoeuvre)} manoeuvre units x {s.days} days = "
            f"{len(manoeuvre) * s.days:,} unit-days exceeds the limit "
            f"{MAX_UNIT_DAYS:,}"
        )
    if s.objective.attacker == Side.JAPANESE:
        problems.extend(_attacker_at_objective(s, places))
    problems.extend(_param_key_problems(s.params))
    problems.extend(_hierarchy_cycles(s))
    if not problems:
        problems.extend(_map_problems(s))
    return problems


def _attacker_at_objective(s: Scenario, places: set[str]) -> list[str]:
    """The attacker may not hold its objective before the campaign begins."""
    obj, attacker = s.objective.place, s.objective.attacker
    if obj not in places:
        return []
    problems = []
    if s.place(obj).control == attacker:
        problems.append(
            f"places.{obj}.control: the objective starts held by the attacker ({attacker})"
        )
    for u in s.units:
        if u.side == attacker and u.echelon.is_manoeuvre:
            if u.location == obj:
                problems.append(f"units.{u.id}.location: starts at the objective {obj!r}")
            elif u.location is None and u.arrival is not None and u.arrival.place == obj:
                problems.append(f"units.{u.id}.arrival.place: arrives at the objective {obj!r}")
    return problems


MONTHS = frozenset(str(m) for m in range(1, 13))
FREE_KEY_TABLES = frozenset({("combat", "quality")})
"""Parameter tables whose keys the scenario names itself (quality classes of its units)."""


def _param_key_problems(params: Params) -> list[str]:
    """Keys of the parameter tables that nothing reads: a misspelt terrain, month 13, a road
    kind that does not exist. The tables keep their defaults for keys not given, so a wrong
    key would otherwise be silently ignored."""
    problems = []
    for section_name in type(params).model_fields:
        section = getattr(params, section_name)
        for name, field in type(section).model_fields.items():
            value = getattr(section, name)
            if not isinstance(value, dict) or (section_name, name) in FREE_KEY_TABLES:
                continue
            default = field.get_default(call_default_factory=True)
            known = MONTHS if name.endswith("_by_month") else frozenset(default)
            inner_known = frozenset(k for v in default.values() if isinstance(v, dict) for k in v)
            where = f"params.{section_name}.{name}"
            for key in sorted(value):
                if key not in known:
                    problems.append(
                        f"{where}.{key}: unknown key (known: "
                        f"{', '.join(sorted(known, key=_natural))})"
                    )
                elif isinstance(value[key], dict) and inner_known:
                    problems.extend(
                        f"{where}.{key}.{k}: unknown key (known: {', '.join(sorted(inner_known))})"
                        for k in sorted(value[key])
                        if k not in inner_known
                    )
    return problems


def _natural(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (10**9, key)


def _hierarchy_cycles(s: Scenario) -> list[str]:
    parent = {u.id: u.parent for u in s.units}
    problems = []
    reported: set[str] = set()
    for uid in sorted(parent):
        seen: list[str] = []
        cur: str | None = uid
        while cur is not None and cur in parent:
            if cur in seen:
                cycle = seen[seen.index(cur) :]
                key = min(cycle)
                if key not in reported:
                    reported.add(key)
                    problems.append(
                        f"units.{key}.parent: cycle in the command hierarchy: "
                        + " -> ".join([*cycle, cur])
                    )
                break
            seen.append(cur)
            cur = parent[cur]
    return problems


def _map_problems(s: Scenario) -> list[str]:
    g = nx.Graph()
    g.add_nodes_from(p.id for p in s.places)
    g.add_edges_from((r.a, r.b) for r in s.roads)
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c))
    if len(comps) > 1:
        cut_off = [pid for comp in comps[1:] for pid in comp]
        return [
            f"roads: map is disconnected; no road links {', '.join(cut_off[:8])}"
            f"{' ...' if len(cut_off) > 8 else ''} to {comps[0][0]!r}"
        ]
    problems = []
    for side in Side:
        for cname, col in getattr(s.sides, side.value).columns.items():
            where = f"sides.{side}.columns.{cname}.route"
            for i, (a, b) in enumerate(zip(col.route, col.route[1:], strict=False), 1):
                if not g.has_edge(a, b):
                    problems.append(
                        f"{where}[{i}]: no road from {a!r} to {b!r} (each place of "
                        f"a route must be joined by a road to the one before)"
                    )
            if side == s.objective.attacker and col.route[-1] != s.objective.place:
                problems.append(
                    f"{where}: ends at {col.route[-1]!r}, not at the objective "
                    f"{s.objective.place!r}; the column's units could never reach "
                    f"it"
                )
    return problems
