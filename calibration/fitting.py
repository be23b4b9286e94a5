"""Fit a region's few identifiable parameters to its documented outcomes (MAP).

The objective is a bounded, weighted least-squares problem in log space with
Gaussian priors from the literature ranges (a maximum a posteriori fit):

- each documented outcome contributes ``sqrt(w) * (ln sim - ln obs) / sigma``;
  ``at_least`` figures contribute only when the model falls below them
  (one-sided), and third-party rows carry their lower weight ``w``;
- each fitted parameter contributes ``(z - mu) / s`` where ``z`` is the
  parameter in its fitting space (log for positive scale values, linear for
  rates and growth rates) and ``mu``, ``s`` come from the region spec (for
  assumed start values: their 90% range) or from the model's documented
  default and range (``s`` = range / 4).

The model's value of a figure is first shifted by the measurement model
(:mod:`calibration.measurement`): stated offsets of definitional breaks, and
estimated breaks and third-party biases, which follow the model parameters in the
fitting vector (``Objective.fit_priors``) with their own Gaussian priors.

Several starts (the prior mean, then a seeded Latin hypercube) guard against
local minima. The posterior covariance is the Laplace approximation
``(J^T J)^-1`` at the optimum; a parameter is *identified* when the data
shrink its standard deviation below half of its prior one.

References
----------
.. [1] Oliva, R. (2003). Model calibration as a testing strategy for system
   dynamics models. EJOR 151(3):552-568. doi:10.1016/S0377-2217(02)00622-7
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import qmc

from calibration.measurement import MeasurementModel, start_value_offset
from simulator import catalogue, paths
from simulator.catalogue import REGIONS
from simulator.data.observations import FIT_END_YEAR, load_observations
from simulator.data.profile import Z90, Profile
from simulator.engine.dispatch import run_cases
from simulator.engine.model import LoadedModel, load_model, time_grid
from simulator.errors import did_you_mean
from simulator.runner import scenario_inputs
from simulator.scenario import Scenario
from simulator.yaml_input import read_yaml

SPECS_DIR = Path(__file__).resolve().parent / "specs"
SCENARIOS_DIR = paths.SCENARIOS_DIR

#: Relative error assumed for a documented figure [1]: statistics are revised by
#: a few percent (e.g. Ningxia's R&D intensity 2017: 1.13% then 1.22%).
#: assumption: 5%; 10% where the source says 约/左右 (bound "approx").
SIGMA_EQUAL = 0.05
SIGMA_APPROX = 0.10

#: Observation indicators calibrated against a model indicator of another name.
#: Ningxia's seed targets refer to the national register (shared/data/README.md).
MODEL_INDICATOR = {"tech_smes_registered_national": "tech_smes_registered"}


def holdout_figures(*, modelled: bool = True) -> pd.DataFrame:
    """Return the hold-out figures (2023+) under model indicator names, regions in lowercase.

    ``modelled=True``: those of indicators the model has (scored by coverage and backtests);
    ``False``: the others (documented, e.g. registered contract counts, but not simulated).
    """
    from simulator.data.observations import load_holdout

    hold = load_holdout()
    hold = hold.assign(region=hold["region"].str.lower(),
                       model_indicator=hold["indicator"].map(lambda i: MODEL_INDICATOR.get(i, i)))
    known = hold["model_indicator"].isin(set(catalogue.indicators()))
    return hold[known if modelled else ~known].reset_index(drop=True)


@dataclass
class RegionSpec:
    """What to fit for a region (``calibration/specs/<region>.yaml``)."""

    region: str
    base_year: int
    documented: dict[str, dict]
    assumed: dict[str, dict]
    fit: list[str]
    derived: list[dict] = field(default_factory=list)
    derived_values: dict[str, dict] = field(default_factory=dict)


def load_region_spec(region: str) -> RegionSpec:
    """Read a region's calibration spec.

    Raises
    ------
    ValueError
        If the region is unknown.
    """
    if region not in REGIONS:
        raise ValueError(
            f"unknown region {region!r}{did_you_mean(region, REGIONS)} (valid: {list(REGIONS)})"
        )
    data = read_yaml(SPECS_DIR / f"{region}.yaml", "calibration spec")
    return RegionSpec(
        region=data["region"],
        base_year=int(data["base_year"]),
        documented=data.get("documented", {}),
        assumed=data.get("assumed", {}),
        fit=list(data.get("fit", [])),
        derived=list(data.get("derived", [])),
        derived_values=dict(data.get("derived_values", {}) or {}),
    )


def region_observations(region: str, *, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """All documented outcomes of a region, under model indicator names.

    Returns
    -------
    pandas.DataFrame
        Columns ``indicator``, ``year``, ``value`` (model units), ``bound``,
        ``weight``, ``line`` (of observations.csv; 0 for derived rows), ``note``.
    """
    data = frame if frame is not None else load_observations()
    mine = data["region"].str.lower() == region
    rows = data[mine & (data["kind"] == "outcome") & (data["weight"] > 0)]
    out = pd.DataFrame(
        {
            "indicator": rows["indicator"].map(lambda n: MODEL_INDICATOR.get(n, n)),
            "year": rows["year"].astype(int),
            "value": rows["value_model"].astype(float),
            "bound": rows["bound"],
            "weight": rows["weight"].astype(float),
            "line": rows["line"].astype(int) if "line" in rows else 0,
            "note": "",
        }
    )
    indicator_names = set(catalogue.indicators())
    return out[out["indicator"].isin(indicator_names)].reset_index(drop=True)


def fitting_observations(
    spec: RegionSpec, until: int, observations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Outcomes used to fit: from the base year to ``until``, plus derived rows.

    ``observations`` (columns as :func:`region_observations` returns) replaces
    the documented data, e.g. with synthetic data in tests.
    """
    obs = region_observations(spec.region) if observations is None else observations
    derived = pd.DataFrame(
        [
            {
                "indicator": d["indicator"],
                "year": int(d["year"]),
                "value": float(d["value"]),
                "bound": d.get("bound", "equal"),
                "weight": float(d.get("weight", 1.0)),
                "line": 0,
                "note": d.get("note", ""),
            }
            for d in spec.derived
        ]
    )
    obs = pd.concat([obs, derived], ignore_index=True) if len(derived) else obs
    keep = (obs["year"] >= spec.base_year) & (obs["year"] <= until)
    # The base-year value of a documented start value is matched by construction.
    return obs[keep].reset_index(drop=True)


