"""Region profiles: base year, initial stocks, fitted parameters with uncertainty.

A profile (``simulator/data/profiles/<region>.yaml``) is what the fitter writes
and what scenarios use (``profile: <region>``). It records every parameter it
sets with its status:

``documented``
    read from ``simulator/data/observations.csv`` (row cited);
``fitted``
    estimated by :func:`calibration.fitting.fit_region` (MAP), with a
    posterior standard deviation and whether the data identify it;
``assumed``
    no source: a value with a wide 90% range and the reasoning.

:meth:`Profile.sample` draws parameter sets for ensembles: fitted parameters
from the Laplace (Gaussian) approximation of the posterior, in the
transformed space the fit used, and assumed ones from their log-normal prior.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from simulator import catalogue
from simulator.errors import YamlInputError, did_you_mean
from simulator.paths import PROFILES_DIR, profile_file  # noqa: F401 - PROFILES_DIR is public
from simulator.yaml_input import read_yaml

REGIONS = catalogue.REGIONS  # re-exported: the one list is the catalogue's

#: Keys every profile file has; ``posterior``, ``fit`` and ``provenance`` are optional.
REQUIRED_KEYS = ("region", "base_year", "fit_until", "parameters")
#: What a profile file should hold, for error messages.
EXPECTED = (
    "expected a calibration profile: a mapping with keys 'region', 'base_year', 'fit_until' and"
    " 'parameters' (each parameter a mapping with a 'value'), as `python -m simulator calibrate"
    " REGION` writes it"
)

#: z of the 5% and 95% quantiles of a standard normal: [low, high] of an
#: assumed value is its 90% interval.
Z90 = 1.6448536269514722


@dataclass
class Profile:
    """A region's calibrated starting point and parameter uncertainty.

    Attributes
    ----------
    region : str
    base_year : int
    fit_until : int
        Last outcome year used in the fit.
    values : dict of str to float
        Every parameter the profile sets (documented, fitted and assumed).
    entries : dict of str to dict
        Per parameter: ``status``, and ``source``/``reason``/``sd``/``low``/
        ``high``/``identified`` as they apply.
    fitted : list of str
        Names of fitted parameters, in the order of ``covariance``.
    transforms : dict of str to str
        ``"log"`` or ``"linear"``: the space in which each fitted parameter
        was estimated and is sampled.
    mean, covariance : list
        Posterior mean and covariance of the fitted parameters in that space.
    fit : dict
        Fit summary (cost, starts, observations used, statistics).
    provenance : dict
        Hashes of the data and model files, date, package version.
    """

    region: str
    base_year: int
    fit_until: int
    values: dict[str, float]
    entries: dict[str, dict] = field(default_factory=dict)
    fitted: list[str] = field(default_factory=list)
    transforms: dict[str, str] = field(default_factory=dict)
    mean: list[float] = field(default_factory=list)
    covariance: list[list[float]] = field(default_factory=list)
    bounds: dict[str, list[float]] = field(default_factory=dict)
    fit: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    def sample(self, n: int, seed: int) -> list[dict[str, float]]:
        """Draw ``n`` parameter sets (fitted and assumed parameters).

        Parameters
        ----------
        n : int
            Number of draws.
        seed : int
            Seed of the generator (``numpy.random.default_rng``).

        Returns
        -------
        list of dict
            Each a complete override of the uncertain parameters; draws of a
            fitted parameter are clipped to its bounds.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        rng = np.random.default_rng(seed)
        draws: list[dict[str, float]] = [dict() for _ in range(n)]
        if self.fitted:
            z = rng.multivariate_normal(np.asarray(self.mean), np.asarray(self.covariance), size=n)
            for j, name in enumerate(self.fitted):
                values = np.exp(z[:, j]) if self.transforms[name] == "log" else z[:, j]
                low, high = self.bounds.get(name, (-math.inf, math.inf))
                values = np.clip(values, low, high)
                for i in range(n):
                    draws[i][name] = float(values[i])
        for name, entry in self.entries.items():
            if entry.get("status") != "assumed" or name in self.fitted:
                continue
            mu = math.log(self.values[name])
            sd = math.log(entry["high"] / entry["low"]) / (2 * Z90)
            values = np.exp(rng.normal(mu, sd, size=n))
            values = np.clip(values, entry.get("min", 0.0), entry.get("max", math.inf))
            for i in range(n):
                draws[i][name] = float(values[i])
        return draws

    def to_dict(self) -> dict:
        """YAML-ready form."""
        return {
            "region": self.region,
            "base_year": self.base_year,
            "fit_until": self.fit_until,
            "parameters": {
                name: {"value": self.values[name], **self.entries.get(name, {})}
                for name in self.values
            },
            "posterior": {
                "fitted": list(self.fitted),
                "transforms": dict(self.transforms),
                "mean": [float(x) for x in self.mean],
                "covariance": [[float(x) for x in row] for row in self.covariance],
                "bounds": {k: [float(v[0]), float(v[1])] for k, v in self.bounds.items()},
            },
            "fit": self.fit,
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, data: dict, source: str = "<profile>") -> "Profile":
        """Inverse of :meth:`to_dict`, with a clear error for a malformed profile.

        Raises
        ------
        ValueError
            Naming ``source``, what is wrong and what a profile holds.
        """
        if not isinstance(data, dict):
            found = "nothing (an empty document)" if data is None else f"a {type(data).__name__}"
            raise ValueError(f"{source}: malformed profile: it holds {found}; {EXPECTED}")
        missing = [key for key in REQUIRED_KEYS if key not in data]
        if missing:
            listed = ", ".join(map(repr, missing))
            raise ValueError(f"{source}: malformed profile: no {listed}; {EXPECTED}")
        try:
            params = data["parameters"]
            posterior = data.get("posterior", {})
            return cls(
                region=str(data["region"]),
                base_year=int(data["base_year"]),
                fit_until=int(data["fit_until"]),
                values={k: float(v["value"]) for k, v in params.items()},
                entries={
                    k: {kk: vv for kk, vv in v.items() if kk != "value"} for k, v in params.items()
                },
                fitted=list(posterior.get("fitted", [])),
                transforms=dict(posterior.get("transforms", {})),
                mean=list(posterior.get("mean", [])),
                covariance=[list(r) for r in posterior.get("covariance", [])],
                bounds={k: list(v) for k, v in posterior.get("bounds", {}).items()},
                fit=dict(data.get("fit", {})),
                provenance=dict(data.get("provenance", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(
                f"{source}: malformed profile ({type(error).__name__}: {error}); {EXPECTED}"
            ) from None


def profile_path(region: str) -> Path:
    """Path of a region's profile file."""
    return PROFILES_DIR / f"{region}.yaml"


def resolve_profile(region_or_path: str | os.PathLike) -> Path:
    """Where a profile named by region (``"ningxia"``) or by file (``"x.yaml"``) is.

    The file need not exist; scenarios check their ``profile:`` with this
    when they are loaded, :func:`load_profile` when it is read.

    Raises
    ------
    ValueError
        If the name is neither a region nor a ``.yaml`` path; the message
        lists the regions, with a "did you mean".
    """
    text = str(region_or_path)
    if text in REGIONS:
        return profile_path(text)
    if text.endswith((".yaml", ".yml")):
        return Path(text)
    raise ValueError(
        f"unknown profile {text!r}{did_you_mean(text, REGIONS)}"
        f" (valid: {list(REGIONS)} or a .yaml path)"
    )


def load_profile(region_or_path: str | os.PathLike) -> Profile:
    """Load a profile by region name (``"ningxia"``) or file path.

    Raises
    ------
    FileNotFoundError
        If there is no profile for that region or path.
    ValueError
        If the name is not a region or the file is malformed.
    """
    text = str(region_or_path)
    path = resolve_profile(text)
    if not path.is_file():
        raise FileNotFoundError(
            f"no calibration profile at '{path}' (run: python -m simulator calibrate {text})"
        )
    return Profile.from_dict(_parsed_file(path), source=str(path))


def _parsed_file(path: Path) -> dict:
    """Return the parsed profile at ``path`` (cached while the file is unchanged)."""
    stat = path.stat()
    return _parsed(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _parsed(path: Path, mtime_ns: int, size: int) -> dict:
    """Return the parsed profile YAML, cached by file identity.

    Every scenario run with a profile needs it, and parsing dominated a single
    run's time (keyed by modification time and size, so an edited profile is
    read again).

    Raises
    ------
    YamlInputError
        If the file is not UTF-8 text or not valid YAML (not cached); a ``ValueError``.
    """
    try:
        return read_yaml(path, "calibration profile", mapping=False)
    except YamlInputError as error:
        raise type(error)(f"{error}; {EXPECTED}") from None


def save_profile(profile: Profile, path: str | os.PathLike | None = None) -> Path:
    """Write a profile atomically (``simulator/data/profiles/<region>.yaml`` by default)."""
    from simulator.results import atomic_write_text

    path = Path(path) if path is not None else profile_path(profile.region)
    header = (
        f"# Calibration profile for {profile.region}, written by `python -m simulator calibrate`.\n"
        "# status: documented (row of simulator/data/observations.csv),"
        " fitted (MAP, posterior sd),\n"
        "# assumed (no source: value with a 90% range [low, high] and the reasoning).\n"
    )
    new = profile.to_dict()
    if path.is_file() and _undated(_parsed_file(path)) == _undated(new):
        return path  # only the date would change: leave a tracked file as it is
    atomic_write_text(path, header + yaml.safe_dump(new, allow_unicode=True, sort_keys=False))
    return path


def _undated(data) -> object:
    """Return a profile's content without its ``provenance.created`` date, for comparison."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    provenance = out.get("provenance")
    if isinstance(provenance, dict):
        out["provenance"] = {k: v for k, v in provenance.items() if k != "created"}
    return yaml.safe_load(yaml.safe_dump(out, allow_unicode=True, sort_keys=False))


def sample_posterior(region: str, n: int, seed: int, *, pooled: bool = False
                     ) -> list[dict[str, float]]:
    """Draw ``n`` parameter sets from a region's MCMC posterior (issue #18).

    The draws (``simulator/data/posteriors/<region>.csv``, written by
    ``python -m calibration REGION --method mcmc``) are resampled with
    replacement, so that fitted parameters keep their joint posterior; the
    series errors (``sigma:*`` columns) are left out.

    Parameters
    ----------
    region : str
    n : int
        Number of draws.
    seed : int
        Seed of the resampling (``numpy.random.default_rng``).
    pooled : bool, default False
        Draw from the pooled fit of all regions (``posteriors/pooled/<region>.csv``,
        written by ``python -m calibration.pooled_fit``) instead.

    Raises
    ------
    FileNotFoundError
        When the region has no posterior file.
    """
    import pandas as pd

    from simulator.paths import POSTERIORS_DIR

    path = POSTERIORS_DIR / ("pooled" if pooled else "") / f"{region}.csv"
    if not path.is_file():
        command = ("python -m calibration.pooled_fit" if pooled
                   else f"python -m calibration {region} --method mcmc")
        raise FileNotFoundError(
            f"no {'pooled' if pooled else 'MCMC'} posterior for {region!r} ({path}); run"
            f" `{command}` first, or use uncertainty source 'auto'"
        )
    draws = pd.read_csv(path, comment="#")
    # model parameters only: sigma:<series>, offset:<break> and bias:<series> are measurement
    params = draws[[c for c in draws.columns if ":" not in c]]
    rows = np.random.default_rng(seed).integers(0, len(params), size=n)
    return params.iloc[rows].to_dict("records")
