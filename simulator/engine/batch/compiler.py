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

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from pysd.builders.python.namespace import NamespaceManager
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures import abstract_model as am

import simulator.engine.batch.functions as fn
import simulator.engine.batch.statefuls as st

from .errors import UnsupportedConstructError
from .expr import Expr, active_initial, call, constant, python_object, reference

#: Nodes every expression may read without scheduling: the model clock.
CLOCK = "time"
#: Python names of the control variables.
CONTROLS = ("initial_time", "final_time", "time_step", "saveper")


def _fold_left(functions: list, args: list) -> Expr:
    # a - b + c is (a - b) + c, as Python evaluates PySD's code
    result = args[0]
    for function, arg in zip(functions, args[1:]):
        result = call(function, [result, arg])
    return result


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
    """

    names: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    exprs: dict = field(default_factory=dict)
    statefuls: dict = field(default_factory=dict)
    lookups: dict = field(default_factory=dict)


class _ElementCompiler:
    """Compile the AST of one element, registering its stateful structures."""

    def __init__(self, program: Program, cleanspace: dict, name: str, py_name: str):
        self.program = program
        self.cleanspace = cleanspace
        self.name = name
        self.py_name = py_name
        self.count = 0

    def unsupported(self, construct: str):
        return UnsupportedConstructError(self.name, construct)

    def compile(self, node) -> Expr:
        if isinstance(node, bool):
            return constant(float(node))
        if isinstance(node, numbers.Number):
            return constant(node)
        if isinstance(node, ae.ReferenceStructure):
            return self.reference(node)
        if isinstance(node, ae.ArithmeticStructure):
            return self.arithmetic(node)
        if isinstance(node, ae.LogicStructure):
            return self.logic(node)
        if isinstance(node, ae.CallStructure):
            return self.call(node)
        if isinstance(node, ae.GameStructure):
            return self.compile(node.expression)
        if isinstance(node, ae.InlineLookupsStructure):
            xs, ys, method = lookup_table(node.lookups, self.name)
            return _lookup_call((xs, ys, method), self.compile(node.argument))
        if type(node) in _STATEFUL_KINDS:
            return self.stateful(node)
        if isinstance(node, np.ndarray):
            raise self.unsupported("subscripted (array) values")
        raise self.unsupported(construct_name(node))

    def reference(self, node: ae.ReferenceStructure) -> Expr:
        if node.subscripts is not None:
            raise self.unsupported("subscripts")
        if node.reference not in self.cleanspace:
            raise self.unsupported(f"a reference to the unknown name {node.reference!r}")
        py_name = self.cleanspace[node.reference]
        if self.program.kinds.get(py_name) == "lookup":
            raise self.unsupported(f"the lookup {py_name!r} without an argument")
        return reference(py_name)

    def arithmetic(self, node: ae.ArithmeticStructure) -> Expr:
        operators = list(node.operators)
        if set(operators) == {"^"}:
            return _power_chain(list(node.arguments), self.compile)
        args = [self.compile(arg) for arg in node.arguments]
        if operators == ["negative"]:
            return call(np.negative, args)
        if set(operators) <= set(_ARITHMETIC):
            return _fold_left([_ARITHMETIC[op] for op in operators], args)
        raise self.unsupported(f"the operators {operators}")

    def logic(self, node: ae.LogicStructure) -> Expr:
        args = [self.compile(arg) for arg in node.arguments]
        operators = list(node.operators)
        if operators == [":NOT:"]:
            return call(np.logical_not, args)
        if set(operators) <= {":AND:", ":OR:"}:
            return _logical_chain(operators, args)
        if set(operators) <= set(_COMPARISONS):
            return _comparison_chain(operators, args)
        raise self.unsupported(f"the operators {operators}")

    def call(self, node: ae.CallStructure) -> Expr:
        function = node.function.reference
        if function in self.cleanspace:
            py_name = self.cleanspace[function]
            if py_name not in self.program.lookups:
                raise self.unsupported(f"a call of {py_name!r}, which is not a lookup")
            return _lookup_call(self.program.lookups[py_name], self.compile(node.arguments[0]))
        args = [self.compile(arg) for arg in node.arguments]
        if function in ("xidz", "zidz"):
            if len(args) != (3 if function == "xidz" else 2):
                raise self.unsupported(f"{function.upper()} with {len(args)} arguments")
            # the zero test is its own call so that a constant denominator is tested once
            checked = fn.xidz_checked if function == "xidz" else fn.zidz_checked
            numerator, denominator, *x = args
            return call(checked, [call(fn.near_zero, [denominator]), numerator, denominator, *x])
        if function in fn.NUMPY_FUNCTIONS:
            return call(fn.NUMPY_FUNCTIONS[function], args)
        if function == "pi":
            return constant(np.pi)
        if function == "active_initial":
            run, initial = args
            return active_initial(run, initial)
        if function in fn.TIME_FUNCTIONS:
            function_, counts = fn.TIME_FUNCTIONS[function]
            if len(args) not in counts:
                raise self.unsupported(f"{function.upper()} with {len(args)} arguments")
            clock = [reference(CLOCK), reference("time_step")]
            return call(function_, clock + args)
        raise self.unsupported(f"the function {function.upper().replace('_', ' ')}")

    def stateful(self, node) -> Expr:
        kind = _STATEFUL_KINDS[type(node)]
        self.count += 1
        suffix = "" if self.count == 1 else f"_{self.count}"
        node_name = f"_{kind}_{self.py_name}{suffix}"
        args = {
            key: self.compile(value)
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
        self.program.statefuls[node_name] = classes[kind](
            node_name, self.name, construct, **extra, **args
        )
        return reference(node_name)


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


def build_program(abstract_model: am.AbstractModel) -> Program:
    """Compile a PySD abstract model.

    Parameters
    ----------
    abstract_model : pysd.translators.structures.abstract_model.AbstractModel
        Output of ``VensimFile(path).parse(); .get_abstract_model()``.

    Returns
    -------
    Program
        The compiled model.

    Raises
    ------
    UnsupportedConstructError
        For macros, subscripts, data or external inputs and functions the
        engine does not implement.
    """
    main = [s for s in abstract_model.sections if s.type == "main"]
    others = [s for s in abstract_model.sections if s.type != "main"]
    if others:
        raise UnsupportedConstructError(others[0].name, "macros")
    section = main[0]
    namespace = NamespaceManager(section.params)
    for element in section.elements:
        namespace.add_to_namespace(element.name)
    program = Program()
    pending = []
    for element in section.elements:
        py_name = namespace.namespace[element.name]
        if len(element.components) != 1:
            raise UnsupportedConstructError(element.name, "subscripts (several equations)")
        component = element.components[0]
        if component.subscripts[0]:
            raise UnsupportedConstructError(element.name, "subscripts")
        if isinstance(component, am.AbstractData):
            raise UnsupportedConstructError(element.name, construct_name(component.ast))
        if isinstance(component, am.AbstractLookup):
            program.kinds[py_name] = "lookup"
            program.names[py_name] = element.name
            program.units[py_name] = element.units
            program.lookups[py_name] = lookup_table(component.ast, element.name)
            continue
        if isinstance(element, am.AbstractControlElement):
            kind = "control"
        elif isinstance(component.ast, numbers.Number):
            kind = "constant"
        elif type(component.ast) in _STATEFUL_KINDS and not isinstance(
            component.ast, ae.InitialStructure
        ):
            kind = "stateful"
        else:
            kind = "auxiliary"
        program.kinds[py_name] = kind
        program.names[py_name] = element.name
        program.units[py_name] = element.units
        pending.append((element, py_name, component))
    for element, py_name, component in pending:
        compiler = _ElementCompiler(program, namespace.cleanspace, element.name, py_name)
        program.exprs[py_name] = compiler.compile(component.ast)
    return program
