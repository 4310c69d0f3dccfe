"""West Hunan 1945: a turn-based operational wargame of the Zhijiang Campaign.

Data flows one way: scenario file -> validated :class:`~wargame.scenario.Scenario` ->
terrain graph and order of battle -> initial :class:`~wargame.state.CampaignState` ->
:class:`~wargame.engine.Campaign` (simpy clock) -> turn log and summary -> reports and analysis.
"""

__version__ = "0.1.0"


def _compiled() -> bool:
    """True when ``wargame.engine`` would load as a compiled extension (the optional mypyc
    build, ``WARGAME_COMPILE=1 pip install .``), found by its file's suffix without
    importing it (``--version`` starts quickly)."""
    from importlib.machinery import EXTENSION_SUFFIXES
    from importlib.util import find_spec

    spec = find_spec("wargame.engine")
    origin = spec.origin if spec is not None else None
    return origin is not None and origin.endswith(tuple(EXTENSION_SUFFIXES))


COMPILED = _compiled()
"""True when the engine's hot modules run compiled with mypyc, False in pure Python."""
BUILD = "compiled with mypyc" if COMPILED else "pure Python"
"""How this copy of the engine runs, for ``wargame --version`` and the benchmarks."""
