"""Read Vensim's canonical output files and compare a run against them.

The convention follows PySD's own integration suite, as written down in
``../shared/testmodels/README.md``: every canonical column (control
variables included) must be present in the run; the time index must be
equal; each value must satisfy ``|expected - actual| <= atol + rtol*|actual|``
with ``rtol = atol = 1e-5`` because the canonical files carry about six
significant digits; a constant printed only on the first row takes that
value on every row.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

#: Relative rounding error of a number printed with six significant digits
#: (half a unit in the sixth digit), used to align a printed time index with
#: the model's own grid (SIR's ``output.csv`` prints 93.09375 as 93.0938).
SIX_DIGIT_RTOL = 5e-6

_SEPARATORS = {".tab": "\t", ".csv": ","}


def _is_number(text: object) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


def read_vensim_output(path: str | os.PathLike, transpose: bool | None = None) -> pd.DataFrame:
    """Read a Vensim output file (``.tab`` or ``.csv``) into a DataFrame.

    Line endings may be LF, CRLF or CR. Vensim can also write the table
    transposed (one variable per row, times in the header); that layout is
    detected when ``transpose`` is None.

    Parameters
    ----------
    path : str or os.PathLike
        Output file; ``.tab`` is tab separated, ``.csv`` comma separated.
    transpose : bool or None, default None
        True if the file holds one variable per row, False if one time per
        row, None to detect it from the header.

    Returns
    -------
    pandas.DataFrame
        Index ``Time`` [model time unit] as float, one float column per
        variable, named as in the file. Blank cells are NaN.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the extension is not ``.tab`` or ``.csv`` or there is no ``Time``
        column or row.
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"Vensim output file not found: '{file}'")
    sep = _SEPARATORS.get(file.suffix.lower())
    if sep is None:
        raise ValueError(
            f"unsupported Vensim output file '{file}': extension {file.suffix!r} is not "
            f"one of {sorted(_SEPARATORS)}"
        )
    try:
        raw = pd.read_csv(file, sep=sep, header=None, dtype=str, keep_default_na=False)
    except UnicodeDecodeError:
        # Vensim writes the names of a model that is not UTF-8 in the
        # Windows code page; Latin-1 decodes any byte, so names still match
        # whatever PySD read from the same model.
        raw = pd.read_csv(
            file, sep=sep, header=None, dtype=str, keep_default_na=False, encoding="latin-1"
        )
    raw = raw.map(lambda cell: cell.strip())
    if transpose is None:
        header = raw.iloc[0].tolist()
        transpose = (
            len(header) > 1
            and all(_is_number(cell) for cell in header[1:] if cell != "")
            and not _is_number(raw.iloc[1:, 0].tolist()[0] if len(raw) > 1 else "0")
        )
    if transpose:
        raw = raw.T.reset_index(drop=True)
    names = [str(name) for name in raw.iloc[0]]
    if names[0].lower() != "time":
        raise ValueError(
            f"Vensim output file '{file}' has no 'Time' column: first heading is {names[0]!r}"
        )
    body = raw.iloc[1:].replace("", np.nan)
    # drop trailing empty columns (a trailing separator on each line)
    keep = [i for i, name in enumerate(names) if name != "" or body.iloc[:, i].notna().any()]
    body = body.iloc[:, keep].astype(float)
    body.columns = [names[i] for i in keep]
    frame = body.set_index(body.columns[0])
    frame.index.name = "Time"
    return frame


def fill_constants(expected: pd.DataFrame) -> pd.DataFrame:
    """Give constants printed only on the first row that value on every row.

    Parameters
    ----------
    expected : pandas.DataFrame
        Canonical output as read by :func:`read_vensim_output`.

    Returns
    -------
    pandas.DataFrame
        A copy in which every column whose rows after the first are all
        blank is filled with its first value; other blanks stay NaN.
    """
    filled = expected.copy()
    if len(filled) < 2:
        return filled
    for column in filled.columns:
        values = filled[column]
        if values.iloc[1:].isna().all() and not np.isnan(values.iloc[0]):
            filled[column] = values.iloc[0]
    return filled


def normalize_name(name: str) -> str:
    """Return a name lower-cased with runs of spaces/underscores made one ``_``.

    Parameters
    ----------
    name : str
        A Vensim or XMILE variable name.

    Returns
    -------
    str
        The normalised name, e.g. ``"Contact Infectivity"`` ->
        ``"contact_infectivity"``.
    """
    return re.sub(r"[\s_]+", "_", str(name).strip().lower())


