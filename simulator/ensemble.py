"""Ensembles: many runs of one scenario with uncertain parameters drawn from a seed.

Where the draws come from (the scenario's ``uncertainty`` section, see
:mod:`simulator.uncertainty`):

- the scenario's calibration profile (``profile:``, else its region:
  ``simulator/data/profiles/<name>.yaml``, :meth:`simulator.data.profile.Profile.sample`)
  when ``simulator.data.profile`` is importable, the file exists and it can be
  sampled, unless ``source: stated``; the profile's draws win for every
  parameter it draws, since they carry the calibrated uncertainty;
- the distributions the section states: for the parameters the profile does
  not draw, and for all of them when there is no usable profile (or
  ``source: stated``);
- opt-in (``assumed: ranges`` in the section, or ``draw_assumed=True``, the
  CLI's ``--draw-assumed``): the assumed model parameters of
  ``simulator/data/assumed_ranges.yaml`` (:mod:`simulator.assumed`) that
  neither of the above draws nor the scenario or profile sets. Off by default,
  so that today's ensembles stay as they are.

``Ensemble.source`` and ``Ensemble.notes`` say which was used, so that every
output can state it.

Members are drawn in blocks of :data:`DRAW_BLOCK`: block ``k`` (members
``k B .. (k + 1) B - 1``) from :func:`block_seed` ``(seed, k)``, block 0 from the
seed itself, so an ensemble of at most ``B`` members draws as it always did.
A member's draws depend on the seed, the ensemble's size and its index only,
never on how the runs are chunked (:mod:`simulator.ensemble_stream`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.errors import ScenarioError
from simulator.scenario import Scenario
from simulator.uncertainty import FROM_PROFILE, draw_stated, stated_parameters

#: Quantiles of the uncertainty band the app draws [-].
BAND = (0.05, 0.5, 0.95)
#: Quantiles ``run --ensemble`` writes: the 50% and 90% bands and the median [-].
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Most members an ensemble holds in memory (every run's values: :class:`Ensemble`);
#: the command line streams larger ones (:mod:`simulator.ensemble_stream`) [members].
MAX_IN_MEMORY = 100_000
#: Most members of any ensemble: streamed, 10^8 take about 2 h here (75 us a member
#: measured on ningxia-plan) in bounded memory; 10^9 would take most of a day [members].
MAX_ENSEMBLE = 100_000_000
#: Members drawn from one seed (see the module docstring) [members].
DRAW_BLOCK = MAX_IN_MEMORY


@dataclass(frozen=True)
class Ensemble:
    """Indicators of ``n`` runs of a scenario, one per parameter draw.

    Attributes
    ----------
    years : numpy.ndarray
        Output years [year].
    values : dict of str to numpy.ndarray
        Indicator to an array of shape ``(n, len(years))`` [unit of the indicator].
    draws : pandas.DataFrame
        The drawn parameter values, one row per run.
    seed : int
        The seed the draws came from.
    source : str
        ``"profile"``, ``"stated"``, ``"profile+stated"``, each with
        ``"+assumed"`` when the assumed parameters were drawn.
    notes : tuple of str
        One-line statements of where the draws came from, for output.
    """

    years: np.ndarray
    values: dict[str, np.ndarray]
    draws: pd.DataFrame
    seed: int
    source: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n(self) -> int:
        """Number of runs."""
        return len(self.draws)

    def quantiles(self, q: tuple[float, ...] = BAND) -> pd.DataFrame:
        """Quantiles of every indicator by year.

        Parameters
        ----------
        q : tuple of float
            Quantile levels in [0, 1] (default 5%, 50%, 95%).

        Returns
        -------
        pandas.DataFrame
            Index ``year``; columns a MultiIndex ``(indicator, q)``, so that
            ``ens.quantiles()["rd_expenditure"][0.05]`` is the lower band.
        """
        levels = [float(x) for x in q]
        if not levels or not all(0.0 <= x <= 1.0 for x in levels):
            raise ValueError(f"quantile levels must lie in [0, 1], got {list(q)}")
        blocks = {
            (name, level): row
            for name, runs in self.values.items()
            for level, row in zip(levels, np.quantile(runs, levels, axis=0))
        }
        frame = pd.DataFrame(blocks, index=pd.Index(self.years, name="year"))
        frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["indicator", "q"])
        return frame

    def quantiles_long(self, q: tuple[float, ...] = QUANTILES) -> pd.DataFrame:
        """Quantiles of every indicator by year in long form, for scripts that check bands.

        Parameters
        ----------
        q : tuple of float
            Quantile levels in [0, 1] (default 5, 25, 50, 75 and 95%).

        Returns
        -------
        pandas.DataFrame
            Columns ``year``, ``indicator``, ``quantile`` and ``value`` [unit of
            the indicator], one row per (year, indicator, quantile), sorted by
            indicator, year and quantile.
        """
        wide = self.quantiles(q)
        long = wide.stack(["indicator", "q"], future_stack=True).rename("value").reset_index()
        long = long.rename(columns={"q": "quantile"})
        return long.sort_values(["indicator", "year", "quantile"], ignore_index=True)[
            ["year", "indicator", "quantile", "value"]]


def profile_file(name: str) -> Path | None:
    """Return the path of a calibration profile that exists, else None."""
    try:
        profiles = importlib.import_module("simulator.data.profile")
    except ImportError:
        return None
    try:  # a region's profile, or a profile file a scenario names (e.g. a backtest's)
        path = Path(profiles.resolve_profile(name))
    except ValueError:
        return None
    return path if path.is_file() else None


def _sample_profile(name: str, n: int, seed: int) -> tuple[list[dict] | None, str]:
    """Draws from a region's profile, or None and why it could not be sampled."""
    from simulator.data.profile import load_profile

    try:
        return load_profile(name).sample(n, int(seed)), ""
    except (KeyError, TypeError, ValueError, OSError) as error:
        return (
            None,
            f"calibration profile {name!r} could not be sampled ({type(error).__name__}: {error})",
        )


