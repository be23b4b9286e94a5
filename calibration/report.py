"""Fit reports: statistics of model against data, plots, and backtests.

For each series with at least two documented points: MAPE and RMSPE; with at
least three: Theil's inequality decomposition (U^M, U^S, U^C). Backtests fit
through ``until`` and report the forecast error on every later documented
outcome (up to 2022 from the fitting data, 2023 on from the hold-out file).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.fitting import MODEL_INDICATOR, Objective, fitting_observations, load_region_spec
from simulator import catalogue, fit_stats
from simulator.data.observations import FIT_END_YEAR, load_holdout
from simulator.data.profile import Profile
from simulator.engine.model import LoadedModel, load_model
from simulator.results import atomic_write_text
from simulator.yaml_input import read_yaml

#: Forecast horizon of the report's simulation [year].
REPORT_END_YEAR = 2030


def simulate_profile(
    profile: Profile, end_year: int = REPORT_END_YEAR, model: LoadedModel | None = None
) -> pd.DataFrame:
    """Run the region's baseline with the profile's values; indicators by year."""
    model = model or load_model()
    spec = load_region_spec(profile.region)
    objective = Objective(spec, min(profile.fit_until, FIT_END_YEAR), model, dict(profile.values))
    indicators = [*catalogue.KEY_INDICATORS, "high_tech_enterprises_newly_certified"]
    return objective.forecast(np.array(profile.mean, dtype=float), end_year, indicators)


def series_statistics(points: pd.DataFrame) -> pd.DataFrame:
    """Per-indicator statistics from matched points (columns indicator, year, value, sim, bound)."""
    rows = []
    for indicator, group in points[points["bound"] != "at_least"].groupby("indicator"):
        n = len(group)
        row = {"indicator": indicator, "n": n, "mape": math.nan, "rmspe": math.nan,
               "theil_u": math.nan, "um": math.nan, "us": math.nan, "uc": math.nan}
        if n >= 2:
            row["mape"] = fit_stats.mape(group["sim"], group["value"])
            row["rmspe"] = fit_stats.rmspe(group["sim"], group["value"])
        if n >= 3:
            row["theil_u"], row["um"], row["us"], row["uc"] = fit_stats.theil_decomposition(
                group["sim"], group["value"]
            )
        rows.append(row)
    return pd.DataFrame(
        rows, columns=["indicator", "n", "mape", "rmspe", "theil_u", "um", "us", "uc"]
    )


def matched_points(profile: Profile, frame: pd.DataFrame) -> pd.DataFrame:
    """Documented outcomes used in the fit, with the model's value and error [%]."""
    spec = load_region_spec(profile.region)
    obs = fitting_observations(spec, profile.fit_until)
    return _match(obs, frame)


def forecast_points(profile: Profile, frame: pd.DataFrame) -> pd.DataFrame:
    """Outcomes no fit has seen: later fitting-data years and the hold-out file."""
    spec = load_region_spec(profile.region)
    later = fitting_observations(spec, FIT_END_YEAR)
    later = later[later["year"] > profile.fit_until].assign(source="observations.csv")
    hold = load_holdout()
    hold = hold[hold["region"].str.lower() == profile.region]
    hold = pd.DataFrame({
        "indicator": hold["indicator"].map(lambda n: MODEL_INDICATOR.get(n, n)),
        "year": hold["year"].astype(int), "value": hold["value_model"].astype(float),
        "bound": hold["bound"], "weight": hold["weight"].astype(float), "source": "holdout.csv",
    })
    hold = hold[hold["indicator"].isin(frame.columns) & (hold["year"] <= frame.index.max())]
    return _match(pd.concat([later, hold], ignore_index=True), frame)


