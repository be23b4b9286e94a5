"""Vensim parity of :func:`simulator.engine.simulate.simulate_file` on the SDXorg test models.

Each case of ``../shared/testmodels/manifest.json`` (every ``.mdl`` and, as
extra coverage of PySD's XMILE translator, every ``.xmile``) is run with both
engines and compared with the output Vensim itself produced, using the
convention of ``../shared/testmodels/README.md`` (rtol = atol = 1e-5: the
canonical files print about six significant digits).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import paths
from simulator.engine import simulate, translation
from simulator.engine.simulate import simulate_file
from simulator.engine.translation import load_pysd_model
from simulator.engine.vensim_output import (
    compare_to_reference,
    fill_constants,
    read_vensim_output,
)

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
TESTMODELS_DIR = SHARED_DIR / "testmodels"
SKIP_REASON = (
    f"reference test models not found at {TESTMODELS_DIR} "
    "(the read-only ../shared folder beside the repository)"
)

#: Warnings a case is expected to emit, as {model file: message regex}.
#: DELAY FIXED with a delay time that is not a multiple of TIME STEP rounds
#: the pipeline length; PySD (and the batch engine, which mirrors it) warns.
EXPECTED_WARNINGS = {"test_delay_fixed.mdl": "Casting delay order"}


def _cases() -> list:
    manifest = TESTMODELS_DIR / "manifest.json"
    if not manifest.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=SKIP_REASON), id="absent")]
    cases = []
    for folder, entry in json.loads(manifest.read_text(encoding="utf-8")).items():
        if folder.startswith("_"):
            continue
        for case in entry["cases"]:
            cases.append(pytest.param((folder, case), id=f"{folder}/{case['model']}"))
    return cases


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    """Translate into a fresh cache folder so tests never touch the user's cache."""
    old = os.environ.get(paths.CACHE_ENV_VAR)
    os.environ[paths.CACHE_ENV_VAR] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ[paths.CACHE_ENV_VAR]
    else:
        os.environ[paths.CACHE_ENV_VAR] = old


def _expect_warnings(model_name: str):
    pattern = EXPECTED_WARNINGS.get(model_name)
    return pytest.warns(UserWarning, match=pattern) if pattern else contextlib.nullcontext()


@pytest.mark.parametrize("engine", ["pysd", "batch"])
@pytest.mark.parametrize("case", _cases())
def test_matches_vensim_output(case, engine):
    """Each engine reproduces Vensim's canonical output of every .mdl test model."""
    folder, spec = case
    canonical = next(iter(sorted((TESTMODELS_DIR / folder).glob("output.*"))))
    with _expect_warnings(spec["model"]):
        run = simulate_file(TESTMODELS_DIR / folder / spec["model"], engine=engine)
    assert run.index.name == "Time"
    problems = compare_to_reference(
        run,
        read_vensim_output(canonical),
        align_time_index=spec.get("align_time_index", False),
        normalize_names=spec.get("normalize_names", False),
    )
    assert problems == []


# --- errors ---------------------------------------------------------------


@pytest.mark.parametrize("engine", ["pysd", "batch"])
def test_missing_file_names_path(tmp_path, engine):
    """A missing model file raises FileNotFoundError naming the path."""
    missing = tmp_path / "nowhere.mdl"
    with pytest.raises(FileNotFoundError, match="nowhere.mdl"):
        simulate_file(missing, engine=engine)


def test_unsupported_extension(tmp_path):
    """An extension PySD cannot read is a ValueError listing the valid ones."""
    model = tmp_path / "model.txt"
    model.write_text("x = 1 ~~|")
    with pytest.raises(ValueError, match=r"model\.txt.*'\.txt' is not one of"):
        simulate_file(model)


def test_unparseable_model_is_value_error(tmp_path):
    """A file PySD cannot parse is a one-line ValueError naming the file."""
    model = tmp_path / "broken.mdl"
    model.write_text("this is not ( a vensim model\n")
    with pytest.raises(ValueError, match=r"PySD cannot translate model file '.*broken\.mdl'"):
        load_pysd_model(model)


def test_unknown_engine_lists_choices(tmp_path):
    """An unknown engine is a ValueError listing the valid engines."""
    with pytest.raises(ValueError, match=r"'fast' is not a valid engine.*'pysd'"):
        simulate_file(tmp_path / "any.mdl", engine="fast")


# --- translation cache ----------------------------------------------------

TINY_MODEL = """{UTF-8}
Stock = INTEG(Rate, 1) ~ widget ~ |
Rate = Gain * Stock ~ widget/Month ~ |
Gain = %s ~ 1/Month ~ |
INITIAL TIME = 0 ~ Month ~ |
FINAL TIME = 4 ~ Month ~ |
TIME STEP = 1 ~ Month ~ |
SAVEPER = TIME STEP ~ Month ~ |
"""


def test_translation_is_cached_by_content(tmp_path):
    """The translation is reused for unchanged content and redone when it changes."""
    model = tmp_path / "tiny.mdl"
    model.write_text(TINY_MODEL % "0.5")
    first = load_pysd_model(model)
    py_file = translation.pysd_cache_dir(model) / "tiny.py"
    assert py_file.is_file()
    assert not (tmp_path / "tiny.py").exists()  # never writes beside the model
    stamp = py_file.stat().st_mtime_ns
    second = load_pysd_model(model)
    assert py_file.stat().st_mtime_ns == stamp  # reused, not re-translated
    assert second is not first
    # Stock doubles by 1.5 each month: 1.5**4 at t=4.
    assert simulate.run_pysd(second)["Stock"].iloc[-1] == pytest.approx(1.5**4, rel=1e-12)

    model.write_text(TINY_MODEL % "1")  # changed content -> new translation
    assert translation.pysd_cache_dir(model) != py_file.parent
    assert simulate.run_pysd(load_pysd_model(model))["Stock"].iloc[-1] == pytest.approx(16.0)


