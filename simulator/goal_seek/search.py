"""Search for the cheapest policy mix: differential evolution on a feasibility-first score.

The search takes any ``evaluate(X) -> outcomes`` function (the model on an
ensemble, :class:`simulator.goal_seek.evaluate.EnsembleEvaluator`, or a
pure-Python stand-in in tests), so it is testable against known answers.

Score (minimised), for a candidate with cost ``c`` [亿元] and shortfalls
``s_k = max(0, -margin_k)`` of the chance constraints (and of the budget,
``max(0, c/B - 1)``), see :meth:`simulator.goal_seek.problem.GoalProblem.assess`:

- feasible (every ``s_k = 0``): ``c / c_ref`` (``c_ref`` the dearest cost
  of the first population, so about [0, 1]);
- infeasible: ``1 + sum_k s_k + c / c_ref / 10``.

Every feasible mix beats every infeasible one (Deb's rule [1]_ as one
number), and among infeasible mixes the total shortfall, a continuous
function of the levers where the probability met is a step function, points
the population towards feasibility. The cost term keeps infeasible mixes
from drifting to expensive corners. Every candidate evaluated is kept in an
archive; the answer is the archive's cheapest feasible mix (exactly
feasible on the ensemble, not on the surrogate), or, with none feasible,
the mix meeting the most targets with the smallest total shortfall.

scipy's :func:`scipy.optimize.differential_evolution` [2]_ runs with
``vectorized=True``: each generation is one call of ``evaluate``.

References
----------
.. [1] K. Deb, "An efficient constraint handling method for genetic
   algorithms", Comput. Methods Appl. Mech. Eng. 186, 311-338, 2000.
.. [2] R. Storn and K. Price, "Differential Evolution - a simple and
   efficient heuristic for global optimization over continuous spaces",
   J. Global Optimization 11, 341-359, 1997.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import differential_evolution

from simulator.goal_seek.problem import GoalProblem

#: Default population size per decision variable and number of generations:
#: 8 levers with free start years (16 variables) gives 96 candidates a
#: generation, about 40 generations for the 60 s goal with 200 members.
POPSIZE = 6
MAXITER = 40
#: Generations without a 0.1% fall of the cheapest feasible cost before stopping.
STALL = 10


@dataclass
class Progress:
    """What a progress callback receives after each evaluated population.

    Attributes
    ----------
    generation : int
        Populations evaluated so far (the first is the initial one).
    max_generations : int
        Upper bound of ``generation``.
    candidates : int
        Candidates evaluated so far.
    best_cost : float
        Cheapest feasible cost so far [亿元], NaN before any is feasible.
    feasible : bool
        Whether a feasible mix has been found.
    """

    generation: int
    max_generations: int
    candidates: int
    best_cost: float
    feasible: bool

    @property
    def fraction(self) -> float:
        """Share of the generation budget used [-] (for a progress bar)."""
        return min(1.0, self.generation / max(1, self.max_generations))


@dataclass
class Archive:
    """Every candidate evaluated, with its cost, probabilities and margins."""

    x: list[np.ndarray] = field(default_factory=list)
    cost: list[np.ndarray] = field(default_factory=list)
    probability: list[np.ndarray] = field(default_factory=list)
    margin: list[np.ndarray] = field(default_factory=list)
    quantile: list[np.ndarray] = field(default_factory=list)

    def add(self, x, cost, probability, margin, quantile) -> None:
        """Append one evaluated population."""
        for name, value in zip(("x", "cost", "probability", "margin", "quantile"),
                               (x, cost, probability, margin, quantile)):
            getattr(self, name).append(np.asarray(value))

    def arrays(self) -> dict[str, np.ndarray]:
        """Stacked arrays: ``x`` (M, d), ``cost`` (M,), the rest (M, K)."""
        return {name: np.concatenate(getattr(self, name)) for name in
                ("x", "cost", "probability", "margin", "quantile")}

    def __len__(self) -> int:
        """Candidates archived."""
        return sum(len(c) for c in self.cost)


@dataclass
class SearchResult:
    """The answer of a search.

    Attributes
    ----------
    x : numpy.ndarray
        The chosen candidate.
    cost : float
        Its cumulative discounted cost [亿元].
    probability, margin, quantile : numpy.ndarray
        Per target (:meth:`GoalProblem.assess`).
    feasible : bool
        Every chance constraint (and the budget) holds on the ensemble.
    candidates : int
        Candidates evaluated.
    runs : int
        Model runs (candidates × ensemble members).
    generations : int
    method : str
    archive : Archive
    """

    x: np.ndarray
    cost: float
    probability: np.ndarray
    margin: np.ndarray
    quantile: np.ndarray
    feasible: bool
    candidates: int
    runs: int
    generations: int
    method: str
    archive: Archive


class _Scorer:
    """Evaluate populations, archive them, and score them (see the module docstring)."""

    def __init__(self, problem: GoalProblem, evaluate: Callable, progress: Callable | None,
                 max_generations: int) -> None:
        self.problem, self.evaluate, self.progress = problem, evaluate, progress
        self.archive = Archive()
        self.generation = 0
        self.max_generations = max_generations
        self.members = 0
        self.reference = None  # cost scale: the first population's dearest mix
        self.best = np.inf
        self.history: list[float] = []

    def stalled(self, generations: int, rtol: float = 1e-3) -> bool:
        """Whether the cheapest feasible cost fell by less than ``rtol`` in ``generations``."""
        if generations <= 0 or len(self.history) <= generations:
            return False
        now, then = self.history[-1], self.history[-1 - generations]
        return bool(np.isfinite(now) and np.isfinite(then) and now >= then * (1 - rtol))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        outcomes = self.evaluate(X)
        first = next(iter(outcomes.values()))
        self.members = first.shape[1]
        cost = self.problem.cost(X, outcomes)
        probability, margin, quantile = self.problem.assess(outcomes)
        if self.reference is None:
            self.reference = max(float(np.max(np.abs(cost))), 1e-9)
        self.archive.add(X, cost, probability, margin, quantile)
        shortfall = shortfalls(self.problem, cost, margin).sum(axis=1)
        feasible = shortfall <= 0
        if feasible.any():
            self.best = min(self.best, float(cost[feasible].min()))
        self.generation += 1
        self.history.append(self.best)
        if self.progress is not None:
            self.progress(Progress(self.generation, self.max_generations, len(self.archive),
                                   self.best if np.isfinite(self.best) else float("nan"),
                                   bool(np.isfinite(self.best))))
        scaled = cost / self.reference
        return np.where(feasible, scaled, 1.0 + shortfall + np.abs(scaled) / 10)


def shortfalls(problem: GoalProblem, cost: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Shortfall of every constraint: targets, then the budget: ``(P, K + 1)`` [-]."""
    budget = (np.zeros_like(cost) if problem.budget is None
              else np.maximum(0.0, cost - problem.budget) / max(problem.budget, 1e-9))
    return np.column_stack([np.maximum(0.0, -margin), budget])


