"""What the app's pages compute, without Streamlit.

界面逻辑:由滑块值生成情景、滑块范围、比较表、标签查找与模型结构图。

The pages (``simulator/app_pages``) hold widgets and charts only; everything
they need that is not drawing lives here and is tested without Streamlit:
scenario presets, slider ranges relative to a region's preset, building a
scenario from slider values, cache keys, comparison tables, labels in the
chosen language, and the model's causal graph with its feedback loops.
"""

from __future__ import annotations

import importlib
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.catalogue import CatalogueEntry
from simulator.errors import ScenarioError, did_you_mean
from simulator.model import CONTROL_NAMES, LoadedModel, load_model
from simulator.scenario import REGIONS, Scenario, Target, load_scenario

#: Scenario presets shipped per region, ``scenarios/<region>-<preset>.yaml``.
SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
PRESETS = ("baseline", "plan")

#: Region names: lowercase pinyin -> (Chinese, English).
REGION_NAMES = {
    "yibin": ("宜宾", "Yibin"),
    "suining": ("遂宁", "Suining"),
    "hechuan": ("合川", "Hechuan"),
    "ningxia": ("宁夏", "Ningxia"),
    "chengdu": ("成都", "Chengdu"),
}

#: A slider reaches this many times the preset value (if the valid range allows).
SLIDER_SPAN = 4.0
#: Steps per slider, roughly (the step is rounded to 1, 2 or 5 times a power of ten).
SLIDER_STEPS = 100

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


# ------------------------------------------------------------------ labels
def pick(zh: str, en: str, lang: str) -> str:
    """Return the Chinese or the English text (the other when one is empty)."""
    return (zh or en) if lang == "zh" else (en or zh)


def entry_label(entry: CatalogueEntry, lang: str) -> str:
    """Label of a lever, parameter or indicator in ``lang``."""
    return pick(entry.label_zh, entry.label_en, lang)


def entry_help(entry: CatalogueEntry, lang: str) -> str:
    """One-line help of a lever in ``lang``."""
    return pick(entry.help_zh, entry.help_en, lang)


def group_label(group: str, lang: str) -> str:
    """Label of a policy area (catalogue group); the key itself when unknown."""
    names = catalogue.groups().get(group)
    return pick(names["zh"], names["en"], lang) if names else group


def region_label(region: str | None, lang: str) -> str:
    """Name of a region in ``lang`` (``"—"`` for none)."""
    if not region:
        return "—"
    zh, en = REGION_NAMES.get(region, (region, region))
    return pick(zh, en, lang)


# ----------------------------------------------------------------- presets
def preset_path(region: str, preset: str) -> Path:
    """File of a region's preset scenario (it may not exist yet)."""
    return SCENARIOS_DIR / f"{region}-{preset}.yaml"


def available_presets(region: str) -> list[str]:
    """Presets of :data:`PRESETS` whose file exists for ``region``."""
    return [p for p in PRESETS if preset_path(region, p).is_file()]


def load_preset(region: str, preset: str, model: LoadedModel | None = None) -> Scenario:
    """Load and validate a region's preset scenario.

    Raises
    ------
    ScenarioError
        On an unknown region or preset (with the valid choices).
    FileNotFoundError
        If the preset file does not exist.
    """
    if region not in REGIONS:
        raise ScenarioError(
            f"unknown region {region!r}{did_you_mean(region, REGIONS)} (valid: {list(REGIONS)})"
        )
    if preset not in PRESETS:
        raise ScenarioError(f"unknown preset {preset!r} (valid: {list(PRESETS)})")
    return load_scenario(preset_path(region, preset), model)


