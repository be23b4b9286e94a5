"""Documented observations for calibration and hold-out tests.

Two CSV files ship with the package (see ``simulator/data/README.md``):

- ``observations.csv``: the project's copy of the figures in
  ``shared/data/baselines.csv`` (outcomes up to 2022, targets, provincial and
  national context), with a ``weight`` and a ``note`` per row;
- ``holdout.csv``: later outcomes (2023 and after), used only to test
  forecasts out of sample, never to fit.

Values are stored exactly as published. :func:`load_observations` validates
every row once, at load, and adds ``value_model`` in the model's unit
(亿元, 家, %, ...). A malformed row raises :class:`ObservationError` naming the
file, the line (1-based, header = line 1), the problem and the valid choices.

References
----------
.. [1] Oliva, R. (2003). Model calibration as a testing strategy for system
   dynamics models. European Journal of Operational Research 151(3):552-568.
   https://doi.org/10.1016/S0377-2217(02)00622-7 (hold-out years for testing).
"""

from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path

import pandas as pd

__all__ = [
    "BOUNDS",
    "COLUMNS",
    "FIT_END_YEAR",
    "HOLDOUT_CSV",
    "INDICATORS",
    "KINDS",
    "OBSERVATIONS_CSV",
    "REGIONS",
    "UNIT_CATEGORIES",
    "ObservationError",
    "load_holdout",
    "load_observations",
    "load_observations_upload",
    "load_user_observations",
    "observed_series",
]

from simulator import catalogue
from simulator.errors import did_you_mean
from simulator.paths import DATA_DIR, HOLDOUT_CSV, OBSERVATIONS_CSV  # noqa: F401 - public

#: Last year whose outcomes may be used for fitting ("Outcomes here stop at
#: 2022, and fitting stops there too", shared/data/README.md).
FIT_END_YEAR = 2022

#: Columns of both CSV files, in order.
COLUMNS = (
    "region", "indicator", "year", "value", "unit", "kind", "bound",
    "source", "source_quote", "weight", "note",
)
#: The five seed regions, then the provincial and national context.
REGIONS = tuple(catalogue.regions()[r]["en"] for r in catalogue.REGIONS) + (
    "Sichuan", "Chongqing", "China",
)
KINDS = ("outcome", "target", "context")
#: ``at_least`` where the source says 突破/超过/以上; ``approx`` for 约/左右.
BOUNDS = ("equal", "at_least", "approx")
YEAR_MIN, YEAR_MAX = 1990, 2050

#: Unit categories: model unit and the published units it accepts, with the
#: factor that converts a published value to the model unit
#: (1 亿元 = 1e4 万元; 1 万亿元 = 1e4 亿元; 1 万家 = 1e4 家).
#: 个, 個 and 家 are all counting words for platforms, teams and institutions.
UNIT_CATEGORIES: dict[str, tuple[str, dict[str, float]]] = {
    "money": ("亿元", {"亿元": 1.0, "万元": 1e-4, "万亿元": 1e4}),
    "firms": ("家", {"家": 1.0, "万家": 1e4}),
    "percent": ("%", {"%": 1.0}),
    "percent_per_year": ("%/年", {"%/年": 1.0}),
    "percentage_points": ("percentage points", {"percentage points": 1.0}),
    "count": ("个", {"个": 1.0, "個": 1.0, "家": 1.0}),
    "projects": ("项", {"项": 1.0, "項": 1.0}),
    "people": ("名", {"名": 1.0}),
    "patents_per_10k_people": ("件", {"件": 1.0}),
    "patents": ("件", {"件": 1.0}),
}

_MONEY, _FIRMS, _PCT, _COUNT = "money", "firms", "percent", "count"

