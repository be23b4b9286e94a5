"""Write the fused kernel of one schedule as the source of a numba module.

The kernel evaluates the dynamic part of a schedule (what the NumPy loop of
:mod:`simulator.engine.batch.codegen` evaluates) for one scenario per
``prange`` iteration: static values come in as the rows of ``c``, initial
states as the rows of ``s`` (one row per scalar slot: a stage of a delay or
smooth is a slot), time paths as one ``(n, n_grid)`` array each. Step order is
the NumPy loop's: what the states need, the arguments of every state update,
then at saved steps what only outputs need and the outputs, then the
updates. Every dynamic variable is written at saved steps to row
``rows[j]`` of ``out`` when that is not negative, so that one kernel serves
every choice of returned variables.
"""

from __future__ import annotations

from dataclasses import dataclass

import simulator.engine.batch.functions as fn
import simulator.engine.batch.statefuls as st

from .codegen import _per_step_nodes
from .expr import RUN
from .fused_blocks import assemble
from .fused_math import SOURCE as MATH
from .fused_source import (
    _METHODS,
    _TEMPLATES,
    HELPERS,
    FusedUnsupported,
    _b,
    _f,
    _min_max_source,
    function_name,
    literal,
    state_slots,
)

_I8 = " " * 8


@dataclass
class Layout:
    """How the caller packs a kernel's arguments, and the kernel's source."""

    static: list  # static nodes, in the row order of ``c``
    slots: dict  # stateful node -> (first row of ``s``, number of slots)
    paths: list  # varying nodes, in argument order
    fixed_delays: list  # DELAY FIXED nodes, in argument order
    dynamic: list  # dynamic nodes, in the order of ``rows``
    source: str


class _Block:
    """Lines of one block of the kernel and the values already bound in it."""

    def __init__(self, indent: str, memo: dict | None = None):
        self.indent = indent
        self.lines: list = []
        self.memo = dict(memo or {})

    def add(self, line: str) -> None:
        self.lines.append(self.indent + line)


class _Writer:
    def __init__(self, program, schedule, varying, clock, bool_static):
        self.program = program
        self.dynamic = set(schedule.dynamic_order)
        self.varying = set(varying)
        self.clock = clock
        self.bool_static = bool_static
        self.static: dict = {}  # node -> (local, kind)
        self.locals: dict = {}  # dynamic node -> (source, kind)
        self.tables: dict = {}  # id(array) -> (global name, source)
        self.pre = _Block(" " * 8)
        self.count = 0

    def temp(self, block: _Block, part: tuple) -> tuple:
        """Bind ``part`` (source, kind) to a local once per block; return the local."""
        if part[0] in block.memo:
            return block.memo[part[0]]
        self.count += 1
        local = f"e{self.count}"
        block.add(f"{local} = {part[0]}")
        block.memo[part[0]] = (local, part[1])
        return block.memo[part[0]]

    def ref(self, node: str) -> tuple:
        if node == self.clock:
            return "t", "f"
        if node in self.locals:
            return self.locals[node]
        if node in self.dynamic:
            raise FusedUnsupported(f"{node!r} read before it is computed")
        if node not in self.static:
            self.static[node] = (f"c{len(self.static)}", "b" if node in self.bool_static else "f")
        return self.static[node]

    def table(self, values) -> str:
        if id(values) not in self.tables:
            items = ", ".join(literal(float(x)) for x in values)
            self.tables[id(values)] = (f"_T{len(self.tables)}",
                                       f"np.array([{items}], dtype=np.float64)", values)
        return self.tables[id(values)][0]

    def emit(self, expr, block: _Block, where: str) -> tuple:
        expr = expr.pick(RUN)
        if expr.op == "const":
            return literal(expr.value), "f"
        if expr.op == "ref":
            return self.ref(expr.value)
        if expr.op != "call":
            raise FusedUnsupported(f"a table argument outside a lookup in {where!r}")
        if self.clock not in expr.deps and not expr.deps & self.dynamic:
            block = self.pre  # depends on constants only: once per scenario
        if expr.value is fn.lookup:
            xs, ys, method = (arg.value for arg in expr.args[1:])
            if method not in _METHODS:
                raise FusedUnsupported(f"lookups with the method {method!r} in {where!r}")
            x = _f(self.emit(expr.args[0], block, where))
            part = f"_lookup({x}, {self.table(xs)}, {self.table(ys)}, {_METHODS[method]})", "f"
        else:
            template = _TEMPLATES.get(expr.value)
            if template is None:
                raise FusedUnsupported(f"the function {function_name(expr.value)} in {where!r}")
            part = template(*(self.emit(arg, block, where) for arg in expr.args))
        return self.temp(block, part)

    def arg(self, stateful, name: str, block: _Block) -> str:
        return _f(self.emit(stateful.args[name], block, stateful.name))


