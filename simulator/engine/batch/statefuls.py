"""Stateful Vensim structures (INTEG, SMOOTH, DELAY, ...) for the batch engine.

Each class mirrors the corresponding class of PySD's
``py_backend/statefuls.py`` (the reference implementation) but keeps its
state in arrays with the scenario axis after any stage axis and before the
subscript axes (``(N,)`` or ``(order, N)``; ``(N, *shape)`` or
``(order, N, *shape)`` for a subscripted structure) and is functional:
:meth:`Stateful.advance` returns the next state instead of mutating, so that
every stateful advances from the values at the same time.

Under RK4 (:mod:`simulator.engine.batch.codegen`) a structure that is a set of
stocks gives its time derivative (:meth:`Stateful.derivative`); the others
(DELAY FIXED, DELAY N, SAMPLE IF TRUE) have ``derivative = None`` and are
discrete: they advance once per full step, and their output is constant
over the step, as Vensim documents for its DELAY FIXED and DELAY N ("do not
change except at TIME STEP intervals regardless of the integration technique
used"). They read their arguments at the step's start, except those named in
``averaged_args`` (the input of DELAY FIXED and DELAY N): these take RK4's
weighted mean of the four stages, (k1 + 2 k2 + 2 k3 + k4)/6, the weights a
stock gives its flows, so that a pipeline carries exactly what an upstream
stock with the same flow received over the step (sampling at the start
would lose or create about dt^2/2 times the flow's slope each step: a
first-order error in the stock it drains).

Arguments are :class:`simulator.engine.batch.expr.Expr` objects. Initialisation
evaluates them from ``v``, the dictionary of initial values by node name;
during the run the engine evaluates them itself (in its generated step loop)
and passes their values by argument name to :meth:`Stateful.output` and
:meth:`Stateful.advance`.
"""

from __future__ import annotations

import warnings

import numpy as np

from .errors import UnsupportedConstructError
from .functions import SMALL_VENSIM, zidz


def _full(value, n: int, shape: tuple = ()) -> np.ndarray:
    """Return ``value`` broadcast to a fresh float array of shape ``(n, *shape)``."""
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), (n,) + tuple(shape)))


def _shifted(stages: np.ndarray, first) -> np.ndarray:
    """Return a copy of ``stages`` moved down one row, ``first`` in row 0 (a cascade's inflows)."""
    shifted = np.empty_like(stages)
    shifted[1:] = stages[:-1]
    shifted[0] = first
    return shifted


