"""Vensim builtins as pure NumPy functions over a leading scenario axis.

Every function accepts scalars or arrays of shape ``(N,)`` (one value per
scenario) and returns the broadcast result. The formulas reproduce those of
PySD's ``py_backend/functions.py`` (the reference implementation), so that
the batch engine and PySD agree to rounding error; the comparison with
``SMALL_VENSIM`` is the same. Callers evaluate inside
``numpy.errstate(all="ignore")`` because both branches of a vectorised IF
THEN ELSE are computed.
"""

from __future__ import annotations

import numpy as np

SMALL_VENSIM = 1e-6  # What is considered zero according to Vensim Help (as in PySD)
_SMALL_VENSIM_ARRAY = np.asarray(SMALL_VENSIM)  # a 0-d array compares faster than a float


def if_then_else(condition, if_true, if_false):
    """Vensim ``IF THEN ELSE``: element-wise choice.

    Parameters
    ----------
    condition : array_like of bool or float
        Non-zero selects ``if_true``.
    if_true, if_false : array_like
        Values [any unit] for true and false conditions.

    Returns
    -------
    numpy.ndarray
        The selected values.
    """
    return np.where(condition, if_true, if_false)


def near_zero(denominator):
    """Where ``|denominator| < 1e-6`` (Vensim's zero), or False if nowhere.

    XIDZ and ZIDZ are compiled as ``xidz_checked(near_zero(d), n, d, x)``
    so that a constant denominator is checked once per run, and a quotient
    with no zero denominator skips ``np.where``.

    Parameters
    ----------
    denominator : array_like
        Denominator [any unit].

    Returns
    -------
    numpy.ndarray of bool or False
        The mask, or False when no element is near zero.
    """
    near = np.less(np.abs(denominator), _SMALL_VENSIM_ARRAY)
    return near if np.count_nonzero(near) else False  # count_nonzero: fastest test for small N


def xidz_checked(near, numerator, denominator, x):
    """Vensim ``XIDZ`` given ``near = near_zero(denominator)``.

    Parameters
    ----------
    near : numpy.ndarray of bool or False
        Output of :func:`near_zero` for ``denominator``.
    numerator, denominator : array_like
        Operands [any unit].
    x : array_like
        Value returned where the denominator is (near) zero.

    Returns
    -------
    numpy.ndarray
        The guarded quotient (the plain quotient when nothing is near zero).
    """
    quotient = np.divide(numerator, denominator)
    return quotient if near is False else np.where(near, x, quotient)


def zidz_checked(near, numerator, denominator):
    """Vensim ``ZIDZ`` given ``near = near_zero(denominator)``; see :func:`xidz_checked`."""
    return xidz_checked(near, numerator, denominator, 0.0)


def zidz(numerator, denominator):
    """Vensim ``ZIDZ``: ``numerator/denominator``, or 0 if ``|denominator| < 1e-6``.

    Parameters
    ----------
    numerator, denominator : array_like
        Operands [any unit].

    Returns
    -------
    numpy.ndarray
        The guarded quotient.
    """
    return zidz_checked(near_zero(denominator), numerator, denominator)


def integer(x):
    """Vensim ``INTEGER``: truncate towards zero.

    Parameters
    ----------
    x : array_like
        Input [any unit].

    Returns
    -------
    numpy.ndarray
        Integer part of ``x`` as float.
    """
    return np.trunc(x)


def quantum(a, b):
    """Vensim ``QUANTUM``: ``b*INTEGER(a/b)``, or ``a`` where ``b < 1e-6``.

    Parameters
    ----------
    a, b : array_like
        Value and quantum [same unit].

    Returns
    -------
    numpy.ndarray
        ``a`` rounded towards zero to a multiple of ``b``.
    """
    return np.where(b < SMALL_VENSIM, a, b * integer(np.divide(a, b)))


def modulo(x, m):
    """Vensim ``MODULO``: ``x - QUANTUM(x, m)`` (in ``(-m, 0]`` for negative ``x``).

    Parameters
    ----------
    x, m : array_like
        Value and modulus [same unit].

    Returns
    -------
    numpy.ndarray
        The remainder.
    """
    return x - quantum(x, m)


