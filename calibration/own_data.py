"""Refit a region with a user's own documented figures, kept apart from the packaged data.

Issue #18 point 9: a planner adds the newest published figures (a CSV with the
columns of ``simulator/data/observations.csv``, checked line by line) and refits.
The packaged observations and profile are never changed: the refitted profile
and its report go to a folder of the user's (``--report``), and the figures'
file is named by its SHA-256 in the profile's provenance.

A user's outcome replaces the packaged outcome of the same region, indicator and
year; the fit then runs to the user's last outcome year, which may be after
:data:`~simulator.data.observations.FIT_END_YEAR` (such a fit is not a
hold-out test any more, and the report says so).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from calibration.fitting import fit_region, region_observations
from calibration.report import _match, simulate_profile
from simulator.data.observations import FIT_END_YEAR, load_observations
from simulator.data.profile import Profile, load_profile, save_profile
from simulator.engine.model import LoadedModel, load_model
from simulator.results import atomic_write_text

__all__ = ["OwnRefit", "merged_observations", "profile_yaml", "refit_with_own_figures",
           "write_own_report"]

_KEY = ["region", "indicator", "year", "kind"]


@dataclass
class OwnRefit:
    """A refit on the packaged figures plus a user's: the profile and what changed."""

    profile: Profile
    packaged: Profile
    figures: pd.DataFrame  # the user's rows of this region (outcomes), model units
    parameters: pd.DataFrame  # parameter, packaged, refit, refit_sd, identified
    points: pd.DataFrame  # the user's figures against both fits
    source_sha256: str


def merged_observations(region: str, user: pd.DataFrame) -> pd.DataFrame:
    """Return the region's outcomes for fitting: packaged rows, a user's winning its year.

    Parameters
    ----------
    region : str
        Lowercase pinyin name, e.g. ``"suining"``.
    user : pandas.DataFrame
        As :func:`simulator.data.observations.load_user_observations` returns.

    Raises
    ------
    ValueError
        The user's file has no outcome of this region (names the regions it has).
    """
    mine = user[(user["region"].str.lower() == region) & (user["kind"] == "outcome")]
    if mine.empty:
        has = sorted(set(user["region"]))
        raise ValueError(f"the figures have no outcome row for {region} (regions in the file:"
                         f" {', '.join(has) or 'none'}; kind must be 'outcome' to be fitted)")
    packaged = load_observations()
    keep = packaged.merge(mine[_KEY].drop_duplicates(), on=_KEY, how="left", indicator=True)
    packaged = packaged[(keep["_merge"] == "left_only").to_numpy()]
    return region_observations(region, frame=pd.concat([packaged, mine], ignore_index=True))


def refit_with_own_figures(
    region: str,
    user: pd.DataFrame,
    *,
    source: str | os.PathLike | bytes,
    n_starts: int = 4,
    seed: int = 20261123,
    model: LoadedModel | None = None,
) -> OwnRefit:
    """Fit ``region`` to its packaged outcomes plus the user's; nothing is saved.

    ``source`` is the user's file (path) or its bytes, named by SHA-256 in the
    profile's provenance. The fit runs to the later of FIT_END_YEAR and the
    user's last outcome year.
    """
    model = model or load_model()
    observations = merged_observations(region, user)
    mine = user[(user["region"].str.lower() == region) & (user["kind"] == "outcome")]
    until = max(FIT_END_YEAR, int(mine["year"].max()))
    profile = fit_region(region, until=until, n_starts=n_starts, seed=seed, model=model,
                         observations=observations)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    profile.provenance["own_figures_sha256"] = digest
    profile.provenance["own_figures_rows"] = len(mine)
    packaged = load_profile(region)
    parameters = pd.DataFrame([
        {"parameter": name, "packaged": packaged.values.get(name), "refit": profile.values[name],
         "refit_sd": profile.entries[name].get("posterior_sd"),
         "identified": profile.entries[name].get("identified")}
        for name in profile.fitted
    ])
    indicators = sorted(set(mine["indicator"].map(_model_name)))
    end = max(until, 2025)
    before = simulate_profile(packaged, end_year=end, model=model)
    after = simulate_profile(profile, end_year=end, model=model)
    points = _match(_user_points(mine, indicators), before).rename(
        columns={"sim": "packaged_fit", "error_pct": "packaged_error_pct"})
    again = _match(_user_points(mine, indicators), after)
    points["refit"], points["refit_error_pct"] = again["sim"], again["error_pct"]
    return OwnRefit(profile=profile, packaged=packaged, figures=mine,
                    parameters=parameters, points=points, source_sha256=digest)


