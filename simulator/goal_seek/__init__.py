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

from simulator.goal_seek.problem import GoalProblem, build_problem, load_costs
from simulator.goal_seek.search import Progress, goal_seek, random_search

__all__ = ["GoalProblem", "Progress", "build_problem", "goal_seek", "load_costs", "random_search"]
