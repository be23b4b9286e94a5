"""Logic of the app's 目标反推 / Goal seeking page, without Streamlit.

The page collects a :class:`Request` from its widgets and calls :func:`run`;
everything the page then shows (the mix, its cost, each target's
probabilities, the statement, the trade-off chart, the downloads, the
scenario sent to Explore) comes from the functions here.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from simulator import catalogue
from simulator.app_logic.scenarios import entry_label
from simulator.app_logic.tables import figure_png
from simulator.app_logic.terms import bound_label, unit_label
from simulator.goal_seek import DEFAULT_SEED
from simulator.goal_seek.problem import lever_bounds as _lever_bounds
from simulator.goal_seek.problem import load_costs
from simulator.scenario import Scenario, Target, scenario_from_yaml

#: Ensemble sizes the page offers; the issue's case is 200.
ENSEMBLE_SIZES = (20, 50, 100, 200, 500)
DEFAULT_ENSEMBLE = 200


def target_key(target: Target) -> str:
    """Return the page's name of a target: ``indicator@YEAR`` (the CLI's form)."""
    return f"{target.indicator}@{target.year}"


def target_options(scenario: Scenario) -> list[str]:
    """Return the scenario's targets as ``indicator@YEAR``, latest year first."""
    targets = sorted(scenario.targets, key=lambda t: (-t.year, t.indicator))
    return list(dict.fromkeys(target_key(t) for t in targets))


def default_targets(scenario: Scenario) -> list[str]:
    """Return the targets of the scenario's latest target year (the optimiser's default)."""
    if not scenario.targets:
        return []
    horizon = max(t.year for t in scenario.targets)
    return [target_key(t) for t in scenario.targets if t.year == horizon]


def find_target(scenario: Scenario, key: str) -> Target | None:
    """Return the scenario's target named ``indicator@YEAR`` (None if it has none)."""
    return next((t for t in scenario.targets if target_key(t) == key), None)


def target_label(scenario: Scenario, key: str, lang: str) -> str:
    """Return a target's label: indicator name, year, bound and value."""
    target = find_target(scenario, key)
    entries = catalogue.indicators()
    if target is None or target.indicator not in entries:
        return key
    entry = entries[target.indicator]
    return (f"{entry_label(entry, lang)} {target.year} {bound_label(target.bound, lang)}"
            f" {target.value:g} {entry.unit}")


def lever_options() -> list[str]:
    """Return the levers with a stated cost, in the catalogue's order."""
    costs = load_costs().levers
    return [name for name in catalogue.levers() if name in costs]


def lever_bounds(scenario: Scenario, names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Return the default search bounds of the known levers among ``names`` [lever unit]."""
    return _lever_bounds(scenario, [n for n in names if n in catalogue.levers()])


@dataclass(frozen=True)
class Request:
    """What the planner asked the page for.

    Attributes
    ----------
    targets : list of str
        ``indicator@YEAR`` of the targets to meet (or an indicator, its latest).
    edits : dict of str to (float, int)
        New (threshold, year) of targets, by their ``indicator@YEAR``.
    probability : float
    levers : list of str
    bounds : dict of str to (float, float)
    budget : float or None
        [亿元]
    n, seed, maxiter, popsize : int
        Ensemble members, seed, generations, population per variable.
    start_in_target_year : bool
    """

    targets: Sequence[str]
    levers: Sequence[str]
    probability: float = 0.8
    edits: Mapping[str, tuple[float, int]] = field(default_factory=dict)
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    budget: float | None = None
    n: int = DEFAULT_ENSEMBLE
    seed: int = DEFAULT_SEED
    maxiter: int | None = None
    popsize: int | None = None
    start_in_target_year: bool = False


def edited(scenario: Scenario, request: Request) -> tuple[Scenario, list[str]]:
    """Apply the planner's target edits; return the scenario and the targets' new names.

    An edited target replaces the scenario's target of that name (its
    threshold and year changed, its bound and source kept); names that are
    not the scenario's targets pass unchanged, for
    :func:`simulator.goal_seek.problem.select_targets` to refuse.
    """
    targets = list(scenario.targets)
    names = []
    for key in request.targets:
        target = find_target(scenario, key)
        if target is None or key not in request.edits:
            names.append(key)
            continue
        value, year = request.edits[key]
        new = replace(target, value=float(value), year=int(year))
        targets[targets.index(target)] = new
        names.append(target_key(new))
    return replace(scenario, targets=tuple(targets)), names


def run(scenario: Scenario, request: Request, progress: Callable | None = None):
    """Run the goal seek the planner asked for.

    Returns
    -------
    simulator.goal_seek.report.GoalSeekResult

    Raises
    ------
    ValueError, ScenarioError, UnknownNameError
        On bad input, before any model run (a one-line message for ``st.error``).
    """
    from simulator.goal_seek.report import optimise

    if not request.targets:
        raise ValueError("no target chosen: pick at least one of the scenario's targets")
    base, names = edited(scenario, request)
    sizes = {k: v for k, v in (("maxiter", request.maxiter), ("popsize", request.popsize))
             if v is not None}
    return optimise(base, probability=request.probability, levers=list(request.levers),
                    targets=names, budget=request.budget, bounds=dict(request.bounds),
                    n=request.n, seed=request.seed, progress=progress,
                    start_in_target_year=request.start_in_target_year, **sizes)


def lever_table(result, lang: str) -> pd.DataFrame:
    """Return the mix, one row per lever: label, unit, plan's level, new level (4 digits), start."""
    entries = catalogue.levers()
    levels, starts = result.problem.decode(result.search.x)
    return pd.DataFrame([
        {"lever": entry_label(entries[d.lever], lang), "unit": unit_label(d.unit, lang),
         "plan": d.current, "level": float(f"{levels[0, i]:.4g}"), "start": int(starts[0, i])}
        for i, d in enumerate(result.problem.decisions)
    ])


def target_rows(result, lang: str) -> pd.DataFrame:
    """Return the targets, one row each: probabilities in % (search, re-check, plan), binds."""
    table = result.table
    label = "label_zh" if lang == "zh" else "label_en"
    out = table[[label, "unit", "year", "bound", "target", "p_required", "p_met", "p_recheck",
                 "p_plan", "value_at_p", "margin_pct", "binds"]].copy()
    for column in ("p_required", "p_met", "p_recheck", "p_plan"):
        out[column] = (100 * out[column]).round(1)
    out["unit"] = [unit_label(u, lang) for u in out["unit"]]
    out["bound"] = [bound_label(b, lang) for b in out["bound"]]
    out["value_at_p"] = [float(f"{v:.4g}") for v in out["value_at_p"]]
    out["margin_pct"] = out["margin_pct"].round(1)
    return out.rename(columns={label: "indicator"})


def statement(result, lang: str) -> str:
    """Return the plain statement of the answer in the page's language."""
    return result.statement_zh if lang == "zh" else result.statement_en


def front_png(result) -> bytes:
    """Return the cost-probability trade-off chart as PNG (Chinese and English labels)."""
    from simulator.goal_seek.report import plot_front

    return figure_png(plot_front(result))


def outputs_zip(result) -> bytes:
    """Return the CLI's output files (scenario.yaml, targets.csv, pareto.*, summary.json) zipped."""
    from simulator.goal_seek.report import write_outputs

    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_outputs(result, folder)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, Path(path).name)
    return buffer.getvalue()


def explore_scenario(result, model=None) -> Scenario:
    """Return the mix as Explore loads an upload: its YAML text read back and validated."""
    return scenario_from_yaml(result.scenario.to_yaml(), source="goal-seek", model=model)
