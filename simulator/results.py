"""Run results with their units and provenance, written atomically.

Every result carries what produced it: the model file's hash, the scenario,
the data version, the package versions and the engine.
"""

from __future__ import annotations

import datetime as _dt
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
        """Write the table (``.csv`` or ``.parquet``) and a ``.meta.json`` beside it.

        Both files are written atomically. Parquet also carries the
        metadata in its schema.

        Raises
        ------
        ValueError
            If the extension is not ``.csv`` or ``.parquet``.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES:
            raise ValueError(
                f"output file '{path}' must end in one of {list(OUTPUT_SUFFIXES)}, got {suffix!r}"
            )
        frame = self.frame.reset_index()
        if suffix == ".csv":
            atomic_write_text(path, frame.to_csv(index=False))
        else:
            _atomic_write_parquet(path, frame, self.metadata_json())
        atomic_write_text(path.with_name(path.name + ".meta.json"), self.metadata_json())
        return path

    def metadata_json(self) -> str:
        """Metadata and units as JSON text."""
        return json.dumps({**self.metadata, "units": self.units}, ensure_ascii=False, indent=1)


def provenance(model_path: Path, model_sha256: str, scenario_dict: dict, engine: str) -> dict:
    """Metadata describing what produced a result."""
    return {
        "model_file": model_path.name,
        "model_sha256": model_sha256,
        "scenario": scenario_dict,
        "engine": engine,
        "data_sha256": data_version(),
        "versions": package_versions(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    The file is fsynced and moved with ``os.replace``, so a reader sees the old
    file or the whole new one, never a part; on an error the temporary file is
    removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        yield Path(tmp)
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


def _atomic_write_parquet(path: Path, frame: pd.DataFrame, meta_json: str) -> None:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"innovation_dynamics": meta_json.encode("utf-8")}
    )
    atomic_write_parquet(path, table)
