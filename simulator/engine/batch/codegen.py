"""Generate the integration loop of one schedule as a single Python function.

Calling a closure per variable and reading every value from a dictionary
cost more than the arithmetic for small N, and sub-expressions that depend
only on constants were recomputed at every step. The generated function
keeps each value in a local variable, evaluates the dynamic variables in
schedule order as one straight block per step, and

- computes every constant sub-expression of a dynamic equation once,
  before the loop ("hoisting"), and a call repeated within a step once;
- deletes each value after its last use, so that NumPy reuses warm buffers;
- computes what only saved outputs need at saved steps only;
- for small runs, computes what depends only on time, time paths and
  constants for all steps before the loop (:class:`_Tables`).

Every value is still the result of the same NumPy calls on the same
operands as the expression trees say, so results are bit-identical to
evaluating the trees one by one at every step.

``method="rk4"`` writes the classic four-stage Runge-Kutta step instead
(:func:`_write_rk4_step`): the continuous statefuls (stocks, and the stocks
inside SMOOTH, DELAY1/3, TREND, FORECAST) are integrated from derivatives
evaluated at t, t + dt/2 (twice) and t + dt; the discrete ones (DELAY FIXED,
DELAY N, SAMPLE IF TRUE) advance once per step, their output constant over
it, from the values at t but for the inputs of DELAY FIXED and DELAY N,
which are averaged over the stages with RK4's weights (see
:mod:`simulator.engine.batch.statefuls`). Time paths hold their value over
the step (the lever's value at the step's midpoint, as under Euler), and no
time tables are built.
"""

from __future__ import annotations

import linecache
import re
from typing import Callable

import numpy as np

from .expr import RUN, Expr, Namespace, render

#: Indentation of the loop body in the generated source.
_BODY = " " * 8


def _operand(value):
    """Return a float scalar as a 0-d array, anything else unchanged.

    NumPy combines an array with a 0-d array faster than with a Python or
    NumPy float (about 0.15 us less per call), with the same result.
    """
    return np.asarray(value) if isinstance(value, (float, np.floating)) else value


def _by_step(value, n_steps: int):
    """Return a value computed for all steps at once with one row per step."""
    if value is False:  # near_zero found no zero: keep the fast test in xidz_checked
        return [False] * n_steps
    if np.ndim(value) == 2:
        return value
    return np.broadcast_to(value, (n_steps,) + np.shape(value))


class _Tables:
    """Values that depend only on time, time paths and constants, for all steps at once.

    In small runs the cost of a NumPy call, not the arithmetic, dominates.
    Such values are computed before the loop as tables with one row per step
    (time is the column ``T``), and the loop reads row ``k``. The functions
    are element-wise, so each element is computed as in the loop.
    """

    def __init__(self, writer, program, schedule, varying):
        self.writer = writer
        self.exprs = program.exprs
        self.varying = varying
        self.nodes = set(varying)  # nodes whose whole time course is known before the loop
        for node in schedule.dynamic_order:
            if node not in program.statefuls and self.covers(program.exprs[node]):
                self.nodes.add(node)
        self.tables: dict = {}  # source over all steps -> its local
        self.lines: list = []  # prologue lines computing the tables
        self.of_node: dict = {}

    def covers(self, expr: Expr) -> bool:
        """Whether ``expr`` depends on nothing but time, time paths and constants."""
        dynamic = self.writer.dynamic
        return all(dep in self.nodes or dep not in dynamic for dep in expr.deps)

    def _table(self, source: str) -> str:
        if source not in self.tables:
            self.tables[source] = f"e{len(self.tables)}"
            self.lines.append(f"    {self.tables[source]} = _by_step({source}, len(grid))")
        return self.tables[source]

    def _ref(self, node: str) -> str:
        if node == self.writer.clock:
            return "T"
        return self.node(node) if node in self.nodes else self.writer.local(node)

    def node(self, node: str) -> str:
        """Return the table of ``node`` (one of :attr:`nodes`)."""
        if node not in self.of_node:
            if node in self.varying:
                table = self._table(f"_np.ascontiguousarray(paths[{node!r}].T)")
            else:
                expr = self.exprs[node].pick(RUN)
                table = self._ref(expr.value) if expr.op == "ref" else self.table(expr)
            self.of_node[node] = table
        return self.of_node[node]

    def table(self, expr: Expr) -> str:
        """Return the table of ``expr`` (for which :meth:`covers` holds)."""
        return self._table(render(expr, RUN, self._ref, self.writer.space))