#: Known indicators and their unit category. The first seven are the core
#: series named in shared/data/README.md; the rest are the other indicators
#: that appear in the two CSV files.
INDICATORS: dict[str, str] = {
    "rd_expenditure": _MONEY,
    "rd_intensity": _PCT,
    "high_tech_enterprises": _FIRMS,
    "tech_smes_registered": _FIRMS,
    "high_tech_industry_revenue": _MONEY,
    "tech_contract_turnover": _MONEY,
    "gdp": _MONEY,
    "agricultural_st_platforms": _COUNT,
    "digital_economy_core_share_of_gdp": _PCT,
    "financial_capital_leveraged": _MONEY,
    "high_level_talent_projects_new": _COUNT,
    "high_level_talents_supported": "people",
    "high_level_teams_new": _COUNT,
    "high_tech_enterprise_revenue": _MONEY,
    "high_tech_enterprise_revenue_above_scale": _MONEY,
    "high_tech_enterprises_new": _FIRMS,
    "high_tech_enterprises_new_or_recertified": _FIRMS,
    "high_tech_enterprises_newly_certified": _FIRMS,
    "high_value_invention_patents_per_10k": "patents_per_10k_people",
    "invention_patents_per_10k": "patents_per_10k_people",
    "innovation_consortia_new": _COUNT,
    "joint_rd_platforms_new": _COUNT,
    "key_core_tech_projects": "projects",
    "key_tech_projects": "projects",
    "major_achievements_transferred": "projects",
    "major_st_infrastructure": _COUNT,
    "national_rd_platforms": _COUNT,
    "new_innovation_platforms": _COUNT,
    "patents_granted": "patents",
    "pilot_platforms_key": _COUNT,
    "provincial_rd_platforms_new": _COUNT,
    "provincial_st_projects": "projects",
    "rd_expenditure_annual_growth": "percent_per_year",
    "rd_expenditure_growth": _PCT,
    "rd_intensity_vs_chongqing_average": "percentage_points",
    "sci_tech_innovation_composite_index": _PCT,
    "share_above_scale_firms_with_rd_platform": _PCT,
    "share_above_scale_industrial_firms_with_rd": _PCT,
    "share_above_scale_industrial_firms_without_rd": _PCT,
    "share_large_medium_industrial_firms_with_rd_institution": _PCT,
    "share_of_sichuan_valid_high_tech_enterprises": _PCT,
    "tech_based_enterprises": _FIRMS,
    "tech_contracts_registered": "projects",
    "tech_enterprises_new": _FIRMS,
    "tech_firms_new_loans": _MONEY,
    "tech_smes": _FIRMS,
    "tech_smes_registered_autonomous_region": _FIRMS,
    "tech_smes_registered_national": _FIRMS,
    "tech_transaction_value": _MONEY,
    "tech_transfer_institutions_new": _COUNT,
    "university_maker_spaces": _COUNT,
    "valid_invention_patents": "patents",
    "valid_high_tech_enterprises_asof_2022_12": _FIRMS,
}


class ObservationError(ValueError):
    """A row of an observations file is malformed (file, line and problem in the message)."""


def _fail(path: Path, line: int, problem: str) -> ObservationError:
    return ObservationError(f"{path}, line {line}: {problem}")


def _check_choice(path, line, column, value, choices):
    if value not in choices:
        raise _fail(
            path, line,
            f"unknown {column} {value!r}{did_you_mean(value, choices)}"
            f" (valid: {sorted(choices)!r})",
        )