def optional_module(name: str):
    """Import a module that another part of the project may not provide yet; None if absent."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            return None
        raise


# ----------------------------------------------------------------- sliders
@dataclass(frozen=True)
class SliderSpec:
    """Range, step and start value of one lever slider [lever unit]."""

    name: str
    low: float
    high: float
    step: float
    value: float


def nice_step(width: float, steps: int = SLIDER_STEPS) -> float:
    """Return a step of 1, 2 or 5 times a power of ten giving about ``steps`` steps over ``width``.

    Examples
    --------
    >>> nice_step(2400.0)
    50.0
    >>> nice_step(0.2)
    0.002
    """
    if not width > 0:
        raise ValueError(f"width must be positive, got {width!r}")
    raw = width / steps
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power * (1 + 1e-9):
            return float(f"{factor * power:.12g}")
    return float(f"{10 * power:.12g}")  # pragma: no cover - the loop always returns


def slider_spec(entry: CatalogueEntry, preset: float, span: float = SLIDER_SPAN) -> SliderSpec:
    """Slider range of a lever: its valid range clipped to ``0 .. span × preset``.

    Parameters
    ----------
    entry : CatalogueEntry
        The lever (its ``min``/``max`` are the model's valid range).
    preset : float
        The preset scenario's value of the lever [lever unit].
    span : float, default :data:`SLIDER_SPAN`
        Upper end as a multiple of the preset value. Where the preset value
        is 0, the model default is used instead, and where that is 0 too the
        valid maximum (or 1 when the range is open).

    Returns
    -------
    SliderSpec
        Always contains ``preset``; never leaves the valid range.
    """
    valid_low = 0.0 if entry.min is None else entry.min
    valid_high = math.inf if entry.max is None else entry.max
    low = max(valid_low, 0.0) if preset >= 0 else valid_low
    reference = next((v for v in (preset, entry.default) if v is not None and v > 0), None)
    high = (
        min(valid_high, span * reference)
        if reference
        else min(valid_high, 1.0 if math.isinf(valid_high) else valid_high)
    )
    high = max(high, preset)
    if high <= low:
        high = low + 1.0 if math.isinf(valid_high) else valid_high
    step = nice_step(high - low)
    high = min(valid_high, math.ceil((high - low) / step - 1e-9) * step + low)
    return SliderSpec(entry.name, float(low), float(high), step, float(preset))


def lever_value(scenario: Scenario, name: str, year: float, default: float) -> float:
    """Return a lever's value in ``year`` in ``scenario`` (``default`` when not set)."""
    path = scenario.levers.get(name)
    return default if path is None else float(path.values_on([year])[0])


def slider_specs(scenario: Scenario, model: LoadedModel | None = None) -> dict[str, SliderSpec]:
    """Slider of every lever, started at the preset's value in its end year."""
    entries = catalogue.levers(model or load_model())
    return {
        name: slider_spec(entry, lever_value(scenario, name, scenario.end_year, entry.default))
        for name, entry in entries.items()
    }


def levers_by_group(model: LoadedModel | None = None) -> dict[str, list[CatalogueEntry]]:
    """Levers grouped by policy area, in the catalogue's order of groups."""
    out: dict[str, list[CatalogueEntry]] = {}
    entries = catalogue.levers(model or load_model())
    for group in catalogue.groups():
        members = [e for e in entries.values() if e.group == group]
        if members:
            out[group] = members
    return out


def apply_levers(
    base: Scenario,
    values: dict[str, float],
    policy_year: int,
    model: LoadedModel | None = None,
) -> Scenario:
    """Build the scenario a planner set with the sliders.

    A lever whose slider still shows the preset value keeps the preset's path.
    A moved lever keeps the preset's path before ``policy_year`` and takes the
    slider value from ``policy_year`` on: a step path when the preset path is
    constant, otherwise a yearly path that holds the preset's value at the
    start of each earlier year.

    Parameters
    ----------
    base : Scenario
        The preset (or uploaded) scenario.
    values : dict of str to float
        Slider values by lever name [lever unit].
    policy_year : int
        First year of the new values.
    model : LoadedModel, optional

    Returns
    -------
    Scenario
        Validated; its name gets the suffix ``-custom`` when a lever moved.

    Raises
    ------
    ScenarioError
        If ``policy_year`` is not inside the horizon, or a value is invalid.
    """
    model = model or load_model()
    if not base.start_year < policy_year <= base.end_year:
        raise ScenarioError(
            f"policy year {policy_year} must be after {base.start_year}"
            f" and not after {base.end_year}"
        )
    entries = catalogue.levers(model)
    data = base.to_dict()
    changed = False
    for name, value in values.items():
        if name not in entries:
            raise ScenarioError(f"unknown lever {name!r}{did_you_mean(name, entries)}")
        preset = lever_value(base, name, base.end_year, entries[name].default)
        if math.isclose(value, preset, rel_tol=1e-9, abs_tol=1e-12):
            continue
        changed = True
        path = base.levers.get(name)
        before = (
            entries[name].default if path is None else lever_value(base, name, base.start_year, 0.0)
        )
        if path is None or path.kind == "constant":
            spec = {"type": "step", "year": policy_year, "before": before, "after": float(value)}
        else:
            years = range(base.start_year, policy_year)
            yearly = {y: lever_value(base, name, y, 0.0) for y in years}
            spec = {
                "type": "yearly",
                "before": before,
                "values": {**yearly, policy_year: float(value)},
            }
        data.setdefault("levers", {})[name] = spec
    if changed and not data["name"].endswith("-custom"):
        data["name"] = f"{data['name']}-custom"
    return Scenario.from_dict(data, model)


def scenario_key(scenario: Scenario) -> str:
    """Cache key of a scenario's results: its YAML text (equal scenarios, equal keys)."""
    return scenario.to_yaml()


def fmt_number(value: float) -> str:
    """Format a number for display: thousands separators, about four significant digits.

    Examples
    --------
    >>> fmt_number(13762.02), fmt_number(2.68931), fmt_number(0.0)
    ('13,762', '2.689', '0')
    """
    if not math.isfinite(value):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def valid_name(name: str) -> bool:
    """Whether ``name`` may name a saved scenario (letters, digits, ``-``, ``_``)."""
    return bool(_NAME.match(name))


# ----------------------------------------------------------- tables, charts
def all_targets(scenario: Scenario, documented: pd.DataFrame | None = None) -> list[Target]:
    """Collect the scenario's targets and the region's documented targets, each once.

    Scenario targets come first; a documented target for the same indicator
    and year is dropped, as are documented rows with weight 0 and indicators
    the model does not report.

    Parameters
    ----------
    scenario : Scenario
    documented : pandas.DataFrame, optional
        Targets from :func:`simulator.report.documented_points` (columns
        ``indicator``, ``year``, ``value_model``, ``bound``, ``source``).

    Returns
    -------
    list of Target
    """
    indicators = catalogue.indicators()
    out = list(scenario.targets)
    seen = {(t.indicator, t.year) for t in out}
    if documented is not None:
        for row in documented.to_dict("records"):
            key = (row["indicator"], int(row["year"]))
            if row.get("weight", 1) > 0 and key[0] in indicators and key not in seen:
                seen.add(key)
                out.append(
                    Target(
                        indicator=key[0],
                        year=key[1],
                        value=float(row["value_model"]),
                        bound=str(row.get("bound") or "equal"),
                        source=str(row.get("source", "")),
                    )
                )
    return out


def merge_targets(lists: list[list[Target]]) -> list[Target]:
    """Targets of several scenarios, each (indicator, year) once, first occurrence kept."""
    seen, out = set(), []
    for targets in lists:
        for target in targets:
            if (target.indicator, target.year) not in seen:
                seen.add((target.indicator, target.year))
                out.append(target)
    return out


def targets_frame(targets: list[Target]) -> pd.DataFrame:
    """Targets as a frame (``indicator``, ``year``, ``value``, ``bound``, ``source``) for charts."""
    return pd.DataFrame(
        [
            {
                "indicator": t.indicator,
                "year": t.year,
                "value": t.value,
                "bound": t.bound,
                "source": t.source,
            }
            for t in targets
        ],
        columns=["indicator", "year", "value", "bound", "source"],
    )


def long_series(frames: dict[str, pd.DataFrame], indicator: str) -> pd.DataFrame:
    """One indicator of several runs, long form (``year``, ``series``, ``value``) for a chart."""
    parts = [
        pd.DataFrame(
            {"year": frame.index.to_numpy(), "series": name, "value": frame[indicator].to_numpy()}
        )
        for name, frame in frames.items()
    ]
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["year", "series", "value"])
    )


