"""Ensembles of up to :data:`~simulator.ensemble.MAX_ENSEMBLE` members in bounded memory.

:func:`summarise_ensemble` is what ``run --ensemble`` and ``targets --ensemble`` print
and write: target probabilities and quantile bands. Up to
:data:`~simulator.ensemble.MAX_IN_MEMORY` members (whose runs x time steps fit one
engine call, :data:`simulator.engine.timegrid.MAX_RUN_STEPS`) it keeps every run
(:func:`simulator.ensemble.run_ensemble`) and reduces exactly, as before. Above it
:func:`stream_ensemble` draws the members block by block
(:func:`simulator.ensemble.draw_block`), runs each block in chunks of at most
:data:`CHUNK` members through :func:`simulator.runner.run_variants` and reduces
every chunk as it comes:

- target probabilities: the members meeting each target are counted (exact);
  so are the members first reaching it in each year (the median is exact);
- quantiles (the bands, the value in a target's year): a
  :class:`simulator.quantile_sketch.QuantileSketch`, whose rank error bound
  (at most 0.37% of N at 10^8 members with m = 2,048) is stated in the notes. Its
  estimates are members' values (the inverse of the empirical distribution), where the
  in-memory path interpolates (``numpy.quantile``): the two differ by under one rank.

Memory: one block's draws (10^5 members: 130 MB measured on ningxia-plan), one
chunk's runs and the sketch (:func:`simulator.quantile_sketch.sketch_bytes`, at
most :data:`SKETCH_BYTES`). Results do not depend on the chunk size: draws are
fixed by the seed and the member's index, the batch kernel is fixed for the whole
ensemble, and the reductions depend on the members' order only (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.ensemble import (
    MAX_ENSEMBLE,
    MAX_IN_MEMORY,
    QUANTILES,
    block_count,
    draw_block,
    run_ensemble,
)
from simulator.quantile_sketch import DEFAULT_M, QuantileSketch, sketch_bytes
from simulator.scenario import Scenario
from simulator.targets import (
    ensemble_row,
    ensemble_table,
    first_year_reached,
    is_met,
    track_ensemble,
)

#: Members run in one engine call of a streamed ensemble: the memory knob; the results
#: do not depend on it [members].
CHUNK = 10_000
#: Most bytes the quantile sketches of a streamed ensemble may hold.
SKETCH_BYTES = 512 * 2**20
#: Smallest sketch size taken to stay within SKETCH_BYTES (rank error 3% of N at 10^8).
MIN_M = 256
#: Quantiles of the value in a target's year (as :func:`simulator.targets.track_ensemble`).
TARGET_QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class EnsembleSummary:
    """What an ensemble's command prints: target probabilities and quantile bands.

    Attributes
    ----------
    n, seed : int
    source : str
        Where the draws came from (``Ensemble.source``).
    notes : tuple of str
        Where the draws came from and, if streamed, how it was reduced.
    targets : pandas.DataFrame or None
        :func:`simulator.targets.track_ensemble`'s table.
    bands : pandas.DataFrame or None
        ``year``, ``indicator``, ``quantile``, ``value`` (``Ensemble.quantiles_long``).
    streamed : bool
    rank_error : int
        Bound of the quantiles' rank error [members]; 0 when exact.
    """

    n: int
    seed: int
    source: str
    notes: tuple[str, ...]
    targets: pd.DataFrame | None
    bands: pd.DataFrame | None
    streamed: bool
    rank_error: int = 0


def check_size(n) -> None:
    """Refuse an ensemble size outside 1..MAX_ENSEMBLE, naming the bound."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_ENSEMBLE:
        raise ValueError(f"an ensemble must have between 1 and {MAX_ENSEMBLE:,} members (up to"
                         f" {MAX_IN_MEMORY:,} held in memory, more streamed in chunks), got {n!r}")


def _steps(scenario: Scenario) -> int:
    from simulator.engine.timegrid import time_grid

    return len(time_grid(scenario.start_year, scenario.end_year, scenario.time_step))


