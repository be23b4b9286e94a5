"""Compile PySD's abstract model into NumPy expression trees for the batch engine.

The input is the translator output that PySD itself builds its Python model
from (``VensimFile(path).parse()`` then ``get_abstract_model()``), so there
is no second ``.mdl`` parser. Every equation becomes an
:class:`~simulator.engine.batch.expr.Expr` tree of NumPy calls that works on
scalars or arrays with a leading scenario axis and knows the node names it
reads. Stateful structures (INTEG, SMOOTH, DELAY ...)
become :mod:`simulator.engine.batch.statefuls` objects whose value is the node
``_<kind>_<py name>``.

Python names come from PySD's own ``NamespaceManager`` fed in the same
order as PySD's builder, so they equal the names of ``pysd.load`` models.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pysd.builders.python.namespace import NamespaceManager
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures import abstract_model as am

import simulator.engine.batch.external as ext
import simulator.engine.batch.functions as fn
import simulator.engine.batch.statefuls as st
import simulator.engine.batch.subscripts as sb

from .errors import UnsupportedConstructError
from .expr import Expr, active_initial, call, constant, python_object, reference
from .macros import expand_macros

#: Nodes every expression may read without scheduling: the model clock.
CLOCK = "time"
#: Python names of the control variables.
CONTROLS = ("initial_time", "final_time", "time_step", "saveper")
#: Nodes of a run's random streams: each scenario's index in the whole run, the run seed's key.
SCENARIOS, NOISE_KEY = "_scenario_index", "_noise_key"


def _fold_left(functions: list, args: list) -> Expr:
    # a - b + c is (a - b) + c, as Python evaluates PySD's code
    result = args[0]
    for function, arg in zip(functions, args[1:]):
        result = call(function, [result, arg])
    return result


def _is_number(node) -> bool:
    return isinstance(node, numbers.Real) and not isinstance(node, bool)


def _is_negative_literal(node) -> bool:
    """Tell whether the parser made a number negative (``-2`` in ``-2^2``), -0.0 included."""
    return (isinstance(node, numbers.Real) and not isinstance(node, bool)
            and math.copysign(1.0, node) < 0)


def _power_chain(nodes: list, compile_node) -> Expr:
    """Compile ``a^b^c...`` as Vensim (and PySD) evaluate it.

    ``^`` is right-associative: a^b^c = a^(b^c). It binds tighter than unary
    minus, so -2^2 = -(2^2) = -4 (SDXorg test-models tests/exponentiation:
    Vensim 6.3 gives ``associativity = -2^2`` the value -4). PySD's parser
    folds the minus into a number literal (the operand is -2.0, not -(2)), so
    a negative literal before the last operand means minus applied to the
    power it starts; the last operand is an exponent and keeps its sign
    (2^-1 = 0.5).
    """
    result = compile_node(nodes[-1])
    for node in reversed(nodes[:-1]):
        if _is_negative_literal(node):
            result = call(np.negative, [call(np.power, [constant(-node), result])])
        else:
            result = call(np.power, [compile_node(node), result])
    return result


def _comparison_chain(operators: list, args: list) -> Expr:
    # PySD writes a<b<c as Python a < b < c, i.e. (a<b) and (b<c)
    result = None
    for operator, left, right in zip(operators, args[:-1], args[1:]):
        part = call(_COMPARISONS[operator], [left, right])
        result = part if result is None else call(np.logical_and, [result, part])
    return result


def _logical_chain(operators: list, args: list) -> Expr:
    # :AND: and :OR: fold right to left, as PySD nests them
    result = args[-1]
    for operator, left in zip(reversed(operators), reversed(args[:-1])):
        combine = np.logical_and if operator == ":AND:" else np.logical_or
        result = call(combine, [left, result])
    return result


def _lookup_call(table: tuple, argument: Expr) -> Expr:
    xs, ys, method = table
    return call(fn.lookup, [argument, python_object(xs), python_object(ys), python_object(method)])


_ARITHMETIC = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
}
_COMPARISONS = {
    "=": np.equal,
    "<>": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}
_STATEFUL_KINDS = {
    ae.IntegStructure: "integ",
    ae.SmoothStructure: "smooth",
    ae.SmoothNStructure: "smooth",
    ae.DelayStructure: "delay",
    ae.DelayNStructure: "delayn",
    ae.DelayFixedStructure: "delayfixed",
    ae.TrendStructure: "trend",
    ae.ForecastStructure: "forecast",
    ae.SampleIfTrueStructure: "sampleiftrue",
    ae.InitialStructure: "initial",
}


_OTHER_CONSTRUCTS = {
    "GetConstantsStructure": "GET XLS/DIRECT CONSTANTS",
    "GetDataStructure": "GET XLS/DIRECT DATA",
    "GetLookupsStructure": "GET XLS/DIRECT LOOKUPS",
    "AllocateAvailableStructure": "ALLOCATE AVAILABLE",
    "AllocateByPriorityStructure": "ALLOCATE BY PRIORITY",
    "DataStructure": "data variables",
}


def construct_name(node) -> str:
    """Return the Vensim name of an unsupported AST node, for error messages."""
    kind = type(node).__name__
    return _OTHER_CONSTRUCTS.get(kind, kind.replace("Structure", "") + " expressions")


@dataclass
class Program:
    """Everything the engine needs from one model.

    Attributes
    ----------
    names : dict
        Python name -> Vensim name, in model order.
    units : dict
        Python name -> units string from the model file.
    kinds : dict
        Python name -> ``"control"``, ``"constant"``, ``"auxiliary"``,
        ``"stateful"`` or ``"lookup"``.
    exprs : dict
        Node name -> :class:`Expr` for every non-lookup element.
    statefuls : dict
        Node name -> :class:`simulator.engine.batch.statefuls.Stateful`.
    lookups : dict
        Python name -> ``(xs, ys, method)``.
    dims : dict
        Python name -> subscript dimensions (``((range, elements), ...)``) of
        each subscripted variable; unsubscripted ones are absent.
    stochastic : bool
        True if the model calls a RANDOM function.
    external : dict
        Path -> SHA-256 of each file read at compile time (GET XLS/DIRECT).
    nan_ok : set
        Python names whose NaN values are the model's, not arithmetic faults:
        ``:NA:``, cells no equation defines (as PySD leaves them), and what
        depends on those.
    """

    names: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    exprs: dict = field(default_factory=dict)
    statefuls: dict = field(default_factory=dict)
    lookups: dict = field(default_factory=dict)
    dims: dict = field(default_factory=dict)
    nan_ok: set = field(default_factory=set)
    stochastic: bool = False
    external: dict = field(default_factory=dict)


class _ElementCompiler:
    """Compile the AST of one element, registering its stateful structures.

    Every ``compile_*`` method returns ``(expr, dims)``: the tree and its
    subscript dimensions (:mod:`simulator.engine.batch.subscripts`), ``()``
    for an unsubscripted value.
    """

    def __init__(self, program: Program, cleanspace: dict, name: str, py_name: str,
                 subscripts=None):
        self.program = program
        self.cleanspace = cleanspace
        self.name = name
        self.py_name = py_name
        self.count = 0
        self.subscripts = subscripts  # PySD's SubscriptManager, None without subscripts
        self.context: tuple = sb.SCALAR  # dimensions of the equation being compiled
        self.root = Path(".")  # folder of the model: external files are read from there
        self.keyword = None  # of the equation being compiled (data interpolation)

    def unsupported(self, construct: str):
        return UnsupportedConstructError(self.name, construct)

    def compile(self, node) -> Expr:
        """Compile an unsubscripted equation (what models without subscripts contain)."""
        expr, dims = self.typed(node)
        if dims:
            raise self.unsupported("a subscripted expression in an unsubscripted equation")
        return expr

    def align(self, typed: tuple, target: tuple) -> Expr:
        """Return ``typed``'s tree aligned to the dimensions ``target`` (see :func:`sb.align`)."""
        expr, dims = typed
        if dims == target or not target:
            if dims and not target:
                raise self.unsupported(
                    f"subscripts {list(sb.names_of(dims))} absent from the equation's left side"
                )
            return expr
        names = sb.names_of(target)
        missing = [name for name in sb.names_of(dims) if name not in names]
        if missing:
            raise self.unsupported(
                f"subscripts {missing} absent from the equation's left side "
                f"{list(sb.names_of(self.context))}"
            )
        own = sb.names_of(dims)
        order = tuple(own.index(name) for name in names if name in own)
        shape = tuple(len(el) if name in own else 1 for name, el in target)
        return call(sb.align, [expr, python_object(len(dims)), python_object(order),
                               python_object(shape)])

    def combine(self, typed: list) -> tuple:
        """Return the trees of ``typed`` aligned to their union, and the union."""
        dims = sb.union(*(t[1] for t in typed))
        return [self.align(t, dims) for t in typed], dims

    def typed(self, node) -> tuple:
        if isinstance(node, bool):
            return constant(float(node)), sb.SCALAR
        if isinstance(node, numbers.Number):
            if node != node:  # :NA:, which PySD reads as NaN
                self.program.nan_ok.add(self.py_name)
            return constant(node), sb.SCALAR
        if isinstance(node, ae.ReferenceStructure):
            return self.reference(node)
        if isinstance(node, ae.ArithmeticStructure):
            return self.arithmetic(node)
        if isinstance(node, ae.LogicStructure):
            return self.logic(node)
        if isinstance(node, ae.CallStructure):
            return self.call(node)
        if isinstance(node, ae.GameStructure):
            return self.typed(node.expression)
        if isinstance(node, ae.InlineLookupsStructure):
            xs, ys, method = lookup_table(node.lookups, self.name)
            argument, dims = self.typed(node.argument)
            return _lookup_call((xs, ys, method), argument), dims
        if type(node) in _STATEFUL_KINDS:
            return self.stateful(node)
        if isinstance(node, (ae.GetConstantsStructure, ae.GetDataStructure)):
            self.program.external.update([ext.fingerprint(self.root, node.file)])
        if isinstance(node, ae.GetConstantsStructure):
            values = ext.constants(node, self.context, self.root, self.name, self.py_name)
            if not self.context:
                return constant(float(values)), sb.SCALAR
            return python_object(values), self.context
        if isinstance(node, ae.GetDataStructure):
            return self.data(node)
        if isinstance(node, np.ndarray):
            if not self.context:
                raise self.unsupported("subscripted (array) values")
            shape = sb.shape_of(self.context)
            if node.size != math.prod(shape):
                raise self.unsupported(
                    f"{node.size} constants for subscripts of shape {shape}"
                )
            values = np.array(node, dtype=float).reshape(shape)
            return python_object(values), self.context
        raise self.unsupported(construct_name(node))

    def reference(self, node: ae.ReferenceStructure) -> tuple:
        if node.reference not in self.cleanspace:
            if self.subscripts is not None:
                return self.subscript_value(node)
            raise self.unsupported(f"a reference to the unknown name {node.reference!r}")
        py_name = self.cleanspace[node.reference]
        if self.program.kinds.get(py_name) == "lookup":
            raise self.unsupported(f"the lookup {py_name!r} without an argument")
        dims = self.program.dims.get(py_name, sb.SCALAR)
        if dims and py_name == self.py_name:
            # PySD recurses without end on these too
            raise self.unsupported("references between the equations of one subscripted element")
        if node.subscripts is None:
            return reference(py_name), dims
        if not dims:
            raise self.unsupported(f"subscripts on the unsubscripted variable {py_name!r}")
        return self.subscripted_reference(reference(py_name), dims, node.subscripts.subscripts)

    def subscripted_reference(self, expr: Expr, dims: tuple, subs: list) -> tuple:
        """Select and name the dimensions of a reference ``x[a, b]`` (PySD's ``visit_loc``)."""
        takes, picks, out = self.selection(dims, subs)
        if any(t is not None for t in takes) or any(p is not None for p in picks):
            expr = call(sb.select, [expr, python_object(len(dims)),
                                    python_object(takes), python_object(picks)])
        return expr, out

    def selection(self, dims: tuple, subs: list) -> tuple:
        """Return the ``takes`` and ``picks`` of :func:`sb.select` and the dimensions after it."""
        manager = self.subscripts
        try:
            current = manager.make_coord_dict(list(subs))
        except KeyError as error:
            raise self.unsupported(f"the unknown subscript {error}") from None
        if len(current) != len(subs) or len(subs) != len(dims):
            raise self.unsupported("a reference with repeated or missing subscripts")
        takes, picks, out = [], [], []
        for (dim, coords), (_, own) in zip(current.items(), dims):
            coords = tuple(coords)
            unknown = [c for c in coords if c not in own]
            if unknown and len(coords) != len(own):
                raise self.unsupported(f"subscripts {unknown} outside the referenced range")
            if len(coords) == 1:
                takes.append(None)
                picks.append(own.index(coords[0]))
                continue
            picks.append(None)
            if len(coords) < len(own):
                takes.append(np.array([own.index(c) for c in coords]))
            else:
                takes.append(None)  # a whole range: positional, as PySD's ':'
            out.append((dim, coords))
        return tuple(takes), tuple(picks), self.mapped(tuple(out))

    def mapped(self, dims: tuple) -> tuple:
        """Rename dimensions absent from the left side through subscript mappings."""
        context = dict(self.context)
        names = sb.names_of(dims)
        out = []
        for dim, coords in dims:
            if dim in context or dim.endswith("!"):
                out.append((dim, coords))
                continue
            for mapped in self.subscripts.mapping.get(dim, []):
                if not isinstance(mapped, str):
                    raise self.unsupported("subscript mappings of single elements")
                if mapped in context and mapped not in names:
                    if len(context[mapped]) != len(coords):
                        raise self.unsupported(f"a mapping of {dim!r} to a range of another size")
                    out.append((mapped, tuple(context[mapped])))
                    break
            else:
                out.append((dim, coords))
        return tuple(out)

    def subscript_value(self, node: ae.ReferenceStructure) -> tuple:
        """Return a subscript range or element used as a number (its positions, from 1)."""
        manager = self.subscripts
        clean = {name.replace(" ", "_").lower(): name for name in manager.subscripts}
        if node.reference in clean:
            name = clean[node.reference]
            elements = tuple(manager.subscripts[name])
            main = next(
                (r for r, subs in manager.subranges.items() if r == name or name in subs), None
            )
            if main is None:
                raise self.unsupported(f"the subscript range {name!r} used as a value")
            positions = [manager.subscripts[main].index(e) + 1 for e in elements]
            return python_object(np.array(positions, dtype=float)), ((name, elements),)
        for main in manager.subranges:
            for i, element in enumerate(manager.subscripts[main], start=1):
                if element.replace(" ", "_").lower() == node.reference:
                    return constant(i), sb.SCALAR
        raise self.unsupported(f"a reference to the unknown name {node.reference!r}")

    def arithmetic(self, node: ae.ArithmeticStructure) -> tuple:
        operators = list(node.operators)
        args, dims = self.combine([self.typed(arg) for arg in node.arguments])
        if set(operators) == {"^"}:
            # a negative literal before the last operand is folded by _power_chain itself
            compiled = dict(zip(map(id, node.arguments), args))
            return _power_chain(list(node.arguments), lambda n: compiled[id(n)]), dims
        if operators == ["negative"]:
            return call(np.negative, args), dims
        if set(operators) <= set(_ARITHMETIC):
            return _fold_left([_ARITHMETIC[op] for op in operators], args), dims
        raise self.unsupported(f"the operators {operators}")

    def logic(self, node: ae.LogicStructure) -> tuple:
        args, dims = self.combine([self.typed(arg) for arg in node.arguments])
        operators = list(node.operators)
        if operators == [":NOT:"]:
            return call(np.logical_not, args), dims
        if set(operators) <= {":AND:", ":OR:"}:
            return _logical_chain(operators, args), dims
        if set(operators) <= set(_COMPARISONS):
            return _comparison_chain(operators, args), dims
        raise self.unsupported(f"the operators {operators}")

    def call(self, node: ae.CallStructure) -> tuple:
        function = node.function.reference
        if function in self.cleanspace:
            py_name = self.cleanspace[function]
            if py_name not in self.program.lookups:
                raise self.unsupported(f"a call of {py_name!r}, which is not a lookup")
            argument, dims = self.typed(node.arguments[0])
            if py_name in self.program.dims:
                return self.subscripted_lookup(py_name, node.function, (argument, dims))
            return _lookup_call(self.program.lookups[py_name], argument), dims
        if function == "elmcount":
            return self.elmcount(node)
        if function in fn.RANDOM_FUNCTIONS:
            return self.random(node, function)
        if function in sb.REDUCTIONS:
            if self.subscripts is None or len(node.arguments) != 1:
                raise self.unsupported(f"{function.upper()} without a subscripted argument")
            expr, dims = self.typed(node.arguments[0])
            axes = tuple(i - len(dims) for i, (name, _) in enumerate(dims) if name.endswith("!"))
            kept = tuple(d for d in dims if not d[0].endswith("!"))
            return call(sb.REDUCTIONS[function], [expr, python_object(axes)]), kept
        if function == "get_time_value":
            return self.get_time_value(node)
        args, dims = self.combine([self.typed(arg) for arg in node.arguments])
        if function in ("xidz", "zidz"):
            if len(args) != (3 if function == "xidz" else 2):
                raise self.unsupported(f"{function.upper()} with {len(args)} arguments")
            # the zero test is its own call so that a constant denominator is tested once
            checked = fn.xidz_checked if function == "xidz" else fn.zidz_checked
            numerator, denominator, *x = args
            near = call(fn.near_zero, [denominator])
            return call(checked, [near, numerator, denominator, *x]), dims
        if function in fn.NUMPY_FUNCTIONS:
            return call(fn.NUMPY_FUNCTIONS[function], args), dims
        if function == "pi":
            return constant(np.pi), dims
        if function == "active_initial":
            run, initial = args
            return active_initial(run, initial), dims
        if function in fn.TIME_FUNCTIONS:
            function_, counts = fn.TIME_FUNCTIONS[function]
            if len(args) not in counts:
                raise self.unsupported(f"{function.upper()} with {len(args)} arguments")
            clock = [reference(CLOCK), reference("time_step")]
            return call(function_, clock + args), dims
        raise self.unsupported(f"the function {function.upper().replace('_', ' ')}")

    def get_time_value(self, node: ae.CallStructure) -> tuple:
        """Compile GET TIME VALUE(0, offset, 0): the model time plus ``offset``.

        That is the case PySD implements with the model clock (``relativeto`` 0,
        ``measure`` 0: units of model time); the others read the initial time in a
        way PySD leaves unimplemented, or the computer clock, and are refused.
        """
        if len(node.arguments) != 3:
            raise self.unsupported(f"GET TIME VALUE with {len(node.arguments)} arguments")
        relative_to, offset, measure = node.arguments
        if not (_is_number(relative_to) and _is_number(measure)
                and relative_to == 0 and measure == 0):
            raise self.unsupported(
                f"GET TIME VALUE({relative_to!r}, ..., {measure!r}): only relativeto 0 and"
                " measure 0 (the model time plus an offset) are supported")
        offset_expr, dims = self.typed(offset)
        return call(np.add, [reference(CLOCK), offset_expr]), dims

    def data(self, node: ae.GetDataStructure) -> tuple:
        """Compile GET XLS/DIRECT DATA: the file's series, read now, as a table over time."""
        method = ext.DATA_METHODS.get(self.keyword)
        if method is None:
            raise self.unsupported(f"data with the interpolation keyword {self.keyword!r}")
        xs, ys = ext.tables(node, self.context, self.root, self.name, self.py_name, method)
        if not self.context:
            return _lookup_call((xs, ys, method), reference(CLOCK)), sb.SCALAR
        shape = sb.shape_of(self.context)
        cells = tuple((xs, ys[(slice(None),) + cell], method) for cell in np.ndindex(*shape))
        ids = np.arange(len(cells)).reshape(shape)
        return call(sb.lookup_cells, [reference(CLOCK), python_object(ids),
                                      python_object(cells), python_object(shape)]), self.context

    def random(self, node: ae.CallStructure, function: str) -> tuple:
        """Compile a RANDOM call: :func:`fn.noise` draws, shaped as the equation's cells.

        The seed argument must be an integer constant. A non-zero seed names
        the call's stream (the same seed, the same stream, as in Vensim); a
        zero or absent seed gives a stream of the call's own, keyed by the
        variable's name and the run's seed. Either way the scenario's index
        in the run enters every draw, so each scenario has its own stream.
        """
        draw, count = fn.RANDOM_FUNCTIONS[function]
        name = function.upper().replace("_", " ")
        if len(node.arguments) not in (count, count + 1):
            raise self.unsupported(f"{name} with {len(node.arguments)} arguments")
        seed = node.arguments[count] if len(node.arguments) > count else 0
        if not isinstance(seed, numbers.Real) or seed != int(seed):
            raise self.unsupported(f"{name} with a seed that is not an integer constant")
        self.count += 1
        self.program.stochastic = True
        site = f"{self.py_name}/{self.count}".encode()
        entropy = int(seed) if seed else int.from_bytes(hashlib.sha256(site).digest()[:8])
        u = call(fn.noise, [reference(CLOCK), reference(SCENARIOS), reference(NOISE_KEY),
                            python_object(fn.stream_key(abs(entropy))),
                            python_object(bool(seed)),
                            python_object(sb.shape_of(self.context))])
        args = [self.align(self.typed(arg), self.context) for arg in node.arguments[:count]]
        return call(draw, [u, *args]), self.context

    def subscripted_lookup(self, py_name: str, function, argument: tuple) -> tuple:
        """Call a subscripted lookup: each cell's own table on the argument's matching cells."""
        ids, tables = self.program.lookups[py_name]
        dims = self.program.dims[py_name]
        if function.subscripts is not None:
            takes, picks, dims = self.selection(dims, function.subscripts.subscripts)
            ids = sb.select(ids, len(takes), takes, picks)
        target = sb.union(argument[1], dims)
        own = sb.names_of(dims)
        ids = np.transpose(ids, [own.index(name) for name in sb.names_of(target) if name in own])
        ids = ids.reshape([len(el) if name in own else 1 for name, el in target])
        x = self.align(argument, target)
        cells = call(sb.lookup_cells, [x, python_object(ids), python_object(tables),
                                       python_object(sb.shape_of(target))])
        return cells, target

    def elmcount(self, node: ae.CallStructure) -> tuple:
        if self.subscripts is None or len(node.arguments) != 1:
            raise self.unsupported("ELMCOUNT without a subscript range")
        argument = node.arguments[0]
        clean = {n.replace(" ", "_").lower(): n for n in self.subscripts.subscripts}
        if not isinstance(argument, ae.ReferenceStructure) or argument.reference not in clean:
            raise self.unsupported("ELMCOUNT of something other than a subscript range")
        return constant(len(self.subscripts.subscripts[clean[argument.reference]])), sb.SCALAR

    def stateful(self, node) -> tuple:
        kind = _STATEFUL_KINDS[type(node)]
        self.count += 1
        suffix = "" if self.count == 1 else f"_{self.count}"
        node_name = f"_{kind}_{self.py_name}{suffix}"
        context = self.context
        args = {
            key: self.align(self.typed(value), context)
            for key, value in vars(node).items()
            if key != "non_negative"
        }
        construct = {
            ae.SmoothNStructure: "SMOOTH N",
            ae.DelayNStructure: "DELAY N",
            ae.DelayFixedStructure: "DELAY FIXED",
            ae.SampleIfTrueStructure: "SAMPLE IF TRUE",
        }.get(type(node), kind.upper())
        classes = {
            "integ": st.Integ,
            "smooth": st.Smooth,
            "delay": st.Delay,
            "delayn": st.DelayN,
            "delayfixed": st.DelayFixed,
            "trend": st.Trend,
            "forecast": st.Forecast,
            "sampleiftrue": st.SampleIfTrue,
            "initial": st.Initial,
        }
        extra = {"non_negative": bool(node.non_negative)} if kind == "integ" else {}
        if context:
            extra["shape"] = sb.shape_of(context)
        self.program.statefuls[node_name] = classes[kind](
            node_name, self.name, construct, **extra, **args
        )
        return reference(node_name), context

    def element(self, components: list, dims: tuple) -> Expr:
        """Compile a subscripted element: each equation on its cells, assembled.

        Parameters
        ----------
        components : list of AbstractComponent
            The element's equations.
        dims : tuple
            The element's dimensions (PySD's merge of the equations' subscripts).
        """
        manager = self.subscripts
        parts, values = [], []
        whole = None
        for component in components:
            subs, excepts = component.subscripts
            self.keyword = getattr(component, "keyword", None)
            self.context = tuple(
                (name, tuple(coords)) for name, coords in manager.make_coord_dict(subs).items()
            )
            if len(self.context) != len(dims):
                raise self.unsupported("an equation with repeated subscripts")
            typed = self.typed(component.ast)
            shape = sb.shape_of(self.context)
            expr = self.align(typed, self.context)
            if typed[1] != self.context:
                expr = call(sb.broadcast, [expr, python_object(shape)])
            index = []
            for (_, coords), (_, own) in zip(self.context, dims):
                if any(c not in own for c in coords):
                    raise self.unsupported("an equation outside the element's subscript range")
                index.append(np.array([own.index(c) for c in coords]))
            mask = None
            if excepts:
                mask = np.ones(shape, dtype=bool)
                for except_subs in excepts:
                    cut = manager.make_coord_dict(except_subs)
                    if len(cut) != len(self.context):
                        raise self.unsupported(":EXCEPT: with repeated subscripts")
                    where = np.ix_(*[
                        np.array([i for i, c in enumerate(coords) if c in set(excluded)])
                        for (_, coords), excluded in zip(self.context, cut.values())
                    ])
                    mask[where] = False
            full = mask is None and all(
                coords == own for (_, coords), (_, own) in zip(self.context, dims)
            )
            if full:
                whole = expr
            parts.append((tuple(index), mask))
            values.append(expr)
        if len(components) == 1 and whole is not None:
            return whole
        if not _covers(parts, sb.shape_of(dims)):
            self.program.nan_ok.add(self.py_name)  # PySD too leaves the other cells NaN
        return call(sb.assemble, [python_object(sb.shape_of(dims)),
                                  python_object(tuple(parts)), *values])


