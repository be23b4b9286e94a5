"""The results folder of a sweep: manifest, design, one Parquet file per chunk.

Layout of ``DIR``::

    manifest.json          what was run: spec, model and profile hashes, versions, seed, sizes
    design.parquet         the design (run, one column per variable)
    chunks/chunk-000000.parquet ...   results: run, year, one column per indicator
    analysis/              sensitivity and target-discovery tables (simulator.sweep.analysis)

Every file is written to a temporary name in the same folder and moved into
place with ``os.replace``, so a reader (or a resumed sweep) never sees half a
file. A chunk counts as done if and only if its file exists and validates:
readable Parquet, the expected columns, runs and years, and the design hash
of this sweep in its metadata.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.errors import ScenarioError
from simulator.results import (
    TEMP_MARK,
    atomic_write_parquet,
    atomic_write_text,
    remove_stale_temporaries,
)

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
CHUNKS = "chunks"
#: Held (flock) by the process writing a sweep folder; the kernel drops it when
#: that process dies, even by kill -9, so a stale lock never blocks a resume.
LOCK = ".sweep.lock"
_META_KEY = b"innovation_dynamics_sweep"
#: Manifest fields that must agree for ``--resume`` to continue a sweep.
RESUME_KEYS = (
    "design_sha256",
    "chunk_size",
    "indicators",
    "years",
    "model_sha256",
    "engine",
    "spec",
)


def chunk_path(out: Path, index: int) -> Path:
    """Path of chunk ``index``'s file."""
    return Path(out) / CHUNKS / f"chunk-{index:06d}.parquet"


def chunk_runs(index: int, chunk_size: int, n_runs: int) -> range:
    """Run ids of chunk ``index``."""
    return range(index * chunk_size, min((index + 1) * chunk_size, n_runs))


def write_chunk(
    out: Path,
    index: int,
    runs: range,
    years: np.ndarray,
    values: dict[str, np.ndarray],
    indicators: list[str],
    design_hash: str,
) -> Path:
    """Write one chunk's results atomically.

    Parameters
    ----------
    out : pathlib.Path
        The sweep folder.
    index : int
        Chunk number.
    runs : range
        Run ids of the chunk.
    years : numpy.ndarray
        Output years [year].
    values : dict of str to numpy.ndarray
        Indicator to ``(len(runs), len(years))`` [unit of the indicator].
    indicators : list of str
        Column order.
    design_hash : str
        :func:`simulator.sweep.design.design_sha256` of the sweep.
    """
    n_years = len(years)
    columns = {
        "run": np.repeat(np.asarray(runs, dtype=np.int64), n_years),
        "year": np.tile(np.asarray(years, dtype=np.int64), len(runs)),
    }
    for name in indicators:
        columns[name] = np.asarray(values[name], dtype=np.float64).reshape(-1)
    table = pa.table(columns)
    meta = json.dumps(
        {"chunk": index, "first_run": runs.start, "n_runs": len(runs), "design_sha256": design_hash}
    )
    table = table.replace_schema_metadata({_META_KEY: meta.encode("utf-8")})
    path = chunk_path(out, index)
    atomic_write_parquet(path, table)
    return path


def chunk_is_valid(
    out: Path, index: int, runs: range, years: list[int], indicators: list[str], design_hash: str
) -> bool:
    """Whether chunk ``index``'s file exists and holds exactly the expected results."""
    path = chunk_path(out, index)
    if not path.is_file():
        return False
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(_META_KEY, b"{}"))
    except (OSError, ValueError, pa.ArrowException):
        return False
    if meta != {
        "chunk": index,
        "first_run": runs.start,
        "n_runs": len(runs),
        "design_sha256": design_hash,
    }:
        return False
    if table.column_names != ["run", "year", *indicators] or table.num_rows != len(runs) * len(
        years
    ):
        return False
    expected_runs = np.repeat(np.asarray(runs, dtype=np.int64), len(years))
    expected_years = np.tile(np.asarray(years, dtype=np.int64), len(runs))
    return bool(
        np.array_equal(table.column("run").to_numpy(), expected_runs)
        and np.array_equal(table.column("year").to_numpy(), expected_years)
    )


def remove_partial_files(out: Path) -> int:
    """Delete temporary files that killed writers left behind; returns how many.

    Only this package's own temporaries (see
    :func:`simulator.results.remove_stale_temporaries`) of processes that no
    longer run: never a user's file, never a concurrent writer's.
    """
    removed = 0
    for folder in (Path(out), Path(out) / CHUNKS):
        if folder.is_dir():
            removed += len(remove_stale_temporaries(folder, any_name=True))
    return removed


def write_manifest(out: Path, manifest: dict) -> None:
    """Write ``manifest.json`` atomically."""
    atomic_write_text(
        Path(out) / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, default=str)
    )


#: Fields a manifest must hold, with their JSON types, checked on every read.
MANIFEST_SCHEMA = {
    "format": int, "name": str, "engine": str, "model_sha256": str, "design_size": int,
    "design_sha256": str, "chunk_size": int, "n_chunks": int, "indicators": list, "years": list,
}


