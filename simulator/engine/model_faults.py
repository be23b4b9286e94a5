"""Faults of a translated model that PySD would only hit when it runs (#22).

PySD translates a model that calls an unknown function (it writes a call to
``not_implemented_function``) or defines variables in terms of each other
(it recurses when run). :func:`structural_problem` finds both before a run,
naming the variables; :func:`variable_in_traceback` names the variable whose
equation raised during a run (e.g. a division by zero).
"""

from __future__ import annotations

import re
from pathlib import Path

#: A generated component (``def x():``) whose body calls PySD's stand-in for an unknown function.
_NOT_IMPLEMENTED = re.compile(
    r"^def (\w+)\([^)]*\):\n(?:(?!^def ).*\n)*?.*not_implemented_function\(\s*\"([^\"]+)\"",
    re.MULTILINE,
)


def structural_problem(pysd_model) -> str | None:
    """Return one line naming an unknown function or a circular definition, else None."""
    source = Path(getattr(pysd_model, "py_model_file", "") or "")
    if source.is_file():
        found = _NOT_IMPLEMENTED.search(source.read_text(encoding="utf-8"))
        if found:
            return (f"variable '{found.group(1)}' uses the function {found.group(2).upper()},"
                    " which PySD does not implement (the run would fail)")
    loop = circular_definition(getattr(pysd_model, "dependencies", {}) or {})
    if loop:
        return f"circular definition (each defined in terms of the next): {' -> '.join(loop)}"
    return None


def circular_definition(dependencies: dict) -> list[str] | None:
    """Return a loop of instantaneous dependencies (``[x, y, x]``), or None.

    Stocks, delays and other stateful objects (their entries map 'initial'
    and 'step' to dependencies) break loops: they hold last step's value.
    """
    from simulator.engine.batch.engine import _topological

    def deps_of(name: str) -> list[str]:
        deps = dependencies.get(name) or {}
        if "initial" in deps or "step" in deps:
            return []
        return [d for d in deps if d in dependencies]

    try:
        _topological(set(dependencies), deps_of)
    except ValueError as error:
        return str(error).rsplit(": ", 1)[-1].split(" -> ")
    return None


def variable_in_traceback(error: BaseException, pysd_model) -> str | None:
    """Return the model variable whose generated function raised ``error`` (innermost), if any."""
    source = str(getattr(pysd_model, "py_model_file", "") or "")
    name, tb = None, error.__traceback__
    while tb is not None:
        if source and tb.tb_frame.f_code.co_filename == source:
            name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name
