"""Run a twin-city sweep spec into a results folder, resumably, and analyse it.

The folder is the single-region sweep's (:mod:`simulator.sweep.store`):
``manifest.json``, ``design.parquet``, one Parquet file per chunk with a column
``indicator[region]`` per stored indicator and region, ``analysis/``. Each chunk
is one batch-engine call (the runs stacked on the scenario axis), in-process:
the twin model is vectorised, so it needs no worker pool. A chunk counts as
done when its file validates; ``resume`` runs only the others, and refuses a
folder holding another sweep (any field of :data:`simulator.sweep.store.RESUME_KEYS`).

The analysis tracks each region's plan targets (in the stored regions and
indicators, in years the run covers) over the runs (the share meeting each)
and gives their sensitivity indices to each variable, as
:func:`simulator.sweep.analysis.analyze_sweep` does for one region.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import simulator.sweep.store as store
from simulator import catalogue
from simulator.engine.model import load_model
from simulator.engine.timegrid import check_run_steps, time_grid
from simulator.errors import ScenarioError
from simulator.results import atomic_write_text, data_version, file_sha256
from simulator.sweep.analysis import ANALYSIS, sensitivity
from simulator.sweep.design import design_sha256, make_design
from simulator.sweep.run import _versions
from simulator.sweep.spec import DEFAULT_CHUNK_SIZE
from simulator.targets import format_table, track_ensemble
from simulator.twin_city.coupling import STRENGTHS
from simulator.twin_city.generate import TWIN_MODEL
from simulator.twin_city.regions import REGIONS, START_YEAR
from simulator.twin_city.run import (
    STRENGTH_VENSIM,
    TIME_STEP,
    check_strengths,
    lever_inputs,
    run_batch,
)
from simulator.twin_city.scenario import strengths
from simulator.twin_city.sweep_spec import TwinSweepSpec
from simulator.twin_city.targets import all_targets


def run_rows(spec: TwinSweepSpec, rows: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run the design ``rows`` in one batch call; per stored column ``(runs, years)``."""
    runs = len(rows)
    per_run = [strengths(spec.scenario_for(row), with_measures=True) for row in rows]
    inputs = {}
    for name in per_run[0]:
        dims = STRENGTHS[name][0]
        inputs[name] = np.concatenate([s[name][None] if s[name].ndim == dims else s[name]
                                       for s in per_run])  # (runs, ...) or (runs, n_grid, ...)
    inputs = {STRENGTH_VENSIM[k]: v for k, v in check_strengths(inputs).items()}
    end = spec.scenario.end_year
    for name, path in lever_inputs(time_grid(START_YEAR, end, TIME_STEP)).items():
        inputs[name] = np.broadcast_to(path, (runs,) + path.shape[1:])
    entries = catalogue.indicators(load_model())
    vensim = {i: entries[i].vensim_name for i in spec.indicators}
    years, out = run_batch(inputs, list(dict.fromkeys(vensim.values())), runs, end_year=end)
    values = {f"{i}[{r}]": out[vensim[i]][:, :, REGIONS.index(r)]
              for i in spec.indicators for r in spec.regions}
    return years, values


