"""Replaying a turn log: a campaign set up as the log's header says, played to a day and
checked against the log's state hashes.

``wargame.cli`` (``replay``, ``verify``, ``run --from``, ``play --resume``) and
``wargame.analysis`` (maps, the replay page) both use this module, so neither imports the
other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wargame import __version__
from wargame.errors import UserError, VerificationError
from wargame.session import content_of, load, log_scenario_path
from wargame.turnlog import TurnLog, first_difference

if TYPE_CHECKING:
    from wargame.commanders import Commander
    from wargame.engine import Campaign
    from wargame.report import ColumnReach
    from wargame.scenario import Side

__all__ = ["PROGRAM", "logged_commanders", "replay_campaign", "replay_to", "version_note"]

PROGRAM = f"wargame {__version__}"
"""The program name and version a turn log's header records."""


def replay_campaign(log: TurnLog, commanders: dict[Side, Commander] | None = None) -> Campaign:
    """A fresh campaign set up exactly as the log's header says (exit 1 if the scenario
    file has changed since the log was written), its sides commanded by the log's decisions
    unless ``commanders`` are given."""
    from wargame.engine import Campaign

    h = log.header
    path = log_scenario_path(log)

    def changed() -> VerificationError | None:
        name, digest = content_of(path)
        if digest == h.scenario_sha256:
            return None
        now = "" if name == h.scenario_name else f" (it is now {name!r})"
        return VerificationError(
            f"{log.path}: the scenario file {path} has changed since the "
            f"log was written{now}; SHA-256 of its content differs"
        )

    try:
        base, digest = load(path, h.overrides)
    except UserError:
        problem = changed()  # a changed file explains a failure better than its symptoms
        if problem is not None:
            raise problem from None
        raise
    if digest != h.scenario_sha256:
        problem = changed()
        assert problem is not None
        raise problem
    branch = None
    if h.branch is not None:
        try:
            branched, _ = load(path, [*h.overrides, *h.branch.get("overrides", [])])
        except UserError as exc:
            raise UserError(f"{log.path}: the branch's --set values: {exc}") from None
        branch = (int(h.branch["day"]), branched)
    return Campaign(base, h.seed, branch=branch, commanders=commanders or logged_commanders(log))


def logged_commanders(log: TurnLog, until: int | None = None) -> dict[Side, Commander]:
    """Commanders that give each side's decisions as the log recorded them (through day
    ``until - 1``), then leave the side to its staff."""
    from wargame.commanders import Logged, staff
    from wargame.scenario import Side

    return {side: Logged(side, log.decisions(str(side)), staff(side), until) for side in Side}


def version_note(log: TurnLog) -> str:
    if log.header.program and log.header.program != PROGRAM:
        return f" (log written by {log.header.program}, this is {PROGRAM})"
    return ""


def replay_to(
    campaign: Campaign, log: TurnLog, day: int, reach: ColumnReach | None = None
) -> dict[str, Any]:
    """Play ``campaign`` through ``day`` and check the state against the log's hash;
    ``reach`` takes in every day's positions on the way."""
    got: dict[str, Any] = {}

    def keep(c: Campaign, record: dict[str, Any]) -> None:
        if reach is not None:
            reach.update(c.world, c.state, record["date"])
        if record["day"] == day:
            got.update(record)

    campaign.callbacks.append(keep)
    try:
        campaign.run(until_day=day)
    finally:
        campaign.callbacks.remove(keep)
    if campaign.state.day != day or campaign.digest() != log.days[day]["hash"]:
        what = (
            first_difference(log.days[day], {"type": "day", **got}, labels=("log ", "re-run "))
            if got
            else "the re-run ended early"
        )
        raise VerificationError(
            f"{log.path}: day {day} ({log.days[day]['date']}) does not "
            f"replay as logged: {what}{version_note(log)}"
        )
    return got