def _match(obs: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    obs = obs[obs["indicator"].isin(frame.columns)].copy()
    obs["sim"] = [float(frame.at[y, i]) for i, y in zip(obs["indicator"], obs["year"])]
    obs["error_pct"] = 100 * (obs["sim"] / obs["value"] - 1)
    return obs.reset_index(drop=True)


def write_report(
    profile: Profile, report_dir: str | os.PathLike, model: LoadedModel | None = None
) -> Path:
    """Write ``fit.md``, ``fit_points.csv``, ``fit_statistics.csv``, ``forecast.csv``, ``fit.png``.

    Returns
    -------
    pathlib.Path
        The report folder (``report_dir/<region>`` or ``.../<region>-until-<year>``).
    """
    model = model or load_model()
    suffix = "" if profile.fit_until == FIT_END_YEAR else f"-until-{profile.fit_until}"
    folder = Path(report_dir) / f"{profile.region}{suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    frame = simulate_profile(profile, model=model)
    points = matched_points(profile, frame)
    stats = series_statistics(points)
    forecast = forecast_points(profile, frame)
    atomic_write_text(folder / "fit_points.csv", points.to_csv(index=False))
    atomic_write_text(folder / "fit_statistics.csv", stats.to_csv(index=False))
    atomic_write_text(folder / "forecast.csv", forecast.to_csv(index=False))
    _plot(profile, frame, points, forecast, folder / "fit.png")
    atomic_write_text(folder / "fit.md", _markdown(profile, stats, points, forecast))
    return folder


def _plot(profile, frame, points, forecast, path: Path) -> None:
    from simulator.plotting import plot_series

    entries = catalogue.indicators()
    names = [n for n in frame.columns if n in entries]
    observed = pd.concat([points, forecast], ignore_index=True).rename(
        columns={"value": "value_model"}
    )
    observed = observed.assign(weight=observed.get("weight", 1.0))
    figure = plot_series(
        frame[names], indicators=names,
        labels={n: (entries[n].label_zh, entries[n].label_en) for n in names},
        units={n: entries[n].unit for n in names}, observed=observed,
        title=f"{profile.region} 拟合 fit (≤{profile.fit_until})",
    )
    tmp = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(tmp, dpi=100, bbox_inches="tight")
    os.replace(tmp, path)


def _fmt(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3g}"


def _markdown(
    profile: Profile, stats: pd.DataFrame, points: pd.DataFrame, forecast: pd.DataFrame
) -> str:
    spec_notes = _fit_notes(profile.region)
    lines = [
        f"# Fit report · 拟合报告: {profile.region}",
        "",
        f"Base year {profile.base_year}; outcomes {profile.base_year}–{profile.fit_until} used; "
        f"{profile.fit.get('observations_used')} observations, {profile.fit.get('starts')} starts, "
        f"{profile.fit.get('model_evaluations')} model runs. "
        f"Model {profile.provenance.get('model_sha256', '')[:12]}, "
        f"data {profile.provenance.get('data_sha256', '')[:12]}.",
        "",
        "## Parameters",
        "",
        "| parameter | value | status | prior | posterior sd | identified |",
        "|---|---|---|---|---|---|",
    ]
    for name, value in profile.values.items():
        e = profile.entries.get(name, {})
        prior = (
            f"{e['prior_mean']:.4g} ± {e['prior_sd']:.3g} ({e['space']})" if e.get("fitted")
            else f"[{e['low']}, {e['high']}]" if e.get("status") == "assumed" else ""
        )
        ident = (
            _bound_note(profile, name) or
            ("yes" if e.get("identified") else "no: stays near its prior") if e.get("fitted")
            else ""
        )
        lines.append(f"| {name} | {value:.4g} | {e.get('status', '')} | {prior} | "
                     f"{_fmt(e.get('posterior_sd'))} | {ident} |")
    lines += ["", "## Series (in sample)", "",
              "| indicator | n | MAPE % | RMSPE % | U | U^M | U^S | U^C | note |",
              "|---|---|---|---|---|---|---|---|---|"]
    for row in stats.itertuples():
        note = spec_notes.get(row.indicator, "")
        if not note and row.n >= 2 and row.mape > 10:
            note = "MAPE above 10%: see the points below"
        lines.append(f"| {row.indicator} | {row.n} | {_fmt(row.mape)} | {_fmt(row.rmspe)} | "
                     f"{_fmt(row.theil_u)} | "
                     f"{_fmt(row.um)} | {_fmt(row.us)} | {_fmt(row.uc)} | {note} |")
    lines += ["", "## Points", "", "| indicator | year | documented | model | error % | bound |",
              "|---|---|---|---|---|---|"]
    for row in points.itertuples():
        lines.append(f"| {row.indicator} | {row.year} | {row.value:.4g} | {row.sim:.4g} | "
                     f"{row.error_pct:+.1f} | {row.bound} |")
    lines += ["", "## Forecasts of outcomes no fit has seen", ""]
    if len(forecast):
        lines += ["| indicator | year | documented | forecast | error % | source |",
                  "|---|---|---|---|---|---|"]
        for row in forecast.itertuples():
            lines.append(f"| {row.indicator} | {row.year} | {row.value:.4g} | {row.sim:.4g} | "
                         f"{row.error_pct:+.1f} | {row.source} |")
        lines += ["", f"Mean absolute forecast error: {forecast['error_pct'].abs().mean():.1f}%"
                      f" over {len(forecast)} points."]
    else:
        lines.append("None documented for this region.")
    lines += ["", "Convention: the model's value at time Y is compared with the figure published"
                  " for year Y.", ""]
    return "\n".join(lines)


def _bound_note(profile: Profile, name: str) -> str:
    """``no: at its ... bound`` for a fitted value at a bound (the Laplace sd is invalid there)."""
    if name not in profile.bounds:
        return ""
    low, high = profile.bounds[name]
    value, span = profile.values[name], 1e-3 * (high - low)
    if profile.transforms.get(name) == "log":
        value, low, high = math.log(value), math.log(low), math.log(high)
        span = 1e-3 * (high - low)
    side = "lower" if value - low < span else "upper" if high - value < span else ""
    return f"no: at its {side} bound (posterior sd not valid)" if side else ""


def _fit_notes(region: str) -> dict[str, str]:
    from calibration.fitting import SPECS_DIR

    spec = read_yaml(SPECS_DIR / f"{region}.yaml", "calibration spec")
    return dict(spec.get("fit_notes") or {})
