"""Models at the edges of what the engines run: data files, refusals, fallbacks.

Data files a model reads (GET DIRECT ...) are found beside the .mdl. The PySD
translation is cached under the content hash of the .mdl alone, so these
tests also check that an edited data file is read afresh, not served from the
cache, and that a missing one is a one-line error naming it.
"""

import pytest

from simulator.engine.simulate import simulate_file

MODEL = """{UTF-8}
growth rate = GET DIRECT CONSTANTS('rates.csv', ',', 'B2')
\t~\t1/Year
\t~\t|
stock = INTEG(stock * growth rate, 100)
\t~\tunits
\t~\t|
INITIAL TIME = 0
\t~\tYear
\t~\t|
FINAL TIME = 2
\t~\tYear
\t~\t|
TIME STEP = 1
\t~\tYear
\t~\t|
SAVEPER = TIME STEP
\t~\tYear
\t~\t|
"""


def write_model(folder, rate):
    """Write the model and its rates.csv into ``folder``; return the .mdl path."""
    (folder / "rates.csv").write_text(f"name,value\ngrowth,{rate}\n", encoding="utf-8")
    path = folder / "grows.mdl"
    path.write_text(MODEL, encoding="utf-8")
    return path


def test_a_data_file_beside_the_model_is_read(tmp_path):
    frame = simulate_file(write_model(tmp_path, 0.5), engine="pysd")
    assert frame["growth rate"].iloc[0] == 0.5
    assert frame["stock"].tolist() == [100.0, 150.0, 225.0]


def test_an_edited_data_file_is_read_again_not_taken_from_the_cache(tmp_path):
    simulate_file(write_model(tmp_path, 0.5), engine="pysd")
    frame = simulate_file(write_model(tmp_path, 0.1), engine="pysd")
    assert frame["stock"].tolist() == pytest.approx([100.0, 110.0, 121.0], rel=1e-12)


def test_a_missing_data_file_is_one_line_naming_it(tmp_path):
    path = write_model(tmp_path, 0.5)
    (tmp_path / "rates.csv").unlink()
    with pytest.raises(ValueError) as caught:
        simulate_file(path, engine="pysd")
    message = str(caught.value)
    assert "\n" not in message
    assert "rates.csv' not found" in message


def test_auto_falls_back_to_pysd_for_a_model_with_data_files(tmp_path):
    frame = simulate_file(write_model(tmp_path, 0.5), engine="auto")
    assert frame["stock"].iloc[-1] == 225.0


def test_a_function_pysd_cannot_run_is_one_line_not_a_traceback(tmp_path):
    # GET TIME VALUE relative to the start of the simulation (first argument
    # 1) translates, but PySD raises NotImplementedError when it runs.
    path = tmp_path / "time_value.mdl"
    path.write_text(
        MODEL.replace("GET DIRECT CONSTANTS('rates.csv', ',', 'B2')", "GET TIME VALUE(1, 0, 0)"),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="NotImplementedError: 'relativeto=1' not implemented"):
        simulate_file(path, engine="pysd")


def test_a_time_step_that_changes_during_the_run_is_refused_at_compile_time(tmp_path):
    from simulator.engine.batch import UnsupportedConstructError, compile_model

    path = tmp_path / "dynamic_step.mdl"
    path.write_text(
        MODEL.replace("GET DIRECT CONSTANTS('rates.csv', ',', 'B2')", "0.5").replace(
            "TIME STEP = 1", "TIME STEP = IF THEN ELSE(Time < 1, 1, 0.5)"
        ),
        encoding="utf-8",
    )
    with pytest.raises(UnsupportedConstructError, match="'TIME STEP' uses a control variable"):
        compile_model(path)
    # so auto falls back to PySD instead of failing at run time
    assert simulate_file(path, engine="auto")["stock"].iloc[0] == 100.0


def test_a_model_using_log_compiles_into_the_disk_cache(tmp_path, monkeypatch):
    # LOG(x, base) was a lambda, which cannot be pickled: compiling any model
    # that used it failed with PicklingError (SDXorg tests/log).
    from simulator import paths
    from simulator.engine.batch import compile_model

    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(tmp_path / "cache"))
    path = tmp_path / "log.mdl"
    path.write_text(
        MODEL.replace("GET DIRECT CONSTANTS('rates.csv', ',', 'B2')", "LOG(100, 10) / 4"),
        encoding="utf-8",
    )
    frame = compile_model(path).run_dataframe()
    assert frame["growth rate"].iloc[0] == pytest.approx(0.5, rel=1e-15)
    assert list((tmp_path / "cache").rglob("batch-program-*.pickle"))


def test_a_vensim_output_file_in_latin_1_is_read(tmp_path):
    from simulator.engine.vensim_output import read_vensim_output

    path = tmp_path / "output.tab"
    path.write_bytes("Time\tcaf\xe9\n0\t1\n1\t2\n".encode("latin-1"))
    frame = read_vensim_output(path)
    assert frame["caf\xe9"].tolist() == [1.0, 2.0]


def test_get_time_value_of_the_model_clock_runs_on_both_engines(tmp_path):
    """GET TIME VALUE(0, offset, 0) is the model time plus the offset (Vensim, PySD)."""
    from simulator.engine.batch import UnsupportedConstructError, compile_model

    path = tmp_path / "time_value.mdl"
    path.write_text(MODEL.replace("GET DIRECT CONSTANTS('rates.csv', ',', 'B2')",
                                  "GET TIME VALUE(0, 0.25, 0) / 10"), encoding="utf-8")
    runs = {engine: simulate_file(path, engine=engine) for engine in ("batch", "pysd")}
    for frame in runs.values():
        assert list(frame["growth rate"]) == pytest.approx([0.025, 0.125, 0.225], rel=1e-15)
    assert list(runs["batch"]["stock"]) == list(runs["pysd"]["stock"])
    # the computer clock or the initial time are refused by name, so auto falls back
    path.write_text(MODEL.replace("GET DIRECT CONSTANTS('rates.csv', ',', 'B2')",
                                  "GET TIME VALUE(2, 0, 1)"), encoding="utf-8")
    with pytest.raises(UnsupportedConstructError, match=r"GET TIME VALUE\(2, ..., 1\)"):
        compile_model(path)
