"""Each region from its own base year: its state at the circle's start, from its own run.

The circle starts in :data:`~simulator.twin_city.regions.START_YEAR`; Yibin's
profile starts in 2016, Ningxia's in 2017, Suining's in 2018. Each region's
single-region baseline is run from its own base year to the circle's start,
and what the core model carries over time is handed over to the twin model:

- every stock (``INTEG``) starts from its value then (``<stock> at circle start``);
- every ``SMOOTHI`` starts from its value then (``<variable> at circle start``);
- an ``INITIAL(expr)`` outside a stock's initial value is ``expr`` in the base
  year (``<variable> initial value``);
- ``Time - INITIAL TIME`` is read from the region's own base year
  (``Region start year``);
- a ``DELAY FIXED`` pipeline holds the inputs of the years before the start:
  the twin model's pipeline starts empty and, until one delay after the start,
  the region's own output over that window is added (``<variable> handed
  over``), a time path the batch engine is given per step. The file holds its
  first value, which PySD (constant inputs only) then keeps over the window.

With every coupling at 0 each region therefore continues its own run: the
decoupled circle reproduces each region's baseline from its base year over the
common window (tested to 1e-9). Any other stateful function in the core model
is refused by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from simulator.engine.dispatch import run_cases
from simulator.engine.model import load_model
from simulator.engine.timegrid import time_grid
from simulator.paths import CORE_MODEL
from simulator.runner import variant_inputs
from simulator.twin_city.mdl_text import call_arguments, canonical, name_pattern, parse
from simulator.twin_city.regions import REGIONS, START_YEAR, baseline, single_region_scenario

TIME_STEP = 0.0625
START_YEAR_NAME = "Region start year"
#: Stateful functions the hand-over does not carry (none is in the core model today).
UNSUPPORTED = ("SMOOTH", "SMOOTH3", "SMOOTH3I", "DELAY1", "DELAY1I", "DELAY3", "DELAY3I",
               "DELAY N", "TREND", "FORECAST", "SAMPLE IF TRUE", "DELAY INFORMATION",
               "DELAY MATERIAL")


@dataclass
class Plan:
    """What the core model carries over time, by Vensim name."""

    stocks: list[str] = field(default_factory=list)  # INTEG variables
    smooths: list[str] = field(default_factory=list)  # SMOOTHI variables
    initials: dict[str, str] = field(default_factory=dict)  # variable -> INITIAL's expression
    delays: dict[str, str] = field(default_factory=dict)  # DELAY FIXED variable -> delay constant

    def constant_names(self) -> list[str]:
        """Return the per-region constants of the hand-over (Vensim names)."""
        return ([START_YEAR_NAME] + [f"{s} at circle start" for s in self.stocks + self.smooths]
                + [f"{v} initial value" for v in self.initials])

    def path_names(self) -> list[str]:
        """Return the per-region time paths of the hand-over (Vensim names)."""
        return [f"{v} handed over" for v in self.delays]


def _head(rhs: str) -> str:
    return canonical(rhs.partition("(")[0])


def plan(core_path: Path = CORE_MODEL) -> Plan:
    """Return what the core model carries over time (refusing what cannot be handed over)."""
    return plan_of_blocks(parse(core_path.read_text(encoding="utf-8"))[1])


def is_whole_initial(name: str, blocks) -> bool:
    """Whether ``name``'s equation is one ``INITIAL(...)`` (its own value is the hand-over)."""
    return any(b.name == name and _head(b.rhs) == "initial" for b in blocks)


def plan_of_blocks(blocks) -> Plan:
    """:func:`plan` of parsed blocks."""
    out = Plan()
    for block in blocks:
        if not block.name or block.lookup:
            continue
        for function in UNSUPPORTED:
            if re.search(r"(?<!\w)" + function.replace(" ", r"\s+") + r"\s*\(", block.rhs,
                         re.IGNORECASE):
                raise ValueError(f"{block.name}: {function} cannot be handed over to the twin"
                                 " model (simulator/twin_city/handoff.py handles INTEG, SMOOTHI,"
                                 " INITIAL and DELAY FIXED)")
        if _head(block.rhs) == "integ":
            out.stocks.append(block.name)
            continue
        for function in ("SMOOTHI", "DELAY FIXED"):
            if call_arguments(block.rhs, function) and _head(block.rhs) != canonical(function):
                raise ValueError(f"{block.name}: a {function} is handed over only as the whole"
                                 " equation")
        if _head(block.rhs) == "smoothi":
            out.smooths.append(block.name)
        if _head(block.rhs) == "delay fixed":
            out.delays[block.name] = call_arguments(block.rhs, "DELAY FIXED")[0][1]
        initials = call_arguments(block.rhs, "INITIAL")
        if len(initials) > 1:
            raise ValueError(f"{block.name}: one INITIAL call per equation can be handed over")
        if initials:
            out.initials[block.name] = initials[0][0]
    return out


def _call_span(expr: str, function: str) -> tuple[int, int]:
    """Return the start and end of the first call of ``function`` in ``expr``."""
    match = re.search(r"(?<!\w)" + function + r"\s*\(", expr, re.IGNORECASE)
    depth = 0
    for i in range(match.end() - 1, len(expr)):
        depth += (expr[i] == "(") - (expr[i] == ")")
        if depth == 0:
            return match.start(), i + 1
    raise ValueError(f"unbalanced parentheses in {expr[:60]!r}")


