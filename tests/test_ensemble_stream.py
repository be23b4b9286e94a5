"""Streamed ensembles (#22): exact target counts, a quantile sketch within its stated bound,
results independent of the chunk size, memory that does not grow with the members."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS_DIR

from simulator import ensemble
from simulator.ensemble import draw_members, draw_parameters, run_ensemble
from simulator.ensemble_stream import check_size, stream_ensemble, summarise_ensemble
from simulator.quantile_sketch import QuantileSketch, rank_error_bound
from simulator.scenario import load_scenario
from simulator.targets import first_year_reached, is_met

LEVELS = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


def assert_within_rank_bound(estimate, values, levels, error):
    """Each estimate lies between the true order statistics of ranks ceil(qN -+ E) (1-based)."""
    ordered = np.sort(values, axis=0)
    n = len(ordered)
    for row, q in zip(estimate, levels):
        low = min(max(math.ceil(q * n - error), 1), n)
        high = min(max(math.ceil(q * n + error), 1), n)
        assert np.all(ordered[low - 1] <= row) and np.all(row <= ordered[high - 1]), (q, error)


@pytest.mark.parametrize("n, m", [(7, 4), (1_000, 8), (50_001, 64), (200_000, 32)])
def test_sketch_quantiles_lie_within_the_stated_rank_error(n, m):
    rng = np.random.default_rng(n)
    # a skewed column, a column of ties (integers) and a constant column
    values = np.column_stack([rng.lognormal(size=n), rng.integers(0, 9, size=n),
                              np.full(n, 3.5)])
    sketch = QuantileSketch(values.shape[1], m)
    cuts = np.unique(rng.integers(0, n, size=40))
    for part in np.split(values, cuts):
        sketch.update(part)
    assert sketch.n == n
    assert 0 <= sketch.rank_error <= rank_error_bound(n, m)
    assert_within_rank_bound(sketch.quantiles(LEVELS), values, LEVELS, sketch.rank_error)


def test_sketch_is_exact_below_its_buffer_and_ignores_how_rows_are_split():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(100, 4))
    small = QuantileSketch(4, 64)  # 100 < 2m: nothing compacted
    small.update(values)
    assert small.rank_error == 0
    expected = np.quantile(values, LEVELS, axis=0, method="inverted_cdf")
    np.testing.assert_array_equal(small.quantiles(LEVELS), expected)
    whole, pieces = QuantileSketch(4, 8), QuantileSketch(4, 8)
    whole.update(values)
    for start in range(0, 100, 7):
        pieces.update(values[start:start + 7])
    np.testing.assert_array_equal(whole.quantiles(LEVELS), pieces.quantiles(LEVELS))


@pytest.fixture(scope="module")
def plan():
    return load_scenario(SCENARIOS_DIR / "ningxia-plan.yaml")


@pytest.fixture
def small_blocks(monkeypatch):
    """Draw blocks of 1,000 members, so that a few thousand span several of them."""
    monkeypatch.setattr(ensemble, "DRAW_BLOCK", 1000)


def test_draws_up_to_a_block_are_those_of_the_seed(plan):
    assert draw_members(plan, 300, 4)[0] == draw_parameters(plan, 300, 4)[0]


def test_draws_come_by_block_from_the_seed_and_the_index(plan, small_blocks):
    draws = draw_members(plan, 2500, 4)[0]
    assert len(draws) == 2500
    assert draws[:1000] == draw_parameters(plan, 1000, 4)[0]
    assert draws[2000:] == draw_parameters(plan, 500, ensemble.block_seed(4, 2))[0]
    assert draws[1000] != draws[0] and draws[2000] != draws[1000]


def test_streamed_targets_equal_the_in_memory_ones_whatever_the_chunk(plan, small_blocks):
    n, seed = 2500, 7
    ens = run_ensemble(plan, n, seed, indicators=sorted({t.indicator for t in plan.targets}))
    exact = summarise_ensemble(plan, n, seed, targets=plan.targets, quantiles=(),
                               indicators=sorted({t.indicator for t in plan.targets}))
    assert not exact.streamed
    streamed = [stream_ensemble(plan, n, seed, targets=plan.targets, quantiles=(0.05, 0.5),
                                indicators=["gdp"], chunk=chunk, m=32)
                for chunk in (n, 700, 333)]
    first = streamed[0]
    assert first.streamed and first.rank_error > 0  # the sketch compacted: a real test
    for summary in streamed:
        assert summary.targets["n"].tolist() == [n] * len(plan.targets)
        # exact counts: the very same fractions as over the runs held in memory
        assert summary.targets["p_met"].tolist() == exact.targets["p_met"].tolist()
        assert (summary.targets["first_year_reached_q50"].tolist()
                == exact.targets["first_year_reached_q50"].tolist())
        # the chunk size changes nothing, the sketch's quantiles included
        assert summary.targets.equals(first.targets)
        assert summary.bands.equals(first.bands)
    in_year = np.column_stack([ens.values[t.indicator][:, list(ens.years).index(t.year)]
                               for t in plan.targets])
    estimate = first.targets[["value_q05", "value_q50", "value_q95"]].to_numpy().T
    assert_within_rank_bound(estimate, in_year, (0.05, 0.5, 0.95), first.rank_error)
    met = [is_met(in_year[:, j], t.value, t.bound).sum() for j, t in enumerate(plan.targets)]
    assert first.targets["p_met"].tolist() == [k / n for k in met]
    assert np.isfinite(first_year_reached(ens.years, ens.values["rd_expenditure"],
                                          plan.targets[0])).any()


def test_streamed_bands_lie_within_the_stated_error_of_the_exact_ones(plan, small_blocks):
    n, seed, levels = 3000, 2, (0.05, 0.5, 0.95)
    ens = run_ensemble(plan, n, seed, indicators=["gdp", "rd_expenditure"])
    streamed = stream_ensemble(plan, n, seed, indicators=["gdp", "rd_expenditure"],
                               quantiles=levels, chunk=800, m=64)
    assert streamed.rank_error > 0
    for name in ("gdp", "rd_expenditure"):
        rows = streamed.bands[streamed.bands["indicator"] == name]
        estimate = rows.pivot(index="quantile", columns="year", values="value").to_numpy()
        assert_within_rank_bound(estimate, ens.values[name], levels, streamed.rank_error)


def test_sizes_over_the_bound_are_refused_naming_it():
    for bad in (0, -5, ensemble.MAX_ENSEMBLE + 1, 10**9, 2.5, True):
        with pytest.raises(ValueError, match="between 1 and 100,000,000 members"):
            check_size(bad)
    check_size(ensemble.MAX_ENSEMBLE)
    with pytest.raises(ValueError, match="at most 100,000 members"):
        run_ensemble(load_scenario(SCENARIOS_DIR / "ningxia-plan.yaml"), 100_001, 1)


_STREAM_IN_A_CAPPED_PROCESS = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from simulator import ensemble
from simulator.ensemble_stream import stream_ensemble
from simulator.scenario import load_scenario
ensemble.DRAW_BLOCK = 1000
plan = load_scenario(sys.argv[3])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
s = stream_ensemble(plan, int(sys.argv[1]), 7, targets=plan.targets, quantiles=(0.5,),
                    indicators=["gdp"], chunk=250)
print(json.dumps({"p_met": s.targets["p_met"].tolist(),
                  "grew_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before}))
"""


