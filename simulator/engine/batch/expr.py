"""Expression trees of the batch engine and their rendering as Python source.

The compiler turns every equation into an :class:`Expr` tree of constants,
node references and calls of NumPy functions. A tree is rendered as one
Python expression (:func:`render`) and compiled once, either alone (the
:attr:`Expr.fn` closures used at initialisation) or inside the generated
step loop of :mod:`simulator.engine.batch.codegen`, where a reference is a local
variable. Rendering keeps each call and the order of its operands, so both
forms compute exactly what the tree says.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

#: Evaluation modes: during the run, or at initialisation (ACTIVE INITIAL differs).
RUN, INIT = "run", "init"


@dataclass(frozen=True, eq=False)
class Expr:
    """A node of a compiled expression tree.

    Attributes
    ----------
    op : {"const", "ref", "obj", "call", "active"}
        A float constant, a reference to a node's value, a Python object
        passed as is (lookup tables), a call of ``value`` on ``args``, or
        ACTIVE INITIAL (``args`` = run form, initial form).
    args : tuple of Expr
        Operands of a call or of ACTIVE INITIAL.
    value : object
        The constant, node name, object or callable.
    """

    op: str
    args: tuple = ()
    value: object = None

    def pick(self, mode: str) -> "Expr":
        """Return the tree evaluated in ``mode`` (resolves ACTIVE INITIAL at the top)."""
        node = self
        while node.op == "active":
            node = node.args[0] if mode == RUN else node.args[1]
        return node

    def node_deps(self, mode: str) -> frozenset:
        """Node names the expression reads in ``mode``."""
        node = self.pick(mode)
        if node.op == "ref":
            return frozenset({node.value})
        if node.op == "call":  # through the arguments' cached sets
            deps = [arg.deps if mode == RUN else arg.init_deps for arg in node.args]
            return frozenset().union(*deps)
        return frozenset()

    @cached_property
    def deps(self) -> frozenset:
        """Nodes read during the run."""
        return self.node_deps(RUN)

    @cached_property
    def init_deps(self) -> frozenset:
        """Nodes read at initialisation."""
        return self.node_deps(INIT)

    @cached_property
    def fn(self) -> Callable:
        """``fn(v) -> value`` during the run, ``v`` mapping node names to values."""
        return _closure(self, RUN)

    @cached_property
    def init_fn(self) -> Callable:
        """``init_fn(v) -> value`` at initialisation."""
        return _closure(self, INIT)


def constant(value: float) -> Expr:
    """Return an :class:`Expr` that always evaluates to ``float(value)``.

    Raises
    ------
    ValueError
        If the number is beyond a 64-bit float (a 400-digit constant in a model file).
    """
    try:
        return Expr("const", value=float(value))
    except OverflowError:
        raise ValueError(f"the constant {str(value)[:20]}... ({len(str(value))} digits) is too"
                         " large for a 64-bit float (the largest is about 1.8e308)") from None


def reference(node: str) -> Expr:
    """Return an :class:`Expr` that reads node ``node``."""
    return Expr("ref", value=node)


def python_object(value) -> Expr:
    """Return an :class:`Expr` that passes ``value`` (e.g. a lookup table) unchanged."""
    return Expr("obj", value=value)


def call(function: Callable, args: list) -> Expr:
    """Return an :class:`Expr` applying ``function`` to the values of ``args``."""
    return Expr("call", tuple(args), function)


def active_initial(run: Expr, initial: Expr) -> Expr:
    """Return ACTIVE INITIAL: ``run`` during the run, ``initial`` at initialisation."""
    return Expr("active", (run, initial))


class Namespace:
    """Globals of generated source: every object rendered gets a unique identifier."""

    def __init__(self):
        self.globals: dict = {}
        self._names: dict = {}

    def name(self, value, hint: str = "") -> str:
        """Return the identifier bound to ``value`` (registered on first use)."""
        if id(value) not in self._names:
            base = re.sub(r"\W", "", hint or getattr(value, "__name__", "")) or "obj"
            name = f"_{base}_{len(self._names)}"
            self._names[id(value)] = name
            self.globals[name] = value
        return self._names[id(value)]


def render(expr: Expr, mode: str, ref: Callable, space: Namespace) -> str:
    """Return a Python expression computing ``expr``.

    Parameters
    ----------
    expr : Expr
        The tree.
    mode : {"run", "init"}
        Evaluation mode (selects the branch of ACTIVE INITIAL).
    ref : callable
        Node name -> source text reading its value.
    space : Namespace
        Receives the functions and objects the source refers to.

    Returns
    -------
    str
        The source text.
    """
    expr = expr.pick(mode)
    if expr.op == "const":
        return repr(expr.value) if math.isfinite(expr.value) else space.name(expr.value, "const")
    if expr.op == "ref":
        return ref(expr.value)
    if expr.op == "obj":
        return space.name(expr.value, "table")
    args = ", ".join(render(arg, mode, ref, space) for arg in expr.args)
    return f"{space.name(expr.value)}({args})"


def _closure(expr: Expr, mode: str) -> Callable:
    space = Namespace()
    source = render(expr, mode, lambda node: f"v[{node!r}]", space)
    return eval(compile(f"lambda v: {source}", "<batch expression>", "eval"), space.globals)