def _parse_row(path: Path, line: int, raw: dict[str, str]) -> dict:
    region, indicator = raw["region"].strip(), raw["indicator"].strip()
    _check_choice(path, line, "region", region, REGIONS)
    _check_choice(path, line, "indicator", indicator, INDICATORS)
    _check_choice(path, line, "kind", raw["kind"].strip(), KINDS)
    _check_choice(path, line, "bound", raw["bound"].strip(), BOUNDS)

    category = INDICATORS[indicator]
    unit_model, factors = UNIT_CATEGORIES[category]
    unit = raw["unit"].strip()
    if unit not in factors:
        raise _fail(
            path, line,
            f"unit {unit!r} cannot be converted to {unit_model!r} for indicator "
            f"{indicator!r} ({category}). Valid units: {sorted(factors)!r}.",
        )
    try:
        year = int(raw["year"].strip())
    except ValueError:
        raise _fail(path, line, f"year {raw['year']!r} is not an integer "
                    f"(valid: {YEAR_MIN}-{YEAR_MAX}).") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _fail(path, line, f"year {year} is outside the valid range {YEAR_MIN}-{YEAR_MAX}.")
    numbers = {}
    for column in ("value", "weight"):
        try:
            numbers[column] = float(raw[column].strip())
        except ValueError:
            raise _fail(path, line, f"{column} {raw[column]!r} is not a number.") from None
        if not math.isfinite(numbers[column]):
            raise _fail(path, line, f"{column} {raw[column]!r} is not finite.")
    if not 0.0 <= numbers["weight"] <= 1.0:
        raise _fail(path, line, f"weight {numbers['weight']:g} is outside the valid range [0, 1].")
    for column in ("source", "source_quote"):
        if not raw[column].strip():
            raise _fail(path, line, f"{column} is empty; every figure keeps its source "
                        "address and original quote.")
    return {
        "region": region, "indicator": indicator, "year": year,
        "value": numbers["value"], "unit": unit, "kind": raw["kind"].strip(),
        "bound": raw["bound"].strip(), "source": raw["source"].strip(),
        "source_quote": raw["source_quote"], "weight": numbers["weight"],
        "note": raw["note"], "value_model": numbers["value"] * factors[unit],
        "unit_model": unit_model, "line": line,
    }


def _read(path: Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Observations file not found: {path}")
    rows: list[dict] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            _read_records(path, reader, rows)
        except UnicodeDecodeError:
            # the decoder reads ahead in blocks: find the line of the bad bytes itself
            line, column, reason = _undecodable(path)
            raise _fail(path, line, f"not UTF-8 text ({reason} at byte {column} of the line);"
                        " save the file as UTF-8") from None
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise _fail(path, reader.line_num, "a field is longer than the"
                            f" {csv.field_size_limit():,}-character limit (is a quote"
                            " unclosed?)") from None
            raise _fail(path, reader.line_num, f"not valid CSV ({error}); is a quote"
                        " unclosed?") from None
    _check_conflicts(path, rows)
    return rows


def _undecodable(path: Path) -> tuple[int, int, str]:
    """Line, byte in that line (from 1) and reason of the first bytes that are not UTF-8.

    Line by line (a character never spans a newline), so memory stays bounded; a line of
    over 1 MiB is read in pieces, carrying a character cut at a piece's end into the next.
    """
    line, offset, carry = 1, 0, b""
    with path.open("rb") as handle:
        while piece := handle.readline(1 << 20):
            piece, carry = carry + piece, b""
            if line == 1 and offset == 0 and piece[:2] in (b"\xff\xfe", b"\xfe\xff"):
                return 1, 1, "a UTF-16 byte-order mark"
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError as error:
                cut = error.reason == "unexpected end of data" and not piece.endswith(b"\n")
                if not (cut and len(piece) - error.start < 4):
                    return line, offset + error.start + 1, error.reason
                carry, piece = piece[error.start:], piece[:error.start]
            if piece.endswith(b"\n"):
                line, offset = line + 1, 0
            else:
                offset += len(piece)
    return line, offset + 1, "a character cut off at the end of the file"


def _read_records(path: Path, reader, rows: list[dict]) -> None:
    """Parse the header and the records of ``reader`` into ``rows``."""
    header = next(reader, None)
    if header is None:
        raise _fail(path, 1, f"file is empty; expected the header {','.join(COLUMNS)}")
    header = [h.strip().lstrip("\ufeff") for h in header]
    if tuple(header) != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        raise _fail(path, 1, f"header {header!r} does not match the expected columns "
                    f"{list(COLUMNS)!r} (missing {missing!r}, unexpected {extra!r}).")
    start = [reader.line_num + 1]  # first physical line of the record being read
    try:
        _read_rows(path, reader, rows, start)
    except csv.Error as error:  # say where a quote that ran on over lines was opened
        if reader.line_num > start[0]:
            raise csv.Error(f"{error}; the record starts on line {start[0]}") from None
        raise


def _read_rows(path: Path, reader, rows: list[dict], start: list[int]) -> None:
    for record in reader:
        line = start[0]
        start[0] = reader.line_num + 1
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(COLUMNS):
            raise _fail(path, line, f"expected {len(COLUMNS)} fields "
                        f"({','.join(COLUMNS)}), found {len(record)}.")
        rows.append(_parse_row(path, line, dict(zip(COLUMNS, record))))


def _check_conflicts(path: Path, rows: list[dict]) -> None:
    """Refuse two weighted figures for the same region, indicator, year and kind."""
    seen: dict[tuple, int] = {}
    for row in rows:
        if row["weight"] == 0:
            continue
        key = (row["region"], row["indicator"], row["year"], row["kind"])
        if key in seen:
            raise _fail(path, row["line"], f"{key!r} already has a weighted figure on line "
                        f"{seen[key]}; mark the superseded one with weight 0 and a note.")
        seen[key] = row["line"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    columns = [*COLUMNS, "value_model", "unit_model", "line"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"year": "int64", "value": "float64", "weight": "float64",
                         "value_model": "float64", "line": "int64"})


def _select(frame, kinds, until):
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}{did_you_mean(kind, KINDS)}"
                                 f" (valid: {list(KINDS)!r})")
        frame = frame[frame["kind"].isin(kinds)]
    if until is not None:
        frame = frame[frame["year"] <= int(until)]
    return frame.reset_index(drop=True)