def _stages(first: int, count: int, j: int) -> list:
    return [f"q{j}_{slot}" for slot in range(first, first + count)]


def _output(w: _Writer, stateful, j: int, slots: int, block: _Block) -> tuple:
    """Source of a stateful's value from its slots (``Stateful.output``)."""
    q = _stages(0, slots, j)
    if isinstance(stateful, (st.Integ, st.DelayFixed)):
        return q[0], "f"
    if isinstance(stateful, st.Smooth):
        return q[-1], "f"
    if isinstance(stateful, st.DelayN):
        return w.temp(block, (f"({q[slots // 2 - 1]} / {q[slots // 2]})", "f"))
    if isinstance(stateful, st.Delay):
        return w.temp(block, (f"({q[-1]} / {w.arg(stateful, 'delay_time', block)})", "f"))
    if isinstance(stateful, st.SampleIfTrue):
        condition = _b(w.emit(stateful.args["condition"], block, stateful.name))
        return w.temp(block, (f"({w.arg(stateful, 'input', block)} if {condition} "
                              f"else {q[0]})", "f"))
    value, average = w.arg(stateful, "input", block), w.arg(stateful, "average_time", block)
    if isinstance(stateful, st.Trend):
        denominator = w.temp(block, (f"({average} * abs({q[0]}))", "f"))[0]
        return w.temp(block, (f"(0.0 if abs({denominator}) < {fn.SMALL_VENSIM!r} else "
                              f"(({value} - {q[0]}) / {denominator}))", "f"))
    denominator = w.temp(block, (f"({average} * {q[0]})", "f"))[0]  # FORECAST
    zidz = (f"(0.0 if abs({denominator}) < {fn.SMALL_VENSIM!r} else "
            f"(({value} - {q[0]}) / {denominator}))")
    horizon = w.arg(stateful, "horizon", block)
    return w.temp(block, (f"({value} * (1.0 + ({zidz} * {horizon})))", "f"))


def _cascade(q: list, first: str, outflows: list, order: int) -> list:
    """Return the new stage contents of a material delay (``Delay.advance``)."""
    inflows = [first] + outflows[:-1]
    return [f"({s} + ((({i} - {o}) * {float(order)!r}) * dt))"
            for s, i, o in zip(q, inflows, outflows)]


def _update(w: _Writer, stateful, j: int, slots: int, args: dict) -> list:
    """Lines that advance a stateful's slots one step (``Stateful.advance``)."""
    q = _stages(0, slots, j)
    if isinstance(stateful, st.Integ):
        new = f"({q[0]} + ({args['flow']} * dt))"
        if stateful.non_negative:
            return [f"n{j}_0 = {new}", f"{q[0]} = " + _min_max_source(">", f"n{j}_0", "0.0")]
        return [f"{q[0]} = {new}"]
    if isinstance(stateful, st.DelayFixed):
        return [f"pipe{j}[i, p{j}] = {args['input']}", f"p{j} = (p{j} + 1) % o{j}",
                f"{q[0]} = pipe{j}[i, p{j}]"]
    if isinstance(stateful, st.Smooth):
        targets = [args["input"]] + q[:-1]
        new = [f"({s} + (((({t} - {s}) * {float(slots)!r}) / {args['smooth_time']}) * dt))"
               for s, t in zip(q, targets)]
    elif isinstance(stateful, st.DelayN):
        m = slots // 2
        stages, times = q[:m], q[m:]
        new_times = [args["delay_time"]] + times[:-1]
        outflows = [f"({s} / {t})" for s, t in zip(stages, new_times)]
        new = _cascade(stages, args["input"], outflows, m) + new_times
    elif isinstance(stateful, st.Delay):
        outflows = [f"({s} / {args['delay_time']})" for s in q]
        new = _cascade(q, args["input"], outflows, slots)
    elif isinstance(stateful, st.SampleIfTrue):
        new = [f"(({q[0]} * 0.0) + ({args['input']} if {args['condition']} else {q[0]}))"]
    else:  # TREND, FORECAST
        new = [f"({q[0]} + ((({args['input']} - {q[0]}) / {args['average_time']}) * dt))"]
    temps = [f"n{j}_{slot}" for slot in range(slots)]
    return ([f"{t} = {source}" for t, source in zip(temps, new)]
            + [f"{s} = {t}" for s, t in zip(q, temps)])