def test_cache_root_env_override(monkeypatch, tmp_path):
    """INNOVATION_DYNAMICS_CACHE overrides the default cache root."""
    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(tmp_path / "c"))
    assert paths.cache_root() == tmp_path / "c"
    monkeypatch.delenv(paths.CACHE_ENV_VAR)
    assert paths.cache_root() == Path.home() / ".cache" / "innovation-dynamics"


# --- vensim_output --------------------------------------------------------


def test_read_cr_line_endings():
    """SIR's output.csv (CR line endings) reads into 3201 rows of 8 variables."""
    if not TESTMODELS_DIR.is_dir():
        pytest.skip(SKIP_REASON)
    frame = read_vensim_output(TESTMODELS_DIR / "SIR" / "output.csv")
    assert frame.index.name == "Time"
    assert frame.shape == (3201, 8)
    assert frame.index[-1] == 100.0
    assert frame.loc[0.0, "Susceptible"] == 1000.0


def test_read_tab_and_transposed_agree(tmp_path):
    """A transposed file reads the same as a row-per-time one."""
    tab = tmp_path / "output.tab"
    tab.write_text("Time\tA\tC\r\n0\t1\t5\r\n1\t2\t\r\n2\t4\t\r\n")
    transposed = tmp_path / "output.csv"
    transposed.write_text("Time,0,1,2\nA,1,2,4\nC,5,,\n")
    by_row = read_vensim_output(tab)
    by_column = read_vensim_output(transposed)
    pd.testing.assert_frame_equal(by_row, by_column)
    assert by_row["A"].tolist() == [1.0, 2.0, 4.0]
    assert fill_constants(by_row)["C"].tolist() == [5.0, 5.0, 5.0]


def test_read_output_errors(tmp_path):
    """Missing files, odd extensions and files without Time raise clear errors."""
    with pytest.raises(FileNotFoundError, match="output.tab"):
        read_vensim_output(tmp_path / "output.tab")
    odd = tmp_path / "output.xls"
    odd.write_text("")
    with pytest.raises(ValueError, match=r"'\.xls' is not one of \['\.csv', '\.tab'\]"):
        read_vensim_output(odd)
    no_time = tmp_path / "output.csv"
    no_time.write_text("Year,A\n0,1\n")
    with pytest.raises(ValueError, match="no 'Time' column"):
        read_vensim_output(no_time)


def _frame(values: dict, times=(0.0, 0.5, 1.0)) -> pd.DataFrame:
    return pd.DataFrame(values, index=pd.Index(list(times), name="Time"))


def test_compare_tolerance_is_atol_plus_rtol_actual():
    """Values pass within atol + rtol*|actual| and fail just beyond it."""
    expected = _frame({"x": [100.0, 100.0, 100.0]})
    inside = _frame({"x": [100.0, 100.0 + 0.9 * (1e-5 + 1e-5 * 100), 100.0]})
    outside = _frame({"x": [100.0, 100.0 + 1.1 * (1e-5 + 1e-5 * 100), 100.0]})
    assert compare_to_reference(inside, expected) == []
    problems = compare_to_reference(outside, expected)
    assert len(problems) == 1 and "column 'x': 1 of 3 values differ" in problems[0]
    assert "Time=0.5" in problems[0]


def test_compare_reports_missing_columns_and_constants_fill():
    """Missing columns are reported; blank constants take their first value."""
    expected = _frame({"x": [1.0, 2.0, 3.0], "K": [7.0, np.nan, np.nan]})
    assert compare_to_reference(_frame({"x": [1.0, 2.0, 3.0], "K": 7.0}), expected) == []
    problems = compare_to_reference(_frame({"x": [1.0, 2.0, 3.0]}), expected)
    assert problems == ["columns missing from the run: ['K']"]
    wrong_constant = compare_to_reference(_frame({"x": [1.0, 2.0, 3.0], "K": 8.0}), expected)
    assert "column 'K': 3 of 3" in wrong_constant[0]


def test_compare_time_index_exact_or_aligned():
    """Time must match exactly unless aligned within six-digit rounding."""
    actual = _frame({"x": [1.0, 2.0, 3.0]}, times=(0.0, 0.03125, 93.09375))
    printed = _frame({"x": [1.0, 2.0, 3.0]}, times=(0.0, 0.03125, 93.0938))
    assert "time index differs" in compare_to_reference(actual, printed)[0]
    assert compare_to_reference(actual, printed, align_time_index=True) == []
    far = _frame({"x": [1.0, 2.0, 3.0]}, times=(0.0, 0.03125, 93.1))
    assert "no model time within six-digit rounding" in compare_to_reference(
        actual, far, align_time_index=True
    )[0]


def test_compare_normalized_names():
    """Name normalisation matches snake_case columns to Vensim names."""
    expected = _frame({"Contact Infectivity": [0.3, 0.3, 0.3]})
    actual = _frame({"contact_infectivity": [0.3, 0.3, 0.3]})
    assert compare_to_reference(actual, expected)[0].startswith("columns missing")
    assert compare_to_reference(actual, expected, normalize_names=True) == []
