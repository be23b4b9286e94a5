"""RK4 beside Euler (issue #16 point 6): order of convergence, discrete structures, drain guards.

Euler's parity with PySD is tested where it always was (test_batch_engine.py,
tests/properties/test_batch_parity.py): RK4 changes no Euler code path. Models
are written into ``tmp_path``. Fourth order means that halving DT divides the
error by 2^4 = 16, up to the next term of the error series; the tests accept
a ratio in [14, 20] (measured 16.4 to 18.1) and first order (Euler, ratio 2)
in [1.8, 2.3].
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import catalogue, paths
from simulator.engine.batch import UnsupportedConstructError, compile_model
from simulator.engine.dispatch import resolve_engine
from simulator.engine.model import load_model
from simulator.engine.simulate import simulate_file
from simulator.errors import ScenarioError
from simulator.runner import run_scenario
from simulator.scenario import Scenario, load_scenario
from simulator.validation import extreme_condition_report, key_indicator_run, stock_names

FOURTH_ORDER = (14.0, 20.0)
FIRST_ORDER = (1.8, 2.3)
STEPS = (1 / 4, 1 / 8, 1 / 16)


def _model(tmp_path, name: str, equations: str, final: float = 4, step: float = 0.25):
    path = tmp_path / name
    path.write_text("{UTF-8}\n" + equations + f"""