def choose(problem: GoalProblem, archive: Archive) -> int:
    """Index of the answer in the archive (see the module docstring).

    The cheapest feasible mix; with none, among the mixes within the budget
    (all of them when none is, or there is no budget), the one meeting the
    most targets, then with the smallest total shortfall, then the cheapest.
    """
    a = archive.arrays()
    short = shortfalls(problem, a["cost"], a["margin"])
    feasible = short.sum(axis=1) <= 0
    if feasible.any():
        cost = np.where(feasible, a["cost"], np.inf)
        return int(np.argmin(cost))
    within = short[:, -1] <= 0
    pool = np.flatnonzero(within) if within.any() else np.arange(len(short))
    met = (short[pool, :-1] <= 0).sum(axis=1)
    order = np.lexsort((a["cost"][pool], short[pool, :-1].sum(axis=1), -met))
    return int(pool[order[0]])


def cheapest_meeting_targets(problem: GoalProblem, archive: Archive) -> float:
    """Cost of the cheapest archived mix meeting every target, budget aside [亿元] (NaN if none)."""
    a = archive.arrays()
    ok = (a["margin"] >= 0).all(axis=1)
    return float(a["cost"][ok].min()) if ok.any() else float("nan")


def _result(problem, scorer: _Scorer, method: str, runs: int) -> SearchResult:
    a = scorer.archive.arrays()
    i = choose(problem, scorer.archive)
    short = shortfalls(problem, a["cost"][i: i + 1], a["margin"][i: i + 1])
    return SearchResult(x=a["x"][i], cost=float(a["cost"][i]), probability=a["probability"][i],
                        margin=a["margin"][i], quantile=a["quantile"][i],
                        feasible=bool(short.sum() <= 0), candidates=len(scorer.archive),
                        runs=runs, generations=scorer.generation, method=method,
                        archive=scorer.archive)


