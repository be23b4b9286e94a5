"""Lay the fused kernel's statements out as loops over blocks of scenarios.

:mod:`simulator.engine.batch.fused_codegen` writes one scenario's step as
scalar statements; evaluated one scenario at a time they form one long chain
of dependent operations, and the library's scalar ``pow`` and ``exp`` cost
most of it. Here the same statements become the body of loops over a block
of ``BLOCK`` scenarios (rounded up to whole vectors of 8 lanes in the last
block, so one scenario computes 8, not 64), so that LLVM evaluates several scenarios at once in
SIMD registers (with :mod:`simulator.engine.batch.fused_math`'s ``exp``,
``log`` and ``pow`` inlined). Every value that lives beyond one loop (a
constant, a state, a value the saved outputs need) is a row of ``BLOCK``
floats in one work array per block, ``W[row * BLOCK + s]``: one array, at
constant distances, so that LLVM can see the loops' loads and stores do not
overlap and needs no run-time alias checks. Per step:

1. the time paths of the block are copied into their rows;
2. one loop evaluates the step and the new states (into rows of their own);
3. at saved steps, a second loop evaluates what only outputs need into rows,
   and each returned row is copied to ``out``;
4. the new states are copied over the old, and a scalar loop moves the
   DELAY FIXED pipes (their pointers differ between scenarios).

The statements and their order are unchanged, so results are those of the
scalar kernel up to the rounding of ``exp``, ``log`` and ``pow``.
"""

from __future__ import annotations

import re

#: Scenarios per block: the work array (about 250 rows for the core model) stays in L2.
BLOCK = 64
_NAME = re.compile(r"\b(?:c\d+|e\d+|q\d+_\d+|v\d+|n\d+_\d+|x\d+|y\d+)\b")
_OUT = re.compile(r"^    out\[rows\[(\d+)\], column, i\] = (.*)$")
_ASSIGN = re.compile(r"^(\w+) = (.*)$")
_PATH = re.compile(r"^(v\d+) = path(\d+)\[i, k\]$")
_PIPE = re.compile(r"^pipe(\d+)\[i, p\d+\] = (.*)$")


class _Rows:
    """Row numbers of the work array by local name, and each local's kind."""

    def __init__(self, kinds: dict):
        self.kinds = kinds
        self.rows: dict = {}

    def row(self, name: str) -> int:
        return self.rows.setdefault(name, len(self.rows))

    def at(self, name: str) -> str:
        return f"W[{self.row(name) * BLOCK} + s]"

    def load(self, name: str) -> str:
        test = " != 0.0" if self.kinds.get(name) == "b" else ""
        return f"{name} = {self.at(name)}{test}"

    def store(self, name: str) -> str:
        value = f"(1.0 if {name} else 0.0)" if self.kinds.get(name) == "b" else name
        return f"{self.at(name)} = {value}"


def _defined(lines: list) -> list:
    return [m.group(1) for m in map(_ASSIGN.match, lines) if m]


def _used(lines: list) -> set:
    return {name for line in lines for name in _NAME.findall(line)}


def _loop(rows: _Rows, lines: list, later: set, count: str, head=()) -> list:
    """Return a loop over ``count`` scenarios of ``lines``, with loads and stores of rows."""
    defined = set(_defined(lines))
    loads = [rows.load(name) for name in sorted(_used(lines) - defined)]
    stores = [rows.store(name) for name in _defined(lines) if name in later]
    body = [*head, *loads, *lines, *dict.fromkeys(stores)] or ["pass"]
    return [f"for s in range({count}):"] + ["    " + line for line in body]


