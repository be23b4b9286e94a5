"""Vensim macros, expanded in place before the batch engine compiles a model.

PySD builds each ``:MACRO: NAME(inputs)`` section as a module and a call as an
instance of it, whose inputs are evaluated as the caller's expressions. The
batch engine has one flat namespace, so each call is expanded instead: every
element of the macro becomes an element of the main model, named after the
macro, the call's number and the element (``EXPRESSION MACRO [expression_macro
call 1]``); a reference to an input becomes the caller's argument expression,
a reference to another element of the macro the same call's copy of it, and
the call itself a reference to the copy of the macro's output (the element
named like the macro). Calls inside a macro are expanded the same way, so a
macro may use another. Stocks, delays and smooths in a macro get one state per
call, as in Vensim and PySD.

Refused by name (so that ``engine="auto"`` falls back to PySD): macros with
several outputs (``NAME(inputs : outputs)``), subscripted macros or calls, and
macros that call themselves.
"""

from __future__ import annotations

import dataclasses

from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures import abstract_model as am

from .errors import UnsupportedConstructError

#: Deepest chain of macros calling macros that is expanded.
MAX_DEPTH = 20


def clean(name: str) -> str:
    """Return the form a reference takes in PySD's abstract model (``cleanspace`` key)."""
    return name.lower().replace(" ", "_")


def _map(node, visit):
    """Rebuild an abstract expression bottom-up, replacing each node by ``visit(node)``."""
    if isinstance(node, (list, tuple)):
        return type(node)(_map(item, visit) for item in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: _map(getattr(node, f.name), visit) for f in dataclasses.fields(node)}
        node = dataclasses.replace(node, **changes)
    return visit(node)


def _has_subscripts(node) -> bool:
    found = []

    def visit(item):
        if isinstance(item, ae.ReferenceStructure) and item.subscripts:
            found.append(item)
        return item

    _map(node, visit)
    return bool(found)


@dataclasses.dataclass(frozen=True)
class _Call:
    """A macro call while its macro's own names are renamed: its name is not a reference."""

    macro: str
    arguments: tuple


class _Expander:
    """Expand the macro calls of one model: one counter of calls per macro."""

    def __init__(self, macros: dict):
        self.macros = macros
        self.calls = {name: 0 for name in macros}
        self.new_elements: list = []

    def mark(self, node):
        """Return ``node`` with each macro call as a :class:`_Call` (renaming leaves it alone)."""

        def visit(item):
            if (isinstance(item, ae.CallStructure)
                    and isinstance(item.function, ae.ReferenceStructure)
                    and item.function.reference in self.macros):
                return _Call(item.function.reference, tuple(item.arguments))
            return item

        return _map(node, visit)

    def expression(self, node, caller: str, depth: int = 0):
        """Return a marked ``node`` with every call replaced by a reference to its output."""

        def visit(item):
            if isinstance(item, _Call):
                return self.call(item.macro, item.arguments, caller, depth)
            return item

        return _map(node, visit)

    def call(self, macro: str, arguments: tuple, caller: str, depth: int):
        section = self.macros[macro]
        if depth >= MAX_DEPTH:
            raise UnsupportedConstructError(caller, f"macros nested deeper than {MAX_DEPTH}"
                                            f" (does {macro!r} call itself?)")
        if len(arguments) != len(section.params):
            raise UnsupportedConstructError(
                caller, f"a call of macro {macro!r} with {len(arguments)} arguments"
                        f" (it takes {len(section.params)}: {list(section.params)})")
        if any(_has_subscripts(a) for a in arguments):
            raise UnsupportedConstructError(caller, "subscripted macro calls")
        self.calls[macro] += 1
        tag = f"[{macro} call {self.calls[macro]}]"
        own = {clean(e.name): f"{e.name} {tag}" for e in section.elements}
        inputs = {clean(p): a for p, a in zip(section.params, arguments)}

        def rename(item):
            if isinstance(item, ae.ReferenceStructure):
                if item.reference in inputs:
                    return inputs[item.reference]
                if item.reference in own:
                    return dataclasses.replace(item, reference=clean(own[item.reference]))
            return item

        for element in section.elements:
            components = []
            for component in element.components:
                ast = _map(self.mark(component.ast), rename)
                ast = self.expression(ast, f"{element.name} {tag}", depth + 1)
                components.append(dataclasses.replace(component, ast=ast))
            self.new_elements.append(
                dataclasses.replace(element, name=own[clean(element.name)],
                                    components=components))
        return ae.ReferenceStructure(reference=clean(own[macro]), subscripts=None)


def expand_macros(abstract_model: am.AbstractModel) -> am.AbstractSection:
    """Return the main section with every macro call expanded (see the module docstring).

    Raises
    ------
    UnsupportedConstructError
        For a macro with several outputs, a subscripted macro or call, or
        calls nested deeper than :data:`MAX_DEPTH`.
    """
    main = next(s for s in abstract_model.sections if s.type == "main")
    macros = {s.name: s for s in abstract_model.sections if s.type != "main"}
    if not macros:
        return main
    for name, section in macros.items():
        if section.returns:
            raise UnsupportedConstructError(name, "macros with several outputs")
        if clean(name) not in {clean(e.name) for e in section.elements}:
            raise UnsupportedConstructError(name, "a macro without an output named like it")
        for element in section.elements:
            if any(c.subscripts[0] or c.subscripts[1] for c in element.components):
                raise UnsupportedConstructError(element.name, "subscripted macros")
    expander = _Expander(macros)
    elements = []
    for element in main.elements:
        components = [dataclasses.replace(c, ast=expander.expression(expander.mark(c.ast),
                                                                     element.name))
                      for c in element.components]
        elements.append(dataclasses.replace(element, components=components))
    return dataclasses.replace(main, elements=elements + expander.new_elements)
