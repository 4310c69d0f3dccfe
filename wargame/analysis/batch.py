"""Monte Carlo batches: many campaigns on derived seeds, run locally or on a Dask cluster.

Run ``i`` of a batch with root seed ``S`` plays the campaign with the integer seed
``run_seed(S, i)``, taken from the ``i``-th child of ``numpy.random.SeedSequence(S)`` — the same
child ``SeedSequence(S).spawn(N)[i]`` returns — so a run's result depends only on ``S`` and ``i``,
never on the number of workers or the order in which runs finish. Any run can be replayed alone
with ``wargame run SCENARIO --seed SEED``.

Results come back in run-index order (out-of-order finishes wait in a bounded window) and are
written to ``runs.csv`` at once, so memory stays flat in the number of runs.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import math
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import numpy as np

from wargame import __version__
from wargame.errors import RunFailed, UserError
from wargame.interrupts import deferred, restore_defaults_in_worker
from wargame.outputs import AtomicFile, cannot_write, close_locks_in_child, lock_output, real_path
from wargame.report import ColumnReach  # here, not in simulate(): see the note there
from wargame.scenario import Point, Scenario, with_params
from wargame.world import World

from .stats import fmt_cell

SIDES = ("japanese", "chinese")
LOSS_CATEGORIES = ("killed", "wounded", "captured", "disease", "total", "battle")
"""Casualty columns per side; ``battle`` is killed + wounded + captured (no disease), the
scope of most published casualty figures."""
DATE_KEYS = (
    "zhijiang_captured_date",
    "closest_approach_date",
    "offensive_culminated_date",
    "counteroffensive_date",
)
OUTCOMES = ("japanese_repulsed", "zhijiang_captured", "stalemate")

COLUMNS: tuple[str, ...] = (
    "run",
    "seed",
    "outcome",
    "zhijiang_captured",
    "zhijiang_captured_date",
    "zhijiang_captured_day",
    "closest_approach_km",
    "closest_approach_date",
    "closest_approach_day",
    "offensive_culminated_date",
    "offensive_culminated_day",
    "counteroffensive_date",
    "counteroffensive_day",
    "japanese_at_start_line_by_end",
    "end_date",
    "days",
    *(f"casualties.{s}.{c}" for s in SIDES for c in LOSS_CATEGORIES),
    *(f"sorties.{s}" for s in SIDES),
    *(f"men_at_end.{s}" for s in SIDES),
    "columns_furthest",
    "final_hash",
)
"""Columns of ``runs.csv``. Dotted names are the keys of the engine's summary; ``*_day`` is
the day of the campaign (0 = start date) of the date beside it; ``columns_furthest`` is each
attacking column's furthest place (``column=place``, space-separated, by column name)."""

DAILY_SERIES = tuple(f"{what}.{s}" for what in ("men", "casualties") for s in SIDES)
"""Per-day series kept as distributions: men present and cumulative casualties per side."""

MAX_RUNS = 1_000_000
"""Runs per batch: the summary reads runs.csv back, about 2 KB of memory and 300 bytes of
file per run (see ``stats.MAX_RUNS_BYTES``)."""
MAX_WORKERS = 512
DEFAULT_CONNECT_TIMEOUT_S = 5.0

BATCH_FILES = ("runs.csv", "summary.json", "report.md", "daily.csv")


# --------------------------------------------------------------------------- seeds


