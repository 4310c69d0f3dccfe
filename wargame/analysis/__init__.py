"""Monte Carlo analysis: batches, statistics, the historical record, what-ifs and charts.

Analysis reads campaign results; it never reaches into the engine's state. Modules:
:mod:`~wargame.analysis.batch` (runs on derived seeds, local or Dask), :mod:`~.stats`,
:mod:`~.history`, :mod:`~.experiments` (paired what-if and sensitivity runs), :mod:`~.plots`
and :mod:`~.cli` (the ``batch``, ``compare``, ``whatif``, ``sensitivity`` and ``plot``
commands).
"""
