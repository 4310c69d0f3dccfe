"""``wargame play``: a person commands one side (or both, hot-seat, or by e-mail) day by
day, against the other side's staff.

Each day the side to move sees its :class:`~wargame.commanders.SideView` (its own units in
full, the enemy only where seen) and the staff's proposal, then gives orders one command per
line; ``end`` keeps the staff's orders for every unit it did not order. The same commands
come from standard input when it is not a terminal, so a game can be scripted. Every
decision goes into the turn log, so a played game replays and verifies like any other; a
saved game keeps, in its footer's ``play`` record, who the people are, the side to move and
the decisions already made on the unfinished day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from wargame import rules
from wargame.commanders import Commander, Logged, Player, SideView, staff, with_orders
from wargame.doctrine import Decision, Order
from wargame.errors import UserError, did_you_mean
from wargame.formats import printable
from wargame.rules import IllegalOrderError
from wargame.scenario import Side
from wargame.state import Mission

if TYPE_CHECKING:
    from rich.console import Console

    from wargame.world import World

COMMANDS = {
    "order": "order UNIT MISSION [PLACE] [DAYS]  give a unit an order (DAYS: consolidate)",
    "auto": "auto [N|all]   the staff's orders for the rest of today (and N more days, or all)",
    "end": "end            end today's orders (the staff's stand for units you did not order)",
    "orders": "orders         the staff's proposal and your orders so far today",
    "show": "show UNIT      a unit's strength, position, mission and supply",
    "legal": "legal UNIT     what a unit may do today, and the nearest places it can reach",
    "units": "units          your units that take orders today",
    "map": "map            show the situation again",
    "undo": "undo           take back your last order today",
    "save": "save           write the game so far to the log (it can be resumed)",
    "quit": "quit           save the days ended and stop (wargame play --resume LOG goes on)",
    "help": "help           this list",
}
MISSIONS = [str(m) for m in Mission]


class StopPlay(Exception):
    """The game stops before the end: the person quit, input ended, or (play by e-mail) it is
    the other side's turn. ``to_move`` is the side that was to decide."""

    def __init__(self, reason: str, to_move: Side) -> None:
        super().__init__(reason, to_move)  # both in args: simpy re-raises a copy
        self.reason = reason
        self.to_move = to_move


# --------------------------------------------------------------------------- order files


class _OrderSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: str
    mission: str
    target: str | None = None
    days: int = 0


class _DaySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date
    orders: list[_OrderSpec]


class _OrderFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: list[_DaySpec]