def test_streaming_holds_memory_bounded_under_a_cap(plan, small_blocks):
    """Under a 2 GiB address-space cap, 20,000 streamed members (20 draw blocks, chunks of 250)
    give the probabilities of the in-memory run, and the peak grows no more than with 2,000."""
    cap = 2 << 30
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}

    def streamed(n):
        done = subprocess.run([sys.executable, "-c", _STREAM_IN_A_CAPPED_PROCESS, str(n),
                               str(cap), str(SCENARIOS_DIR / "ningxia-plan.yaml")],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    small, large = streamed(2_000), streamed(20_000)
    exact = summarise_ensemble(plan, 20_000, 7, targets=plan.targets, quantiles=())
    assert large["p_met"] == exact.targets["p_met"].tolist()
    # held in memory (summarise_ensemble of the same sizes, measured) the peak grows 46 MiB
    assert large["grew_kib"] - small["grew_kib"] < 8 * 1024, (small, large)


def test_the_commands_stream_above_the_in_memory_bound(tmp_path, monkeypatch, capsys):
    """``run`` and ``targets --ensemble`` stream once N is over MAX_IN_MEMORY (lowered here)."""
    from simulator import ensemble_stream
    from simulator.cli import main
    from simulator.results import read_results

    monkeypatch.setattr(ensemble_stream, "MAX_IN_MEMORY", 50)
    monkeypatch.setattr(ensemble, "DRAW_BLOCK", 40)
    plan = str(SCENARIOS_DIR / "ningxia-plan.yaml")
    out = tmp_path / "bands.csv"
    assert main(["run", plan, "--ensemble", "120", "--seed", "3", "--out", str(out),
                 "--no-time-step-check"]) == 0
    result = read_results(out)
    meta, table = result.metadata, result.frame.reset_index()
    assert meta["ensemble"]["streamed"] and meta["ensemble"]["n"] == 120
    assert meta["ensemble"]["quantile_rank_error"] == 0  # 120 < 2m: the sketch is exact
    assert list(table.columns) == ["year", "indicator", "quantile", "value"]
    assert set(table["quantile"]) == set(ensemble.QUANTILES)
    assert main(["targets", plan, "--ensemble", "120", "--seed", "3",
                 "--no-time-step-check"]) == 0
    assert "streamed: 120 members drawn in 3 seed blocks" in capsys.readouterr().out


def test_members_whose_steps_pass_one_call_stream_in_smaller_chunks(plan, monkeypatch):
    """Over MAX_RUN_STEPS (lowered here) an ensemble streams, chunks capped, not refused."""
    from simulator.engine import timegrid

    exact = summarise_ensemble(plan, 120, 5, targets=plan.targets, quantiles=())
    monkeypatch.setattr(timegrid, "MAX_RUN_STEPS", 15_000)  # 289 steps: 2017-2035 by 1/16
    with pytest.raises(ValueError, match="run-steps, over the bound of 15,000"):
        run_ensemble(plan, 120, 5)
    streamed = summarise_ensemble(plan, 120, 5, targets=plan.targets, quantiles=())
    assert streamed.streamed and "run 51 at a time" in streamed.notes[-1]
    assert streamed.targets["p_met"].tolist() == exact.targets["p_met"].tolist()