class _LoopWriter:
    """Accumulates the source of the loop function for one schedule.

    Sub-expressions are identified by their canonical source (every call
    written out). A call that occurs more than once per step is computed
    once into a temporary ("common") before its first use; the functions
    are pure, so this changes no value.
    """

    def __init__(self, dynamic: set, clock: str):
        self.space = Namespace()
        self.space.globals.update(_np=np, _operand=_operand, _by_step=_by_step)
        self.dynamic = dynamic
        self.clock = clock
        self.locals: dict = {}  # node name -> local variable
        self.loads: list = []  # prologue lines reading constant values from v
        self.hoisted: dict = {}  # source of a constant sub-expression -> its local
        self.constants: dict = {}  # literal -> its local
        self.counts: dict = {}  # canonical source of a call -> occurrences per step
        self.common: dict = {}  # canonical source -> local already holding its value
        self.lines: list = []  # loop body
        self.counting = True  # first pass: count occurrences only
        self.tables: _Tables | None = None  # set for small runs
        self.indent = _BODY  # of the lines being written

    def local(self, node: str) -> str:
        """Return the local variable holding ``node``, loading constants before the loop."""
        if node not in self.locals:
            self.locals[node] = f"x{len(self.locals)}"
            if node not in self.dynamic and node != self.clock:
                self.loads.append(f"    {self.locals[node]} = _operand(v[{node!r}])  # {node}")
        return self.locals[node]

    def _emit(self, expr: Expr) -> tuple:
        """Return ``(canonical source, source to write)`` of ``expr`` during the run."""
        expr = expr.pick(RUN)
        if expr.op == "const":
            source = render(expr, RUN, self.local, self.space)
            return source, self.constants.setdefault(source, f"k{len(self.constants)}")
        if expr.op != "call":
            source = render(expr, RUN, self.local, self.space)
            return source, source
        if self.clock not in expr.deps and not expr.deps & self.dynamic:
            source = render(expr, RUN, self.local, self.space)
            if source not in self.hoisted:
                self.hoisted[source] = f"h{len(self.hoisted)}"
            return source, self.hoisted[source]
        if self.tables is not None and self.tables.covers(expr):
            source = render(expr, RUN, self.local, self.space)
            return source, f"{self.tables.table(expr)}[k]"
        parts = [self._emit(arg) for arg in expr.args]
        function = self.space.name(expr.value)
        canonical = f"{function}({', '.join(part[0] for part in parts)})"
        written = f"{function}({', '.join(part[1] for part in parts)})"
        if self.counting:
            self.counts[canonical] = self.counts.get(canonical, 0) + 1
        elif canonical in self.common:
            written = self.common[canonical]
        elif self.counts.get(canonical, 0) > 1:
            temporary = f"c{len(self.common)}"
            self.lines.append(f"{self.indent}{temporary} = {written}")
            self.common[canonical] = written = temporary
        return canonical, written

    def assign(self, target: str, expr: Expr, comment: str = "") -> None:
        """Append ``target = expr`` to the loop body (or count its calls in the first pass)."""
        canonical, written = self._emit(expr)
        if not self.counting:
            self.lines.append(f"{self.indent}{target} = {written}{comment}")
            self.common.setdefault(canonical, target)

    def arguments(self, stateful, names) -> dict:
        """Return argument name -> source for the named arguments of a stateful."""
        return {name: self._emit(stateful.args[name])[1] for name in names}


def _call_with(space: Namespace, stateful, method: str, state: str, args: dict) -> str:
    values = ", ".join(f"{name!r}: {source}" for name, source in args.items())
    extra = ", dt" if method == "advance" else ""
    return f"{space.name(stateful, 'stateful')}.{method}({state}, {{{values}}}{extra})"