def _covers(parts: tuple, shape: tuple) -> bool:
    """Tell whether the ``(index, mask)`` parts of :func:`sb.assemble` define every cell."""
    defined = np.zeros(shape, dtype=bool)
    for index, mask in parts:
        block = defined[np.ix_(*index)]
        defined[np.ix_(*index)] = block | (True if mask is None else mask)
    return bool(defined.all())


def _spread_nan_ok(program: Program) -> None:
    """Add to ``program.nan_ok`` every node that reads one already in it."""
    readers = {name: expr.deps | expr.init_deps for name, expr in program.exprs.items()}
    for node, stateful in program.statefuls.items():
        readers[node] = stateful.init_deps() | stateful.output_deps() | stateful.advance_deps()
    changed = True
    while changed:
        changed = False
        for name, deps in readers.items():
            if name not in program.nan_ok and deps & program.nan_ok:
                program.nan_ok.add(name)
                changed = True


def lookup_table(structure, name: str) -> tuple:
    """Return ``(xs, ys, method)`` float arrays from a ``LookupsStructure``.

    Parameters
    ----------
    structure : LookupsStructure
        PySD's lookup definition.
    name : str
        Vensim name of the element (for errors).

    Returns
    -------
    tuple
        Sorted abscissae, ordinates and interpolation method.

    Raises
    ------
    UnsupportedConstructError
        For lookups read from files or with an unknown method.
    """
    if not isinstance(structure, ae.LookupsStructure):
        raise UnsupportedConstructError(name, "lookups read from external files")
    if structure.type not in ("interpolate", "hold_backward", "extrapolate"):
        raise UnsupportedConstructError(name, f"lookups of type {structure.type!r}")
    xs = np.asarray(structure.x, dtype=float)
    ys = np.asarray(structure.y, dtype=float)
    order = np.argsort(xs, kind="stable")
    return xs[order], ys[order], structure.type