def summarise_ensemble(scenario: Scenario, n: int, seed: int, *, engine: str = "auto",
                       indicators: list[str] | None = None, targets=(), quantiles=QUANTILES,
                       draw_assumed: bool | None = None) -> EnsembleSummary:
    """Target table and bands of ``n`` members: exact in memory, else streamed.

    Parameters as for :func:`stream_ensemble`.
    """
    from simulator.engine.timegrid import MAX_RUN_STEPS

    check_size(n)
    if n > MAX_IN_MEMORY or n * _steps(scenario) > MAX_RUN_STEPS:
        return stream_ensemble(scenario, n, seed, engine=engine, indicators=indicators,
                               targets=targets, quantiles=quantiles, draw_assumed=draw_assumed)
    names, bands_of = _run_names(indicators, targets)
    ens = run_ensemble(scenario, n, seed, engine=engine, indicators=names,
                       draw_assumed=draw_assumed)
    bands = ens.quantiles_long(tuple(quantiles)) if quantiles else None
    return EnsembleSummary(
        n=n, seed=int(seed), source=ens.source, notes=ens.notes,
        targets=track_ensemble(ens.years, ens.values, targets) if targets else None,
        bands=None if bands is None else
        bands[bands["indicator"].isin(bands_of)].reset_index(drop=True), streamed=False)


def _run_names(indicators, targets) -> tuple[list[str], list[str]]:
    """Return the indicators to run (the bands' and the targets') and those of the bands."""
    bands_of = list(indicators or catalogue.indicators())
    return bands_of + sorted({t.indicator for t in targets} - set(bands_of)), bands_of


def _sketch_size(n: int, cells: int) -> int:
    """Largest power-of-two sketch size <= DEFAULT_M whose memory fits SKETCH_BYTES."""
    m = DEFAULT_M
    while m > MIN_M and sketch_bytes(n, cells, m) > SKETCH_BYTES:
        m //= 2
    if sketch_bytes(n, cells, m) > SKETCH_BYTES:
        raise ValueError(
            f"the quantile bands of {cells:,} indicator-years x {n:,} members need"
            f" {sketch_bytes(n, cells, m) / 2**20:,.0f} MiB, over the bound of"
            f" {SKETCH_BYTES / 2**20:.0f} MiB; use fewer members or a shorter horizon")
    return m