def _per_step_nodes(program, schedule, varying, states) -> set:
    """Dynamic nodes the states need at every step; the others only feed saved outputs."""
    dynamic = set(schedule.dynamic_order)
    todo = list(states)
    for node in states:
        todo += program.statefuls[node].advance_deps()
    needed: set = set()
    while todo:
        node = todo.pop()
        if node in needed or node not in dynamic:
            continue
        needed.add(node)
        if node in program.statefuls:
            todo += program.statefuls[node].output_deps()
        elif node not in varying:
            todo += program.exprs[node].deps
    return needed


def _write_node(writer: _LoopWriter, program, node: str, varying, state_of) -> None:
    """Write the statement that computes dynamic node ``node``."""
    statefuls = program.statefuls
    target, comment = writer.local(node), f"  # {node}"
    if node in varying and writer.tables is not None:
        writer.lines.append(f"{writer.indent}{target} = {writer.tables.node(node)}[k]{comment}")
    elif node in varying:
        writer.lines.append(f"{writer.indent}{target} = paths[{node!r}][:, k]{comment}")
    elif node not in statefuls:
        writer.assign(target, program.exprs[node], comment)
    else:
        stateful = statefuls[node]
        if stateful.output_source is not None:
            source = stateful.output_source.format(state=state_of[node])
        else:
            args = writer.arguments(stateful, stateful.output_args)
            source = _call_with(writer.space, stateful, "output", state_of[node], args)
        writer.lines.append(f"{writer.indent}{target} = {source}{comment}")


def _write_args(writer: _LoopWriter, stateful, state: str) -> dict:
    """Assign the arguments of a state update to ``{state}_{name}``; return name -> local."""
    args = {}
    for name in stateful.advance_args:
        args[name] = f"{state}_{name}"
        writer.assign(args[name], stateful.args[name])
    return args


def _advance(writer: _LoopWriter, stateful, state: str, args: dict) -> str:
    """Python source of the state one Euler step (or, if discrete, one step) later."""
    update = stateful.advance_source(state, args)
    return update or _call_with(writer.space, stateful, "advance", state, args)


def _derivative(writer: _LoopWriter, stateful, state: str, args: dict) -> str:
    source = stateful.derivative_source(state, args)
    return source or _call_with(writer.space, stateful, "derivative", state, args)


def _write_needed(writer: _LoopWriter, program, schedule, varying, states, state_of) -> set:
    """Write the dynamic nodes that ``states`` need at every step; return them."""
    needed = _per_step_nodes(program, schedule, varying, states)
    for node in schedule.dynamic_order:
        if node in needed:
            _write_node(writer, program, node, varying, state_of)
    return needed


def _write_step(writer: _LoopWriter, program, schedule, varying, outputs, state_of) -> list:
    """Write one step into ``writer.lines``; return the state updates that end it.

    Order: what the states need, the arguments of every state update (so
    that all states advance from the same step), then, at saved steps only,
    what only outputs need and the outputs. Temporaries first computed in
    that conditional block are used only inside it, as nothing after it
    but the updates (which read only states and arguments) remains.
    """
    statefuls = program.statefuls
    needed = _write_needed(writer, program, schedule, varying, state_of, state_of)
    updates = []
    for node, state in state_of.items():
        args = _write_args(writer, statefuls[node], state)
        updates.append(f"{_BODY}{state} = {_advance(writer, statefuls[node], state, args)}"
                       f"  # {node}")
    _write_saved(writer, program, schedule, varying, outputs, state_of, needed)
    return updates


