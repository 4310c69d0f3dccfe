"""Shared test settings: Hypothesis profiles.

The default profile ``fast`` keeps the whole suite quick (CI); ``HYPOTHESIS_PROFILE=long``
plays many more fuzzed campaigns (about a minute for the fuzzing tests):

    HYPOTHESIS_PROFILE=long pytest tests/test_hardening.py -k fuzz

Tests that set ``max_examples`` themselves keep their own number; the fuzzing tests of
``test_hardening.py`` scale theirs from the profile's (tutorial 4x, West Hunan 1/2x: 40 and 5
campaigns by default, 1,600 and 200 with ``long``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fast",
    max_examples=10,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=400,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
