"""The campaign engine: a simpy clock in days that wires the mechanics together.

Each day runs in phases, in this order (:data:`PHASES`, with the fraction of the day each
stands for)::

    0.00 weather   0.05 arrivals   0.10 staffs (orders)   0.20 air   0.40 movement
    0.60 combat    0.80 supply     0.90 attrition          0.99 end of day (record, hash)

One simpy process plays them, one clock tick a day (the phases have no events of their own).

The engine is the only place that mutates :class:`~wargame.state.CampaignState`; the
mechanics modules are pure functions and the doctrine modules only return orders. One
``numpy.random.Generator`` made from the run's seed is used for every draw, in a fixed
order (units in scenario order, places and roads sorted by id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import simpy

from wargame import air, ambush, attrition, combat, guerrilla, movement, rules, supply, weather
from wargame._mypyc import mypyc_attr
from wargame.commanders import Commander, SideView, staff
from wargame.doctrine import Decision, Order
from wargame.params import Params
from wargame.scenario import Commitment, Feature, Scenario, Side
from wargame.state import (
    ACTIVE,
    ADVANCE,
    ATTACK,
    COUNTERATTACK,
    DESTROYED,
    HASTY,
    HOLD,
    JAPANESE,
    LOSS_CATEGORIES,
    NOT_ARRIVED,
    PENDING,
    RESERVE,
    SIDES,
    UNCOMMITTED,
    WITHDRAW,
    WITHDRAWAL,
    AirState,
    AtPlace,
    CampaignState,
    NotArrived,
    OnRoad,
    UnitState,
    round_km,
)
from wargame.world import World

PHASES: Final = {
    "weather": 0.0,
    "arrivals": 0.05,
    "staffs": 0.10,
    "air": 0.20,
    "movement": 0.40,
    "combat": 0.60,
    "supply": 0.80,
    "attrition": 0.90,
    "end_of_day": 0.99,
}
ATTACKING: Final = movement.ATTACKING
MARCH_POSTURE: Final = {ADVANCE: ATTACK, COUNTERATTACK: ATTACK, WITHDRAW: WITHDRAWAL}
"""The posture of a unit that marched today, by mission (any other: hasty)."""
WITHDRAWS: Final = combat.WITHDRAWS
BREAKTHROUGH: Final = combat.BREAKTHROUGH
ENCIRCLED: Final = combat.ENCIRCLED
TOWN: Final = Feature.TOWN
STATUS_BY_COMMITMENT: Final = {
    Commitment.COMMITTED: ACTIVE,
    Commitment.RESERVE: RESERVE,
    Commitment.UNCOMMITTED: UNCOMMITTED,
}
"""A unit's status as it comes onto the map, by its effective commitment."""
# (the enum members the daily loops read are state.py's constants: see there why)

DayCallback = Callable[["Campaign", dict[str, Any]], None]


def initial_state(world: World) -> CampaignState:
    """The state at dawn of day 0, before anything happens."""
    s = world.scenario
    state = CampaignState()
    state.control = {
        p.id: p.control for p in sorted(s.places, key=lambda p: p.id) if p.control is not None
    }
    for unit in world.oob.manoeuvre_units():
        commitment = world.oob.effective_commitment(unit)
        status = STATUS_BY_COMMITMENT[commitment]
        pending = unit.location is None or (unit.arrival is not None and unit.arrival.day > 0)
        u = UnitState(
            id=unit.id,
            side=unit.side,
            initial_men=unit.men,
            status=PENDING if pending else status,
            pos=NOT_ARRIVED if pending or unit.location is None else AtPlace(unit.location),
            supply_stock_days=s.params.supply.carried_days,
        )
        u.present = unit.men
        state.units[unit.id] = u
        if not pending and unit.location is not None:
            state.control[unit.location] = unit.side
    for side in Side:
        state.air[side] = AirState()
        state.sorties_total[side] = 0
    state.control = dict(sorted(state.control.items()))
    return state


@dataclass
class Summary:
    """The result of a campaign (see ``to_dict`` for the JSON keys other tools rely on)."""

    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.data


