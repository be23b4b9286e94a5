"""Operator precedence and associativity: the batch engine, PySD and Vensim's rules agree.

Vensim's rules, as its own output shows them: ``^`` is right-associative and binds
tighter than unary minus, so ``-2^2`` is -4 (SDXorg test-models, tests/exponentiation:
Vensim 6.3 gives ``associativity = -2^2`` the value -4 at every time); ``*`` and ``/``
bind tighter than ``+`` and ``-``, and both pairs fold left to right; comparisons bind
looser than arithmetic; ``:NOT:`` binds tighter than ``:AND:`` and ``:OR:``. The expected
values below are worked out by hand from those rules.

PySD's parser folds a unary minus into a number literal (``-2`` becomes the operand
-2.0), which is how the batch engine once computed ``-2^2`` as +4 with no warning.
"""

from __future__ import annotations

import math

import pytest

from simulator.engine.simulate import simulate_file

#: name -> (equation, value by Vensim's rules); x = 2, y = 3, z = 0.
CASES = {
    "neg_literal_power": ("-2^2", -4.0),
    "neg_literal_real_power": ("-2.5^2", -6.25),
    "neg_literal_power_of_reference": ("-2^x", -4.0),
    "neg_reference_power": ("-x^2", -4.0),
    "neg_parenthesised_base": ("-(x)^2", -4.0),
    "parenthesised_negative_base": ("(-x)^2", 4.0),
    "negative_exponent": ("x^-1", 0.5),
    "negative_literal_exponent_in_chain": ("0.5^-2^0.5", 0.5 ** -(2 ** 0.5)),
    "neg_literal_chain": ("-2^2^0.5 + 1", -(2 ** (2 ** 0.5)) + 1),
    "right_associative_chain": ("2^3^2", 512.0),
    "subtract_negative_power": ("1 - -2^2", 5.0),
    "times_negative_power": ("2*-3^2", -18.0),
    "power_before_times": ("2 * x ^ 2", 8.0),
    "minus_folds_left": ("x - y - 1", -2.0),
    "divide_folds_left": ("x / y / 2", 1 / 3),
    "divide_then_times": ("x / y * 3", 2.0),
    "arithmetic_before_comparison": ("IF THEN ELSE(x + 1 > y * 0.5, 1, 0)", 1.0),
    "not_before_and": ("IF THEN ELSE(:NOT: x = 3 :AND: y = 3, 1, 0)", 1.0),
    "not_of_comparison": ("IF THEN ELSE(:NOT: x = 2, 1, 0)", 0.0),
    "negative_power_in_comparison": ("IF THEN ELSE(x - 3 < -y ^ 0.5, 1, 0)", 0.0),
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    lines = ["{UTF-8}"]
    equations = {"x": "2", "y": "3", "z": "0"}
    equations.update({name: equation for name, (equation, _) in CASES.items()})
    for name, equation in equations.items():
        lines.append(f"{name} = {equation}\n\t~\tdmnl\n\t~\t\t|")
    for name, value in (("INITIAL TIME", 0), ("FINAL TIME", 1), ("TIME STEP", 1)):
        lines.append(f"{name} = {value}\n\t~\tMonth\n\t~\t\t|")
    lines.append("SAVEPER = TIME STEP\n\t~\tMonth\n\t~\t\t|")
    path = tmp_path_factory.mktemp("precedence") / "precedence.mdl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {engine: simulate_file(path, engine=engine).iloc[0] for engine in ("pysd", "batch")}


@pytest.mark.parametrize("name", list(CASES))
def test_each_engine_follows_vensims_precedence(outputs, name):
    expected = CASES[name][1]
    for engine in ("pysd", "batch"):
        assert math.isclose(outputs[engine][name], expected, rel_tol=1e-15), (
            f"{engine}: {CASES[name][0]} gave {outputs[engine][name]}, expected {expected}"
        )