def stream_ensemble(scenario: Scenario, n: int, seed: int, *, engine: str = "auto",
                    indicators: list[str] | None = None, targets=(), quantiles=QUANTILES,
                    draw_assumed: bool | None = None, chunk: int = CHUNK,
                    m: int | None = None) -> EnsembleSummary:
    """Run ``n`` members in chunks and reduce them as they come (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
    n, seed : int
        Members (1..MAX_ENSEMBLE) and the seed of every draw.
    engine : str
        As for :func:`simulator.runner.run_variants`.
    indicators : list of str, optional
        Indicators of the bands (default: all catalogued); the targets' are added.
    targets : iterable of Target
        Targets whose probability is counted (none: no target table).
    quantiles : tuple of float
        Levels of the bands (empty: no bands).
    draw_assumed : bool, optional
        As for :func:`simulator.ensemble.draw_parameters`.
    chunk : int
        Members per engine call (capped so that a call holds at most MAX_RUN_STEPS
        run-steps); the results do not depend on it.
    m : int, optional
        Sketch size (default: DEFAULT_M, smaller if SKETCH_BYTES requires it).
    """
    from simulator.engine.timegrid import MAX_RUN_STEPS
    from simulator.runner import run_variants

    check_size(n)
    targets, levels = list(targets), tuple(float(q) for q in quantiles)
    if not all(0.0 <= q <= 1.0 for q in levels):
        raise ValueError(f"quantile levels must lie in [0, 1], got {list(quantiles)}")
    names, bands_of = _run_names(indicators, targets)
    chunk = max(1, min(int(chunk), MAX_RUN_STEPS // _steps(scenario)))
    n_years = scenario.end_year - scenario.start_year + 1
    band_cells = len(bands_of) * n_years if levels else 0
    m = m or _sketch_size(n, band_cells + len(targets))
    bands, values_in_year = QuantileSketch(band_cells, m), QuantileSketch(len(targets), m)
    met = np.zeros(len(targets), dtype=np.int64)
    first_counts = np.zeros((len(targets), n_years + 1), dtype=np.int64)  # last: never
    years, source, notes = None, "", ()
    blocks = block_count(n)
    for block in range(blocks):
        draws, block_source, block_notes = draw_block(scenario, n, seed, block,
                                                      draw_assumed=draw_assumed)
        if block == 0:
            source, notes = block_source, block_notes
        for start in range(0, len(draws), chunk):
            # kernel fixed: "auto" would pick by each call's size, and chunks differ in size
            years, values = run_variants(scenario, draws[start:start + chunk], engine=engine,
                                         indicators=names, kernel="numpy")
            if len(years) != n_years:
                raise ValueError(f"expected {n_years} output years, got {len(years)}")
            if levels:
                bands.update(np.concatenate([values[name] for name in bands_of], axis=1))
            _count_targets(targets, years, values, met, first_counts, values_in_year)
        del draws
    rank_error = max(bands.rank_error, values_in_year.rank_error)
    notes = (*notes, f"streamed: {n:,} members drawn in {blocks:,} seed blocks, run"
             f" {chunk:,} at a time; target probabilities are exact counts; quantiles from a"
             f" sketch of {m:,} values per level, rank error at most {rank_error:,} members"
             f" ({rank_error / n:.3%} of the ensemble)")
    return EnsembleSummary(
        n=n, seed=int(seed), source=source, notes=notes,
        targets=_target_table(targets, years, n, met, first_counts, values_in_year)
        if targets else None,
        bands=_bands_long(bands, bands_of, years, levels) if levels else None,
        streamed=True, rank_error=int(rank_error))


def _year_at(years: np.ndarray, year: int) -> int | None:
    hits = np.flatnonzero(years == year)
    return int(hits[0]) if hits.size else None


def _count_targets(targets, years, values, met, first_counts, values_in_year) -> None:
    """Add one chunk's members to the counts of each target (in place)."""
    if not targets:
        return
    in_year = np.empty((len(next(iter(values.values()))), len(targets)))
    for j, target in enumerate(targets):
        runs = values[target.indicator]
        at = _year_at(years, target.year)
        in_year[:, j] = runs[:, at] if at is not None else np.nan
        met[j] += int(is_met(in_year[:, j], target.value, target.bound).sum())
        first = first_year_reached(years, runs, target)
        index = np.where(np.isnan(first), len(years),
                         np.searchsorted(years, np.nan_to_num(first)))
        first_counts[j] += np.bincount(index.astype(int), minlength=len(years) + 1)
    values_in_year.update(in_year)


def _target_table(targets, years, n, met, first_counts, values_in_year) -> pd.DataFrame:
    """track_ensemble's table from the counts and the sketch of the values in each year."""
    entries = catalogue.indicators()
    quantiles = values_in_year.quantiles(TARGET_QUANTILES)
    rows = []
    for j, target in enumerate(targets):
        # the median first year: the ((n - 1) // 2)-th member in year order, never last
        at = int(np.searchsorted(np.cumsum(first_counts[j]), (n - 1) // 2, side="right"))
        first_median = float(years[at]) if at < len(years) else np.inf
        in_year = quantiles[:, j] if _year_at(years, target.year) is not None else [np.nan] * 3
        rows.append(ensemble_row(target, entries, n, met[j] / n, in_year, first_median))
    return ensemble_table(rows)


def _bands_long(bands: QuantileSketch, names, years, levels) -> pd.DataFrame:
    """Return the sketch's quantiles in ``Ensemble.quantiles_long``'s form."""
    values = bands.quantiles(levels).reshape(len(levels), len(names), len(years))
    index = pd.MultiIndex.from_product([names, years, levels],
                                       names=["indicator", "year", "quantile"])
    frame = pd.DataFrame({"value": values.transpose(1, 2, 0).ravel()}, index=index)
    long = frame.reset_index().sort_values(["indicator", "year", "quantile"], ignore_index=True)
    return long[["year", "indicator", "quantile", "value"]]