class Stateful:
    """Base class: one stateful structure inside a model element.

    Parameters
    ----------
    node : str
        Node name of the structure in the value dictionary (``_<kind>_<py name>``).
    name : str
        Vensim name of the element that holds it (for messages).
    construct : str
        Vensim construct, e.g. ``"SMOOTH3"``.
    **args : Expr
        The structure's arguments.
    """

    #: Arguments needed to compute the output from the state.
    output_args: tuple = ()
    #: Arguments needed to initialise the state.
    init_args: tuple = ()
    #: Arguments read by :meth:`advance`.
    advance_args: tuple = ()
    #: Python source of the output from the state ``{state}``; None: call :meth:`output`.
    output_source: str | None = "{state}"
    #: True if the value never changes after initialisation (the engine computes
    #: what depends only on it and on constants once per run).
    constant: bool = False

    #: Subscript shape of the state (after the scenario axis); () if unsubscripted.
    shape: tuple = ()
    #: True for a set of stocks (RK4 integrates :meth:`derivative`); False for a
    #: discrete structure, advanced once per full step by :meth:`advance`.
    continuous: bool = False
    #: Arguments of a discrete structure that RK4 averages over the step's stages.
    averaged_args: tuple = ()

    def __init__(self, node: str, name: str, construct: str, shape: tuple = (), **args):
        self.node = node
        self.name = name
        self.construct = construct
        self.args = args
        if shape:
            self.shape = tuple(shape)

    def _deps(self, names, init: bool) -> frozenset:
        deps = set()
        for arg in names:
            deps |= self.args[arg].init_deps if init else self.args[arg].deps
        return frozenset(deps)

    def init_deps(self) -> frozenset:
        """Node names read by :meth:`initialize` and the initial output."""
        return self._deps(self.init_args + self.output_args, True)

    def output_deps(self) -> frozenset:
        """Node names read by :meth:`output` during the run."""
        return self._deps(self.output_args, False)

    def advance_deps(self) -> frozenset:
        """Node names read by :meth:`advance`."""
        return self._deps(self.advance_args, False)

    def advance_source(self, state: str, args: dict) -> str | None:
        """Python source of the next state, or None to call :meth:`advance`.

        Parameters
        ----------
        state : str
            Source of the current state.
        args : dict
            Argument name -> source of its current value; ``dt`` is the time step.
        """
        return None

    def derivative_source(self, state: str, args: dict) -> str | None:
        """Python source of the state's time derivative, or None to call :meth:`derivative`."""
        return None

    def derivative(self, state, args: dict):
        """Return d(state)/dt given ``advance_args`` values (continuous structures only)."""
        raise NotImplementedError

    def bounded(self, source: str) -> str:
        """Python source of a state reached by integration (non-negative stocks clip it)."""
        return source

    def initial_output(self, state, v):
        """Return the output at initialisation, arguments evaluated from ``v``."""
        return self.output(state, {arg: self.args[arg].init_fn(v) for arg in self.output_args})

    def _order(self, v, n: int) -> float:
        """Evaluate the ``order`` argument at initialisation; it must not vary by scenario."""
        order = np.asarray(self.args["order"].init_fn(v), dtype=float)
        if order.ndim and not np.all(order == order.flat[0]):
            raise UnsupportedConstructError(
                self.name, f"{self.construct} with an order that differs between scenarios"
            )
        return float(order.flat[0])

    def initialize(self, v, n: int, time_step: float):
        """Return the initial state from initial-stage values ``v``."""
        raise NotImplementedError

    def output(self, state, args: dict):
        """Return the structure's value from its state and ``output_args`` values."""
        return state

    def advance(self, state, args: dict, dt: float):
        """Return the state one Euler step of ``dt`` later, given ``advance_args`` values."""
        return state


