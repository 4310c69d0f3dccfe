"""Run seeds: the one number a campaign's randomness comes from.

A seed is a whole number from 0 to 2**63 - 1; ``numpy.random.default_rng(seed)`` makes the
run's generator and Monte Carlo batches derive child seeds from it with ``SeedSequence``.
"""

from __future__ import annotations

import argparse

MAX_SEED = 2**63 - 1


def seed_arg(text: str) -> int:
    """``--seed``: a whole number from 0 to 2**63 - 1 (argparse type; one-line errors)."""
    shown = text if len(text) <= 40 else text[:39] + "…"
    try:
        s = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown!r} is not a whole number") from None
    if s < 0:
        raise argparse.ArgumentTypeError(f"{shown}: must be 0 or more")
    if s > MAX_SEED:
        raise argparse.ArgumentTypeError(f"{shown}: must be at most 2**63 - 1 ({MAX_SEED})")
    return s


def valid_seed(seed: object) -> bool:
    """True for a whole number (not a bool) in 0..2**63 - 1."""
    return isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed <= MAX_SEED


def fresh_seed() -> int:
    """A new seed from OS entropy (printed and recorded so the run can be repeated)."""
    import numpy as np

    return int(np.random.SeedSequence().generate_state(1)[0])