def comparison_table(
    frames: dict[str, pd.DataFrame],
    indicators: list[str],
    years: list[int],
) -> pd.DataFrame:
    """Tabulate several scenarios in chosen years, with differences from the first.

    Parameters
    ----------
    frames : dict of str to pandas.DataFrame
        Scenario name to its results frame (index year); the first is the reference.
    indicators : list of str
    years : list of int

    Returns
    -------
    pandas.DataFrame
        One row per indicator and year: a column per scenario, then for every
        other scenario ``<name> − <first>`` and ``<name> − <first> %``.

    Raises
    ------
    ValueError
        If fewer than two scenarios are given or a year is outside a run.
    """
    if len(frames) < 2:
        raise ValueError(f"comparing needs at least two scenarios, got {len(frames)}")
    names = list(frames)
    first = names[0]
    rows = []
    for indicator in indicators:
        for year in years:
            row: dict[str, object] = {"indicator": indicator, "year": int(year)}
            for name in names:
                if year not in frames[name].index:
                    raise ValueError(f"year {year} is outside the run of {name!r}")
                row[name] = float(frames[name].at[year, indicator])
            for name in names[1:]:
                diff = row[name] - row[first]
                row[f"{name} − {first}"] = diff
                row[f"{name} − {first} %"] = 100 * diff / row[first] if row[first] else math.nan
            rows.append(row)
    return pd.DataFrame(rows)


