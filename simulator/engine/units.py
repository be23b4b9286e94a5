"""Dimensional-consistency (units) check of Vensim models.

:func:`check_units` translates a ``.mdl`` file with PySD's own Vensim
translator (``VensimFile(path).parse().get_abstract_model()``), walks the
abstract syntax tree of every equation, infers its units with the small
algebra of :mod:`simulator.engine.units_algebra` and compares them with the units
declared after the equation's first ``~``.

Rules (after Vensim's Units Check, https://vensim.com/documentation/22275.html,
with the documented simplifications marked *):

- ``+``, ``-``, comparisons, ``MIN``/``MAX``, ``IF THEN ELSE`` branches,
  ``MODULO`` and the arguments of ``XIDZ``'s fallback need equal units;
  ``*`` and ``/`` multiply and divide units.
- ``a ^ b``: ``b`` must be dimensionless; ``a`` must be dimensionless too
  unless ``b`` is an integer literal (then units are raised to that power).
  ``SQRT`` halves the exponents. ``EXP``, ``LN``, ``LOG`` and trigonometric
  functions need dimensionless arguments and return ``Dmnl``.
- ``INTEG(rate, init)``: ``rate`` has the stock's units per time unit and
  ``init`` the stock's units. ``SMOOTH*``/``DELAY*``/``DELAY FIXED``: the
  output has the input's units, the initial value the same, the delay or
  smoothing time the model's time unit. ``TREND`` returns ``1/time``.
- ``XIDZ(a, b, x)`` and ``ZIDZ(a, b)`` are ``a/b``; ``x`` must match ``a/b``.
- ``Time``, ``TIME STEP``, ``INITIAL TIME``, ``FINAL TIME``, ``SAVEPER``
  have the model's time unit, taken from ``TIME STEP`` (*``Year`` if no
  control variable declares units).
- *Numeric literals are unit-free: in ``+``, ``-``, comparisons and
  branches they adapt to the other operand (``x + 1`` has ``x``'s units);
  as factors or divisors they are pure numbers (``2 * x`` has ``x``'s
  units, ``x / 5`` too, so an embedded time constant is reported).
- *Lookups: a call ``f(x)`` has ``f``'s declared units and ``x`` is not
  checked (Vensim warns when ``x`` is not dimensionless); ``WITH LOOKUP``
  takes the units of the variable it defines. Data, ``GET ...`` and
  allocation functions, macros and unknown functions are not checked.
- A sub-expression whose units are in error is not checked further, as in
  Vensim ("the remainder of the expression can only be partially checked").
- A variable without declared units is reported ("no units declared").

Unit synonyms: Vensim's defaults (see :mod:`simulator.engine.units_algebra`) plus
the model's own ``22:`` settings lines (``22:Firm,Firms``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures.abstract_model import AbstractData, AbstractLookup
from pysd.translators.vensim.vensim_file import VensimFile

from .units_algebra import DEFAULT_SYNONYMS, DIMENSIONLESS, Dimension, parse_units, synonym_table

__all__ = ["Dimension", "UnitIssue", "check_units", "parse_units"]

_CONTROL = ("time_step", "initial_time", "final_time", "saveper")
_DMNL_FUNCTIONS = frozenset({
    "exp", "ln", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh",
})
_SAME_AS_ARGS = frozenset({"min", "max", "abs", "integer", "modulo", "quantum", "vmin", "vmax",
                           "sum", "active_initial"})
_PLAIN_DMNL = frozenset({"pi", "elmcount", "random_0_1"})
_NAMES = {
    "SmoothStructure": "SMOOTH", "SmoothNStructure": "SMOOTH N", "DelayStructure": "DELAY",
    "DelayNStructure": "DELAY N", "DelayFixedStructure": "DELAY FIXED",
    "TrendStructure": "TREND", "ForecastStructure": "FORECAST",
}


@dataclass(frozen=True)
class UnitIssue:
    """One units inconsistency found in a model.

    Parameters
    ----------
    variable : str
        Variable name as written in the model.
    equation : str
        The variable's equation (right-hand side, whitespace collapsed).
    expected : str
        Units the equation or operand should have (for a left/right mismatch,
        the declared units as written; ``""`` if none are declared).
    found : str
        Units inferred from the equation or operand (``""`` if unknown).
    message : str
        One line for people, e.g. ``"x: equation a + b has units 家 but is
        declared 亿元"``.
    """

    variable: str
    equation: str
    expected: str
    found: str
    message: str


@dataclass(frozen=True)
class _Free:
    """Units that adapt to context: a numeric literal, or unknown/in error."""

    literal: bool
    value: float | None = None


_UNKNOWN = _Free(False)


def _key(name: str) -> str:
    """Normalise a Vensim name the way PySD names references."""
    return re.sub(r"[\s_]+", "_", name.strip().lower())


def _model_synonyms(path: Path) -> dict[str, str]:
    """Read the model's ``22:`` (units synonyms) settings lines."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    groups = [tuple(line[3:].split(",")) for line in text.splitlines() if line.startswith("22:")]
    return synonym_table(DEFAULT_SYNONYMS + tuple(groups))