def load_orders(path: Path, world: World) -> tuple[Side, dict[int, list[Order]]]:
    """One side's orders given in advance: the side (that of the file's units) and its
    orders by day (D+N); every problem is a one-line :class:`UserError` naming the file, the
    day and the order (exit 2)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: order file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None
    try:
        spec = _OrderFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise UserError(f"{path}: {where}: {err['msg']}") from None
    start, days = world.scenario.meta.start_date, world.scenario.days
    units = {u.id: u for u in world.oob.manoeuvre_units()}
    sides = {units[o.unit].side for d in spec.day for o in d.orders if o.unit in units}
    if len(sides) > 1:
        raise UserError(
            f"{path}: an order file gives the orders of one side; it names units of both"
        )
    side = next(iter(sides), Side.CHINESE)
    out: dict[int, list[Order]] = {}
    for i, d in enumerate(spec.day):
        n = (d.date - start).days
        if not 0 <= n < days:
            raise UserError(
                f"{path}: day[{i}] {d.date}: outside the campaign, which runs from "
                f"{start} (D+0) to {world.date(days - 1)} (D+{days - 1})"
            )
        if n in out:
            raise UserError(f"{path}: day[{i}] {d.date}: the date is listed twice")
        orders = []
        for j, o in enumerate(d.orders):
            what = f"{path}: {d.date} (D+{n}) order {j + 1} ({o.unit} {o.mission})"
            if o.unit not in units:
                raise UserError(f"{what}: no unit {o.unit!r}{did_you_mean(o.unit, units)}")
            if units[o.unit].side != side:
                raise UserError(f"{what}: {o.unit} is not a {side} unit")
            if o.mission not in MISSIONS:
                raise UserError(
                    f"{what}: unknown mission {o.mission!r}"
                    f"{did_you_mean(o.mission, MISSIONS)}; missions: "
                    f"{', '.join(MISSIONS)}"
                )
            g = world.tmap.graph
            if o.target is not None and o.target not in g:
                raise UserError(f"{what}: no place {o.target!r}{did_you_mean(o.target, g.nodes)}")
            orders.append(Order(o.unit, Mission(o.mission), o.target, o.days))
        out[n] = orders
    return side, out


@dataclass
class FileOrders:
    """A side commanded by its staff except on the days an order file names, when the file's
    orders replace the staff's for the units they name. An order the rules refuse on its day
    (a unit not yet arrived, a place out of reach) is bad input naming the file and day."""

    side: Side
    path: Path
    orders_by_day: dict[int, list[Order]]
    staff: Commander

    def decide(self, view: SideView) -> Decision:
        decision = self.staff.decide(view)
        given = self.orders_by_day.get(view.day)
        if not given:
            return decision
        for j, order in enumerate(given, 1):
            try:
                rules.check_order(view.world, view.state, self.side, order)
            except IllegalOrderError as exc:
                raise UserError(
                    f"{self.path}: {view.world.date(view.day)} (D+{view.day}) order {j}: {exc}"
                ) from None
        return with_orders(decision, given)

    def observe(self, view: SideView) -> None:
        self.staff.observe(view)

    def memory(self) -> list[Any]:
        return self.staff.memory()


# --------------------------------------------------------------------------- input


class Input:
    """Where commands come from: the terminal (with line editing and tab completion) or
    standard input one per line (scripted; errors name the line number)."""

    def __init__(self, lines: Iterator[str] | None) -> None:
        self.lines = lines
        self.line_no = 0
        self.words: Callable[[], list[str]] = list

    @property
    def scripted(self) -> bool:
        return self.lines is not None

    def read(self, prompt: str) -> str | None:
        """The next command line, or None when input has ended."""
        self.line_no += 1
        if self.lines is not None:
            return next(self.lines, None)
        try:
            return input(prompt)
        except EOFError:
            return None

    def enable_completion(self) -> None:
        """Tab completes commands, unit ids, missions and places (where readline exists)."""
        try:
            import readline
        except ImportError:  # pragma: no cover - Windows without pyreadline
            return

        def complete(text: str, state: int) -> str | None:
            line = readline.get_line_buffer().split()
            first = not line or (len(line) == 1 and not readline.get_line_buffer().endswith(" "))
            pool = list(COMMANDS) if first else self.words()
            hits = sorted(w for w in pool if w.startswith(text))
            return hits[state] if state < len(hits) else None

        readline.set_completer(complete)
        readline.set_completer_delims(" ")
        readline.parse_and_bind("tab: complete")


# --------------------------------------------------------------------------- the person


@dataclass
class Desk:
    """One person's side of the table: shows the view, takes the commands and returns the
    day's decision (the :class:`~wargame.commanders.Player`'s ``ask``)."""

    side: Side
    session: Session

    def ask(self, view: SideView, proposal: Decision) -> Decision:
        s = self.session
        day = view.day
        if s.auto_until.get(self.side, -1) >= day:
            return s.decided(self.side, day, proposal, proposal)
        s.handover(self.side, view)
        given: list[Order] = []
        s.input.words = lambda: self._words(view)
        while True:
            line = s.input.read(f"{self.side} D+{day}> ")
            if line is None:
                raise StopPlay("input ended", self.side)
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            cmd, rest = words[0].lower(), words[1:]
            if cmd in ("end", "auto"):
                if cmd == "auto":
                    n = self._auto_days(rest, view)
                    if n is None:
                        continue
                    s.auto_until[self.side] = day + n
                return s.decided(self.side, day, with_orders(proposal, given), proposal)
            if cmd == "order":
                order = self._order(rest, view)
                if order is not None:
                    given = [o for o in given if o.unit_id != order.unit_id] + [order]
                    s.say(
                        f"{order.unit_id}: {order.mission}"
                        f"{' ' + order.target if order.target else ''}"
                    )
            elif cmd == "undo":
                if given:
                    s.say(f"taken back: {given.pop().unit_id}")
                else:
                    s.refuse(view, "no order of yours today to take back")
            elif cmd == "orders":
                self._orders(view, proposal, given)
            elif cmd == "show" or cmd == "legal":
                uid = self._unit_arg(rest, view, cmd)
                if uid is not None:
                    (self._show if cmd == "show" else self._legal)(view, uid)
            elif cmd == "units":
                for uid, missions in rules.legal_orders(view.world, view.state, self.side).items():
                    s.say(
                        f"{uid:<18} {printable(view.world.unit(uid).name)}"
                        f"  ({len(missions)} missions)"
                    )
            elif cmd == "map":
                s.show_view(self.side, view)
            elif cmd == "save":
                s.save_now()
            elif cmd == "quit":
                raise StopPlay("quit", self.side)
            elif cmd == "help":
                s.say("\n".join(COMMANDS.values()))
            else:
                s.refuse(
                    view,
                    f"unknown command {printable(cmd)!r}{did_you_mean(cmd, COMMANDS)} (type help)",
                )

    # -- commands

    def _words(self, view: SideView) -> list[str]:
        own = [u.id for u in view.own_units()]
        return [*own, *MISSIONS, *sorted(view.world.tmap.graph.nodes), "all"]

    def _auto_days(self, rest: list[str], view: SideView) -> int | None:
        if not rest:
            return 0
        if rest[0] == "all":
            return view.world.scenario.days
        if rest[0].isdigit():
            return int(rest[0])
        self.session.refuse(view, f"auto takes a number of days or 'all', not {rest[0]!r}")
        return None

    def _unit_arg(self, rest: list[str], view: SideView, cmd: str) -> str | None:
        if len(rest) != 1:
            self.session.refuse(view, f"usage: {COMMANDS[cmd].split('  ')[0].strip()}")
            return None
        uid = rest[0]
        visible = view.visible_state().units
        if uid not in visible:
            self.session.refuse(
                view, f"no unit {printable(uid)!r} in your view{did_you_mean(uid, visible)}"
            )
            return None
        return uid

    def _order(self, rest: list[str], view: SideView) -> Order | None:
        if len(rest) < 2 or len(rest) > 4:
            self.session.refuse(view, "usage: order UNIT MISSION [PLACE] [DAYS]")
            return None
        uid, mission, *more = rest
        days = 0
        if more and more[-1].isdigit():
            days = int(more.pop())
        target = more[0] if more else None
        if mission not in MISSIONS:
            self.session.refuse(
                view,
                f"order for {printable(uid)}: unknown mission "
                f"{printable(mission)!r}{did_you_mean(mission, MISSIONS)}; "
                f"missions: {', '.join(MISSIONS)}",
            )
            return None
        order = Order(uid, Mission(mission), target, days)
        try:
            rules.check_order(view.world, view.state, self.side, order)
        except IllegalOrderError as exc:
            self.session.refuse(view, str(exc))
            return None
        return order

    def _orders(self, view: SideView, proposal: Decision, given: list[Order]) -> None:
        say = self.session.say
        say(f"the staff proposes ({proposal.phase}):")
        for o in proposal.orders:
            say(f"  {_order_text(o)}")
        if not proposal.orders:
            say("  no new orders")
        say("your orders today:" if given else "no orders of yours yet today")
        for o in given:
            say(f"  {_order_text(o)}")

    def _show(self, view: SideView, uid: str) -> None:
        u = view.visible_state().units[uid]
        w = view.world
        unit = w.unit(uid)
        where = (
            f"at {u.location}"
            if u.location is not None
            else f"on the road {u.road_from} to {u.road_to}, {u.progress_km:.0f} km along"
        )
        if not u.on_map:
            arrival = unit.arrival
            where = (
                "off the map"
                if arrival is None
                else f"off the map (arrives D+{arrival.day} at {arrival.place})"
            )
        self.session.say(f"{uid}: {printable(unit.name)} ({u.side}, {unit.echelon})")
        if u.side != self.side:
            self.session.say(f"  seen {where}; about {u.present:,} men")
            return
        self.session.say(f"  {u.status}, {u.present:,} of {u.initial_men:,} men, {where}")
        self.session.say(
            f"  mission {u.mission}{' to ' + u.target if u.target else ''}, "
            f"posture {u.posture}, supply {u.supply_state:.0%} of need, "
            f"{u.supply_stock_days:.1f} days carried"
        )

    def _legal(self, view: SideView, uid: str) -> None:
        legal = rules.legal_orders(view.world, view.state, self.side)
        if uid not in legal:
            u = view.state.units[uid]
            self.session.say(
                f"{uid} takes no orders today ({u.status}"
                f"{'' if u.side == self.side else ', an enemy unit'})"
            )
            return
        u = view.state.units[uid]
        here = u.location or u.road_to or u.road_from
        self.session.say(f"{uid}: missions {', '.join(legal[uid])}")
        if here is None:
            return
        dist = view.world.tmap.dist[here]
        near = sorted((d, p) for p, d in dist.items() if p != here and not math.isinf(d))[:12]
        self.session.say(
            "  nearest places by road: " + ", ".join(f"{p} {d:.0f} km" for d, p in near)
        )


def _order_text(o: Order) -> str:
    return (
        f"order {o.unit_id} {o.mission}{' ' + o.target if o.target else ''}"
        f"{' ' + str(o.days) if o.days else ''}"
    )


# --------------------------------------------------------------------------- the session


@dataclass
class Session:
    """One sitting at the table: who plays, where commands come from and go, the game's
    log, and what was decided on the day being played."""

    people: set[Side]
    here: set[Side]
    input: Input
    out: Console
    err: Console
    save: Callable[[StopPlay | None], None] = lambda stop: None
    auto_until: dict[Side, int] = field(default_factory=dict)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Decisions made on the day being played (saved with the game if it stops mid-day)."""
    differed: dict[tuple[Side, int], int] = field(default_factory=dict)
    """(side, day): how many of the person's orders differed from the staff's."""
    last_record: dict[str, Any] | None = None
    _shown: Side | None = None

    def say(self, text: str) -> None:
        self.out.print(text, markup=False, highlight=False)

    def refuse(self, view: SideView, text: str) -> None:
        """An illegal or unknown command: refused, with the day (and line when scripted)."""
        where = f"line {self.input.line_no}: " if self.input.scripted else ""
        print(
            f"wargame: D+{view.day} ({view.world.date(view.day)}) {where}{printable(text)}",
            file=sys.stderr,
            flush=True,
        )

    def decided(self, side: Side, day: int, decision: Decision, proposal: Decision) -> Decision:
        staff = {o.unit_id: o for o in proposal.orders}
        n = sum(1 for o in decision.orders if staff.get(o.unit_id) != o)
        if n:
            self.differed[(side, day)] = n
        self.pending[str(side)] = decision.to_dict()
        return decision

    def handover(self, side: Side, view: SideView) -> None:
        """At a terminal: in hot-seat, hide the other side's view and wait for the next
        commander; then show this side's view."""
        if self.input.scripted:
            return
        if len(self.here) > 1 and self._shown not in (None, side):
            self.out.clear()
            self.input.read(f"Hand over to the {side} commander and press Enter ")
        self._shown = side
        self.show_view(side, view)

    def show_view(self, side: Side, view: SideView) -> None:
        from wargame import report

        if self.input.scripted:
            return
        seen = view.visible_state()
        record = dict(self.last_record or {})
        record.update(
            day=view.day, date=view.world.date(view.day).isoformat(), weather=view.state.weather
        )
        height = self.out.height - 1 if self.out.is_terminal else None
        self.out.print(report.situation(view.world, seen, record, self.out.width, height))
        self.say(
            f"{side} orders for D+{view.day} ({view.world.date(view.day)}): type help, "
            f"orders, order UNIT MISSION [PLACE], end"
        )

    def save_now(self) -> None:
        self.save(None)

    def day_done(self, record: dict[str, Any]) -> None:
        self.pending.clear()
        self.last_record = record


