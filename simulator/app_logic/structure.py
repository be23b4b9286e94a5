"""The model's structure for the app: causal graph, feedback loops, equations.

模型结构:由 PySD 记录的依赖关系生成因果图,查找反馈回路,列出方程、单位与来源。
"""

from __future__ import annotations

import pandas as pd

from simulator import catalogue
from simulator.engine.model import CONTROL_NAMES, LoadedModel, load_model
from simulator.engine.polarity import loop_polarity
from simulator.errors import did_you_mean
from simulator.feedback import link_polarity, polarity_cases  # noqa: F401 - re-exported


def causal_graph(model: LoadedModel | None = None) -> dict[str, set[str]]:
    """Read the model's causal links from the dependencies PySD records.

    PySD keeps, per translated element, the elements its equation reads
    (``Model.dependencies``); a stock's internal integrator (``_integ_*``,
    ``_smooth_*``, ``_delayfixed_*``) lists its inflows and outflows under
    ``"step"``. Internal elements are resolved through to the documented
    variables they read; initial values (``"initial"``), ``time`` and the
    control variables are left out, so every link is a dynamic influence.

    Returns
    -------
    dict of str to set of str
        Variable (PySD name) to the variables it depends on (its causes).
    """
    model = model or load_model()
    deps = model.dependencies
    public = set(model.variables) - set(CONTROL_NAMES)

    def causes(name: str, seen: frozenset) -> set[str]:
        if name in seen:
            return set()
        entry = deps.get(name, {})
        if "step" in entry or "initial" in entry:
            entry = entry.get("step", {})
        out: set[str] = set()
        for dep in entry:
            if dep in public:
                out.add(dep)
            elif dep.startswith("_") and not dep.startswith("__"):
                out |= causes(dep, seen | {name})
        return out

    return {name: causes(name, frozenset()) - {name} for name in sorted(public)}


def simple_cycles(
    graph: dict[str, set[str]], max_length: int = 8, limit: int = 1000
) -> list[list[str]]:
    """Feedback loops: every simple cycle of the graph up to ``max_length`` links.

    Depth-first search from each node over nodes later in sorted order, so
    each cycle is found once, starting at its smallest node.

    Parameters
    ----------
    graph : dict of str to set of str
        Node to the nodes it depends on (as :func:`causal_graph`); a cycle
        is followed in causal order (cause -> effect).
    max_length : int, default 8
        Longest cycle returned [links].
    limit : int, default 1000
        Stop after this many cycles.

    Returns
    -------
    list of list of str
        Each cycle as its nodes in causal order, shortest cycles first.

    Examples
    --------
    >>> simple_cycles({"a": {"b"}, "b": {"a"}, "c": {"c"}})
    [['c'], ['a', 'b']]
    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, got {max_length!r}")
    effects: dict[str, set[str]] = {node: set() for node in graph}
    for node, parents in graph.items():
        for parent in parents:
            effects.setdefault(parent, set()).add(node)
    order = {node: i for i, node in enumerate(sorted(effects))}
    cycles: list[list[str]] = []
    for start in sorted(effects):
        stack = [(start, [start])]
        while stack and len(cycles) < limit:
            node, path = stack.pop()
            for nxt in sorted(effects[node], reverse=True):
                if nxt == start:
                    cycles.append(list(path))
                elif order[nxt] > order[start] and nxt not in path and len(path) < max_length:
                    stack.append((nxt, path + [nxt]))
    return sorted(cycles[:limit], key=lambda c: (len(c), c))


def neighbourhood(graph: dict[str, set[str]], focus: str, depth: int) -> set[str]:
    """Nodes within ``depth`` links of ``focus``, upstream or downstream.

    Raises
    ------
    KeyError
        If ``focus`` is not a node (the message suggests close names).
    """
    if focus not in graph:
        raise KeyError(f"no variable named {focus!r}{did_you_mean(focus, graph)}")
    links: dict[str, set[str]] = {node: set(parents) for node, parents in graph.items()}
    for node, parents in graph.items():
        for parent in parents:
            links.setdefault(parent, set()).add(node)
    found, frontier = {focus}, {focus}
    for _ in range(depth):
        frontier = {n for node in frontier for n in links.get(node, ())} - found
        found |= frontier
    return found


def dot_source(
    graph: dict[str, set[str]],
    nodes: set[str],
    model: LoadedModel | None = None,
    *,
    lang: str = "zh",
    show_constants: bool = True,
    focus: str | None = None,
) -> str:
    """Graphviz DOT text of the causal diagram restricted to ``nodes``.

    Stocks are boxes, flows and auxiliaries ellipses, constants grey text;
    indicators carry their catalogue label in ``lang``.
    """
    model = model or load_model()
    by_vensim = {e.vensim_name: e for e in catalogue.indicators(model).values()}
    levers = catalogue.levers(model)
    lines = [
        "digraph model {",
        "  rankdir=LR;",
        '  node [fontname="Noto Sans CJK SC", fontsize=10];',
    ]
    shown = set()
    for name in sorted(nodes):
        info = model.variables[name]
        if info.kind == "Constant" and not show_constants and name != focus:
            continue
        shown.add(name)
        entry = levers.get(name) or by_vensim.get(info.vensim_name)
        label = info.vensim_name
        if lang == "zh":
            label = entry.label_zh if entry is not None else catalogue.variable_names_zh().get(
                info.vensim_name, info.vensim_name)
        style = {
            "Stateful": 'shape=box, style=filled, fillcolor="#dbe9f6"',
            "Constant": "shape=plaintext, fontcolor=grey40",
        }.get(info.kind, "shape=ellipse")
        if name == focus:
            style += ", color=red, penwidth=2"
        lines.append(f'  "{name}" [label="{label}", {style}];')
    for name in sorted(shown):
        for parent in sorted(graph.get(name, ())):
            if parent in shown:
                lines.append(f'  "{parent}" -> "{name}";')
    lines.append("}")
    return "\n".join(lines)


def loops_table(loops: list[list[str]], links: dict, names: dict[str, str]) -> pd.DataFrame:
    """Loops with their length, polarity (R, B, ? or 0) and their path with each link's sign.

    ``names`` maps a variable's Python name to the label to show.
    """
    rows = []
    for loop in loops:
        steps = [names.get(loop[0], loop[0])]
        for cause, effect in zip(loop, loop[1:] + loop[:1]):
            steps.append(f"({links.get((cause, effect), '0')}) {names.get(effect, effect)}")
        rows.append({"polarity": loop_polarity(loop, links), "length": len(loop),
                     "loop": " → ".join(steps)})
    return pd.DataFrame(rows, columns=["polarity", "length", "loop"])


def variables_table(model: LoadedModel | None = None) -> pd.DataFrame:
    """Every documented variable: name, kind, unit, equation and source comment."""
    model = model or load_model()
    eqs = model.equations
    rows = [
        {
            "variable": info.vensim_name,
            "py_name": name,
            "kind": info.kind,
            "unit": info.unit,
            "equation": eqs.get(info.vensim_name, ""),
            "comment": info.comment,
        }
        for name, info in sorted(model.variables.items())
        if name not in CONTROL_NAMES
    ]
    return pd.DataFrame(rows)