def load_observations(path=None, *, kinds=None, until=None) -> pd.DataFrame:
    """Load and validate the documented observations.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        CSV file with the columns in :data:`COLUMNS`. Default: the packaged
        ``simulator/data/observations.csv``.
    kinds : str or iterable of str, optional
        Keep only these kinds (``outcome``, ``target``, ``context``). Default: all.
    until : int, optional
        Keep only rows with ``year <= until`` [year].

    Returns
    -------
    pandas.DataFrame
        One row per figure: the file's columns, ``value_model`` (the value in
        the model's unit: 亿元 for money, 家 for firms, % for shares, ...),
        ``unit_model`` and ``line`` (the row's line in the file).

    Raises
    ------
    ObservationError
        A row is malformed, or an outcome after :data:`FIT_END_YEAR` is in
        the fitting file (it belongs in ``holdout.csv``).
    FileNotFoundError
        ``path`` does not exist.

    Examples
    --------
    >>> obs = load_observations(kinds="outcome")
    >>> float(obs.query("region == 'Ningxia' and year == 2014 and "
    ...                 "indicator == 'rd_expenditure'")["value_model"].iloc[0])
    23.85804
    """
    path = OBSERVATIONS_CSV if path is None else Path(path)
    rows = _read(path)
    for row in rows:
        if row["kind"] == "outcome" and row["year"] > FIT_END_YEAR:
            raise _fail(path, row["line"], f"outcome year {row['year']} is after "
                        f"FIT_END_YEAR = {FIT_END_YEAR}; later outcomes belong in holdout.csv.")
    return _select(_frame(rows), kinds, until)


def load_user_observations(path) -> pd.DataFrame:
    """Load a user's own documented figures: the columns and checks of observations.csv.

    Unlike the packaged file, a user's file may hold outcomes after
    :data:`FIT_END_YEAR` (the newest published figures are why a planner adds
    them). The rows are kept apart from the packaged data: the frame carries
    ``origin = "user"`` and nothing is written.

    Raises
    ------
    ObservationError
        A row is malformed (file and line named), or the file has no rows.
    """
    path = Path(path)
    frame = _frame(_read(path))
    if frame.empty:
        raise ObservationError(f"{path}: no figures (the header of observations.csv, then rows)")
    return frame.assign(origin="user")


