"""Run a sweep in chunks on one of three backends, streaming results to Parquet.

Backends (chosen by :func:`run_sweep`'s arguments):

- in-process (``workers=1``): simplest, for debugging and small sweeps;
- a local process pool (default, ``workers`` processes, ``spawn`` start
  method so no worker inherits threads of the parent);
- Dask distributed: an existing cluster (``scheduler="tcp://host:8786"``) or a
  ``LocalCluster`` of ``dask_local`` workers bound to 127.0.0.1 only.

Workers run chunks with :func:`simulator.runner.run_variants` and return the
arrays; the parent writes each chunk's file as it arrives, so a remote
cluster needs no shared file system. Each run is deterministic and the design
is fixed before the split, so results are identical whatever the backend,
worker count or chunk size.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import sys
from collections.abc import Mapping
from functools import cached_property
from importlib import metadata as _metadata
from pathlib import Path

import numpy as np

import simulator.sweep.store as store
from simulator.engine.dispatch import map_chunks, resolve_engine
from simulator.engine.timegrid import check_run_steps, time_grid
from simulator.engine.translation import file_sha256
from simulator.errors import ScenarioError
from simulator.results import data_version, package_versions
from simulator.sweep.design import design_sha256, make_design
from simulator.sweep.spec import DEFAULT_CHUNK_SIZE, SweepSpec

#: Most local worker processes a sweep starts (each loads the model: about 250 MB).
MAX_WORKERS = 256


def run_chunk(overrides: list[dict], base: dict, indicators: list[str], engine: str):
    """Run one chunk of a sweep (executed in a worker).

    Parameters
    ----------
    overrides : list of dict
        Per run, lever and parameter overrides.
    base : dict
        The base scenario in file form.
    indicators : list of str
    engine : str

    Returns
    -------
    years : numpy.ndarray
    values : dict of str to numpy.ndarray
        Indicator to ``(len(overrides), len(years))``.
    """
    from simulator.runner import run_variants
    from simulator.scenario import Scenario

    return run_variants(Scenario.from_dict(base), overrides, engine=engine, indicators=indicators)


def _profile_hash(spec: SweepSpec) -> tuple[str | None, str]:
    from simulator.ensemble import profile_file

    name = spec.base.profile or spec.base.region
    path = profile_file(name) if name else None
    return name, (file_sha256(path) if path is not None else "absent")


def _versions() -> dict[str, str]:
    versions = package_versions()
    for name in ("SALib", "dask", "distributed", "pyarrow"):
        try:
            versions[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_manifest(spec: SweepSpec, design, chunk_size: int, engine: str) -> dict:
    """Describe a sweep for its folder's manifest (see :mod:`simulator.sweep.store`)."""
    from simulator.engine.model import load_model

    model = load_model()
    profile, profile_sha = _profile_hash(spec)
    return {
        "format": 1,
        "name": spec.name,
        "spec_file": spec.source,
        "spec": spec.to_dict(),
        "engine": engine,
        "model_file": model.path.name,
        "model_sha256": model.sha256,
        "profile": profile,
        "profile_sha256": profile_sha,
        "data_sha256": data_version(),
        "versions": _versions(),
        "seed": spec.seed,
        "method": spec.method,
        "design_size": len(design),
        "design_sha256": design_sha256(design),
        "chunk_size": chunk_size,
        "n_chunks": math.ceil(len(design) / chunk_size),
        "indicators": list(spec.indicators),
        "years": list(range(spec.base.start_year, spec.base.end_year + 1)),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


class _Tasks(Mapping):
    """Chunk index -> the overrides of its runs, built when a backend asks for the chunk.

    Building them all first held one dict per run: gigabytes for a 10^7-run design.
    """

    def __init__(self, spec: SweepSpec, design, todo: list[int], chunk_size: int):
        self._spec, self._values = spec, design.to_numpy(dtype=float)
        self._todo, self._size = list(todo), chunk_size

    def __getitem__(self, index: int) -> list[dict]:
        if index not in self._todo_set:
            raise KeyError(index)
        runs = store.chunk_runs(index, self._size, len(self._values))
        return [self._spec.overrides(self._values[r]) for r in runs]

    @cached_property
    def _todo_set(self) -> frozenset:
        return frozenset(self._todo)

    def __iter__(self):
        return iter(self._todo)

    def __len__(self) -> int:
        return len(self._todo)


def _progress(total: int, initial: int, name: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, unit="run", desc=name, file=sys.stderr, mininterval=0.5
    )


def run_sweep(
    spec: SweepSpec,
    out: str | os.PathLike,
    *,
    resume: bool = False,
    engine: str = "auto",
    workers: int | None = None,
    chunk_size: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = True,
) -> dict:
    """Run (or finish) a sweep into a folder.

    Parameters
    ----------
    spec : SweepSpec
    out : path
        The results folder (created if absent).
    resume : bool
        Finish a sweep in ``out``: chunks whose files validate are kept, the others run.
    engine : {"auto", "batch", "pysd"}
        Engine for :func:`simulator.runner.run_variants`; ``"auto"`` is
        resolved once (batch where it supports the model, else PySD) and the
        manifest records the engine that ran.
    workers : int, optional
        Local processes; 1 runs in-process. Default: the CPU count.
    chunk_size : int, optional
        Runs per chunk file; default: the spec's, else the resumed sweep's, else 50.
    scheduler : str, optional
        Address of a Dask scheduler.
    dask_local : int, optional
        Start a local Dask cluster of this many workers on 127.0.0.1.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    dict
        ``runs``, ``chunks``, ``chunks_done_before``, ``chunks_run``, ``backend``.

    Raises
    ------
    ScenarioError
        If ``out`` holds another sweep, or holds one and ``resume`` is False.
    ValueError
        On an unknown engine or a bad worker count or chunk size.
    DaskUnavailableError
        If a Dask backend was asked for and cannot start.
    """
    from simulator.engine.model import load_model

    # "auto" -> what runs, recorded in the manifest
    engine = resolve_engine(engine, load_model(), spec.base.integration)
    for what, value in (
        ("workers", workers),
        ("chunk size", chunk_size),
        ("dask-local workers", dask_local),
    ):
        if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
            raise ValueError(f"{what} must be a whole number >= 1, got {value!r}")
    for what, value in (("workers", workers), ("dask-local workers", dask_local)):
        if value is not None and value > MAX_WORKERS:  # each is a process of ~250 MB
            raise ValueError(f"{what} must be at most {MAX_WORKERS} processes, got {value}")
    if scheduler and dask_local:
        raise ValueError(
            "give either a Dask scheduler address or a local Dask cluster size, not both"
        )
    out = Path(out)
    old = store.read_manifest(out) if out.is_dir() else None
    store.check_sweep_folder(out, has_manifest=old is not None)
    if old is not None and not resume:
        raise ScenarioError(
            f"'{out}' already holds a sweep; pass --resume to finish it, or choose another --out"
        )
    size = chunk_size or spec.chunk_size or (old or {}).get("chunk_size") or DEFAULT_CHUNK_SIZE
    design = make_design(spec)
    base = spec.base
    check_run_steps(min(size, len(design)),
                    len(time_grid(base.start_year, base.end_year, base.time_step)),
                    f"a chunk of {min(size, len(design)):,} runs",
                    "lower chunk_size (--chunk-size), or use a larger time_step")
    manifest = build_manifest(spec, design, size, engine)
    if old is not None:
        store.check_resumable(old, manifest, out)
        manifest["created"] = old.get("created", manifest["created"])
    out.mkdir(parents=True, exist_ok=True)
    with store.writer_lock(out):
        return _write_sweep(spec, out, old, design, manifest, size, engine, workers,
                            scheduler, dask_local, progress)


def _write_sweep(spec, out, old, design, manifest, size, engine, workers, scheduler,
                 dask_local, progress) -> dict:
    """Write the design, manifest and missing chunks of a sweep (under its lock)."""
    todo = store.prepare_folder(out, old, design, manifest)
    n_runs, n_chunks = len(design), manifest["n_chunks"]
    years, indicators, digest = manifest["years"], manifest["indicators"], manifest["design_sha256"]
    done_runs = n_runs - sum(len(store.chunk_runs(i, size, n_runs)) for i in todo)
    tasks = _Tasks(spec, design, todo, size)
    args = (spec.base.to_dict(), indicators, engine)
    n_workers = 1 if workers == 1 else min(workers or os.cpu_count() or 1, max(len(todo), 1))
    backend, stream = map_chunks(run_chunk, tasks, args, workers=n_workers,
                                 scheduler=scheduler, dask_local=dask_local)
    bar = _progress(n_runs, done_runs, spec.name, progress and bool(todo))
    try:
        for index, (run_years, values) in stream:
            if [int(y) for y in run_years] != years:
                raise ScenarioError(
                    f"chunk {index} returned years {list(run_years)[:3]}...; expected"
                    f" {years[:3]}..."
                )
            runs = store.chunk_runs(index, size, n_runs)
            store.write_chunk(out, index, runs, np.asarray(years), values, indicators, digest)
            if bar is not None:
                bar.update(len(runs))
    finally:
        if bar is not None:
            bar.close()
    return {
        "runs": n_runs,
        "chunks": n_chunks,
        "chunks_done_before": n_chunks - len(todo),
        "chunks_run": len(todo),
        "backend": backend,
    }
