"""Run a compiled model for many scenarios at once (Euler or RK4 integration).

Time handling follows PySD's ``Time`` class exactly: the clock advances by
repeated addition of TIME STEP while ``t + TIME STEP*1e-5 < FINAL TIME``;
a time is saved when ``t - INITIAL TIME`` is within ``TIME STEP*1e-5`` of a
multiple of SAVEPER; saved times are rounded as PySD's output index is.
Initialisation evaluates the initial values of stateful structures in
dependency order with ACTIVE INITIAL in its initial form; the run stage
evaluates the variables that do not change during the run once, then runs
a loop generated for the schedule (:mod:`simulator.engine.batch.codegen`) that
re-evaluates the others from the states (at every step what the states
need, at saved steps what only outputs need). ``method="rk4"`` generates the
classic four-stage Runge-Kutta step instead (see the codegen module).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..timegrid import check_controls
from .codegen import build_loop
from .compiler import CLOCK, CONTROLS, NOISE_KEY, SCENARIOS, Program
from .functions import stream_key

#: Relative precision of PySD's clock comparisons (``Time.rprec``).
TIME_RPREC = 1e-5
#: Largest N times number of steps for which the step loop reads what depends only on
#: time from tables computed before the loop (see simulator.engine.batch.codegen): that saves
#: NumPy calls, which dominate small runs, at the cost of memory.
TABLE_ELEMENTS = 100_000
#: Integration methods of :meth:`Runner.integrate` (Vensim's Euler and RK4 Fixed).
METHODS = ("euler", "rk4")
#: Schedules and generated loops kept per model (least recently used dropped):
#: one per set of overridden and returned names, so an app session that
#: varies those sets would otherwise grow without bound.
MAX_CACHED = 64


def _remember(cache: dict, key, value):
    """Store ``value`` under ``key``, dropping the least recently used entry when full."""
    cache[key] = value
    while len(cache) > MAX_CACHED:
        del cache[next(iter(cache))]
    return value


def _recall(cache: dict, key):
    """Return the cached value for ``key`` (None if absent), marking it most recently used."""
    value = cache.pop(key, None)
    if value is not None:
        cache[key] = value
    return value


@dataclass(frozen=True)
class Schedule:
    """Evaluation orders for one combination of overridden names and outputs."""

    init_order: tuple
    static_order: tuple
    dynamic_order: tuple


def _topological(nodes: set, deps_of) -> list:
    """Order ``nodes`` so that each comes after its dependencies (ValueError on a loop)."""
    order, state = [], {}
    for root in sorted(nodes):
        if state.get(root):
            continue
        stack = [(root, iter(sorted(deps_of(root))))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif state.get(child) == 1:
                path = [name for name, _ in stack]
                loop = path[path.index(child):] + [child]
                raise ValueError(f"algebraic loop (simultaneous equations): {' -> '.join(loop)}")
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(deps_of(child)))))
    return order


def _closure(roots, deps_of) -> set:
    seen, todo = set(), list(roots)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(deps_of(node))
    return seen


class Runner:
    """Scheduling and the integration loop for a :class:`Program`."""

    def __init__(self, program: Program):
        self.program = program
        self.nodes = (set(program.exprs) - set(CONTROLS)) | set(program.statefuls)
        self._schedules: dict = {}
        self._loops: dict = {}
        #: Every variable a run can return (the fused kernel's schedule computes them all).
        self.all_names = frozenset(p for p in program.names if program.kinds[p] != "lookup")
        #: Fused kernel layouts by overridden names and state shapes (see batch.fused).
        self.layouts: dict = {}

    def shape(self, name: str) -> tuple:
        """Return the subscript shape of variable ``name`` (``()`` if unsubscripted)."""
        return tuple(len(elements) for _, elements in self.program.dims.get(name, ()))

    def _deps(self, node, overridden, init: bool) -> frozenset:
        if node in overridden:
            return frozenset()
        if node in self.program.statefuls:
            stateful = self.program.statefuls[node]
            deps = stateful.init_deps() if init else stateful.output_deps()
        else:
            expr = self.program.exprs[node]
            deps = expr.init_deps if init else expr.deps
        return deps

    def schedule(self, fixed: frozenset, varying: frozenset, outputs: frozenset) -> Schedule:
        """Return (and cache) the evaluation orders for a run.

        Parameters
        ----------
        fixed, varying : frozenset of str
            Python names overridden by constant and time-varying parameters.
        outputs : frozenset of str
            Python names to record.
        """
        key = (fixed, varying, outputs)
        if (cached := _recall(self._schedules, key)) is not None:
            return cached
        overridden = fixed | varying
        statefuls = self.program.statefuls

        def step_deps(node):
            return self._deps(node, overridden, False) & self.nodes

        def init_deps(node):
            return self._deps(node, overridden, True) & self.nodes

        roots = set(outputs & self.nodes) | set(statefuls)
        for stateful in statefuls.values():
            roots |= stateful.advance_deps() & self.nodes
        order = _topological(_closure(roots, step_deps), step_deps)
        dynamic: set = set()
        for node in order:
            if (
                (node in statefuls and not statefuls[node].constant)
                or node in varying
                or CLOCK in self._deps(node, overridden, False)
                or step_deps(node) & dynamic
            ):
                dynamic.add(node)
        init = _topological(_closure(set(statefuls), init_deps), init_deps)
        schedule = Schedule(
            tuple(init),
            tuple(n for n in order if n not in dynamic),
            tuple(n for n in order if n in dynamic),
        )
        return _remember(self._schedules, key, schedule)

    def initial_state(self, schedule: Schedule, controls, grid, n, fixed, varying,
                      streams=None) -> tuple[dict, dict]:
        """Return the static values (constants and what depends on them) and initial states.

        Arguments as for :meth:`integrate`, ``streams`` the nodes of the random
        streams; the first dictionary also holds the controls, ``fixed`` and
        the clock at ``grid[0]``.
        """
        program, statefuls = self.program, self.program.statefuls
        streams = streams or {}
        v = {**controls, **fixed, **streams, CLOCK: grid[0]}
        v.update({name: path[:, 0] for name, path in varying.items()})
        states = {}
        for node in schedule.init_order:
            if node in fixed or node in varying:
                continue
            if node in statefuls:
                states[node] = statefuls[node].initialize(v, n, controls["time_step"])
                v[node] = statefuls[node].initial_output(states[node], v)
            else:
                v[node] = program.exprs[node].init_fn(v)

        v = {**controls, **fixed, **streams, CLOCK: grid[0]}
        for node in schedule.static_order:
            if node in statefuls:
                v[node] = statefuls[node].output(states[node], {})
            elif node not in fixed:
                v[node] = program.exprs[node].fn(v)
        return v, states

    def integrate(self, controls, grid, save, n, fixed, varying, outputs, into=None,
                  seed: int = 0, first: int = 0, method: str = "euler") -> dict:
        """Initialise and integrate; return ``{py name: array (n_saved, n, *shape)}``.

        Parameters
        ----------
        controls : dict
            Control variable values by Python name.
        grid : list of float
            Integration times [model time unit].
        save : list of bool
            Whether each grid time is saved.
        n : int
            Number of scenarios.
        fixed : dict
            Python name -> constant value (scalar or ``(n,)``).
        varying : dict
            Python name -> array ``(n, len(grid))``.
        outputs : list of str
            Python names to record.
        into : dict, optional
            Python name -> array ``(n_saved, n, *shape)`` to fill (e.g. a column range
            of a larger result); default new arrays.
        seed : int, default 0
            Seed of the random streams (RANDOM functions without a seed of their own).
        first : int, default 0
            Index of the first scenario in the whole run: scenario ``first + i``
            draws the same random numbers whatever chunk it is run in.
        method : {"euler", "rk4"}, default "euler"
            Integration method; RK4 refuses a model with RANDOM functions (a
            fresh draw at each stage's time is no right-hand side to integrate).
        """
        program = self.program
        if method not in METHODS:
            raise ValueError(f"unknown integration method {method!r}: valid {list(METHODS)}")
        if method == "rk4" and program.stochastic:
            raise ValueError("RK4 needs a model without RANDOM functions: run it with Euler")
        key = (frozenset(fixed), frozenset(varying), frozenset(outputs))
        schedule = self.schedule(*key)
        # the time tables assume unsubscripted values (one column per scenario)
        tables = n * len(grid) <= TABLE_ELEMENTS and not program.dims and method == "euler"
        loop = _recall(self._loops, key + (tables, method))
        if loop is None:
            loop = _remember(self._loops, key + (tables, method),
                             build_loop(program, schedule, varying, outputs, CLOCK, tables,
                                        method))
        dt = controls["time_step"]
        with np.errstate(all="ignore"):
            streams = {SCENARIOS: np.arange(first, first + n, dtype=np.uint64),
                       NOISE_KEY: stream_key(seed)}
            v, states = self.initial_state(schedule, controls, grid, n, fixed, varying,
                                           streams)
            # time-major storage keeps each saved row contiguous
            results = into or {
                name: np.empty((int(sum(save)), n) + self.shape(name)) for name in outputs
            }
            loop(v, states, varying, grid, save, results, dt)
            for name in outputs:
                if name not in schedule.dynamic_order:
                    results[name][:] = v[name]
        return results


def clock(controls: dict) -> tuple[list, list]:
    """Return PySD's integration times and which of them are saved.

    Parameters
    ----------
    controls : dict
        ``initial_time``, ``final_time``, ``time_step`` and ``saveper``
        [model time unit].

    Returns
    -------
    grid : list of float
        Times reached by repeated addition of TIME STEP.
    save : list of bool
        True where the time is a multiple of SAVEPER from INITIAL TIME.
    """
    start, final = controls["initial_time"], controls["final_time"]
    step, saveper = controls["time_step"], controls["saveper"]
    check_controls(start, final, step, saveper)  # finite, positive, a bounded number of steps
    grid, time = [], start
    while time + step * TIME_RPREC < final:
        grid.append(time)
        time = time + step
    grid.append(time)
    precision = step * TIME_RPREC
    save = [
        (t - start) % saveper < precision or -(t - start) % saveper < precision for t in grid
    ]
    return grid, save


def round_times(times, time_step: float) -> np.ndarray:
    """Round times as PySD's output index does (``Time.round``)."""
    return np.round(np.asarray(times, dtype=float), -int(np.log10(time_step * TIME_RPREC)))


