"""Draws from a run's generator: wargame.draws gives numpy's numbers and keeps its stream.

The compiled build's kernel (wargame/_draws.c) is used only when it agrees with numpy's
methods at import; tests/test_compiled.py checks it is in use there and matches numpy over
many draws. Here: the check refuses a kernel that differs in a number or in the generator's
state, and the module's draws are numpy's.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wargame import draws


def test_numpys_own_methods_agree_with_themselves() -> None:
    assert draws.agrees(draws.numpy_binomial, draws.numpy_multinomial3)


def test_a_kernel_off_by_one_man_is_refused() -> None:
    def off(rng: np.random.Generator, n: int, p: float) -> int:
        k = draws.numpy_binomial(rng, n, p)
        return k + 1 if n == 5_000 else k

    assert not draws.agrees(off, draws.numpy_multinomial3)


def test_a_kernel_that_draws_more_than_numpy_is_refused() -> None:
    def greedy(rng: np.random.Generator, n: int, p0: float, p1: float, p2: float):
        rng.random()  # the same numbers, but the stream moves on: every later draw differs
        return draws.numpy_multinomial3(rng, n, p0, p1, p2)

    assert not draws.agrees(draws.numpy_binomial, greedy)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 50_000),
    p=st.floats(0.0, 1.0),
    shares=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
)
def test_draws_are_numpys_and_keep_its_stream(
    seed: int, n: int, p: float, shares: tuple[float, float]
) -> None:
    killed = shares[0]
    wounded = (1.0 - killed) * shares[1]
    captured = max(0.0, 1.0 - killed - wounded)
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    assert draws.binomial(ours, n, p) == int(theirs.binomial(n, p))
    split = draws.multinomial3(ours, n, killed, wounded, captured)
    assert split == tuple(int(k) for k in theirs.multinomial(n, [killed, wounded, captured]))
    assert sum(split) == n
    assert ours.random() == theirs.random()
