"""Charts of a run against the region's documented history and targets."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from simulator import catalogue
from simulator.results import Results


def documented_points(region: str | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Outcomes (fitting years) and targets of a region, in model units.

    Parameters
    ----------
    region : str or None
        Lowercase pinyin (``"ningxia"``) or None.

    Returns
    -------
    (observed, targets) : tuple of pandas.DataFrame or None
        Long frames with ``indicator``, ``year``, ``value_model``, ``bound``, ``weight``.
    """
    if not region:
        return None, None
    from simulator.data.observations import load_observations

    data = load_observations()
    data = data[data["region"].str.lower() == region.lower()]
    return data[data["kind"] == "outcome"], data[data["kind"] == "target"]


def plot_results(results: Results, path: str | os.PathLike, *, title: str | None = None) -> Path:
    """Save a PNG of the key indicators with documented points and targets.

    Parameters
    ----------
    results : Results
        A run; its metadata's scenario region selects the documented points.
    path : str or os.PathLike
        Output ``.png``.
    title : str, optional
        Figure title.
    """
    from simulator.plotting import plot_series

    region = results.metadata.get("scenario", {}).get("region")
    observed, targets = documented_points(region)
    entries = catalogue.indicators()
    names = [n for n in catalogue.KEY_INDICATORS if n in results.frame.columns]
    figure = plot_series(
        results.frame,
        indicators=names,
        labels={n: (entries[n].label_zh, entries[n].label_en) for n in names},
        units=results.units,
        observed=observed,
        targets=targets,
        title=title,
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(tmp, dpi=110, bbox_inches="tight")
    os.replace(tmp, path)
    return path