def run_seed(root_seed: int, index: int) -> int:
    """The integer seed of run ``index``: 63 bits of the ``index``-th SeedSequence child.

    >>> import numpy as np
    >>> child = np.random.SeedSequence(7).spawn(3)[2]
    >>> run_seed(7, 2) == int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    True
    """
    child = np.random.SeedSequence(root_seed, spawn_key=(index,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def run_seeds(root_seed: int, n: int) -> Iterator[tuple[int, int]]:
    """``(index, seed)`` for runs 0..n-1, generated lazily."""
    for i in range(n):
        yield i, run_seed(root_seed, i)


# --------------------------------------------------------------------------- one campaign


def summary_row(index: int, seed: int, summary: dict[str, Any]) -> list[str]:
    """One ``runs.csv`` row (cells as text) from an engine summary; missing keys stay empty."""
    start = _date(summary.get("start_date"))
    values: dict[str, Any] = {"run": index, "seed": seed}
    for col in COLUMNS:
        if col in values:
            continue
        if col.endswith("_day") and col[:-4] + "_date" in DATE_KEYS:
            d = _date(summary.get(col[:-4] + "_date"))
            values[col] = (d - start).days if d is not None and start is not None else None
            continue
        if col.startswith("casualties.") and col.endswith(".battle"):
            c = (summary.get("casualties") or {}).get(col.split(".")[1]) or {}
            parts = [c.get(k) for k in ("killed", "wounded", "captured")]
            values[col] = sum(parts) if all(isinstance(x, int) for x in parts) else None
            continue
        node: Any = summary
        for part in col.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        values[col] = node
    return [fmt_cell(values[c]) for c in COLUMNS]


def furthest_cell(furthest: dict[str, tuple[float, str, str]]) -> str:
    """``runs.csv``'s ``columns_furthest``: ``"centre=shanmen north=yangxi"``."""
    return " ".join(f"{col}={place}" for col, (_km, place, _date) in sorted(furthest.items()))


def parse_furthest(cell: str) -> dict[str, str]:
    """The inverse of :func:`furthest_cell`; malformed parts are skipped."""
    out: dict[str, str] = {}
    for part in cell.split():
        col, sep, place = part.partition("=")
        if sep and col and place:
            out[col] = place
    return out


def _date(text: Any) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


Result = tuple[str, int, list[str], "np.ndarray | None", tuple[str, ...]]
"""What a worker sends back: scenario key, run index, row cells, daily series (or None) and
the ids of the units that fought at least one engagement (the summary's ``engaged_units``)."""

Task = tuple[str, int, int] | tuple[str, int, int, Point]
"""What a worker is given: scenario key, run index, seed and, for a sampled run (Sobol), the
scalar parameters set for it (:func:`wargame.scenario.with_params`)."""

Evaluate = Callable[[Scenario, str, int, int, bool, Point], Result]
"""What a runner plays for each task: :func:`simulate` unless told otherwise (a picklable
module-level function: it runs in the workers)."""


def simulate(
    scenario: Scenario, key: str, index: int, seed: int, daily: bool, point: Point = ()
) -> Result:
    """Play one campaign (with the parameters of ``point`` set); return its row, if asked
    its per-day series (days x 4 ints), and the units that fought."""
    from wargame.engine import Campaign

    if point:
        scenario = with_params(scenario, point)
    campaign = Campaign(
        scenario, seed, world=_world(key, scenario), daily_hash=False, details=False
    )
    series: list[tuple[int, int, int, int]] = []
    # ColumnReach comes with this module's imports: a module first imported inside a forked
    # worker made a batch whose worker was killed hang instead of failing (test_safety's
    # test_a_killed_worker_fails_the_batch_instead_of_hanging_it); cause not pinned down
    reach = ColumnReach()
    campaign.callbacks.append(lambda c, rec: reach.update(c.world, c.state, rec["date"]))
    if daily:
        campaign.callbacks.append(lambda c, rec: series.append(_daily_point(rec)))
    summary = campaign.run().to_dict()
    summary["columns_furthest"] = furthest_cell(reach.furthest)
    arr = np.asarray(series, dtype=np.int64) if daily and series else None
    engaged = tuple(str(u) for u in summary.get("engaged_units") or ())
    return key, index, summary_row(index, seed, summary), arr, engaged


_WORLDS: dict[str, World] = {}
"""The world of each scenario key, kept in this process from campaign to campaign (building
it and its routes is a twentieth of a campaign)."""


def _world(key: str, scenario: Scenario) -> World:
    w = _WORLDS.get(key)
    if w is None:
        w = _WORLDS[key] = World.from_scenario(scenario)
    elif w.scenario is not scenario:  # another sampled point: the map's memories carry over
        w = _WORLDS[key] = w.reparametrised(scenario)
    return w


def _daily_point(rec: dict[str, Any]) -> tuple[int, int, int, int]:
    men = rec.get("men") or {}
    cas = rec.get("casualties") or {}

    def total(side: str) -> int:
        c = cas.get(side)
        return int(c.get("total", -1)) if isinstance(c, dict) else -1

    return (
        int(men.get("japanese", -1)),
        int(men.get("chinese", -1)),
        total("japanese"),
        total("chinese"),
    )


# --------------------------------------------------------------------------- worker side

_SCENARIOS: dict[str, Scenario] = {}
_DAILY = False
_EVALUATE: list[Evaluate | None] = [None]


def _init_worker(scenarios: dict[str, Scenario], daily: bool, evaluate: Evaluate | None) -> None:
    """Pool initializer: the scenarios stay in the worker; Ctrl-C is the parent's business."""
    global _DAILY
    restore_defaults_in_worker()
    close_locks_in_child()
    _SCENARIOS.clear()
    _SCENARIOS.update(scenarios)
    _DAILY = daily
    _EVALUATE[:] = [evaluate]


def _play(evaluate: Evaluate | None, scenario: Scenario, task: Task, daily: bool) -> Result:
    """One task: ``evaluate`` (None: :func:`simulate`, looked up when called)."""
    key, index, seed = task[:3]
    point: Point = task[3] if len(task) > 3 else ()  # type: ignore[misc]
    return (evaluate or simulate)(scenario, key, index, seed, daily, point)


def _run_chunk(tasks: list[Task]) -> list[Result]:
    return [_play(_EVALUATE[0], _SCENARIOS[t[0]], t, _DAILY) for t in tasks]


def _dask_chunk(
    scenario: Scenario, tasks: list[Task], daily: bool, evaluate: Evaluate | None = None
) -> list[Result]:
    """A Dask task: several runs of one scenario (scattered once to every worker)."""
    return [_play(evaluate, scenario, t, daily) for t in tasks]


# --------------------------------------------------------------------------- runner


def check_scheduler_address(address: str) -> str:
    """``tcp://HOST:PORT`` (or tls/ws/wss/ucx); one-line UserError otherwise."""
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        port, parts = None, None
    if (
        parts is None
        or parts.scheme not in ("tcp", "tls", "ws", "wss", "ucx")
        or not parts.hostname
        or port is None
        or parts.path not in ("", "/")
    ):
        raise UserError(f"--scheduler {address}: not a scheduler address like tcp://HOST:8786")
    return address


MAX_HANDSHAKE_BYTES = 1 << 20


def probe_scheduler(address: str, timeout_s: float) -> None:
    """For ``tcp://``: connect and read the greeting a Dask scheduler sends first (a length
    prefix, a frame count, frame lengths), all within ``timeout_s``. A server that accepts
    and never speaks, or speaks something else, is a one-line UserError instead of a hang
    or a huge allocation inside the Dask client. Other schemes are left to the client."""
    import socket
    import struct

    parts = urlsplit(address)
    if parts.scheme != "tcp":
        return
    deadline = time.monotonic() + timeout_s
    where = f"--scheduler {address}"

    def recv(sock: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise UserError(f"{where}: the server closed the connection without a greeting")
            data += chunk
        return data

    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout_s) as sock:
            (size,) = struct.unpack("<Q", recv(sock, 8))
            if not 16 <= size <= MAX_HANDSHAKE_BYTES:
                raise ValueError
            body = recv(sock, size)
            (frames,) = struct.unpack_from("<Q", body)
            if not 1 <= frames <= 64 or 8 * (frames + 1) > size:
                raise ValueError
            lengths = struct.unpack_from(f"<{frames}Q", body, 8)
            if sum(lengths) > MAX_HANDSHAKE_BYTES:
                raise ValueError
    except TimeoutError:
        raise UserError(
            f"{where}: no answer within {timeout_s:g} s (is it a Dask scheduler?)"
        ) from None
    except (ValueError, struct.error):
        raise UserError(f"{where}: the server does not speak the Dask protocol") from None
    except OSError as exc:
        raise UserError(
            f"{where}: cannot connect within {timeout_s:g} s ({exc.strerror or exc})"
        ) from None


def chunk_size(n_tasks: int, workers: int) -> int:
    """Runs per worker task: big enough to hide messaging, small enough to balance the load."""
    return max(1, min(25, n_tasks // max(1, workers * 16)))


class Runner:
    """Plays tasks on one of three back ends and yields results in task order.

    ``workers == 1`` plays in this process; ``workers > 1`` in a pool of forked worker
    processes; ``scheduler`` on a Dask distributed cluster. Use as a context manager: entering
    starts the pool or connects to the cluster (failing fast), leaving stops it.
    """

    def __init__(
        self,
        scenarios: dict[str, Scenario],
        *,
        workers: int = 1,
        scheduler: str | None = None,
        daily: bool = False,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        evaluate: Evaluate | None = None,
    ) -> None:
        if not 1 <= workers <= MAX_WORKERS:
            raise UserError(f"--workers {workers}: must be between 1 and {MAX_WORKERS}")
        self.scenarios = scenarios
        self.workers = workers
        self.scheduler = check_scheduler_address(scheduler) if scheduler else None
        self.daily = daily
        self.evaluate = evaluate
        self.connect_timeout_s = connect_timeout_s
        self._pool: Any = None
        self._workers: dict[int, Any] = {}  # every worker process the pool has started
        self._client: Any = None
        self._scattered: dict[str, Any] = {}

    @property
    def description(self) -> str:
        if self.scheduler:
            return f"Dask cluster at {self.scheduler}"
        return "this process" if self.workers == 1 else f"{self.workers} worker processes"

    def __enter__(self) -> Runner:
        if self.scheduler:
            self._connect()
        elif self.workers > 1:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(self.scenarios, self.daily, self.evaluate),
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=False)
            # a broken pool may already have dropped its list of processes: kill every one
            # it started, or a survivor (workers ignore SIGTERM) keeps the exit waiting
            self._workers.update(getattr(pool, "_processes", None) or {})
            procs = list(self._workers.values())
            self._workers = {}
            for proc in procs:  # stop the runs under way at once (workers ignore SIGTERM)
                with contextlib.suppress(Exception):
                    proc.kill()
            for proc in procs:
                with contextlib.suppress(Exception):
                    proc.join(5)
            with contextlib.suppress(Exception):
                pool.shutdown(wait=True)
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close(timeout=2)
            self._client = None

    def _connect(self) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UserError(
                "--scheduler: needs the optional extra 'distributed' "
                "(pip install 'wargame[distributed]')"
            ) from None
        t = self.connect_timeout_s
        assert self.scheduler is not None
        probe_scheduler(self.scheduler, t)
        try:
            client = Client(self.scheduler, timeout=t, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            reason = (
                "timed out"
                if "imed out" in str(exc) or isinstance(exc, TimeoutError)
                else type(exc).__name__
            )
            raise UserError(
                f"--scheduler {self.scheduler}: cannot connect within {t:g} s ({reason})"
            ) from None
        except Exception as exc:  # a server that answers with something else
            raise UserError(
                f"--scheduler {self.scheduler}: the connection failed "
                f"({type(exc).__name__}: {str(exc)[:100]})"
            ) from None
        try:
            deadline = time.monotonic() + t
            while not client.scheduler_info().get("workers"):
                if time.monotonic() > deadline:
                    raise UserError(f"--scheduler {self.scheduler}: the cluster has no workers")
                time.sleep(0.1)
            for key, scen in self.scenarios.items():
                self._scattered[key] = client.scatter(scen, broadcast=True, hash=False)
        except BaseException:
            with contextlib.suppress(Exception):
                client.close(timeout=2)
            raise
        self._client = client

    def map(self, tasks: Iterable[Task], n_tasks: int) -> Iterator[Result]:
        """Results of ``tasks`` in the order given (at most a small window runs ahead)."""
        if self._client is not None:
            yield from self._map_dask(tasks, n_tasks)
        elif self._pool is not None:
            yield from self._map_pool(tasks, n_tasks)
        else:
            for task in tasks:
                yield _play(self.evaluate, self.scenarios[task[0]], task, self.daily)

    def _map_pool(self, tasks: Iterable[Task], n_tasks: int) -> Iterator[Result]:
        """Chunks of tasks on the worker processes, at most a window ahead, in order; a
        worker that dies (killed, out of memory) fails the batch instead of hanging it."""
        from concurrent.futures.process import BrokenProcessPool

        window = 4 * self.workers
        queue: deque[Any] = deque()
        chunks = _chunks(tasks, chunk_size(n_tasks, self.workers))
        # unfinished futures are left to close(), which stops the workers (cancelling them
        # here races the executor's own clean-up in Python 3.11 and prints a traceback)
        while True:
            try:
                for chunk in chunks:
                    queue.append(self._pool.submit(_run_chunk, chunk))
                    self._workers.update(getattr(self._pool, "_processes", None) or {})
                    if len(queue) >= window:
                        break
                if not queue:
                    return
                results = queue.popleft().result()
            except BrokenProcessPool:
                raise RunFailed(
                    "a worker process died (killed, or out of memory); the batch is "
                    "stopped and nothing of it is kept"
                ) from None
            yield from results

    def _map_dask(self, tasks: Iterable[Task], n_tasks: int) -> Iterator[Result]:
        n_workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        window = 4 * n_workers
        queue: deque[Any] = deque()
        chunks = _chunks(tasks, chunk_size(n_tasks, n_workers))
        try:
            while True:
                for chunk in chunks:
                    scen = self._scattered[chunk[0][0]]
                    queue.append(
                        self._client.submit(
                            _dask_chunk, scen, chunk, self.daily, self.evaluate, pure=False
                        )
                    )
                    if len(queue) >= window:
                        break
                if not queue:
                    return
                yield from queue.popleft().result()
        finally:
            if queue:
                with contextlib.suppress(Exception):
                    self._client.cancel(list(queue))


def _chunks(tasks: Iterable[Task], size: int) -> Iterator[list[Task]]:
    """Consecutive tasks of one scenario, at most ``size`` at a time."""
    chunk: list[Task] = []
    for task in tasks:
        if chunk and (task[0] != chunk[0][0] or len(chunk) >= size):
            yield chunk
            chunk = []
        chunk.append(task)
    if chunk:
        yield chunk


# --------------------------------------------------------------------------- output


@dataclass
class OutDir:
    """An output directory checked up front, created only when the work starts, and written
    as one transaction: every file is staged in a temporary beside its name and
    :meth:`commit` renames them all at once (the marker file, such as ``summary.json``,
    last); :meth:`rollback` removes only the temporaries and folders this process made. So
    the folder is always its previous self, a complete result or a result marked partial.
    The folder is locked (``DIR.lock`` beside it) from :meth:`check` until the command ends.
    """

    path: Path
    created: list[Path] = field(default_factory=list)
    staged: dict[str, AtomicFile] = field(default_factory=dict)

    @classmethod
    def check(cls, path: str | Path, *, force: bool) -> OutDir:
        p = Path(path)
        if str(path) in ("", "-"):
            raise UserError(f"--out {str(path)!r}: give a directory name")
        try:
            exists, is_dir = p.exists(), p.is_dir()
        except OSError as exc:
            raise UserError(f"{p}: {exc.strerror or exc}") from None
        if exists and not is_dir:
            raise UserError(f"{p}: exists and is not a directory")
        real = real_path(p)
        if is_dir:
            if any(p.iterdir()) and not force:
                raise UserError(
                    f"{p}: directory exists and holds files; choose another --out "
                    f"or add --force to write into it"
                )
            if not os.access(p, os.W_OK):
                raise UserError(f"{p}: directory is not writable")
        else:
            parent = p.parent
            while not parent.exists():
                parent = parent.parent
            if not parent.is_dir() or not os.access(parent, os.W_OK):
                raise UserError(f"{p}: cannot create the directory ({parent} is not writable)")
        lock_output(real, p)
        return cls(p)

    def create(self) -> None:
        missing = []
        q = self.path
        while not q.exists():
            missing.append(q)
            q = q.parent
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{self.path}: cannot create the directory: {exc.strerror}") from None
        self.created = missing

    def stage(self, name: str, *, text: bool = True) -> AtomicFile:
        """A fresh temporary for ``name``, renamed into place by :meth:`commit`."""
        if name in self.staged:
            self.staged.pop(name).discard()
        f = AtomicFile(self.file(name), text=text)
        self.staged[name] = f
        return f

    def put(self, name: str, data: str | bytes) -> None:
        """Stage a whole file."""
        f = self.stage(name, text=isinstance(data, str))
        f.write(data)
        f.flush()

    def commit(self, *, marker: str | None = None, stale: Sequence[str] = ()) -> list[Path]:
        """Rename every staged file into place, ``marker`` last (removed first, so a folder
        caught half-way has no marker), and remove the ``stale`` files of an earlier result
        that this one does not replace. Interrupts wait until it is done."""
        order = sorted(self.staged, key=lambda n: n == marker)
        written = []
        with deferred():
            for name in [marker, *stale]:
                if name and (name not in self.staged or name == marker):
                    q = self.file(name)
                    if q.is_file() and not q.is_symlink():
                        with contextlib.suppress(FileNotFoundError):
                            q.unlink()
            try:
                for name in order:
                    self.staged[name].commit()
                    del self.staged[name]
                    written.append(self.file(name))
            except BaseException:
                self.rollback()
                raise
        return written

    def rollback(self) -> None:
        """Remove what this run created: its own temporaries, and the folders it made if
        they hold nothing else."""
        for f in self.staged.values():
            f.discard()
        self.staged.clear()
        for q in self.created:
            with contextlib.suppress(OSError):
                q.rmdir()

    def file(self, name: str) -> Path:
        return self.path / name


class CsvStream:
    """Rows written as they come to a fresh temporary beside ``NAME`` (see
    :class:`wargame.outputs.AtomicFile`); renamed to ``NAME`` by :meth:`close`, or by the
    output folder's commit when the stream was opened with ``out``."""

    def __init__(self, path: Path, header: Sequence[str], *, out: OutDir | None = None) -> None:
        self.path = path
        self._file: AtomicFile | None = (
            out.stage(path.name) if out is not None else AtomicFile(path)
        )
        self._owned = out is None
        assert self._file.fh is not None
        self.tmp = self._file.tmp
        self._w = csv.writer(self._file.fh, lineterminator="\n")
        self._guard(lambda: self._w.writerow(header))
        self.rows = 0
        self._last_flush = time.monotonic()

    def _guard(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except OSError as exc:
            self.abort()
            raise cannot_write(self.path, exc) from None

    def write(self, cells: Sequence[str]) -> None:
        assert self._file is not None
        self._guard(lambda: self._w.writerow(cells))
        self.rows += 1
        now = time.monotonic()
        if now - self._last_flush > 1.0:
            self.flush()
            self._last_flush = now

    def flush(self) -> None:
        """Push the rows written so far to the temporary file (to read it back)."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is None:
            return
        f = self._file
        if self._owned:
            self._file = None
            f.commit()
        else:
            f.flush()

    def abort(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            f.discard()


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- daily bands


class DailyBands:
    """Per-day distributions of men and cumulative casualties, in fixed bins (flat in N).

    Mean is exact; quantiles are read from 400-bin histograms spanning 0 to an upper bound
    per series (the side's total strength; 1.5x that for casualties), so they are accurate
    to a fraction of a percent of that bound.
    """

    BINS = 400

    def __init__(self, days: int, upper: Sequence[float]) -> None:
        self.days = days
        self.upper = np.maximum(np.asarray(upper, dtype=float), 1.0)
        self.counts = np.zeros((days, len(upper), self.BINS), dtype=np.int64)
        self.sums = np.zeros((days, len(upper)), dtype=np.float64)
        self.n = np.zeros((days, len(upper)), dtype=np.int64)

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> DailyBands:
        men = {
            s: float(
                sum(
                    u.strength_men or 0
                    for u in scenario.units
                    if str(u.side) == s and u.echelon.is_manoeuvre
                )
            )
            for s in SIDES
        }
        upper = [men[s] for s in SIDES] + [1.5 * men[s] for s in SIDES]
        return cls(scenario.days, upper)

    def add(self, series: np.ndarray | None) -> None:
        """One run's (days played x 4) series; padded with its last day to the campaign end."""
        if series is None or series.ndim != 2 or series.shape[0] == 0:
            return
        arr = series[: self.days].astype(float)
        if arr.shape[0] < self.days:
            arr = np.vstack([arr, np.repeat(arr[-1:], self.days - arr.shape[0], axis=0)])
        ok = arr >= 0
        bins = np.clip((arr / self.upper * self.BINS).astype(np.int64), 0, self.BINS - 1)
        d_idx, s_idx = np.nonzero(ok)
        np.add.at(self.counts, (d_idx, s_idx, bins[ok]), 1)
        self.sums += np.where(ok, arr, 0.0)
        self.n += ok

    def quantile(self, day: int, series: int, q: float) -> float | None:
        c = self.counts[day, series]
        total = int(c.sum())
        if total == 0:
            return None
        cum = np.cumsum(c)
        target = q * total
        b = int(np.searchsorted(cum, target, side="left"))
        b = min(b, self.BINS - 1)
        before = cum[b - 1] if b > 0 else 0
        frac = (target - before) / c[b] if c[b] else 0.0
        width = self.upper[series] / self.BINS
        return float(b * width + frac * width)

    def rows(self, start: dt.date) -> list[list[str]]:
        out = []
        for day in range(self.days):
            for j, name in enumerate(DAILY_SERIES):
                if self.n[day, j] == 0:
                    continue
                mean = self.sums[day, j] / self.n[day, j]
                qs = [self.quantile(day, j, q) for q in (0.05, 0.5, 0.95)]
                out.append(
                    [
                        str(day),
                        (start + dt.timedelta(days=day)).isoformat(),
                        name,
                        str(round(mean)),
                        *(str(round(q)) if q is not None else "" for q in qs),
                    ]
                )
        return out


DAILY_HEADER = ("day", "date", "series", "mean", "q05", "median", "q95")


# --------------------------------------------------------------------------- progress


def fmt_duration(seconds: float) -> str:
    """A time for people: '40 s', '3 min', '1.5 h'."""
    if not math.isfinite(seconds):
        return "?"
    if seconds < 90:
        return f"{max(0.0, seconds):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class ProgressReport:
    """Progress and the time to go on stderr, for ``batch``, ``whatif`` and ``sensitivity``.

    At a terminal: a rich progress bar with runs done of all, rate, time elapsed and time
    left. Otherwise (a pipe, a file, CI): a plain line every 10 % of the runs, such as
    ``sensitivity: 40/200 runs, 1 min elapsed, about 3 min to go``. Nothing with ``quiet``.
    It only ever writes to ``stream``, so standard output and the files written are the same
    with or without it.
    """

    STEPS = 10
    """Plain lines: one each time another 1/STEPS of the runs is done (10 %)."""

    def __init__(
        self, total: int, label: str, *, quiet: bool = False, stream: IO[str] | None = None
    ) -> None:
        self.total = total
        self.label = label
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.done = 0
        self.t0 = time.perf_counter()
        self._next_step = 1
        self._bar: Any = None
        self._task: Any = None

    def _at_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except (OSError, ValueError):
            return False

    def __enter__(self) -> ProgressReport:
        self.t0 = time.perf_counter()
        if self.quiet or self.total <= 0:
            return self
        if self._at_terminal():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("runs {task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, rate="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.t0

    def advance(self, k: int = 1) -> None:
        self.done += k
        if self.quiet:
            return
        if self._bar is not None:
            rate = self.done / max(self.elapsed_s, 1e-9)
            self._bar.update(self._task, completed=self.done, rate=f"{rate:,.1f}/s")
            return
        if self.done < self.total and self.done * self.STEPS < self._next_step * self.total:
            return
        while self._next_step * self.total <= self.done * self.STEPS:
            self._next_step += 1
        print(self.line(), file=self.stream, flush=True)

    def line(self) -> str:
        """The plain progress line for the runs done so far."""
        el = self.elapsed_s
        head = f"{self.label}: {self.done}/{self.total} runs"
        if self.done >= self.total:
            return f"{head}, done in {fmt_duration(el)}"
        left = el / self.done * (self.total - self.done) if self.done else math.nan
        return f"{head}, {fmt_duration(el)} elapsed, about {fmt_duration(left)} to go"


# --------------------------------------------------------------------------- batch


@dataclass
class BatchSpec:
    """Everything that defines a batch (recorded in summary.json)."""

    scenario_path: str
    scenario: Scenario
    scenario_sha256: str
    overrides: list[str]
    n: int
    root_seed: int


@dataclass
class BatchOutcome:
    runs_done: int
    partial: bool
    elapsed_s: float
    summary: dict[str, Any]


def run_batch(
    spec: BatchSpec,
    out: OutDir,
    runner: Runner,
    *,
    quiet: bool = False,
    on_written: Callable[[int], None] | None = None,
) -> BatchOutcome:
    """Play the batch through ``runner`` (already entered), stream runs.csv, then write
    summary.json, daily.csv and report.md. Ctrl-C keeps the finished prefix of runs and marks
    the summary partial (the KeyboardInterrupt is re-raised after writing)."""
    out.create()
    bands = DailyBands.for_scenario(spec.scenario) if runner.daily else None
    tasks = (("base", i, seed) for i, seed in run_seeds(spec.root_seed, spec.n))
    interrupted = False
    progress = ProgressReport(spec.n, "batch", quiet=quiet)
    try:
        stream = CsvStream(out.file("runs.csv"), COLUMNS, out=out)
        with progress:
            try:
                for _key, _index, cells, daily, _engaged in runner.map(tasks, spec.n):
                    stream.write(cells)
                    if bands is not None:
                        bands.add(daily)
                    progress.advance()
                    if on_written is not None:
                        on_written(stream.rows)
            except KeyboardInterrupt:
                interrupted = True
                runner.close()
        stream.close()
        summary = write_batch_outputs(
            spec, out, bands, partial=interrupted, runs_done=stream.rows, runs_csv=stream.tmp
        )
        out.commit(marker="summary.json", stale=BATCH_FILES)
    except BaseException:
        out.rollback()
        raise
    result = BatchOutcome(stream.rows, interrupted, progress.elapsed_s, summary)
    if interrupted:
        raise BatchInterrupted(result)
    return result


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a batch, after the finished runs were written."""

    def __init__(self, outcome: BatchOutcome) -> None:
        super().__init__()
        self.outcome = outcome


def batch_meta(spec: BatchSpec, *, partial: bool, runs_done: int) -> dict[str, Any]:
    return {
        "program": f"wargame {__version__}",
        "scenario": spec.scenario.meta.name,
        "scenario_path": spec.scenario_path,
        "scenario_sha256": spec.scenario_sha256,
        "overrides": list(spec.overrides),
        "start_date": spec.scenario.meta.start_date.isoformat(),
        "end_date": spec.scenario.meta.end_date.isoformat(),
        "root_seed": spec.root_seed,
        "seeds": "run i plays seed int(SeedSequence(root_seed).spawn(runs)[i]"
        ".generate_state(1, uint64)[0] >> 1)",
        "runs_requested": spec.n,
        "runs_done": runs_done,
        "partial": partial,
    }


def write_batch_outputs(
    spec: BatchSpec,
    out: OutDir,
    bands: DailyBands | None,
    *,
    partial: bool,
    runs_done: int,
    runs_csv: Path | None = None,
) -> dict[str, Any]:
    """Stage summary.json, daily.csv and report.md (renamed into place by
    :meth:`OutDir.commit`) from the runs.csv just written (``runs_csv``: its temporary)."""
    from .history import load_record_or_none
    from .stats import read_runs, summarise

    table = read_runs(runs_csv or out.file("runs.csv"))
    summary = {
        **batch_meta(spec, partial=partial, runs_done=runs_done),
        **summarise(table, outcomes=OUTCOMES),
    }
    out.put("summary.json", dump_json(summary))
    if bands is not None and runs_done:
        lines = [",".join(DAILY_HEADER)] + [
            ",".join(r) for r in bands.rows(spec.scenario.meta.start_date)
        ]
        out.put("daily.csv", "\n".join(lines) + "\n")
    record = load_record_or_none()
    out.put("report.md", batch_report(summary, table, record))
    return summary


REPORT_METRICS = (
    ("closest_approach_km", "closest approach to the objective, road km"),
    ("closest_approach_day", "day of the closest approach"),
    ("offensive_culminated_day", "day the Japanese offensive culminated"),
    ("counteroffensive_day", "day the Chinese counteroffensive began"),
    ("zhijiang_captured_day", "day the objective fell"),
    ("casualties.japanese.total", "Japanese casualties"),
    ("casualties.japanese.battle", "Japanese killed, wounded and captured"),
    ("casualties.japanese.killed", "Japanese killed"),
    ("casualties.japanese.disease", "Japanese sick"),
    ("casualties.chinese.total", "Chinese casualties"),
    ("casualties.chinese.battle", "Chinese killed, wounded and captured"),
    ("casualties.chinese.killed", "Chinese killed"),
    ("sorties.chinese", "Chinese and US sorties"),
    ("sorties.japanese", "Japanese sorties"),
    ("days", "days played"),
)
"""The metrics ``report.md`` and the console summary show, with their labels."""


def metric_rows(summary: dict[str, Any]) -> list[tuple[str, ...]]:
    """(label, mean, median, 5 %, 95 %) for the report's metrics present in ``summary``."""
    rows = []
    metrics = summary.get("metrics", {})
    for key, label in REPORT_METRICS:
        m = metrics.get(key)
        if not m or not m.get("n"):
            continue
        note = "" if m["n"] == summary.get("runs") else f" (in {m['n']} runs)"
        rows.append((label + note, *(_fmt_stat(m[k]) for k in ("mean", "median", "q05", "q95"))))
    return rows


def outcome_rows(summary: dict[str, Any]) -> list[tuple[str, ...]]:
    """(outcome, share, 95 % Wilson interval) for every outcome in ``summary``."""
    rows: list[tuple[str, ...]] = []
    for name, p in summary.get("outcomes", {}).items():
        if p["p"] is None:
            continue
        lo, hi = p["ci95"]
        rows.append(
            (
                name.replace("_", " "),
                f"{p['p']:.1%} ({p['count']}/{p['n']})",
                f"{lo:.1%} – {hi:.1%}",
            )
        )
    return rows


def _fmt_stat(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def batch_report(summary: dict[str, Any], table: Any, record: list[Any] | None) -> str:
    """``report.md``: what was run, the outcomes with 95 % intervals, the key metrics and
    the historical record beside the simulated distribution."""
    from .history import compare, markdown_table, tally

    s = summary
    lines = [f"# Monte Carlo batch: {s['scenario']}", ""]
    if s.get("partial"):
        lines += [
            f"**Partial batch: interrupted after {s['runs_done']} of "
            f"{s['runs_requested']} runs.** The figures below describe the finished runs.",
            "",
        ]
    overrides = ", ".join(f"`{o}`" for o in s.get("overrides", [])) or "none"
    lines += [
        f"- scenario: `{s['scenario_path']}` (SHA-256 `{s['scenario_sha256'][:16]}…`), "
        f"{s['start_date']} to {s['end_date']}",
        f"- overrides: {overrides}",
        f"- runs: {s['runs_done']} (root seed {s['root_seed']}; run *i* plays the seed in "
        f"`runs.csv`, replay one with `wargame run SCENARIO --seed SEED`)",
        f"- program: {s['program']}",
        "",
        "## Outcomes",
        "",
        "| outcome | share of runs | 95 % interval (Wilson) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in outcome_rows(s)]
    lines += [
        "",
        "## Key figures",
        "",
        "| metric | mean | median | 5 % | 95 % |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in metric_rows(s)]
    events = s.get("events", {})
    if events:
        lines += ["", "| yes/no | share of runs | 95 % interval (Wilson) |", "|---|---:|---:|"]
        for name, p in events.items():
            if p["p"] is not None:
                lines.append(
                    f"| {name.replace('_', ' ')} | {p['p']:.1%} | "
                    f"{p['ci95'][0]:.1%} – {p['ci95'][1]:.1%} |"
                )
    lines += ["", "## Beside the historical record", ""]
    if record is None:
        lines.append("The historical record could not be read.")
    elif not table.n:
        lines.append("No finished runs to compare.")
    else:
        start = dt.date.fromisoformat(s["start_date"])
        rows = compare(record, table, start)
        lines += [
            "An honest table, not a target: nothing in the model is tuned to it. "
            "*inside* means the historical figure lies within the simulated 5–95 % "
            "interval (for yes/no figures: at least 5 % of runs agree).",
            "",
            markdown_table(rows).rstrip("\n"),
            "",
            tally(rows) + ".",
        ]
    return "\n".join(lines) + "\n"