def assemble(static: dict, states: list, fixed: list, pre: list, step: list, save: list,
             updates: list, kinds: dict) -> tuple[list, int]:
    """Return the kernel's body (below ``def kernel``) and the work array's row count.

    ``static`` maps a static local to its row of ``c``; ``states`` lists
    ``(local, row of s)``; ``fixed`` the DELAY FIXED indices ``j``; ``pre``,
    ``step``, ``save`` and ``updates`` are the scalar kernel's statements (no
    indentation): per scenario, per step, at saved steps, and the state updates.
    """
    rows = _Rows(kinds)
    paths = [(m.group(1), m.group(2)) for m in map(_PATH.match, step) if m]
    step = [line for line in step if not _PATH.match(line) and line != "t = grid[k]"]
    save_paths = [(m.group(1), m.group(2)) for m in map(_PATH.match, save) if m]
    computed, outputs = [], []  # the saved values, as rows; then copied to out
    for line in save:
        out = _OUT.match(line)
        if out:
            computed.append(f"y{out.group(1)} = {out.group(2)}")
            outputs.append(out.group(1))
        elif not (_PATH.match(line) or line.startswith("if rows[") or line == "column += 1"):
            computed.append(line)
    fixed_q = {f"q{j}_0" for j in fixed}
    advance, copies = [], []
    for line in updates:
        pipe = _PIPE.match(line)
        if pipe:  # pipe{j}[i, p{j}] = input: the input, to a row for the loop below
            advance.append(f"x{pipe.group(1)} = {pipe.group(2)}")
            continue
        target, source = _ASSIGN.match(line).groups()
        if target in fixed_q or re.fullmatch(r"p\d+", target):
            continue  # written by the DELAY FIXED loop below
        elif target.startswith("q"):
            advance.append(f"{rows.at('n' + target)} = {source}")
            copies.append(f"{rows.at(target)} = {rows.at('n' + target)}")
        else:
            advance.append(line)
    after_step = _used(computed) | {f"x{j}" for j in fixed}
    body = ["nblocks = (n + %d) // %d" % (BLOCK - 1, BLOCK),
            "for b in nb.prange(nblocks):",
            f"    lo = b * {BLOCK}",
            f"    m = min({BLOCK}, n - lo)",
            "    w = min(%d, ((m + 7) // 8) * 8)  # lanes: whole vectors of 8" % BLOCK,
            f"    W = np.zeros({{ROWS}} * {BLOCK})"]
    first = [f"{rows.at(local)} = c[{r}, lo + s]" for local, r in static.items()]
    first += [f"{rows.at(local)} = s_[{r}, lo + s]" for local, r in states]
    if first:
        body += ["    for s in range(m):"] + ["        " + line for line in first]
    later = _used(step) | _used(advance) | _used(computed)
    if pre:
        body += ["    " + line for line in _loop(rows, pre, later, "w")]
    steps = ["t = grid[k]"]
    for local, number in paths:
        steps += ["for s in range(m):", f"    {rows.at(local)} = path{number}[lo + s, k]"]
    steps += _loop(rows, step + advance, after_step, "w")
    steps += ["if save[k]:"]
    for local, number in save_paths:
        steps += ["    for s in range(m):", f"        {rows.at(local)} = path{number}[lo + s, k]"]
    steps += ["    " + line for line in _loop(rows, computed, {f"y{r}" for r in outputs}, "w")]
    for r in outputs:
        steps += [f"    if rows[{r}] >= 0:", "        for s in range(m):",
                  f"            out[rows[{r}], column, lo + s] = {rows.at(f'y{r}')}"]
    steps += ["    column += 1", "if k == last:", "    break"]
    if copies:
        steps += ["for s in range(w):"] + ["    " + line for line in copies]
    for j in fixed:
        steps += ["for s in range(m):", "    i = lo + s", f"    p = ptr{j}[i]",
                  f"    pipe{j}[i, p] = {rows.at(f'x{j}')}",
                  f"    p = (p + 1) % order{j}[i]", f"    ptr{j}[i] = p",
                  f"    {rows.at(f'q{j}_0')} = pipe{j}[i, p]"]
    body += ["    column = 0", "    for k in range(steps):"] + ["        " + x for x in steps]
    size = str(len(rows.rows))
    return [line.replace("{ROWS}", size) for line in body], len(rows.rows)
