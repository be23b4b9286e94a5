"""The rest point of ``simulator.validation.equilibrium_inputs``, solved on the engine.

The rest point is the root of the stocks' net flows at the start, run by the
engine; these tests check that it is one (every net flow zero, a nudged point
not), and that it follows the model file: a copy of the ``.mdl`` with a
changed parameter or flow equation still starts at rest. A rest point written
out by hand broke silently on such a change (issue #15).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import CORE_MODEL
from strategies import baselines

from simulator import validation
from simulator.engine.model import load_model

#: Largest net flow at the rest point, per year, as a share of the stock
#: (at least 1): float rounding is about 1e-14; a nudge of 1e-6 gives 1e-7.
NET_FLOW_RTOL = 1e-10


def _flows_and_scale(scenario, inputs, model=None):
    """Return the net flows at the start and each stock's scale, ``max(|S(t0)|, 1)``."""
    model = model or load_model()
    stocks = [s for s in validation.stock_names(model) if s not in validation.ACCOUNTING_STOCKS]
    flows = validation.net_flows(model, inputs, [], np.empty((1, 0)), scenario, stocks=stocks)[0]
    start = validation.simulate_many([inputs], initial_time=scenario.start_year,
                                     final_time=scenario.start_year + scenario.time_step,
                                     time_step=scenario.time_step,
                                     columns=stocks, model=model)[0].iloc[0]
    return dict(zip(stocks, flows)), {s: max(abs(float(start[s])), 1.0) for s in stocks}


def _largest(flows: dict, scale: dict) -> float:
    return max(abs(flows[s]) / scale[s] for s in flows)


def test_rest_unknowns_are_the_stocks_initial_constants():
    """Eight stocks start from a constant of their own; the rest start at rest by their equations.

    The plan programmes' national platforms and maker spaces (#17) have no outflow and, with their
    levers at 0 as in every baseline, no inflow: at rest at any start value.
    """
    assert validation.rest_unknowns() == [
        "initial_high_tech_enterprises", "initial_incubated_firms",
        "initial_innovation_platforms", "initial_national_rd_platforms",
        "initial_other_rd_active_firms", "initial_revoked_firms_barred", "initial_tech_smes",
        "initial_university_maker_spaces"]


@pytest.mark.parametrize("region", sorted(baselines()))
def test_numeric_equilibrium_zeroes_every_net_flow(region):
    """Every stock's net flow at the start is zero to rounding; 1e-6 more SMEs is not."""
    scenario = baselines()[region]
    inputs = validation.equilibrium_inputs(scenario)
    flows, scale = _flows_and_scale(scenario, inputs)
    assert _largest(flows, scale) <= NET_FLOW_RTOL, flows
    nudged = {**inputs, "initial_tech_smes": inputs["initial_tech_smes"] * (1 + 1e-6)}
    flows, scale = _flows_and_scale(scenario, nudged)
    assert _largest(flows, scale) > 100 * NET_FLOW_RTOL
    assert abs(flows["Tech SMEs registered"]) / scale["Tech SMEs registered"] > 1e-8


def test_no_delisting_balances_platforms_by_construction():
    """With nothing delisted no initial value is at rest: construction is solved for (zero)."""
    scenario = baselines()["ningxia"]
    scenario = replace(scenario, parameters={**scenario.parameters,
                                             "platform_delisting_rate": 0.0})
    inputs = validation.equilibrium_inputs(scenario)
    assert inputs["innovation_platform_construction"] == pytest.approx(0.0, abs=1e-12)
    report = validation.steady_state_report(scenario, inputs)
    assert (report["relative_drift"] <= 1e-9).all(), report.to_dict("index")


@pytest.mark.parametrize("old, new", [
    # a parameter's default (the scenario does not set it)
    ("Tech SME exit rate=\n\t0.08\n", "Tech SME exit rate=\n\t0.11\n"),
    # a flow equation: pool exits half as large again
    ("\tPool exit rate * Other RD active firms\n",
     "\tPool exit rate * Other RD active firms * 1.5\n"),
])
def test_a_changed_model_file_still_starts_at_rest(tmp_path, old, new):
    """A copy of the .mdl with a changed parameter or equation: its own rest point holds.

    The core model's rest point is not at rest in the changed model, so the
    test would fail if the rest point did not follow the file.
    """
    text = CORE_MODEL.read_text(encoding="utf-8")
    assert text.count(old) == 1
    changed = tmp_path / "changed.mdl"
    changed.write_text(text.replace(old, new), encoding="utf-8")
    model = load_model(changed)
    scenario = baselines()["ningxia"]
    inputs = validation.equilibrium_inputs(scenario, model=model)
    flows, scale = _flows_and_scale(scenario, inputs, model)
    assert _largest(flows, scale) <= NET_FLOW_RTOL, flows
    report = validation.steady_state_report(scenario, inputs, model=model)
    assert (report["relative_drift"] <= 1e-9).all(), report.to_dict("index")
    core = validation.equilibrium_inputs(scenario)
    stale = validation.steady_state_report(scenario, core, model=model)
    assert stale["relative_drift"].max() > 1e-6