def band_frame(years, runs, low: float = 0.05, high: float = 0.95) -> pd.DataFrame:
    """Quantile band of an ensemble of runs: ``year``, ``low``, ``median``, ``high``.

    Parameters
    ----------
    years : array_like
        Output years [year].
    runs : array_like
        Shape ``(n_runs, n_years)``.
    low, high : float
        Quantiles of the band (default 5% and 95%).
    """
    runs = np.asarray(runs, dtype=float)
    if runs.ndim != 2 or runs.shape[1] != len(years):
        raise ValueError(f"runs must have shape (n_runs, {len(years)}), got {runs.shape}")
    q = np.nanquantile(runs, [low, 0.5, high], axis=0)
    return pd.DataFrame(
        {"year": np.asarray(years, dtype=int), "low": q[0], "median": q[1], "high": q[2]}
    )


def fastest_engine() -> str:
    """Return the engine to ask for: ``"auto"`` (batch engine where it compiles) when offered."""
    from simulator import runner

    return next(e for e in ("auto", "batch", "pysd") if e in runner.ENGINES)


#: Calibration reports written by ``python -m simulator calibrate`` (one folder per region).
REPORTS_DIR = Path(__file__).resolve().parents[1] / "calibration" / "reports"


def calibration_report(region: str, reports_dir: Path = REPORTS_DIR) -> dict[str, Path]:
    """Files of a region's calibration report that exist: ``fit.md``, ``fit.png``, CSV tables.

    Returns
    -------
    dict of str to pathlib.Path
        File name to path; empty when there is no report for ``region``.
    """
    folder = Path(reports_dir) / region
    names = ("fit.md", "fit.png", "fit_statistics.csv", "fit_points.csv", "forecast.csv")
    return {name: folder / name for name in names if (folder / name).is_file()}


def ensemble_arrays(ensemble) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return years and arrays ``(n_runs, n_years)`` of a ``simulator.ensemble.Ensemble``."""
    return np.asarray(ensemble.years), {name: np.asarray(v) for name, v in ensemble.values.items()}


def results_csv(frame: pd.DataFrame, units: dict[str, str]) -> bytes:
    """Encode results as UTF-8 CSV with a BOM (spreadsheets then read Chinese), units in row 2."""
    table = frame.reset_index()
    unit_row = pd.DataFrame([{"year": "unit", **{c: units.get(c, "") for c in frame.columns}}])
    return ("\ufeff" + pd.concat([unit_row, table.astype(object)]).to_csv(index=False)).encode(
        "utf-8"
    )


def figure_png(figure) -> bytes:
    """PNG bytes of a matplotlib figure."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


# ------------------------------------------------------- model structure
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
    deps = model.pysd_model.dependencies
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
        label = info.vensim_name
        entry = levers.get(name) or by_vensim.get(info.vensim_name)
        if entry is not None and lang == "zh":
            label = f"{entry.label_zh}\\n{info.vensim_name}"
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


@lru_cache(maxsize=4)
def equations(model_path: Path) -> dict[str, str]:
    """Each variable's equation as written in the Vensim file, by Vensim name.

    Read with PySD's own Vensim parser (``VensimFile``), not by re-parsing
    the text here.
    """
    from pysd.translators.vensim.vensim_file import VensimFile

    vensim = VensimFile(model_path)
    vensim.parse()
    out = {}
    for section in vensim.sections:
        for element in section.elements:
            name = getattr(element, "name", None)
            if name and hasattr(element, "expression"):
                out[name] = " ".join(str(element.expression).split())
    return out


def variables_table(model: LoadedModel | None = None) -> pd.DataFrame:
    """Every documented variable: name, kind, unit, equation and source comment."""
    model = model or load_model()
    eqs = equations(model.path)
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
