"""Interrupts: SIGINT, SIGTERM and SIGHUP all stop a command the same way.

:func:`install` makes each of them raise ``KeyboardInterrupt`` in the main thread, so every
command's Ctrl-C path (keep what is finished, mark it incomplete, exit 130) serves all
three. Inside :func:`deferred` (the renames that commit files, a log line and its
bookkeeping) the interrupt waits until the block ends, so it never lands half-way through a
commit.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = tuple(
    s
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)

_depth = 0
_pending: int | None = None
received: int | None = None
"""The last signal received (for messages), or None."""


def _handler(signum: int, frame: FrameType | None) -> None:
    global _pending, received
    received = signum
    if _depth > 0:
        _pending = signum
        return
    raise KeyboardInterrupt


def install() -> dict[int, Any]:
    """Route SIGINT, SIGTERM and SIGHUP to ``KeyboardInterrupt`` (main thread only); the
    handlers they had, for :func:`restore`."""
    previous: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for s in SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            old = signal.getsignal(s)
            if s != signal.SIGINT and old == signal.SIG_IGN:
                continue  # nohup: the user asked for SIGHUP to be ignored
            signal.signal(s, _handler)
            previous[s] = old
    return previous


def restore(previous: dict[int, Any]) -> None:
    """Put back the handlers :func:`install` replaced."""
    for s, old in previous.items():
        with contextlib.suppress(OSError, ValueError, TypeError):
            signal.signal(s, old)


def ignore() -> None:
    """Ignore SIGINT, SIGTERM and SIGHUP from now on (a program about to exit)."""
    for s in SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            signal.signal(s, signal.SIG_IGN)


def restore_defaults_in_worker() -> None:
    """In a worker process: SIGINT, SIGTERM and SIGHUP are the parent's business (a Ctrl-C
    or a kill of the process group must not race the parent's orderly stop); the parent
    stops its workers with SIGKILL, and on Linux a worker dies with its parent."""
    for s in SIGNALS:
        with contextlib.suppress(OSError, ValueError):
            signal.signal(s, signal.SIG_IGN)
    _die_with_parent()


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError, TypeError):  # not Linux: the parent's kill must do
        pass


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold interrupts until the block ends, then raise the one that came."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _pending is not None:
            _pending = None
            raise KeyboardInterrupt
