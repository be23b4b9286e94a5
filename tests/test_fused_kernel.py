"""The fused numba kernel (#16 point 5) against the NumPy path, its disk cache and its fallback.

Kernels are content-addressed (the file name is the SHA-256 of the source), so the
equality tests keep them in one cache folder across sessions
(``~/.cache/innovation-dynamics-test-kernels``): a compile is paid once per
machine, not once per ``make test``. The disk-cache test uses the session's own
fresh cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from simulator import paths, runner
from simulator.engine.batch import compile_model
from simulator.engine.batch import fused as fused_module
from simulator.engine.batch.model import FUSED_AUTO_MAX_RUNS
from simulator.engine.dispatch import run_cases
from simulator.engine.model import load_model
from simulator.engine.timegrid import time_grid
from simulator.scenario import load_scenario
from simulator.yaml_input import read_yaml

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[1]
TESTMODELS = ROOT.parent / "shared" / "testmodels"
RTOL = 1e-12
#: A one-stock decay model (rate 0.1/month, DT 0.5, 10 months).
DECAY_MDL = (
    "{UTF-8}\nStock = INTEG(-Outflow, 100) ~ Widget ~ |\n"
    "Outflow = Stock * Rate ~ Widget/Month ~ |\nRate = 0.1 ~ 1/Month ~ |\n"
    "INITIAL TIME = 0 ~ Month ~ |\nFINAL TIME = 10 ~ Month ~ |\n"
    "TIME STEP = 0.5 ~ Month ~ |\nSAVEPER = 1 ~ Month ~ |\n")


@pytest.fixture
def kernel_cache(monkeypatch):
    folder = Path.home() / ".cache" / "innovation-dynamics-test-kernels"
    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(folder))
    return folder


def _assert_same(fused: dict, numpy: dict) -> None:
    assert fused.keys() == numpy.keys()
    for name in numpy:
        np.testing.assert_allclose(fused[name], numpy[name], rtol=RTOL, atol=0, err_msg=name)


#: Scenarios and test models ``make test`` checks; ``make test-fused`` checks every one (each
#: distinct schedule is a numba compile of up to a minute on a new machine).
SUBSET_SCENARIOS = ("chengdu-plan", "suining-baseline")
SUBSET_TESTMODELS = ("delay_fixed", "delays", "lookups", "smooth", "trend")


def _single_region_scenarios() -> list:
    # a twin-city file (several regions and their couplings, #21) is not one core-model run
    return [name for name in paths.shipped_scenarios()
            if "region" in read_yaml(paths.scenario_file(name), "scenario file")]


def _marked(params: list, keep) -> list:
    return [p if keep(p) else pytest.param(*p.values, id=p.id, marks=pytest.mark.fused_all)
            for p in params]


@pytest.mark.slow
@pytest.mark.parametrize("name", _marked(
    [pytest.param(n, id=n) for n in _single_region_scenarios()],
    lambda p: p.id in SUBSET_SCENARIOS))
def test_fused_equals_numpy_on_the_core_model(name, kernel_cache):
    scenario = load_scenario(paths.scenario_file(name))
    model = load_model()
    grid = time_grid(scenario.start_year, scenario.end_year, scenario.time_step)
    inputs = {k: (v[None, :] if isinstance(v, np.ndarray) else v)
              for k, v in runner.scenario_inputs(scenario, grid).items()}
    batch, _ = model.batch_model()
    columns = list(batch.variables)
    controls = dict(initial_time=scenario.start_year, final_time=scenario.end_year,
                    time_step=scenario.time_step, columns=columns)
    _, numpy = run_cases(model, inputs, 1, engine="batch", kernel="numpy", **controls)
    assert batch.last_kernel[0] == "numpy"
    _, fused = run_cases(model, inputs, 1, engine="batch", kernel="fused", **controls)
    assert batch.last_kernel[0] == "fused"
    _assert_same(fused, numpy)
    # many scenarios at once, every input scaled by its own draw in [0.9, 1.1] per scenario,
    # then split in chunks
    rng = np.random.default_rng(20261204)
    scaled = {k: v * rng.uniform(0.9, 1.1, (7, 1) if np.ndim(v) == 2 else 7)
              for k, v in inputs.items()}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?s).*Casting delay order")
        _, many = run_cases(model, scaled, 7, engine="batch", kernel="fused", **controls)
        _, many_numpy = run_cases(model, scaled, 7, engine="batch", kernel="numpy", **controls)
    _assert_same(many, many_numpy)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?s).*Casting delay order")
        chunked = batch.run_chunked({k: v[2:5] for k, v in scaled.items()}, 3, chunk_size=2,
                                    kernel="fused", return_columns=columns,
                                    initial_time=scenario.start_year,
                                    final_time=scenario.end_year,
                                    time_step=scenario.time_step, saveper=1.0)
    for column in columns:
        assert np.array_equal(chunked[column], many[column][2:5]), column


def _testmodels() -> list:
    manifest = TESTMODELS / "manifest.json"
    if not manifest.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/testmodels absent"))]
    models = []
    for folder, entry in json.loads(manifest.read_text(encoding="utf-8")).items():
        for case in entry.get("cases", []) if not folder.startswith("_") else []:
            if case["model"].endswith(".mdl"):
                models.append(pytest.param(TESTMODELS / folder / case["model"],
                                           id=f"{folder}/{case['model']}"))
    return models


@pytest.mark.slow
@pytest.mark.parametrize("path", _marked(
    _testmodels(), lambda p: p.id is None or p.id.split("/")[0] in SUBSET_TESTMODELS))
def test_fused_equals_numpy_on_the_test_models(path, kernel_cache):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?s).*Casting delay order")
        model = compile_model(path)
        reason = model.fused_support()
        if reason is not None:  # the NumPy path runs it, and says why
            model.run(kernel="auto")
            assert model.last_kernel == ("numpy", reason)
            with pytest.raises(ValueError, match="fused kernel cannot run"):
                model.run(kernel="fused")
            return
        numpy = model.run(kernel="numpy")
        fused = model.run(kernel="fused")
    assert model.last_kernel[0] == "fused"
    with np.errstate(invalid="ignore"):
        _assert_same(fused, numpy)


def test_unsupported_constructs_fall_back_with_the_reason(tmp_path):
    mdl = tmp_path / "random.mdl"
    mdl.write_text(
        "{UTF-8}\nnoise = RANDOM UNIFORM(0, 1, 0) ~ 1 ~ |\n"
        "stock = INTEG(noise, 0) ~ 1 ~ |\n"
        "INITIAL TIME = 0 ~ Month ~ |\nFINAL TIME = 2 ~ Month ~ |\n"
        "TIME STEP = 1 ~ Month ~ |\nSAVEPER = TIME STEP ~ Month ~ |\n", encoding="utf-8")
    model = compile_model(mdl)
    assert model.fused_support() == "RANDOM functions"
    assert model.run(kernel="auto", n=3)["stock"].shape == (3, 3)
    assert model.last_kernel == ("numpy", "RANDOM functions")
    with pytest.raises(ValueError, match="RANDOM functions; kernel='numpy'"):
        model.run(kernel="fused")
    with pytest.raises(ValueError, match="'fusd' is not a valid kernel; did you mean 'fused'"):
        model.run(kernel="fusd")


_CHILD = """
import json, sys, time
from simulator.engine.batch import compile_model, fused
model = compile_model(sys.argv[1])
start = time.perf_counter()
out = model.run(kernel="auto")
print(json.dumps({"kernel": model.last_kernel, "seconds": time.perf_counter() - start,
                  "stock": out["Stock"].tolist()}))
