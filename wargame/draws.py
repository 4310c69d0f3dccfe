"""Binomial and multinomial draws from a run's generator: numpy's algorithms and stream.

``binomial(rng, n, p)`` is ``int(rng.binomial(n, p))`` and ``multinomial3(rng, n, p0, p1, p2)``
is ``rng.multinomial(n, [p0, p1, p2])`` as three ints. The compiled build (``WARGAME_COMPILE=1``)
also builds ``wargame._draws``, which calls numpy's own C functions (``random_binomial``,
``random_multinomial``: numpy's C API for extensions) on the generator's bit generator without
``Generator``'s per-call overhead (argument arrays and a lock: about 4,000 instructions a draw
against 400 for the draw itself, and the campaign makes some 6,000 a run; issue 17). It is used
only if, at import, it gives the same numbers as numpy's methods and leaves the generator in the
same state; otherwise (not built, or a numpy whose algorithm changed since the build) these
are numpy's methods. ``KERNEL`` says which. The kernel takes no lock: one generator per run,
drawn from one thread, as the engine does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Binomial = Callable[[np.random.Generator, int, float], int]
Multinomial3 = Callable[[np.random.Generator, int, float, float, float], tuple[int, int, int]]


def numpy_binomial(rng: np.random.Generator, n: int, p: float) -> int:
    """``int(rng.binomial(n, p))``: n men (or aircraft) each lost (or flying) with chance p."""
    return int(rng.binomial(n, p))


def numpy_multinomial3(
    rng: np.random.Generator, n: int, p0: float, p1: float, p2: float
) -> tuple[int, int, int]:
    """``rng.multinomial(n, [p0, p1, p2])`` as three ints (shares summing to 1)."""
    k0, k1, k2 = rng.multinomial(n, [p0, p1, p2])
    return int(k0), int(k1), int(k2)


# (n, p) pairs that take each of numpy's paths: nothing to draw, inversion (n p <= 30) and
# BTPE, with p on both sides of 0.5, and the campaign's own sizes (men, aircraft)
_BINOMIAL_CHECKS: tuple[tuple[int, float], ...] = (
    (0, 0.3), (10, 0.0), (25, 1.0), (1, 0.5), (12, 0.2), (40, 0.5), (150, 0.1), (150, 0.9),
    (400, 0.05), (5_000, 0.004), (12_000, 0.003), (12_000, 0.01), (3_000, 0.7), (2**20, 0.25),
    (30, 0.999), (7, 0.93), (60, 0.6), (200, 0.15), (200, 0.15), (9, 0.8),
)  # fmt: skip
_MULTINOMIAL_CHECKS: tuple[tuple[int, float, float, float], ...] = (
    (0, 0.2, 0.7, 0.1), (1, 0.2, 0.7, 0.1), (40, 0.25, 0.7, 0.05), (900, 0.22, 0.58, 0.2),
    (9_000, 0.3, 0.7, 0.0), (250, 0.0, 1.0, 0.0), (77, 0.1, 0.1, 0.8),
)  # fmt: skip


def agrees(kernel_binomial: Binomial, kernel_multinomial3: Multinomial3, seed: int = 1945) -> bool:
    """True when the kernel's draws equal numpy's on two generators from one seed, and leave
    both in the same state (so every later draw of a run agrees too)."""
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    for _ in range(3):
        for n, p in _BINOMIAL_CHECKS:
            if kernel_binomial(a, n, p) != numpy_binomial(b, n, p):
                return False
        for n, p0, p1, p2 in _MULTINOMIAL_CHECKS:
            if kernel_multinomial3(a, n, p0, p1, p2) != numpy_multinomial3(b, n, p0, p1, p2):
                return False
        if a.random() != b.random():  # other draws between ours, as in a campaign
            return False
    return bool(a.bit_generator.state == b.bit_generator.state)


binomial: Binomial = numpy_binomial
multinomial3: Multinomial3 = numpy_multinomial3
KERNEL = False
"""True when the compiled draws are in use."""

try:
    from wargame import _draws
except ImportError:  # the pure-Python install
    pass
else:
    if agrees(_draws.binomial, _draws.multinomial3):
        binomial, multinomial3, KERNEL = _draws.binomial, _draws.multinomial3, True