@dataclass
class Absent:
    """A person who plays from elsewhere (play by e-mail): when it is their turn the
    session saves the game and stops. Its staff keeps following the game meanwhile."""

    side: Side
    staff: Commander

    def decide(self, view: SideView) -> Decision:
        raise StopPlay("the other side's turn", self.side)

    def observe(self, view: SideView) -> None:
        self.staff.observe(view)

    def memory(self) -> list[Any]:
        return self.staff.memory()


def commanders_for(
    session: Session,
    world: World,
    orders: dict[Side, FileOrders],
    played: dict[Side, list[Decision]],
) -> dict[Side, Commander]:
    """Each side's commander: the decisions already played (a resumed game), then a person
    here, a person elsewhere, an order file, or the staff."""
    out: dict[Side, Commander] = {}
    for side in Side:
        now: Commander
        if side in session.here:
            now = Player(side, Desk(side, session).ask, staff(side))
        elif side in session.people:
            now = Absent(side, staff(side))
        elif side in orders:
            now = orders[side]
        else:
            now = staff(side)
        if played.get(side):
            now = Logged(side, played[side], now)
            if side in session.people:
                now = Recounted(side, now, staff(side), session)
        out[side] = now
    return out


@dataclass
class Recounted:
    """A person's side of a resumed game: on the days already played, the end report still
    counts where the person's recorded orders differed from the staff's."""

    side: Side
    inner: Commander
    staff: Commander
    session: Session

    def decide(self, view: SideView) -> Decision:
        decision = self.inner.decide(view)
        if isinstance(self.inner, Logged) and view.day < len(self.inner.decisions):
            self.session.decided(self.side, view.day, decision, self.staff.decide(view))
        return decision

    def observe(self, view: SideView) -> None:
        self.inner.observe(view)
        self.staff.observe(view)

    def memory(self) -> list[Any]:
        return self.inner.memory()


