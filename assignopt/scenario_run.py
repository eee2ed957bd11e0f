"""Run a validated scenario end to end (kept so that ``assignopt.scenario_run`` still imports).

The scenario runner lives in :mod:`assignopt.workflows.scenario`; its report's content is built
by :mod:`assignopt.report.sections`.
"""

from assignopt.workflows.scenario import run_scenario

__all__ = ["run_scenario"]