def read_manifest(out: Path) -> dict | None:
    """Return the manifest of a sweep folder, or None if there is none.

    Raises
    ------
    ScenarioError
        If the file is not JSON, not an object, or a field of
        :data:`MANIFEST_SCHEMA` is missing or of the wrong type (named).
    """
    path = Path(out) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ScenarioError(f"'{path}' is not a readable sweep manifest ({error})") from None
    if not isinstance(manifest, dict):
        raise ScenarioError(
            f"'{path}' is not a sweep manifest: a JSON object is expected, found "
            f"{type(manifest).__name__}"
        )
    for field, kind in MANIFEST_SCHEMA.items():
        value = manifest.get(field)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            found = "missing" if field not in manifest else f"{value!r}"[:40]
            raise ScenarioError(
                f"'{path}' is not a valid sweep manifest: field {field!r} must be "
                f"{'a whole number' if kind is int else f'a JSON {kind.__name__}'}, found {found}"
            )
    if manifest["chunk_size"] < 1 or manifest["n_chunks"] != -(
        -manifest["design_size"] // manifest["chunk_size"]
    ):
        raise ScenarioError(
            f"'{path}' is not a valid sweep manifest: n_chunks {manifest['n_chunks']} does not "
            f"match design_size {manifest['design_size']} / chunk_size {manifest['chunk_size']}"
        )
    return manifest


@contextmanager
def writer_lock(out: Path) -> Iterator[None]:
    """Hold the folder's lock while writing; refuse when another process holds it."""
    import fcntl

    handle = open(Path(out) / LOCK, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ScenarioError(
                f"another process (pid {holder}) is writing the sweep in '{out}'; wait for it "
                "to finish, then --resume"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing drops the lock


def check_sweep_folder(out: Path, has_manifest: bool) -> None:
    """Refuse an ``--out`` that is a file, or a folder holding something else than a sweep.

    A sweep folder holds only what a sweep writes, so that a new sweep never
    mixes with, or overwrites, a user's files.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"sweep --out '{out}' is a file; give a folder (new or empty)")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not out.exists() and not parent.is_dir():
        raise ScenarioError(f"sweep --out '{out}': '{parent}' is a file, not a folder")
    if out.is_dir() and not has_manifest:
        others = sorted(
            p.name for p in out.iterdir() if p.name != LOCK and f".{TEMP_MARK}" not in p.name
        )
        if others:
            raise ScenarioError(
                f"sweep --out '{out}' holds other files ({', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}) and no sweep; choose a new or empty folder"
            )


def check_resumable(old: dict, new: dict, out: Path) -> None:
    """Raise ScenarioError naming the first field in which two manifests differ."""
    for key in RESUME_KEYS:
        if json.dumps(old.get(key), sort_keys=True, default=str) != json.dumps(
            new.get(key), sort_keys=True, default=str
        ):
            raise ScenarioError(
                f"'{out}' holds a different sweep ({key} differs: {str(old.get(key))[:80]!r} there,"
                f" {str(new.get(key))[:80]!r} now); resume with the same spec, engine and chunk"
                " size,"
                " or choose another --out"
            )


def prepare_folder(out: Path, old: dict | None, design: pd.DataFrame, manifest: dict
                   ) -> list[int]:
    """Write a sweep's design and manifest if new; return the chunks still to run.

    Called under :func:`writer_lock`, after :func:`check_resumable`. A lost
    design is rebuilt from the spec (its hash was checked).
    """
    remove_partial_files(out)
    if old is None or not (Path(out) / DESIGN).is_file():
        write_design(out, design)
    if old is None:
        write_manifest(out, manifest)
    n_runs, size = len(design), manifest["chunk_size"]
    return [i for i in range(manifest["n_chunks"]) if not chunk_is_valid(
        out, i, chunk_runs(i, size, n_runs), manifest["years"], manifest["indicators"],
        manifest["design_sha256"])]


def write_design(out: Path, design: pd.DataFrame) -> None:
    """Write the design table atomically."""
    atomic_write_parquet(
        Path(out) / DESIGN, pa.Table.from_pandas(design.reset_index(), preserve_index=False)
    )


def load_results(out: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read a finished sweep.

    Parameters
    ----------
    out : path
        The sweep folder.

    Returns
    -------
    design : pandas.DataFrame
        Index ``run``; one column per variable.
    results : pandas.DataFrame
        Columns ``run``, ``year`` and one per indicator, sorted by run and year.
    manifest : dict

    Raises
    ------
    FileNotFoundError
        If the folder has no manifest.
    ScenarioError
        If a chunk is missing or does not validate (the sweep is unfinished).
    """
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise FileNotFoundError(f"no sweep manifest in '{out}'")
    n_runs, size = manifest["design_size"], manifest["chunk_size"]
    frames = []
    for index in range(manifest["n_chunks"]):
        runs = chunk_runs(index, size, n_runs)
        if not chunk_is_valid(
            out, index, runs, manifest["years"], manifest["indicators"], manifest["design_sha256"]
        ):
            raise ScenarioError(
                f"chunk {index} of '{out}' is missing or invalid; finish the sweep with --resume"
            )
        frames.append(pq.read_table(chunk_path(out, index)).to_pandas())
    design = pq.read_table(out / DESIGN).to_pandas().set_index("run")
    return design, pd.concat(frames, ignore_index=True), manifest