def documented_values(spec: RegionSpec) -> dict[str, tuple[float, str]]:
    """Start values read from the data: name -> (value, citation)."""
    data = load_observations()
    out = {}
    for name, where in spec.documented.items():
        rows = data[
            (data["region"].str.lower() == spec.region)
            & (data["indicator"] == where["indicator"])
            & (data["year"] == where["year"])
            & (data["kind"] == "outcome")
            & (data["weight"] > 0)
        ]
        if len(rows) != 1:
            raise ValueError(
                f"{spec.region}: {name} needs one documented {where['indicator']}"
                f" {where['year']}, found {len(rows)}"
            )
        row = rows.iloc[0]
        value = float(row["value_model"])
        # a figure on another definition is put on the model's (calibration.measurement)
        shift = start_value_offset(spec.region, where["indicator"], int(where["year"]), value)
        note = f" / exp({shift:.4f}) (measurement break)" if shift else ""
        out[name] = (
            value / math.exp(shift),
            f"observations.csv line {int(row['line'])}: {row['source']}{note}",
        )
    for name, entry in spec.derived_values.items():
        out[name] = (float(entry["value"]), f"derived: {entry['source']}")
    return out


@dataclass
class Prior:
    """Gaussian prior of one fitted parameter in its fitting space."""

    name: str
    transform: str  # "log" or "linear"
    mean: float
    sd: float
    lower: float  # bounds in the fitting space
    upper: float

    def to_space(self, value: float) -> float:
        """Parameter value -> fitting space."""
        return math.log(value) if self.transform == "log" else value

    def from_space(self, z: float) -> float:
        """Fitting space -> parameter value."""
        return math.exp(z) if self.transform == "log" else z


