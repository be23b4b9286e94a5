"""Run results with their units and provenance, written atomically.

Every result carries what produced it: the model file's hash, the scenario,
the data version, the package versions and the engine.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata as _metadata
from pathlib import Path

import pandas as pd

from simulator.engine.translation import file_sha256
from simulator.paths import OBSERVATIONS_CSV

#: The project's documented observations; their hash is the data version.
OBSERVATIONS_FILE = OBSERVATIONS_CSV

OUTPUT_SUFFIXES = (".csv", ".parquet")

#: First characters of a results CSV: a comment line that holds the provenance.
CSV_PROVENANCE_PREFIX = "# innovation-dynamics provenance: "

#: Recognisable part of this package's temporary file names (``.NAME.<this>PID-RANDOM``),
#: so that clean-up never touches a file it did not create.
TEMP_MARK = "idtmp-"


def package_versions() -> dict[str, str]:
    """Versions of this package and of the libraries that shape results."""
    return dict(_installed_versions())


@lru_cache(maxsize=1)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    # Read once per process: the metadata lookups took 12 ms, a fifth of an
    # app run, and the imported libraries cannot change under a running process.
    out = []
    for name in ("innovation-dynamics", "pysd", "numpy", "pandas", "scipy"):
        try:
            out.append((name, _metadata.version(name)))
        except _metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def data_version() -> str:
    """SHA-256 of ``simulator/data/observations.csv`` (or "absent")."""
    return file_sha256(OBSERVATIONS_FILE) if OBSERVATIONS_FILE.is_file() else "absent"


@dataclass
class Results:
    """Indicators of one run, by year, with units and provenance.

    Attributes
    ----------
    frame : pandas.DataFrame
        Index ``year`` (int); one column per indicator.
    units : dict of str to str
        Unit of each column, as the sources publish it.
    metadata : dict
        Model hash, scenario, engine, versions, time of the run.
    """

    frame: pd.DataFrame
    units: dict[str, str]
    metadata: dict = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """Long form: one row per year and indicator, with its unit."""
        long = self.frame.reset_index().melt(
            id_vars="year", var_name="indicator", value_name="value"
        )
        long["unit"] = long["indicator"].map(self.units)
        return long

    def write(self, path: str | os.PathLike) -> Path:
        """Write the table (``.csv`` or ``.parquet``) with its provenance inside it.

        The provenance and units travel in the file itself, so one atomic
        rename commits data and provenance together: a CSV starts with one
        comment line (:data:`CSV_PROVENANCE_PREFIX` and the JSON; read it
        back with :func:`read_results`, or ``pandas.read_csv(path,
        comment="#")``); a Parquet file holds it in its schema metadata. A
        ``.meta.json`` copy is written afterwards for people; it names the
        SHA-256 of the file it describes, so a copy left stale by a kill
        between the two writes is recognised as such.

        Raises
        ------
        ValueError
            If the extension is not ``.csv`` or ``.parquet``, or the folder
            cannot hold the file (see :func:`check_output_path`).
        """
        return write_table(path, self.frame.reset_index(), {**self.metadata, "units": self.units})


def check_output_path(path: str | os.PathLike, suffixes=OUTPUT_SUFFIXES) -> Path:
    """Check, before any work, that a results file can be written at ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    suffixes : tuple of str
        Allowed extensions.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        If the extension is not allowed, ``path`` is a folder, a parent is a
        file, or the nearest existing folder is not writable.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"output file '{path}' is a directory; give a file name")
    if path.suffix.lower() not in suffixes:
        raise ValueError(
            f"output file '{path}' must end in {' or '.join(suffixes)}, got {path.suffix!r}"
        )
    _check_nearest_folder(path.parent, f"output file '{path}'")
    return path