INITIAL TIME = 0 ~ Year ~ |
FINAL TIME = {final} ~ Year ~ |
TIME STEP = {step} ~ Year ~ |
SAVEPER = {step} ~ Year ~ |
""", encoding="utf-8")
    return compile_model(path)


CHAIN = """
A = INTEG(-A outflow, 1) ~ unit ~ |
A outflow = k * A ~ unit/Year ~ |
B = INTEG(A outflow - B outflow, 0) ~ unit ~ |
B outflow = k * B ~ unit/Year ~ |
C = INTEG(B outflow - C outflow, 0) ~ unit ~ |
C outflow = k * C ~ unit/Year ~ |
k = 0.5 ~ 1/Year ~ |
Smoothed = SMOOTH3(A, 2) ~ unit ~ |
Delayed = DELAY3(A outflow, 2) ~ unit/Year ~ |
"""


def _ratios(errors) -> list:
    return [errors[i] / errors[i + 1] for i in range(len(errors) - 1)]


@pytest.mark.parametrize("integration, order", [("rk4", FOURTH_ORDER), ("euler", FIRST_ORDER)])
def test_error_on_a_chain_of_stocks_falls_by_the_methods_order(tmp_path, integration, order):
    """A -> B -> C, each draining at k: A = exp(-kt), C = (kt)^2/2 exp(-kt) at t = 4."""
    model = _model(tmp_path, "chain.mdl", CHAIN)
    k, t = 0.5, 4.0
    exact = {"A": math.exp(-k * t), "C": (k * t) ** 2 / 2 * math.exp(-k * t)}
    errors = {name: [] for name in exact}
    for dt in STEPS:
        out = model.run(return_columns=list(exact), time_step=dt, saveper=1,
                        integration=integration)
        for name, value in exact.items():
            errors[name].append(abs(out[name][0, -1] - value))
    for name, series in errors.items():
        for ratio in _ratios(series):
            assert order[0] <= ratio <= order[1], (integration, name, series)


def test_smooth3_and_delay3_converge_at_fourth_order_under_rk4(tmp_path):
    """The stocks inside SMOOTH3 and DELAY3 are integrated by RK4 too (reference: DT 1/256)."""
    model = _model(tmp_path, "chain.mdl", CHAIN)
    columns = ["Smoothed", "Delayed"]
    reference = model.run(return_columns=columns, time_step=1 / 256, saveper=1,
                          integration="rk4")
    runs = [model.run(return_columns=columns, time_step=dt, saveper=1, integration="rk4")
            for dt in STEPS]
    for name in columns:
        errors = [abs(run[name][0, -1] - reference[name][0, -1]) for run in runs]
        for ratio in _ratios(errors):
            assert FOURTH_ORDER[0] <= ratio <= FOURTH_ORDER[1], (name, errors)


DELAY_FIXED = """
Ramp = Time ~ unit ~ |
Delayed = DELAY FIXED(Ramp, 1, 0) ~ unit ~ |
Delayed sum = INTEG(Delayed, 0) ~ unit*Year ~ |
"""


def test_delay_fixed_under_rk4_delays_the_steps_mean_input_and_holds_it_over_the_step(tmp_path):
    """DELAY FIXED is a pipeline, not an ODE: under RK4 it still changes once per step.

    Its input is the mean over the step's four stages with RK4's weights,
    which for ``Time`` over [t, t + dt] is t + dt/2 (Simpson's rule is exact
    for a line); Euler delays the value at t. The output is held over the
    step: a stock integrating it gets exactly dt times the sum of the outputs.
    """
    dt = 0.25
    model = _model(tmp_path, "fixed.mdl", DELAY_FIXED, step=dt)
    time = model.output_times()
    later = time >= 1
    for integration, lag in (("euler", 0.0), ("rk4", dt / 2)):
        out = model.run(return_columns=["Delayed", "Delayed sum"], integration=integration)
        delayed, total = out["Delayed"][0], out["Delayed sum"][0]
        np.testing.assert_allclose(delayed[later], time[later] - 1 + lag, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(delayed[~later], 0)
        np.testing.assert_allclose(total[1:], dt * np.cumsum(delayed[:-1]), rtol=1e-12, atol=1e-12)


CONVEYOR = """
Inflow = IF THEN ELSE(Time < 2, EXP(Time), 0) ~ unit/Year ~ |
Released = DELAY FIXED(Inflow, 1, 0) ~ unit/Year ~ |
Held = INTEG(Inflow - Released, 0) ~ unit ~ |
"""


@pytest.mark.parametrize("dt", [0.5, 0.125])
def test_a_stock_drained_by_delay_fixed_holds_what_entered_in_the_last_delay(tmp_path, dt):
    """Held = integral of Inflow over (t - 1, t]; empty once the inflow has passed through.

    Sampling the input once per step would convey about dt^2/2 times its
    slope less than the stock received each step: the stock would not empty.
    """
    model = _model(tmp_path, "conveyor.mdl", CONVEYOR, final=4, step=dt)
    time = model.output_times()
    held = model.run(return_columns=["Held"], integration="rk4")["Held"][0]
    peak = held.max()
    np.testing.assert_allclose(held[time >= 3], 0, rtol=0, atol=1e-12 * peak)
    inside = (time >= 1) & (time < 2)  # the step ending at 2 sees the inflow stop at stage 4
    exact = np.exp(time[inside]) - np.exp(time[inside] - 1)
    np.testing.assert_allclose(held[inside], exact, rtol=1e-3 * dt ** 2)


DRAINS = """
Stock = INTEG(Inflow - Outflow, 10) ~ unit ~ |
Outflow = MIN(Demand, Stock / TIME STEP) ~ unit/Year ~ |
Demand = 1000 ~ unit/Year ~ |
Inflow = STEP(5, 2) ~ unit/Year ~ |
Guarded = INTEG(-Guarded outflow, 10) ~ unit ~ |
Guarded outflow = IF THEN ELSE(Guarded - TIME STEP * Demand < 1e-06, Guarded / TIME STEP, Demand)
  ~ unit/Year ~ |
