"""Tests for simulator.engine.units (units check) and simulator.engine.units_algebra."""

import dataclasses
import doctest
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import units_algebra
from simulator.engine.units import UnitIssue, check_units
from simulator.engine.units_algebra import DIMENSIONLESS, Dimension, parse_units

TESTS_DATA_DIR = Path(__file__).resolve().parent / "data"
REPO_DIR = Path(__file__).resolve().parents[1]
TESTMODELS_DIR = REPO_DIR.parent / "shared" / "testmodels"
CORE_MODEL = REPO_DIR / "simulator" / "models" / "regional_innovation.mdl"

YEAR = Dimension.base("Year")
MONEY = Dimension.base("亿元")
FIRMS = Dimension.base("家")


# --------------------------------------------------------------------------- algebra
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("亿元/Year", MONEY / YEAR),
        ("家/Year", FIRMS / YEAR),
        ("1/Year", YEAR ** -1),
        ("Year^-1", YEAR ** -1),
        ("Dmnl", DIMENSIONLESS),
        ("1", DIMENSIONLESS),
        ("%", DIMENSIONLESS),
        ("亿元/(家*Year)", MONEY / FIRMS / YEAR),
        ("Years", YEAR),
        ("yr", YEAR),
        ("year", YEAR),
        ("人/Year", Dimension.base("人") / YEAR),
        ("Degrees  Fahrenheit/Minutes", Dimension.base("degrees fahrenheit")
         / Dimension.base("Minute")),
        ("m^(1/2)", Dimension.base("m") ** Fraction(1, 2)),
        ("(亿元*项)/项", MONEY),
    ],
)
def test_parse_units_known_answers(text, expected):
    assert parse_units(text) == expected


def test_month_and_year_are_different_dimensions():
    assert parse_units("Month") != parse_units("Year")
    assert parse_units("Months") == parse_units("Month")


@pytest.mark.parametrize(
    ("text", "shown"),
    [("亿元/(家*Years)", "亿元/(Year*家)"), ("1/Year", "1/Year"), ("%", "Dmnl"),
     ("Year*Year", "Year^2"), ("Degrees Fahrenheit/Minute", "Degrees Fahrenheit/Minute")],
)
def test_dimension_str(text, shown):
    assert str(parse_units(text)) == shown


@pytest.mark.parametrize(
    ("text", "why"),
    [("", "it is empty"), ("   ", "it is empty"), ("2 widgets", "the number 2 is not a unit"),
     ("(亿元", "unexpected end"), ("亿元^Year", "exponent 'Year' is not a number"),
     ("亿元)", "unexpected ')'"), ("m^(a)", "an exponent must be a number")],
)
def test_parse_units_rejects_malformed_text(text, why):
    with pytest.raises(ValueError, match=re.escape(f"Cannot parse units {text!r}: {why}")):
        parse_units(text)


def test_parse_units_rejects_non_string():
    with pytest.raises(TypeError, match="units must be a str, got int: 3"):
        parse_units(3)


def test_units_algebra_doctests_pass():
    result = doctest.testmod(units_algebra)
    assert result.attempted > 0
    assert result.failed == 0


NAMES = ["亿元", "家", "项", "人", "Year", "Month", "Degrees Fahrenheit", "Widget", "$"]
dimensions = st.lists(
    st.tuples(st.sampled_from(NAMES), st.integers(-3, 3)), max_size=4
).map(lambda terms: _product(terms))


def _product(terms):
    result = DIMENSIONLESS
    for name, power in terms:
        result = result * Dimension.base(name) ** power
    return result


@settings(max_examples=100, deadline=None)
@given(dimensions)
def test_str_round_trips_through_parse_units(dim):
    assert parse_units(str(dim)) == dim


@settings(max_examples=100, deadline=None)
@given(dimensions, dimensions)
def test_multiplication_and_division_are_inverse(a, b):
    assert (a * b) / b == a
    assert a * b == b * a
    assert (a / a).is_dimensionless


# ------------------------------------------------------------------ fixture models
def test_consistent_model_has_no_issue():
    assert check_units(TESTS_DATA_DIR / "units_consistent.mdl") == []