def _align_index(actual_times: np.ndarray, expected_times: np.ndarray) -> tuple[list, list]:
    """Map each printed time to the nearest model time within six-digit rounding."""
    positions = np.searchsorted(actual_times, expected_times)
    aligned, problems = [], []
    for time, pos in zip(expected_times, positions):
        candidates = [p for p in (pos - 1, pos) if 0 <= p < len(actual_times)]
        best = min(candidates, key=lambda p: abs(actual_times[p] - time)) if candidates else None
        if best is None or abs(actual_times[best] - time) > SIX_DIGIT_RTOL * max(abs(time), 1.0):
            problems.append(time)
        else:
            aligned.append(actual_times[best])
    return aligned, problems


def compare_to_reference(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    rtol: float = 1e-5,
    atol: float = 1e-5,
    *,
    align_time_index: bool = False,
    normalize_names: bool = False,
) -> list[str]:
    """Compare a model run with Vensim's canonical output.

    Parameters
    ----------
    actual : pandas.DataFrame
        The run, indexed by time [model time unit], one column per variable.
    expected : pandas.DataFrame
        The canonical output, e.g. from :func:`read_vensim_output`.
    rtol : float, default 1e-5
        Relative tolerance [-], applied to ``|actual|``.
    atol : float, default 1e-5
        Absolute tolerance [variable's unit].
    align_time_index : bool, default False
        If True, each canonical time is replaced by the nearest time of
        ``actual`` when they agree to six significant digits (for files that
        print Time rounded); otherwise the indexes must be exactly equal.
    normalize_names : bool, default False
        If True, match column names case-insensitively, treating spaces and
        underscores alike (for XMILE models whose names are snake_case).

    Returns
    -------
    list of str
        One human-readable description per problem; empty when the run
        matches.

    Examples
    --------
    >>> times = pd.Index([0.0, 1.0], name="Time")
    >>> ref = pd.DataFrame({"x": [1.0, 2.0]}, index=times)
    >>> compare_to_reference(ref * 1.000001, ref)
    []
    >>> compare_to_reference(ref + 1, ref)[0][:22]
    "column 'x': 2 of 2 val"
    """
    problems: list[str] = []
    expected = fill_constants(expected)
    actual_names = {normalize_name(c) if normalize_names else c: c for c in actual.columns}
    missing = [
        c for c in expected.columns
        if (normalize_name(c) if normalize_names else c) not in actual_names
    ]
    if missing:
        problems.append(f"columns missing from the run: {missing}")

    actual_times = np.asarray(actual.index, dtype=float)
    expected_times = np.asarray(expected.index, dtype=float)
    if align_time_index:
        aligned, unmatched = _align_index(actual_times, expected_times)
        if unmatched:
            problems.append(
                f"{len(unmatched)} canonical times have no model time within six-digit "
                f"rounding, first {float(unmatched[0])!r}"
            )
            return problems
        expected = expected.set_axis(pd.Index(aligned, name=expected.index.name), axis=0)
        expected_times = np.asarray(aligned)
    if len(actual_times) != len(expected_times) or not np.array_equal(
        actual_times, expected_times
    ):
        extra = sorted(set(actual_times) - set(expected_times))[:3]
        lacking = sorted(set(expected_times) - set(actual_times))[:3]
        problems.append(
            f"time index differs: run has {len(actual_times)} times, canonical "
            f"{len(expected_times)}; only in run (first 3): {extra}; only in canonical "
            f"(first 3): {lacking}"
        )
        return problems

    for column in expected.columns:
        key = normalize_name(column) if normalize_names else column
        if key not in actual_names:
            continue
        want = expected[column].to_numpy(dtype=float)
        got = actual[actual_names[key]].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            diff = np.abs(want - got)
            bad = ~((diff <= atol + rtol * np.abs(got)) | (np.isnan(want) & np.isnan(got)))
        if bad.any():
            worst = int(np.nanargmax(np.where(bad, np.nan_to_num(diff, nan=np.inf), -1.0)))
            problems.append(
                f"column {column!r}: {int(bad.sum())} of {len(bad)} values differ; first at "
                f"Time={float(expected_times[np.argmax(bad)])!r}; worst at Time="
                f"{float(expected_times[worst])!r}: expected {float(want[worst])!r}, actual "
                f"{float(got[worst])!r} (|diff| {diff[worst]:.3g} > "
                f"{atol + rtol * abs(got[worst]):.3g})"
            )
    return problems