def priors(spec: RegionSpec, model: LoadedModel) -> list[Prior]:
    """Priors of the fitted parameters (see module docstring)."""
    params = catalogue.parameters(model)
    out = []
    for name in spec.fit:
        entry = params[name]
        low = entry.min if entry.min is not None else -math.inf
        high = entry.max if entry.max is not None else math.inf
        if name in spec.assumed:
            a = spec.assumed[name]
            mean, sd = math.log(a["value"]), math.log(a["high"] / a["low"]) / (2 * Z90)
            lower = math.log(max(low, a["low"] / 3, 1e-12))
            upper = math.log(min(high, a["high"] * 3))
            out.append(Prior(name, "log", mean, sd, lower, upper))
        else:
            sd = (high - low) / 4
            out.append(Prior(name, "linear", float(entry.default), sd, low, high))
    return out


class Objective:
    """Residuals of a region fit; one model run per evaluation."""

    def __init__(
        self,
        spec: RegionSpec,
        until: int,
        model: LoadedModel,
        fixed: dict[str, float],
        observations: pd.DataFrame | None = None,
    ):
        self.spec, self.until, self.model = spec, until, model
        self.priors = priors(spec, model)
        self.obs = fitting_observations(spec, until, observations)
        base = baseline_scenario(spec.region, model)
        self.end_year = max(until, spec.base_year + 1)
        self.grid = time_grid(spec.base_year, self.end_year, base.time_step)
        self.time_step = base.time_step
        inputs = scenario_inputs(base, self.grid)
        self.inputs = {
            k: (pd.Series(v, index=self.grid) if isinstance(v, np.ndarray) else v)
            for k, v in inputs.items()
        }
        self.inputs.update(fixed)
        entries = catalogue.indicators(model)
        self.columns = {
            name: entries[name].vensim_name for name in sorted(set(self.obs["indicator"]))
        }
        sigma = np.where(self.obs["bound"] == "approx", SIGMA_APPROX, SIGMA_EQUAL)
        self.scale = np.sqrt(self.obs["weight"].to_numpy()) / sigma
        self.one_sided = (self.obs["bound"] == "at_least").to_numpy()
        self.evaluations = 0
        # breaks and third-party factors (calibration.measurement): the estimated ones follow
        # the model parameters in the fitting vector
        self.measurement = MeasurementModel(spec.region, self.obs)
        self.fit_priors = self.priors + [
            Prior(t.name, "linear", t.mean, t.sd, t.lower, t.upper)
            for t in self.measurement.terms
        ]

    def log_shift(self, z: np.ndarray) -> np.ndarray:
        """Measurement log shift of each observation for each row of ``z`` (``(k, n_obs)``).

        Rows of ``z`` without the measurement terms take the terms' prior centres.
        """
        z = np.atleast_2d(z)
        p, q = len(self.priors), len(self.measurement.terms)
        m = (z[:, p : p + q] if z.shape[1] >= p + q
             else np.tile([t.mean for t in self.measurement.terms], (len(z), 1)))
        return self.measurement.shift(m)

    def parameters(self, z: np.ndarray) -> dict[str, float]:
        """Fitting-space vector -> parameter overrides."""
        return {p.name: p.from_space(float(v)) for p, v in zip(self.priors, z)}

    def simulate(self, z: np.ndarray, end_year: int | None = None) -> pd.DataFrame:
        """Run the model; returns indicators by year (observed ones only)."""
        return self._run(z, self.inputs, self.columns, end_year or self.end_year)

    def forecast(self, z: np.ndarray, end_year: int, indicators: Iterable[str]) -> pd.DataFrame:
        """Run from the base year to ``end_year``, past the fitting window.

        Lever series, sampled on the fitting grid, are held at their last value
        after it. The objective itself is left as it was.

        Parameters
        ----------
        z : numpy.ndarray
            Fitted parameters in the fitting space (as for :meth:`simulate`).
        end_year : int
            Last year of the run.
        indicators : iterable of str
            Catalogue names of the indicators to return.

        Returns
        -------
        pandas.DataFrame
            ``indicators`` (in that order) by whole year.
        """
        entries = catalogue.indicators(self.model)
        columns = {name: entries[name].vensim_name for name in indicators}
        inputs = {k: _extend(v, self.spec.base_year, end_year) for k, v in self.inputs.items()}
        return self._run(z, inputs, columns, end_year)

    def _run(
        self, z: np.ndarray, inputs: dict, columns: dict[str, str], end_year: int
    ) -> pd.DataFrame:
        self.evaluations += 1
        # One PySD run (the reference); lever series are on the run's own grid.
        inputs = {
            k: (v.to_numpy()[None, :] if isinstance(v, pd.Series) else v)
            for k, v in {**inputs, **self.parameters(z)}.items()
        }
        times, out = run_cases(
            self.model,
            inputs,
            1,
            engine="pysd",
            initial_time=self.spec.base_year,
            final_time=end_year,
            time_step=self.time_step,
            saveper=1.0,
            columns=list(columns.values()),
        )
        frame = pd.DataFrame(
            {c: out[c][0] for c in columns.values()}, index=np.rint(times).astype(int)
        )
        return frame.rename(columns={v: k for k, v in columns.items()})

    def simulate_many(self, z: np.ndarray) -> np.ndarray:
        """Model values at the observations for each row of ``z`` (shape ``(k, p)``).

        Uses the batch engine (all rows in one vectorised run) where it
        supports the model, else PySD row by row; returns shape ``(k, n_obs)``.
        """
        z = np.atleast_2d(z)
        years, out = self._run_many(z, self.inputs, self.columns, self.end_year)
        columns = [self.columns[i] for i in self.obs["indicator"]]
        index = [years.index(y) for y in self.obs["year"]]
        return (
            np.column_stack([out[c][:, t] for c, t in zip(columns, index)])
            if len(columns)
            else np.zeros((len(z), 0))
        )

    def forecast_many(
        self, z: np.ndarray, end_year: int, indicators: Iterable[str]
    ) -> tuple[list[int], dict[str, np.ndarray]]:
        """Run every row of ``z`` to ``end_year`` in one batch call (as :meth:`forecast`).

        Returns
        -------
        years : list of int
        values : dict of str to numpy.ndarray
            Indicator to shape ``(len(z), len(years))``.
        """
        entries = catalogue.indicators(self.model)
        columns = {name: entries[name].vensim_name for name in indicators}
        inputs = {k: _extend(v, self.spec.base_year, end_year) for k, v in self.inputs.items()}
        years, out = self._run_many(np.atleast_2d(z), inputs, columns, end_year)
        return years, {name: out[column] for name, column in columns.items()}

    def _run_many(
        self, z: np.ndarray, inputs: dict, columns: dict[str, str], end_year: int
    ) -> tuple[list[int], dict[str, np.ndarray]]:
        k = len(z)
        self.evaluations += k
        params = {
            name: (
                np.broadcast_to(value.to_numpy(), (k, len(value)))
                if isinstance(value, pd.Series)
                else value
            )
            for name, value in inputs.items()
        }
        for j, p in enumerate(self.priors):
            params[p.name] = np.exp(z[:, j]) if p.transform == "log" else z[:, j]
        times, out = run_cases(
            self.model,
            params,
            k,
            initial_time=self.spec.base_year,
            final_time=end_year,
            time_step=self.time_step,
            saveper=1.0,
            columns=list(columns.values()),
        )
        return list(np.rint(times).astype(int)), out

    def residuals_many(self, z: np.ndarray) -> np.ndarray:
        """Return data residuals followed by prior residuals, one row per row of ``z``."""
        z = np.atleast_2d(z)
        sim = self.simulate_many(z)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_error = (np.log(np.maximum(sim, 1e-12)) + self.log_shift(z)
                         - np.log(self.obs["value"].to_numpy()))
        log_error = np.where(self.one_sided, np.minimum(log_error, 0.0), log_error)
        priors = self.fit_priors[: z.shape[1]]
        means = np.array([p.mean for p in priors])
        sds = np.array([p.sd for p in priors])
        return np.hstack([self.scale * log_error, (z - means) / sds])

    def residuals(self, z: np.ndarray) -> np.ndarray:
        """Return data residuals followed by prior residuals."""
        return self.residuals_many(np.asarray(z, dtype=float)[None, :])[0]

    def jacobian(self, z: np.ndarray) -> np.ndarray:
        """Forward-difference Jacobian, all perturbed runs in one batch call."""
        z = np.asarray(z, dtype=float)
        step = 1e-6 * np.maximum(1.0, np.abs(z))
        lower = np.array([p.lower for p in self.fit_priors[: len(z)]])
        upper = np.array([p.upper for p in self.fit_priors[: len(z)]])
        # step inward at an upper bound so that every run stays inside the bounds
        step = np.where(z + step > upper, -step, step)
        points = np.vstack([z, z + np.diag(step)])
        points = np.clip(points, lower, upper)
        values = self.residuals_many(points)
        return ((values[1:] - values[0]) / step[:, None]).T


