"""Stock-and-flow diagram of a Vensim model, generated from its equations.

模型结构图:由方程生成每个部门一张存量流量图(存量为方框、流量为阀门、因果链为箭头),
写入 .mdl 的草图部分,Vensim 打开即可见;PySD 可按视图拆分模块。

The views are generated, never drawn by hand, so the diagram follows the
equations when the model changes (issue #17, point 7):

- one view per group of the equation section (``.Economy``, ``.RD finance`` …);
- each stock a box, each flow a valve with its pipe from a stock or a cloud to
  a stock or a cloud (Vensim's sketch codes 10, 11 and 12, with pipe arrows of
  shape 4 at the destination and 100 at the source);
- each dependency an arrow (code 1) from cause to effect; a cause defined in
  another view appears as a grey shadow variable (an even ``arrows_in_allowed``
  field, which PySD's sketch parser reads as a shadow and leaves in its view).

A flow that feeds more than one stock (the cumulative entry and exit counters)
has its valve at its first stock in file order; the other stocks are linked to
it by an arrow, since a Vensim flow has one pipe.

``python -m simulator.model_diagram [MODEL.mdl] [--check]`` writes the views
into the file (atomically), or with ``--check`` exits 1 when the file's sketch
is not the generated one. Vensim's sketch format is undocumented; the codes
used here are those of the SDXorg test models' Vensim files (e.g. ``teacup``).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import textwrap
from pathlib import Path

from simulator.engine.model import CONTROL_NAMES
from simulator.engine.translation import abstract_model

SKETCH_MARK = "\\\\\\---/// Sketch information - do not modify anything except names"
SKETCH_END = "///---\\\\\\"
_VIEW_HEAD = (
    SKETCH_MARK + "\nV300  Do not put anything below this section - it will be ignored\n"
    "*{name}\n$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1"
    "|96,96,100,0\n"
)
_GROUP = re.compile(r"^\*{10,}\s*\n\s*\.(?P<name>[^\n]+?)\s*\n\*{10,}~", re.M)
_NAME = re.compile(r"^(?P<name>[A-Za-z][^=(~\n]*?)\s*(?:=|\(|:)", re.M)

#: An arrow's polarity field: the character code Vensim shows at its head ("+" 43, "-" 45;
#: 0 none), as in the SDXorg test models' Vensim sketches. Links whose sign depends on the
#: state ("±") or that are inactive ("0") carry none.
POLARITY_CODES = {"+": 43, "−": 45}
SIGN_OF_CODE = {"43": "+", "45": "−"}

#: Layout [sketch pixels]: stocks on a coarse grid, every name in a cell of a fine one.
STOCK_DX, STOCK_DY, STOCK_Y, STOCKS_PER_ROW = 640, 480, 200, 3
CELL_W, CELL_H = 160, 40


#: The time controls (TIME STEP in the drain guards, …) are read everywhere: not drawn as links.
_CONTROL = {"_".join(n.lower().replace("_", " ").split()) for n in CONTROL_NAMES}


def _key(name: str) -> str:
    """PySD's reference form of a Vensim name (``RD capital`` -> ``rd_capital``)."""
    return "_".join(name.lower().replace("_", " ").split())


@dataclasses.dataclass
class Structure:
    """What the diagram shows, by Vensim name, in file order."""

    groups: dict[str, list[str]]  # view name -> the variables defined in it
    stocks: dict[str, tuple[list[str], list[str]]]  # stock -> (inflows, outflows)
    causes: dict[str, list[str]]  # variable -> the variables its equation reads


def _references(node) -> list[str]:
    """Return the element references inside a PySD abstract syntax tree, in order."""
    out: list[str] = []
    if hasattr(node, "reference") and isinstance(node.reference, str):
        out.append(node.reference)
    if dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            out.extend(_references(getattr(node, field.name)))
    elif isinstance(node, (list, tuple)):
        for item in node:
            out.extend(_references(item))
    return out


