"""Assumed model parameters an ensemble can draw from their stated ranges (issue #18 point 5).

``simulator/data/assumed_ranges.yaml`` lists each assumed constant of the core
model (not fitted, not documented, not a lever, not a start value of the
profiles) with its plausible range and its source in model-evidence.md or
the reason for an assumption. :func:`load_ranges` reads and checks it against
the model; :func:`draw_assumed` draws from it with an explicit seed, by Latin
hypercube (the default) or plain random sampling.

Drawing them is opt-in (``uncertainty: {assumed: ranges}`` in a scenario,
``--draw-assumed`` on the CLI): without it an ensemble is what it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.stats import qmc

from simulator.paths import DATA_DIR

#: The reviewed data file of ranges.
RANGES_FILE = DATA_DIR / "assumed_ranges.yaml"
#: ``uncertainty: assumed:`` values: keep assumed parameters fixed, or draw them.
ASSUMED_CHOICES = ("none", "ranges")
#: Sampling methods of :func:`draw_assumed`.
METHODS = ("lhs", "random")
DISTRIBUTIONS = ("triangular", "uniform")
#: Second word of the seed sequence, so that these draws are a stream apart from
#: the profile's and the stated distributions' (both ``default_rng(seed)``).
_STREAM = 18005
_KEYS = {"low", "high", "distribution", "symbol", "stated", "source", "policy"}


@dataclass(frozen=True)
class AssumedRange:
    """One assumed parameter's range.

    Attributes
    ----------
    name : str
        Model constant (PySD name).
    low, high : float
        The plausible range [unit of the parameter].
    mode : float
        The model's default, the mode of a triangular draw.
    distribution : str
        ``"triangular"`` or ``"uniform"``.
    source : str
        ``"model-evidence.md"``, ``"mdl: ..."`` or ``"assumption: ..."``.
    symbol, stated : str
        model-evidence.md's symbol and stated range ("" when none).
    policy : tuple of str
        Levers whose response the parameter scales.
    """

    name: str
    low: float
    high: float
    mode: float
    distribution: str
    source: str
    symbol: str = ""
    stated: str = ""
    policy: tuple[str, ...] = ()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at the quantiles ``u`` in [0, 1) of the distribution."""
        width = self.high - self.low
        if self.distribution == "uniform":
            return self.low + u * width
        c = (self.mode - self.low) / width
        return stats.triang.ppf(u, c, loc=self.low, scale=width)


def load_ranges(path: str | Path | None = None) -> dict[str, AssumedRange]:
    """Read and check the ranges file.

    Raises
    ------
    ValueError
        One line naming the entry and the problem: an unknown constant, a
        lever, an unknown key or distribution, ``low >= high``, a bound outside
        the model's valid range, or a default outside ``[low, high]``.
    """
    return dict(_load(str(Path(path or RANGES_FILE).resolve())))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[tuple[str, AssumedRange], ...]:
    from simulator import catalogue
    from simulator.yaml_input import read_yaml

    data = read_yaml(path, "assumed-ranges file")
    entries = data.get("parameters")
    if not isinstance(entries, dict) or not entries:
        raise ValueError(f"{path}: needs a 'parameters' mapping of model constants to ranges")
    params, levers = catalogue.parameters(), catalogue.levers()
    out = []
    for name, spec in entries.items():
        where = f"{Path(path).name}: {name!r}"
        if name in levers:
            raise ValueError(f"{where} is a lever, not an assumed parameter")
        if name not in params:
            raise ValueError(f"{where} is not a constant of the model (see `python -m simulator"
                             " parameters`)")
        if not isinstance(spec, dict) or not {"low", "high", "source"} <= set(spec):
            raise ValueError(f"{where} needs 'low', 'high' and 'source'")
        unknown = set(spec) - _KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}; valid: {sorted(_KEYS)}")
        entry = params[name]
        item = AssumedRange(
            name=name, low=float(spec["low"]), high=float(spec["high"]),
            mode=float(entry.default), distribution=spec.get("distribution", "triangular"),
            source=str(spec["source"]), symbol=str(spec.get("symbol", "")),
            stated=str(spec.get("stated", "")), policy=tuple(spec.get("policy", ())),
        )
        _check(where, item, entry, levers)
        out.append((name, item))
    return tuple(out)


def _check(where: str, item: AssumedRange, entry, levers: dict) -> None:
    if item.distribution not in DISTRIBUTIONS:
        raise ValueError(f"{where}: distribution {item.distribution!r} is not one of"
                         f" {list(DISTRIBUTIONS)}")
    if not item.low < item.high:
        raise ValueError(f"{where}: low {item.low:g} must be less than high {item.high:g}")
    lo = -np.inf if entry.min is None else entry.min
    hi = np.inf if entry.max is None else entry.max
    if not (lo <= item.low and item.high <= hi):
        raise ValueError(f"{where}: range [{item.low:g}, {item.high:g}] leaves the model's valid"
                         f" range [{lo:g}, {hi:g}]")
    if not item.low <= item.mode <= item.high:
        raise ValueError(f"{where}: the model's default {item.mode:g} lies outside"
                         f" [{item.low:g}, {item.high:g}]")
    bad = [p for p in item.policy if p not in levers]
    if bad:
        raise ValueError(f"{where}: policy {bad} are not levers; valid: {sorted(levers)}")


def draw_assumed(
    n: int, seed: int, *, skip: set[str] | frozenset[str] = frozenset(), method: str = "lhs",
    ranges: dict[str, AssumedRange] | None = None,
) -> list[dict[str, float]]:
    """Draw ``n`` sets of the assumed parameters.

    Parameters
    ----------
    n : int
        Number of draws (>= 1).
    seed : int
        Seed (>= 0); the generator is ``default_rng([seed, 18005])``, a stream
        apart from the profile's, so adding these draws leaves those unchanged.
    skip : set of str
        Parameters drawn elsewhere (profile, posterior, stated) or set by the
        scenario: not drawn here, so nothing is drawn twice.
    method : str
        ``"lhs"``: a Latin hypercube, one stratum per draw in each parameter;
        ``"random"``: independent draws.
    ranges : dict, optional
        Default: :func:`load_ranges`.

    Returns
    -------
    list of dict
        ``n`` mappings of parameter name to value, in name order.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {list(METHODS)}")
    items = [r for name, r in sorted((ranges or load_ranges()).items()) if name not in skip]
    if not items:
        return [{} for _ in range(n)]
    rng = np.random.default_rng([int(seed), _STREAM])
    if method == "lhs":
        u = qmc.LatinHypercube(d=len(items), seed=rng).random(n)
    else:
        u = rng.random((n, len(items)))
    columns = {r.name: r.ppf(u[:, j]) for j, r in enumerate(items)}
    return [{name: float(v[i]) for name, v in columns.items()} for i in range(n)]


def summary(names: list[str], ranges: dict[str, AssumedRange] | None = None) -> str:
    """One line for an ensemble's notes: how many were drawn from which source."""
    ranges = ranges or load_ranges()
    drawn = [ranges[n] for n in names]
    evidence = sum(r.source == "model-evidence.md" for r in drawn)
    mdl = sum(r.source.startswith("mdl") for r in drawn)
    policy = sum(bool(r.policy) for r in drawn)
    return (
        f"assumed parameters: {len(drawn)} drawn from their ranges in {RANGES_FILE.name}"
        f" ({evidence} model-evidence.md ranges, {mdl} .mdl comments,"
        f" {len(drawn) - evidence - mdl} marked assumptions; {policy} policy responses)"
    )
