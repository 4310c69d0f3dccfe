"""What-if variants: named sets of ``--set`` overrides read from ``scenarios/variants.toml``.

A variant is plain data: a name, what it changes and why (``description``, ``source``) and the
overrides, exactly as they would be given to ``wargame run --set``. The file is written for
the scenario it names in ``[meta] scenario``; a variant that names a unit or air group another
scenario lacks is reported as a clear error when the variant is applied, never skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wargame.bundled import VARIANTS_FILE
from wargame.errors import UserError, did_you_mean
from wargame.scenario import Scenario, ScenarioError, load_with_digest, read_toml


@dataclass(frozen=True)
class Variant:
    """One named what-if: the overrides it applies, what it means and where it comes from."""

    name: str
    description: str
    source: str
    overrides: tuple[str, ...]


@dataclass(frozen=True)
class VariantSet:
    """A variants file: the scenario it was written for and its variants in file order."""

    path: Path
    scenario: str
    variants: dict[str, Variant]


def load_variants(path: str | Path = VARIANTS_FILE) -> VariantSet:
    """Read a variants file; every problem is a one-line UserError naming the file."""
    p = Path(path)
    try:
        data = read_toml(p, kind="variants")
    except ScenarioError as exc:
        raise UserError(exc.problems[0]) from None
    raw = data.get("variants")
    if not isinstance(raw, dict) or not raw:
        raise UserError(f"{p}: no [variants.NAME] tables")
    variants: dict[str, Variant] = {}
    for name, rec in raw.items():
        where = f"{p}: variants.{name}"
        if name.strip().lower() == "baseline":  # experiments.BASELINE: the unchanged arm
            raise UserError(
                f"{where}: the name 'baseline' is taken by the unchanged scenario every "
                f"variant is compared with; rename the variant"
            )
        if not isinstance(rec, dict):
            raise UserError(f"{where}: not a table")
        sets = rec.get("set")
        if (
            not isinstance(sets, list)
            or not sets
            or not all(isinstance(s, str) and "=" in s for s in sets)
        ):
            raise UserError(f"{where}.set: needs a list of 'key.path=value' overrides")
        variants[name] = Variant(
            name, str(rec.get("description", "")), str(rec.get("source", "")), tuple(sets)
        )
    meta = data.get("meta")
    if not isinstance(meta, dict):
        meta = {}
    return VariantSet(p, str(meta.get("scenario", "")), variants)


def select(vset: VariantSet, names: str | None) -> list[Variant]:
    """The variants named in a comma-separated list (all of them for None), in that order."""
    if names is None:
        return list(vset.variants.values())
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise UserError("--variants: give one or more names separated by commas")
    unknown = [n for n in wanted if n not in vset.variants]
    if unknown:
        raise UserError(
            f"--variants: unknown variant {unknown[0]!r}"
            f"{did_you_mean(unknown[0], vset.variants)}; known: "
            f"{', '.join(vset.variants)}"
        )
    if len(set(wanted)) != len(wanted):
        raise UserError("--variants: a variant is named twice")
    return [vset.variants[n] for n in wanted]


def apply_variant(
    path: Path, base_overrides: list[str], variant: Variant, vset: VariantSet
) -> Scenario:
    """The scenario with the base overrides and then the variant's; a clear UserError if the
    variant does not fit the scenario (a unit, air group or key it lacks)."""
    try:
        scenario, _ = load_with_digest(path, [*base_overrides, *variant.overrides])
    except ScenarioError as exc:
        hint = (
            f" (the variants in {vset.path.name} are written for {vset.scenario}; "
            f"choose others with --variants or give --variants-file)"
            if vset.scenario and Path(path).stem != vset.scenario
            else ""
        )
        first = exc.problems[0] if exc.problems else str(exc)
        raise UserError(
            f"variant {variant.name!r} does not fit {path}: {first.removeprefix(f'{path}: ')}{hint}"
        ) from None
    return scenario


def changed_units(variant: Variant) -> list[str]:
    """The ids of the units a variant changes: those of its ``units.ID.FIELD`` overrides, in
    the order first named (none for an air or parameter variant)."""
    out: list[str] = []
    for text in variant.overrides:
        parts = [p.strip() for p in text.partition("=")[0].split(".")]
        if len(parts) >= 3 and parts[0] == "units" and parts[1] and parts[1] not in out:
            out.append(parts[1])
    return out


def watched_units(scenario: Scenario, units: list[str]) -> frozenset[str]:
    """``units`` and every unit under one of them in the scenario's chain of command.

    A unit counts as engaged when it fought; a corps or army group never fights itself (its
    divisions do), and a change to its commitment or arrival is a change to the units under
    it. So "its units engaged" asks whether any of these fought.
    """
    watched = set(units)
    children: dict[str, list[str]] = {}
    for u in scenario.units:
        if u.parent is not None:
            children.setdefault(u.parent, []).append(u.id)
    todo = list(units)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in watched:
                watched.add(child)
                todo.append(child)
    return frozenset(watched)