def step(time, time_step, height, step_time):
    """Vensim ``STEP``: ``height`` from ``step_time`` on, else 0.

    Parameters
    ----------
    time : float
        Current model time [time unit].
    time_step : float
        Integration step [time unit]; the comparison is made at
        ``time + time_step/2`` so that a step time on the grid is hit.
    height : array_like
        Step height [any unit].
    step_time : array_like
        Time of the step [time unit].

    Returns
    -------
    numpy.ndarray
        The step value.
    """
    return height * (time + time_step / 2 > step_time)


def pulse(time, time_step, start, width):
    """Vensim ``PULSE``: 1 during ``[start, start + width)``, else 0.

    Parameters
    ----------
    time, time_step : float
        Current model time and integration step [time unit].
    start, width : array_like
        Pulse start and duration [time unit].

    Returns
    -------
    numpy.ndarray
        1.0 inside the pulse, 0.0 outside.
    """
    return ((start - SMALL_VENSIM <= time) & (time < start + width)) * 1.0


def pulse_train(time, time_step, start, repeat_time, width, end):
    """Vensim ``PULSE TRAIN``: pulses of ``width`` every ``repeat_time`` until ``end``.

    Parameters
    ----------
    time, time_step : float
        Current model time and integration step [time unit].
    start, repeat_time, width, end : array_like
        First pulse, repetition interval, pulse duration and end of the
        train [time unit].

    Returns
    -------
    numpy.ndarray
        1.0 inside a pulse, 0.0 outside.
    """
    active = (start <= time) & (time < end)
    phase = np.mod(time - start + SMALL_VENSIM, repeat_time)
    train = (active & (phase < width)) * 1.0
    # a zero repeat time gives a single pulse, as in PySD
    return np.where(repeat_time == 0, pulse(time, time_step, start, width), train)


def ramp(time, time_step, slope, start, finish):
    """Vensim ``RAMP``: 0 before ``start``, then slope ``slope`` until ``finish``.

    Parameters
    ----------
    time, time_step : float
        Current model time and integration step [time unit].
    slope : array_like
        Rate of increase [unit/time unit].
    start, finish : array_like
        Start and end of the ramp [time unit].

    Returns
    -------
    numpy.ndarray
        The ramp value.
    """
    return (time + SMALL_VENSIM > start) * slope * (np.minimum(finish, time) - start)


def lookup(x, xs, ys, method="interpolate"):
    """Evaluate a Vensim lookup table (graphical function).

    Parameters
    ----------
    x : array_like
        Input [x unit].
    xs, ys : numpy.ndarray
        Table abscissae (sorted ascending) and ordinates [y unit].
    method : {"interpolate", "hold_backward", "look_forward", "extrapolate"}
        Linear interpolation holding the end values outside the table (the
        Vensim behaviour, the default), the last value at or before ``x``,
        the first value at or after ``x`` (data), or linear extrapolation
        outside the table (XMILE).

    Returns
    -------
    numpy.ndarray
        The table value at ``x``.
    """
    x = np.asarray(x, dtype=float)
    if method == "hold_backward":
        index = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, len(xs) - 1)
        return ys[index]
    if method == "look_forward":
        return ys[np.clip(np.searchsorted(xs, x, side="left"), 0, len(xs) - 1)]
    value = np.interp(x, xs, ys)
    if method == "extrapolate" and len(xs) > 1:
        low = ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
        high = ys[-1] + (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) * (x - xs[-1])
        value = np.where(x < xs[0], low, np.where(x > xs[-1], high, value))
    return value


def log_base(x, base):
    """Vensim's ``LOG(x, base)``: the logarithm of ``x`` to ``base``.

    A named function, not a lambda, so that a compiled program that uses
    it can be pickled into the disk cache.
    """
    return np.divide(np.log(x), np.log(base))


#: Unary and binary NumPy builtins: Vensim name (PySD clean form) -> callable.
NUMPY_FUNCTIONS = {
    "abs": np.abs,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "ln": np.log,
    "log": log_base,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "power": np.power,
    "min": np.minimum,
    "max": np.maximum,
    "integer": integer,
    "modulo": modulo,
    "quantum": quantum,
    "if_then_else": if_then_else,
}

#: Builtins that read the model clock: name -> (callable, accepted argument counts).
TIME_FUNCTIONS = {
    "step": (step, (2,)),
    "pulse": (pulse, (2,)),
    "pulse_train": (pulse_train, (4,)),
    "ramp": (ramp, (3,)),
}