def draw_parameters(
    scenario: Scenario, n: int, seed: int, *, draw_assumed: bool | None = None
) -> tuple[list[dict[str, float]], str, tuple[str, ...]]:
    """Draw ``n`` parameter sets for a scenario (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
    n : int
        Number of draws (>= 1).
    seed : int
        Seed for the profile's sampler and the stated distributions.
    draw_assumed : bool, optional
        Also draw the assumed parameters from their ranges (True), or not
        (False); None (default): as the scenario's ``uncertainty: assumed:``
        says (``none`` when absent).

    Returns
    -------
    draws : list of dict
        Parameter overrides per run.
    source : str
        ``"profile"``, ``"stated"``, ``"profile+stated"``, each with
        ``"+assumed"`` when the assumed parameters were drawn.
    notes : tuple of str
        Where the draws came from.

    Raises
    ------
    ScenarioError
        When there is nothing to draw, or ``source: profile`` is asked for
        and no profile is available.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"ensemble size n must be a whole number >= 1, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a whole number, got {seed!r}")
    spec = scenario.uncertainty or {"source": "auto", "parameters": {}}
    name = scenario.profile or scenario.region
    path = profile_file(name) if name and spec["source"] != "stated" else None
    notes: list[str] = []
    draws: list[dict[str, float]] = [{} for _ in range(n)]
    used = []
    profile_draws, failure = _sample_profile(name, n, seed) if path is not None else (None, "")
    if path is not None and not failure and spec["source"] in ("posterior", "pooled"):
        from simulator.data.profile import sample_posterior

        pooled = spec["source"] == "pooled"
        try:
            posterior = sample_posterior(name, n, int(seed), pooled=pooled)
        except (OSError, KeyError, ValueError) as error:
            raise ScenarioError(f"scenario {scenario.name!r}: {error}") from None
        for mine, theirs in zip(profile_draws, posterior):
            mine.update(theirs)
        kind = "pooled (all regions) posterior" if pooled else "MCMC posterior"
        notes.append(
            f"fitted parameters: {kind} draws of {name!r} ({len(posterior[0])}"
            f" parameters: {sorted(posterior[0])})"
        )
    if failure and spec["source"] in ("profile", "posterior", "pooled"):
        raise ScenarioError(f"scenario {scenario.name!r}: {failure}")
    if failure:
        notes.append(f"{failure}; falling back to the stated distributions")
        path = None
    if path is not None:
        drawn = sorted(profile_draws[0]) if profile_draws else []
        for mine, theirs in zip(draws, profile_draws):
            mine.update(theirs)
        notes.append(
            f"parameter draws: calibration profile '{path.name}' ({len(drawn)} parameters)"
        )
        used.append("profile")
    elif spec["source"] in ("profile", "posterior", "pooled"):
        raise ScenarioError(
            f"scenario {scenario.name!r} asks for uncertainty source {spec['source']!r} but there"
            " is no calibration"
            f" profile for {name!r}; use source 'auto' or 'stated', or calibrate the region first"
        )
    else:
        why = (
            "source: stated"
            if spec["source"] == "stated"
            else "the profile could not be sampled"
            if failure
            else f"no calibration profile for {name!r}"
        )
        notes.append(
            f"parameter draws: distributions stated in the scenario's uncertainty section ({why})"
        )
        skipped = sorted(k for k, v in spec["parameters"].items() if v == FROM_PROFILE)
        if skipped:
            notes.append(
                f"kept at their scenario values (marked 'profile', no profile available): {skipped}"
            )
    stated = stated_parameters(spec)
    if path is not None:
        covered = sorted(set(stated) & set(drawn))
        stated = {k: v for k, v in stated.items() if k not in drawn}
        if covered:
            notes.append(f"drawn from the profile, not the stated distributions: {covered}")
    if stated:
        params = catalogue.parameters()
        for mine, theirs in zip(draws, draw_stated({"parameters": stated}, n, int(seed), params)):
            mine.update(theirs)
        used.append("stated")
        if path is not None:
            notes.append(f"stated distributions used for {len(stated)} parameters:"
                         f" {sorted(stated)}")
    if draw_assumed if draw_assumed is not None else spec.get("assumed") == "ranges":
        notes.append(_add_assumed(scenario, name if path is not None else None, draws, int(seed)))
        used.append("assumed")
    if not any(draws[0]):
        raise ScenarioError(
            f"scenario {scenario.name!r} has nothing uncertain to draw: add an 'uncertainty'"
            " section"
            " with stated distributions, or a calibration profile for its region"
        )
    return draws, "+".join(used), tuple(notes)


def block_seed(seed: int, block: int) -> int:
    """Seed of draw block ``block``: the seed itself for block 0, else its child ``block``."""
    if block == 0:
        return int(seed)
    state = np.random.SeedSequence(int(seed), spawn_key=(int(block),)).generate_state(2, np.uint32)
    return int(state[0]) << 32 | int(state[1])


def block_count(n: int) -> int:
    """Return the number of draw blocks of an ensemble of ``n`` members."""
    return -(-n // DRAW_BLOCK)


def draw_block(
    scenario: Scenario, n: int, seed: int, block: int, *, draw_assumed: bool | None = None
) -> tuple[list[dict[str, float]], str, tuple[str, ...]]:
    """Draws of block ``block`` of an ensemble of ``n`` members (as :func:`draw_parameters`)."""
    size = min(DRAW_BLOCK, n - block * DRAW_BLOCK)
    if size < 1:
        raise ValueError(f"an ensemble of {n:,} members has no draw block {block}")
    return draw_parameters(scenario, size, block_seed(seed, block), draw_assumed=draw_assumed)


def draw_members(
    scenario: Scenario, n: int, seed: int, *, draw_assumed: bool | None = None
) -> tuple[list[dict[str, float]], str, tuple[str, ...]]:
    """All ``n`` members' draws, block by block (:func:`draw_parameters` for n <= DRAW_BLOCK)."""
    draws, source, notes = draw_block(scenario, n, seed, 0, draw_assumed=draw_assumed)
    for block in range(1, block_count(n)):
        draws += draw_block(scenario, n, seed, block, draw_assumed=draw_assumed)[0]
    return draws, source, notes