def rewrite_equation(name: str, rhs: str) -> str:
    """Rewrite one subscripted core equation so that the region continues its own run."""
    rhs = re.sub(r"INITIAL\s+TIME", f"{START_YEAR_NAME}[Region]", rhs, flags=re.IGNORECASE)
    head = _head(rhs)
    if head == "integ":
        flow, _ = call_arguments(rhs, "INTEG")[0]
        return f"INTEG (\n\t{flow},\n\t\t{name} at circle start[Region])"
    if head == "smoothi":
        value, delay, _ = call_arguments(rhs, "SMOOTHI")[0]
        return f"SMOOTHI({value}, {delay}, {name} at circle start[Region])"
    if head == "delay fixed":
        value, delay, _ = call_arguments(rhs, "DELAY FIXED")[0]
        return (f"DELAY FIXED({value}, {delay}, 0) + \\\n\t\tIF THEN ELSE(Time < INITIAL TIME"
                f" + {delay}, {name} handed over[Region], 0)")
    if call_arguments(rhs, "INITIAL"):
        start, end = _call_span(rhs, "INITIAL")
        return rhs[:start] + f"{name} initial value[Region]" + rhs[end:]
    return rhs


def _evaluate(expr: str, values: dict[str, float]) -> float:
    """Evaluate a Vensim arithmetic expression of names (``values`` by canonical name)."""
    pattern = name_pattern(values)
    text = pattern.sub(lambda m: f"values[{canonical(m.group(1))!r}]", expr).replace("^", "**")
    if re.search(r"[A-Za-z_]\w*\s*\(", re.sub(r"values\[[^\]]*\]", "", text)):
        raise ValueError(f"INITIAL({expr}): only arithmetic of names can be handed over")
    return float(eval(text, {"__builtins__": {}}, {"values": values}))  # noqa: S307 - names only


@lru_cache(maxsize=None)
def baseline_state(core_path: Path = CORE_MODEL
                   ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """:func:`start_state` of the baseline's values (one member), once per process."""
    return start_state(core_path=core_path)


def paths_on(grid: np.ndarray, paths: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return the hand-over paths ``(members, window, regions)`` on ``grid``, 0 after the window."""
    out = {}
    for name, path in paths.items():
        full = np.zeros((path.shape[0], len(grid), path.shape[2]))
        k = min(len(grid), path.shape[1])
        full[:, :k] = path[:, :k]
        out[name] = full
    return out


def start_state(draws: dict[str, list[dict]] | None = None, *, core_path: Path = CORE_MODEL
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Run each region alone from its base year; return what it hands over to the circle.

    Parameters
    ----------
    draws : dict, optional
        Region -> one parameter set per member (as
        :func:`simulator.twin_city.ensemble.region_draws`); one member with the
        baseline's values when None.

    Returns
    -------
    constants : dict
        Vensim name -> ``(members, regions)``.
    paths : dict
        Vensim name -> ``(members, steps, regions)`` on the grid from the start
        to one delay after it (:func:`paths_on` extends it with 0): the region's own
        output over that window.
    """
    steps = plan(core_path)
    model = load_model(core_path)
    by_canonical = {canonical(i.vensim_name): i.vensim_name for i in model.variables.values()}
    delay_of = {v: float(model.constants[model.py_name(by_canonical[canonical(d)])])
                for v, d in steps.delays.items()}
    window = max(delay_of.values(), default=0.0)
    grid_out = time_grid(START_YEAR, START_YEAR + window, TIME_STEP)
    blocks = parse(core_path.read_text(encoding="utf-8"))[1]
    whole = {v for v in steps.initials if is_whole_initial(v, blocks)}  # its own value
    names = {by_canonical[c] for v, expr in steps.initials.items() if v not in whole
             for c in map(canonical, name_pattern(by_canonical).findall(expr))} | whole
    columns = sorted(set(steps.stocks + steps.smooths + list(steps.delays)) | names)
    members = len(next(iter(draws.values()))) if draws else 1
    constants = {n: np.empty((members, len(REGIONS))) for n in steps.constant_names()}
    paths = {n: np.zeros((members, len(grid_out), len(REGIONS))) for n in steps.path_names()}
    for i, region in enumerate(REGIONS):
        scenario = single_region_scenario(region, start_year=baseline(region).start_year)
        base = scenario.start_year
        grid = time_grid(base, START_YEAR + window, TIME_STEP)
        inputs = variant_inputs(scenario, (draws or {}).get(region) or [{}] * members, grid, model)
        times, out = run_cases(model, inputs, members, engine="batch", initial_time=base,
                               final_time=START_YEAR + window, time_step=TIME_STEP,
                               saveper=TIME_STEP, columns=columns)
        at = int(round((START_YEAR - base) / TIME_STEP))
        assert times[at] == START_YEAR and times[0] == base  # DT = 1/16 keeps the years exact
        constants[START_YEAR_NAME][:, i] = base
        for name in steps.stocks + steps.smooths:
            constants[f"{name} at circle start"][:, i] = out[name][:, at]
        for name, expr in steps.initials.items():
            if name in whole:
                constants[f"{name} initial value"][:, i] = out[name][:, 0]
                continue
            for m in range(members):
                values = {canonical(c): float(out[c][m, 0]) for c in names}
                constants[f"{name} initial value"][m, i] = _evaluate(expr, values)
        for name, delay in delay_of.items():
            k = int(round(delay / TIME_STEP))
            paths[f"{name} handed over"][:, :k, i] = out[name][:, at:at + k]
    return constants, paths