"""


def test_a_new_process_loads_the_kernel_from_the_disk_cache(tmp_path):
    mdl = tmp_path / "decay.mdl"
    mdl.write_text(DECAY_MDL, encoding="utf-8")
    model = compile_model(mdl)
    model.run(kernel="auto")
    assert model.last_kernel[0] == "numpy"  # nothing compiled yet and N is small
    assert "not compiled yet" in model.last_kernel[1]
    expected = model.run(kernel="fused")["Stock"]
    assert model.last_kernel == ("fused", "compiled")
    model.run(kernel="auto", n=FUSED_AUTO_MAX_RUNS + 1)  # where the NumPy path is faster
    assert model.last_kernel[0] == "numpy" and "more than the 1,000" in model.last_kernel[1]
    model.run(kernel="auto")
    assert model.last_kernel == ("fused", "compiled")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", _CHILD, str(mdl)], env=env, check=True,
                           capture_output=True, text=True, timeout=300)
    report = json.loads(child.stdout.strip().splitlines()[-1])
    # auto takes the kernel another process compiled, and numba loads it, not compiles it
    assert report["kernel"] == ["fused", "disk cache"]
    assert np.array_equal(np.array(report["stock"]), expected)
    kernels = list(fused_module.kernel_dir().glob("k_*.py"))
    assert len(kernels) == 1 and list((kernels[0].parent / "__pycache__").glob("*.nbc"))


def test_a_kernel_that_cannot_be_written_is_one_line_and_auto_runs_numpy(tmp_path, monkeypatch):
    mdl = tmp_path / "growth.mdl"
    mdl.write_text(
        "{UTF-8}\nStock = INTEG(Stock * 0.05, 1) ~ Widget ~ |\n"
        "INITIAL TIME = 0 ~ Month ~ |\nFINAL TIME = 4 ~ Month ~ |\n"
        "TIME STEP = 1 ~ Month ~ |\nSAVEPER = 1 ~ Month ~ |\n", encoding="utf-8")
    model = compile_model(mdl)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(blocker / "cache"))
    with pytest.raises(ValueError, match=r"could not be built \((NotADirectory|FileExists)Error"):
        model.run(kernel="fused")
    out = model.run(kernel="auto")
    assert model.last_kernel[0] == "numpy"
    np.testing.assert_allclose(out["Stock"][0], 1.05 ** np.arange(5), rtol=1e-12)


STRUCTURES = """{UTF-8}
Inflow = STEP(1, 1) + RAMP(0.5, 2, 6) + PULSE(3, 1) ~ Widget/Month ~ |
Wait = 2 ~ Month ~ |
Fixed = DELAY FIXED(Inflow, Wait, 0.5) ~ Widget/Month ~ |
Delay n = DELAY N(Inflow, Wait, 0, 3) ~ Widget/Month ~ |
Delay three = DELAY3(Inflow, Wait) ~ Widget/Month ~ |
Smoothed = SMOOTH3(Inflow, Wait) ~ Widget/Month ~ |
Smooth n = SMOOTH N(Inflow, Wait, 0, 2) ~ Widget/Month ~ |
Trend = TREND(Inflow + 1, Wait, 0) ~ 1/Month ~ |
Forecast = FORECAST(Inflow + 1, Wait, 2) ~ Widget/Month ~ |
Sampled = SAMPLE IF TRUE(Time > Wait, Inflow, 0) ~ Widget/Month ~ |
Ratio = XIDZ(Inflow, Wait - 2, -1) + ZIDZ(Inflow, Time - 3) ~ Widget/Month ~ |
Stock = INTEG(Fixed + Delay n + Delay three + Smoothed + Smooth n - Stock * MODULO(Time, 3) / 10,
  1) ~ Widget ~ |
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = 10 ~ Month ~ |
TIME STEP = 0.25 ~ Month ~ |
SAVEPER = 1 ~ Month ~ |
"""


def test_every_structure_with_times_that_differ_between_scenarios(tmp_path, kernel_cache):
    mdl = tmp_path / "structures.mdl"
    mdl.write_text(STRUCTURES, encoding="utf-8")
    model = compile_model(mdl)
    assert model.fused_support() is None
    # DELAY FIXED pipelines of 3, 8, 11 and 12 steps: one pipeline length per scenario
    params = {"Wait": np.array([0.75, 2.0, 2.75, 3.0])}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?s).*Casting delay order")
        numpy = model.run(params, kernel="numpy")
        fused = model.run(params, kernel="fused")
    assert model.last_kernel[0] == "fused"
    _assert_same(fused, numpy)
    assert np.ptp(fused["Fixed"][:, 4]) > 0  # the scenarios differ


def test_rk4_runs_on_the_numpy_path_and_says_why(tmp_path):
    mdl = tmp_path / "decay_rk4.mdl"
    mdl.write_text(DECAY_MDL, encoding="utf-8")
    model = compile_model(mdl)
    rk4 = model.run(kernel="auto", integration="rk4")["Stock"]
    assert model.last_kernel == ("numpy", "the fused kernel integrates by Euler only, not rk4")
    # RK4's answer, not Euler's: within 1e-6 of 100 exp(-t/10) where Euler is 1e-2 off
    np.testing.assert_allclose(rk4[:, -1], 100 * np.exp(-1.0), rtol=1e-6)
    with pytest.raises(ValueError, match="Euler only"):
        model.run(kernel="fused", integration="rk4")


def test_the_kernels_exp_log_and_pow_match_numpy_on_ordinary_and_special_operands():
    import numba

    from simulator.engine.batch.fused_math import _exp, _log, _pow

    @numba.njit(error_model="numpy")
    def apply(x, y, out):
        for s in range(x.shape[0]):  # the loop LLVM vectorises, as in the kernel
            out[0, s] = _exp(x[s])
            out[1, s] = _log(x[s])
            out[2, s] = _pow(x[s], y[s])

    rng = np.random.default_rng(20261204)
    special = np.array([0.0, 1.0, -1.0, -2.0, 2.0, 0.5, -0.5, 3.0, -3.0, np.inf, -np.inf, np.nan])
    x = np.concatenate([np.repeat(special, special.size), rng.uniform(-700, 700, 4000),
                        np.exp(rng.uniform(-700, 700, 4000)), rng.uniform(0.01, 5, 4000)])
    y = np.concatenate([np.tile(np.append(special[:-3], [np.inf, 2.5, np.nan]), special.size),
                        rng.uniform(-3, 3, 12000)])
    out = np.empty((3, x.size))
    apply(x, y, out)
    with np.errstate(all="ignore"):
        expected = np.exp(x), np.log(x), np.power(x, y)
    for got, want in zip(out, expected):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    for got, want in zip(out[:2], expected[:2]):
        finite = np.isfinite(want)
        np.testing.assert_allclose(got[finite], want[finite], rtol=3e-16, atol=0)
    # exp(y log x) carries log's rounding times |y log x| into the result
    finite = np.isfinite(expected[2]) & (expected[2] != 0)
    error = np.abs(out[2][finite] - expected[2][finite]) / np.abs(expected[2][finite])
    with np.errstate(all="ignore"):
        bound = (2 + np.abs(y * np.log(np.abs(x))))[finite] * 2.3e-16
    assert np.all((error == 0) | (error <= bound)), float(np.nanmax(error / bound))
