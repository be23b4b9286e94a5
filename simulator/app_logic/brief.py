"""What a scenario brief holds, gathered once for the PDF and the Excel workbook.

情景简报内容:地区、情景、杠杆与基线对比、目标达成概率、带不确定区间的关键指标、
财政成本、数据来源与模型版本。

:func:`build_brief` runs the scenario, its baseline and an ensemble of the
scenario (seeded), and returns a :class:`Brief`; :mod:`.brief_pdf`
draws it as a PDF (Chinese or English) and :mod:`.workbook` writes
it as an Excel workbook. Nothing here imports Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator import catalogue, report
from simulator.app_logic import planning
from simulator.app_logic.scenarios import region_label
from simulator.app_logic.tables import all_targets, fastest_engine
from simulator.fiscal_cost import FiscalCost, fiscal_cost
from simulator.results import data_version, package_versions
from simulator.runner import band_frame, run_scenario
from simulator.scenario import Scenario

#: Ensemble behind the brief's bands and probabilities (the Uncertainty page's default).
BRIEF_MEMBERS = 200
BRIEF_SEED = 20260101


@dataclass
class Brief:
    """Everything a brief shows, in data (no language chosen yet).

    Attributes
    ----------
    scenario, baseline : Scenario
    region : tuple of (str, str)
        Region name (Chinese, English).
    policy_year, target_year : int
        First year of the changed levers; the plan's target year [year].
    frame, baseline_frame : pandas.DataFrame
        Results of the scenario and the baseline (index year).
    units : dict of str to str
    levers : pandas.DataFrame
        One row per lever: ``lever``, ``label_zh``, ``label_en``, ``unit``,
        ``baseline``, ``scenario`` (values in ``target_year``), ``changed``.
    scorecard : pandas.DataFrame
        Open targets with their probability (``simulator.targets.track_ensemble``
        columns, ``p_met`` in [0, 1]) and the single run's ``value``.
    past : pandas.DataFrame
        Past targets against their documented outcome (``planning.past_targets_table``).
    bands : dict of str to pandas.DataFrame
        Key indicator to its 5-95 % band (:func:`simulator.runner.band_frame`).
    observed : pandas.DataFrame or None
        Documented figures of the region.
    cost : FiscalCost or None
        Against the baseline, policy year to target year.
    sources : list of str
        Addresses the figures and targets come from.
    provenance : dict
        Model file and hash, data hash, engine, versions, ensemble seed and size.
    """

    scenario: Scenario
    baseline: Scenario
    region: tuple[str, str]
    policy_year: int
    target_year: int
    frame: pd.DataFrame
    baseline_frame: pd.DataFrame
    units: dict[str, str]
    levers: pd.DataFrame
    scorecard: pd.DataFrame
    past: pd.DataFrame
    bands: dict[str, pd.DataFrame]
    observed: pd.DataFrame | None
    cost: FiscalCost | None
    sources: list[str] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)


def lever_table(scenario: Scenario, baseline: Scenario, year: int, model=None) -> pd.DataFrame:
    """Every lever's value in ``year`` in the baseline and the scenario [lever unit]."""
    rows = []
    for name, entry in catalogue.levers(model).items():
        base = baseline.lever_value(name, year, entry.default)
        mine = scenario.lever_value(name, year, entry.default)
        rows.append({"lever": name, "label_zh": entry.label_zh, "label_en": entry.label_en,
                     "unit": entry.unit, "baseline": base, "scenario": mine,
                     "changed": not np.isclose(base, mine, rtol=1e-9, atol=0.0)})
    return pd.DataFrame(rows)


def target_year_of(targets: list, policy_year: int, end_year: int) -> int:
    """Return the plan's target year: the latest from ``policy_year`` on, else the end."""
    years = [t.year for t in targets if policy_year <= t.year <= end_year]
    return max(years) if years else end_year


def build_brief(
    scenario: Scenario,
    baseline: Scenario,
    policy_year: int,
    *,
    members: int = BRIEF_MEMBERS,
    seed: int = BRIEF_SEED,
    model=None,
) -> Brief:
    """Run what a brief needs and gather it.

    Parameters
    ----------
    scenario : Scenario
        The scenario the planner set (e.g. the app's sliders on a preset).
    baseline : Scenario
        Its region's baseline.
    policy_year : int
        First year of the planner's lever values [year].
    members, seed : int
        Ensemble size and the seed of its draws.
    """
    from simulator.ensemble import run_ensemble
    from simulator.targets import track_ensemble, track_targets

    results = run_scenario(scenario, model=model)
    frame, units = results.frame, results.units
    baseline_frame = run_scenario(baseline, model=model).frame
    observed, documented_targets = report.documented_points(scenario.region)
    targets = all_targets(scenario, documented_targets)
    actuals = planning.actuals_frame(scenario.region)
    open_targets, past = planning.split_targets(targets, planning.last_data_year(actuals))
    target_year = target_year_of(open_targets, policy_year, scenario.end_year)

    ensemble = run_ensemble(scenario, members, seed=seed, engine=fastest_engine())
    years = np.asarray(ensemble.years)
    scorecard = track_ensemble(years, ensemble.values, open_targets)
    if len(scorecard):
        scorecard["value"] = track_targets(frame, open_targets)["value"].to_numpy()
    bands = {name: band_frame(years, ensemble.values[name])
             for name in catalogue.KEY_INDICATORS if name in ensemble.values}
    cost = None
    if target_year >= policy_year:
        cost = fiscal_cost(scenario, frame, baseline, baseline_frame, policy_year, target_year,
                           model=model)
    sources = sorted({str(s) for s in [*(t.source for t in targets),
                                       *([] if observed is None else observed["source"])]
                      if s and str(s) != "nan"})
    meta = results.metadata
    provenance = {
        "model_file": meta.get("model_file"), "model_sha256": meta.get("model_sha256"),
        "data_sha256": data_version(), "engine": meta.get("engine"),
        "versions": package_versions(), "ensemble_members": members, "ensemble_seed": seed,
        "ensemble_draws": ensemble.source, "created": meta.get("created"),
    }
    return Brief(
        scenario=scenario, baseline=baseline,
        region=(region_label(scenario.region, "zh"), region_label(scenario.region, "en")),
        policy_year=int(policy_year), target_year=int(target_year), frame=frame,
        baseline_frame=baseline_frame, units=units,
        levers=lever_table(scenario, baseline, target_year, model),
        scorecard=scorecard, past=planning.past_targets_table(past, actuals), bands=bands,
        observed=observed, cost=cost, sources=sources, provenance=provenance,
    )