def resume_record(log: Any) -> tuple[set[Side], Side | None, dict[str, Decision]]:
    """From a saved game's footer: the people, the side to move and the decisions already
    made on the unfinished day."""
    play = (log.footer or {}).get("play")
    if not isinstance(play, dict):
        return set(), None, {}
    try:
        people = {Side(p) for p in play.get("people", [])}
        to_move = Side(play["to_move"]) if play.get("to_move") else None
        pending = {
            str(Side(k)): Decision.from_dict(v) for k, v in (play.get("pending") or {}).items()
        }
    except (ValueError, TypeError, AttributeError) as exc:
        raise UserError(f"{log.path}: the footer's play record: {exc}") from None
    return people, to_move, pending


def sides_arg(text: str) -> set[Side]:
    if text == "both":
        return set(Side)
    try:
        return {Side(text)}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"choose chinese, japanese or both, not {text!r}"
        ) from None


def differed_lines(world: World, differed: dict[tuple[Side, int], int]) -> list[str]:
    """One line per day on which a person's orders differed from the staff's."""
    return [
        f"D+{day} ({world.date(day)}) {side}: {n} order{'s' if n != 1 else ''} differed "
        f"from the staff's"
        for (side, day), n in sorted(differed.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def stdin_lines() -> Iterator[str]:
    for line in sys.stdin:
        yield line.rstrip("\n")