#: Largest observations upload accepted, in bytes (the packaged file is about 100 kB).
MAX_UPLOAD_BYTES = 5_000_000


def load_observations_upload(data: bytes, name: str) -> pd.DataFrame:
    """Validate uploaded observations (the bytes of a CSV) as :func:`load_user_observations` does.

    Raises
    ------
    ObservationError
        One line naming ``name``, the line and the problem (also for an upload over
        :data:`MAX_UPLOAD_BYTES`).
    """
    name = Path(str(name)).name or "upload.csv"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ObservationError(f"{name}: {len(data)} bytes is larger than the"
                               f" {MAX_UPLOAD_BYTES}-byte limit")
    with tempfile.TemporaryDirectory(prefix="observations-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return load_user_observations(path)
        except ObservationError as error:
            raise ObservationError(str(error).replace(str(path), name)) from None


def load_holdout(path=None) -> pd.DataFrame:
    """Load and validate the hold-out outcomes (after :data:`FIT_END_YEAR`).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Default: the packaged ``simulator/data/holdout.csv``.

    Returns
    -------
    pandas.DataFrame
        Same columns as :func:`load_observations`; may be empty.

    Raises
    ------
    ObservationError
        A row is malformed, is not an ``outcome``, or has a year up to
        :data:`FIT_END_YEAR` (it would overlap the fitting period).
    """
    path = HOLDOUT_CSV if path is None else Path(path)
    rows = _read(path)
    for row in rows:
        if row["kind"] != "outcome":
            raise _fail(path, row["line"], f"kind {row['kind']!r} is not valid in a hold-out "
                        "file; it must be 'outcome'.")
        if row["year"] <= FIT_END_YEAR:
            raise _fail(path, row["line"], f"year {row['year']} is within the fitting period "
                        f"(<= {FIT_END_YEAR}); hold-out years must be later.")
    return _frame(rows)


def observed_series(df: pd.DataFrame, region: str, indicator: str, *,
                    kinds=("outcome", "context"), include_floors: bool = False) -> pd.Series:
    """Observed values of one series, by year, in the model's unit.

    Rows with weight 0 (superseded or excluded figures) are dropped, and so
    are ``at_least`` floors unless ``include_floors`` is true.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`load_observations` or :func:`load_holdout`.
    region, indicator : str
        Series to extract.
    kinds : iterable of str, default ("outcome", "context")
        Kinds to keep; targets are left out by default.
    include_floors : bool, default False
        Keep ``at_least`` rows (floors, not values).

    Returns
    -------
    pandas.Series
        ``value_model`` indexed by ``year`` [year], sorted, named ``indicator``.

    Raises
    ------
    KeyError
        ``region`` or ``indicator`` does not occur in ``df``.
    ValueError
        Two weighted figures remain for one year.
    """
    for column, value in (("region", region), ("indicator", indicator)):
        present = set(df[column])
        if value not in present:
            raise KeyError(f"No {column} named {value!r} in the observations"
                           f"{did_you_mean(value, present)} (present: {sorted(present)!r})")
    mask = ((df["region"] == region) & (df["indicator"] == indicator)
            & df["kind"].isin(list(kinds)) & (df["weight"] > 0))
    if not include_floors:
        mask &= df["bound"] != "at_least"
    rows = df[mask]
    if rows["year"].duplicated().any():
        years = sorted(set(rows.loc[rows["year"].duplicated(), "year"]))
        raise ValueError(f"{region}/{indicator} has several weighted figures for years "
                         f"{years}; give the superseded ones weight 0.")
    series = rows.set_index("year")["value_model"].sort_index()
    series.name = indicator
    return series
