"""Feedback structure of a model: link polarities measured on regional runs.

反馈结构:在各地区基准情景的运行上测得每条因果链的极性,供结构图与回路表使用。

:mod:`simulator.engine.polarity` measures a link's sign on runs of the model;
this module chooses the runs: the model's own values and, for the core model,
each region's baseline (its profile's values, its parameters and each lever at
its end-year value, over the scenario's own horizon), so that a link active in
only some regions still gets its sign.
"""

from __future__ import annotations

from simulator import catalogue, paths
from simulator.engine.model import LoadedModel, load_model
from simulator.engine.polarity import link_polarities


def polarity_cases(model: LoadedModel | None = None, regions: bool = True) -> list[tuple]:
    """Return the runs link polarities are measured on: model values and each regional baseline.

    ``regions=False`` keeps the model's own values only (a model other than
    the core one, which the regional scenarios do not fit).
    """
    from simulator.runner import profile_values
    from simulator.scenario import load_scenario

    model = model or load_model()
    cases: list[tuple] = [({}, {})]
    for region in catalogue.REGIONS if regions else ():
        scenario = load_scenario(paths.find_scenario(f"{region}-baseline"), model)
        params = {**profile_values(scenario), **scenario.parameters}
        params.update({name: float(path.values_on([scenario.end_year])[0])
                       for name, path in scenario.levers.items()})
        controls = {"initial_time": scenario.start_year, "final_time": scenario.end_year,
                    "time_step": scenario.time_step}
        cases.append((params, controls))
    return cases


def link_polarity(graph: dict[str, set[str]], model: LoadedModel | None = None,
                  regions: bool = True) -> dict:
    """Each link's polarity ("+", "−", "±", "0"), measured on :func:`polarity_cases`.

    ``graph`` maps an effect's Python name to its causes; see
    :mod:`simulator.engine.polarity` for the method.
    """
    model = model or load_model()
    return link_polarities(model, graph, polarity_cases(model, regions))
