"""The vectorised batch engine (:mod:`simulator.engine.batch`) against PySD, the reference.

Models are written into ``tmp_path`` by the tests themselves (no generated
code is committed). Batch and PySD must agree to ``rtol = 1e-10`` (issue #7):
both evaluate the same equations in double precision, so only the order of
floating-point operations can differ; an absolute floor of 1e-12 covers
values that are exactly zero in one engine and a rounding residue in the
other. Vensim parity on the SDXorg models is in test_simulate_testmodels.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import paths
from simulator.engine.batch import UnsupportedConstructError, compile_model
from simulator.engine.simulate import run_pysd, simulate_file
from simulator.engine.translation import load_pysd_model

RTOL, ATOL = 1e-10, 1e-12
CORE_MODEL = paths.CORE_MODEL

CONTROLS = """
INITIAL TIME = 0 ~ Year ~ |
FINAL TIME = 12 ~ Year ~ |
TIME STEP = 0.25 ~ Year ~ |
SAVEPER = 1 ~ Year ~ |
"""

#: Exercises every construct of the issue's coverage list, with SAVEPER > TIME STEP.
POPULATION_MODEL = """{UTF-8}
Population = INTEG(Births - Deaths, Initial Population) ~ people ~ |
Initial Population = Capacity * Initial Fill ~ people ~ |
Capacity = 1000 ~ people ~ |
Initial Fill = 0.1 ~ dmnl ~ |
Births = Population * Birth Rate * Crowding ~ people/Year ~ |
Birth Rate = 0.3 ~ 1/Year ~ |
Crowding = MAX(0, 1 - (Population / Capacity) ^ Shape) ~ dmnl ~ |
Shape = 2 ~ dmnl ~ |
Deaths = ZIDZ(Population, Lifetime * (1 + Policy)) ~ people/Year ~ |
Lifetime = 8 ~ Year ~ |
Policy = IF THEN ELSE(Time >= Policy Year :AND: Lifetime > 0, MIN(Policy Strength, 1), 0)
  ~ dmnl ~ |
Policy Year = 5 ~ Year ~ |
Policy Strength = 0.5 ~ dmnl ~ |
Perceived = SMOOTHI(Population, Perception Time, Initial Population) ~ people ~ |
Perceived3 = SMOOTH3(Births, 1.5) + SMOOTH(Deaths, 0.5) + SMOOTH3I(Births, 1, 3.5) ~ people ~ |
Perceived N = SMOOTH N(Population, 2, Initial Population, 2) ~ people ~ |
Perception Time = 2 ~ Year ~ |
Reported Births = DELAY FIXED(Births, Reporting Lag, Births) ~ people/Year ~ |
Reporting Lag = 1 ~ Year ~ |
Shipped = DELAY1(Births, 1) + DELAY1I(Deaths, 2, 5) + DELAY3(Births, 1.5)
  + DELAY3I(Deaths, 3, 4) + DELAY N(Births, Lifetime, 0, 2) ~ people/Year ~ |
Start Population = INITIAL(Population) ~ people ~ |
Growth Index = XIDZ(Population, Start Population, 1) ~ dmnl ~ |
Growth Trend = TREND(Population, 3, 0.1) ~ 1/Year ~ |
Pressure = ACTIVE INITIAL(Births / Capacity, 0.05) ~ 1/Year ~ |
Pressure Memory = INTEG(Pressure - Pressure Memory, Pressure) ~ 1/Year ~ |
Effect Table([(0,0)-(100,2)],(0,1),(1,1),(2,0.5),(3,0.2),(100,0.1)) ~ dmnl ~ |
Table Effect = Effect Table(Growth Index) ~ dmnl ~ |
Inline Effect = WITH LOOKUP(Growth Index, ([(0,0)-(100,2)],(0,0),(1,1),(2,1.5),(100,2))) ~ dmnl ~ |
Inputs = PULSE(3, 1) + PULSE TRAIN(2, 0.5, 3, 10) + RAMP(1, 2, 4) + STEP(2, 6) ~ dmnl ~ |
Arithmetic = INTEGER(Population / 7) + MODULO(Population, 7) - ABS(Growth Trend)
  + SQRT(Population) + LN(1 + Population) + EXP(-Time / 10) + SIN(Time) * COS(Time)
  + ARCTAN(Growth Index) + Population ^ 0.5 ^ 2 ~ dmnl ~ |