def check_output_folder(path: str | os.PathLike) -> Path:
    """Check, before any work, that a folder of outputs can be made or written at ``path``.

    Raises
    ------
    ValueError
        If ``path`` is a file, a parent is a file, or the nearest existing folder is not
        writable.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"output folder '{path}' is a file; give a folder")
    _check_nearest_folder(path, f"output folder '{path}'")
    return path


def _check_nearest_folder(start: Path, what: str) -> None:
    """Refuse when the nearest existing ancestor of ``start`` is a file or not writable."""
    parent = start
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{what}: '{parent}' is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{what}: folder '{parent}' is not writable")


def _umask() -> int:
    # Linux states it in /proc; setting and restoring it (the fallback) is
    # process-wide, so a thread of the app could create a file meanwhile.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def remove_stale_temporaries(path: Path, any_name: bool = False) -> list[Path]:
    """Remove temporaries of ``path`` left by processes that no longer run.

    Only names this module creates (``.NAME.idtmp-PID-...``) are touched, and
    only when process PID is gone, so a concurrent writer's file is safe and
    the user's own hidden files are never matched.

    Parameters
    ----------
    path : pathlib.Path
        The file whose temporaries to remove, or with ``any_name`` a folder:
        then the temporaries of every file in it.
    """
    if any_name:
        folder, pattern = Path(path), f".*.{TEMP_MARK}*"
    else:
        folder, pattern = path.parent, f".{glob.escape(path.name)}.{TEMP_MARK}*"
    removed = []
    for candidate in folder.glob(pattern):
        pid_text = candidate.name.rsplit(f".{TEMP_MARK}", 1)[-1].split("-", 1)[0]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            try:
                candidate.unlink()
                removed.append(candidate)
            except OSError:
                pass
    return removed


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    The file is fsynced and moved with ``os.replace``, so a reader sees the old
    file or the whole new one, never a part; on an error the temporary file is
    removed and ``path`` is untouched. Temporaries that a killed process left
    for the same path are removed first. The file gets the permissions the
    umask allows (``mkstemp`` alone would make it 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.{TEMP_MARK}{os.getpid()}-",
                                   dir=path.parent)
    os.close(handle)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_target`)."""
    with atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def atomic_write_parquet(path: Path, table) -> None:
    """Write a ``pyarrow.Table`` to ``path`` atomically (see :func:`atomic_target`)."""
    import pyarrow.parquet as pq

    with atomic_target(path) as tmp:
        pq.write_table(table, tmp)


def write_table(path: str | os.PathLike, frame: pd.DataFrame, metadata: dict) -> Path:
    """Write a table and its provenance as one unit (see :meth:`Results.write`).

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv`` or ``.parquet`` file.
    frame : pandas.DataFrame
        The table; its index is not written.
    metadata : dict
        Provenance (JSON-serialisable), embedded in the file and copied into
        ``<path>.meta.json`` with the file's SHA-256.

    Returns
    -------
    pathlib.Path
    """
    path = check_output_path(path)
    meta_line = json.dumps(metadata, ensure_ascii=False)
    if path.suffix.lower() == ".csv":
        atomic_write_text(path, f"{CSV_PROVENANCE_PREFIX}{meta_line}\n" + frame.to_csv(index=False))
    else:
        _atomic_write_parquet(path, frame, meta_line)
    sidecar = {**metadata, "results_sha256": file_sha256(path)}
    atomic_write_text(
        path.with_name(path.name + ".meta.json"), json.dumps(sidecar, ensure_ascii=False, indent=1)
    )
    return path


def read_results(path: str | os.PathLike) -> Results:
    """Read a file written by :meth:`Results.write`, with its provenance.

    Raises
    ------
    ValueError
        If the file is not a results file (no provenance in it).
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8") as handle:
            first = handle.readline()
            if not first.startswith(CSV_PROVENANCE_PREFIX):
                raise ValueError(f"'{path}' is not a results file: no provenance line")
            meta = json.loads(first[len(CSV_PROVENANCE_PREFIX):])
            frame = pd.read_csv(handle)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        raw = (table.schema.metadata or {}).get(b"innovation_dynamics")
        if raw is None:
            raise ValueError(f"'{path}' is not a results file: no provenance metadata")
        meta = json.loads(raw.decode("utf-8"))
        frame = table.to_pandas()
    units = meta.pop("units", {})
    return Results(frame.set_index("year") if "year" in frame else frame, units, meta)


def _atomic_write_parquet(path: Path, frame: pd.DataFrame, meta_json: str) -> None:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"innovation_dynamics": meta_json.encode("utf-8")}
    )
    atomic_write_parquet(path, table)