class Integ(Stateful):
    """INTEG (and non-negative INTEG): ``stock += flow*dt``."""

    init_args = ("initial",)
    advance_args = ("flow",)
    continuous = True

    def __init__(self, *args, non_negative: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.non_negative = non_negative

    def derivative_source(self, state, args):  # noqa: D102
        return f"({args['flow']})"

    def derivative(self, state, args):  # noqa: D102
        return args["flow"]

    def bounded(self, source):  # noqa: D102
        return f"_np.maximum({source}, 0)" if self.non_negative else source

    def initialize(self, v, n, time_step):  # noqa: D102
        return _full(self.args["initial"].init_fn(v), n, self.shape)

    def advance(self, state, args, dt):  # noqa: D102
        new = state + args["flow"] * dt
        return np.maximum(new, 0) if self.non_negative else new

    def advance_source(self, state, args):  # noqa: D102
        new = f"{state} + ({args['flow']}) * dt"
        return f"_np.maximum({new}, 0)" if self.non_negative else new


class Initial(Stateful):
    """INITIAL: the argument's value at the initial time."""

    init_args = ("initial",)
    constant = True

    def initialize(self, v, n, time_step):  # noqa: D102
        return _full(self.args["initial"].init_fn(v), n, self.shape)


class SampleIfTrue(Stateful):
    """SAMPLE IF TRUE: hold the input's last value sampled while the condition held."""

    init_args = ("initial",)
    output_args = ("condition", "input")
    advance_args = ("condition", "input")
    output_source = None

    def initialize(self, v, n, time_step):  # noqa: D102
        return _full(self.args["initial"].init_fn(v), n, self.shape)

    def output(self, state, args):  # noqa: D102
        return np.where(args["condition"], args["input"], state)

    def advance(self, state, args, dt):  # noqa: D102
        return state * 0 + self.output(state, args)


class Smooth(Stateful):
    """SMOOTH, SMOOTHI, SMOOTH3, SMOOTH3I and SMOOTH N: a cascade of first-order smooths."""

    init_args = ("initial", "order")
    advance_args = ("input", "smooth_time")
    output_source = "{state}[-1]"
    continuous = True

    def initialize(self, v, n, time_step):  # noqa: D102
        order = int(self._order(v, n))
        return np.array([_full(self.args["initial"].init_fn(v), n, self.shape)] * order)

    def output(self, state, args):  # noqa: D102
        return state[-1]

    def advance(self, state, args, dt):  # noqa: D102
        order = len(state)
        # a single stage moves towards the input itself (same values, no copy)
        targets = args["input"] if order == 1 else _shifted(state, args["input"])
        return state + (targets - state) * order / args["smooth_time"] * dt

    def derivative(self, state, args):  # noqa: D102
        targets = args["input"] if len(state) == 1 else _shifted(state, args["input"])
        return (targets - state) * len(state) / args["smooth_time"]


class Delay(Stateful):
    """DELAY1, DELAY1I, DELAY3 and DELAY3I: a cascade of first-order material delays.

    The state holds each stage's content (output rate times delay time).
    """

    init_args = ("initial", "order")
    output_args = ("delay_time",)
    advance_args = ("input", "delay_time")
    output_source = None
    continuous = True

    def _initial_order(self, v, n, time_step) -> int:
        order = self._order(v, n)
        if order != int(order):
            warnings.warn(f"{self.name}\nCasting delay order from {order} to {int(order)}")
        finals = set()
        for delay_time in np.unique(_full(self.args["delay_time"].init_fn(v), n, self.shape)):
            final = int(order)
            while final * time_step > delay_time:
                final -= 1
            finals.add(final)
        if len(finals) > 1:
            raise UnsupportedConstructError(
                self.name,
                f"{self.construct} whose delay time is shorter than order*TIME STEP in some "
                "scenarios only",
            )
        final = finals.pop()
        if final != int(order):
            warnings.warn(
                f"{self.name}\nDelay time very small, casting delay order from "
                f"{int(order)} to {final}"
            )
        return final

    def initialize(self, v, n, time_step):  # noqa: D102
        order = self._initial_order(v, n, time_step)
        content = self.args["initial"].init_fn(v) * self.args["delay_time"].init_fn(v)
        return np.array([_full(content, n, self.shape)] * order)

    def output(self, state, args):  # noqa: D102
        return state[-1] / args["delay_time"]

    def advance(self, state, args, dt):  # noqa: D102
        outflows = state / args["delay_time"]
        inflows = _shifted(outflows, args["input"])
        return state + (inflows - outflows) * len(state) * dt

    def derivative(self, state, args):  # noqa: D102
        outflows = state / args["delay_time"]
        return (_shifted(outflows, args["input"]) - outflows) * len(state)


class DelayN(Delay):
    """DELAY N: like :class:`Delay`, remembering each stage's delay time.

    The state is ``(stages, times)``; the output divides by the delay time
    recorded at the previous step, as PySD does when the delay time varies.
    Discrete under RK4, as Vensim treats it ("its output is constant for each
    Time Step").
    """

    output_args = ()
    continuous = False
    averaged_args = ("input",)

    def init_deps(self):  # noqa: D102
        return self._deps(("initial", "order", "delay_time"), True)

    def initialize(self, v, n, time_step):  # noqa: D102
        stages = super().initialize(v, n, time_step)
        times = np.array([_full(self.args["delay_time"].init_fn(v), n, self.shape)] * len(stages))
        return stages, times

    def output(self, state, args):  # noqa: D102
        stages, times = state
        return stages[-1] / times[0]

    def advance(self, state, args, dt):  # noqa: D102
        stages, times = state
        times = _shifted(times, args["delay_time"])
        outflows = stages / times
        inflows = _shifted(outflows, args["input"])
        return stages + (inflows - outflows) * len(stages) * dt, times


class DelayFixed(Stateful):
    """DELAY FIXED: a pipeline of ``round(delay_time/TIME STEP)`` slots per scenario.

    The state is ``(pipe, pointer, order, value)``; the delay time is read
    once, at the initial time, as in Vensim and PySD.
    """

    init_args = ("initial", "delay_time")
    advance_args = ("input",)
    output_source = "{state}[3]"
    averaged_args = ("input",)

    def initialize(self, v, n, time_step):  # noqa: D102
        exact = _full(
            np.maximum(np.divide(self.args["delay_time"].init_fn(v), time_step), 1), n, self.shape
        )
        order = np.round(exact + SMALL_VENSIM).astype(int)
        if np.any(exact != np.trunc(exact)):
            first = exact[exact != np.trunc(exact)][0]
            warnings.warn(
                f"{self.name}\nCasting delay order from {first:f} to "
                f"{int(round(first + SMALL_VENSIM))}"
            )
        value = _full(self.args["initial"].init_fn(v), n, self.shape)
        if np.all(order == order.flat[0]):
            # One order for every scenario (the usual case): slots are rows, so
            # a step writes and reads one contiguous row instead of gathering
            # one element per scenario (a quarter of the run time at N=10,000).
            pipe = np.repeat(value[None, ...], int(order.flat[0]), axis=0)
            return pipe, 0, int(order.flat[0]), value
        # orders differ: one pipeline per scenario and subscript cell, flattened
        order, flat = order.reshape(-1), value.reshape(-1)
        pipe = np.repeat(flat[:, None], int(order.max()), axis=1)
        return pipe, np.zeros(len(flat), dtype=int), order, value

    def output(self, state, args):  # noqa: D102
        return state[3]

    def advance(self, state, args, dt):  # noqa: D102
        pipe, pointer, order, _ = state
        if isinstance(pointer, int):
            pipe[pointer] = args["input"]
            pointer = (pointer + 1) % order
            return pipe, pointer, order, pipe[pointer].copy()  # the row is rewritten later
        rows = np.arange(len(pointer))
        if self.shape:
            shape = (len(pointer) // int(np.prod(self.shape)),) + self.shape
            pipe[rows, pointer] = np.broadcast_to(args["input"], shape).reshape(-1)
            pointer = (pointer + 1) % order
            return pipe, pointer, order, pipe[rows, pointer].reshape(shape)
        pipe[rows, pointer] = args["input"]
        pointer = (pointer + 1) % order
        return pipe, pointer, order, pipe[rows, pointer]


class Trend(Stateful):
    """TREND: fractional rate of change of the input, from a first-order average."""

    init_args = ("input", "average_time", "initial_trend")
    output_args = ("input", "average_time")
    advance_args = ("input", "average_time")
    output_source = None
    continuous = True

    def initialize(self, v, n, time_step):  # noqa: D102
        args = self.args
        return _full(
            np.divide(
                args["input"].init_fn(v),
                1 + args["initial_trend"].init_fn(v) * args["average_time"].init_fn(v),
            ),
            n,
            self.shape,
        )

    def output(self, state, args):  # noqa: D102
        return zidz(args["input"] - state, args["average_time"] * np.abs(state))

    def advance(self, state, args, dt):  # noqa: D102
        return state + (args["input"] - state) / args["average_time"] * dt

    def derivative(self, state, args):  # noqa: D102
        return (args["input"] - state) / args["average_time"]


class Forecast(Stateful):
    """FORECAST: input extrapolated over a horizon from its average trend."""

    init_args = ("input", "initial_trend")
    output_args = ("input", "average_time", "horizon")
    advance_args = ("input", "average_time")
    output_source = None
    continuous = True

    def initialize(self, v, n, time_step):  # noqa: D102
        return _full(
            np.divide(self.args["input"].init_fn(v), 1 + self.args["initial_trend"].init_fn(v)),
            n,
            self.shape,
        )

    def output(self, state, args):  # noqa: D102
        value = args["input"]
        return value * (1 + zidz(value - state, args["average_time"] * state) * args["horizon"])

    def advance(self, state, args, dt):  # noqa: D102
        return state + (args["input"] - state) / args["average_time"] * dt

    def derivative(self, state, args):  # noqa: D102
        return (args["input"] - state) / args["average_time"]