# Random numbers. Vensim's generator cannot be reproduced bit for bit (nor does
# PySD try: it calls NumPy's global generator and ignores the seed), so the
# engine draws its own: counter-based, a SplitMix64 hash of (stream key,
# scenario index, time, cell). A draw depends on nothing else, so results are
# identical whatever the chunk size, the number of workers or the evaluation
# order, and each scenario has its own independent stream.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's increment (Steele et al. 2014)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(z):
    """Apply SplitMix64's finaliser to uint64 arrays.

    Steele, Lea and Flood (2014), doi:10.1145/2714064.2660195.
    """
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def stream_key(entropy: int) -> np.uint64:
    """Return a 64-bit stream key drawn from ``numpy.random.SeedSequence(entropy)``."""
    return np.random.SeedSequence(int(entropy)).generate_state(1, np.uint64)[0]


def noise(time, scenarios, run_key, site_key, fixed: bool, shape: tuple):
    """Uniform draws in (0, 1), one per scenario and cell, a pure function of its inputs.

    Parameters
    ----------
    time : float or numpy.ndarray
        Model time [time unit] (a column of times when tabulated for all steps).
    scenarios : numpy.ndarray of uint64
        Index of each scenario in the whole run, shape ``(N,)``.
    run_key : numpy.uint64
        Key of the run's seed (:func:`stream_key`).
    site_key : numpy.uint64
        Key of the call: of its seed argument, or of where it stands in the model.
    fixed : bool
        True when the call has a non-zero seed argument: its stream is that
        seed's, whatever the run's seed (as Vensim gives it the same noise
        in every run).
    shape : tuple of int
        Subscript shape of the draw.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, *shape)`` (``(steps, N)`` for a column of times).
    """
    with np.errstate(over="ignore"):
        key = site_key if fixed else _mix(run_key ^ site_key)
        cases = np.asarray(scenarios, dtype=np.uint64).reshape((-1,) + (1,) * len(shape))
        bits = np.ascontiguousarray(time, dtype=np.float64).view(np.uint64)
        z = _mix(key + (cases + np.uint64(1)) * _GOLDEN)
        z = _mix(z ^ (bits * _GOLDEN))
        cells = np.arange(int(np.prod(shape)), dtype=np.uint64).reshape(shape)
        z = _mix(z + (cells + np.uint64(1)) * _GOLDEN)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def random_0_1(u):
    """Vensim ``RANDOM 0 1``: uniform on (0, 1) from the draws ``u`` of :func:`noise`."""
    return u


def random_uniform(u, low, high):
    """Vensim ``RANDOM UNIFORM(min, max, seed)``: uniform on [min, max] [unit of min]."""
    return low + (high - low) * u


def random_normal(u, low, high, mean, sd):
    """Vensim ``RANDOM NORMAL(min, max, mean, sd, seed)``: a normal truncated to [min, max].

    Drawn by inverting the truncated CDF, as ``scipy.stats.truncnorm`` (PySD's
    formula) defines the distribution.
    """
    from scipy.special import ndtr, ndtri

    a = ndtr(xidz_checked(near_zero(sd), low - mean, sd, -np.inf))
    b = ndtr(xidz_checked(near_zero(sd), high - mean, sd, np.inf))
    return mean + sd * ndtri(a + u * (b - a))


def random_exponential(u, low, high, shift, stretch):
    """Vensim ``RANDOM EXPONENTIAL(min, max, shift, stretch, seed)``, truncated as in PySD.

    ``scipy.stats.truncexpon(b, loc=max(min, shift), scale=stretch)`` with
    ``b = (max - loc)/stretch``, drawn by inverting its CDF.
    """
    loc = np.maximum(low, shift)
    b = xidz_checked(near_zero(stretch), high - loc, stretch, np.inf)
    return loc - stretch * np.log1p(-u * -np.expm1(-b))


#: Vensim random functions (PySD clean name) -> (callable on draws, distribution arguments).
RANDOM_FUNCTIONS = {
    "random_0_1": (random_0_1, 0),
    "random_uniform": (random_uniform, 2),
    "random_normal": (random_normal, 4),
    "random_exponential": (random_exponential, 4),
}