def _subscript_manager(section, name: str):
    """Return PySD's ``SubscriptManager`` of a section, or None without subscripts."""
    if not section.subscripts:
        return None
    for subscript in section.subscripts:
        if isinstance(subscript.subscripts, dict):
            raise UnsupportedConstructError(subscript.name, "subscript ranges read from files")
    from pysd.builders.python.subscripts import SubscriptManager

    return SubscriptManager(section.subscripts, Path(name).parent)


def _element_dims(manager, element) -> tuple:
    """Return an element's subscript dimensions, merged over its equations as PySD does."""
    if manager is None or not any(c.subscripts[0] for c in element.components):
        if len(element.components) != 1:
            raise UnsupportedConstructError(element.name, "several equations without subscripts")
        return sb.SCALAR
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySD warns where the merge completes a range
        merged = manager.make_merge_list([c.subscripts[0] for c in element.components])
    if any(name is None for name in merged):
        raise UnsupportedConstructError(element.name, "equations whose subscripts do not merge")
    return tuple((name, tuple(coords)) for name, coords in manager.make_coord_dict(merged).items())


def _lookup_cells(manager, element, dims: tuple, root: Path, py_name: str,
                  external: dict) -> tuple:
    """Return ``(ids, tables)`` of a subscripted lookup: each cell's index into ``tables``."""
    ids = np.full(sb.shape_of(dims), -1)
    tables = []
    for component in element.components:
        subs, excepts = component.subscripts
        if excepts:
            raise UnsupportedConstructError(element.name, "subscripted lookups with :EXCEPT:")
        coords = manager.make_coord_dict(subs)
        index = [[own.index(c) for c in cell] for cell, (_, own) in zip(coords.values(), dims)]
        if isinstance(component.ast, ae.GetLookupsStructure):
            external.update([ext.fingerprint(root, component.ast.file)])
            own = tuple((dim, tuple(cells)) for dim, cells in coords.items())
            xs, ys = ext.tables(component.ast, own, root, element.name, py_name)
            block = np.empty(sb.shape_of(own), dtype=int)
            for cell in np.ndindex(*block.shape):
                block[cell] = len(tables)
                tables.append((xs, ys[(slice(None),) + cell], "interpolate"))
            ids[np.ix_(*index)] = block
            continue
        ids[np.ix_(*index)] = len(tables)
        tables.append(lookup_table(component.ast, element.name))
    if np.any(ids < 0):
        # cells no equation defines give NaN, as PySD's (and the model must not call them)
        ids[ids < 0] = len(tables)
        tables.append((np.zeros(1), np.full(1, np.nan), "interpolate"))
    return ids, tuple(tables)


