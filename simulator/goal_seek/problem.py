"""The goal-seeking problem: decision variables, fiscal cost and chance constraints.

A candidate policy mix sets, for each decision lever, a new level that
starts in a chosen year (a step from the lever's current value); levers the
mix does not name keep the scenario's paths. The vector ``x`` the search
moves holds the levels first, in :attr:`GoalProblem.decisions` order, then
the start years of the levers that allow one.

Cost
    Cumulative discounted fiscal cost [亿元] of the decision levers from the
    first decision year to the target year, both included:
    ``sum_y (1 + r)^-(y - y0) * cost_y``, where ``cost_y`` is the lever's
    value in year ``y`` times its stated unit cost, or the ensemble mean of
    the model's own cost indicator for the levers that have one
    (``simulator/data/lever_costs.yaml``).
Chance constraints
    Each target ``k`` met in at least a fraction ``p`` of the ensemble's
    members. With ``N`` members, that is at least ``m = ceil(p N)`` members
    meeting it, which holds exactly when the ``m``-th largest relative
    margin (the empirical ``1 - p`` quantile) is >= 0. That order statistic
    is a continuous function of the levers where the fraction met is a step
    function, so its negative part, the *shortfall*, is the smooth signal
    the search follows (see :mod:`simulator.goal_seek.search`).

References
----------
.. [1] A. Charnes and W. W. Cooper, "Chance-constrained programming",
   Management Science 6(1), 73-79, 1959.
.. [2] K. Deb, "An efficient constraint handling method for genetic
   algorithms", Computer Methods in Applied Mechanics and Engineering
   186(2-4), 311-338, 2000.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import yaml

from simulator.errors import ScenarioError, UnknownNameError, did_you_mean
from simulator.levers import LeverPath, as_finite_number
from simulator.paths import DATA_DIR
from simulator.scenario import Scenario, Target
from simulator.targets import APPROX_RTOL, EQUAL_RTOL, is_met

#: The stated unit costs and discount rate.
COSTS_FILE = DATA_DIR / "lever_costs.yaml"
#: Default upper search bound: this many times the lever's current value
#: (or its model default when that is larger), capped by the catalogue range.
#: A judgement that keeps the search within policy a region could enact.
BOUND_MULTIPLE = 5.0
#: A constraint "binds" when its margin is within this fraction of the target [-].
BINDING_MARGIN = 0.02


@dataclass(frozen=True)
class LeverCost:
    """The fiscal cost of one lever.

    Attributes
    ----------
    lever : str
    per_unit : float or None
        Cost per lever unit per year [亿元]; None when ``indicator`` is used.
    indicator : str or None
        A model indicator that is the lever's yearly cost [亿元/Year].
    status : str
        ``sourced``, ``model``, ``definition`` or ``ASSUMPTION``.
    note : str
    """

    lever: str
    per_unit: float | None = None
    indicator: str | None = None
    status: str = ""
    note: str = ""
    timing: bool = True


@dataclass(frozen=True)
class CostBook:
    """Unit costs of the levers and the discount rate.

    Attributes
    ----------
    levers : dict of str to LeverCost
    discount_rate : float
        [1/Year].
    source : str
        The file they were read from.
    """

    levers: dict[str, LeverCost]
    discount_rate: float
    source: str = ""


def load_costs(path: str | Path | None = None) -> CostBook:
    """Read the lever costs (default :data:`COSTS_FILE`).

    Raises
    ------
    FileNotFoundError, ScenarioError
        A missing file, or an entry without ``per_unit`` or ``indicator``.
    """
    path = Path(path) if path is not None else COSTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"lever cost file not found: '{path}'")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    levers = {}
    for name, entry in (data.get("levers") or {}).items():
        if not isinstance(entry, dict) or ("per_unit" in entry) == ("indicator" in entry):
            raise ScenarioError(
                f"{path.name}: lever {name!r} needs one of 'per_unit' or 'indicator'"
            )
        per_unit = entry.get("per_unit")
        levers[name] = LeverCost(
            lever=name,
            per_unit=None if per_unit is None else as_finite_number(per_unit, f"{name} per_unit"),
            indicator=entry.get("indicator"),
            status=str(entry.get("status", "")),
            note=str(entry.get("note", "")),
            timing=bool(entry.get("start_year", True)),
        )
    rate = as_finite_number((data.get("discount_rate") or {}).get("value", 0.0), "discount_rate")
    if not 0 <= rate < 1:
        raise ScenarioError(f"{path.name}: discount_rate {rate:g} must be in [0, 1)")
    return CostBook(levers=levers, discount_rate=rate, source=str(path))


def discount_factors(rate: float, years: np.ndarray, first_year: int) -> np.ndarray:
    """Discount factor of each year to ``first_year`` at ``rate`` [1/Year]: ``(1+r)^-(y-y0)``."""
    return (1 + rate) ** -(np.asarray(years, dtype=float) - first_year)


def lever_cost(
    price: LeverCost, values: np.ndarray, discount: np.ndarray, runs: np.ndarray | None = None
) -> np.ndarray:
    """Cumulative discounted fiscal cost of one lever [亿元]: the one cost rule.

    Goal seeking (:meth:`GoalProblem.cost`) and the app's fiscal-cost readout
    (:mod:`simulator.fiscal_cost`) both price levers here.

    Parameters
    ----------
    price : LeverCost
    values : numpy.ndarray
        ``(..., Y)`` the lever's value in each cost year [lever unit].
    discount : numpy.ndarray
        ``(Y,)`` discount factors (:func:`discount_factors`).
    runs : numpy.ndarray, optional
        ``(..., N, Y)`` the cost indicator's members [亿元/Year]; required
        when the lever is costed by a model indicator (their mean is used).

    Returns
    -------
    numpy.ndarray
        ``values`` without its last axis [亿元].
    """
    if price.indicator is None:
        yearly = price.per_unit * np.asarray(values, dtype=float)
    else:
        if runs is None:
            raise ValueError(f"the cost of {price.lever} is the model's {price.indicator}:"
                             " pass its runs")
        yearly = np.asarray(runs, dtype=float).mean(axis=-2)
    return yearly @ discount


@dataclass(frozen=True)
class Decision:
    """One decision lever: its level's bounds and whether its start year is free.

    Attributes
    ----------
    lever : str
    low, high : float
        Bounds of the new level [lever unit].
    before : float
        The lever's value before the new level starts [lever unit].
    current : float
        The scenario's own level in the first decision year [lever unit].
    timing : bool
        Whether the start year is a decision variable.
    unit : str
    """

    lever: str
    low: float
    high: float
    before: float
    current: float
    timing: bool
    unit: str = ""


@dataclass(frozen=True)
class GoalProblem:
    """A goal-seeking problem on one scenario.

    Attributes
    ----------
    scenario : Scenario
        The base scenario (its other levers and parameters are kept).
    decisions : tuple of Decision
    targets : tuple of Target
        The targets to meet (years moved to ``by_year`` if asked).
    probability : float
        Required probability of meeting each target, in (0, 1].
    first_year, by_year : int
        The first decision year and the target year [year].
    costs : CostBook
    budget : float or None
        Cap on the cumulative discounted cost [亿元].
    last_start : int or None
        Latest start year a lever may take [year]; None means ``by_year``.
        :func:`build_problem` sets ``by_year - 1`` unless asked otherwise: a
        yearly flow answers within the year, so a lever started in the target
        year itself meets a target with a one-year spike.
    """

    scenario: Scenario
    decisions: tuple[Decision, ...]
    targets: tuple[Target, ...]
    probability: float
    first_year: int
    by_year: int
    costs: CostBook
    budget: float | None = None
    tolerances: dict = field(default_factory=dict)
    last_start: int | None = None

    @property
    def latest_start(self) -> int:
        """Latest start year of a lever [year]."""
        return self.by_year if self.last_start is None else self.last_start

    # ------------------------------------------------------------- the vector
    @property
    def timed(self) -> tuple[int, ...]:
        """Indices of the decisions whose start year is free."""
        return tuple(i for i, d in enumerate(self.decisions) if d.timing)

    @property
    def bounds(self) -> list[tuple[float, float]]:
        """Bounds of ``x``: levels [lever unit], then start years [year]."""
        levels = [(d.low, d.high) for d in self.decisions]
        return levels + [(self.first_year, self.latest_start)] * len(self.timed)

    @property
    def integrality(self) -> np.ndarray:
        """True for the start-year entries of ``x`` (whole years)."""
        return np.array([False] * len(self.decisions) + [True] * len(self.timed))

    @property
    def years(self) -> np.ndarray:
        """Output years the outcomes cover [year]: scenario start to target year."""
        return np.arange(self.scenario.start_year, self.by_year + 1)

    @property
    def indicators(self) -> list[str]:
        """Indicators the outcomes must hold: targets' and cost indicators."""
        names = {t.indicator for t in self.targets}
        names |= {self.costs.levers[d.lever].indicator for d in self.decisions}
        return sorted(n for n in names if n)

    def decode(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Split candidates into levels and start years.

        Parameters
        ----------
        X : numpy.ndarray
            ``(P, len(bounds))`` candidates.

        Returns
        -------
        levels : numpy.ndarray
            ``(P, L)`` new levels [lever unit].
        starts : numpy.ndarray
            ``(P, L)`` start years [year], whole; ``first_year`` where not free.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        n = len(self.decisions)
        levels = X[:, :n]
        starts = np.full_like(levels, float(self.first_year))
        if self.timed:
            starts[:, list(self.timed)] = np.clip(np.rint(X[:, n:]), self.first_year,
                                                  self.latest_start)
        return levels, starts

    def plan_vector(self) -> np.ndarray:
        """``x`` of the scenario's own mix: current levels, starting in the first year."""
        levels = [min(max(d.current, d.low), d.high) for d in self.decisions]
        return np.array(levels + [float(self.first_year)] * len(self.timed))

    def lever_values(self, X: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Decision levers' values at ``times``: ``(P, L, len(times))`` [lever unit]."""
        levels, starts = self.decode(X)
        before = np.array([d.before for d in self.decisions])
        times = np.asarray(times, dtype=float)
        on = times[None, None, :] >= starts[:, :, None] - 1e-9
        return np.where(on, levels[:, :, None], before[None, :, None])

    # ------------------------------------------------------------------ cost
    def cost_years(self) -> np.ndarray:
        """Years whose spending is counted [year]: first decision year to target year."""
        return np.arange(self.first_year, self.by_year + 1)

    def discount(self) -> np.ndarray:
        """Discount factor of each cost year [-]."""
        return discount_factors(self.costs.discount_rate, self.cost_years(), self.first_year)

    def cost(self, X: np.ndarray, outcomes: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Cumulative discounted fiscal cost of each candidate [亿元].

        Parameters
        ----------
        X : numpy.ndarray
            ``(P, len(bounds))`` candidates.
        outcomes : mapping, optional
            Indicator to ``(P, N, len(years))``; needed for levers costed by
            a model indicator.

        Returns
        -------
        numpy.ndarray
            ``(P,)`` [亿元].
        """
        years = self.cost_years()
        values = self.lever_values(X, years)  # (P, L, Y)
        total = np.zeros(values.shape[0])
        at = np.searchsorted(self.years, years)
        for i, decision in enumerate(self.decisions):
            price = self.costs.levers[decision.lever]
            runs = None
            if price.indicator is not None:
                if outcomes is None or price.indicator not in outcomes:
                    raise ValueError(
                        f"the cost of {decision.lever} is the model's {price.indicator}:"
                        " pass the outcomes that hold it"
                    )
                runs = np.asarray(outcomes[price.indicator], dtype=float)[:, :, at]
            total += lever_cost(price, values[:, i, :], self.discount(), runs)
        return total

    # ----------------------------------------------------------- constraints
    def threshold(self, target: Target) -> tuple[float, float]:
        """Return the value that meets a target [unit] and the sign: +1 at least, -1 at most."""
        if target.bound == "at_most":
            return target.value, -1.0
        if target.bound in ("equal", "approx"):
            default = EQUAL_RTOL if target.bound == "equal" else APPROX_RTOL
            rtol = self.tolerances.get(f"rtol_{target.bound}", default)
            return target.value - rtol * abs(target.value), 1.0
        return target.value, 1.0

    def members_needed(self, n: int) -> int:
        """Members that must meet a target: ``ceil(p N)`` (>= 1)."""
        return max(1, math.ceil(self.probability * n - 1e-9))

    def assess(
        self, outcomes: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities, margins and quantile values of every target.

        Parameters
        ----------
        outcomes : mapping
            Indicator to ``(P, N, len(years))`` values.

        Returns
        -------
        probability : numpy.ndarray
            ``(P, K)`` fraction of members meeting each target [-].
        margin : numpy.ndarray
            ``(P, K)`` relative margin of the ``ceil(pN)``-th best member
            [fraction of the target]; >= 0 exactly when the constraint holds.
        quantile : numpy.ndarray
            ``(P, K)`` that member's value [unit of the indicator].
        """
        shape = None
        probs, margins, quants = [], [], []
        for target in self.targets:
            runs = np.asarray(outcomes[target.indicator], dtype=float)
            at = np.flatnonzero(self.years == target.year)
            if not at.size:
                raise ValueError(f"target year {target.year} is outside the outcomes' years")
            value = runs[:, :, at[0]]  # (P, N)
            shape = value.shape
            threshold, sign = self.threshold(target)
            scale = abs(threshold) or 1.0
            margin = np.nan_to_num(sign * (value - threshold) / scale, nan=-10.0)
            m = self.members_needed(shape[1])
            order = np.argsort(-margin, axis=1)[:, m - 1]
            rows = np.arange(shape[0])
            margins.append(margin[rows, order])
            quants.append(value[rows, order])
            probs.append(is_met(value, target.value, target.bound, **self.tolerances).mean(axis=1))
        return np.stack(probs, 1), np.stack(margins, 1), np.stack(quants, 1)

    # --------------------------------------------------------------- output
    def lever_paths(self, x: np.ndarray) -> dict[str, LeverPath]:
        """Lever paths of one candidate (scenario-file ready)."""
        levels, starts = self.decode(x)
        out = {}
        for i, d in enumerate(self.decisions):
            level = float(_round_sig(levels[0, i]))
            year = float(starts[0, i])
            if year <= self.scenario.start_year:
                out[d.lever] = LeverPath("constant", value=level)
            else:
                out[d.lever] = LeverPath("step", year=year, before=d.before, after=level)
        return out

    def scenario_for(self, x: np.ndarray, name: str | None = None) -> Scenario:
        """Return the base scenario with one candidate's levers and the problem's targets."""
        levers = {**self.scenario.levers, **self.lever_paths(x)}
        return replace(
            self.scenario,
            name=name or f"{self.scenario.name}-goal",
            title_zh=f"{self.scenario.title_zh or self.scenario.name} 目标反推最低成本组合",
            title_en=f"{self.scenario.title_en or self.scenario.name}:"
            " cheapest mix found by goal seeking",
            levers=levers,
            targets=self.targets,
        )


def _round_sig(value: float, digits: int = 6) -> float:
    """Round to ``digits`` significant figures (readable YAML, same run to 1e-6)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


# ----------------------------------------------------------------- building
def _value_at(path: LeverPath | None, default: float, year: float) -> float:
    if path is None:
        return float(default)
    return float(path.values_on(np.array([year]))[0])


def first_decision_year(scenario: Scenario) -> int:
    """Return the first year a mix may change a lever [year].

    The earliest step or ramp year among the scenario's levers (when the plan
    starts acting), else the year after the scenario starts.
    """
    years = [p.year for p in scenario.levers.values() if p.kind == "step"]
    years += [p.start_year for p in scenario.levers.values() if p.kind == "ramp"]
    years += [min(p.yearly) for p in scenario.levers.values() if p.kind == "yearly"]
    years = [int(math.ceil(y)) for y in years if y > scenario.start_year]
    return min(years) if years else scenario.start_year + 1


def default_bounds(entry, current: float) -> tuple[float, float]:
    """Return a lever's default search bounds [lever unit].

    The catalogue minimum (0 without one) to ``BOUND_MULTIPLE`` times the
    larger of ``current`` and the model default, capped by the catalogue maximum.
    """
    low = entry.min if entry.min is not None else 0.0
    cap = entry.max if entry.max is not None else math.inf
    return float(low), float(min(cap, BOUND_MULTIPLE * max(current, entry.default, 0.0)))


def lever_bounds(scenario: Scenario, names: Sequence[str], model=None
                 ) -> dict[str, tuple[float, float]]:
    """Return the default search bounds of levers on ``scenario`` (the app shows them)."""
    from simulator import catalogue

    entries = catalogue.levers(model)
    first = first_decision_year(scenario)
    return {name: default_bounds(entries[name], _value_at(scenario.levers.get(name),
                                                          entries[name].default, first))
            for name in names if name in entries}


def select_targets(
    scenario: Scenario, names: Sequence[str] | None, by_year: int | None
) -> tuple[Target, ...]:
    """Choose the targets to meet.

    By default the targets of the scenario's latest target year (the plan's
    horizon figures); ``names`` picks targets by indicator (its latest
    target) or ``indicator@YEAR``; ``by_year`` moves the chosen targets to
    that year.

    Raises
    ------
    ScenarioError
        When the scenario has no targets.
    UnknownNameError
        On a name that is not one of its targets (with a "did you mean").
    """
    if not scenario.targets:
        raise ScenarioError(f"scenario {scenario.name!r} has no targets to reach")
    latest: dict[str, Target] = {}
    for target in scenario.targets:
        if target.indicator not in latest or target.year > latest[target.indicator].year:
            latest[target.indicator] = target
    if names:
        chosen = []
        choices = sorted(latest) + sorted({f"{t.indicator}@{t.year}" for t in scenario.targets})
        for name in names:
            indicator, _, year = name.partition("@")
            hits = [t for t in scenario.targets if t.indicator == indicator and str(t.year) == year]
            if not year and indicator in latest:
                hits = [latest[indicator]]
            if not hits:
                raise UnknownNameError(
                    f"unknown target {name!r}{did_you_mean(name, choices)} (the scenario's"
                    f" targets: {', '.join(sorted(latest))}; add @YEAR for an earlier year's)"
                )
            chosen.append(hits[0])
    else:
        horizon = max(t.year for t in scenario.targets)
        chosen = [t for t in scenario.targets if t.year == horizon]
    if by_year is not None:
        chosen = [replace(t, year=int(by_year)) for t in chosen]
    unique = {(t.indicator, t.year): t for t in chosen}
    return tuple(unique.values())


def build_problem(
    scenario: Scenario,
    *,
    probability: float = 0.8,
    levers: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    budget: float | None = None,
    by_year: int | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    costs: CostBook | None = None,
    model=None,
    start_in_target_year: bool = False,
) -> GoalProblem:
    """Validate the user's choices and build a :class:`GoalProblem`.

    Parameters
    ----------
    scenario : Scenario
        The plan (its targets, levers and uncertainty).
    probability : float, default 0.8
        Required probability of each target, in (0, 1] [-].
    levers : sequence of str, optional
        Decision levers; default every lever with a stated cost.
    targets : sequence of str, optional
        See :func:`select_targets`.
    budget : float, optional
        Cap on the cumulative discounted cost [亿元], >= 0.
    by_year : int, optional
        Target year (the targets' own years by default) [year].
    bounds : mapping of str to (float, float), optional
        Search bounds of a lever's level, within its catalogue range [lever
        unit]; default catalogue min to ``BOUND_MULTIPLE`` × its current value.
    costs : CostBook, optional
        Default :func:`load_costs`.
    model : LoadedModel, optional
    start_in_target_year : bool, default False
        Let a lever start in the target year itself. Off by default: yearly
        flows answer within the year, so such a start meets a flow target
        with a one-year spike no plan would enact. The latest start is then
        the year before the target year.

    Returns
    -------
    GoalProblem

    Raises
    ------
    ValueError, ScenarioError, UnknownNameError
        With a one-line message: p outside (0, 1], a negative budget, an
        unknown lever or target, no lever left free, bounds that leave
        nothing to search, a target year before the first decision year.
    """
    from simulator import catalogue

    p = as_finite_number(probability, "probability")
    if not 0 < p <= 1:
        raise ValueError(f"probability {p:g} must be in (0, 1] (e.g. 0.8)")
    if budget is not None:
        budget = as_finite_number(budget, "budget")
        if budget < 0:
            raise ValueError(f"budget {budget:g} 亿元 must not be negative")
    costs = costs or load_costs()
    entries = catalogue.levers(model)
    names = list(levers) if levers is not None else [n for n in entries if n in costs.levers]
    names = [n.strip() for n in names if n.strip()]
    for name in [*names, *(bounds or {})]:
        if name not in entries:
            raise UnknownNameError(
                f"unknown lever {name!r}{did_you_mean(name, entries)} (valid: {', '.join(entries)})"
            )
        if name not in costs.levers:
            raise ScenarioError(f"lever {name!r} has no stated cost in {Path(costs.source).name}")
    if len(set(names)) != len(names):
        raise ValueError(f"a lever is named twice in {names}")
    if not names:
        raise ValueError("no lever left free: name at least one lever to search over")
    for name in bounds or {}:
        if name not in names:
            raise ValueError(f"bounds given for {name!r}, which is not one of the levers searched")
    chosen = select_targets(scenario, targets, by_year)
    first = first_decision_year(scenario)
    by = max(t.year for t in chosen)
    early = [t for t in chosen if t.year < first]
    if early:
        raise ValueError(
            f"target {early[0].indicator}@{early[0].year} is before the first decision year"
            f" {first}: no lever can move it (pick later targets, or --by YEAR)"
        )
    if by > scenario.end_year:
        raise ValueError(f"target year {by} is after the scenario's end year {scenario.end_year}")
    last_start = by if start_in_target_year else by - 1
    decisions = []
    for name in names:
        entry = entries[name]
        path = scenario.levers.get(name)
        current = _value_at(path, entry.default, first)
        before = _value_at(path, entry.default, scenario.start_year)
        low, high = default_bounds(entry, current)
        cap = entry.max if entry.max is not None else math.inf
        if (bounds or {}).get(name) is not None:
            low, high = (as_finite_number(v, f"bound of {name}") for v in bounds[name])
            if low < (entry.min if entry.min is not None else -math.inf) or high > cap:
                raise ValueError(
                    f"bounds {low:g}:{high:g} of {name} leave its catalogue range"
                    f" {entry.min:g} to {cap:g} [{entry.unit}]"
                )
            if low > high:
                raise ValueError(f"bounds {low:g}:{high:g} of {name}: the lower is above the upper")
        decisions.append(Decision(name, float(low), float(high), before, current,
                                  costs.levers[name].timing and last_start > first, entry.unit))
    if all(d.high - d.low <= 0 for d in decisions) and not any(d.timing for d in decisions):
        raise ValueError(
            "the bounds leave nothing to search: every lever's lower bound equals its upper"
            " and no start year is free"
        )
    return GoalProblem(scenario=scenario, decisions=tuple(decisions), targets=chosen,
                       probability=p, first_year=first, by_year=by, costs=costs, budget=budget,
                       last_start=last_start)


def parse_bounds(items: Sequence[str] | None) -> dict[str, tuple[float, float]]:
    """Parse ``NAME=LO:HI`` bound options.

    Raises
    ------
    ValueError
        On a malformed item.
    """
    out = {}
    for item in items or []:
        name, sep, rest = item.partition("=")
        low, colon, high = rest.partition(":")
        if not sep or not colon or not name.strip():
            raise ValueError(f"--bound expects NAME=LO:HI, got {item!r}")
        out[name.strip()] = (as_finite_number(low, f"--bound {name} LO"),
                             as_finite_number(high, f"--bound {name} HI"))
    return out