def _write_node(w: _Writer, node: str, block: _Block, index: dict) -> None:
    """Compute dynamic ``node`` into ``block``."""
    program = w.program
    if node in w.varying:
        local = f"v{len(w.locals)}"
        block.add(f"{local} = path{index['paths'][node]}[i, k]")
        w.locals[node] = (local, "f")
    elif node in program.statefuls:
        j, slots = index["statefuls"][node]
        w.locals[node] = _output(w, program.statefuls[node], j, slots, block)
    else:
        w.locals[node] = w.emit(program.exprs[node], block, program.names.get(node, node))


def _strip(lines: list) -> list:
    """Return the lines of a block without the block's own indentation."""
    depth = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    return [line[depth:] for line in lines]


def write_kernel(program, schedule, varying, clock: str, states: dict, bool_static) -> Layout:
    """Return the kernel source and argument layout for one schedule.

    Parameters
    ----------
    program : simulator.engine.batch.compiler.Program
    schedule : simulator.engine.batch.engine.Schedule
    varying : iterable of str
        Nodes given as time paths.
    clock : str
        Node name of the model time.
    states : dict
        Initial states by stateful node (their shapes give the slot counts).
    bool_static : set of str
        Static nodes whose values are conditions (passed as 1.0 or 0.0).

    Raises
    ------
    FusedUnsupported
        Naming the construct the kernel cannot express.
    """
    statefuls = program.statefuls
    w = _Writer(program, schedule, varying, clock, set(bool_static))
    dynamic = [node for node in statefuls if node in w.dynamic]
    slots, index, row = {}, {"statefuls": {}, "paths": {}}, 0
    for j, node in enumerate(dynamic):
        count = state_slots(statefuls[node], states[node])
        slots[node] = (row, count)
        index["statefuls"][node] = (j, count)
        row += count
    paths = [node for node in schedule.dynamic_order if node in w.varying]
    index["paths"] = {node: m for m, node in enumerate(paths)}
    fixed_delays = [node for node in dynamic if isinstance(statefuls[node], st.DelayFixed)]

    step = _Block(" " * 12)
    step.add("t = grid[k]")
    needed = _per_step_nodes(program, schedule, w.varying, dynamic)
    for node in schedule.dynamic_order:
        if node in needed:
            _write_node(w, node, step, index)
    updates = []
    for node in dynamic:
        stateful, (j, count) = statefuls[node], index["statefuls"][node]
        args = {}
        for name in stateful.advance_args:
            part = w.emit(stateful.args[name], step, stateful.name)
            args[name] = _b(part) if name == "condition" else _f(part)
        updates += _update(w, stateful, j, count, args)
    save = _Block(" " * 16, step.memo)
    for node in schedule.dynamic_order:
        if node not in needed:
            _write_node(w, node, save, index)
    for r, node in enumerate(schedule.dynamic_order):
        save.add(f"if rows[{r}] >= 0:")
        save.add(f"    out[rows[{r}], column, i] = {_f(w.locals[node])}")
    save.add("column += 1")

    static = {local: r for r, (local, _) in enumerate(w.static.values())}
    state_rows = [(f"q{index['statefuls'][node][0]}_{slot}", slots[node][0] + slot)
                  for node in dynamic for slot in range(slots[node][1])]
    kinds = {local: kind for block in (w.pre, step, save) for local, kind in block.memo.values()}
    kinds.update(dict(w.static.values()))
    fixed = [index["statefuls"][node][0] for node in fixed_delays]
    body, _ = assemble(static, state_rows, fixed, _strip(w.pre.lines), _strip(step.lines),
                       _strip(save.lines), updates, kinds)
    arguments = ["n", "c", "s_", "grid", "save", "dt", "out", "rows"]
    types = ["int64", "float64[:, ::1]", "float64[:, ::1]", "float64[::1]", "boolean[::1]",
             "float64", "float64[:, :, :]", "int64[::1]"]
    arguments += [f"path{m}" for m in range(len(paths))]
    types += ["float64[:, ::1]"] * len(paths)
    for j in fixed:
        arguments += [f"pipe{j}", f"ptr{j}", f"order{j}"]
        types += ["float64[:, ::1]", "int64[::1]", "int64[::1]"]
    lines = ["# Generated by simulator.engine.batch.fused_codegen: the fused kernel of one",
             "# schedule. The file name is the SHA-256 of this text.",
             "import math", "", "import numba as nb", "import numpy as np", ""]
    lines += [f"{name} = {source}" for name, source, _ in w.tables.values()]
    lines += [MATH, HELPERS, "",
              f'@nb.njit("void({", ".join(types)})", parallel=True, cache=True,',
              '         error_model="numpy", nogil=True)',
              f"def kernel({', '.join(arguments)}):",
              "    steps = grid.shape[0]", "    last = steps - 1"]
    lines += ["    " + line for line in body]
    return Layout(list(w.static), slots, paths, fixed_delays, list(schedule.dynamic_order),
                  "\n".join(lines) + "\n")