INCONSISTENT = [
    # (variable, equation, expected, found, message pattern)
    ("Total assets", "Firm funds + Firms", "亿元", "家",
     "Total assets: operands of '+' in equation Firm funds + Firms have units 亿元 and 家"),
    ("Firms", "INTEG ( Firm births, 100)", "家/Year", "家/Month",
     "Firms: the rate of INTEG in equation INTEG ( Firm births, 100) has units 家/Month "
     "but must be 家/Year"),
    ("Knowledge output", "(Firms / Reference firms) ^ Patent elasticity", "Dmnl", "亿元",
     "Knowledge output: the exponent in equation (Firms / Reference firms) ^ Patent elasticity "
     "has units 亿元 but must be Dmnl"),
    ("Revenue", "Firms * Revenue per firm", "亿元", "亿元/Year",
     "Revenue: equation Firms * Revenue per firm has units 亿元/Year but is declared 亿元"),
    ("Smoothed revenue", "SMOOTH(Revenue, Smoothing time)", "Year", "Month",
     "Smoothed revenue: the smoothing time of SMOOTH in equation SMOOTH(Revenue, Smoothing time) "
     "has units Month but must be Year"),
    ("Undocumented ratio", "Firm funds / Firms", "", "亿元/家",
     "Undocumented ratio: no units declared (equation Firm funds / Firms has units 亿元/家)"),
]


@pytest.fixture(scope="module")
def inconsistent_issues():
    return check_units(TESTS_DATA_DIR / "units_inconsistent.mdl")


@pytest.mark.parametrize(("variable", "equation", "expected", "found", "message"), INCONSISTENT,
                         ids=[case[0] for case in INCONSISTENT])
def test_inconsistent_model_reports_each_error(inconsistent_issues, variable, equation,
                                               expected, found, message):
    matches = [issue for issue in inconsistent_issues if issue.variable == variable]
    assert len(matches) == 1, inconsistent_issues
    issue = matches[0]
    assert (issue.equation, issue.expected, issue.found) == (equation, expected, found)
    assert re.match(re.escape(message), issue.message)
    assert "\n" not in issue.message


def test_inconsistent_model_reports_nothing_else(inconsistent_issues):
    assert sorted(i.variable for i in inconsistent_issues) == sorted(c[0] for c in INCONSISTENT)


def test_unit_issue_is_frozen(inconsistent_issues):
    with pytest.raises(dataclasses.FrozenInstanceError):
        inconsistent_issues[0].found = "Dmnl"


# ------------------------------------------------------------------ rule by rule
CONTROL = """
FINAL TIME = 10 ~ {time} ~ |
INITIAL TIME = 0 ~ {time} ~ |
SAVEPER = TIME STEP ~ {time} ~ |
TIME STEP = 1 ~ {time} ~ |
"""
PARAMETERS = """
b = 1 ~ 家 ~ |
c = 1 ~ 亿元 ~ |
t = 2 ~ Year ~ |
m = 2 ~ Month ~ |
d = 0.5 ~ Dmnl ~ |
r = 3 ~ 家/Year ~ |
"""


def _check(tmp_path, equation, time="Year", settings_lines=""):
    text = "{UTF-8}\n" + PARAMETERS + equation + "\n" + CONTROL.format(time=time)
    if settings_lines:
        text += "\n\\\\\\---/// Sketch information\n///---\\\\\\\n:L<%^E!@\n" + settings_lines
    path = tmp_path / "rule.mdl"
    path.write_text(text, encoding="utf-8")
    return check_units(path)


