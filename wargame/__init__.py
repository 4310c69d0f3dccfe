"""West Hunan 1945: a turn-based operational wargame of the Zhijiang Campaign.

Data flows one way: scenario file -> validated :class:`~wargame.scenario.Scenario` ->
terrain graph and order of battle -> initial :class:`~wargame.state.CampaignState` ->
:class:`~wargame.engine.Campaign` (simpy clock) -> turn log and summary -> reports and analysis.
"""

__version__ = "0.1.0"