def _kind(element, components) -> str:
    if isinstance(element, am.AbstractControlElement):
        return "control"
    asts = [component.ast for component in components]
    if all(isinstance(a, (numbers.Number, np.ndarray, ae.GetConstantsStructure)) for a in asts):
        return "constant"
    if all(type(a) in _STATEFUL_KINDS and not isinstance(a, ae.InitialStructure) for a in asts):
        return "stateful"
    return "auxiliary"


def build_program(abstract_model: am.AbstractModel, root=None) -> Program:
    """Compile a PySD abstract model.

    Parameters
    ----------
    abstract_model : pysd.translators.structures.abstract_model.AbstractModel
        Output of ``VensimFile(path).parse(); .get_abstract_model()``.
    root : path-like, optional
        Folder the model's external files are read from; default that of
        the path the abstract model was translated from (a cached abstract
        model may come from a copy elsewhere: pass the model's own folder).

    Returns
    -------
    Program
        The compiled model.

    Raises
    ------
    UnsupportedConstructError
        For the macro, data, subscript and function constructs the engine
        does not implement (each named).
    """
    section = expand_macros(abstract_model)  # macro calls become elements of their own
    namespace = NamespaceManager(section.params)
    for element in section.elements:
        namespace.add_to_namespace(element.name)
    original = Path(str(getattr(abstract_model, "original_path", "")))
    root = Path(root) if root is not None else original.parent
    manager = _subscript_manager(section, str(root / original.name))
    program = Program()
    pending = []
    for element in section.elements:
        py_name = namespace.namespace[element.name]
        components = element.components
        dims = _element_dims(manager, element)
        data = [c for c in components if isinstance(c, am.AbstractData)]
        readable = (ae.GetDataStructure, ae.GetConstantsStructure)
        if any(not isinstance(c.ast, readable) for c in data):
            raise UnsupportedConstructError(element.name, construct_name(data[0].ast))
        if any(isinstance(c, am.AbstractLookup) for c in components):
            program.kinds[py_name] = "lookup"
            program.names[py_name] = element.name
            program.units[py_name] = element.units
            if dims:
                program.dims[py_name] = dims
                program.lookups[py_name] = _lookup_cells(manager, element, dims, root, py_name,
                                                         program.external)
            elif isinstance(components[0].ast, ae.GetLookupsStructure):
                program.external.update([ext.fingerprint(root, components[0].ast.file)])
                xs, ys = ext.tables(components[0].ast, (), root, element.name, py_name)
                program.lookups[py_name] = (xs, ys, "interpolate")
            else:
                program.lookups[py_name] = lookup_table(components[0].ast, element.name)
            continue
        program.kinds[py_name] = _kind(element, components)
        program.names[py_name] = element.name
        program.units[py_name] = element.units
        if dims:
            program.dims[py_name] = dims
        pending.append((element, py_name, components, dims))
    for element, py_name, components, dims in pending:
        compiler = _ElementCompiler(program, namespace.cleanspace, element.name, py_name,
                                    manager)
        compiler.root = root
        compiler.keyword = getattr(components[0], "keyword", None)
        if dims:
            program.exprs[py_name] = compiler.element(components, dims)
        else:
            program.exprs[py_name] = compiler.compile(components[0].ast)
    _spread_nan_ok(program)
    return program