def check_units(path) -> list[UnitIssue]:
    """Check the dimensional consistency of a Vensim model.

    Parameters
    ----------
    path : str or pathlib.Path
        A Vensim ``.mdl`` file.

    Returns
    -------
    list of UnitIssue
        One entry per inconsistency, in model order; empty if consistent.
        Only the main section is checked (not macros).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``path`` is not a ``.mdl`` file.

    Examples
    --------
    >>> for issue in check_units("simulator/models/regional_innovation.mdl"):  # doctest: +SKIP
    ...     print(issue.message)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No Vensim model at {str(path)!r}")
    if path.suffix.lower() != ".mdl":
        raise ValueError(f"{str(path)!r} is not a Vensim model: expected a '.mdl' file, "
                         f"got suffix {path.suffix!r}")
    with path.open("rb") as file:
        header = file.readline()
    # Without a "{UTF-8}"-style header PySD warns and falls back to UTF-8;
    # pass that fallback explicitly so the check itself stays silent.
    encoding = None if re.match(rb"\s*\{[^}]+\}", header) else "UTF-8"
    vensim = VensimFile(path, encoding=encoding)
    vensim.parse()
    model = vensim.get_abstract_model()
    main = [s for s in vensim.sections if s.type == "main"][0]
    texts: dict[str, list[str]] = {}
    for component in main.components:
        texts.setdefault(_key(component.name), []).append(" ".join(component.expression.split()))
    section = [s for s in model.sections if s.type == "main"][0]
    return _Checker(section.elements, texts, _model_synonyms(path)).run()


class _Checker:
    """Infer the units of every equation of one model section."""

    def __init__(self, elements, texts, synonyms):
        self.elements = elements
        self.texts = texts
        self.synonyms = synonyms
        self.issues: list[UnitIssue] = []
        self.declared: dict[str, Dimension | None] = {}
        self.bad_units: dict[str, str] = {}
        for element in elements:
            try:
                units = parse_units(element.units, synonyms) if element.units.strip() else None
            except ValueError as err:
                units, self.bad_units[_key(element.name)] = None, str(err)
            self.declared[_key(element.name)] = units
        self.time = next((self.declared[k] for k in _CONTROL if self.declared.get(k)),
                         Dimension.base("Year"))
        self.var = self.eq = ""

    # ----------------------------------------------------------- reporting
    def _report(self, expected, found, message):
        self.issues.append(UnitIssue(self.var, self.eq, str(expected), str(found),
                                     f"{self.var}: {message}"))

    def _expect(self, found, expected: Dimension, what: str) -> bool:
        """Report ``what`` if its inferred units differ from ``expected``.

        Returns whether the units agree (unknown or literal units agree).
        """
        if isinstance(found, Dimension) and found != expected:
            self._report(expected, found, f"{what} in equation {self.eq} has units {found} "
                                          f"but must be {expected}")
            return False
        return True

    def _same(self, operator: str, operands):
        """Units of operands that must agree (``+``, ``-``, ``MIN``...)."""
        dims = [x for x in operands if isinstance(x, Dimension)]
        if not dims:
            literal = all(x.literal for x in operands)
            return _Free(True) if literal else _UNKNOWN
        first = dims[0]
        for other in dims[1:]:
            if other != first:
                self._report(first, other, f"operands of {operator} in equation {self.eq} have "
                                           f"units {first} and {other}, which must match")
                return _UNKNOWN
        return first

    # ------------------------------------------------------------- driving
    def run(self) -> list[UnitIssue]:
        """Check every element and return the issues found."""
        for element in self.elements:
            key = _key(element.name)
            texts = self.texts.get(key, [])
            self.var = element.name
            declared = self.declared[key]
            for index, component in enumerate(element.components):
                self.eq = texts[index] if index < len(texts) else ""
                if index == 0 and key in self.bad_units:
                    self._report(element.units, "", self.bad_units[key])
                skip = isinstance(component, (AbstractLookup, AbstractData))
                found = _UNKNOWN if skip else self._check(component.ast, declared,
                                                          element.units)
                if index == 0 and declared is None and key not in self.bad_units:
                    shown = found if isinstance(found, Dimension) else ""
                    self._report("", shown, f"no units declared (equation {self.eq}"
                                 + (f" has units {shown})" if shown else ")"))
            if key in _CONTROL and declared is not None and declared != self.time:
                self._report(self.time, declared, f"declared units {declared} differ from the "
                                                  f"model's time unit {self.time} (TIME STEP)")
        return self.issues

    def _check(self, ast, declared, declared_text):
        """Check one equation against its declared units; return its units."""
        if isinstance(ast, ae.LookupsStructure):
            return _UNKNOWN
        if isinstance(ast, ae.IntegStructure) and declared is not None:
            self._expect(self._infer(ast.flow), declared / self.time, "the rate of INTEG")
            self._expect(self._infer(ast.initial), declared, "the initial value of INTEG")
            return declared
        found = self._infer(ast)
        if declared is not None and isinstance(found, Dimension) and found != declared:
            self._report(declared_text, found, f"equation {self.eq} has units {found} "
                                               f"but is declared {declared_text}")
        return found

    # ----------------------------------------------------------- inference
    def _infer(self, node):
        """Return the units of ``node``: a Dimension or a :class:`_Free`."""
        if isinstance(node, (bool, int, float, np.number)):
            return _Free(True, float(node))
        if isinstance(node, np.ndarray):
            return _Free(True)
        if isinstance(node, ae.ReferenceStructure):
            return self._reference(node.reference)
        if isinstance(node, ae.ArithmeticStructure):
            return self._arithmetic(node.operators, [self._infer(a) for a in node.arguments])
        if isinstance(node, ae.LogicStructure):
            args = [self._infer(a) for a in node.arguments]
            if node.operators[0] not in (":AND:", ":OR:", ":NOT:"):
                self._same(f"'{node.operators[0]}'", args)
            return DIMENSIONLESS
        if isinstance(node, ae.CallStructure):
            return self._call(node.function.reference, [self._infer(a) for a in node.arguments])
        return self._structure(node)

    def _reference(self, name: str):
        if name == "time":
            return self.time
        if name in self.declared:
            units = self.declared[name]
            return units if units is not None else _UNKNOWN
        return self.time if name in _CONTROL else _UNKNOWN

    def _arithmetic(self, operators, args):
        if operators == ["negative"]:
            arg = args[0]
            return _Free(True, -arg.value) if isinstance(arg, _Free) and arg.value else arg
        if operators[0] in "+-":
            return self._same(" and ".join(f"'{op}'" for op in sorted(set(operators))), args)
        result = args[0]
        for op, arg in zip(operators, args[1:]):
            result = self._power(result, arg) if op == "^" else self._product(result, op, arg)
        return result

    @staticmethod
    def _product(left, op, right):
        if _UNKNOWN in (left, right):
            return _UNKNOWN
        if isinstance(left, _Free) and isinstance(right, _Free):
            value = None
            if left.value is not None and right.value is not None:
                value = left.value * right.value if op == "*" else (
                    left.value / right.value if right.value else None)
            return _Free(True, value)
        left = DIMENSIONLESS if isinstance(left, _Free) else left
        right = DIMENSIONLESS if isinstance(right, _Free) else right
        return left * right if op == "*" else left / right

    def _power(self, base, exponent):
        if isinstance(exponent, Dimension) and not exponent.is_dimensionless:
            self._report(DIMENSIONLESS, exponent, f"the exponent in equation {self.eq} has "
                                                  f"units {exponent} but must be Dmnl")
            return _UNKNOWN
        if isinstance(base, _Free):
            return base if base.literal and isinstance(exponent, _Free) and exponent.literal \
                else (DIMENSIONLESS if base.literal else _UNKNOWN)
        if isinstance(exponent, _Free) and exponent.value is not None \
                and float(exponent.value).is_integer():
            return base ** int(exponent.value)
        if exponent == _UNKNOWN:
            return DIMENSIONLESS if base.is_dimensionless else _UNKNOWN
        if not base.is_dimensionless:
            self._report(DIMENSIONLESS, base, f"the base of '^' in equation {self.eq} has units "
                                              f"{base} but must be Dmnl unless the exponent is "
                                              "an integer number")
            return _UNKNOWN
        return DIMENSIONLESS

    def _call(self, name: str, args):
        if name in _DMNL_FUNCTIONS:
            checked = args[:1] if name == "log" else args
            ok = [self._expect(a, DIMENSIONLESS, f"the argument of {name.upper()}")
                  for a in checked]
            return DIMENSIONLESS if all(ok) else _UNKNOWN
        if name in _SAME_AS_ARGS:
            return self._same(name.upper(), args)
        if name == "if_then_else":
            return self._same("IF THEN ELSE", args[1:])
        if name == "sqrt":
            return args[0] ** Fraction(1, 2) if isinstance(args[0], Dimension) else args[0]
        if name == "power":
            return self._power(args[0], args[1])
        if name in ("xidz", "zidz"):
            quotient = self._product(args[0], "/", args[1])
            if name == "zidz":
                return quotient
            return self._same("XIDZ (a/b and fallback value)", [quotient, args[2]])
        if name in ("step", "ramp"):
            for arg in args[1:]:
                self._expect(arg, self.time, f"the time argument of {name.upper()}")
            if name == "step" or isinstance(args[0], _Free):  # a literal slope adapts
                return args[0]
            return self._product(args[0], "*", self.time)
        if name in ("pulse", "pulse_train"):
            for arg in args:
                self._expect(arg, self.time, f"the time argument of {name.upper()}")
            return DIMENSIONLESS
        if name in _PLAIN_DMNL:
            return DIMENSIONLESS
        if name in ("random_uniform", "random_normal"):
            return self._same(name.upper(), args[:2] if name == "random_uniform" else args[:4])
        if name in self.declared:  # a lookup table called like a function
            return self._reference(name)
        return _UNKNOWN

    def _structure(self, node):
        """Stock-like builtins (INTEG nested, SMOOTH, DELAY, TREND...)."""
        infer = self._infer
        if isinstance(node, ae.IntegStructure):
            init = infer(node.initial)
            if isinstance(init, Dimension):
                self._expect(infer(node.flow), init / self.time, "the rate of INTEG")
            return init
        if isinstance(node, (ae.SmoothStructure, ae.SmoothNStructure, ae.DelayStructure,
                             ae.DelayNStructure, ae.DelayFixedStructure)):
            name = _NAMES[type(node).__name__]
            delay = node.smooth_time if hasattr(node, "smooth_time") else node.delay_time
            role = "smoothing time" if name.startswith("SMOOTH") else "delay time"
            self._expect(infer(delay), self.time, f"the {role} of {name}")
            if isinstance(getattr(node, "order", None), ae.AbstractSyntax):
                self._expect(infer(node.order), DIMENSIONLESS, f"the order of {name}")
            return self._same(f"{name} (input and initial value)",
                              [infer(node.input), infer(node.initial)])
        if isinstance(node, (ae.TrendStructure, ae.ForecastStructure)):
            name = _NAMES[type(node).__name__]
            self._expect(infer(node.average_time), self.time, f"the average time of {name}")
            self._expect(infer(node.initial_trend), DIMENSIONLESS / self.time,
                         f"the initial trend of {name}")
            if isinstance(node, ae.TrendStructure):
                infer(node.input)
                return DIMENSIONLESS / self.time
            self._expect(infer(node.horizon), self.time, "the horizon of FORECAST")
            return infer(node.input)
        if isinstance(node, ae.SampleIfTrueStructure):
            infer(node.condition)
            return self._same("SAMPLE IF TRUE (input and initial value)",
                              [infer(node.input), infer(node.initial)])
        if isinstance(node, ae.InitialStructure):
            return infer(node.initial)
        if isinstance(node, ae.InlineLookupsStructure):
            infer(node.argument)
        return _UNKNOWN