@mypyc_attr(allow_interpreted_subclasses=True)  # benchmarks and tests subclass it
class Campaign:
    """One campaign: world + state + generator, advanced day by day on a simpy clock."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        *,
        branch: tuple[int, Scenario] | None = None,
        commanders: dict[Side, Commander] | None = None,
        world: World | None = None,
        daily_hash: bool = True,
        details: bool = True,
    ) -> None:
        if world is not None and world.scenario is not scenario:
            raise ValueError("the world given is not built from this scenario")
        self.world = world or World.from_scenario(scenario)
        """The static world (a batch worker passes the one it keeps per scenario: its route
        memories carry over from campaign to campaign)."""
        self.daily_hash = daily_hash
        """Hash the state every day (the turn log's ``hash``). A batch, which writes no log,
        turns it off; the summary's ``final_hash`` is computed all the same."""
        self.details = details
        """Put the day's decisions, moves, engagements, air and supply reports and positions
        in the day record, for the turn log, reports and displays. A batch, which reads only
        the day, date, weather, men, casualties and losses, turns it off (the campaign plays
        the same: the engine keeps what it needs of the day apart from the record)."""
        self.commanders: dict[Side, Commander] = {side: staff(side) for side in Side}
        """Who decides for each side: the built-in staff unless told otherwise."""
        self.commanders.update(commanders or {})
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.state = initial_state(self.world)
        self.env = simpy.Environment()
        self.finished = self.env.event()
        self.branch = branch
        self.callbacks: list[DayCallback] = []
        self.events_total = 0
        self._day: dict[str, Any] = {}
        self._marched: set[str] = set()  # today's: ids of the units that marched
        self._engaged: set[str] = set()  # and of those in an engagement so far
        self.engaged_units: set[str] = set()
        """Ids of every unit that has fought in at least one engagement so far."""
        self._stop_after: int | None = None
        self._started = False
        self.over = False
        self.env.process(self._days([getattr(self, f"_{name}") for name in PHASES]))

    # ------------------------------------------------------------------ clock

    def _days(self, phases: list[Callable[[], None]]):
        """The clock: each day, every phase in turn (``events_total`` counts the phases
        played), then a tick to the next day."""
        while True:
            for fn in phases:
                fn()
                self.events_total += 1
            yield self.env.timeout(1)

    def run(self, until_day: int | None = None) -> Summary:
        """Play to the end, or through day ``until_day``, and return the summary.

        A campaign stopped at ``until_day`` can be run on again; once it is over (end date or
        an end condition) further calls return at once.
        """
        if not self.over:
            self._stop_after = until_day
            self.env.run(until=self.finished)
            self.finished = self.env.event()
        return self.summary()

    @property
    def params(self) -> Params:
        return self.world.params

    def today(self) -> dt.date:
        return self.world.date(self.state.day)

    def _event(self, kind: str, text: str, **extra: Any) -> None:
        self._day["events"].append({"kind": kind, "text": text, **extra})

    # ------------------------------------------------------------------ phases

    def _weather(self) -> None:
        s = self.state
        if self._started:
            s.day += 1
        self._started = True
        if self.branch is not None and s.day == self.branch[0]:
            self.world = World.from_scenario(self.branch[1])
            self._reinforce_pending()
        self._day = {"day": s.day, "date": self.today().isoformat(), "events": []}
        if self.details:
            self._day.update(decisions={}, moves=[], engagements=[], air={}, supply={})
        self._day["losses"] = {}
        self._marched, self._engaged = set(), set()
        s.weather = weather.draw_weather(self.params.weather, self.today(), s.weather, self.rng)
        self._day["weather"] = s.weather

    def _reinforce_pending(self) -> None:
        """At a branch point, units not yet arrived take the branched scenario's strength
        (the units already on the map keep the men they have)."""
        for u in self.state.units.values():
            if u.status == PENDING and u.losses == 0 and u.returned == 0:
                u.initial_men = u.present = self.world.unit(u.id).men

    def _arrivals(self) -> None:
        s = self.state
        for u in s.units.values():
            if u.status != PENDING:
                continue
            unit = self.world.unit(u.id)
            if unit.arrival is None or unit.arrival.day > s.day:
                continue
            place = unit.arrival.place
            if s.control.get(place) == u.side.enemy or s.occupant(place) == u.side.enemy:
                place = self.world.nearest(place, self.world.side_config(u.side).depots) or place
            commitment = self.world.oob.effective_commitment(unit)
            s.set_status(
                u,
                STATUS_BY_COMMITMENT[commitment],
            )
            s.set_position(u, AtPlace(place))
            s.control[place] = u.side
            self._event(
                "arrival",
                f"{unit.name} arrives at {self._name(place)} by "
                f"{unit.arrival.mode} ({u.present:,} men)",
                unit=u.id,
                place=place,
            )

    def _staffs(self) -> None:
        """Each side's commander decides in turn (the attacker first), seeing what that side
        may know; the engine checks and applies each decision and logs it whole."""
        for side in SIDES:  # the attacker first
            decision = self.commanders[side].decide(SideView(self.world, self.state, side))
            self._apply(side, decision)
            if self.details:
                self._day["decisions"][str(side)] = decision.to_dict()

    def _apply(self, side: Side, decision: Decision) -> None:
        s = self.state
        rules.check_decision(self.world, s, side, decision)
        if decision.culminated and s.culminated_day is None:
            s.culminated_day = s.day
        if decision.counteroffensive and s.counteroffensive_day is None:
            s.counteroffensive_day = s.day
        s.phase[side] = decision.phase
        for text in decision.events:
            self._event("decision", text, side=str(side))
        for uid in decision.release:
            s.set_status(s.units[uid], RESERVE)
        for uid in decision.commit:
            if s.units[uid].status == RESERVE:
                s.set_status(s.units[uid], ACTIVE)
        for order in decision.orders:
            self._order(order)

    def _order(self, order: Order) -> None:
        u = self.state.units[order.unit_id]
        if u.status not in rules.ORDERABLE:
            return
        if order.days:
            u.hold_days = order.days
        u.mission, u.target = order.mission, order.target

    def _air(self) -> None:
        """The day's air war (:func:`air.fly_day`), applied to the state."""
        s, p = self.state, self.params.air
        groups: dict[str, list[air.AirGroupState]] = {side: [] for side in SIDES}
        near = {side: self._enemy_positions(side) for side in SIDES}
        for gid, side, base, role, aircraft in self.world.air_groups:
            active = self._airfield_active(base, side, *near[side])
            groups[side].append(air.AirGroupState(gid, aircraft, role, active))
        damaged: dict[str, int] = {side: s.air[side].damaged_aircraft for side in SIDES}
        day = air.fly_day(p, groups, damaged, s.weather, self.rng)
        s.air_superiority = None if day.superiority is None else Side(day.superiority)
        for side in SIDES:
            a, missions = s.air[side], day.missions[side]
            a.sorties = day.sorties[side]
            a.interdiction = missions["interdiction"]
            a.close_support = missions["close_support"]
            a.airfield_attack = missions["airfield_attack"]
            a.damaged_aircraft = day.damaged_aircraft[side]
            s.sorties_total[side] += day.sorties[side]
        if self.details:
            self._day["air"] = self._air_report()
        self._day["air_superiority"] = None if s.air_superiority is None else str(s.air_superiority)

    def _air_report(self) -> dict[str, Any]:
        s = self.state
        return {
            str(side): {
                "sorties": s.air[side].sorties,
                "interdiction": s.air[side].interdiction,
                "close_support": s.air[side].close_support,
                "airfield_attack": s.air[side].airfield_attack,
            }
            for side in SIDES
        }

    def _enemy_positions(self, side: Side) -> tuple[set[str], set[str]]:
        """The places where ``side``'s enemy has units, and the places its units on the
        roads march to."""
        at: set[str] = set()
        to: set[str] = set()
        for e in self.state.units_of(side.enemy):
            pos = e.pos
            if pos.place is not None:
                at.add(pos.place)
            elif pos.dest is not None:
                to.add(pos.dest)
        return at, to

    def _airfield_active(
        self, base: str, side: Side, enemy_at: set[str], enemy_to: set[str]
    ) -> bool:
        """An airfield flies unless the enemy holds it or has troops within artillery range:
        at a place within range (``enemy_at``, :meth:`_enemy_positions`), or on a road into
        the airfield (``enemy_to``)."""
        if self.state.control.get(base) == side.enemy:
            return False
        return base not in enemy_to and self.world.artillery_zone(base).isdisjoint(enemy_at)

    # ------------------------------------------------------------------ movement

    def _movement(self) -> None:
        rain = weather.is_rain(self.state.weather)
        by_night = {side: self._by_night(side) for side in SIDES}  # the same all day
        shortfall = self.params.supply.shortfall_threshold
        for u in self.state.on_map_units():
            if u.present > 0 and not movement.stays_put(u):
                self._move(u, rain, by_night[u.side], u.supply_state < shortfall)
        self._update_closest()

    def _move(
        self,
        u: UnitState,
        rain: bool,
        by_night: bool | None = None,
        low_supply: bool | None = None,
    ) -> None:
        """March one unit (:func:`movement.march`) and apply the result. ``by_night`` and
        ``low_supply`` are worked out here unless given (:meth:`_movement` gives them)."""
        s = self.state
        if by_night is None:
            by_night = self._by_night(u.side)
        if low_supply is None:
            low_supply = u.supply_state < self.params.supply.shortfall_threshold
        m = movement.march(
            self.world,
            s,
            u,
            self.world.supply_routes,
            rain=rain,
            by_night=by_night,
            low_supply=low_supply,
        )
        if m is None:
            return
        if m.pos is not u.pos:
            s.set_position(u, m.pos)
        if m.left_contact:
            u.contact_days, u.assault_km = 0, 0.0
        for place in m.entered:
            self._enter(u, place)
        if m.mission is not None:
            u.mission = m.mission
        if m.moved:
            u.days_in_place = 0
            u.posture = MARCH_POSTURE.get(u.mission, HASTY)
            self._marched.add(u.id)
            pos = m.pos
            if self.details:
                self._day["moves"].append(
                    {
                        "unit": u.id,
                        "at": pos.place,
                        "road": None if pos.place else [pos.origin, pos.dest],
                        "km": round(pos.km, 3),
                    }
                )

    def _enter(self, u: UnitState, place: str) -> None:
        s = self.state
        if s.control.get(place) != u.side:
            s.control[place] = u.side
            self._event(
                "control",
                f"{self._name(u.id)} takes {self._name(place)}",
                side=str(u.side),
                place=place,
            )
        if (
            place == self.world.scenario.objective.place
            and u.side == self.world.scenario.objective.attacker
            and s.objective_captured_day is None
        ):
            s.objective_captured_day = s.day
            self._event(
                "objective", f"{self._name(place)} captured by {self._name(u.id)}", place=place
            )

    def _update_closest(self) -> None:
        s, w = self.state, self.world
        attacker = w.scenario.objective.attacker
        for u in s.units_of(attacker):
            d = w.distance_to_objective(u)
            if d < s.closest_km - 1e-9:
                s.closest_km, s.closest_day = d, s.day

    # ------------------------------------------------------------------ combat

    def _combat(self) -> None:
        s, w = self.state, self.world
        for u in s.units.values():
            u.last_battle_loss = 0
        sites: dict[str, list[UnitState]] = {}
        effort_km = w.effort_km
        for u in s.on_map_units():
            pos = u.pos
            if (
                isinstance(pos, OnRoad)
                and u.present > 0
                and u.mission in ATTACKING
                and pos.km >= effort_km[pos.origin, pos.dest] - 1e-9  # at the gates
                and s.occupant(pos.dest) == u.side.enemy
            ):
                sites.setdefault(pos.dest, []).append(u)
        engagements = len(sites)
        for place in sorted(sites):
            self._engage(place, sites[place], engagements)
        self._pursuits(max(1, engagements))
        for u in s.on_map_units():
            if isinstance(u.pos, OnRoad) and u.pos.dest not in sites:
                u.contact_days = 0

    def _forces(self, units: list[UnitState], defending: bool) -> list[combat.Force]:
        """Each unit's men, quality (CEV), supply factor and, for a defender, its posture."""
        w, p = self.world, self.params
        cp = p.combat
        out = []
        for u in units:
            posture = cp.posture.get(str(u.posture), 1.0) if defending else 1.0
            out.append(
                combat.Force(
                    u.id,
                    u.present,
                    cp.quality.get(w.unit(u.id).quality, 1.0),
                    combat.supply_power_factor(p.supply, u.supply_state),
                    posture,
                )
            )
        return out

    def _by_night(self, side: Side) -> bool:
        """Does ``side`` march and attack by night today (:func:`air.by_night`)?"""
        s = self.state
        return air.by_night(s.air_superiority, side, s.weather)

    def _air_bonus(self, side: Side, engagements: int) -> float:
        """Air superiority and close air support, shared over the day's engagements."""
        s, p = self.state, self.params
        return (
            p.combat.air_superiority if s.air_superiority == side else 1.0
        ) * air.close_support_bonus(p.air, s.air[side].close_support / max(1, engagements))

    def _engaged_today(self) -> set[str]:
        """Ids of every unit in one of today's engagements so far (a fresh set)."""
        return set(self._engaged)

    def _pursuits(self, engagements: int) -> None:
        """Pursuit: a counter-attacking unit at the place a withdrawing enemy column has just
        left, or on the same road, attacks it on the march (models.md §3: attackers whose
        attack failed fall back under pressure; a withdrawing defender fights at QJM's
        withdrawal posture). The column keeps going; a rout costs it men captured. A unit
        fights once a day: none already engaged today pursues or is pursued."""
        s, w, p = self.state, self.world, self.params
        engaged = self._engaged
        cp = p.combat
        # missions and positions do not change here; strength and status are checked as
        # each withdrawing column's turn comes
        withdrawing = [u for u in s.on_map_units() if u.mission == WITHDRAW and u.pos.place is None]
        if not withdrawing:
            return
        counterattacking = {
            side: [e for e in s.units_of(side) if e.mission == COUNTERATTACK] for side in SIDES
        }
        for u in withdrawing:
            if (
                not u.on_map  # routed and destroyed by an earlier pursuit today
                or u.present <= 0
                or u.id in engaged
            ):
                continue
            a, b = u.road_from, u.road_to
            pursuers = []
            for e in counterattacking[u.side.enemy]:
                if e.present <= 0 or e.id in engaged:
                    continue
                pos = e.pos  # at the place the column left, or on the same road
                if pos.place == a or (pos.place is None and {pos.origin, pos.dest} == {a, b}):
                    pursuers.append(e)
            if not pursuers:
                continue
            assert b is not None
            terrain = str(w.tmap.terrain(b))
            field = combat.Battlefield(
                terrain,
                str(u.posture),
                weather=s.weather,
                attacker_air=self._air_bonus(u.side.enemy, engagements),
                defender_air=self._air_bonus(u.side, engagements),
                on_the_march=True,
                by_night=self._by_night(u.side.enemy),
            )
            r = combat.resolve_engagement(
                cp,
                self._forces(pursuers, False),
                self._forces([u], True),
                field,
                combat.Stakes(),
                self.rng,
            )
            self._battle_loss(u, r.defender_losses[u.id], r.routed)
            for e in pursuers:
                self._battle_loss(e, r.attacker_losses[e.id], False)
                engaged.add(e.id)
            engaged.add(u.id)
            if self.details:
                self._day["engagements"].append(
                    {
                        "place": f"{a}>{b}",
                        "attackers": [e.id for e in pursuers],
                        "defenders": [u.id],
                        "terrain": terrain,
                        "surprise": 1.0,
                        "att_power": round(r.att_power, 1),
                        "def_power": round(r.def_power, 1),
                        "ratio": round(r.ratio, 4),
                        "att_losses": sum(r.attacker_losses.values()),
                        "def_losses": r.defender_losses[u.id],
                        "outcome": r.outcome,
                    }
                )
            if r.routed:
                self._event(
                    "combat",
                    f"{self._name(u.id)} routed by pursuers on the road to "
                    f"{self._name(b)} (ratio {r.ratio:.2f})",
                    place=b,
                    outcome=r.outcome,
                )

    def _engage(self, place: str, attackers: list[UnitState], engagements: int) -> None:
        s, w, p = self.state, self.world, self.params
        cp = p.combat
        defenders = [d for d in s.units_at(place) if d.present > 0]
        if not defenders:
            return
        att_side, def_side = attackers[0].side, defenders[0].side
        attackers = [a for a in attackers if a.side == att_side]
        terrain = w.tmap.terrain(place)
        through_pass = any(w.tmap.road(str(a.road_from), place)["crosses_pass"] for a in attackers)
        rivers = min(w.tmap.road(str(a.road_from), place)["river_crossings"] for a in attackers)
        town = w.tmap.has(place, TOWN)
        best_posture = max(
            (d.posture for d in defenders), key=lambda x: cp.posture.get(str(x), 1.0)
        )

        # mountain ambush on the first day of contact
        for a in attackers:
            if a.contact_days == 0:
                chance = ambush.ambush_chance(
                    p.ambush,
                    str(terrain),
                    str(best_posture),
                    through_pass=through_pass,
                    attacker_has_air=s.air_superiority == att_side,
                )
                if chance > 0 and ambush.roll_ambush(chance, self.rng):
                    a.ambushed_on_day = s.day
                    self._event(
                        "ambush",
                        f"{self._name(a.id)} ambushed approaching {self._name(place)}",
                        unit=a.id,
                        place=place,
                    )
        surprise = max(
            ambush.surprise_factor(
                p.ambush, None if a.ambushed_on_day is None else s.day - a.ambushed_on_day
            )
            for a in attackers
        )

        field = combat.Battlefield(
            str(terrain),
            str(best_posture),
            town=town,
            river_crossings=int(rivers),
            weather=s.weather,
            surprise=surprise,
            attacker_air=self._air_bonus(att_side, engagements),
            defender_air=self._air_bonus(def_side, engagements),
            by_night=self._by_night(att_side),
            from_heights=combat.fires_from_heights(
                cp, str(terrain), str(best_posture), through_pass
            ),
        )
        stakes = combat.Stakes(
            can_retreat=self._retreat_place(defenders[0], place, attackers) is not None,
            defender_initial_men=sum(d.initial_men + d.returned for d in defenders),
            defender_prior_losses=sum(d.losses for d in defenders),
            assault_km=max(a.assault_km for a in attackers),
        )
        # the front the place offers on the roads the attack comes in by (frontage limit)
        room = combat.position_room(cp, str(terrain), len({a.road_from for a in attackers}))
        r = combat.resolve_engagement(
            cp,
            combat.in_line(
                self._forces(attackers, False),
                None if room is None else room * cp.attack_density_factor,
            ),
            combat.in_line(self._forces(defenders, True), room),
            field,
            stakes,
            self.rng,
        )
        outcome, ratio = r.outcome, r.ratio
        for a in attackers:
            a.assault_km += r.gained_km
        for d in defenders:
            self._battle_loss(d, r.defender_losses[d.id], r.routed)
        for a in attackers:
            self._battle_loss(a, r.attacker_losses[a.id], False)
            a.contact_days += 1
        self._engaged.update([u.id for u in (*attackers, *defenders)])
        if self.details:
            self._day["engagements"].append(
                {
                    "place": place,
                    "attackers": [a.id for a in attackers],
                    "defenders": [d.id for d in defenders],
                    "terrain": str(terrain),
                    "defender_env": round(r.defender_env, 4),
                    "surprise": round(surprise, 4),
                    "from_heights": field.from_heights,
                    "att_power": round(r.att_power, 1),
                    "def_power": round(r.def_power, 1),
                    "room_men": None if room is None else round(room),
                    "ratio": round(ratio, 4),
                    "assault_km": round(r.assault_km, 3),
                    "att_losses": sum(r.attacker_losses.values()),
                    "def_losses": sum(r.defender_losses.values()),
                    "outcome": outcome,
                }
            )
        if outcome in (WITHDRAWS, BREAKTHROUGH):
            for d in defenders:
                if d.present <= 0:
                    continue
                dest = self._retreat_place(d, place, attackers)
                if dest is None:
                    continue
                s.set_position(d, AtPlace(dest))
                d.posture, d.days_in_place = WITHDRAWAL, 0
                d.contact_days = 0
                if s.control.get(dest) != d.side:
                    s.control[dest] = d.side
            self._event(
                "combat",
                f"{self._name(place)}: {outcome.replace('_', ' ')} (ratio {ratio:.2f})",
                place=place,
                outcome=str(outcome),
            )
            for a in attackers:
                if a.present > 0:
                    s.set_position(a, AtPlace(place))
                    a.contact_days, a.assault_km = 0, 0.0
                    self._enter(a, place)
                    if a.target == place and a.mission != ADVANCE:
                        a.mission = HOLD
        elif outcome == ENCIRCLED:
            self._event(
                "combat",
                f"{self._name(place)}: defenders encircled and hold out (ratio {ratio:.2f})",
                place=place,
                outcome=str(outcome),
            )

    def _retreat_place(self, d: UnitState, place: str, attackers: list[UnitState]) -> str | None:
        """Where a beaten defender falls back: a free neighbour nearest its own depots."""
        w, s = self.world, self.state
        blocked = w.enemy_held(s, d.side) | {a.road_from for a in attackers}
        depots = w.side_config(d.side).depots
        options = [n for n in w.tmap.neighbours(place) if n not in blocked]
        if not options:
            return None
        return min(options, key=lambda n: (min(w.tmap.dist[n][x] for x in depots), n))

    def _battle_loss(self, u: UnitState, men: int, routed: bool) -> None:
        men = min(men, u.present)
        split = combat.split_losses(self.params.combat, men, routed, str(u.side), self.rng)
        self._lose(u, split)
        u.last_battle_loss += men

    def _lose(self, u: UnitState, split: dict[str, int], total: int | None = None) -> None:
        """Take ``split`` (men by loss category; ``total``, their sum, if known) from a
        unit."""
        if total is None:
            total = sum(split.values())
        if total <= 0:
            return
        u.present -= total
        day_losses = self._day_losses(u.id)
        for cat, n in split.items():
            day_losses[cat] += n
        wounded, sick = split.get("wounded", 0), split.get("disease", 0)
        u.killed += split.get("killed", 0)  # (by name, not setattr: typed in the compiled build)
        u.wounded += wounded
        u.captured += split.get("captured", 0)
        u.disease += sick
        if wounded > 0 or sick > 0:  # (to_recovering draws nothing for neither)
            u.recovering += attrition.to_recovering(
                self.world.params.attrition, wounded, sick, self.rng
            )
        if u.present <= 0:
            self._destroyed(u)

    def _day_losses(self, unit_id: str) -> dict[str, int]:
        """The day record's losses of one unit by category (men), started at 0 when first
        asked for."""
        losses: dict[str, dict[str, int]] = self._day["losses"]
        day_losses = losses.get(unit_id)
        if day_losses is None:
            day_losses = losses[unit_id] = dict.fromkeys(LOSS_CATEGORIES, 0)
        return day_losses

    def _fall_sick(self, u: UnitState, sick: int) -> None:
        """:meth:`_lose` for ``sick`` (> 0) men lost to disease alone (the day's attrition,
        once per unit)."""
        u.present -= sick
        u.disease += sick
        day_losses = self._day_losses(u.id)
        day_losses["disease"] += sick
        u.recovering += attrition.to_recovering(self.world.params.attrition, 0, sick, self.rng)
        if u.present <= 0:
            self._destroyed(u)

    def _destroyed(self, u: UnitState) -> None:
        u.present = 0
        self.state.set_status(u, DESTROYED)
        self._event(
            "destroyed", f"{self._name(u.id)} ceases to exist as a fighting unit", unit=u.id
        )

    # ------------------------------------------------------------------ supply

    def _supply(self) -> None:
        s, w, p = self.state, self.world, self.params
        rain = weather.is_rain(s.weather)
        report: dict[str, Any] = {}
        fought = self._engaged_today()
        marched = self._marched
        controlled = {side: s.held_by(side) for side in SIDES}
        for side in SIDES:
            blocked = w.enemy_held(s, side, controlled[side.enemy])
            depots = w.side_config(side).depots
            routes, roads = w.supply_network(depots, blocked)
            cut = air.interdiction_cut(p.air, s.air[side.enemy].interdiction)
            raided: list[str] = []
            capacity = w.road_capacities(rain, cut)  # shared: copied before a raid cuts it
            if side == JAPANESE:
                # guerrillas raid roads behind the Japanese front: one draw per road both of
                # whose ends the Japanese hold, in road-id order
                exposed = w.roads_within(frozenset(controlled[side]))
                left = 1.0 - p.guerrilla.raid_capacity_cut
                for rid, key in guerrilla.raided_roads(p.guerrilla, exposed, self.rng):
                    if not raided:
                        capacity = dict(capacity)
                    capacity[key] *= left
                    raided.append(rid)
            demands = []
            units = [u for u in s.units_of(side) if u.present > 0]
            ps, name, terrain = p.supply, str(side), w.tmap.terrain
            for u in units:
                pos = u.pos
                place = pos.place or (pos.dest if pos.origin in blocked else pos.origin)
                assert place is not None, u.id
                activity = "combat" if u.id in fought else "march" if u.id in marched else "static"
                demands.append(
                    supply.Demand(u.id, place, supply.need_tons(ps, side, u.present, activity))
                )
            delivered = supply.deliveries(ps, side, demands, routes, capacity, roads)
            foraged: dict[str, int] = {}
            for u, d in zip(units, demands, strict=True):
                got = delivered[u.id]
                if got < 1.0:  # short of supply: take food from the country around it
                    extra = supply.forage(
                        ps,
                        name,
                        str(terrain(d.place)),
                        s.foraged.get(d.place, 0.0),
                        u.present,
                        d.tons,
                    )
                    if extra > 0:
                        got = min(1.0, got + extra)
                        foraged[d.place] = foraged.get(d.place, 0) + 1
                u.supply_stock_days, u.supply_state = supply.consume(ps, u.supply_stock_days, got)
            for place in sorted(foraged):
                s.foraged[place] = s.foraged.get(place, 0.0) + foraged[place]
            self._guerrilla_losses(raided, routes, units)
            if not self.details:
                continue
            tons = sum([d.tons * delivered[d.unit_id] for d in demands])
            report[str(side)] = {
                "tons": round(tons, 1),
                "interdiction_cut": round(cut, 4),
                "raids": raided,
                "cut_off": [u.id for u in units if u.supply_state <= 0],
            }
        if self.details:
            self._day["supply"] = report
        for side in SIDES:
            # the night's supply reports reach each side's staff (its own memory)
            self.commanders[side].observe(SideView(self.world, s, side))

    def _guerrilla_losses(self, raided: list[str], routes, units) -> None:
        """Apply today's raids: the men each raid costs the first unit supplied over it."""
        if not raided:
            return
        hits = guerrilla.raid_losses(
            self.params.guerrilla, raided, self.world.road_ends, routes[1], units, self.rng
        )
        for rid, victim, men in hits:
            if victim is not None and men > 0:
                self._battle_loss(victim, men, False)
                self._event("guerrilla", f"guerrillas raid the road {rid}", road=rid)

    # ------------------------------------------------------------------ attrition

    def _attrition(self) -> None:
        s, w, p = self.state, self.world, self.params
        pa, rng = p.attrition, self.rng
        date = self.today()
        engaged = self._engaged_today()
        mountainous = w.tmap.places_of("mountain", "pass")
        shortfall = p.supply.shortfall_threshold
        rates: dict[tuple[str, bool, bool, bool], float] = {}  # the day's rate by situation
        for u in s.on_map_units():  # a unit's status changes only in its own turn here
            if u.present <= 0:
                continue
            pos = u.pos
            assert not isinstance(pos, NotArrived), u.id
            if isinstance(pos, OnRoad):
                on_road, where = True, pos.dest
            else:
                on_road, where = False, pos.place
            key = (
                str(u.side),
                where in mountainous,
                u.supply_state < shortfall,
                on_road or u.mission in ATTACKING or u.id in engaged,
            )
            rate = rates.get(key)
            if rate is None:
                rate = rates[key] = attrition.disease_rate(
                    pa, date, key[0], mountain=key[1], low_supply=key[2], in_field=key[3]
                )
            sick = combat.draw_casualties(u.present, rate, rng)
            if sick > 0:
                self._fall_sick(u, sick)
            if u.recovering > 0:  # (returns_today draws nothing for an empty pool)
                back = attrition.returns_today(pa, u.recovering, rng)
                if back and u.status != DESTROYED:
                    u.recovering -= back
                    u.returned += back
                    u.present += back
        for u in s.units.values():
            if u.status == DESTROYED and u.recovering > 0:
                # the unit is gone; those who recover are posted elsewhere (stay counted lost)
                u.recovering = 0

    # ------------------------------------------------------------------ end of day

    def _end_of_day(self) -> None:
        s, p = self.state, self.params
        moved = self._marched
        for u in s.on_map_units():
            if u.hold_days > 0:
                u.hold_days -= 1
            if isinstance(u.pos, AtPlace) and u.id not in moved:
                u.days_in_place += 1
                if u.posture != ATTACK or u.mission not in ATTACKING:
                    u.posture = self.world.posture_after(u.days_in_place)
        for side in SIDES:
            a = s.air[side]
            a.damaged_aircraft = air.repaired(p.air, a.damaged_aircraft)
        if self.details:
            positions: dict[str, str | None] = {}
            for u in s.on_map_units():
                pos = u.pos
                positions[u.id] = (
                    pos.place if isinstance(pos, AtPlace) else f"{pos.origin}>{pos.dest}"
                )
            self._day["positions"] = positions
        men, casualties = s.tally()
        self._day["men"] = {str(side): men[side] for side in SIDES}
        self._day["casualties"] = {str(side): casualties[side] for side in SIDES}
        if self.daily_hash:
            self._day["hash"] = self.digest()
        self.engaged_units |= self._engaged_today()
        record = self._day
        for cb in self.callbacks:
            cb(self, record)
        last_day = self.world.scenario.days - 1
        self.over = (
            s.day >= last_day or s.objective_captured_day is not None or self._attacker_home()
        )
        if self.over or (self._stop_after is not None and s.day >= self._stop_after):
            self.finished.succeed()

    def _attacker_home(self) -> bool:
        s, w = self.state, self.world
        if s.culminated_day is None:
            return False
        line = w.fall_back_line(JAPANESE)
        return all(u.location in line for u in s.units_of(JAPANESE))

    # ------------------------------------------------------------------ results

    def _name(self, ident: str) -> str:
        f = self.world.oob.formations.get(ident)
        if f is not None:
            return f.name
        if ident in self.world.tmap.graph:
            return self.world.tmap.graph.nodes[ident]["name"]
        return ident

    def digest(self) -> str:
        """The day's hash: the state and what each side's commander remembers (attacker
        first; :meth:`CampaignState.digest`)."""
        memory = [*self.commanders[Side.JAPANESE].memory(), *self.commanders[Side.CHINESE].memory()]
        return self.state.digest(memory)

    def summary(self) -> Summary:
        s, w = self.state, self.world
        scen = w.scenario
        start = scen.meta.start_date
        captured = s.objective_captured_day is not None
        if captured:
            outcome = (
                "zhijiang_captured"
                if scen.objective.place.startswith("zhijiang")
                else "objective_captured"
            )
        elif s.culminated_day is not None:
            outcome = "japanese_repulsed"
        else:
            outcome = "stalemate"
        line = w.fall_back_line(Side.JAPANESE)
        jap = s.units_of(Side.JAPANESE)
        data = {
            "scenario": scen.meta.name,
            "scenario_sha256": w.scenario_digest(),
            "seed": self.seed,
            "start_date": start.isoformat(),
            "end_date": w.date(s.day).isoformat(),
            "days": s.day + 1,
            "outcome": outcome,
            "zhijiang_captured": captured,
            "zhijiang_captured_date": None
            if s.objective_captured_day is None
            else w.date(s.objective_captured_day).isoformat(),
            "closest_approach_km": (
                round_km(s.closest_km, 1) if s.closest_km != float("inf") else None
            ),
            "closest_approach_date": w.date(s.closest_day).isoformat(),
            # the day the nearest point was reached; offensive_culminated_date is the day the
            # Japanese staff turned from attack to hold or withdrawal (often later)
            "offensive_culminated_date": None
            if s.culminated_day is None
            else w.date(s.culminated_day).isoformat(),
            "counteroffensive_date": None
            if s.counteroffensive_day is None
            else w.date(s.counteroffensive_day).isoformat(),
            "japanese_at_start_line_by_end": bool(jap) and all(u.location in line for u in jap),
            "casualties": {str(side): s.casualties(side) for side in Side},
            "sorties": {str(side): s.sorties_total[side] for side in Side},
            "men_at_end": {str(side): s.men(side) for side in Side},
            "control": {str(side): sorted(s.held_by(side)) for side in Side},
            "engaged_units": sorted(self.engaged_units),
            "final_hash": self.digest(),
        }
        return Summary(data)


def run_campaign(scenario: Scenario, seed: int, **kw: Any) -> Summary:
    """Play one campaign to the end and return its summary."""
    return Campaign(scenario, seed, **kw).run()
