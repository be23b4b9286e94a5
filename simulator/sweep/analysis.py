"""Sensitivity and discovery for a finished sweep: which levers matter, which ranges work.

For each target of the sweep's base scenario (the indicator in the target
year), :func:`analyze_sweep` computes

- sensitivity indices to each swept variable, by the design: Sobol' first-order
  and total indices [1]_ for a ``sobol`` design, Morris ``mu_star`` [2]_ for
  ``morris``, first-order indices by RBD-FAST [3]_ for ``latin_hypercube``
  and ``monte_carlo`` (all with SALib; with a few dozen runs their bootstrap
  confidence intervals are wide, and the tables give them); a ``grid`` gets
  none (no estimator of SALib fits a full factorial);
- the share of runs that meet the target, and a PRIM box
  (:mod:`simulator.sweep.prim`) of variable ranges in which it is met most often.

The share of runs is the probability of meeting the target only when the
design samples the ranges uniformly (Latin hypercube, Monte Carlo); for the
other designs it is a share of the design's points.

Tables go to ``DIR/analysis/`` (``targets.csv``, ``sensitivity.csv`` and
``.json``, ``prim.csv`` and ``.json``), written atomically.

References
----------
.. [1] Saltelli, A. et al. (2010), https://doi.org/10.1016/j.cpc.2009.09.018
.. [2] Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective
   screening design for sensitivity analysis of large models. Environmental
   Modelling & Software 22(10):1509-1518. https://doi.org/10.1016/j.envsoft.2006.10.004
.. [3] Tarantola, S., Gatelli, D., Mara, T. A. (2006). Random balance designs
   for the estimation of first order global sensitivity indices. Reliability
   Engineering & System Safety 91(6):717-727. https://doi.org/10.1016/j.ress.2005.06.003
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.results import atomic_write_text
from simulator.scenario import Scenario
from simulator.sweep.prim import prim_box
from simulator.sweep.store import load_results
from simulator.targets import is_met, track_ensemble

ANALYSIS = "analysis"
#: Bootstrap resamples for the confidence intervals of the indices.
NUM_RESAMPLES = 100


def sensitivity(
    method: str, problem: dict, x: np.ndarray, y: np.ndarray, *, seed: int, num_levels: int = 4
) -> pd.DataFrame:
    """Sensitivity indices of one output to each variable.

    Parameters
    ----------
    method : str
        The design method (see :data:`simulator.sweep.spec.METHODS`).
    problem : dict
        SALib problem.
    x : numpy.ndarray
        Design, ``(n_runs, n_variables)``.
    y : numpy.ndarray
        Output per run [unit of the indicator].
    seed : int
        Seed of the bootstrap.
    num_levels : int
        Morris levels.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``index``, ``value``, ``conf`` (95% bootstrap
        half-width); empty for a grid or an output that does not vary.
    """
    columns = ["variable", "index", "value", "conf"]
    if method == "grid" or np.ptp(y) == 0:
        return pd.DataFrame(columns=columns)
    if method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(
            problem, y, calc_second_order=False, num_resamples=NUM_RESAMPLES, seed=seed
        )
        pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
    elif method == "morris":
        from SALib.analyze import morris

        result = morris.analyze(
            problem, x, y, num_resamples=NUM_RESAMPLES, num_levels=num_levels, seed=seed
        )
        pairs = (("mu_star", "mu_star_conf"), ("sigma", None))
    else:
        from SALib.analyze import rbd_fast

        # RBD-FAST's bias correction divides by 1 - 2M/N on bootstrap halves of the runs, so the
        # harmonic count M (SALib default 10) must stay below N/4.
        harmonics = min(10, len(y) // 4 - 1)
        if harmonics < 1:
            return pd.DataFrame(columns=columns)
        result = rbd_fast.analyze(
            problem, x, y, M=harmonics, num_resamples=NUM_RESAMPLES, seed=seed
        )
        pairs = (("S1", "S1_conf"),)
    rows = []
    for index, conf in pairs:
        for j, name in enumerate(problem["names"]):
            rows.append(
                {
                    "variable": name,
                    "index": index,
                    "value": float(result[index][j]),
                    "conf": float(result[conf][j]) if conf else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _target_values(results: pd.DataFrame, indicator: str, year: int, n_runs: int) -> np.ndarray:
    rows = results[results["year"] == year].sort_values("run")
    if len(rows) != n_runs:
        return np.full(n_runs, np.nan)
    return rows[indicator].to_numpy(dtype=float)


def analyze_sweep(out: str | os.PathLike, *, alpha: float = 0.05, min_mass: float = 0.05) -> dict:
    """Analyse a finished sweep folder and write the tables to ``out/analysis``.

    Parameters
    ----------
    out : path
        The sweep folder.
    alpha, min_mass : float
        PRIM peel share and smallest box share [-] (:func:`simulator.sweep.prim.peel`).

    Returns
    -------
    dict
        ``targets`` (DataFrame), ``sensitivity`` (DataFrame), ``prim`` (list
        of dict), ``method``, ``notes``.
    """
    out = Path(out)
    design, results, manifest = load_results(out)
    spec = manifest["spec"]
    base = Scenario.from_dict(spec["base"])
    problem = {
        "num_vars": design.shape[1],
        "names": list(design.columns),
        "bounds": [[v["min"], v["max"]] for v in spec["vary"].values()],
    }
    method, seed = manifest["method"], manifest["seed"]
    x = design.to_numpy(dtype=float)
    notes = []
    if method == "grid":
        notes.append(
            "grid design: no sensitivity indices (SALib has no estimator for a full factorial)"
        )
    if method not in ("latin_hypercube", "monte_carlo"):
        notes.append(f"{method} design: p_met is the share of design points, not a probability")
    years = np.asarray(manifest["years"])
    wide = {
        name: results.pivot(index="run", columns="year", values=name).to_numpy()
        for name in manifest["indicators"]
    }
    table = track_ensemble(years, wide, base.targets) if base.targets else pd.DataFrame()
    sens, boxes = [], []
    for target in base.targets:
        label = f"{target.indicator}@{target.year}"
        y = _target_values(results, target.indicator, target.year, len(design))
        if np.isnan(y).any():
            notes.append(f"{label}: target year outside the run; skipped")
            continue
        frame = sensitivity(
            method, problem, x, y, seed=seed, num_levels=spec["design"].get("num_levels", 4)
        )
        if frame.empty and method != "grid":
            notes.append(f"{label}: the indicator does not vary across the sweep; no indices")
        frame.insert(0, "target", label)
        sens.append(frame)
        box = prim_box(
            x,
            is_met(y, target.value, target.bound),
            problem["names"],
            alpha=alpha,
            min_mass=min_mass,
        )
        boxes.append({"target": label, "bound": target.bound, "value": target.value, **box})
    if not base.targets:
        notes.append(
            "the base scenario has no targets: nothing to analyse (add 'targets' to the spec)"
        )
    sens_frame = (
        pd.concat(sens, ignore_index=True)
        if sens
        else pd.DataFrame(columns=["target", "variable", "index", "value", "conf"])
    )
    report = {
        "targets": table,
        "sensitivity": sens_frame,
        "prim": boxes,
        "method": method,
        "notes": notes,
    }
    _write(out / ANALYSIS, report)
    return report


def _prim_rows(boxes: list[dict]) -> pd.DataFrame:
    rows = []
    for box in boxes:
        common = {
            k: box[k]
            for k in ("target", "bound", "value", "mass", "density", "coverage", "base_density")
        }
        if not box["ranges"]:
            rows.append({**common, "variable": "", "low": np.nan, "high": np.nan})
        for name, (low, high) in box["ranges"].items():
            rows.append({**common, "variable": name, "low": low, "high": high})
    return pd.DataFrame(rows)


def _write(folder: Path, report: dict) -> None:
    atomic_write_text(folder / "targets.csv", report["targets"].to_csv(index=False))
    atomic_write_text(folder / "sensitivity.csv", report["sensitivity"].to_csv(index=False))
    records = json.loads(report["sensitivity"].to_json(orient="records"))
    payload = {"method": report["method"], "notes": report["notes"], "indices": records}
    atomic_write_text(
        folder / "sensitivity.json", json.dumps(payload, ensure_ascii=False, indent=1)
    )
    atomic_write_text(folder / "prim.csv", _prim_rows(report["prim"]).to_csv(index=False))
    atomic_write_text(
        folder / "prim.json", json.dumps(report["prim"], ensure_ascii=False, indent=1)
    )


def format_summary(report: dict) -> str:
    """Plain-text summary of :func:`analyze_sweep`'s report."""
    lines = [*report["notes"]]
    if not report["targets"].empty:
        from simulator.targets import format_table

        lines += [
            "",
            "targets over the sweep (p_met: share of runs meeting the target):",
            format_table(report["targets"]),
        ]
    if not report["sensitivity"].empty:
        pivot = report["sensitivity"].pivot_table(
            index=["target", "variable"], columns="index", values="value"
        )
        lines += ["", f"sensitivity ({report['method']} design):", pivot.round(3).to_string()]
    always = [b["target"] for b in report["prim"] if b["base_density"] == 1.0]
    never = [b["target"] for b in report["prim"] if b["base_density"] == 0.0]
    if always:
        lines.append(f"met in every run: {', '.join(always)}")
    if never:
        lines.append(f"met in no run: {', '.join(never)}")
    for box in report["prim"]:
        if box["base_density"] in (0.0, 1.0):
            continue
        ranges = (
            ", ".join(f"{k} in [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in box["ranges"].items())
            or "no restriction"
        )
        lines.append(
            f"PRIM {box['target']}: {ranges} -> met in {100 * box['density']:.0f}% of the box"
            f" (all runs: {100 * box['base_density']:.0f}%; box holds {100 * box['mass']:.0f}% of"
            " runs,"
            f" {100 * box['coverage']:.0f}% of successes)"
        )
    return "\n".join(lines)