def _write_saved(writer: _LoopWriter, program, schedule, varying, outputs, state_of,
                 needed) -> None:
    """Write what only saved outputs need, the outputs, and the loop's exit at the last step."""
    writer.lines.append(f"{_BODY}if save[k]:")
    writer.indent = _BODY + "    "
    for node in schedule.dynamic_order:
        if node not in needed:
            _write_node(writer, program, node, varying, state_of)
    writer.indent = _BODY
    writer.lines += [
        f"{_BODY}    results[{node!r}][column] = {writer.local(node)}"
        for node in outputs
        if node in writer.dynamic
    ]
    writer.lines += [f"{_BODY}    column += 1", f"{_BODY}if k == last:", f"{_BODY}    break"]


#: RK4's stages after the first: (step fraction from the state at t, time of the stage).
_RK4_STAGES = (("_half_dt", "grid[k] + _half_dt"), ("_half_dt", "grid[k] + _half_dt"),
               ("dt", "grid[k + 1]"))


def _write_rk4_step(writer: _LoopWriter, program, schedule, varying, outputs,
                    state_of) -> list:
    """Write one classic RK4 step; return the state updates that end it.

    Stage 1 is the Euler step's evaluation at t (with the saved outputs, so
    that they are the values at t); stages 2-4 re-evaluate only what the
    continuous states' derivatives need, from trial states ``{state}_y``.
    Common sub-expressions are per stage (the states differ between stages).
    A non-negative stock's trial and final states are clipped at 0.
    """
    statefuls = program.statefuls
    continuous = {node: s for node, s in state_of.items() if statefuls[node].continuous}
    needed = _write_needed(writer, program, schedule, varying, state_of, state_of)
    updates = []
    for node, state in state_of.items():
        stateful = statefuls[node]
        args = _write_args(writer, stateful, state)
        if node in continuous:
            writer.lines.append(f"{_BODY}{state}_d1 = {_derivative(writer, stateful, state, args)}")
            continue
        updates.append(f"{_BODY}{state} = {_advance(writer, stateful, state, args)}"
                       f"  # {node} (discrete: once per step)")
    _write_saved(writer, program, schedule, varying, outputs, state_of, needed)
    if writer.counting:  # calls are counted per stage: the stages repeat stage 1's
        return updates
    trial = {**state_of, **{node: f"{state}_y" for node, state in continuous.items()}}
    averaged = {node: state_of[node] for node in state_of
                if node not in continuous and statefuls[node].averaged_args}
    for node, state in averaged.items():
        for name in statefuls[node].averaged_args:
            writer.lines.append(f"{_BODY}{state}_{name}_sum = {state}_{name}")
    for stage, (fraction, time) in enumerate(_RK4_STAGES, start=2):
        writer.common = {}
        for node, state in continuous.items():
            step = statefuls[node].bounded(f"{state} + {fraction} * {state}_d{stage - 1}")
            writer.lines.append(f"{_BODY}{state}_y = {step}")
        writer.lines.append(f"{_BODY}{writer.local(writer.clock)} = {time}")
        _write_needed(writer, program, schedule, varying, {**continuous, **averaged}, trial)
        for node, state in continuous.items():
            args = _write_args(writer, statefuls[node], state)
            derivative = _derivative(writer, statefuls[node], f"{state}_y", args)
            writer.lines.append(f"{_BODY}{state}_d{stage} = {derivative}")
        for node, state in averaged.items():
            for name in statefuls[node].averaged_args:
                total, value = f"{state}_{name}_sum", f"{state}_{name}_{stage}"
                writer.assign(value, statefuls[node].args[name])
                weighted = f"{total} + {value}" if stage == 4 else f"{total} + 2 * {value}"
                writer.lines.append(f"{_BODY}{total} = {weighted}")
    for node, state in averaged.items():  # the discrete updates read these
        for name in statefuls[node].averaged_args:
            writer.lines.append(f"{_BODY}{state}_{name} = {state}_{name}_sum / 6")
    finals = [
        f"{_BODY}{state} = "
        + statefuls[node].bounded(
            f"{state} + _sixth_dt * ({state}_d1 + 2 * ({state}_d2 + {state}_d3) + {state}_d4)")
        + f"  # {node}"
        for node, state in continuous.items()
    ]
    return finals + updates


