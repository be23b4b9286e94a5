"""Fiscal cost of a scenario's levers against the baseline (the app's readout and the brief).

财政成本:当前杠杆相对基线的累计贴现财政成本(按设定单位成本估算)。

The model has no fiscal-cost indicator for most levers yet, so the cost is
priced by the same rule goal seeking uses
(:func:`simulator.goal_seek.problem.lever_cost`): per lever and year, the
lever's value times its stated unit cost (``simulator/data/lever_costs.yaml``,
mostly assumptions), or the model's own cost indicator for the two levers
that have one; summed over the years ``first_year`` to ``last_year`` and
discounted to ``first_year``. The readout is the scenario's cost minus the
baseline's: what the changed levers add.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.goal_seek.problem import CostBook, discount_factors, lever_cost, load_costs
from simulator.scenario import Scenario


@dataclass(frozen=True)
class FiscalCost:
    """Cumulative discounted fiscal cost of a scenario against its baseline.

    Attributes
    ----------
    total : float
        Scenario minus baseline, summed over the levers [亿元].
    by_lever : dict of str to float
        The same per lever, only levers whose cost differs [亿元].
    first_year, last_year : int
        Years counted, both included; discounted to ``first_year`` [year].
    discount_rate : float
        [1/Year].
    assumed : tuple of str
        Levers in ``by_lever`` priced by an assumed unit cost (not sourced).
    source : str
        File name of the unit costs.
    """

    total: float
    by_lever: dict[str, float]
    first_year: int
    last_year: int
    discount_rate: float
    assumed: tuple[str, ...]
    source: str


def _lever_values(scenario: Scenario, name: str, default: float, years: np.ndarray) -> np.ndarray:
    path = scenario.levers.get(name)
    if path is None:
        return np.full(len(years), float(default))
    return np.asarray(path.values_on(years.astype(float)), dtype=float)


def scenario_cost(
    scenario: Scenario,
    frame: pd.DataFrame,
    first_year: int,
    last_year: int,
    costs: CostBook,
    model=None,
) -> dict[str, float]:
    """Cumulative discounted cost of each costed lever of one scenario run [亿元].

    ``frame`` is the scenario's results (index year); it supplies the model's
    cost indicators (a single run: one member).
    """
    years = np.arange(first_year, last_year + 1)
    discount = discount_factors(costs.discount_rate, years, first_year)
    entries = catalogue.levers(model)
    out = {}
    for name, price in costs.levers.items():
        if name not in entries:
            continue
        runs = None
        if price.indicator is not None:
            runs = frame.loc[years, price.indicator].to_numpy(dtype=float)[None, :]
        values = _lever_values(scenario, name, entries[name].default, years)
        out[name] = float(lever_cost(price, values, discount, runs))
    return out


def fiscal_cost(
    scenario: Scenario,
    frame: pd.DataFrame,
    baseline: Scenario,
    baseline_frame: pd.DataFrame,
    first_year: int,
    last_year: int,
    costs: CostBook | None = None,
    model=None,
) -> FiscalCost:
    """Return the scenario's cumulative discounted fiscal cost against the baseline.

    Parameters
    ----------
    scenario, baseline : Scenario
    frame, baseline_frame : pandas.DataFrame
        Their results (index year, covering ``first_year`` to ``last_year``).
    first_year, last_year : int
        E.g. the policy year and the plan's target year [year].
    costs : CostBook, optional
        Default :func:`~simulator.goal_seek.problem.load_costs`.

    Raises
    ------
    ValueError
        If ``last_year`` is before ``first_year`` or outside the runs.
    """
    if last_year < first_year:
        raise ValueError(f"cost years {first_year}-{last_year}: the last is before the first")
    for name, run in (("scenario", frame), ("baseline", baseline_frame)):
        if first_year not in run.index or last_year not in run.index:
            raise ValueError(f"cost years {first_year}-{last_year} are outside the {name}'s run"
                             f" ({run.index[0]}-{run.index[-1]})")
    costs = costs or load_costs()
    mine = scenario_cost(scenario, frame, first_year, last_year, costs, model)
    base = scenario_cost(baseline, baseline_frame, first_year, last_year, costs, model)
    by_lever = {n: mine[n] - base[n] for n in mine if abs(mine[n] - base[n]) > 1e-12}
    assumed = tuple(n for n in by_lever if "ASSUMPTION" in costs.levers[n].status.upper())
    return FiscalCost(total=float(sum(by_lever.values())), by_lever=by_lever,
                      first_year=int(first_year), last_year=int(last_year),
                      discount_rate=costs.discount_rate, assumed=assumed,
                      source=Path(costs.source).name)
