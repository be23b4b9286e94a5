"""Read a Vensim .mdl as equation blocks and subscript its references.

Only what the generator needs: blocks split at ``|`` (the sketch dropped),
each equation's left side, right side, units and comment, and a rewriting of
the variable names in an expression. Vensim names are case-insensitive and
treat spaces and underscores alike; a longer name is tried before a name it
contains ("Initial RD capital" before "RD capital").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SKETCH_MARK = "\\\\\\---///"
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
CONTROLS = ("initial time", "final time", "time step", "saveper")


@dataclass
class Block:
    """One ``|``-terminated block: a group header, a subscript range or an equation."""

    text: str  # the whole block, verbatim, without the bar
    name: str | None = None  # the variable's name, as written (None for a group or range)
    rhs: str = ""
    units: str = ""
    comment: str = ""
    lookup: bool = False  # a table, written Name(points) with no "="

    @property
    def key(self) -> str | None:
        """The canonical name (None for a group or range)."""
        return canonical(self.name) if self.name else None

    @property
    def is_constant(self) -> bool:
        """Whether the right side is a number."""
        return bool(self.name) and bool(NUMBER.match(" ".join(self.rhs.split())))


def canonical(name: str) -> str:
    """Vensim's identity of a name: lower case, runs of spaces and underscores as one space."""
    return " ".join(re.split(r"[\s_]+", name.strip().lower()))


def parse(text: str) -> tuple[str, list[Block]]:
    """Return the header (``{UTF-8}``) and the blocks of a model's text."""
    body = text.split(SKETCH_MARK)[0]
    header = ""
    if body.lstrip().startswith("{"):
        header, body = body.lstrip().split("}", 1)
        header += "}"
    blocks = []
    for raw in body.split("|"):
        chunk = raw.strip("\n")
        if not chunk.strip():
            continue
        stripped = chunk.strip()
        if stripped.startswith("*"):
            blocks.append(Block(text=stripped))
            continue
        equation, units, comment = (stripped.split("~", 2) + ["", ""])[:3]
        if "=" not in equation and (":" in equation or "<->" in equation):
            blocks.append(Block(text=stripped))  # a subscript range, kept as written
            continue
        if "=" not in equation and "(" in equation:  # a lookup table: Name(points)
            name, points = equation.split("(", 1)
            blocks.append(Block(text=stripped, name=name.strip(), rhs="(" + points.strip(),
                                units=units.strip(), comment=comment.strip(), lookup=True))
            continue
        if "=" not in equation:
            raise ValueError(f"unsupported block (not an equation): {equation.strip()[:60]!r}")
        name, rhs = equation.split("=", 1)
        blocks.append(Block(text=stripped, name=name.strip(), rhs=rhs.strip(),
                            units=units.strip(), comment=comment.strip()))
    return header, blocks


def name_pattern(names) -> re.Pattern:
    """Return a regex matching any of ``names`` as a whole name (longest first)."""
    parts = []
    for name in sorted({canonical(n) for n in names}, key=len, reverse=True):
        parts.append(r"[\s_]+".join(re.escape(word) for word in name.split(" ")))
    return re.compile(r"(?<![\w\"])(" + "|".join(parts) + r")(?![\w\"])", re.IGNORECASE)


def rewrite(expr: str, pattern: re.Pattern, replace) -> str:
    """Replace each name ``pattern`` finds in ``expr`` by ``replace(canonical, as_written)``."""
    return pattern.sub(lambda m: replace(canonical(m.group(1)), m.group(1)), expr)


def add_to_integ(rhs: str, term: str) -> str:
    """Add ``term`` to the net flow of an ``INTEG (flow, initial)`` right side."""
    head, _, rest = rhs.partition("(")
    if canonical(head) != "integ":
        raise ValueError(f"not an INTEG equation: {rhs[:60]!r}")
    depth = 0
    for i, char in enumerate(rest):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            return f"{head}(\n\t({rest[:i].strip()}) + ({term}),{rest[i + 1:]}"
    raise ValueError(f"INTEG without an initial value: {rhs[:60]!r}")


def call_arguments(expr: str, function: str) -> list[list[str]]:
    """Return the top-level arguments of each call of ``function`` in ``expr``."""
    calls = []
    head = re.compile(r"[\s_]+".join(map(re.escape, function.split())) + r"\s*\(", re.IGNORECASE)
    for match in head.finditer(expr):
        args, depth, start = [], 0, match.end()
        for i in range(match.end(), len(expr)):
            char = expr[i]
            if char == "(":
                depth += 1
            elif char == ")" and depth:
                depth -= 1
            elif char in ",)" and depth == 0:
                args.append(expr[start:i].strip())
                start = i + 1
                if char == ")":
                    break
        calls.append(args)
    return calls