def _model_name(name: str) -> str:
    from calibration.fitting import MODEL_INDICATOR

    return MODEL_INDICATOR.get(name, name)


def _user_points(mine: pd.DataFrame, indicators: list[str]) -> pd.DataFrame:
    points = pd.DataFrame({"indicator": mine["indicator"].map(_model_name),
                           "year": mine["year"].astype(int),
                           "value": mine["value_model"].astype(float),
                           "bound": mine["bound"], "line": mine["line"].astype(int)})
    return points[points["indicator"].isin(indicators)].reset_index(drop=True)


def profile_yaml(refit: OwnRefit) -> str:
    """Return the refitted profile as YAML text, as ``save_profile`` writes it."""
    import yaml

    header = (f"# Calibration profile for {refit.profile.region}, refitted with your own figures"
              f" (SHA-256 {refit.source_sha256}); not the packaged profile.\n")
    return header + yaml.safe_dump(refit.profile.to_dict(), allow_unicode=True, sort_keys=False)


def write_own_report(refit: OwnRefit, report_dir: str | os.PathLike) -> Path:
    """Write ``profile.yaml``, ``parameters.csv``, ``points.csv`` and ``own-fit.md``.

    The folder is ``report_dir/<region>-own``; the packaged profile is never touched.
    """
    folder = Path(report_dir) / f"{refit.profile.region}-own"
    folder.mkdir(parents=True, exist_ok=True)
    save_profile(refit.profile, folder / "profile.yaml")
    atomic_write_text(folder / "parameters.csv", refit.parameters.to_csv(index=False))
    atomic_write_text(folder / "points.csv", refit.points.to_csv(index=False))
    atomic_write_text(folder / "own-fit.md", own_markdown(refit))
    return folder


def own_markdown(refit: OwnRefit) -> str:
    """Return the refit's report: the figures added, the parameters before and after."""
    profile = refit.profile
    lines = [
        f"# {profile.region}: refit with your own figures · 使用自有数据重新标定",
        "",
        f"Figures: {int(profile.provenance['own_figures_rows'])} outcome rows"
        f" (file SHA-256 {refit.source_sha256[:16]}…), fitted with the packaged outcomes up to"
        f" {profile.fit_until}; a row of yours replaces the packaged figure of its indicator"
        " and year. The packaged data and profile are unchanged.",
    ]
    if profile.fit_until > FIT_END_YEAR:
        lines.append(f"The fit uses outcomes after {FIT_END_YEAR}, so the hold-out comparison"
                     " of the packaged reports does not apply to it.")
    lines += ["", "| parameter | packaged | refit | refit sd (fitting space) | identified |",
              "|---|---|---|---|---|"]
    for row in refit.parameters.itertuples(index=False):
        sd = "" if row.refit_sd is None else f"{row.refit_sd:.4g}"
        before = "" if row.packaged is None else f"{row.packaged:.4g}"
        lines.append(f"| {row.parameter} | {before} | {row.refit:.4g} | {sd}"
                     f" | {row.identified} |")
    lines += ["", "| indicator | year | your figure | packaged fit (error %) | refit (error %) |",
              "|---|---|---|---|---|"]
    for row in refit.points.itertuples(index=False):
        lines.append(f"| {row.indicator} | {row.year} | {row.value:.4g} | {row.packaged_fit:.4g}"
                     f" ({row.packaged_error_pct:+.1f}) | {row.refit:.4g}"
                     f" ({row.refit_error_pct:+.1f}) |")
    return "\n".join(lines) + "\n"
