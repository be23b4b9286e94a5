"""Extreme-condition tests: levers at their bounds, and named Reality Check style tests.

After Vensim's Reality Check and Sterman (2000), *Business Dynamics*, ch. 21.
"""

from __future__ import annotations

import pandas as pd

from simulator import catalogue
from simulator.engine.model import LoadedModel, load_model
from simulator.scenario import Scenario
from simulator.validation.checks import emptied_after, monotone, sign_report
from simulator.validation.runs import run_scenario_frame, scenario_case, simulate_many, stock_names


def lever_extremes(model: LoadedModel | None = None) -> list[tuple[str, dict[str, float]]]:
    """Each lever at its minimum and at its maximum, then all together.

    Returns
    -------
    list of (label, overrides)
    """
    entries = catalogue.levers(model or load_model())
    cases = []
    for bound in ("min", "max"):
        for name, entry in entries.items():
            cases.append((f"{name}={bound}", {name: getattr(entry, bound)}))
    for bound in ("min", "max"):
        cases.append((f"all levers={bound}", {n: getattr(e, bound) for n, e in entries.items()}))
    return cases


def extreme_condition_report(
    model: LoadedModel | None = None,
    scenario: Scenario | None = None,
    *,
    engine: str = "batch",
) -> pd.DataFrame:
    """Every indicator finite and non-negative with levers at their bounds.

    Parameters
    ----------
    model : LoadedModel, optional
    scenario : Scenario, optional
        The base case; the model defaults when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per case of :func:`lever_extremes`: ``case``, ``ok``,
        ``bad`` (the indicators and stocks that were non-finite or negative).
    """
    model = model or load_model()
    scenario = scenario or Scenario()
    names = sorted({e.vensim_name for e in catalogue.indicators(model).values()}
                   | set(stock_names(model)))
    cases = lever_extremes(model)
    runs = []
    for _, overrides in cases:
        inputs, controls = scenario_case(scenario, overrides)
        runs.append(inputs)
    frames = simulate_many(runs, columns=names, engine=engine, model=model, **controls)
    rows = []
    for (label, _), frame in zip(cases, frames):
        report = sign_report(frame)
        bad = sorted(report.index[~report["ok"]])
        rows.append({"case": label, "ok": not bad, "bad": ", ".join(bad)})
    return pd.DataFrame(rows)


def reality_checks(scenario: Scenario | None = None, *, engine: str = "batch",
                   model: LoadedModel | None = None) -> pd.DataFrame:
    """Named Reality Check style tests, each with its condition and result.

    - ``zero_new_firms``: incubator capacity 0 and no new maker spaces (their
      places), no incubated firms, tech SME birth rate 0: tech SMEs never rise.
    - ``certain_renewal_no_exit``: first pass rate at its maximum, renewal
      pass rate and reapplication share 1, no exits or revocations:
      high-tech enterprises never fall.
    - ``no_certification``: no applications (so no review pipeline) and no
      renewal: high-tech enterprises are zero from 3 years plus one time
      step after the start.

    Returns
    -------
    pandas.DataFrame
        Index: check; columns ``ok`` and ``detail``.
    """
    model = model or load_model()
    scenario = scenario or Scenario()
    params = catalogue.parameters(model)
    checks = {
        "zero_new_firms": {"incubator_capacity": 0.0, "maker_space_construction": 0.0,
                           "initial_incubated_firms": 0.0, "tech_sme_birth_rate": 0.0},
        "certain_renewal_no_exit": {
            "first_certification_pass_rate": params["first_certification_pass_rate"].max,
            "hte_renewal_pass_rate": 1.0, "hte_reapplication_share": 1.0,
            "hte_exit_rate": 0.0, "hte_revocation_rate": 0.0},
        "no_certification": {"hte_application_rate": 0.0, "pool_application_rate": 0.0,
                             "hte_reapplication_share": 0.0},
    }
    rows = {}
    for name, overrides in checks.items():
        frame = run_scenario_frame(scenario, overrides, engine=engine, model=model,
                                   columns=["Tech SMEs registered", "High tech enterprises"])
        if name == "zero_new_firms":
            ok, detail = monotone(frame["Tech SMEs registered"], "non-increasing")
        elif name == "certain_renewal_no_exit":
            ok, detail = monotone(frame["High tech enterprises"], "non-decreasing")
        else:
            ok, detail = emptied_after(frame["High tech enterprises"],
                                       scenario.start_year + 3 + scenario.time_step)
        rows[name] = {"ok": ok, "detail": detail}
    return pd.DataFrame.from_dict(rows, orient="index")
