"""The parameter draws of the band Explore draws around a scenario.

探索页 5–95% 区间的参数抽样:每个预设只抽样一次(滑块只移动政策杠杆,不改变抽样)。

The draws are the preset's, drawn once (sliders move levers, not the draws);
:func:`simulator.runner.run_with_band` runs the scenario and them in one
batch and reduces the draws' runs to the band.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.ensemble import draw_parameters
from simulator.errors import ScenarioError
from simulator.scenario import Scenario

#: Members of the band Explore draws around the scenario, and their seed (fixed: the same
#: slider position shows the same band).
MEMBERS, SEED = 200, 20260101


@dataclass(frozen=True)
class Draws:
    """An ensemble's parameter draws, or why there are none.

    Attributes
    ----------
    draws : tuple of dict
        Parameter overrides per member; empty when nothing is uncertain.
    source : str
        Where they came from (:func:`simulator.ensemble.draw_parameters`).
    problem : str
        Why there are no draws ("" when there are).
    """

    draws: tuple[dict[str, float], ...]
    source: str = ""
    problem: str = ""


def scenario_draws(scenario: Scenario, n: int = MEMBERS, seed: int = SEED) -> Draws:
    """Draw a scenario's uncertain parameters; no draws (and why) when it has none.

    The draws depend on the scenario's region, profile and uncertainty section,
    never on its levers: the app draws once per preset and reuses them for
    every slider position.
    """
    try:
        draws, source, _notes = draw_parameters(scenario, n, seed)
    except ScenarioError as error:
        return Draws((), problem=str(error.args[0]) if error.args else str(error))
    return Draws(tuple(draws), source)

