"""Evaluate a population of policy mixes on the calibrated ensemble in one engine call.

:class:`EnsembleEvaluator` draws the ensemble's parameters once, from its
seed, and reuses them for every candidate (common random numbers: two mixes
differ only by their levers, never by their luck). A population of ``P``
candidates is run as ``P × N`` cases of one :func:`simulator.engine.dispatch.run_cases`
call, from the scenario's start to the target year. With ``workers > 1`` the
population is split between that many worker processes, started once (spawn),
each holding the same draws (rebuilt from the same seed), so the numbers do
not depend on the number of workers.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from simulator import catalogue
from simulator.engine.dispatch import resolve_engine, run_cases
from simulator.engine.model import load_model, time_grid
from simulator.ensemble import draw_parameters
from simulator.goal_seek.problem import GoalProblem
from simulator.levers import step_midpoints
from simulator.runner import scenario_inputs


class EnsembleEvaluator:
    """``evaluate(X) -> outcomes`` for a :class:`GoalProblem` on the model.

    Parameters
    ----------
    problem : GoalProblem
    n : int
        Ensemble members.
    seed : int
        Seed of the ensemble's parameter draws.
    engine : {"auto", "batch", "pysd"}
    model : LoadedModel, optional
    workers : int, default 1
        Processes to split each population between, this one included (1: this
        process only).

    Attributes
    ----------
    runs : int
        Model runs made so far (candidates × members).
    source, notes
        Where the draws came from (:func:`simulator.ensemble.draw_parameters`).
    """

    def __init__(self, problem: GoalProblem, n: int, seed: int, *, engine: str = "auto",
                 model=None, workers: int = 1) -> None:
        self.problem = problem
        self.model = model or load_model()
        self.engine = resolve_engine(engine, self.model, problem.scenario.integration)
        self.n = int(n)
        self.seed = int(seed)
        draws, self.source, self.notes = draw_parameters(problem.scenario, self.n, self.seed)
        self.draws = {name: np.array([d[name] for d in draws], dtype=float) for name in draws[0]}
        scenario = problem.scenario
        self.grid = time_grid(scenario.start_year, problem.by_year, scenario.time_step)
        self._midpoints = step_midpoints(self.grid)
        self._base = scenario_inputs(scenario, self.grid)
        entries = catalogue.indicators(self.model)
        self._names = problem.indicators
        self._columns = [entries[name].vensim_name for name in self._names]
        self.runs = 0
        self.workers = max(1, int(workers))
        self._pool = None
        self._settings = (problem, self.n, self.seed, self.engine)
        self._start_pool()

    def close(self) -> None:
        """Stop the worker processes (if any)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "EnsembleEvaluator":
        """Use as a context manager: the workers stop on exit."""
        return self

    def __exit__(self, *exc) -> None:
        """Stop the workers."""
        self.close()

    def __call__(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Run every candidate on every member.

        Parameters
        ----------
        X : numpy.ndarray
            ``(P, len(problem.bounds))`` candidates.

        Returns
        -------
        dict of str to numpy.ndarray
            Indicator to ``(P, N, len(problem.years))`` values.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if self.workers > 1 and X.shape[0] >= 2 * self.workers:
            return self._in_workers(X)
        return self._run(X)

    def _start_pool(self) -> None:
        """Start the extra worker processes; they load the model while this one works."""
        if self._pool is None and self.workers > 1:
            self._pool = ProcessPoolExecutor(self.workers - 1, mp_context=get_context("spawn"),
                                             initializer=_start_worker, initargs=self._settings)
            for _ in range(self.workers - 1):
                self._pool.submit(_ready)

    def _in_workers(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Run the first share here and the others in the worker processes."""
        self._start_pool()
        parts = np.array_split(X, self.workers)
        futures = [self._pool.submit(_run_in_worker, part) for part in parts[1:]]
        results = [self._run(parts[0])] + [future.result() for future in futures]
        self.runs += sum(len(part) for part in parts[1:]) * self.n
        return {name: np.concatenate([r[name] for r in results]) for name in results[0]}

    def _run(self, X: np.ndarray) -> dict[str, np.ndarray]:
        P, N, G = X.shape[0], self.n, len(self.grid)
        inputs: dict[str, float | np.ndarray] = {}
        for name, value in self._base.items():
            inputs[name] = np.broadcast_to(value, (P * N, G)) if np.ndim(value) else value
        for name, column in self.draws.items():
            inputs[name] = np.tile(column, P)
        paths = self.problem.lever_values(X, self._midpoints)  # (P, L, G)
        for i, decision in enumerate(self.problem.decisions):
            inputs[decision.lever] = np.repeat(paths[:, i, :], N, axis=0)
        scenario = self.problem.scenario
        times, out = run_cases(self.model, inputs, P * N, engine=self.engine,
                               initial_time=scenario.start_year, final_time=self.problem.by_year,
                               time_step=scenario.time_step, saveper=1.0, columns=self._columns,
                               integration=scenario.integration)
        self.runs += P * N
        years = np.rint(times).astype(int)
        if not np.array_equal(years, self.problem.years):
            raise RuntimeError(f"the engine saved years {years.tolist()}, not the problem's")
        return {name: out[c].reshape(P, N, -1) for name, c in zip(self._names, self._columns)}


_WORKER: EnsembleEvaluator | None = None


def _start_worker(problem: GoalProblem, n: int, seed: int, engine: str) -> None:
    """Build this worker process's evaluator (the same draws: the same seed)."""
    global _WORKER
    _WORKER = EnsembleEvaluator(problem, n, seed, engine=engine)


def _ready() -> bool:
    """Return True once the worker has started (its initializer has run)."""
    return True


def _run_in_worker(X: np.ndarray) -> dict[str, np.ndarray]:
    """Run a slice of the population in a worker process."""
    return _WORKER._run(X)