def _release_dead(lines: list, keep: set) -> list:
    """Delete each value computed in the loop after its last use in the step.

    Freed arrays are reused by the next allocations, so a step works in a
    few hot buffers instead of one fresh buffer per variable; this also
    lowers peak memory. Indented lines belong to the statement above them.
    """
    statements = []
    for line in lines:
        if line.startswith(_BODY + " "):
            statements[-1].append(line)
        else:
            statements.append([line])
    assigned = {
        match.group(1)
        for group in statements
        if (match := re.match(r"\s*(\w+) = ", group[0])) and match.group(1) not in keep
    }
    last_use = {}
    for index, group in enumerate(statements):
        for name in set(re.findall(r"\b\w+\b", "\n".join(group))) & assigned:
            last_use[name] = index
    dead = {}
    for name, index in last_use.items():
        dead.setdefault(index, []).append(name)
    released = []
    for index, group in enumerate(statements):
        released += group
        if dead.get(index) and index < len(statements) - 1:
            released.append(f"{_BODY}del {', '.join(sorted(dead[index]))}")
    return released


def build_loop(program, schedule, varying, outputs, clock: str, tables: bool,
               method: str = "euler") -> Callable:
    """Return the integration loop of one schedule, compiled from generated source.

    Parameters
    ----------
    program : simulator.engine.batch.compiler.Program
        The compiled model.
    schedule : simulator.engine.batch.engine.Schedule
        Evaluation orders; the loop evaluates ``schedule.dynamic_order``.
    varying : iterable of str
        Nodes given as time paths.
    outputs : iterable of str
        Nodes to record.
    clock : str
        Node name of the model time.
    tables : bool
        Compute what depends only on time, time paths and constants for all
        steps before the loop (faster for small runs; memory grows with
        N times the number of steps). Euler only.
    method : {"euler", "rk4"}, default "euler"
        Integration method (see the module's docstring).

    Returns
    -------
    callable
        ``loop(v, states, paths, grid, save, results, dt)``: ``v`` holds
        the constant values, ``states`` the initial states by stateful
        node, ``paths`` the ``(n, n_grid)`` time paths, ``results`` the
        ``(n_saved, n)`` arrays filled for the dynamic outputs. The
        generated source is the function's ``source`` attribute.
    """
    if method not in ("euler", "rk4"):
        raise ValueError(f"unknown integration method {method!r}: valid 'euler', 'rk4'")
    write = _write_rk4_step if method == "rk4" else _write_step
    tables = tables and method == "euler"  # the tables hold the values at the grid times
    writer = _LoopWriter(set(schedule.dynamic_order), clock)
    if tables:
        writer.tables = _Tables(writer, program, schedule, set(varying))
    dynamic = [node for node in program.statefuls if node in writer.dynamic]
    state_of = {node: f"s{i}" for i, node in enumerate(dynamic)}
    for counting in (True, False):  # count repeated calls, then write
        writer.counting = counting
        writer.lines = [f"{_BODY}{writer.local(clock)} = grid[k]"]
        updates = write(writer, program, schedule, set(varying), list(outputs), state_of)
    prologue = ["def _loop(v, states, paths, grid, save, results, dt):"]
    if method == "rk4":
        prologue += ["    _half_dt, _sixth_dt = 0.5 * dt, dt / 6"]
    prologue += writer.loads
    prologue += [f"    {local} = _operand({source})" for source, local in writer.constants.items()]
    prologue += [f"    {local} = _operand({source})" for source, local in writer.hoisted.items()]
    if tables:
        prologue += ["    T = _np.asarray(grid)[:, None]"] + writer.tables.lines
    prologue += [f"    {state} = states[{node!r}]" for node, state in state_of.items()]
    prologue += ["    column = 0", "    last = len(grid) - 1", "    for k in range(len(grid)):"]
    body = _release_dead(writer.lines + updates, set(state_of.values()))
    source = "\n".join(prologue + body) + "\n"
    filename = f"<batch loop {id(writer)}>"
    # tracebacks through the loop then show its generated lines
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), writer.space.globals)
    loop = writer.space.globals["_loop"]
    loop.source = source
    return loop