def build_manifest(spec: TwinSweepSpec, design: pd.DataFrame, chunk_size: int) -> dict:
    """Describe a twin-city sweep for its folder's manifest."""
    return {
        "format": 1, "kind": "twin-city", "name": spec.name, "spec_file": spec.source,
        "spec": spec.to_dict(), "engine": "batch", "model_file": TWIN_MODEL.name,
        "model_sha256": file_sha256(TWIN_MODEL), "base_file": spec.base_file,
        "base_sha256": file_sha256(spec.base_file), "data_sha256": data_version(),
        "versions": _versions(), "seed": spec.seed, "method": spec.method,
        "design_size": len(design), "design_sha256": design_sha256(design),
        "chunk_size": chunk_size, "n_chunks": math.ceil(len(design) / chunk_size),
        "indicators": spec.columns,
        "years": list(range(START_YEAR, spec.scenario.end_year + 1)),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def run_twin_sweep(spec: TwinSweepSpec, out: str | os.PathLike, *, resume: bool = False,
                   chunk_size: int | None = None, progress: bool = True) -> dict:
    """Run (or with ``resume`` finish) a twin-city sweep into ``out``.

    Returns
    -------
    dict
        ``runs``, ``chunks``, ``chunks_done_before``, ``chunks_run``, ``backend``.
    """
    if chunk_size is not None and (isinstance(chunk_size, bool) or chunk_size < 1):
        raise ValueError(f"chunk size must be a whole number >= 1, got {chunk_size!r}")
    out = Path(out)
    old = store.read_manifest(out) if out.is_dir() else None
    store.check_sweep_folder(out, has_manifest=old is not None)
    if old is not None and not resume:
        raise ScenarioError(f"'{out}' already holds a sweep; pass --resume to finish it, or"
                            " choose another --out")
    size = chunk_size or spec.chunk_size or (old or {}).get("chunk_size") or DEFAULT_CHUNK_SIZE
    design = make_design(spec)
    steps = len(time_grid(START_YEAR, spec.scenario.end_year, TIME_STEP))
    check_run_steps(min(size, len(design)) * len(REGIONS), steps,
                    f"a chunk of {min(size, len(design)):,} runs of {len(REGIONS)} regions",
                    "lower chunk_size (--chunk-size)")
    manifest = build_manifest(spec, design, size)
    if old is not None:
        store.check_resumable(old, manifest, out)
        manifest["created"] = old.get("created", manifest["created"])
    out.mkdir(parents=True, exist_ok=True)
    with store.writer_lock(out):
        todo = store.prepare_folder(out, old, design, manifest)
        n_runs, n_chunks = len(design), manifest["n_chunks"]
        columns, digest = manifest["indicators"], manifest["design_sha256"]
        values = design.to_numpy(dtype=float)
        for done, index in enumerate(todo):
            runs = store.chunk_runs(index, size, n_runs)
            run_years, result = run_rows(spec, values[runs.start:runs.stop])
            store.write_chunk(out, index, runs, np.asarray(run_years), result, columns, digest)
            if progress:
                print(f"\r{spec.name}: chunk {done + 1}/{len(todo)}", end="", file=sys.stderr)
        if progress and todo:
            print(file=sys.stderr)
    return {"runs": n_runs, "chunks": n_chunks, "chunks_done_before": n_chunks - len(todo),
            "chunks_run": len(todo), "backend": "in-process (batch engine, one call a chunk)"}


def analyze_twin_sweep(out: str | os.PathLike) -> dict:
    """Track the regions' targets over a finished twin-city sweep; write ``out/analysis``.

    Returns
    -------
    dict
        ``targets`` (a row per region and target: the share of runs meeting
        it), ``sensitivity`` (per target and variable), ``method``, ``notes``.
    """
    out = Path(out)
    design, results, manifest = store.load_results(out)
    spec = manifest["spec"]
    method, years = manifest["method"], np.asarray(manifest["years"])
    problem = {"num_vars": design.shape[1], "names": list(design.columns),
               "bounds": [[v["min"], v["max"]] for v in spec["vary"].values()]}
    x = design.to_numpy(dtype=float)
    notes = [] if method in ("latin_hypercube", "monte_carlo") else [
        f"{method} design: p_met is the share of design points, not a probability"]
    tables, sens = [], []
    stored = set(manifest["indicators"])
    for region, targets in all_targets().items():
        kept = [t for t in targets if f"{t.indicator}[{region}]" in stored and t.year in years]
        if not kept:
            continue
        wide = {t.indicator: results.pivot(index="run", columns="year",
                                           values=f"{t.indicator}[{region}]").to_numpy()
                for t in kept}
        tables.append(track_ensemble(years, wide, kept).assign(region=region))
        for target in kept:
            y = wide[target.indicator][:, list(years).index(target.year)]
            frame = sensitivity(method, problem, x, y, seed=manifest["seed"],
                                num_levels=spec["design"].get("num_levels", 4))
            frame.insert(0, "target", f"{region}:{target.indicator}@{target.year}")
            sens.append(frame)
    if not tables:
        notes.append("no region's plan target is among the stored indicators and regions")
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if not table.empty:
        table = table[["region"] + [c for c in table.columns if c != "region"]]
    sens_frame = (pd.concat(sens, ignore_index=True) if sens else
                  pd.DataFrame(columns=["target", "variable", "index", "value", "conf"]))
    atomic_write_text(out / ANALYSIS / "targets.csv", table.to_csv(index=False))
    atomic_write_text(out / ANALYSIS / "sensitivity.csv", sens_frame.to_csv(index=False))
    return {"targets": table, "sensitivity": sens_frame, "method": method, "notes": notes}


def format_twin_summary(report: dict) -> str:
    """Plain-text summary of :func:`analyze_twin_sweep`'s report."""
    lines = [*report["notes"]]
    if not report["targets"].empty:
        lines += ["", "each region's targets over the sweep (p_met: share of runs meeting it):",
                  format_table(report["targets"])]
    frame = report["sensitivity"].dropna(subset=["value"])
    if not frame.empty:
        pivot = frame.pivot_table(index=["target", "variable"], columns="index", values="value")
        lines += ["", f"sensitivity ({report['method']} design):", pivot.round(3).to_string()]
    return "\n".join(lines)
