"""GET XLS/DIRECT CONSTANTS, DATA and LOOKUPS, read once at compile time.

The files are read by PySD's own ``py_backend.external`` classes (the
reference implementation: cell ranges, named ranges, transposition with
``*``, missing values), from the folder of the ``.mdl``; the values become
constants and tables of the compiled program, so a run reads no file.
Spreadsheets are read by pandas, through ``openpyxl`` for ``.xlsx``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from .errors import UnsupportedConstructError

#: Vensim interpolation keywords of data (PySD's names) -> method of functions.lookup.
DATA_METHODS = {None: "interpolate", "interpolate": "interpolate",
                "hold_backward": "hold_backward", "look_forward": "look_forward"}


def _values(data, dims: tuple, lead: tuple = ()) -> np.ndarray:
    """Return an xarray result (or a float) as an array with axes ``lead + dims``."""
    if not hasattr(data, "dims"):
        return np.asarray(float(data))
    names = list(lead) + [name for name, _ in dims]
    data = data.transpose(*names) if set(data.dims) == set(names) else data
    return np.asarray(data.values, dtype=float)


def fingerprint(root: Path, file: str) -> tuple:
    """Return ``(path, SHA-256)`` of a file a model reads, to tell a stale compiled program."""
    import hashlib

    path = (Path(root) / file).resolve()
    try:
        return str(path), hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return str(path), None


def _read(name: str, root: Path, build):
    from pysd.py_backend.external import Excels

    Excels.clean()  # PySD keeps workbooks open by name: read the file as it is now
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PySD warns of missing values it interpolates
            external = build()
            external.initialize()
    except UnsupportedConstructError:
        raise
    except Exception as error:  # noqa: BLE001 - PySD and pandas raise many types
        raise UnsupportedConstructError(
            name, f"an external file that cannot be read beside the model in '{root}' "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
        ) from None
    return external


def constants(node: ae.GetConstantsStructure, dims: tuple, root: Path, name: str,
              py_name: str) -> np.ndarray:
    """Return the values of GET XLS/DIRECT CONSTANTS for cells ``dims`` (shape of dims)."""
    from pysd.py_backend.external import ExtConstant

    coords = {dim: list(elements) for dim, elements in dims}
    external = _read(name, root, lambda: ExtConstant(
        node.file, node.tab, node.cell, coords, root, coords, py_name))
    return _values(external.data, dims).reshape(tuple(len(e) for _, e in dims))


def tables(node, dims: tuple, root: Path, name: str, py_name: str,
           method: str = "interpolate") -> tuple:
    """Return GET DATA or GET LOOKUPS as tables: ``(xs, ys)`` arrays, ys of shape (len(xs), *dims).

    ``xs`` are the times of data or the abscissae of lookups, sorted.
    """
    from pysd.py_backend.external import ExtData, ExtLookup

    coords = {dim: list(elements) for dim, elements in dims}
    if isinstance(node, ae.GetDataStructure):
        external = _read(name, root, lambda: ExtData(
            node.file, node.tab, node.time_row_or_col, node.cell, method, coords, root,
            coords, py_name))
        lead = "time"
    else:
        external = _read(name, root, lambda: ExtLookup(
            node.file, node.tab, node.x_row_or_col, node.cell, coords, root, coords, py_name))
        lead = "lookup_dim"
    data = external.data
    xs = np.asarray(data.coords[lead].values, dtype=float)
    ys = _values(data, dims, (lead,)).reshape((len(xs),) + tuple(len(e) for _, e in dims))
    order = np.argsort(xs, kind="stable")
    return xs[order], ys[order]
