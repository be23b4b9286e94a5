"""Goal seeking: the cheapest policy mix that reaches a plan's targets with a stated probability.

目标反推:以给定概率达成规划目标的最低成本政策组合。

Layers (each usable on its own):

- :mod:`~simulator.goal_seek.problem`: decision variables, fiscal cost, chance constraints;
- :mod:`~simulator.goal_seek.evaluate`: a population on the calibrated ensemble, one engine call;
- :mod:`~simulator.goal_seek.search`: differential evolution and a random-search baseline;
- :mod:`~simulator.goal_seek.report`: the answer, its re-check, the trade-off, files.

:func:`~simulator.goal_seek.report.optimise` runs the whole chain (the CLI's
``optimise`` command and the app's 目标反推 page call it).
"""

from importlib import import_module

#: Seed of the ensemble draws and of the search when none is given: the one
#: default of the CLI, :func:`~simulator.goal_seek.report.optimise` and the app page.
DEFAULT_SEED = 20261203

_EXPORTS = {"GoalProblem": "problem", "build_problem": "problem", "load_costs": "problem",
            "Progress": "search", "goal_seek": "search", "random_search": "search"}

__all__ = ["DEFAULT_SEED", *_EXPORTS]


def __getattr__(name: str):
    """Import the layers on first use (the CLI reads DEFAULT_SEED without scipy)."""
    if name in _EXPORTS:
        return getattr(import_module(f"simulator.goal_seek.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'simulator.goal_seek' has no attribute {name!r}")