#: Share of a parameter's fitting-space range within which an estimate counts as at
#: its bound [-] (the optimiser stops within rounding of it). assumption.
AT_BOUND_TOLERANCE = 1e-3


def at_bound(prior: Prior, z: float) -> bool:
    """Whether a fitting-space estimate sits at a bound of its prior (not identified)."""
    span = AT_BOUND_TOLERANCE * (prior.upper - prior.lower)
    return bool(z - prior.lower < span or prior.upper - z < span)


def _extend(value, start: int, end: int):
    """Extend a lever series sampled on the fitting grid to a longer horizon (held flat)."""
    if not isinstance(value, pd.Series):
        return value
    step = value.index[1] - value.index[0]
    grid = start + step * np.arange(int(round((end - start) / step)) + 1)
    return pd.Series(np.interp(grid, value.index.to_numpy(), value.to_numpy()), index=grid)


def baseline_scenario(region: str, model: LoadedModel) -> Scenario:
    """Return the region's baseline scenario without its profile (levers, base-year policy)."""
    data = read_yaml(SCENARIOS_DIR / f"{region}-baseline.yaml", "scenario file")
    data.pop("profile", None)
    return Scenario.from_dict(data, model)


def fit_region(
    region: str,
    *,
    until: int = FIT_END_YEAR,
    n_starts: int = 4,
    seed: int = 20261123,
    model: LoadedModel | None = None,
    observations: pd.DataFrame | None = None,
) -> Profile:
    """Fit a region and return its profile (not yet saved).

    Parameters
    ----------
    region : str
        Lowercase pinyin region name.
    until : int, default 2022
        Last outcome year used (``--until`` for backtests).
    n_starts : int, default 4
        Optimiser starts: the prior mean and ``n_starts - 1`` Latin-hypercube points.
    seed : int
        Seed of the Latin hypercube.
    model : LoadedModel, optional
    observations : pandas.DataFrame, optional
        Replaces the documented outcomes (columns ``indicator``, ``year``,
        ``value``, ``bound``, ``weight``, ``line``, ``note``): synthetic data in
        tests, or the packaged outcomes with a user's own (``calibration.own_data``),
        which may run past FIT_END_YEAR.

    Returns
    -------
    Profile
    """
    if until > FIT_END_YEAR and observations is None:
        # later packaged outcomes are the hold-out; a user's own figures may go later
        raise ValueError(f"--until {until}: fitting uses outcomes up to {FIT_END_YEAR} only")
    model = model or load_model()
    spec = load_region_spec(region)
    if until <= spec.base_year:
        raise ValueError(f"--until {until} must be after {region}'s base year {spec.base_year}")
    documented = documented_values(spec)
    fixed = {name: value for name, (value, _) in documented.items()}
    fixed.update(
        {name: float(a["value"]) for name, a in spec.assumed.items() if name not in spec.fit}
    )
    objective = Objective(spec, until, model, fixed, observations)
    priors_ = objective.fit_priors  # model parameters, then estimated measurement terms

    lower = np.array([p.lower for p in priors_])
    upper = np.array([p.upper for p in priors_])
    mean = np.clip([p.mean for p in priors_], lower, upper)
    starts = [mean]
    if n_starts > 1 and priors_:
        sampler = qmc.LatinHypercube(d=len(priors_), seed=seed)
        span_low = np.maximum(lower, mean - 2 * np.array([p.sd for p in priors_]))
        span_high = np.minimum(upper, mean + 2 * np.array([p.sd for p in priors_]))
        starts += list(qmc.scale(sampler.random(n_starts - 1), span_low, span_high))
    best = None
    if priors_:
        for x0 in starts:
            result = optimize.least_squares(
                objective.residuals,
                np.clip(x0, lower, upper),
                bounds=(lower, upper),
                method="trf",
                x_scale=np.array([p.sd for p in priors_]),
                max_nfev=200,
                jac=objective.jacobian,
            )
            if best is None or result.cost < best.cost:
                best = result
        jac = best.jac
        covariance = np.linalg.pinv(jac.T @ jac)
        z_hat = best.x
    else:
        covariance, z_hat = np.zeros((0, 0)), np.zeros(0)
    # the measurement terms stay in the fit record; the profile's Gaussian is the model
    # parameters' marginal (a covariance submatrix)
    measured = _measurement_record(objective, z_hat, covariance)
    final = objective.residuals(z_hat)  # with the measurement terms at their estimates
    k = len(objective.priors)
    z_hat, covariance = z_hat[:k], covariance[:k, :k]
    priors_ = objective.priors

    values = dict(fixed)
    values.update(objective.parameters(z_hat))
    entries: dict[str, dict] = {}
    for name, (value, citation) in documented.items():
        entries[name] = {"status": "documented", "source": citation}
    catalogued = catalogue.parameters(model)
    for name, a in spec.assumed.items():
        entries[name] = {
            "status": "assumed",
            "low": a["low"],
            "high": a["high"],
            "reason": a["reason"],
        }
        # the model's valid range, so that ensemble draws stay inside it
        if catalogued[name].min is not None:
            entries[name]["min"] = catalogued[name].min
        if catalogued[name].max is not None:
            entries[name]["max"] = catalogued[name].max
    for j, p in enumerate(priors_):
        post_sd = float(math.sqrt(max(covariance[j, j], 0.0)))
        entry = entries.get(name := p.name, {})
        entry.update(
            status="fitted",
            fitted=True,
            space=p.transform,
            prior_mean=float(p.from_space(p.mean)),
            prior_sd=float(p.sd),
            posterior_sd=post_sd,
            # at a bound the Laplace sd is invalid and the data do not pin the value (#18)
            identified=bool(post_sd < 0.5 * p.sd) and not at_bound(p, z_hat[j]),
        )
        entries[name] = entry

    from simulator.results import data_version, package_versions

    n_data = len(objective.obs)
    return Profile(
        region=region,
        base_year=spec.base_year,
        fit_until=until,
        values={k: float(v) for k, v in values.items()},
        entries=entries,
        fitted=[p.name for p in priors_],
        transforms={p.name: p.transform for p in priors_},
        mean=[float(v) for v in z_hat],
        covariance=covariance.tolist(),
        bounds={p.name: [p.from_space(p.lower), p.from_space(p.upper)] for p in priors_},
        fit={
            "objective": float(0.5 * np.sum(final**2)),
            "data_residual_ss": float(np.sum(final[:n_data] ** 2)),
            "observations_used": n_data,
            "starts": len(starts) if priors_ else 0,
            "model_evaluations": objective.evaluations,
            "seed": seed,
            "measurement": measured,
        },
        provenance={
            "data_sha256": data_version(),
            "model_sha256": model.sha256,
            "spec_file": f"calibration/specs/{region}.yaml",
            "created": _dt.date.today().isoformat(),
            "package_version": package_versions()["innovation-dynamics"],
        },
    )


def _measurement_record(objective: Objective, z_hat: np.ndarray, covariance: np.ndarray) -> dict:
    """Stated offsets and estimated measurement terms of a fit, for the profile's record."""
    k = len(objective.priors)
    out = {}
    for brk in objective.measurement.applied:
        if brk.sd == 0:
            out[brk.name] = {"stated": float(brk.offset), "source": brk.source}
    for j, term in enumerate(objective.measurement.terms, start=k):
        out[term.name] = {"estimate": float(z_hat[j]),
                          "posterior_sd": float(math.sqrt(max(covariance[j, j], 0.0))),
                          "prior_mean": float(term.mean), "prior_sd": float(term.sd),
                          "status": term.status, "source": term.source}
    return out