@pytest.mark.parametrize(
    "equation",
    [
        "a = b + 1 ~ 家 ~ |",  # a literal adapts to the other operand
        "a = 2 * b ~ 家 ~ |",  # a literal factor is a pure number
        "a = -b ~ 家 ~ |",
        "a = t ^ 2 ~ Year*Year ~ |",  # integer exponent
        "a = d ^ 0.5 ~ Dmnl ~ |",
        "a = SQRT(t * t) ~ Year ~ |",
        "a = MAX(b, 0) ~ 家 ~ |",
        "a = ZIDZ(c, b) ~ 亿元/家 ~ |",
        "a = XIDZ(c, b, c / b) ~ 亿元/家 ~ |",
        "a = IF THEN ELSE(b > 0 :AND: t < 5, b, 0) ~ 家 ~ |",
        "a = RAMP(r, 1, 5) ~ 家 ~ |",
        "a = RAMP(2, 1, 5) ~ 家 ~ |",  # a literal slope adapts
        "a = STEP(b, t) ~ 家 ~ |",
        "a = PULSE(t, 1) ~ Dmnl ~ |",
        "a = DELAY1(b, 3) ~ 家 ~ |",
        "a = DELAY N(b, t, b, 3) ~ 家 ~ |",
        "a = SMOOTH3I(b, t, 0) ~ 家 ~ |",
        "a = INITIAL(b) ~ 家 ~ |",
        "a = INTEG(r, b) ~ 家 ~ |",
        "a = LN(d) + EXP(1) ~ Dmnl ~ |",
        "a = 100 * d ~ % ~ |",
        "a = Time - INITIAL TIME ~ Years ~ |",
        "a = WITH LOOKUP(t, ([(0,0)-(10,10)],(0,0),(10,10))) ~ 亿元 ~ |",
        "a = 5 ~ 亿元 ~ |",
    ],
)
def test_consistent_rules(tmp_path, equation):
    assert _check(tmp_path, equation) == []


@pytest.mark.parametrize(
    ("equation", "message"),
    [
        ("a = b / 5 ~ 家/Year ~ |", "a: equation b / 5 has units 家 but is declared 家/Year"),
        ("a = t ^ 0.5 ~ Dmnl ~ |", "a: the base of '^' in equation t ^ 0.5 has units Year but "
                                   "must be Dmnl unless the exponent is an integer number"),
        ("a = EXP(t) ~ Dmnl ~ |", "a: the argument of EXP in equation EXP(t) has units Year but "
                                  "must be Dmnl"),
        ("a = IF THEN ELSE(d > 0, b, c) ~ 家 ~ |", "a: operands of IF THEN ELSE in equation "
         "IF THEN ELSE(d > 0, b, c) have units 家 and 亿元"),
        ("a = IF THEN ELSE(b > c, 1, 0) ~ Dmnl ~ |", "a: operands of '>' in equation "
         "IF THEN ELSE(b > c, 1, 0) have units 家 and 亿元"),
        ("a = MIN(b, c) ~ 家 ~ |", "a: operands of MIN in equation MIN(b, c) have units 家 and "
                                   "亿元"),
        ("a = b + b - c ~ 家 ~ |", "a: operands of '+' and '-' in equation b + b - c have units "
                                   "家 and 亿元"),
        ("a = XIDZ(c, b, d) ~ 亿元/家 ~ |", "a: operands of XIDZ (a/b and fallback value) in "
         "equation XIDZ(c, b, d) have units 亿元/家 and Dmnl"),
        ("a = DELAY FIXED(b, m, b) ~ 家 ~ |", "a: the delay time of DELAY FIXED in equation "
         "DELAY FIXED(b, m, b) has units Month but must be Year"),
        ("a = SMOOTHI(b, t, c) ~ 家 ~ |", "a: operands of SMOOTH (input and initial value) in "
         "equation SMOOTHI(b, t, c) have units 家 and 亿元"),
        ("a = INTEG(r, c) ~ 家 ~ |", "a: the initial value of INTEG in equation INTEG(r, c) has "
         "units 亿元 but must be 家"),
        ("a = RAMP(b, 1, 5) ~ 家 ~ |", "a: equation RAMP(b, 1, 5) has units Year*家 but is "
                                       "declared 家"),
        ("a = STEP(b, d) ~ 家 ~ |", "a: the time argument of STEP in equation STEP(b, d) has "
         "units Dmnl but must be Year"),
        ("a = TREND(b, t, d) ~ 1/Year ~ |", "a: the initial trend of TREND in equation "
         "TREND(b, t, d) has units Dmnl but must be 1/Year"),
        ("a = 1 ~ 2 widgets ~ |", "a: Cannot parse units '2 widgets'"),
        ("a = t ~ Month ~ |", "a: equation t has units Year but is declared Month"),
    ],
)
def test_inconsistent_rules(tmp_path, equation, message):
    issues = _check(tmp_path, equation)
    assert [i.variable for i in issues] == ["a"]
    assert re.match(re.escape(message), issues[0].message)