def _signed_flows(node) -> tuple[list[str], list[str]]:
    """Inflows and outflows of a stock's net flow written as ``a + b - c``."""
    refs = [getattr(a, "reference", None) for a in getattr(node, "arguments", [node])]
    if None in refs:  # a net flow that is not a sum of flows: no pipes drawn
        return [], []
    signs = ["+", *getattr(node, "operators", [])]
    if not set(signs) <= {"+", "-"}:
        return [], []
    inflows = [r for r, s in zip(refs, signs) if s == "+"]
    return inflows, [r for r, s in zip(refs, signs) if s == "-"]


def read_structure(path: str | Path) -> Structure:
    """Read groups, stocks with their flows, and causal links of a Vensim model."""
    text = Path(path).read_text(encoding="utf-8")
    model = abstract_model(path)
    elements = {_key(e.name): e for s in model.sections for e in s.elements}
    names = {k: e.name for k, e in elements.items()}
    groups: dict[str, list[str]] = {}
    marks = list(_GROUP.finditer(text))
    equations = text.split(SKETCH_MARK)[0]
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(equations)
        body = equations[mark.end():end]
        members = []
        for chunk in body.split("\n\t|")[1:]:  # the group's comment ends at the first "|"
            found = _NAME.search(chunk.lstrip("\n"))
            if found and _key(found["name"]) in names:
                members.append(names[_key(found["name"])])
        groups[mark["name"]] = members
    stocks, causes = {}, {}
    for key, element in elements.items():
        ast = element.components[0].ast
        if type(ast).__name__ == "IntegStructure":
            inflows, outflows = _signed_flows(ast.flow)
            stocks[element.name] = ([names[r] for r in inflows if r in names],
                                    [names[r] for r in outflows if r in names])
            read = _references(ast.flow)  # the initial value is not a dynamic cause
        else:
            read = _references([c.ast for c in element.components])
        causes[element.name] = list(dict.fromkeys(
            names[r] for r in read if r in names and r != key and r not in _CONTROL
        ))
    return Structure(groups, stocks, causes)