def _add_assumed(scenario: Scenario, profile: str | None, draws: list[dict], seed: int) -> str:
    """Add the assumed parameters' draws to ``draws``; return the note that says so."""
    from simulator.assumed import draw_assumed, summary
    from simulator.data.profile import load_profile

    fixed = set(scenario.parameters) | (set(load_profile(profile).values) if profile else set())
    skip = set(draws[0]) | fixed
    extra = draw_assumed(len(draws), seed, skip=skip)
    for mine, theirs in zip(draws, extra):
        mine.update(theirs)
    note = summary(sorted(extra[0]))
    return note + (f"; set by the scenario or profile, not drawn: {sorted(fixed & _ranged())}"
                   if fixed & _ranged() else "")


def _ranged() -> set[str]:
    from simulator.assumed import load_ranges

    return set(load_ranges())


def run_ensemble(
    scenario: Scenario,
    n: int,
    seed: int,
    *,
    engine: str = "auto",
    indicators: list[str] | None = None,
    draw_assumed: bool | None = None,
) -> Ensemble:
    """Run ``n`` draws of a scenario's uncertain parameters.

    Parameters
    ----------
    scenario : Scenario
    n : int
        Number of runs.
    seed : int
        Seed of every draw: the same seed gives the same ensemble.
    engine : str
        Engine passed to :func:`simulator.runner.run_variants`.
    indicators : list of str, optional
        Defaults to all catalogued indicators.
    draw_assumed : bool, optional
        See :func:`draw_parameters` (default: as the scenario says, else no).

    Returns
    -------
    Ensemble

    Raises
    ------
    ValueError
        If ``n`` exceeds :data:`MAX_IN_MEMORY` or ``n`` members x the time steps of the
        horizon exceed :data:`simulator.engine.timegrid.MAX_RUN_STEPS` (before any
        draw); :func:`simulator.ensemble_stream.summarise_ensemble` streams those.
    """
    from simulator.engine.timegrid import check_run_steps, time_grid
    from simulator.runner import run_variants

    if n > MAX_IN_MEMORY:
        raise ValueError(f"an ensemble held in memory has at most {MAX_IN_MEMORY:,} members, got"
                         f" {n:,}; simulator.ensemble_stream.summarise_ensemble streams up to"
                         f" {MAX_ENSEMBLE:,}")
    steps = len(time_grid(scenario.start_year, scenario.end_year, scenario.time_step))
    check_run_steps(n, steps, f"an ensemble of {n:,} members",
                    "use fewer members, a shorter horizon or a larger time_step")
    draws, source, notes = draw_members(scenario, n, seed, draw_assumed=draw_assumed)
    years, values = run_variants(scenario, draws, engine=engine, indicators=indicators)
    return Ensemble(
        years=np.asarray(years),
        values=values,
        draws=pd.DataFrame(draws),
        seed=int(seed),
        source=source,
        notes=notes,
    )
