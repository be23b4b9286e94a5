"""Link and loop polarity, measured on the model's own equations.

A causal link x → y is positive when raising x, all else equal, raises y, and
negative when it lowers y (Richardson 1995, "Loop polarity, loop dominance, and
the concept of dominant polarity", System Dynamics Review 11(1)). For a stock,
a link from a flow is positive when the flow adds to the stock. Reading the
sign off the equation's text fails for MIN, MAX, IF THEN ELSE, lookups and
guards, so each link is measured instead: every equation is evaluated on the
values of complete runs (one or several cases, every saved time) with the
cause nudged up, and the sign of the change is recorded. A link whose sign
never changes has that polarity; one that changes sign between times or cases
is ``±`` (its polarity depends on the state); one that changes nothing in the
runs is ``0``. Smoothing and delay times are ``±`` by construction: a longer
time raises the output while the input falls and lowers it while it rises.

A loop's polarity is the product of its links': reinforcing (R) with an even
number of negative links, balancing (B) with an odd one, undetermined (?) when
a link is ``±``, and inactive in the runs (0) when a link is ``0``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from simulator.engine.batch.expr import RUN
from simulator.engine.model import LoadedModel

#: Relative nudge of a cause [-], and its floor for values at zero [unit of the cause].
RELATIVE_STEP, ABSOLUTE_STEP = 1e-6, 1e-9
#: Stateful arguments through which the input passes with its own sign.
SIGNAL_ARGUMENTS = ("flow", "input")
#: Stateful arguments read only at the start: no dynamic link.
STATIC_ARGUMENTS = ("initial", "order")
POSITIVE, NEGATIVE, MIXED, NONE = "+", "−", "±", "0"


def _signs(expr, values: dict, cause: str) -> set[int]:
    """Signs of the change of ``expr`` when ``cause`` is nudged up, over all cells."""
    base = np.asarray(expr.fn(values), dtype=float)
    x = np.asarray(values[cause], dtype=float)
    nudged = dict(values)
    nudged[cause] = x + RELATIVE_STEP * np.abs(x) + ABSOLUTE_STEP
    change = np.asarray(expr.fn(nudged), dtype=float) - base
    change = change[np.isfinite(change)]
    return {int(s) for s in np.unique(np.sign(change)) if s != 0}


def _polarity(signs: set[int]) -> str:
    if signs == {1}:
        return POSITIVE
    if signs == {-1}:
        return NEGATIVE
    return MIXED if signs else NONE


def _run_values(model: LoadedModel, cases) -> list[dict]:
    """Every variable's values in each case, keyed by Python name, as (1, n_saved) arrays."""
    batch, reason = model.batch_model()
    if batch is None:
        raise ValueError(f"link polarity needs the batch engine: {reason}")
    program = batch.program
    runs = []
    for params, controls in cases:
        out = batch.run(params, **controls)
        values = {py: np.asarray(out[name], dtype=float) for py, name in program.names.items()
                  if name in out}
        values["time"] = np.asarray(batch.output_times(**controls), dtype=float)[None, :]
        for py, expr in program.exprs.items():  # a stateful's value is its variable's
            expr = expr.pick(RUN)
            if expr.op == "ref" and expr.value in program.statefuls and py in values:
                values[expr.value] = values[py]
        start = {name: value[..., :1] for name, value in values.items()}
        for node, stateful in program.statefuls.items():  # INITIAL: fixed at the start
            if node not in values and stateful.construct == "INITIAL":
                initial = np.asarray(stateful.args["initial"].init_fn(start), dtype=float)
                values[node] = np.broadcast_to(initial, values["time"].shape)
        runs.append(values)
    return runs


def link_polarities(model: LoadedModel, graph: dict[str, set[str]],
                    cases: Iterable[tuple[dict, dict]] = (({}, {}),)) -> dict[tuple, str]:
    """Measure the polarity of every link of a causal graph.

    Parameters
    ----------
    model : LoadedModel
        The model (compiled for the batch engine).
    graph : dict of str to set of str
        Effect (Python name) to its causes, as
        :func:`simulator.app_logic.structure.causal_graph` gives it.
    cases : iterable of (dict, dict)
        Runs to measure on: parameter values and control overrides for
        ``BatchModel.run`` (default: the model's own values).

    Returns
    -------
    dict of (str, str) to str
        ``(cause, effect)`` to ``"+"``, ``"−"``, ``"±"`` or ``"0"``.
    """
    batch, _ = model.batch_model()
    runs = _run_values(model, list(cases))
    program = batch.program
    stateful_of = {}  # a stock's (or smooth's, delay's) variable -> its stateful
    for py, expr in program.exprs.items():
        expr = expr.pick(RUN)
        if expr.op == "ref" and expr.value in program.statefuls:
            stateful_of[py] = program.statefuls[expr.value]
    result = {}
    for effect, causes in graph.items():
        stateful = stateful_of.get(effect)
        for cause in causes:
            signs: set[int] = set()
            if stateful is not None:
                signal = [stateful.args[a] for a in SIGNAL_ARGUMENTS if a in stateful.args]
                if not any(cause in expr.deps for expr in signal):
                    timing = [expr for name, expr in stateful.args.items()
                              if name not in SIGNAL_ARGUMENTS + STATIC_ARGUMENTS]
                    if any(cause in expr.deps for expr in timing):
                        result[(cause, effect)] = MIXED  # a smoothing or delay time
                    continue  # else an initial value: not a dynamic link
                exprs = [expr for expr in signal if cause in expr.deps]
            elif effect in program.exprs:
                exprs = [program.exprs[effect].pick(RUN)]
            else:
                continue
            for values in runs:
                for expr in exprs:
                    if cause in values:
                        signs |= _signs(expr, values, cause)
            result[(cause, effect)] = _polarity(signs)
    return result


def loop_polarity(loop: list[str], links: dict[tuple, str]) -> str:
    """Return the polarity of a loop given in causal order (cause → effect).

    Returns
    -------
    str
        ``"R"`` (reinforcing), ``"B"`` (balancing), ``"0"`` when a link of
        the loop changed nothing in the runs measured (the loop is inactive
        there, e.g. through a drain guard), ``"?"`` when a link's sign
        depends on the state.
    """
    signs = [links.get((cause, effect), NONE) for cause, effect in zip(loop, loop[1:] + loop[:1])]
    if NONE in signs:
        return "0"
    if MIXED in signs:
        return "?"
    return "B" if signs.count(NEGATIVE) % 2 else "R"
