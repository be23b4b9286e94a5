"""Vensim macros on the batch engine: each call expanded, with its own state (issue #16).

Known answers: a macro holding a stock, ``ACCUMULATE(rate, start) = INTEG(rate, start)``,
called twice with different arguments, gives each call its own stock, ``start + rate *
Time`` under Euler with a constant rate; a macro that calls another gives the composed
value. The batch engine must agree with PySD and with those closed forms; a construct it
does not expand is refused by name, so that ``engine="auto"`` falls back to PySD.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.batch import UnsupportedConstructError, compile_model
from simulator.engine.simulate import simulate_file

CONTROL = """
INITIAL TIME = 0
\t~\tMonth
\t~\t\t|
FINAL TIME = 4
\t~\tMonth
\t~\t\t|
TIME STEP = 0.5
\t~\tMonth
\t~\t\t|
SAVEPER = TIME STEP
\t~\tMonth
\t~\t\t|
"""

MACROS = """{UTF-8}
:MACRO: ACCUMULATE(rate, start)
ACCUMULATE = INTEG(rate, start)
\t~\trate
\t~\ta stock per call
\t|

:END OF MACRO:
:MACRO: DOUBLED SUM(a, b)
DOUBLED SUM = 2 * half sum
\t~\tdmnl
\t~\t|
half sum = HALF(a) + HALF(b)
\t~\tdmnl
\t~\tuses another macro, twice
\t|

:END OF MACRO:
:MACRO: HALF(x)
HALF = x / 2
\t~\tdmnl
\t~\t|

:END OF MACRO:
slow = ACCUMULATE(1, 10)
\t~\tdmnl
\t~\t|
fast = ACCUMULATE(growth * 3, start value)
\t~\tdmnl
\t~\t|
growth = 2
\t~\tdmnl
\t~\t|
start value = 5
\t~\tdmnl
\t~\t|
both = ACCUMULATE(1, 0) + ACCUMULATE(2, 0)
\t~\tdmnl
\t~\ttwo calls in one equation: two stocks
\t|
composed = DOUBLED SUM(growth, start value)
\t~\tdmnl
\t~\t|
""" + CONTROL


def _write(tmp_path, text: str, name: str = "macros.mdl"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    path = _write(tmp_path_factory.mktemp("macros"), MACROS)
    return {engine: simulate_file(path, engine=engine) for engine in ("batch", "pysd")}


def test_each_call_of_a_macro_has_its_own_stock(runs):
    out = runs["batch"]
    time = out.index.to_numpy(dtype=float)
    np.testing.assert_allclose(out["slow"], 10 + 1 * time, rtol=1e-15)
    np.testing.assert_allclose(out["fast"], 5 + 6 * time, rtol=1e-15)
    np.testing.assert_allclose(out["both"], 3 * time, rtol=1e-15)


def test_a_macro_may_call_another(runs):
    assert runs["batch"]["composed"].to_numpy() == pytest.approx(7.0, rel=1e-15)


def test_the_batch_engine_agrees_with_pysd_on_macros(runs):
    for column in ("slow", "fast", "both", "composed"):
        np.testing.assert_allclose(runs["batch"][column], runs["pysd"][column],
                                   rtol=1e-12, atol=0)


def test_a_macro_that_calls_itself_is_refused_by_name(tmp_path):
    text = """{UTF-8}
:MACRO: LOOP(x)
LOOP = LOOP(x) + 1
\t~\tdmnl
\t~\t|

:END OF MACRO:
value = LOOP(1)
\t~\tdmnl
\t~\t|
""" + CONTROL
    with pytest.raises(UnsupportedConstructError, match="macros nested deeper than"):
        compile_model(_write(tmp_path, text))


def test_a_call_with_the_wrong_number_of_arguments_is_refused_by_name(tmp_path):
    text = MACROS.replace("fast = ACCUMULATE(growth * 3, start value)", "fast = ACCUMULATE(1)")
    with pytest.raises(UnsupportedConstructError, match="with 1 arguments .it takes 2"):
        compile_model(_write(tmp_path, text))