def test_error_in_a_subexpression_is_reported_once(tmp_path):
    issues = _check(tmp_path, "a = (b + c) * d / t ~ 家/Year ~ |")
    assert [i.message.split(" in equation")[0] for i in issues] == ["a: operands of '+'"]


def test_time_unit_comes_from_time_step(tmp_path):
    issues = _check(tmp_path, "s = INTEG(r, b) ~ 家 ~ |", time="Month")
    assert [(i.variable, i.expected, i.found) for i in issues] == [("s", "家/Month", "家/Year")]
    # In a Month model a Month-valued time argument is consistent:
    assert _check(tmp_path, "a = STEP(b, m) ~ 家 ~ |", time="Month") == []


def test_control_variable_with_other_time_unit_is_reported(tmp_path):
    path = tmp_path / "control.mdl"
    path.write_text("{UTF-8}\nx = 1 ~ Dmnl ~ |\n" + CONTROL.format(time="Year").replace(
        "FINAL TIME = 10 ~ Year", "FINAL TIME = 10 ~ Month"), encoding="utf-8")
    issues = check_units(path)
    assert [(i.variable, i.expected, i.found) for i in issues] == [("FINAL TIME", "Year", "Month")]


def test_model_synonym_lines_are_used(tmp_path):
    equation = "a = b ~ 家s ~ |"
    assert [i.found for i in _check(tmp_path, equation)] == ["家"]
    assert _check(tmp_path, equation, settings_lines="22:家,家s\n") == []


def test_file_without_encoding_header_is_read_silently(tmp_path):
    path = tmp_path / "plain.mdl"
    path.write_text("x = 1 ~ Dmnl ~ |\n" + CONTROL.format(time="Year"), encoding="utf-8")
    assert check_units(path) == []  # pytest turns PySD's encoding warning into an error


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nope.mdl"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        check_units(missing)


def test_non_vensim_file_is_rejected(tmp_path):
    xmile = tmp_path / "model.xmile"
    xmile.write_text("<xmile/>", encoding="utf-8")
    with pytest.raises(ValueError, match=r"is not a Vensim model: expected a '\.mdl' file, got "
                                         r"suffix '\.xmile'"):
        check_units(xmile)


# ------------------------------------------------------------- reference test models
# Recorded with this checker: besides "no units declared" (most test models declare
# no units), only these variables have inconsistent units, all three feeding Time
# (in Month) to a trigonometric function, which Vensim's own check also rejects.
TESTMODEL_INCONSISTENT = {
    "delay_fixed/test_delay_fixed.mdl": {"DST"},
    "euler_step_vs_saveper/test_euler_step_vs_saveper.mdl": {"Cosine of t"},
    "trend/test_trend.mdl": {"input"},
}
TESTMODEL_FILES = sorted(TESTMODELS_DIR.glob("*/*.mdl")) if TESTMODELS_DIR.is_dir() else []


@pytest.mark.skipif(not TESTMODEL_FILES,
                    reason=f"reference test models not found at {TESTMODELS_DIR}")
@pytest.mark.parametrize("model", TESTMODEL_FILES,
                         ids=[str(p.relative_to(TESTMODELS_DIR)) for p in TESTMODEL_FILES])
def test_reference_models_are_checked(model):
    issues = check_units(model)
    assert isinstance(issues, list)
    assert all(isinstance(issue, UnitIssue) for issue in issues)
    inconsistent = {i.variable for i in issues if "no units declared" not in i.message}
    name = model.relative_to(TESTMODELS_DIR).as_posix()
    assert inconsistent == TESTMODEL_INCONSISTENT.get(name, set()), issues


@pytest.mark.skipif(not (TESTMODELS_DIR / "teacup").is_dir(),
                    reason=f"reference test models not found at {TESTMODELS_DIR}")
def test_teacup_is_clean():
    # Characteristic Time is in "Minutes", the clock in "Minute": default synonyms.
    assert check_units(TESTMODELS_DIR / "teacup" / "teacup.mdl") == []


@pytest.mark.skipif(not CORE_MODEL.is_file(), reason=f"core model not found at {CORE_MODEL}")
def test_core_model_units_are_consistent():
    issues = check_units(CORE_MODEL)
    assert issues == [], "\n".join(issue.message for issue in issues)
