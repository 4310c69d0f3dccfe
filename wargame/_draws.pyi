"""Types of the compiled build's draws (wargame/_draws.c; see wargame/draws.py)."""

import numpy as np

def binomial(rng: np.random.Generator, n: int, p: float, /) -> int: ...
def multinomial3(
    rng: np.random.Generator, n: int, p0: float, p1: float, p2: float, /
) -> tuple[int, int, int]: ...