"""


@pytest.mark.parametrize("dt", [1.0, 0.25, 1 / 16])
def test_drain_guards_keep_stocks_non_negative_under_rk4(tmp_path, dt):
    """A drain capped at stock/TIME STEP (MIN or IF THEN ELSE) never overdraws under RK4.

    Each stage's outflow is at most its trial stock over DT, so the trial
    stocks stay within [0, stock] and the weighted mean removes at most the
    stock: from 10 the first step leaves 10 (1 - (1 + 1 + 3/2 + 1/4)/6) = 3.75.
    """
    model = _model(tmp_path, "drains.mdl", DRAINS, final=4, step=dt)
    out = model.run(return_columns=["Stock", "Guarded"], integration="rk4")
    for name, values in out.items():
        assert values.min() >= 0, (name, values.min())
        assert values[0, 1] == pytest.approx(3.75, rel=1e-12), name


@pytest.fixture(scope="module")
def core():
    return load_model()


def _rk4(scenario: Scenario) -> Scenario:
    return Scenario.from_dict({**scenario.to_dict(), "integration": "rk4"})


@pytest.mark.parametrize("region", catalogue.REGIONS)
def test_no_stock_goes_negative_in_baselines_under_rk4_at_dt_1(core, region):
    """The drain guards hold at the coarsest time step a scenario may set."""
    from simulator.validation import run_scenario_frame

    scenario = _rk4(load_scenario(paths.SCENARIOS_DIR / f"{region}-baseline.yaml"))
    for dt in (1.0, scenario.time_step):
        frame = run_scenario_frame(scenario, time_step=dt, columns=stock_names(core), model=core)
        values = frame.to_numpy(dtype=float)
        assert np.isfinite(values).all()
        assert values.min() >= 0, frame.min()[frame.min() < 0].to_dict()


def test_levers_at_their_bounds_keep_stocks_non_negative_under_rk4(core):
    """The battery's lever extremes (every lever at its bounds) under RK4, at DT 1 and 1/16."""
    base = _rk4(load_scenario(paths.SCENARIOS_DIR / "chengdu-baseline.yaml"))
    for dt in (1.0, base.time_step):
        report = extreme_condition_report(core, replace(base, time_step=dt))
        assert report["ok"].all(), report[~report["ok"]].to_dict("records")


def test_rk4_at_a_quarter_year_beats_euler_at_a_sixteenth_on_the_core_model(core):
    """Key indicators against RK4 at DT 1/256, checked by Euler's Richardson extrapolation.

    Measured (chengdu baseline, error over the indicator's largest value):
    Euler 1/16 3.25e-3, RK4 1/4 7.7e-6; the reference and Richardson's
    2 E(2^-10) - E(2^-9) agree to 3.9e-8. Asserted: RK4 at 1/4 at least 10x
    closer than Euler at 1/16, and the reference within 1e-6 of Richardson.
    """
    scenario = load_scenario(paths.SCENARIOS_DIR / "chengdu-baseline.yaml")

    def run(dt, integration):
        return key_indicator_run(replace(scenario, integration=integration), dt, model=core)

    reference = run(2**-8, "rk4")
    scale = reference.abs().max().replace(0, 1)

    def error(frame):
        return float(((frame - reference).abs() / scale).max().max())

    richardson = 2 * run(2**-10, "euler") - run(2**-9, "euler")
    assert error(richardson) < 1e-6
    euler, rk4 = error(run(1 / 16, "euler")), error(run(1 / 4, "rk4"))
    assert rk4 * 10 < euler, (rk4, euler)


# ------------------------------------------------------------- scenario, CLI
def test_integration_is_validated_and_round_trips(core):
    base = load_scenario(paths.SCENARIOS_DIR / "chengdu-baseline.yaml")
    assert base.integration == "euler" and "integration" not in base.to_dict()
    rk4 = _rk4(base)
    assert rk4.integration == "rk4" and Scenario.from_dict(rk4.to_dict()) == rk4
    with pytest.raises(ScenarioError) as error:
        Scenario.from_dict({**base.to_dict(), "integration": "rk45"})
    assert "\n" not in str(error.value) and "['euler', 'rk4']" in str(error.value)
    with pytest.raises(ScenarioError, match="follows integration"):
        Scenario.from_dict({**base.to_dict(), "parameters": {"euler_step_corrections": 0}})