def goal_seek(
    problem: GoalProblem,
    evaluate: Callable[[np.ndarray], dict[str, np.ndarray]],
    *,
    seed: int,
    popsize: int = POPSIZE,
    maxiter: int = MAXITER,
    progress: Callable[[Progress], None] | None = None,
    tol: float = 1e-4,
    stall: int = STALL,
) -> SearchResult:
    """Find the cheapest mix meeting every target with the problem's probability.

    Parameters
    ----------
    problem : GoalProblem
    evaluate : callable
        ``evaluate(X)`` with ``X`` of shape ``(P, len(problem.bounds))``
        returns indicator to ``(P, N, len(problem.years))`` values, the same
        ``N`` members (common random numbers) on every call.
    seed : int
        Seed of the search's random numbers.
    popsize : int
        Population per decision variable (scipy's ``popsize``).
    maxiter : int
        Generations at most.
    progress : callable, optional
        Called with a :class:`Progress` after each population; raise inside
        it to cancel.
    tol : float
        scipy's relative convergence tolerance.
    stall : int
        Stop when the cheapest feasible cost has fallen by less than 0.1% in
        this many generations (0: never; scipy's own ``tol`` still applies).

    Returns
    -------
    SearchResult
    """
    scorer = _Scorer(problem, evaluate, progress, maxiter + 1)
    bounds = problem.bounds
    # A lever whose bounds coincide is fixed; scipy needs a width, so give it a hair.
    bounds = [(lo, hi if hi > lo else lo + 1e-12) for lo, hi in bounds]
    x0 = np.clip(problem.plan_vector(), [b[0] for b in bounds], [b[1] for b in bounds])
    differential_evolution(
        lambda X: scorer(X.T), bounds, rng=np.random.default_rng(int(seed)), popsize=popsize,
        maxiter=maxiter, tol=tol, polish=False, vectorized=True, updating="deferred",
        init="latinhypercube", x0=x0,
        integrality=problem.integrality if problem.integrality.any() else None,
        callback=lambda intermediate_result: scorer.stalled(stall),
    )
    members = scorer.members
    return _result(problem, scorer, f"differential_evolution(popsize={popsize}, maxiter={maxiter})",
                   len(scorer.archive) * members)


def random_search(
    problem: GoalProblem,
    evaluate: Callable[[np.ndarray], dict[str, np.ndarray]],
    *,
    candidates: int,
    seed: int,
    batch: int = 100,
) -> SearchResult:
    """Uniform random search with a given number of candidates (the baseline).

    Parameters
    ----------
    problem : GoalProblem
    evaluate : callable
        As for :func:`goal_seek`.
    candidates : int
        Candidates to draw (model runs = candidates × members).
    seed : int
    batch : int
        Candidates per ``evaluate`` call.

    Returns
    -------
    SearchResult
    """
    rng = np.random.default_rng(int(seed))
    low = np.array([b[0] for b in problem.bounds])
    high = np.array([b[1] for b in problem.bounds])
    scorer = _Scorer(problem, evaluate, None, 0)
    left = int(candidates)
    while left > 0:
        size = min(batch, left)
        X = low + rng.random((size, len(low))) * (high - low)
        X[:, problem.integrality] = np.rint(X[:, problem.integrality])
        scorer(X)
        left -= size
    return _result(problem, scorer, f"random_search(candidates={candidates})",
                   len(scorer.archive) * scorer.members)


def pareto_front(problem: GoalProblem, archive: Archive,
                 levels: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)) -> list[dict]:
    """Tabulate the cost-probability trade-off from the archive.

    For each probability level ``q``, the cheapest archived mix with every
    target met in at least a fraction ``q`` of the members (within the
    budget, if any), and, for reference, which targets that mix meets at
    the problem's own ``p``.

    Returns
    -------
    list of dict
        ``probability``, ``cost`` [亿元] (NaN where no mix reaches ``q``),
        ``index`` in the archive (-1 if none), ``min_probability``.
    """
    a = archive.arrays()
    lowest = a["probability"].min(axis=1)
    within = (np.ones(len(lowest), bool) if problem.budget is None
              else a["cost"] <= problem.budget)
    rows = []
    for q in levels:
        ok = (lowest >= q - 1e-12) & within
        if ok.any():
            i = int(np.argmin(np.where(ok, a["cost"], np.inf)))
            rows.append({"probability": q, "cost": float(a["cost"][i]), "index": i,
                         "min_probability": float(lowest[i])})
        else:
            rows.append({"probability": q, "cost": float("nan"), "index": -1,
                         "min_probability": float("nan")})
    return rows