class _View:
    """One view's sketch objects with their ids and positions."""

    def __init__(self, name: str):
        self.name, self.lines, self.ids, self.xy = name, [], {}, {}

    def add(self, line: str, x: int, y: int, name: str | None = None) -> int:
        ident = len(self.lines) + 1
        self.lines.append(line.format(id=ident, x=x, y=y))
        if name is not None:
            self.ids[name], self.xy[name] = ident, (x, y)
        return ident

    def variable(self, name: str, x: int, y: int, shape: int = 8) -> int:
        size = "40,20" if shape == 3 else f"{max(30, 4 * len(name))},11"
        return self.add(f"10,{{id}},{name},{{x}},{{y}},{size},{shape},3,0,0,"
                        f"{-1 if shape == 40 else 0},0,0,0", x, y, name)

    def shadow(self, name: str, x: int, y: int) -> int:
        return self.add(f"10,{{id}},{name},{{x}},{{y}},{max(30, 4 * len(name))},11,8,2,0,3,"
                        "-1,0,0,0,128-128-128,0-0-0,|||128-128-128", x, y, name)

    def cloud(self, x: int, y: int) -> int:
        return self.add("12,{id},48,{x},{y},10,8,0,3,0,0,-1,0,0,0", x, y)

    def pipe(self, valve: int, end: int, at: tuple[int, int], head: bool) -> None:
        self.add(f"1,{{id}},{valve},{end},{4 if head else 100},0,0,22,0,0,0,-1--1--1,,1"
                 f"|({at[0]},{at[1]})|", *at)

    def arrow(self, cause: str, effect: str, sign: str = "") -> None:
        (x0, y0), (x1, y1) = self.xy[cause], self.xy[effect]
        mid = ((x0 + x1) // 2, (y0 + y1) // 2)
        pol = POLARITY_CODES.get(sign, 0)
        self.add(f"1,{{id}},{self.ids[cause]},{self.ids[effect]},0,0,{pol},0,0,64,0,-1--1--1,,1"
                 f"|({mid[0]},{mid[1]})|", *mid)

    def text(self) -> str:
        return _VIEW_HEAD.format(name=self.name) + "".join(line + "\n" for line in self.lines)


def _stock_order(stocks: list[str], structure: Structure) -> list[str]:
    """Stocks along their transfer chains (a flow out of one into the next), then the rest."""
    nxt = {s: [o for o in stocks if o != s and set(structure.stocks[s][1])
               & set(structure.stocks[o][0])] for s in stocks}
    order: list[str] = []

    def visit(stock: str) -> None:
        if stock not in order:
            order.append(stock)
            for other in nxt[stock]:
                visit(other)

    for stock in stocks:
        visit(stock)
    # counters whose flows all have their valves at other stocks go last
    firsts = {}
    for stock in structure.stocks:
        for flow in (f for side in structure.stocks[stock] for f in side):
            firsts.setdefault(flow, stock)
    return sorted(order, key=lambda s: s not in firsts.values())


class _Grid:
    """Free cells of a view, so that names do not overlap [cells of CELL_W x CELL_H pixels]."""

    def __init__(self):
        self.used: set[tuple[int, int]] = set()

    def take(self, x: float, y: float, span: int = 0) -> tuple[int, int]:
        """Take the free cell nearest (x, y), marking used with ``span`` cells each side."""
        cx, cy = round(x / CELL_W), round(y / CELL_H)
        for ring in range(200):
            cells = [(cx + dx, cy + dy) for dy in range(-ring, ring + 1)
                     for dx in range(-ring, ring + 1) if max(abs(dx), abs(dy)) == ring]
            cells.sort(key=lambda c: (abs(c[1] - cy) + 2 * abs(c[0] - cx), c))
            for cell in cells:
                if cell[0] >= 1 and cell[1] >= 1 and cell not in self.used:
                    for dx in range(-span, span + 1):
                        self.used.add((cell[0] + dx, cell[1]))
                    return cell[0] * CELL_W, cell[1] * CELL_H
        raise RuntimeError("no free cell in the diagram")  # 200 rings: never in practice


def _layout(group: str, members: list[str], structure: Structure,
            polarity: dict | None = None) -> _View:
    view, grid = _View(group), _Grid()
    stocks = _stock_order([m for m in members if m in structure.stocks], structure)
    valves: dict[str, str] = {}  # flow -> its stock (the valve is drawn once, at the first)
    for stock in structure.stocks:  # file order over all stocks: a flow's first stock
        for flow in (f for side in structure.stocks[stock] for f in side):
            valves.setdefault(flow, stock)
    for i, stock in enumerate(stocks):
        x, y = grid.take(CELL_W * 2 + (i % STOCKS_PER_ROW) * STOCK_DX,
                         STOCK_Y + (i // STOCKS_PER_ROW) * STOCK_DY, span=1)
        view.variable(stock, x, y, 3)
    for stock in stocks:
        inflows, outflows = structure.stocks[stock]
        sx, sy = view.xy[stock]
        for side, flows in ((-1, inflows), (1, outflows)):
            drawn = [f for f in flows if valves[f] == stock and f in members]
            for k, flow in enumerate(drawn):
                if flow in view.ids:  # a transfer between two stocks of this view, drawn
                    continue
                other = _other_end(flow, stock, structure, view, side)
                if other is None:
                    end_xy = grid.take(sx + side * STOCK_DX * 0.45, sy + (k - len(drawn) // 2) * 2
                                       * CELL_H)
                    end = view.cloud(*end_xy)
                else:
                    end_xy, end = view.xy[other], view.ids[other]
                vx, vy = grid.take((sx + end_xy[0]) / 2, (sy + end_xy[1]) / 2)
                valve = view.add("11,{id},48,{x},{y},6,8,34,3,0,0,1,0,0,0", vx, vy)
                view.variable(flow, vx, vy + 18, 40)
                source, sink = (end, view.ids[stock]) if side < 0 else (view.ids[stock], end)
                source_xy, sink_xy = (end_xy, (sx, sy)) if side < 0 else ((sx, sy), end_xy)
                view.pipe(valve, sink, sink_xy, head=True)
                view.pipe(valve, source, source_xy, head=False)
    outside = [c for m in members for c in structure.causes.get(m, []) if c not in members]
    waiting = list(dict.fromkeys([m for m in members if m not in view.ids] + outside))
    effects = {c: [m for m in members if c in structure.causes.get(m, [])] for c in waiting}
    while waiting:  # each name beside what it drives, those nearest the stocks first
        ready = [c for c in waiting if any(e in view.ids for e in effects[c])] or waiting[:1]
        for name in ready:
            near = [view.xy[e] for e in effects[name] if e in view.ids] or [(CELL_W, STOCK_Y)]
            x, y = grid.take(sum(p[0] for p in near) / len(near),
                             sum(p[1] for p in near) / len(near) - CELL_H)
            (view.shadow if name in outside else view.variable)(name, x, y)
            waiting.remove(name)
    for effect in members:
        for cause in structure.causes.get(effect, []):
            if cause in view.ids and not _piped(cause, effect, structure, valves):
                view.arrow(cause, effect, (polarity or {}).get((cause, effect), ""))
    return view


def _other_end(flow, stock, structure, view, side) -> str | None:
    """Return the stock of this view at the flow's other end, if there is one."""
    for other, (inflows, outflows) in structure.stocks.items():
        if other != stock and other in view.ids and flow in (outflows if side < 0 else inflows):
            return other
    return None


def _piped(cause: str, effect: str, structure: Structure, valves: dict[str, str]) -> bool:
    """Whether flow ``cause`` reaches stock ``effect`` through its drawn pipe (no arrow then)."""
    return effect in structure.stocks and _pipe_end(cause, effect, structure, valves)


def _pipe_end(flow: str, stock: str, structure: Structure, valves: dict[str, str]) -> bool:
    first = valves.get(flow)  # the stock whose view holds the valve
    if first is None or first == stock:
        return first == stock
    inflows, outflows = structure.stocks[first]
    other_in, other_out = structure.stocks[stock]
    return (flow in outflows and flow in other_in) or (flow in inflows and flow in other_out)


def link_signs(path: str | Path) -> dict[tuple[str, str], str]:
    """Measured polarity of each link, by Vensim names (:mod:`simulator.feedback`).

    The core model's links (a file with its equations) are measured on each
    region's baseline too; another model's on its own values only.
    """
    from simulator.engine.model import load_model
    from simulator.feedback import link_polarity
    from simulator.paths import CORE_MODEL

    model = load_model(path)
    py_of = {info.vensim_name: py for py, info in model.variables.items()}
    vensim_of = {py: name for name, py in py_of.items()}
    structure = read_structure(path)
    graph = {py_of[e]: {py_of[c] for c in causes if c in py_of}
             for e, causes in structure.causes.items() if e in py_of}
    def equations(file) -> str:
        text = Path(file).read_text(encoding="utf-8")
        return text.split(SKETCH_MARK)[0].split(SKETCH_END)[0].rstrip()

    # the regional scenarios fit the core model's equations only, wherever the file lies
    signs = link_polarity(graph, model, regions=equations(path) == equations(CORE_MODEL))
    return {(vensim_of[c], vensim_of[e]): sign for (c, e), sign in signs.items()}


def sketch(path: str | Path, polarity: dict | None = None) -> str:
    """Return the generated sketch section of a model: every view, then the end mark.

    ``polarity`` maps (cause, effect) Vensim names to "+" or "−" for the arrows'
    signs (e.g. :func:`link_signs`); without it the arrows carry none.
    """
    structure = read_structure(path)
    # the time controls stay out of the views: PySD keeps them in its main module
    views = [_layout(g, members, structure, polarity) for g, members in structure.groups.items()
             if any(_key(m) not in _CONTROL for m in members)]
    return "".join(view.text() for view in views) + SKETCH_END


def with_sketch(text: str, new_sketch: str) -> str:
    """Return the model text with its sketch section replaced (the settings after it kept)."""
    body, end, settings = text.rpartition(SKETCH_END)
    if not end:
        body, settings = text, "\n"
    equations = body.split(SKETCH_MARK)[0]
    if not equations.endswith("\n"):
        equations += "\n"
    return equations + new_sketch + settings


@dataclasses.dataclass
class SketchView:
    """One view read back from a sketch: objects by id (name, kind, x, y) and links."""

    name: str
    objects: dict[int, tuple[str, str, int, int]]  # id -> (name, kind, x, y)
    links: list[tuple[int, int, str]]  # (from id, to id, "pipe" | "arrow")
    signs: dict[tuple[int, int], str] = dataclasses.field(default_factory=dict)  # "+" or "−"


def read_views(text: str) -> list[SketchView]:
    """Read the views of a model's sketch section (any Vensim sketch, not only ours).

    Kinds: ``stock``, ``flow`` (the name at a valve), ``variable``, ``shadow``,
    ``valve`` and ``cloud``. Other objects (comments, plots) are left out.
    """
    views: list[SketchView] = []
    for line in text.split(SKETCH_END)[0].splitlines():
        fields = line.split(",")
        if line.startswith("*") and not line.startswith("**"):
            views.append(SketchView(line[1:].strip(), {}, []))
        elif not views or len(fields) < 8 or not fields[1].isdigit():
            continue
        elif fields[0] == "10":
            shape, bits = int(fields[7]), int(fields[8])
            kind = ("shadow" if bits % 2 == 0 else
                    {3: "stock", 40: "flow"}.get(shape, "variable"))
            views[-1].objects[int(fields[1])] = (fields[2], kind, int(fields[3]), int(fields[4]))
        elif fields[0] in ("11", "12") and fields[2] == "48":
            kind = "valve" if fields[0] == "11" else "cloud"
            views[-1].objects[int(fields[1])] = ("", kind, int(fields[3]), int(fields[4]))
        elif fields[0] == "1":
            kind = "pipe" if fields[4] in ("4", "100") else "arrow"
            views[-1].links.append((int(fields[2]), int(fields[3]), kind))
            if kind == "arrow" and fields[6] in SIGN_OF_CODE:
                views[-1].signs[(int(fields[2]), int(fields[3]))] = SIGN_OF_CODE[fields[6]]
    return views


def view_figure(path: str | Path, name: str, labels: dict[str, str] | None = None,
                title: str | None = None):
    """Return a Matplotlib figure of one view of a model file's sketch (by view name).

    ``labels`` names the variables another way (e.g. in Chinese, drawn with a CJK
    font); ``title`` replaces the view's name above it.
    """
    import matplotlib.pyplot as plt

    from simulator.errors import did_you_mean

    views = {v.name: v for v in read_views(Path(path).read_text(encoding="utf-8"))}
    if name not in views:
        raise ValueError(f"no view {name!r} in {Path(path).name}{did_you_mean(name, views)}"
                         f" (views: {', '.join(views)})")
    view = views[name]
    xs = [o[2] for o in view.objects.values()] or [0]
    ys = [o[3] for o in view.objects.values()] or [0]
    width = min(22.0, max(8.0, (max(xs) - min(xs)) / 90))
    figure, ax = plt.subplots(figsize=(width, max(4.0, width * (max(ys) - min(ys) + 100)
                                                  / max(1, max(xs) - min(xs) + 240))))
    if labels:
        from simulator.plotting import use_cjk_font

        use_cjk_font()
    draw_view(view, ax, labels)
    if title:
        ax.set_title(title)
    figure.tight_layout()
    return figure


def view_names(path: str | Path) -> list[str]:
    """Return the names of a model file's sketch views, in file order."""
    return [v.name for v in read_views(Path(path).read_text(encoding="utf-8"))]


def draw_view(view: SketchView, ax, labels: dict[str, str] | None = None) -> None:
    """Draw one view on a Matplotlib axes: stocks as boxes, valves, clouds, arrows."""
    from matplotlib.patches import FancyArrowPatch

    for name, kind, x, y in view.objects.values():
        style = {
            "stock": dict(boxstyle="square,pad=0.6", fc="#e8f0fe", ec="#1a56db", lw=1.5),
            "shadow": dict(boxstyle="round,pad=0.2", fc="white", ec="none"),
        }.get(kind, dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
        if kind == "valve":
            ax.plot([x], [-y], marker="X", color="#1a56db", markersize=9, zorder=3)
        elif kind == "cloud":
            ax.plot([x], [-y], marker="o", color="#9ca3af", markersize=12, zorder=3)
        else:
            text = (labels or {}).get(name, name)
            wide = any(ord(c) > 0x2E80 for c in text)  # a CJK character is two columns wide
            ax.text(x, -y, textwrap.fill(text, 9 if wide else 18), ha="center", va="center",
                    fontsize=6.5,
                    zorder=4, bbox=style,
                    color="#6b7280" if kind == "shadow" else "black")
    for start, end, kind in view.links:
        if start not in view.objects or end not in view.objects:
            continue
        (_, _, x0, y0), (_, _, x1, y1) = view.objects[start], view.objects[end]
        ax.add_patch(FancyArrowPatch(
            (x0, -y0), (x1, -y1), arrowstyle="-|>" if kind == "arrow" else "-",
            mutation_scale=8, lw=3 if kind == "pipe" else 0.6, alpha=0.7, zorder=2,
            color="#1a56db" if kind == "pipe" else "#6b7280", shrinkA=6, shrinkB=6))
        sign = view.signs.get((start, end))
        if sign:  # near the head, as Vensim draws it
            ax.text(x0 + 0.8 * (x1 - x0), -(y0 + 0.8 * (y1 - y0)), sign, fontsize=8,
                    fontweight="bold", ha="center", va="center", zorder=5,
                    color="#b91c1c" if sign == "−" else "#15803d")
    xs = [o[2] for o in view.objects.values()] or [0]
    ys = [-o[3] for o in view.objects.values()] or [0]
    ax.set_xlim(min(xs) - 120, max(xs) + 120)
    ax.set_ylim(min(ys) - 40, max(ys) + 60)
    ax.set_title(view.name)
    ax.axis("off")


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the generated views of a model file."""
    parser = argparse.ArgumentParser(prog="python -m simulator.model_diagram",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None, help="a Vensim .mdl (the core model)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the file's sketch is not the generated one")
    args = parser.parse_args(argv)
    from simulator.paths import CORE_MODEL
    from simulator.results import atomic_write_text

    path = Path(args.model) if args.model else CORE_MODEL
    if path.suffix.lower() != ".mdl" or not path.is_file():
        print(f"error: {path} is not a Vensim .mdl file", file=sys.stderr)
        return 2
    text = path.read_text(encoding="utf-8")
    new = with_sketch(text, sketch(path, link_signs(path)))
    if args.check:
        if new != text:
            print(f"{path}: the diagram is out of date; run python -m simulator.model_diagram")
            return 1
        print(f"{path}: the diagram matches the equations")
        return 0
    if new != text:
        atomic_write_text(path, new)
    print(f"{path}: {len(read_views(new))} views written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
