"""Time paths of policy levers: constant, step, ramp and explicit yearly values.

A path is evaluated on the integration grid and handed to the engine as one
value per grid time, so PySD (which interpolates a time series between its
points) and the batch engine see exactly the same numbers. The value handed
over for grid time t is the path at the middle of the step [t, t + dt): Euler
integration holds each input over its step, and the midpoint value is the
step's mean for a linear path, so a ramp enters the stocks without the DT/2
lag that sampling at t gives (see :meth:`LeverPath.over_steps`).

Scenario files write a path as a bare number (constant) or a mapping::

    incubator_capacity: {type: step, year: 2024, after: 900}          # before: model default
    new_sci_tech_loans: {type: ramp, start_year: 2023, end_year: 2026, from: 5, to: 20}
    talent_programme_intake: {type: yearly, values: {2023: 40, 2024: 60}}

The module also holds the checks every value of a scenario passes, and the
sweep, uncertainty and twin-city files with it: a finite number
(:func:`as_finite_number`), inside a catalogue entry's range
(:func:`check_range`), a mapping's keys among the valid ones
(:func:`check_keys`). Their messages name the value and the valid choices;
the error types and the "did you mean" are :mod:`simulator.errors`'.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from simulator.errors import ScenarioError, did_you_mean

PATH_TYPES = ("constant", "step", "ramp", "yearly")


# ------------------------------------------------------------------ value checks
def check_keys(
    mapping: Iterable[object], allowed: Iterable[str], what: str | None = None,
    *, of: str | None = None,
) -> None:
    """Refuse the first key of ``mapping`` that is not in ``allowed``.

    Parameters
    ----------
    mapping : mapping or iterable of keys
        The keys to check (a dict's keys, in its order).
    allowed : iterable of str
        The valid keys.
    what : str, optional
        Where the mapping sits, e.g. ``"target #2"``; starts the message.
    of : str, optional
        What kind of mapping it is, e.g. ``"a step path"``.

    Raises
    ------
    ScenarioError
        ``"<what>: unknown key 'x' for <of>; did you mean 'y'? (valid keys: [...])"``.

    Examples
    --------
    >>> check_keys({"yaer": 2022}, {"year", "value"}, "lever 'a'", of="a step path")
    Traceback (most recent call last):
    ...
    simulator.errors.ScenarioError: lever 'a': unknown key 'yaer' for a step path; \
did you mean 'year'? (valid keys: ['value', 'year'])
    """
    allowed = sorted(allowed)
    for key in mapping:
        if key not in allowed:
            where = f"{what}: " if what else ""
            kind = f" for {of}" if of else ""
            raise ScenarioError(
                f"{where}unknown key {key!r}{kind}{did_you_mean(str(key), allowed)}"
                f" (valid keys: {allowed})"
            )


def as_finite_number(value: object, what: str) -> float:
    """Convert ``value`` to a finite float or raise a message naming ``what``.

    Parameters
    ----------
    value : object
        A number, or a string holding one.
    what : str
        How to name the value in the error, e.g. ``"lever 'post_subsidy_rate'"``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If the value is not a number (booleans are refused too).
    ValueError
        If the value is NaN or infinite.
    """
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{what} must be a number, got {value!r}")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise TypeError(f"{what} must be a number, got {value!r}") from None
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int of hundreds of digits (issue #22)
            raise ValueError(f"{what} must be finite, got an integer of {len(str(value))}"
                             " digits") from None
    else:
        try:
            number = float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise TypeError(
                f"{what} must be a number, got {type(value).__name__} {value!r}"
            ) from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def check_range(entry, value: float) -> float:
    """Return ``value`` if inside the entry's valid range, else raise ValueError.

    ``entry`` is a catalogue entry (:class:`simulator.catalogue.CatalogueEntry`):
    anything with ``name``, ``unit``, ``min`` and ``max`` (None for unbounded).
    """
    low = -math.inf if entry.min is None else entry.min
    high = math.inf if entry.max is None else entry.max
    if not low <= value <= high:
        raise ValueError(
            f"{entry.name} = {value:g} is out of range: valid {_fmt(entry.min)} to"
            f" {_fmt(entry.max)} [{entry.unit}]"
        )
    return value


def _fmt(bound: float | None) -> str:
    return "unbounded" if bound is None else f"{bound:g}"


# ------------------------------------------------------------------ lever paths


@dataclass(frozen=True)
class LeverPath:
    """A lever's value over time.

    Attributes
    ----------
    kind : {"constant", "step", "ramp", "yearly"}
    value : float
        ``constant``: the value.
    before, after : float
        ``step``: values before and from ``year`` on; ``yearly``: ``before``
        is the value before the first listed year.
    year : float
        ``step``: the year the new value takes effect.
    start_year, end_year, start_value, end_value : float
        ``ramp``: linear change from ``start_value`` at ``start_year`` to
        ``end_value`` at ``end_year``, constant outside.
    yearly : dict of int to float
        ``yearly``: each value holds from its year until the next listed
        year; the last one holds to the end.
    """

    kind: str
    value: float = 0.0
    before: float = 0.0
    after: float = 0.0
    year: float = 0.0
    start_year: float = 0.0
    end_year: float = 0.0
    start_value: float = 0.0
    end_value: float = 0.0
    yearly: dict[int, float] = field(default_factory=dict)

    def values_on(self, times: np.ndarray) -> np.ndarray:
        """Evaluate the path at ``times`` [year]; returns an array like ``times``."""
        times = np.asarray(times, dtype=float)
        if self.kind == "constant":
            return np.full_like(times, self.value)
        if self.kind == "step":
            # A tiny tolerance so that a grid time that should equal the step
            # year (but carries float rounding) takes the new value.
            return np.where(times >= self.year - 1e-9, self.after, self.before)
        if self.kind == "ramp":
            return np.interp(
                times, [self.start_year, self.end_year], [self.start_value, self.end_value]
            )
        years = np.array(sorted(self.yearly), dtype=float)
        values = np.array([self.yearly[int(y)] for y in years])
        index = np.searchsorted(years, times + 1e-9, side="right") - 1
        return np.where(index < 0, self.before, values[np.clip(index, 0, None)])

    def over_steps(self, grid: np.ndarray) -> np.ndarray:
        """Return the path's value for each integration step, one per grid time [year].

        The step from ``grid[i]`` to ``grid[i + 1]`` takes the path at its
        midpoint, which is the step's mean wherever the path is linear over
        it (ramps, and constants between the whole-year breakpoints of steps
        and yearly values when DT divides a year). Sampling at ``grid[i]``
        instead would lag a ramp by DT/2: with incubator capacity ramped from 0
        to 100,000 over 2033-35, halving DT 1/16 then moved 2035 tech SMEs by
        1.09%; at the midpoint, 0.11%. The last grid time, which starts no
        step, takes the value half a step past the end like the others.
        """
        return self.values_on(step_midpoints(grid))

    def all_values(self) -> list[float]:
        """Every value the path can take (for range checks)."""
        if self.kind == "constant":
            return [self.value]
        if self.kind == "step":
            return [self.before, self.after]
        if self.kind == "ramp":
            return [self.start_value, self.end_value]
        return [self.before, *self.yearly.values()]

    def to_dict(self) -> float | dict:
        """Return the scenario-file form (inverse of :func:`parse_path`)."""
        if self.kind == "constant":
            return self.value
        if self.kind == "step":
            return {"type": "step", "year": self.year, "before": self.before, "after": self.after}
        if self.kind == "ramp":
            return {
                "type": "ramp",
                "start_year": self.start_year,
                "end_year": self.end_year,
                "from": self.start_value,
                "to": self.end_value,
            }
        return {"type": "yearly", "before": self.before, "values": dict(self.yearly)}


_KEYS = {
    "constant": {"type", "value"},
    "step": {"type", "year", "before", "after"},
    "ramp": {"type", "start_year", "end_year", "from", "to"},
    "yearly": {"type", "values", "before"},
}


def step_path(
    base: LeverPath | None, year: float, value: float, *, start_year: float, default: float
) -> LeverPath:
    """Return the path that takes ``value`` from ``year`` onward and follows ``base`` before it.

    The one rule for moving a lever in a given year (the app's sliders, a
    sweep's ``year:`` variables): from ``year`` on the lever is ``value``;
    before it, it keeps the base value. When the base is unset (``default``),
    constant, or constant from ``start_year`` up to ``year``, this is a
    ``step`` path whose ``before`` is the base's value at ``start_year``.
    Otherwise it is a ``yearly`` path holding the base's value at the start
    of each whole year from ``start_year`` until ``year``.

    Parameters
    ----------
    base : LeverPath or None
        The lever's path in the base scenario (None: the lever is not set).
    year : float
        First year of ``value``.
    value : float
        The new value [lever unit].
    start_year : float
        The scenario's first year.
    default : float
        The lever's model default, used when ``base`` is None.

    Raises
    ------
    ScenarioError
        If ``base`` changes before a ``year`` that is not a whole year (a
        yearly path cannot hold it).

    Examples
    --------
    >>> step_path(None, 2022, 20.0, start_year=2017, default=5.0).to_dict()
    {'type': 'step', 'year': 2022, 'before': 5.0, 'after': 20.0}
    """
    if base is None:
        return LeverPath("step", year=year, before=float(default), after=float(value))
    first = float(base.values_on([start_year])[0])
    if _constant_between(base, start_year, year, first):
        return LeverPath("step", year=year, before=first, after=float(value))
    if year != int(year):
        raise ScenarioError(
            f"cannot move a lever in year {year:g}: its base path changes before then,"
            " which only a whole year can keep"
        )
    years = range(int(np.ceil(start_year)), int(year))
    yearly = {y: float(base.values_on([y])[0]) for y in years}
    return LeverPath("yearly", before=first, yearly={**yearly, int(year): float(value)})


def ramp_path(
    base: LeverPath | None, year: float, years: float, value: float, *, start_year: float,
    default: float,
) -> LeverPath:
    """Return the path that moves from ``base`` to ``value`` linearly over ``years`` from ``year``.

    ``years`` 0 is :func:`step_path`. Otherwise, where the base is unset,
    constant, or constant from ``start_year`` until ``year``, this is a ``ramp``
    from the base's value at ``year`` to ``value`` at ``year + years``; a base
    that changes before ``year`` is kept as a ``yearly`` path, the ramp taken
    at each whole year.

    Examples
    --------
    >>> ramp_path(None, 2024, 2, 20.0, start_year=2017, default=5.0).to_dict()
    {'type': 'ramp', 'start_year': 2024, 'end_year': 2026, 'from': 5.0, 'to': 20.0}
    """
    if years <= 0:
        return step_path(base, year, value, start_year=start_year, default=default)
    first = float(default) if base is None else float(base.values_on([start_year])[0])
    if base is None or _constant_between(base, start_year, year, first):
        return LeverPath("ramp", start_year=year, end_year=year + years,
                         start_value=first, end_value=float(value))
    step = step_path(base, year, value, start_year=start_year, default=default)
    yearly = dict(step.yearly) if step.kind == "yearly" else {}
    origin = float(base.values_on([year])[0])
    for k in range(int(np.ceil(years)) + 1):  # whole years of the ramp, then the new value
        yearly[int(year) + k] = origin + (float(value) - origin) * min(k / years, 1.0)
    return LeverPath("yearly", before=step.before, yearly=yearly)


def _constant_between(path: LeverPath, start: float, end: float, value: float) -> bool:
    """Tell whether ``path`` equals ``value`` all over [start, end).

    Between its breakpoints every kind of path is constant or linear, so the
    path is checked at ``start``, at each breakpoint inside, and just before ``end``.
    """
    breaks = {
        "constant": [],
        "step": [path.year],
        "ramp": [path.start_year, path.end_year],
        "yearly": list(path.yearly),
    }[path.kind]
    times = [start, *(b for b in breaks if start < b < end), end - 1e-6]
    return bool(np.all(path.values_on(np.array(times, dtype=float)) == value))


def step_midpoints(grid: np.ndarray) -> np.ndarray:
    """Return the middle of each integration step [t, t + dt) of ``grid`` [year].

    The last grid time, which starts no step, takes half the last step too;
    a grid of one time is returned as it is. Stacking many paths on one grid,
    work this out once and call :meth:`LeverPath.values_on` on it.
    """
    grid = np.asarray(grid, dtype=float)
    if grid.size < 2:
        return grid
    return grid + np.diff(grid, append=2 * grid[-1] - grid[-2]) / 2


def parse_path(name: str, spec: object, default: float) -> LeverPath:
    """Build a :class:`LeverPath` from its scenario-file form.

    Parameters
    ----------
    name : str
        The lever's name (for messages).
    spec : number or dict
        A bare number, or a mapping with ``type`` and that type's keys.
    default : float
        The lever's model default, used for ``before`` when omitted.

    Returns
    -------
    LeverPath

    Raises
    ------
    ScenarioError
        On an unknown type or key, a missing key, or a ramp whose end is not
        after its start.
    TypeError, ValueError
        On a value that is not a finite number.
    """
    what = f"lever {name!r}"
    if not isinstance(spec, dict):
        return LeverPath("constant", value=as_finite_number(spec, what))
    kind = spec.get("type", "constant")
    if kind not in PATH_TYPES:
        raise ScenarioError(
            f"{what}: path type {kind!r} is not one of {list(PATH_TYPES)}"
            f"{did_you_mean(str(kind), PATH_TYPES)}"
        )
    check_keys(spec, _KEYS[kind], what, of=f"a {kind} path")

    def number(key: str, fallback: float | None = None) -> float:
        if key not in spec:
            if fallback is None:
                raise ScenarioError(f"{what}: a {kind} path needs {key!r}")
            return fallback
        return as_finite_number(spec[key], f"{what} {key!r}")

    if kind == "constant":
        return LeverPath("constant", value=number("value"))
    if kind == "step":
        return LeverPath(
            "step", year=number("year"), before=number("before", default), after=number("after")
        )
    if kind == "ramp":
        start, end = number("start_year"), number("end_year")
        if end <= start:
            raise ScenarioError(f"{what}: ramp end_year {end:g} must be after start_year {start:g}")
        return LeverPath(
            "ramp",
            start_year=start,
            end_year=end,
            start_value=number("from", default),
            end_value=number("to"),
        )
    values = spec.get("values")
    if not isinstance(values, dict) or not values:
        raise ScenarioError(f"{what}: a yearly path needs 'values', a mapping of year to value")
    yearly = {}
    for year, value in values.items():
        year_number = as_finite_number(year, f"{what} year {year!r}")
        if year_number != int(year_number):
            raise ScenarioError(f"{what}: yearly values need whole years, got {year!r}")
        yearly[int(year_number)] = as_finite_number(value, f"{what} value for {year}")
    return LeverPath("yearly", before=number("before", default), yearly=yearly)
