"""Run a goal seek end to end and report it: the mix, its re-check, the trade-off, files.

:func:`optimise` is the one call the CLI's ``optimise`` command and the
app's 目标反推 / Goal seeking page make (Streamlit-free; progress through a
callback). :func:`write_outputs` writes, atomically, into one folder:

``scenario.yaml``
    the cheapest mix as a scenario that ``run`` and ``targets`` accept;
``targets.csv``
    each target's required and achieved probability (optimised ensemble and
    fresh re-check ensemble), value of the deciding member, margin, binds;
``pareto.csv``, ``pareto.png``
    the cost-probability trade-off (Chinese and English labels);
``summary.json``
    cost, levers, statement, method, model runs, and provenance (model hash,
    parameters, data version, package versions).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.ensemble import MAX_IN_MEMORY
from simulator.goal_seek import DEFAULT_SEED
from simulator.goal_seek.evaluate import EnsembleEvaluator
from simulator.goal_seek.problem import BINDING_MARGIN, GoalProblem, build_problem
from simulator.goal_seek.search import MAXITER, POPSIZE, Progress, SearchResult, goal_seek
from simulator.goal_seek.search import pareto_front as _front
from simulator.scenario import Scenario

#: Probability levels of the trade-off table [-].
FRONT_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


@dataclass
class GoalSeekResult:
    """A finished goal seek.

    Attributes
    ----------
    problem : GoalProblem
    search : SearchResult
    scenario : Scenario
        The chosen mix as a scenario.
    table : pandas.DataFrame
        One row per target (see :func:`target_table`).
    pareto : pandas.DataFrame
        The cost-probability trade-off.
    plan_cost : float
        Cost of the scenario's own mix of the decision levers [亿元].
    plan_probability : numpy.ndarray
        Its probability of each target, on the same ensemble [-].
    recheck_seed : int
    statement_zh, statement_en : str
        Plain statements of the answer.
    metadata : dict
        Provenance and settings.
    """

    problem: GoalProblem
    search: SearchResult
    scenario: Scenario
    table: pd.DataFrame
    pareto: pd.DataFrame
    plan_cost: float
    plan_probability: np.ndarray
    recheck_seed: int
    statement_zh: str
    statement_en: str
    metadata: dict = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        """Whether the mix meets every target with the required probability."""
        return self.search.feasible


#: Bounds of a goal seek's settings, checked before any run (#22): the ensemble as one held
#: in memory (every candidate runs on all of it at once; it is not streamed), the workers
#: as a sweep's; population and generations so that a typo cannot start a search of years.
MAX_ENSEMBLE, MAX_WORKERS, MAX_POPSIZE, MAX_MAXITER = MAX_IN_MEMORY, 256, 100, 10_000
#: Most bytes of inputs one generation may hold: every candidate x member gets a path of
#: each lever and parameter on the integration grid (float64), all at once.
MAX_GENERATION_BYTES = 1 << 30


def _check_sizes(n, seed, recheck_seed, popsize, maxiter, workers) -> None:
    """Refuse a setting out of its bound, naming the option, before any work."""
    for what, value, low, high in (("ensemble", n, 1, MAX_ENSEMBLE),
                                   ("seed", seed, 0, None),
                                   ("recheck seed", recheck_seed, 0, None),
                                   ("popsize", popsize, 1, MAX_POPSIZE),
                                   ("maxiter", maxiter, 0, MAX_MAXITER),
                                   ("workers", workers, 1, MAX_WORKERS)):
        if value is None and what == "recheck seed":
            continue
        whole = not isinstance(value, bool) and isinstance(value, (int, np.integer))
        if not whole or value < low or (high is not None and value > high):
            valid = f"between {low} and {high:,}" if high is not None else f">= {low}"
            raise ValueError(f"goal seek {what} must be a whole number {valid}, got {value!r}")


def _check_generation_memory(problem: GoalProblem, n: int, popsize: int, scenario) -> None:
    """Refuse a search whose generation of candidates x members would not fit in memory."""
    from simulator.engine.timegrid import time_grid

    candidates = popsize * max(len(problem.decisions), 1)  # scipy's population
    steps = len(time_grid(scenario.start_year, problem.by_year, scenario.time_step))
    paths = len(problem.decisions) + 1
    need = candidates * n * steps * paths * 8
    if need > MAX_GENERATION_BYTES:
        raise ValueError(
            f"goal seek: a generation of {candidates} candidates x {n:,} members x {steps:,}"
            f" time steps needs about {need / 2**30:.1f} GiB of inputs, over the bound of"
            f" {MAX_GENERATION_BYTES / 2**30:.0f} GiB; lower --ensemble or --popsize, or use"
            " a larger time step"
        )


def optimise(
    scenario: Scenario,
    *,
    probability: float = 0.8,
    levers: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    budget: float | None = None,
    by_year: int | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    n: int = 200,
    seed: int = DEFAULT_SEED,
    recheck_seed: int | None = None,
    engine: str = "auto",
    popsize: int = POPSIZE,
    maxiter: int = MAXITER,
    progress: Callable[[Progress], None] | None = None,
    costs=None,
    workers: int = 1,
    start_in_target_year: bool = False,
) -> GoalSeekResult:
    """Find the cheapest mix reaching a scenario's targets with probability ``p``.

    Parameters
    ----------
    scenario : Scenario
        The plan: targets, levers, uncertainty.
    probability, levers, targets, budget, by_year, bounds, costs, start_in_target_year
        See :func:`simulator.goal_seek.problem.build_problem`.
    n : int, default 200
        Ensemble members.
    seed : int, default DEFAULT_SEED
        Seed of the ensemble draws and of the search.
    recheck_seed : int, optional
        Seed of the fresh re-check ensemble (default ``seed + 1``).
    engine : {"auto", "batch", "pysd"}
    popsize, maxiter : int
        Differential evolution settings (:func:`simulator.goal_seek.search.goal_seek`).
    progress : callable, optional
        Receives a :class:`~simulator.goal_seek.search.Progress` after each
        population (the app's progress bar); raise in it to cancel.
    workers : int, default 1
        Processes each population is split between (the answer does not
        depend on it).

    Returns
    -------
    GoalSeekResult

    Raises
    ------
    ValueError, ScenarioError, UnknownNameError
        On bad input, before any model run.
    """
    _check_sizes(n, seed, recheck_seed, popsize, maxiter, workers)
    started = time.perf_counter()
    problem = build_problem(scenario, probability=probability, levers=levers, targets=targets,
                            budget=budget, by_year=by_year, bounds=bounds, costs=costs,
                            start_in_target_year=start_in_target_year)
    _check_generation_memory(problem, n, popsize, scenario)
    evaluate = EnsembleEvaluator(problem, n, seed, engine=engine, workers=workers)
    plan_x = problem.plan_vector()[None]
    plan_out = evaluate(plan_x)
    plan_cost = float(problem.cost(plan_x, plan_out)[0])
    plan_probability = problem.assess(plan_out)[0][0]
    with evaluate:
        search = goal_seek(problem, evaluate, seed=seed, popsize=popsize, maxiter=maxiter,
                           progress=progress)
    recheck_seed = int(seed) + 1 if recheck_seed is None else int(recheck_seed)
    fresh = EnsembleEvaluator(problem, n, recheck_seed, engine=engine, model=evaluate.model)
    recheck = problem.assess(fresh(search.x[None]))
    table = target_table(problem, search, recheck, plan_probability)
    pareto = pareto_table(problem, search)
    zh, en = statements(problem, search, table)
    from simulator.runner import provenance

    chosen = problem.scenario_for(search.x)
    metadata = provenance(evaluate.model.path, evaluate.model.sha256, chosen.to_dict(),
                          evaluate.engine)
    metadata.update(
        base_scenario=scenario.name,
        settings={"probability": problem.probability, "ensemble": n, "seed": int(seed),
                  "recheck_seed": recheck_seed, "budget": problem.budget,
                  "first_year": problem.first_year, "by_year": problem.by_year,
                  "latest_start": problem.latest_start,
                  "levers": [d.lever for d in problem.decisions],
                  "bounds": {d.lever: [d.low, d.high] for d in problem.decisions},
                  "targets": [t.to_dict() for t in problem.targets],
                  "popsize": popsize, "maxiter": maxiter, "workers": workers},
        costs={"file": Path(problem.costs.source).name,
               "discount_rate": problem.costs.discount_rate,
               "levers": {d.lever: _cost_entry(problem, d.lever) for d in problem.decisions}},
        ensemble={"source": evaluate.source, "notes": list(evaluate.notes)},
        method=search.method,
        surrogate="shortfall of the ceil(pN)-th best member's relative margin (empirical"
                  " 1-p quantile); feasible mixes ranked by cost, infeasible ones after them"
                  " by total shortfall",
        candidates=search.candidates,
        model_runs=evaluate.runs + fresh.runs,
        model_runs_search=search.runs,
        elapsed_s=round(time.perf_counter() - started, 2),
    )
    return GoalSeekResult(problem=problem, search=search, scenario=chosen, table=table,
                          pareto=pareto, plan_cost=plan_cost, plan_probability=plan_probability,
                          recheck_seed=recheck_seed, statement_zh=zh, statement_en=en,
                          metadata=metadata)


def _cost_entry(problem: GoalProblem, lever: str) -> dict:
    price = problem.costs.levers[lever]
    out = {"status": price.status}
    if price.indicator:
        out["indicator"] = price.indicator
    else:
        out["per_unit"] = price.per_unit
    return out


def target_table(problem: GoalProblem, search: SearchResult, recheck, plan_probability
                 ) -> pd.DataFrame:
    """One row per target: required and achieved probabilities, margin, whether it binds.

    Returns
    -------
    pandas.DataFrame
        ``indicator, label_zh, label_en, unit, year, bound, target, threshold, p_required,
        p_met`` (optimised ensemble), ``p_recheck`` (fresh ensemble),
        ``p_plan`` (the scenario's own mix), ``threshold`` (the value that
        meets the target [unit]), ``value_at_p`` (the deciding
        member's value [unit]), ``margin_pct`` [%], ``met``, ``binds``.
    """
    from simulator import catalogue

    entries = catalogue.indicators()
    rows = []
    for k, target in enumerate(problem.targets):
        entry = entries[target.indicator]
        margin = float(search.margin[k])
        rows.append({
            "indicator": target.indicator, "label_zh": entry.label_zh,
            "label_en": entry.label_en, "unit": entry.unit, "year": target.year,
            "bound": target.bound, "target": target.value,
            "threshold": problem.threshold(target)[0],
            "p_required": problem.probability, "p_met": float(search.probability[k]),
            "p_recheck": float(recheck[0][0, k]), "p_plan": float(plan_probability[k]),
            "value_at_p": float(search.quantile[k]), "margin_pct": 100 * margin,
            "met": margin >= 0, "binds": margin >= 0 and margin <= BINDING_MARGIN,
        })
    return pd.DataFrame(rows)


def pareto_table(problem: GoalProblem, search: SearchResult) -> pd.DataFrame:
    """Tabulate the trade-off: the cheapest archived mix per probability level, with its levers."""
    archive = search.archive.arrays()
    rows = []
    for row in _front(problem, search.archive, FRONT_LEVELS):
        out = {"probability": row["probability"], "cost": row["cost"],
               "min_probability": row["min_probability"]}
        if row["index"] >= 0:
            levels, starts = problem.decode(archive["x"][row["index"]])
            for i, d in enumerate(problem.decisions):
                out[d.lever] = float(levels[0, i])
                if d.timing:
                    out[f"{d.lever}_start"] = int(starts[0, i])
        rows.append(out)
    return pd.DataFrame(rows)


def statements(problem: GoalProblem, search: SearchResult, table: pd.DataFrame
               ) -> tuple[str, str]:
    """Plain statements of the answer, in Chinese and English."""
    years = f"{problem.first_year}-{problem.by_year}"
    rate = f"{100 * problem.costs.discount_rate:g}%"
    p = f"{100 * problem.probability:g}%"
    if search.feasible:
        binds = ", ".join(table.loc[table["binds"], "indicator"]) or "-"
        return (
            f"最低成本组合:{years}年累计贴现财政成本 {search.cost:.4g} 亿元(折现率 {rate}),"
            f"每项目标达成概率均不低于 {p}。起约束作用的目标:{binds}。",
            f"Cheapest mix found: cumulative discounted fiscal cost {search.cost:.4g} 亿元 over"
            f" {years} (discount rate {rate}); every target is met with probability >= {p}."
            f" Binding targets: {binds}.",
        )
    missed = table[~table["met"]]
    met = int(table["met"].sum())
    over = problem.budget is not None and search.cost > problem.budget
    within = "预算内" if problem.budget is not None and not over else ""
    zh = [f"在给定政策杠杆和范围内,目标无法以 {p} 的概率全部达成({within}最多达成"
          f" {met}/{len(table)} 项)。"]
    en = [f"The targets are out of reach with the given levers at probability {p}: at most {met}"
          f" of {len(table)} are met{' within the budget' if within else ''}."]
    if over:
        zh.append(f"所试组合均超出预算 {problem.budget:g} 亿元。")
        en.append(f"No mix tried stays within the budget of {problem.budget:g} 亿元.")
    for r in missed.itertuples():
        zh.append(f"{r.label_zh}({r.year}年)在{p}概率下为 {r.value_at_p:.4g}{r.unit},"
                  f"比达标线 {r.threshold:.4g}(目标 {r.target:g})差 {-r.margin_pct:.3g}%"
                  f"(达成概率 {100 * r.p_met:.0f}%)。")
        en.append(f"{r.label_en} ({r.year}) reaches {r.value_at_p:.4g} {r.unit} at {p},"
                  f" {-r.margin_pct:.3g}% short of the {r.threshold:.4g} that meets the target"
                  f" {r.target:g} (probability"
                  f" {100 * r.p_met:.0f}%).")
    if problem.budget is not None:
        from simulator.goal_seek.search import cheapest_meeting_targets

        need = cheapest_meeting_targets(problem, search.archive)
        if math.isfinite(need) and need > problem.budget:
            zh.append(f"满足全部目标的最低成本组合需 {need:.4g} 亿元,"
                      f"超出预算 {need - problem.budget:.4g} 亿元。")
            en.append(f"The cheapest mix meeting every target costs {need:.4g} 亿元,"
                      f" {need - problem.budget:.4g} 亿元 over the budget of {problem.budget:g}.")
    zh.append(f"所示组合成本 {search.cost:.4g} 亿元。")
    en.append(f"The mix shown costs {search.cost:.4g} 亿元.")
    return "".join(zh), " ".join(en)


def format_report(result: GoalSeekResult) -> str:
    """Plain-text report for the command line."""
    problem, search = result.problem, result.search
    levels, starts = problem.decode(search.x)
    lines = [result.statement_zh, result.statement_en, "",
             "lever 杠杆                              level 水平    from 起始年  (plan 规划)"]
    for i, d in enumerate(problem.decisions):
        lines.append(f"{d.lever:36s} {levels[0, i]:12.4g} {int(starts[0, i]):8d}"
                     f"   ({d.current:g}) [{d.unit}]")
    lines.append("")
    shown = result.table[["indicator", "year", "bound", "target", "p_met", "p_recheck", "p_plan",
                          "value_at_p", "margin_pct", "binds"]].copy()
    for column in ("p_met", "p_recheck", "p_plan"):
        shown[column] = (100 * shown[column]).map(lambda v: f"{v:.0f}%")
    lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    lines.append("")
    meta = result.metadata
    lines.append(
        f"plan's own mix 规划组合: cost {result.plan_cost:.4g} 亿元, lowest probability"
        f" {100 * float(np.min(result.plan_probability)):.0f}%."
        f" p_met on the search ensemble (seed {meta['settings']['seed']}), p_recheck on a fresh"
        f" one (seed {result.recheck_seed}), {meta['settings']['ensemble']} members each."
    )
    lines.append(f"{search.method}: {search.candidates} candidates, {meta['model_runs']} model runs"
                 f" in {meta['elapsed_s']:.1f} s ({meta['engine']} engine)")
    return "\n".join(lines)


def plot_front(result: GoalSeekResult):
    """Draw the cost-probability trade-off (Chinese and English labels).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    from simulator.plotting import use_cjk_font

    family = use_cjk_font(set_default=False)
    front = result.pareto.dropna(subset=["cost"])
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    ax.step(100 * front["probability"], front["cost"], where="pre", marker="o", color="C0",
            label="最低成本 cheapest mix")
    if result.feasible:
        ax.scatter([100 * result.problem.probability], [result.search.cost], color="C3", zorder=3,
                   s=40, label="所选组合 chosen mix")
    ax.scatter([100 * float(np.min(result.plan_probability))], [result.plan_cost], color="C2",
               marker="x", zorder=3, s=40, label="规划组合 plan's mix")
    if result.problem.budget is not None:
        ax.axhline(result.problem.budget, color="grey", ls="--", label="预算 budget")
    font = {"family": family}
    ax.set_xlabel("全部目标的最低达成概率 [%] / lowest probability over the targets [%]",
                  fontdict=font)
    ax.set_ylabel("累计贴现财政成本 [亿元] / discounted fiscal cost [亿元]", fontdict=font)
    p = result.problem
    ax.set_title(f"{p.scenario.title_zh or p.scenario.name}\n成本-概率权衡 cost-probability"
                 f" trade-off ({p.first_year}-{p.by_year})", fontdict={**font, "fontsize": 9})
    from matplotlib import font_manager

    ax.legend(prop=font_manager.FontProperties(family=family, size=8), frameon=False)
    return fig


def write_outputs(result: GoalSeekResult, out_dir: str | Path) -> list[Path]:
    """Write the result's files atomically into ``out_dir`` (see the module docstring).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from simulator.results import atomic_target, atomic_write_text
    from simulator.scenario import save_scenario

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "scenario.yaml", out / "targets.csv", out / "pareto.csv",
               out / "pareto.png", out / "summary.json"]
    save_scenario(result.scenario, written[0])
    atomic_write_text(written[1], result.table.to_csv(index=False))
    atomic_write_text(written[2], result.pareto.to_csv(index=False))
    fig = plot_front(result)
    with atomic_target(written[3]) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    levels, starts = result.problem.decode(result.search.x)
    summary = {
        "feasible": result.feasible,
        "cost_yi_yuan": result.search.cost,
        "plan_cost_yi_yuan": result.plan_cost,
        "statement_zh": result.statement_zh,
        "statement_en": result.statement_en,
        "levers": {d.lever: {"level": float(levels[0, i]), "start_year": int(starts[0, i]),
                             "unit": d.unit, "plan_level": d.current}
                   for i, d in enumerate(result.problem.decisions)},
        "targets": json.loads(result.table.to_json(orient="records", force_ascii=False)),
        **result.metadata,
    }
    atomic_write_text(written[4], json.dumps(_finite(summary), ensure_ascii=False, indent=1))
    return written


def _finite(value):
    """Replace NaN/inf (not JSON) by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