Is Large = IF THEN ELSE(Population > Capacity / 2 :OR: :NOT: (Growth Index <> 1), 1, 0)
  ~ dmnl ~ |
""" + CONTROLS

POPULATION_RANGES = {  # in-bounds parameter ranges for random scenarios
    "Capacity": (500.0, 2000.0),
    "Initial Fill": (0.05, 0.5),
    "Birth Rate": (0.1, 0.5),
    "Lifetime": (4.0, 12.0),
    "Policy Strength": (0.0, 1.5),
    "Shape": (1.0, 3.0),
}


@pytest.fixture
def population(tmp_path) -> Path:
    """Write the coverage model into tmp_path."""
    path = tmp_path / "population.mdl"
    path.write_text(POPULATION_MODEL, encoding="utf-8")
    return path


def pysd_run(path: Path, params: dict | None = None, **kwargs) -> pd.DataFrame:
    """Run PySD; a time-varying value for a constant is intended, so that warning is muted."""
    model = load_pysd_model(path)
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Replacing a constant value with a time-dependent value"
        )
        return run_pysd(model, params=params or {}, **kwargs)


def assert_matches_pysd(batch: dict, row: int, reference: pd.DataFrame):
    """Assert scenario ``row`` of a batch result equals a PySD frame to RTOL/ATOL."""
    for name, column in reference.items():
        np.testing.assert_allclose(
            batch[name][row], column.to_numpy(dtype=float), rtol=RTOL, atol=ATOL, err_msg=name
        )


def random_params(rng: np.random.Generator, n: int, ranges: dict) -> dict:
    """Draw ``n`` values uniformly within each named range."""
    return {name: rng.uniform(low, high, n) for name, (low, high) in ranges.items()}


# --- parity with PySD -------------------------------------------------------


def test_defaults_match_pysd(population):
    """With the model's defaults, batch output equals PySD's (columns, times, values)."""
    model = compile_model(population)
    reference = pysd_run(population)
    frame = model.run_dataframe()
    assert list(frame.columns) == list(reference.columns)
    np.testing.assert_array_equal(frame.index.to_numpy(), reference.index.to_numpy())
    assert_matches_pysd(model.run(), 0, reference)
    assert len(frame) == 13  # SAVEPER 1 over 0..12 with TIME STEP 0.25


def test_per_scenario_params_match_pysd(population):
    """Each of N random scenarios equals a PySD run with the same constants."""
    rng = np.random.default_rng(20240607)
    params = random_params(rng, 4, POPULATION_RANGES)
    params["Reporting Lag"] = np.array([0.5, 1.0, 1.75, 2.5])  # multiples of TIME STEP
    batch = compile_model(population).run(params)
    for row in range(4):
        scenario = {name: float(values[row]) for name, values in params.items()}
        assert_matches_pysd(batch, row, pysd_run(population, scenario))


def test_overridden_constant_flows_into_initial_values(population):
    """A constant override changes INITIAL-dependent stock values, as in PySD."""
    model = compile_model(population)
    batch = model.run({"Capacity": [1000.0, 3000.0]}, return_columns=["Population",
                                                                       "Start Population"])
    assert batch["Population"][:, 0].tolist() == [100.0, 300.0]  # Capacity * Initial Fill
    assert batch["Start Population"][1].tolist() == [300.0] * 13
    assert_matches_pysd(batch, 1, pysd_run(population, {"Capacity": 3000.0},
                                           return_columns=["Population", "Start Population"]))


def test_time_varying_params_match_pysd_series(population):
    """An (N, n_grid) path equals PySD given the same values as a Series."""
    model = compile_model(population)
    grid = model.grid_times()
    assert len(grid) == 49 and grid[-1] == 12.0
    paths = np.vstack([0.2 + 0.05 * grid, 1.0 - 0.06 * grid])  # (N=2, n_grid)
    batch = model.run({"Policy Strength": paths, "birth_rate": [0.2, 0.4]})
    for row in range(2):
        params = {
            "Policy Strength": pd.Series(paths[row], index=grid),
            "Birth Rate": [0.2, 0.4][row],
        }
        assert_matches_pysd(batch, row, pysd_run(population, params))


@pytest.mark.parametrize(
    "controls",
    [
        {"final_time": 7.0},
        {"time_step": 0.125, "saveper": 0.5},
        {"final_time": 9.5, "saveper": 0.25},
    ],
)
def test_control_overrides_match_pysd(population, controls):
    """FINAL TIME, TIME STEP and SAVEPER overrides sample as PySD does."""
    model = compile_model(population)
    batch = model.run(**controls)
    reference = pysd_run(population, **controls)
    np.testing.assert_array_equal(model.output_times(**controls), reference.index.to_numpy())
    assert_matches_pysd(batch, 0, reference)


def test_initial_time_override_equals_model_with_that_initial_time(population, tmp_path):
    """run(initial_time=2) equals PySD on the model file edited to INITIAL TIME = 2."""
    edited = tmp_path / "later.mdl"
    edited.write_text(POPULATION_MODEL.replace("INITIAL TIME = 0", "INITIAL TIME = 2"))
    model = compile_model(population)
    np.testing.assert_array_equal(model.output_times(initial_time=2.0), np.arange(2.0, 13.0))
    assert model.grid_times(initial_time=2.0)[0] == 2.0
    assert_matches_pysd(model.run(initial_time=2.0), 0, pysd_run(edited))


@pytest.mark.skipif(not CORE_MODEL.is_file(), reason=f"core model absent: {CORE_MODEL}")
def test_core_model_matches_pysd():
    """The core model matches PySD by default, with constants and a lever path."""
    model = compile_model(CORE_MODEL)
    assert_matches_pysd(model.run(), 0, pysd_run(CORE_MODEL))
    rng = np.random.default_rng(7)
    constants = [
        model.program.names[p] for p, kind in model.program.kinds.items() if kind == "constant"
    ]
    defaults = model.run(return_columns=constants)
    grid = model.grid_times()
    params = {name: defaults[name][0, 0] * rng.uniform(0.9, 1.1, 2) for name in constants[:12]}
    lever = constants[-1]
    params[lever] = np.outer(defaults[lever][0, :1] * [1.0, 1.2], 1 + 0.02 * (grid - grid[0]))
    with warnings.catch_warnings():
        # perturbed delay times that are not multiples of TIME STEP; both engines warn alike
        warnings.filterwarnings("ignore", message=r"(?s).*Casting delay order")
        batch = model.run(params)
        for row in range(2):
            scenario = {k: float(v[row]) for k, v in params.items() if k != lever}
            scenario[lever] = pd.Series(params[lever][row], index=grid)
            assert_matches_pysd(batch, row, pysd_run(CORE_MODEL, scenario))


# --- scenario axis ------------------------------------------------------------


def test_results_independent_of_n_and_chunking(population):
    """Results are bit-identical whatever N and however scenarios are chunked."""
    model = compile_model(population)
    rng = np.random.default_rng(11)
    params = random_params(rng, 37, POPULATION_RANGES)
    whole = model.run(params)
    chunked = model.run_chunked(params, chunk_size=8)
    single = model.run({name: values[21] for name, values in params.items()})
    for name in whole:
        assert whole[name].shape == (37, 13)
        np.testing.assert_array_equal(chunked[name], whole[name], err_msg=name)
        np.testing.assert_array_equal(single[name][0], whole[name][21], err_msg=name)


def test_step_tables_do_not_change_results(population, monkeypatch):
    """Small runs read time-only values from tables made before the loop; same bits without."""
    model = compile_model(population)
    rng = np.random.default_rng(12)
    params = random_params(rng, 5, POPULATION_RANGES)
    n_grid = len(model.grid_times())
    params["Policy Year"] = rng.uniform(3, 8, (5, 1)) + 0.1 * np.arange(n_grid)  # a time path
    with_tables = model.run(params)
    monkeypatch.setattr("simulator.engine.batch.engine.TABLE_ELEMENTS", 0)
    without = model.run(params)
    for name in with_tables:
        np.testing.assert_array_equal(with_tables[name], without[name], err_msg=name)


def test_cached_schedules_and_loops_are_bounded(population, monkeypatch):
    """At most MAX_CACHED schedules and loops are kept; an evicted one is rebuilt, same bits."""
    monkeypatch.setattr("simulator.engine.batch.engine.MAX_CACHED", 2)
    model = compile_model(population)
    columns = (["Population"], ["Births"], ["Deaths"], ["Population", "Births"])
    first = [model.run({"Capacity": 1500.0}, return_columns=c) for c in columns]
    assert len(model._runner._schedules) == 2 and len(model._runner._loops) == 2
    again = model.run({"Capacity": 1500.0}, return_columns=columns[0])  # evicted: rebuilt
    np.testing.assert_array_equal(again["Population"], first[0]["Population"])
    assert len(model._runner._loops) == 2


def test_scalar_params_broadcast_to_n(population):
    """Scalars broadcast to n scenarios; Python names work as output keys."""
    model = compile_model(population)
    out = model.run({"Capacity": 1500.0}, n=3, return_columns=["Population", "population"])
    assert out["Population"].shape == (3, 13)
    np.testing.assert_array_equal(out["Population"], out["population"])
    assert np.all(out["Population"] == out["Population"][0])


def test_simulate_file_batch_equals_pysd_frame(population):
    """simulate_file returns the same frame from both engines."""
    batch = simulate_file(population, engine="batch")
    reference = simulate_file(population, engine="pysd")
    pd.testing.assert_index_equal(batch.index, reference.index)
    pd.testing.assert_frame_equal(batch, reference.astype(float), rtol=RTOL, atol=ATOL)


def test_compiled_model_cached_by_content(population):
    """compile_model reuses the compiled object until the file changes."""
    first = compile_model(population)
    assert compile_model(str(population)) is first
    population.write_text(POPULATION_MODEL.replace("Capacity = 1000", "Capacity = 900"))
    second = compile_model(population)
    assert second is not first
    assert second.run(return_columns=["Capacity"])["Capacity"][0, 0] == 900.0


# --- errors -------------------------------------------------------------------


def test_unknown_param_suggests_names(population):
    """An unknown parameter is a KeyError suggesting close names."""
    with pytest.raises(KeyError, match=r"No variable named 'Birth Rat'.*did you mean.*Birth Rate"):
        compile_model(population).run({"Birth Rat": 0.2})


def test_unknown_return_column(population):
    """An unknown output name is a KeyError suggesting close names."""
    with pytest.raises(KeyError, match="'Popluation'.*did you mean.*Population"):
        compile_model(population).run(return_columns=["Popluation"])


@pytest.mark.parametrize(
    ("params", "n", "error", "match"),
    [
        ({"Capacity": np.ones((2, 5))}, None, ValueError, r"5 columns.*n_grid=49"),
        ({"Capacity": np.ones(3), "Shape": np.ones(4)}, None, ValueError, "disagree"),
        ({"Capacity": np.ones(3)}, 4, ValueError, r"\[3\] scenarios, n=4"),
        ({"Capacity": 1.0}, 0, ValueError, "n must be a positive integer"),
        ({"Capacity": np.ones((2, 2, 2))}, None, ValueError, "0, 1 or 2 dimensions"),
        ({"Capacity": "big"}, None, TypeError, "'Capacity' must be numeric"),
        ({"TIME STEP": 0.5}, None, ValueError, r"control variable; pass it as run\(\.\.\., time"),
        ({"Population": 5.0}, None, ValueError, "'Population' is a stateful variable"),
        ({"Effect Table": 5.0}, None, ValueError, "'Effect Table' is a lookup variable"),
    ],
)
def test_bad_params(population, params, n, error, match):
    """Bad shapes, types and targets of params raise the documented errors."""
    with pytest.raises(error, match=match):
        compile_model(population).run(params, n)


def test_bad_controls_and_chunks(population):
    """Non-positive steps or chunks, lookups as outputs and non-str names fail."""
    model = compile_model(population)
    with pytest.raises(ValueError, match="'Effect Table' is a lookup"):
        model.run(return_columns=["Effect Table"])
    with pytest.raises(ValueError, match="TIME STEP must be positive, got 0.0"):
        model.run(time_step=0)
    with pytest.raises(ValueError, match="chunk_size must be a positive integer, got 0"):
        model.run_chunked({}, chunk_size=0)
    with pytest.raises(TypeError, match="variable names must be str, got int"):
        model.run(return_columns=[3])


def _write(tmp_path, name, equations):
    path = tmp_path / name
    path.write_text("{UTF-8}\n" + equations + CONTROLS, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("equations", "variable", "construct"),
    [
        ("Region: GET XLS SUBSCRIPT('a.xlsx', 'x', 'A1', 'A2', '') ~~|\nPop[Region] = 1 ~~|\n",
         "Region", "subscript ranges read from files"),
        ("Noise = RANDOM POISSON(0, 10, 5, 1, 0, 3) ~~|\n", "Noise", "the function RANDOM POISSON"),
        # external files are read at compile time; a.xlsx is absent
        ("Data Var := GET XLS DATA('a.xlsx', 'x', '1', 'B2') ~~|\n", "Data Var",
         "an external file that cannot be read"),
        ("Ext = GET XLS CONSTANTS('a.xlsx', 'x', 'B2') ~~|\n", "Ext",
         "an external file that cannot be read"),
        ("Region: North, South ~~|\nShares = 1 ~~|\nTotal = SUM(Shares[Region!]) ~~|\n",
         "Total", "subscripts"),
        ("Ratio = XIDZ(1, 2) ~~|\n", "Ratio", "XIDZ with 2 arguments"),  # a malformed call
        ("Ratio = ZIDZ(1, 2, 3) ~~|\n", "Ratio", "ZIDZ with 3 arguments"),
    ],
)
def test_unsupported_constructs(tmp_path, equations, variable, construct):
    """Unsupported constructs raise UnsupportedConstructError naming variable and construct."""
    path = _write(tmp_path, "odd.mdl", equations)
    with pytest.raises(UnsupportedConstructError, match=f"'{variable}' uses {construct}") as info:
        compile_model(path)
    assert isinstance(info.value, ValueError)
    assert info.value.variable == variable


def test_order_differing_by_scenario_is_unsupported(tmp_path):
    """A SMOOTH N order that differs by scenario is unsupported; equal orders run."""
    equations = "A = 1 ~~|\nB = SMOOTH N(A, 2, A, Order) ~~|\nOrder = 2 ~~|\n"
    path = _write(tmp_path, "order.mdl", equations)
    model = compile_model(path)
    assert model.run({"Order": [2.0, 2.0]})["B"].shape == (2, 13)
    with pytest.raises(UnsupportedConstructError, match="'B' uses SMOOTH N with an order that"):
        model.run({"Order": [1.0, 2.0]})


def test_missing_and_unparseable_files(tmp_path):
    """Missing and unparseable files raise FileNotFoundError and ValueError."""
    with pytest.raises(FileNotFoundError, match="absent.mdl"):
        compile_model(tmp_path / "absent.mdl")
    broken = tmp_path / "broken.mdl"
    broken.write_text("not ( a model\n")
    with pytest.raises(ValueError, match=r"PySD cannot parse model file '.*broken\.mdl'"):
        compile_model(broken)


def test_algebraic_loop_is_reported(tmp_path):
    """Simultaneous equations are a ValueError naming the loop."""
    path = _write(tmp_path, "loop.mdl", "A = B + 1 ~~|\nB = A * 2 ~~|\n")
    with pytest.raises(ValueError, match=r"algebraic loop .*: a -> b -> a"):
        compile_model(path).run()


def test_a_new_process_loads_the_compiled_program_from_the_disk_cache(tmp_path, monkeypatch):
    """The batch engine parses and compiles a model file once per content, for every process."""
    import simulator.engine.batch.model as batch_model_module
    import simulator.engine.translation as translation

    monkeypatch.setenv("INNOVATION_DYNAMICS_CACHE", str(tmp_path))
    monkeypatch.setattr(batch_model_module, "_COMPILED", {})
    first = compile_model(CORE_MODEL).run()
    cached = sorted(p.name for p in tmp_path.rglob("*.pickle"))
    assert cached[0] == "abstract-model.pickle" and cached[1].startswith("batch-program-")

    # A new process starts with an empty in-memory cache; parsing or compiling would raise.
    def refuse(*args, **kwargs):
        raise AssertionError("parsed or compiled again")

    monkeypatch.setattr(batch_model_module, "_COMPILED", {})
    monkeypatch.setattr(batch_model_module, "build_program", refuse)
    monkeypatch.setattr(translation, "abstract_model", refuse)
    again = compile_model(CORE_MODEL).run()
    for name in first:
        np.testing.assert_array_equal(again[name], first[name])
