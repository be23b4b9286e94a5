"""Generate the source of the fused kernel: each scenario's whole run as scalar code.

From the same schedule as the NumPy loop (:mod:`simulator.engine.batch.codegen`),
this writes one numba function that loops over scenarios in parallel
(``prange``) and, per scenario, over the time steps, keeping every value in
a local float. Each expression tree is rendered with the same operations in
the same order as NumPy evaluates it element by element, so results agree
with the NumPy path to rounding (NumPy's SIMD exp, log and power may differ
from the C library's by an ulp). What depends only on constants is computed
once per scenario before the time loop; what only outputs need, at saved
steps only.

Constructs the generator cannot express raise :class:`FusedUnsupported`
naming them (subscripts, RANDOM functions, a function or structure it lacks),
so that the kernel selection falls back to the NumPy path with that reason.
"""

from __future__ import annotations

import math

import numpy as np

import simulator.engine.batch.functions as fn
import simulator.engine.batch.statefuls as st

from .expr import RUN, Expr


class FusedUnsupported(Exception):
    """The fused kernel cannot express a model construct (the message names it)."""


_SMALL = repr(fn.SMALL_VENSIM)
_INFIX = {np.add: "+", np.subtract: "-", np.multiply: "*", np.divide: "/"}
_COMPARE = {np.less: "<", np.less_equal: "<=", np.greater: ">", np.greater_equal: ">=",
            np.equal: "==", np.not_equal: "!="}
_UNARY = {f: f"np.{f.__name__}" for f in (np.sqrt, np.sin, np.cos, np.tan,
                                           np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh,
                                           np.tanh, np.trunc)}
_UNARY[fn.integer] = "np.trunc"
_UNARY[np.exp] = "_exp"  # simulator.engine.batch.fused_math: vectorised with the loop
_UNARY[np.log] = "_log"

#: Helpers of the generated module: NumPy's semantics for scalars (np.interp's algorithm,
#: searchsorted's treatment of NaN), inlined by numba into the kernel.
HELPERS = '''
@nb.njit(error_model="numpy", inline="always")
def _search(xs, x, right):
    # searchsorted(xs, x, side="right" if right else "left"); NaN sorts last
    if x != x:
        return xs.shape[0]
    lo, hi = 0, xs.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if xs[mid] < x or (right and xs[mid] == x):
            lo = mid + 1
        else:
            hi = mid
    return lo


@nb.njit(error_model="numpy", inline="always")
def _interp(x, xs, ys):
    # numpy.interp for one point (numpy/_core/src/multiarray/compiled_base.c, arr_interp)
    m = xs.shape[0]
    if m == 1:
        return ys[0]
    if x != x:
        return x
    j = _search(xs, x, True) - 1
    if j == -1:
        return ys[0]
    if j >= m - 1:
        return ys[m - 1]
    if xs[j] == x:
        return ys[j]
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    value = slope * (x - xs[j]) + ys[j]
    if value != value:
        value = slope * (x - xs[j + 1]) + ys[j + 1]
        if value != value and ys[j] == ys[j + 1]:
            value = ys[j]
    return value


@nb.njit(error_model="numpy", inline="always")
def _lookup(x, xs, ys, method):
    # simulator.engine.batch.functions.lookup; method: 0 interpolate, 1 hold_backward,
    # 2 look_forward, 3 extrapolate
    last = xs.shape[0] - 1
    if method == 1:
        return ys[min(max(_search(xs, x, True) - 1, 0), last)]
    if method == 2:
        return ys[min(max(_search(xs, x, False), 0), last)]
    value = _interp(x, xs, ys)
    if method == 3 and last > 0:
        if x < xs[0]:
            return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
        if x > xs[last]:
            return ys[last] + (ys[last] - ys[last - 1]) / (xs[last] - xs[last - 1]) * (x - xs[last])
    return value
'''
_METHODS = {"interpolate": 0, "hold_backward": 1, "look_forward": 2, "extrapolate": 3}


def _f(part) -> str:
    """Return a value as a float (a condition counts 1 or 0, as NumPy casts it)."""
    return part[0] if part[1] == "f" else f"(1.0 if {part[0]} else 0.0)"  # numba: no float(bool)


def _b(part) -> str:
    """Return a value as a condition (non-zero is true, NaN included, as in NumPy)."""
    return part[0] if part[1] == "b" else f"({part[0]} != 0.0)"


def _arith(function, a, b):
    if a[1] == b[1] == "b":  # NumPy's bool + bool is OR, bool * bool is AND
        if function is np.add:
            return f"({a[0]} or {b[0]})", "b"
        if function is np.multiply:
            return f"({a[0]} and {b[0]})", "b"
        if function is np.subtract:
            raise FusedUnsupported("the difference of two conditions")
    return f"({_f(a)} {_INFIX[function]} {_f(b)})", "f"


def _min_max(function, a, b):
    if a[1] == b[1] == "b":
        raise FusedUnsupported(f"{function.__name__.upper()} of two conditions")
    return _min_max_source(">" if function is np.maximum else "<", _f(a), _f(b)), "f"


def _min_max_source(operator: str, a: str, b: str) -> str:
    # NumPy's minimum/maximum: a NaN operand gives NaN. Written inline, not as a
    # helper: numba compiles each jitted function apart and does not inline calls.
    return f"({a} if ({a} {operator} {b} or {a} != {a}) else {b})"


def _quotient(near, numerator, denominator, x):
    return f"({_f(x)} if {_b(near)} else ({_f(numerator)} / {_f(denominator)}))", "f"


def _where(c, a, b):
    if a[1] == b[1] == "b":
        return f"({a[0]} if {_b(c)} else {b[0]})", "b"
    return f"({_f(a)} if {_b(c)} else {_f(b)})", "f"