def test_rk4_is_in_provenance_and_refused_by_pysd(core):
    scenario = _rk4(load_scenario(paths.SCENARIOS_DIR / "chengdu-baseline.yaml"))
    result = run_scenario(scenario, model=core, indicators=["gdp"])
    assert result.metadata["integration"] == "rk4" and result.metadata["engine"] == "batch"
    assert result.metadata["scenario"]["integration"] == "rk4"
    assert resolve_engine("auto", core, "rk4") == "batch"
    with pytest.raises(ValueError, match="PySD has no RK4"):
        run_scenario(scenario, model=core, engine="pysd")
    with pytest.raises(ValueError, match="valid integration"):
        resolve_engine("batch", core, "heun")


def test_rk4_refuses_random_functions(tmp_path):
    model = _model(tmp_path, "noise.mdl", "Noise = RANDOM UNIFORM(0, 1, 0) ~ unit ~ |\n")
    with pytest.raises(ValueError, match="RK4 needs a model without RANDOM"):
        model.run(integration="rk4")


def test_simulate_runs_rk4_and_pysd_refuses_it(tmp_path):
    _model(tmp_path, "chain.mdl", CHAIN)
    frame = simulate_file(tmp_path / "chain.mdl", engine="auto", integration="rk4")
    model = compile_model(tmp_path / "chain.mdl")
    expected = model.run(return_columns=["C"], integration="rk4")["C"][0]
    np.testing.assert_array_equal(frame["C"].to_numpy(), expected)
    assert abs(frame["C"].iloc[-1] - 2 * math.exp(-2)) < 1e-5  # Euler at DT 1/4 is 1.8e-2 off
    with pytest.raises(ValueError, match="PySD has no RK4"):
        simulate_file(tmp_path / "chain.mdl", engine="pysd", integration="rk4")


def test_cli_runs_an_rk4_scenario_and_refuses_it_on_pysd_in_one_line(tmp_path, capsys):
    from simulator.cli import main
    from simulator.results import read_results

    scenario = _rk4(load_scenario(paths.SCENARIOS_DIR / "ningxia-baseline.yaml"))
    path = tmp_path / "rk4.yaml"
    path.write_text(scenario.to_yaml(), encoding="utf-8")
    out = tmp_path / "rk4.csv"
    assert main(["run", str(path), "--out", str(out), "--no-time-step-check"]) == 0
    assert read_results(out).metadata["integration"] == "rk4"
    capsys.readouterr()
    assert main(["run", str(path), "--engine", "pysd", "--out", str(tmp_path / "p.csv")]) == 2
    error = capsys.readouterr().err.strip()
    assert "PySD has no RK4" in error and "\n" not in error


TESTMODELS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "testmodels"


@pytest.mark.filterwarnings("ignore")
def test_every_shared_test_model_the_batch_engine_compiles_runs_under_rk4():
    """Finite under RK4; without stocks or averaged inputs, exactly Euler's numbers.

    (A DELAY FIXED of Time^2 at DT 1, in delay_fixed, delays t^2 + t + 1/3, the
    input's mean over the step, under RK4.)
    """
    if not TESTMODELS_DIR.is_dir():
        pytest.skip(f"reference test models not found at {TESTMODELS_DIR}")
    ran = 0
    for path in sorted(TESTMODELS_DIR.glob("*/*.mdl")):
        try:
            model = compile_model(path)
        except UnsupportedConstructError:
            continue
        if model.stochastic:
            continue
        euler, rk4 = (model.run_dataframe(integration=m) for m in ("euler", "rk4"))
        assert np.isfinite(rk4.select_dtypes("number").to_numpy()).all(), path.name
        if not any(s.continuous or s.averaged_args for s in model.program.statefuls.values()):
            pd.testing.assert_frame_equal(rk4, euler)
        ran += 1
    assert ran >= 10