def _quantum(a, b):
    return f"({_f(a)} if {_f(b)} < {_SMALL} else ({_f(b)} * np.trunc({_f(a)} / {_f(b)})))"


def _pulse(t, _dt, start, width):
    inside = f"((({_f(start)} - {_SMALL}) <= {t[0]}) and ({t[0]} < ({_f(start)} + {_f(width)})))"
    return f"({_f((inside, 'b'))} * 1.0)"


def _pulse_train(t, dt, start, repeat, width, end):
    start, repeat, width, end = map(_f, (start, repeat, width, end))
    active = f"(({start} <= {t[0]}) and ({t[0]} < {end}))"
    phase = f"((({t[0]} - {start}) + {_SMALL}) % {repeat})"
    train = f"({_f((f'({active} and ({phase} < {width}))', 'b'))} * 1.0)"
    return f"({_pulse(t, dt, (start, 'f'), (width, 'f'))} if {repeat} == 0.0 else {train})"


def _ramp(t, _dt, slope, start, finish):
    start = _f(start)
    return (f"(({_f((f'(({t[0]} + {_SMALL}) > {start})', 'b'))} * {_f(slope)}) * "
            f"({_min_max_source('<', _f(finish), t[0])} - {start}))")


_TEMPLATES = {
    np.negative: lambda a: (f"(-{_f(a)})", "f"),
    np.abs: lambda a: (f"abs({_f(a)})", "f"),
    np.power: lambda a, b: (f"_pow({_f(a)}, {_f(b)})", "f"),
    np.minimum: lambda a, b: _min_max(np.minimum, a, b),
    np.maximum: lambda a, b: _min_max(np.maximum, a, b),
    np.logical_and: lambda a, b: (f"({_b(a)} and {_b(b)})", "b"),
    np.logical_or: lambda a, b: (f"({_b(a)} or {_b(b)})", "b"),
    np.logical_not: lambda a: (f"(not {_b(a)})", "b"),
    fn.if_then_else: _where,
    fn.near_zero: lambda d: (f"(abs({_f(d)}) < {_SMALL})", "b"),
    fn.xidz_checked: _quotient,
    fn.zidz_checked: lambda near, a, b: _quotient(near, a, b, ("0.0", "f")),
    fn.quantum: lambda a, b: (_quantum(a, b), "f"),
    fn.modulo: lambda x, m: (f"({_f(x)} - {_quantum(x, m)})", "f"),
    fn.log_base: lambda x, b: (f"(_log({_f(x)}) / _log({_f(b)}))", "f"),
    fn.step: lambda t, dt, h, s: (
        f"({_f(h)} * {_f((f'(({t[0]} + ({dt[0]} / 2)) > {_f(s)})', 'b'))})", "f"),
    fn.pulse: lambda *a: (_pulse(*a), "f"),
    fn.pulse_train: lambda *a: (_pulse_train(*a), "f"),
    fn.ramp: lambda *a: (_ramp(*a), "f"),
}
for _function in _INFIX:
    _TEMPLATES[_function] = lambda a, b, _function=_function: _arith(_function, a, b)
for _function, _operator in _COMPARE.items():
    _TEMPLATES[_function] = lambda a, b, _o=_operator: (f"({_f(a)} {_o} {_f(b)})", "b")
for _function, _name in _UNARY.items():
    _TEMPLATES[_function] = lambda a, _n=_name: (f"{_n}({_f(a)})", "f")


def function_name(function) -> str:
    """Return the Vensim-facing name of a compiled function, for messages."""
    return getattr(function, "__name__", repr(function)).upper().replace("_", " ")


def check_program(program) -> None:
    """Raise :class:`FusedUnsupported` for what no fused kernel of ``program`` can express."""
    if program.dims:
        raise FusedUnsupported(f"subscripted variables ({next(iter(program.dims))!r} ...)")
    if program.stochastic:
        raise FusedUnsupported("RANDOM functions")


def check_stateful(stateful) -> None:
    """Raise :class:`FusedUnsupported` for a changing structure the kernel lacks."""
    if type(stateful) not in _STATEFULS:
        raise FusedUnsupported(f"{stateful.construct} in {stateful.name!r}")


def check_expr(expr: Expr, where: str) -> None:
    """Raise :class:`FusedUnsupported` if ``expr`` calls a function with no scalar form."""
    expr = expr.pick(RUN)
    if expr.op == "call":
        if expr.value is fn.lookup:
            return check_expr(expr.args[0], where)
        if expr.value not in _TEMPLATES:
            raise FusedUnsupported(f"the function {function_name(expr.value)} in {where!r}")
        for arg in expr.args:
            check_expr(arg, where)
    elif expr.op == "obj":
        raise FusedUnsupported(f"a table argument outside a lookup in {where!r}")


def literal(value: float) -> str:
    """Python source of a float constant (non-finite ones through math)."""
    if math.isfinite(value):
        return repr(float(value))
    if math.isnan(value):
        return "math.nan"
    return "math.inf" if value > 0 else "(-math.inf)"


#: Supported stateful classes -> number of scalar state slots given the NumPy state.
_STATEFULS = {
    st.Integ: lambda state: 1,
    st.Smooth: len,
    st.Delay: len,
    st.DelayN: lambda state: 2 * len(state[0]),
    st.DelayFixed: lambda state: 1,
    st.Trend: lambda state: 1,
    st.Forecast: lambda state: 1,
    st.SampleIfTrue: lambda state: 1,
}


def state_slots(stateful, state) -> int:
    """Return the number of scalar slots the kernel keeps for one scenario's ``state``."""
    return _STATEFULS[type(stateful)](state)
